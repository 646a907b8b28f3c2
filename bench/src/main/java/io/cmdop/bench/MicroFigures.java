package io.cmdop.bench;

import io.cmdop.bench.micro.Streams;
import io.cmdop.bench.micro.TerminalParseBench;
import io.cmdop.session.EventRingBench;
import io.cmdop.session.FanOutBench;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/** Runs the JMH microbenchmarks (one fork each) and turns their scores into the table's units. */
final class MicroFigures {
    /** Score in operations per second, by "Class.method" or "Class.method[param]". */
    static Map<String, Double> run(BenchMode mode, Path log) throws RunnerException {
        Options options = new OptionsBuilder()
                .include("^" + TerminalParseBench.class.getName().replace(".", "\\.") + "\\.")
                .include("^" + EventRingBench.class.getName().replace(".", "\\.") + "\\.")
                .include("^" + FanOutBench.class.getName().replace(".", "\\.") + "\\.")
                .forks(1)
                .warmupIterations(mode.warmup())
                .warmupTime(TimeValue.milliseconds(mode.iterationMillis()))
                .measurementIterations(mode.measure())
                .measurementTime(TimeValue.milliseconds(mode.iterationMillis()))
                .jvmArgs("-Xms1g", "-Xmx1g", "-XX:+UseParallelGC")
                .output(log.toString())
                .build();
        Collection<RunResult> results = new Runner(options).run();
        Map<String, Double> scores = new LinkedHashMap<>();
        for (RunResult r : results) {
            String benchmark = r.getParams().getBenchmark();
            String shortName = benchmark.substring(benchmark.lastIndexOf('.', benchmark.lastIndexOf('.') - 1) + 1);
            String param = r.getParams().getParamsKeys().isEmpty() ? ""
                    : "[" + r.getParams().getParam(r.getParams().getParamsKeys().iterator().next()) + "]";
            scores.put(shortName + param, r.getPrimaryResult().getScore());
        }
        return scores;
    }

    /** {@code method}: "feed" or "feedReadingScreen". */
    static double parseMBps(Map<String, Double> scores, String method, String stream) {
        Double ops = scores.get("TerminalParseBench." + method + "[" + stream + "]");
        return ops == null ? Double.NaN : ops * TerminalParseBench.operationBytes(stream) / 1e6;
    }

    static String[] streams() {
        return new String[] {Streams.TYPICAL, Streams.CJK, Streams.REDRAW};
    }
}
