package io.cmdop.cli;

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
    @picocli.CommandLine.Parameters(arity = "0..1", paramLabel = "MACHINE",
            description = "A machine of your fleet (through the relay); this machine when omitted.")
    String machine;

    @Override
    public Integer call() throws Exception {
        InteractiveAttach.requireTerminal();
        SessionInfo active;
        String where = machine == null ? "" : machine;
        try (Target target = Target.machine(where)) {
            // A session created here starts where the user is, as `session create` does; remotely, in the home.
            active = target.terminal().getActiveSession(where.isEmpty()
                    ? CreateSessionRequest.newBuilder().setCwd(java.nio.file.Path.of("").toAbsolutePath().toString()).build()
                    : CreateSessionRequest.getDefaultInstance());
        }
        String address = where.isEmpty() ? active.getId() : where + "/" + active.getId();
        return InteractiveAttach.run(address, observer ? Mode.MODE_OBSERVER : Mode.MODE_OPERATOR);
    }
}
