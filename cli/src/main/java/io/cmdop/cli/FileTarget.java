package io.cmdop.cli;

import io.cmdop.client.CmdopClient;
import io.cmdop.client.Files;

import java.util.regex.Pattern;

/**
 * Where a files command acts: {@code MACHINE:PATH} on a machine of the fleet (through the relay this
 * user logged in to), or {@code PATH} (also {@code :PATH}) on this machine's daemon. A prefix that
 * cannot be a machine name (it holds a '/') is part of a local path, as in scp.
 */
record FileTarget(CmdopClient client, Files files, String machine, String path) implements AutoCloseable {
    private static final Pattern MACHINE = Pattern.compile("[A-Za-z0-9._-]+");

    /** Splits {@code [MACHINE:]PATH} into the machine (empty: this one) and the path. */
    static String[] split(String address) {
        int colon = address.indexOf(':');
        if (colon < 0 || (colon > 0 && !MACHINE.matcher(address.substring(0, colon)).matches())) {
            return new String[] {"", address};
        }
        return new String[] {address.substring(0, colon), address.substring(colon + 1)};
    }

    static FileTarget open(String address) {
        String[] parts = split(address);
        CmdopClient client = parts[0].isEmpty() ? Connection.open() : Connection.remote();
        Files files = parts[0].isEmpty() ? client.files() : client.files().onMachine(parts[0]);
        return new FileTarget(client, files, parts[0], parts[1]);
    }

    /** The same machine, another path. */
    FileTarget at(String otherPath) {
        return new FileTarget(client, files, machine, otherPath);
    }

    /** How the path is named to the user: web-1:notes.txt, or notes.txt. */
    String display() {
        return machine.isEmpty() ? path : machine + ":" + path;
    }

    @Override
    public void close() {
        client.close();
    }
}
