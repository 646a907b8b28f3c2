package io.cmdop.client;

import java.nio.file.Path;

/**
 * The directory that holds everything of one cmdop installation: config, socket, logs. It is
 * {@code $CMDOP_HOME}, or {@code ~/.cmdop}; two homes never touch each other.
 */
public record CmdopHome(Path dir) {
    public CmdopHome {
        dir = dir.toAbsolutePath().normalize();
    }

    public static CmdopHome resolve() {
        String env = System.getenv("CMDOP_HOME");
        return new CmdopHome(env != null && !env.isBlank() ? Path.of(env)
                : Path.of(System.getProperty("user.home"), ".cmdop"));
    }

    /** The daemon's Unix socket. */
    public Path socket() {
        return dir.resolve("agent.sock");
    }

    public Path config() {
        return dir.resolve("config.yaml");
    }

    public Path logs() {
        return dir.resolve("logs");
    }
}
