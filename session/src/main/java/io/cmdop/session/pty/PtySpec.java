package io.cmdop.session.pty;

import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What to run in a {@link Pty}: the command and its arguments, its environment, its working
 * directory and the initial terminal size. Immutable; build one with {@link #builder(String...)}.
 *
 * <p>The first element of {@code command} is the program. A name without a {@code /} is looked up
 * in the {@code PATH} of {@code environment} (as {@code execvp} would in the child), a path with a
 * {@code /} is used as it is (relative to {@code workingDirectory}).
 *
 * @param command program and arguments; not empty, no NUL characters
 * @param environment the complete environment of the program (nothing else is inherited)
 * @param workingDirectory the directory the program starts in
 * @param columns terminal width in cells, 1 to 65535
 * @param rows terminal height in cells, 1 to 65535
 */
public record PtySpec(
        List<String> command, Map<String, String> environment, Path workingDirectory, int columns, int rows) {

    /** Default size of a new terminal, as most terminal emulators start. */
    public static final int DEFAULT_COLUMNS = 80;

    public static final int DEFAULT_ROWS = 24;

    private static final int MAX_SIZE = 0xFFFF;

    public PtySpec {
        command = List.copyOf(command);
        if (command.isEmpty()) {
            throw new IllegalArgumentException("command is empty");
        }
        if (command.getFirst().isEmpty()) {
            throw new IllegalArgumentException("program name is empty");
        }
        for (String argument : command) {
            requireNoNul(argument, "command argument");
        }
        TreeMap<String, String> env = new TreeMap<>();
        for (Map.Entry<String, String> entry : environment.entrySet()) {
            String key = Objects.requireNonNull(entry.getKey(), "environment name");
            String value = Objects.requireNonNull(entry.getValue(), () -> "value of environment variable " + key);
            if (key.isEmpty() || key.indexOf('=') >= 0) {
                throw new IllegalArgumentException("invalid environment variable name: '" + key + "'");
            }
            requireNoNul(key, "environment variable name");
            requireNoNul(value, "environment variable value");
            env.put(key, value);
        }
        environment = Collections.unmodifiableSortedMap(env);
        workingDirectory = Objects.requireNonNull(workingDirectory, "workingDirectory").toAbsolutePath();
        requireNoNul(workingDirectory.toString(), "working directory");
        checkSize(columns, rows);
    }

    /** A builder for {@code command}, with the JVM's environment and working directory, 80x24. */
    public static Builder builder(String... command) {
        return new Builder(List.of(command));
    }

    /** A builder for {@code command}, with the JVM's environment and working directory, 80x24. */
    public static Builder builder(List<String> command) {
        return new Builder(command);
    }

    /** This spec as a builder, to derive another one. */
    public Builder toBuilder() {
        return new Builder(command)
                .environment(environment)
                .workingDirectory(workingDirectory)
                .size(columns, rows);
    }

    static void checkSize(int columns, int rows) {
        if (columns < 1 || columns > MAX_SIZE || rows < 1 || rows > MAX_SIZE) {
            throw new IllegalArgumentException(
                    "terminal size must be 1.." + MAX_SIZE + " in each direction, got " + columns + "x" + rows);
        }
    }

    private static void requireNoNul(String text, String what) {
        if (text.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(what + " contains a NUL character");
        }
    }

    /** Builds a {@link PtySpec}. Not thread-safe. */
    public static final class Builder {
        private List<String> command;
        private final Map<String, String> environment = new HashMap<>(System.getenv());
        private Path workingDirectory = Path.of("").toAbsolutePath();
        private int columns = DEFAULT_COLUMNS;
        private int rows = DEFAULT_ROWS;

        private Builder(List<String> command) {
            this.command = List.copyOf(command);
        }

        /** Replaces the program and its arguments. */
        public Builder command(List<String> command) {
            this.command = List.copyOf(command);
            return this;
        }

        /** Replaces the whole environment (the builder starts with the JVM's). */
        public Builder environment(Map<String, String> environment) {
            this.environment.clear();
            this.environment.putAll(environment);
            return this;
        }

        /** Sets one environment variable. */
        public Builder env(String name, String value) {
            environment.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Removes one environment variable. */
        public Builder removeEnv(String name) {
            environment.remove(name);
            return this;
        }

        /** Empties the environment, to build it from nothing. */
        public Builder clearEnvironment() {
            environment.clear();
            return this;
        }

        public Builder workingDirectory(Path directory) {
            this.workingDirectory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /** Initial terminal size in cells. */
        public Builder size(int columns, int rows) {
            checkSize(columns, rows);
            this.columns = columns;
            this.rows = rows;
            return this;
        }

        public PtySpec build() {
            return new PtySpec(command, environment, workingDirectory, columns, rows);
        }
    }
}
