package io.cmdop.cli;

import io.cmdop.client.CmdopClient;
import io.cmdop.protocol.v1.CreateSessionRequest;
import io.cmdop.protocol.v1.Mode;
import io.cmdop.protocol.v1.SessionInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** {@code cmdop connect}: this machine's active session, created if there is none. */
@Command(name = "connect", description = "Attach to this machine's active session, creating one if there is none.")
final class ConnectCommand implements Callable<Integer> {
    @Option(names = "--observer", description = "Watch only.")
    boolean observer;

    @Override
    public Integer call() throws Exception {
        InteractiveAttach.requireTerminal();
        SessionInfo active;
        try (CmdopClient client = Connection.open()) {
            // A session created here starts where the user is, as `session create` does.
            active = client.terminal().getActiveSession(CreateSessionRequest.newBuilder()
                    .setCwd(java.nio.file.Path.of("").toAbsolutePath().toString()).build());
        }
        return InteractiveAttach.run(active.getId(), observer ? Mode.MODE_OBSERVER : Mode.MODE_OPERATOR);
    }
}
