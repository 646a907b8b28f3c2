package io.cmdop.cli;

import io.cmdop.client.CmdopClient;
import io.cmdop.client.CommandResult;
import io.cmdop.protocol.v1.CreateSessionRequest;
import io.cmdop.protocol.v1.Mode;
import io.cmdop.protocol.v1.Screen;
import io.cmdop.protocol.v1.SessionInfo;
import io.cmdop.protocol.v1.Size;
import io.cmdop.client.TerminalStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

/** {@code cmdop session ...}: create, list, use and end sessions. */
@Command(name = "session", description = "Create, list, use and end live sessions.")
final class SessionCommand {
    @Command(name = "create", description = "Start a session: the login shell, or the command after --.")
    static final class Create implements Callable<Integer> {
        @Option(names = "--name", description = "A unique name to address it by.")
        String name;
        @Option(names = "--machine", description = "Create it on this machine of your fleet (through the relay).")
        String machine;
        @Option(names = "--cols", description = "Width in columns (default 80).")
        int cols;
        @Option(names = "--rows", description = "Height in rows (default 24).")
        int rows;
        @Option(names = "--json", description = "Print the session as JSON.")
        boolean json;
        @Parameters(arity = "0..*", paramLabel = "CMD", description = "Program and arguments (after --).")
        List<String> command = new ArrayList<>();

        @Override
        public Integer call() {
            CreateSessionRequest.Builder request = CreateSessionRequest.newBuilder().addAllCommand(command);
            if (machine == null) {
                // Here, where the user is; on another machine, its home.
                request.setCwd(Path.of("").toAbsolutePath().toString());
            }
            if (name != null) {
                request.setName(name);
            }
            if (cols > 0 || rows > 0) {
                request.setSize(Size.newBuilder().setCols(cols > 0 ? cols : 80).setRows(rows > 0 ? rows : 24));
            }
            try (Target target = Target.machine(machine)) {
                SessionInfo s = target.terminal().create(request.build());
                System.out.println(json ? Json.pretty(Json.session(s)) : s.getId());
            }
            return 0;
        }
    }

    @Command(name = "list", description = "Sessions of this machine, with who is attached.")
    static final class ListSessions implements Callable<Integer> {
        @Option(names = "--json", description = "Print JSON.")
        boolean json;
        @Option(names = "--machine", description = "Sessions of this machine of your fleet (through the relay).")
        String machine;

        @Override
        public Integer call() {
            try (Target target = Target.machine(machine)) {
                List<SessionInfo> sessions = target.terminal().list();
                if (json) {
                    System.out.println(Json.pretty(sessions.stream().map(Json::session).toList()));
                    return 0;
                }
                if (sessions.isEmpty()) {
                    System.out.println("no sessions; start one with `cmdop session create` or `cmdop connect`");
                    return 0;
                }
                System.out.printf("%-10s %-16s %-9s %-8s %-9s %-10s %s%n", "ID", "NAME", "STATE", "SIZE", "ATTACHED",
                        "MEMORY", "COMMAND");
                for (SessionInfo s : sessions) {
                    String state = s.hasExitCode() ? "exit " + s.getExitCode() : "running";
                    System.out.printf("%-10s %-16s %-9s %-8s %-9d %-10s %s%n", s.getId(), s.getName(), state,
                            s.getSize().getCols() + "x" + s.getSize().getRows(), s.getAttachedCount(),
                            ProgressBar.bytes(s.getMemoryBytes()), String.join(" ", s.getCommandList()));
                }
            }
            return 0;
        }
    }

    @Command(name = "attach", description = "Attach interactively (operator by default).")
    static final class Attach implements Callable<Integer> {
        @Parameters(paramLabel = "SESSION", description = "Session id or name; MACHINE/SESSION through the relay.")
        String session;
        @Option(names = "--observer", description = "Watch only: keystrokes are never sent.")
        boolean observer;

        @Override
        public Integer call() throws Exception {
            return InteractiveAttach.run(session, observer ? Mode.MODE_OBSERVER : Mode.MODE_OPERATOR);
        }
    }

    @Command(name = "screen", description = "Print what a client joining now would see.")
    static final class ScreenCommand implements Callable<Integer> {
        @Parameters(paramLabel = "SESSION", description = "Session id or name; MACHINE/SESSION through the relay.")
        String session;
        @Option(names = "--ansi", description = "With colours and attributes, as escape sequences.")
        boolean ansi;
        @Option(names = "--json", description = "Print JSON (text lines, cursor, size).")
        boolean json;
        @Option(names = "--scrollback", description = "Also print up to N lines above the screen.")
        int scrollback;

        @Override
        public Integer call() {
            try (Target target = Target.session(session)) {
                Screen screen = target.terminal().screen(target.session(), scrollback);
                PrintStream out = System.out;
                if (json) {
                    out.println(Json.pretty(Json.screen(screen)));
                } else if (ansi) {
                    out.write(screen.getAnsi().toByteArray(), 0, screen.getAnsi().size());
                    out.println("\u001b[0m");
                } else {
                    screen.getScrollbackList().forEach(out::println);
                    // Blank rows below both the text and the cursor are not part of what anyone sees.
                    List<String> lines = screen.getLinesList();
                    int last = Math.max(lines.size() - 1, 0);
                    while (last > screen.getCursor().getY() && lines.get(last).isEmpty()) {
                        last--;
                    }
                    lines.subList(0, Math.min(last + 1, lines.size())).forEach(out::println);
                }
                out.flush();
            }
            return 0;
        }
    }

    @Command(name = "send", description = "Send keystrokes as an operator (\\r \\n \\t \\e \\xNN understood).")
    static final class Send implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "SESSION", description = "Session id or name; MACHINE/SESSION through the relay.")
        String session;
        @Parameters(index = "1", paramLabel = "TEXT", description = "What to type.")
        String text;
        @Option(names = "--enter", description = "Press Enter after the text.")
        boolean enter;

        @Override
        public Integer call() {
            byte[] data = Escapes.decode(enter ? text + "\\r" : text);
            try (Target target = Target.session(session)) {
                target.terminal().sendInput(target.session(), data);
            }
            return 0;
        }
    }

    @Command(name = "run", description = "Run a command in the live session: prints its output, exits with its code.")
    static final class Run implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "SESSION", description = "Session id or name; MACHINE/SESSION through the relay.")
        String session;
        @Parameters(index = "1", paramLabel = "COMMAND", description = "One command line.")
        String command;
        @Option(names = "--json", description = "Print {command_id, exit_code, output, duration_ms} at the end.")
        boolean json;
        @Option(names = "--timeout", description = "Stop waiting after this long (e.g. 60s, 5m). Default: no limit.",
                converter = DurationConverter.class)
        Duration timeout = Duration.ZERO;

        @Override
        public Integer call() {
            try (Target target = Target.session(session)) {
                CommandResult r = target.terminal().run(target.session(), command, timeout,
                        json ? b -> { } : Output::print);
                return Output.finish(r, json);
            }
        }
    }

    @Command(name = "watch", description = "Follow the event stream as an observer, one JSON object a line.")
    static final class Watch implements Callable<Integer> {
        @Parameters(paramLabel = "SESSION", description = "Session id or name; MACHINE/SESSION through the relay.")
        String session;
        @Option(names = "--json", description = "One JSON object per event (the default; kept for scripts).")
        boolean json;

        @Override
        public Integer call() throws Exception {
            CompletableFuture<Throwable> closed = new CompletableFuture<>();
            CountDownLatch greeted = new CountDownLatch(1);
            try (Target target = Target.session(session)) {
                TerminalStream stream = target.terminal().stream(Mode.MODE_OBSERVER);
                // Events may arrive before attach() returns; the "attached" line comes first all the same.
                stream.onEvent(e -> {
                            awaitQuietly(greeted);
                            print(Json.event(e));
                        })
                        .onResync(r -> {
                            Map<String, Object> m = new LinkedHashMap<>();
                            m.put("type", "gap");
                            m.put("from_offset", r.getGap().getFromOffset());
                            m.put("to_offset", r.getGap().getToOffset());
                            m.put("reason", r.getGap().getReason());
                            m.put("screen", Json.screen(r.getSnapshot()));
                            print(m);
                        })
                        .onClosed(closed::complete);
                var attached = stream.attach(target.session(), 0, 0);
                Map<String, Object> hello = new LinkedHashMap<>();
                hello.put("type", "attached");
                hello.put("session", Json.session(attached.getSession()));
                hello.put("screen", Json.screen(attached.getSnapshot()));
                print(hello);
                greeted.countDown();
                Throwable end = closed.join();
                if (end != null) {
                    throw end instanceof RuntimeException re ? re : new RuntimeException(end);
                }
            }
            return 0;
        }

        private static void awaitQuietly(CountDownLatch latch) {
            try {
                latch.await(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private static synchronized void print(Map<String, Object> m) {
            System.out.println(Json.line(m));
            System.out.flush();
        }
    }

    @Command(name = "signal", description = "Send a signal (INT, TERM, HUP, KILL, ...) to the foreground program.")
    static final class Signal implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "SESSION", description = "Session id or name; MACHINE/SESSION through the relay.")
        String session;
        @Parameters(index = "1", paramLabel = "SIGNAL", description = "Name or number.")
        String signal;

        @Override
        public Integer call() {
            try (Target target = Target.session(session)) {
                target.terminal().signal(target.session(), signal);
            }
            return 0;
        }
    }

    @Command(name = "destroy", description = "End a session: its programs are hung up.")
    static final class Destroy implements Callable<Integer> {
        @Parameters(paramLabel = "SESSION", description = "Session id or name; MACHINE/SESSION through the relay.")
        String session;

        @Override
        public Integer call() {
            try (Target target = Target.session(session)) {
                SessionInfo s = target.terminal().destroy(target.session());
                System.out.println("destroyed " + s.getName() + " (" + s.getId() + ")");
            }
            return 0;
        }
    }

    /** Printing of command output and results, shared by `session run` and `exec`. */
    static final class Output {
        private Output() {
        }

        static void print(byte[] bytes) {
            // Terminal line ends become plain ones, as a program writing to a pipe would produce.
            String text = new String(bytes, StandardCharsets.UTF_8).replace("\r\n", "\n");
            System.out.print(text);
            System.out.flush();
        }

        static int finish(CommandResult r, boolean json) {
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("command_id", r.commandId());
                m.put("exit_code", r.exitCode());
                m.put("output", r.text());
                m.put("output_truncated", r.truncated());
                m.put("duration_ms", r.durationMs());
                System.out.println(Json.pretty(m));
            }
            return r.exitCode() & 0xff;
        }
    }

    /** Reads durations like 500ms, 30s, 5m, 1h, or plain seconds. */
    static final class DurationConverter implements picocli.CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return io.cmdop.daemon.DaemonConfig.parseDuration(value).orElseThrow(() ->
                    new picocli.CommandLine.TypeConversionException("'" + value + "' is not a duration (e.g. 30s, 5m)"));
        }
    }

}
