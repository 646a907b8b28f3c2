package io.cmdop.bench;

import io.cmdop.client.CmdopClient;
import io.cmdop.client.Terminal;

import java.util.function.Supplier;

/**
 * How the benchmark's clients reach the daemon's sessions: over its Unix socket, or through a relay
 * (the same SDK calls, addressed to the machine).
 *
 * @param label "local" or "relay", for the progress lines
 * @param clients a new client, on a connection of its own, each time
 * @param machine the machine's name through a relay; empty for the local socket
 */
record Reach(String label, Supplier<CmdopClient> clients, String machine) {
    CmdopClient client() {
        return clients.get();
    }

    Terminal terminal(CmdopClient client) {
        return machine.isEmpty() ? client.terminal() : client.terminal().onMachine(machine);
    }
}
