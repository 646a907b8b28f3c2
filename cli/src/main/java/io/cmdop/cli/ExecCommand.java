package io.cmdop.cli;

import io.cmdop.client.CmdopClient;
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
    @Parameters(paramLabel = "COMMAND", description = "One command line, run by /bin/sh -c.")
    String command;
    @Option(names = "--json", description = "Print {command_id, exit_code, output, duration_ms} at the end.")
    boolean json;
    @Option(names = "--timeout", description = "Give up after this long (e.g. 30s); the session is ended.",
            converter = SessionCommand.DurationConverter.class)
    Duration timeout = Duration.ZERO;

    @Override
    public Integer call() {
        try (CmdopClient client = Connection.open()) {
            CommandResult r = client.terminal().execute(command, timeout,
                    json ? b -> { } : SessionCommand.Output::print);
            return SessionCommand.Output.finish(r, json);
        }
    }
}
