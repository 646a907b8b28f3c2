package io.cmdop.session;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Shell integration without touching the user's dotfiles: an interactive bash is started with our
 * rc file, which reads the usual ones and then emits OSC 133 marks (A at each prompt, C when a
 * command's output begins, D with its exit code when it ends). Shells without it (sh, dash) get
 * commands wrapped so that the marks come from printf instead.
 */
final class ShellIntegration {
    static final String RC_FILE = "bashrc";

    private static final String BASHRC = """
            # cmdop shell integration: read the usual files, then mark prompts and commands (OSC 133).
            [ -r /etc/bash.bashrc ] && . /etc/bash.bashrc
            [ -r "$HOME/.bashrc" ] && . "$HOME/.bashrc"
            __cmdop_prompt() {
              local status=$?
              if [ -n "${__cmdop_ready-}" ]; then printf '\\033]133;D;%s\\007' "$status"; fi
              __cmdop_ready=1
              printf '\\033]133;A\\007'
              return $status
            }
            if [[ "$(declare -p PROMPT_COMMAND 2>/dev/null)" == "declare -a"* ]]; then
              PROMPT_COMMAND=(__cmdop_prompt "${PROMPT_COMMAND[@]}")
            else
              PROMPT_COMMAND="__cmdop_prompt${PROMPT_COMMAND:+;$PROMPT_COMMAND}"
            fi
            PS0="${PS0-}"$'\\033]133;C\\007'
            """;

    private ShellIntegration() {
    }

    /** The argv to start: the user's shell when none is given, with our rc file when it is an interactive bash. */
    static List<String> launchCommand(List<String> requested, Path integrationDir) {
        List<String> command = requested.isEmpty() ? List.of(userShell()) : requested;
        if (command.size() == 1 && isBash(command.getFirst()) && integrationDir != null) {
            return List.of(command.getFirst(), "--rcfile", writeRcFile(integrationDir).toString(), "-i");
        }
        return command;
    }

    /**
     * The line to type for a command in a shell without integration; the marks come from printf. The
     * command goes through eval so that comments, '&' or ';' in it cannot swallow the closing mark.
     */
    static String wrapWithoutIntegration(String command) {
        String quoted = "'" + command.replace("'", "'\\''") + "'";
        return "printf '\\033]133;C\\007'; eval " + quoted + "; printf '\\033]133;D;%s\\007' \"$?\"";
    }

    static String userShell() {
        String shell = System.getenv("SHELL");
        if (shell != null && !shell.isBlank() && Files.isExecutable(Path.of(shell))) {
            return shell;
        }
        return Files.isExecutable(Path.of("/bin/bash")) ? "/bin/bash" : "/bin/sh";
    }

    private static boolean isBash(String program) {
        return Path.of(program).getFileName().toString().equals("bash");
    }

    private static synchronized Path writeRcFile(Path dir) {
        Path rc = dir.resolve(RC_FILE);
        try {
            Files.createDirectories(dir);
            byte[] content = BASHRC.getBytes(StandardCharsets.UTF_8);
            if (!Files.exists(rc) || !java.util.Arrays.equals(Files.readAllBytes(rc), content)) {
                Path tmp = Files.createTempFile(dir, RC_FILE, ".tmp");
                Files.write(tmp, content);
                Files.move(tmp, rc, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            return rc;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the shell integration file " + rc, e);
        }
    }
}
