package io.cmdop.cli;

import io.cmdop.client.CmdopClient;
import io.cmdop.client.Terminal;

/**
 * What a command acts on: a session on this machine ({@code build}) or, through the relay this
 * user logged in to, on a machine of the fleet ({@code web-1/build}), with the client to reach it.
 */
record Target(CmdopClient client, Terminal terminal, String machine, String session) implements AutoCloseable {
    /** Splits MACHINE/SESSION; a bare name is a session on this machine. */
    static String[] split(String address) {
        int slash = address.indexOf('/');
        if (slash < 0) {
            return new String[] {"", address};
        }
        if (slash == 0 || slash == address.length() - 1 || address.indexOf('/', slash + 1) >= 0) {
            throw new UserException("'" + address + "' is not MACHINE/SESSION");
        }
        return new String[] {address.substring(0, slash), address.substring(slash + 1)};
    }

    static Target session(String address) {
        String[] parts = split(address);
        return on(parts[0], parts[1]);
    }

    static Target machine(String machine) {
        return on(machine == null ? "" : machine, "");
    }

    private static Target on(String machine, String session) {
        CmdopClient client = machine.isEmpty() ? Connection.open() : Connection.remote();
        Terminal terminal = machine.isEmpty() ? client.terminal() : client.terminal().onMachine(machine);
        return new Target(client, terminal, machine, session);
    }

    /** How the session is named to the user: web-1/build, or build. */
    String display() {
        return machine.isEmpty() ? session : machine + "/" + session;
    }

    @Override
    public void close() {
        client.close();
    }
}
