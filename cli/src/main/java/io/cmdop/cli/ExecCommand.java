package io.cmdop.cli;

import io.cmdop.client.CmdopClient;
import io.cmdop.client.CommandResult;
import io.cmdop.client.FleetExecResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code cmdop exec 'CMD'}: a command in a fresh short-lived session, on one machine or several at once. */
@Command(name = "exec", description = "Run a command in a fresh short-lived session (listed while it runs): "
        + "prints its output, exits with its exit code. With --machines, on each of them at once.")
final class ExecCommand implements Callable<Integer> {
    @Parameters(arity = "1..2", paramLabel = "[MACHINE] COMMAND",
            description = "Optionally a machine of your fleet (through the relay), then one command line for /bin/sh -c.")
    List<String> words;
    @Option(names = "--machines", split = ",", paramLabel = "M1,M2,...",
            description = "Run on each of these machines of your fleet at once; a name listed twice runs once.")
    List<String> machines;
    @Option(names = "--json", description = "Print {command_id, exit_code, output, duration_ms} at the end "
            + "(with --machines: results keyed by machine, and the machines that timed out).")
    boolean json;
    @Option(names = "--timeout", description = "Give up after this long (e.g. 30s); the session is ended.",
            converter = SessionCommand.DurationConverter.class)
    Duration timeout = Duration.ZERO;

    @Override
    public Integer call() {
        if (machines != null) {
            if (words.size() != 1) {
                throw new UserException("with --machines, give only the command line");
            }
            return onMachines();
        }
        String machine = words.size() == 2 ? words.get(0) : "";
        String command = words.getLast();
        try (Target target = Target.machine(machine)) {
            CommandResult r = target.terminal().execute(command, timeout,
                    json ? b -> { } : SessionCommand.Output::print);
            return SessionCommand.Output.finish(r, json);
        }
    }

    /** Exits with 0 when the command exited with 0 everywhere, 1 otherwise. */
    private int onMachines() {
        FleetExecResult all;
        try (CmdopClient client = Connection.remote()) {
            all = client.terminal().executeOn(machines, words.getFirst(), timeout);
        }
        if (json) {
            Map<String, Object> results = new LinkedHashMap<>();
            all.results().forEach((name, r) -> results.put(name, json(r)));
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("results", results);
            m.put("timed_out", all.timedOut());
            System.out.println(Json.pretty(m));
        } else {
            all.results().forEach((name, r) -> {
                if (r.result() != null) {
                    System.out.println("== " + name + ": exit " + r.result().exitCode() + ", "
                            + r.result().durationMs() + " ms");
                    SessionCommand.Output.print(r.result().output());
                } else {
                    System.out.println("== " + name + ": " + r.error().getMessage() + " [" + r.error().reasonName() + "]");
                }
            });
        }
        return all.allSucceeded() ? 0 : 1;
    }

    private static Map<String, Object> json(FleetExecResult.OnMachine r) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (r.result() != null) {
            m.put("exit_code", r.result().exitCode());
            m.put("output", r.result().text());
            m.put("output_truncated", r.result().truncated());
            m.put("duration_ms", r.result().durationMs());
        } else {
            Map<String, Object> error = new LinkedHashMap<>();
            error.put("reason", r.error().reasonName());
            error.put("message", r.error().getMessage());
            m.put("error", error);
        }
        return m;
    }
}
