package io.cmdop.cli;

import io.cmdop.client.CmdopHome;
import io.cmdop.protocol.v1.AgentStatus;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/**
 * {@code cmdop up}: the first command a new user runs. Brings up this machine's daemon (reusing a
 * running one) and, in a terminal, attaches to the active session.
 */
@Command(name = "up", description = "Start this machine's daemon if needed and attach to its active session.")
final class UpCommand implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
        CmdopHome home = CmdopHome.resolve();
        AgentStatus running = AgentCommand.statusOrNull(home);
        if (running == null) {
            int started = new AgentCommand.Start().call();
            if (started != 0) {
                return started;
            }
        } else {
            System.out.println("cmdop daemon running (pid " + running.getPid() + ")");
        }
        if (System.console() == null || !System.console().isTerminal()) {
            System.out.println("""
                    Next:
                      ./cmdop connect                     attach to the active session (created if none)
                      ./cmdop session create --name build start another session
                      ./cmdop session list                who is where
                      ./cmdop agent stop                  stop the daemon and its sessions""");
            return 0;
        }
        return new ConnectCommand().call();
    }
}
