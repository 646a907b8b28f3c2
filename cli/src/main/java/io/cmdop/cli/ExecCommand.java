package io.cmdop.cli;

import io.cmdop.client.CommandResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.concurrent.Callable;

/** {@code cmdop exec 'CMD'}: a command in a fresh short-lived session. */
@Command(name = "exec", description = "Run a command in a fresh short-lived session (listed while it runs): "
        + "prints its output, exits with its exit code.")
final class ExecCommand implements Callable<Integer> {
    @Parameters(arity = "1..2", paramLabel = "[MACHINE] COMMAND",
            description = "Optionally a machine of your fleet (through the relay), then one command line for /bin/sh -c.")
    java.util.List<String> words;
    @Option(names = "--json", description = "Print {command_id, exit_code, output, duration_ms} at the end.")
    boolean json;
    @Option(names = "--timeout", description = "Give up after this long (e.g. 30s); the session is ended.",
            converter = SessionCommand.DurationConverter.class)
    Duration timeout = Duration.ZERO;

    @Override
    public Integer call() {
        String machine = words.size() == 2 ? words.get(0) : "";
        String command = words.getLast();
        try (Target target = Target.machine(machine)) {
            CommandResult r = target.terminal().execute(command, timeout,
                    json ? b -> { } : SessionCommand.Output::print);
            return SessionCommand.Output.finish(r, json);
        }
    }
}
