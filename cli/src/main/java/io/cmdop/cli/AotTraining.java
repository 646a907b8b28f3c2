package io.cmdop.cli;

import io.cmdop.client.CmdopHome;
import io.cmdop.daemon.Daemon;
import io.cmdop.daemon.DaemonConfig;
import io.cmdop.protocol.v1.Mode;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * The workload the {@code ./cmdop} launcher records once per build into the JVM's ahead-of-time
 * cache ({@code -XX:AOTCacheOutput}): the classes, their linking and the method profiles of the
 * common commands, so that each later command starts in about half the time. It runs a daemon of
 * its own in {@code CMDOP_HOME}, which must be an empty directory, and drives real commands at it.
 */
@Command(name = "aot-training", hidden = true,
        description = "The run the launcher records for its AOT cache (needs an empty CMDOP_HOME).")
final class AotTraining implements Callable<Integer> {
    private static final String SESSION = "training";

    @Override
    public Integer call() throws Exception {
        CmdopHome home = CmdopHome.resolve();
        if (!isEmpty(home.dir())) {
            throw new UserException("aot-training runs a daemon of its own: CMDOP_HOME must name an empty "
                    + "directory, and " + home.dir() + " is not");
        }
        DaemonConfig config = DaemonConfig.load(home.config());
        try (Daemon daemon = Daemon.start(home.dir(), config)) {
            command("agent", "status");
            command("session", "create", "--name", SESSION, "--", "/bin/sh");
            command("session", "run", SESSION, "echo trained");
            command("session", "send", SESSION, "echo sent\\r");
            command("session", "screen", SESSION);
            command("session", "list", "--json");
            command("exec", "true");
            attach(DaemonConfig.detachByte(config.detachKey()));
            command("session", "destroy", SESSION);
        }
        return 0;
    }

    private static void command(String... args) {
        int exit = Main.run(args);
        if (exit != 0) {
            throw new UserException("training command `cmdop " + String.join(" ", args) + "` exited with " + exit);
        }
    }

    /**
     * An interactive attach on a terminal without a tty, detached by its first key. The keyboard
     * stays open until then: at its end the attach would see the keyboard close first.
     */
    private static void attach(byte detach) throws Exception {
        PipedOutputStream keyboard = new PipedOutputStream();
        try (keyboard; PipedInputStream keys = new PipedInputStream(keyboard)) {
            keyboard.write(detach);
            keyboard.flush();
            int exit = InteractiveAttach.run(SESSION, Mode.MODE_OPERATOR, new TrainingTerminal(keys));
            if (exit != 0) {
                throw new UserException("the training attach exited with " + exit);
            }
        }
    }

    /** An 80x24 terminal that shows nothing and never changes, typed into through a Java pipe (no descriptor). */
    private record TrainingTerminal(InputStream input) implements UserTerminal {
        @Override
        public int cols() {
            return 80;
        }

        @Override
        public int rows() {
            return 24;
        }

        @Override
        public OutputStream output() {
            return OutputStream.nullOutputStream();
        }

        @Override
        public OptionalInt inputDescriptor() {
            return OptionalInt.empty();
        }

        @Override
        public void enterRawMode() {
        }

        @Override
        public void restore() {
        }

        @Override
        public void onResize(Runnable listener) {
        }
    }

    private static boolean isEmpty(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return true;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }
}
