package io.cmdop.bench;

import java.util.List;

/**
 * How much a run measures. {@code quick} stays under two minutes on a 2-core machine; {@code full}
 * streams at least 100 MB per figure and repeats each stream three times (the median is reported);
 * {@code smoke} exists for the module's own test and proves only that every part runs.
 *
 * @param streamBytes size of the throughput stream (1 client, 0 clients)
 * @param fanOutBytes size of the stream for the fan-out and stalled-observer figures
 * @param fanOuts observer counts for cmdop's fan-out figures
 * @param tmuxFanOuts client counts for tmux's fan-out figures
 * @param repeats runs per stream figure (median)
 * @param keys measured keystrokes per echo figure
 * @param keyWarmup at most this many unmeasured keystrokes before them (see {@link EchoFigures})
 * @param attaches measured attaches and resumes
 * @param idleSessions session counts for the memory figures
 * @param streamedSessions sessions for the memory figure of sessions idle after printing 1 MiB each
 * @param relayObservers observers attached through the relay for its memory per observer
 * @param cliAttaches measured CLI attaches
 * @param jmh whether the JMH microbenchmarks run, and how long ({@code warmup}/{@code measure} iterations of {@code iterationMillis})
 * @param settleMillis how long idle sessions are left to settle before their memory is read
 * @param streamWarmups at most this many warm-up rounds before the stream figures, each streaming
 *     {@code streamWarmupBytes} to 1 client locally, 1 through the relay and none (see
 *     {@code BenchMain.warmStreams}); at least two
 * @param thorough a fresh daemon (and relay) for the memory figures,
 *     and the CLI also started through the {@code ./cmdop} launcher script (which builds when
 *     sources changed: not from a test); off only in the smoke test
 */
record BenchMode(String name, long streamBytes, long fanOutBytes, List<Integer> fanOuts, List<Integer> tmuxFanOuts,
                 int repeats, int keys, int keyWarmup, int attaches, List<Integer> idleSessions, int streamedSessions,
                 int relayObservers, int cliAttaches,
                 boolean jmh, int warmup, int measure, int iterationMillis, int settleMillis, int streamWarmups,
                 long streamWarmupBytes, boolean thorough) {
    private static final long MIB = 1 << 20;

    BenchMode withStreams(long bytes) {
        return new BenchMode(name, bytes, bytes, fanOuts, tmuxFanOuts, repeats, keys, keyWarmup, attaches, idleSessions,
                streamedSessions, relayObservers, cliAttaches, jmh, warmup, measure, iterationMillis, settleMillis, streamWarmups,
                streamWarmupBytes, thorough);
    }

    static BenchMode quick() {
        return new BenchMode("quick", 32 * MIB, 16 * MIB, List.of(1, 10, 100), List.of(1, 10), 1, 1000, 300, 50,
                List.of(100), 30, 250, 3, true, 1, 1, 500, 1500, 2, 8 * MIB, true);
    }

    static BenchMode full() {
        return new BenchMode("full", 128 * MIB, 128 * MIB, List.of(1, 10, 100), List.of(1, 10), 3, 5000, 20_000, 300,
                List.of(100, 1000), 100, 1000, 10, true, 3, 5, 2000, 3000, 20, 32 * MIB, true);
    }

    static BenchMode smoke() {
        return new BenchMode("smoke", MIB, MIB / 2, List.of(1, 2), List.of(1), 1, 50, 50, 5, List.of(3), 3, 3, 1, false,
                0, 0, 0, 300, 2, MIB, false);
    }
}
