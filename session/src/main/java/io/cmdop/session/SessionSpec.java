package io.cmdop.session;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What to start: an optional unique name, the program (empty: the user's shell), extra environment,
 * working directory, initial size and resize policy (null: the daemon's default).
 */
public record SessionSpec(Optional<String> name, List<String> command, Map<String, String> env, Path cwd,
                          TerminalSize size, ResizePolicy resizePolicy) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._][A-Za-z0-9._-]{0,63}");

    public SessionSpec {
        command = List.copyOf(command);
        env = Map.copyOf(env);
        name.ifPresent(SessionSpec::checkName);
    }

    public static SessionSpec shell() {
        return new SessionSpec(Optional.empty(), List.of(), Map.of(), homeDirectory(), TerminalSize.DEFAULT, null);
    }

    /** Where a session starts when nobody says: {@code $HOME}, as a login would, else the account's home. */
    public static Path homeDirectory() {
        String home = System.getenv("HOME");
        return home != null && !home.isBlank() ? Path.of(home) : Path.of(System.getProperty("user.home"));
    }

    public SessionSpec withName(String newName) {
        return new SessionSpec(Optional.ofNullable(newName), command, env, cwd, size, resizePolicy);
    }

    public SessionSpec withCommand(List<String> newCommand) {
        return new SessionSpec(name, newCommand, env, cwd, size, resizePolicy);
    }

    public SessionSpec withSize(TerminalSize newSize) {
        return new SessionSpec(name, command, env, cwd, newSize, resizePolicy);
    }

    public SessionSpec withResizePolicy(ResizePolicy policy) {
        return new SessionSpec(name, command, env, cwd, size, policy);
    }

    static void checkName(String name) {
        if (!NAME.matcher(name).matches()) {
            throw new SessionException(Reason.INVALID_ARGUMENT, "invalid session name '" + name
                    + "': use 1 to 64 letters, digits, '.', '_' or '-', not starting with '-'");
        }
    }
}
