package io.cmdop.cli;

import io.cmdop.client.CmdopClient;
import io.cmdop.client.CmdopException;
import io.cmdop.client.CmdopHome;
import io.cmdop.client.Features;
import io.cmdop.client.InputWatch;
import io.cmdop.client.TerminalStream;
import io.cmdop.daemon.DaemonConfig;
import io.cmdop.protocol.v1.AttachedClient;
import io.cmdop.protocol.v1.Attached;
import io.cmdop.protocol.v1.Event;
import io.cmdop.protocol.v1.Mode;
import io.cmdop.protocol.v1.Size;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * An interactive attach: the user's terminal in raw mode shows the session's screen and live
 * output; keystrokes go to the session (operators only) except the detach key. The terminal is
 * restored on detach, on the session's end and when the client is stopped.
 */
final class InteractiveAttach {
    /** Undoes the modes a program in the session may have left on the user's terminal. */
    private static final String RESET_MODES = "\u001b[?1049l\u001b[?1000l\u001b[?1002l\u001b[?1003l\u001b[?1006l"
            + "\u001b[?1004l\u001b[?2004l\u001b[?1l\u001b>\u001b[?25h\u001b[0 q\u001b[0m";
    /** More clients than a session lets attach by default: the status line could not show them anyway. */
    private static final int MAX_OTHERS = 256;

    private final CmdopClient client;
    private final TerminalStream stream;
    private final UserTerminal terminal;
    private final InputStream keyboard;
    private final byte[] keys = new byte[4096];
    private final OutputStream out;
    private final byte detachByte;
    private final String detachKey;
    private final Mode mode;
    private final CompletableFuture<String> ended = new CompletableFuture<>();
    private final AtomicInteger exitCode = new AtomicInteger(-1);
    private final AtomicBoolean observerNoticeShown = new AtomicBoolean();
    /** The session's size as last known, and the cut-off it meant for this terminal (null: it fits). */
    private volatile Size sessionSize = Size.getDefaultInstance();
    private volatile String cutOff;
    /** Set while the stream resumes after a drop: keys typed meanwhile would go nowhere. */
    private final AtomicBoolean reconnecting = new AtomicBoolean();
    /** Set before the detach is sent: the stream's close that follows it is ours, not the session's end. */
    private final AtomicBoolean detaching = new AtomicBoolean();
    private final SessionDisplay display;
    /** Who else is attached, by client id, as the attach listed them and joins and leaves since changed. */
    private final Map<String, AttachedClient> others = new LinkedHashMap<>();
    /** Our attach's answer, once it came: it names us, the session and our mode. */
    private Attached ours;
    /** Joins and leaves that arrived before the attach returned, applied to its list when it does. */
    private final List<Event> early = new ArrayList<>();

    private InteractiveAttach(CmdopClient client, TerminalStream stream, UserTerminal terminal, String detachKey,
                              Mode mode) {
        this.client = client;
        this.stream = stream;
        this.terminal = terminal;
        this.keyboard = terminal.input();
        this.out = terminal.output();
        this.detachKey = detachKey;
        this.detachByte = DaemonConfig.detachByte(detachKey);
        this.mode = mode;
        this.display = new SessionDisplay(this::write, this::refresh, terminal.cols(), terminal.rows());
    }

    static void requireTerminal() {
        if (System.console() == null || !System.console().isTerminal()) {
            throw new UserException("attach needs a terminal: stdin and stdout must be a tty "
                    + "(for scripts use `session send`, `session run`, `session screen` or `session watch`)");
        }
    }

    static int run(String session, Mode mode) throws Exception {
        requireTerminal();
        return run(session, mode, Tty.open());
    }

    /** The same on a given terminal: the AOT cache's training run has no tty. */
    static int run(String session, Mode mode, UserTerminal terminal) throws Exception {
        String detachKey = DaemonConfig.load(CmdopHome.resolve().config()).detachKey();
        try (Target target = Target.session(session)) {
            TerminalStream stream = target.terminal().stream(mode);
            return new InteractiveAttach(target.client(), stream, terminal, detachKey, mode).loop(target.session());
        }
    }

    private int loop(String session) throws Exception {
        Thread restore = new Thread(this::restore);
        Runtime.getRuntime().addShutdownHook(restore);
        try {
            terminal.enterRawMode();
            // Writing to the terminal is all the callbacks do: they may run where the output arrives.
            // Keys show in the program's echo: the input events are left out.
            stream.callbacksOnTransportThread()
                    .withoutInputEvents()
                    .onOutput(display::output)
                    .onEvent(e -> {
                        if (e.hasExited()) {
                            exitCode.set(e.getExited().getExitCode());
                        }
                        if (e.hasResized()) {
                            sessionSize = e.getResized().getSize();
                            display.sessionResized(sessionSize);
                            noticeCutOff();
                        }
                        if (e.hasJoined() || e.hasLeft()) {
                            presenceChanged(e);
                        }
                    })
                    .onResync(r -> display.resync(r.getSnapshot()))
                    .onReconnecting(now -> {
                        reconnecting.set(now);
                        display.status(now ? reconnectingNotice() : "reconnected to " + session);
                    })
                    .onClosed(error -> ended.complete(error != null ? describe(error)
                            : detaching.get() ? "detached" : "closed"));
            Attached attached = stream.attach(session, terminal.cols(), terminal.rows());
            present(attached);
            if (attached.getSession().hasExitCode()) {
                exitCode.set(attached.getSession().getExitCode());
            }
            sessionSize = attached.getSession().getSize(); // after this attach's own size counted, unlike the screen
            cutOff = cutOff();
            display.screen(attached.getSnapshot(), stream.supports(Features.REFRESH));
            display.status(statusLine());
            // An operator's new size goes to the session, whose resized event then tells whether it fits.
            terminal.onResize(() -> {
                display.terminalResized(terminal.cols(), terminal.rows(), mode == Mode.MODE_OPERATOR);
                if (mode == Mode.MODE_OPERATOR) {
                    resize();
                } else {
                    noticeCutOff();
                }
            });
            Optional<InputWatch> keyWatch = watchKeys();
            String why = ended.get();
            keyWatch.ifPresent(InputWatch::close);
            display.close();
            restore();
            Runtime.getRuntime().removeShutdownHook(restore);
            String name = attached.getSession().getName();
            switch (why) {
                case "detached" -> System.out.println("[cmdop] detached from " + name);
                case "closed" -> System.out.println(exitCode.get() >= 0
                        ? "[cmdop] session " + name + " ended (exit code " + exitCode.get() + ")"
                        : "[cmdop] left " + name);
                default -> {
                    System.out.println("[cmdop] connection to " + name + " lost: " + why);
                    return Main.EXIT_ERROR;
                }
            }
            return 0;
        } catch (CmdopException e) {
            display.close();
            restore();
            Runtime.getRuntime().removeShutdownHook(restore);
            throw e;
        }
    }

    /**
     * Keys are read where the transport sends them (the client's event loop), so a keystroke leaves
     * with no thread hand-off; a keyboard the loop cannot watch is read by a thread of its own.
     */
    private Optional<InputWatch> watchKeys() {
        OptionalInt fd = terminal.inputDescriptor();
        Optional<InputWatch> watch = fd.isPresent() ? client.watchInput(fd.getAsInt(), this::takeKeys)
                : Optional.empty();
        if (watch.isEmpty()) {
            Thread.ofPlatform().daemon().name("cmdop-keys").start(() -> {
                while (takeKeys()) {
                    // one read a turn, as on the loop
                }
            });
        }
        return watch;
    }

    /** Reads what the keyboard has (waiting for some on a thread) and sends it; false once there is no more to read. */
    private boolean takeKeys() {
        try {
            int n;
            if (ended.isDone() || (n = keyboard.read(keys)) < 0) {
                return false;
            }
            int detachAt = indexOf(keys, n, detachByte);
            int typed = detachAt >= 0 ? detachAt : n;
            if (typed > 0) {
                if (reconnecting.get()) {
                    display.status(reconnectingNotice());
                } else if (mode == Mode.MODE_OPERATOR) {
                    stream.sendInput(java.util.Arrays.copyOf(keys, typed));
                } else if (observerNoticeShown.compareAndSet(false, true)) {
                    display.status("observer mode: your keystrokes are not sent (" + detachKey + " detaches)");
                }
            }
            if (detachAt >= 0) {
                detaching.set(true);
                stream.detach();
                ended.complete("detached");
                return false;
            }
            return true;
        } catch (IOException | RuntimeException e) {
            ended.complete(describe(e));
            return false;
        }
    }

    private String reconnectingNotice() {
        return "connection lost, reconnecting: keys are not sent meanwhile (" + detachKey + " detaches)";
    }

    /** Asks for the session's screen, for the view of a terminal that no longer fits. */
    private void refresh() {
        try {
            stream.refresh();
        } catch (CmdopException e) {
            if (e.reason() == io.cmdop.protocol.v1.Reason.REASON_NOT_SUPPORTED) {
                // Resumed through an older daemon or relay: no view until the terminal fits again; say why.
                display.status(e.getMessage());
            }
            // Otherwise the stream has ended, which its close reports: there is nothing more to show.
        }
    }

    private void resize() {
        try {
            stream.resize(terminal.cols(), terminal.rows());
        } catch (CmdopException e) {
            display.status(e.getMessage());
        }
    }

    /**
     * What a terminal smaller than the session shows, or null when it fits (operators rarely see
     * this: by default the session takes the size of the operator who resized last).
     */
    private String cutOff() {
        Size s = sessionSize;
        int cols = terminal.cols();
        int rows = terminal.rows();
        return cols >= s.getCols() && rows >= s.getRows() ? null
                : "session " + s.getCols() + "x" + s.getRows() + ", terminal " + cols + "x" + rows
                        + ": showing the part around the cursor";
    }

    /** Says so once when the session or this terminal changes size so that it no longer fits. */
    private void noticeCutOff() {
        String now = cutOff();
        if (now != null && !now.equals(cutOff)) {
            display.status(now);
        }
        cutOff = now;
    }

    /** Who is here as the attach found them, then the joins and leaves that came before it returned. */
    private void present(Attached attached) {
        synchronized (others) {
            attached.getSession().getAttachedList().forEach(c -> others.put(c.getClientId(), c));
            ours = attached;
            early.forEach(this::apply);
            early.clear();
            others.remove(attached.getClientId());
        }
    }

    /** Shows who joined or left, with everyone now here, as screen does; our own resume is not news. */
    private void presenceChanged(Event e) {
        String news;
        synchronized (others) {
            if (ours == null) {
                if (early.size() < MAX_OTHERS) {
                    early.add(e);
                }
                return;
            }
            news = apply(e);
        }
        if (news != null) {
            display.status(news);
        }
    }

    private String apply(Event e) {
        AttachedClient c = e.hasJoined() ? e.getJoined().getClient() : e.getLeft().getClient();
        if (c.getClientId().equals(ours.getClientId())) {
            return null;
        }
        if (e.hasJoined()) {
            if (others.size() >= MAX_OTHERS && !others.containsKey(c.getClientId())) {
                return null;
            }
            others.put(c.getClientId(), c);
            return news(c, "joined " + ours.getSession().getName());
        }
        return others.remove(c.getClientId()) == null ? null
                : news(c, "left " + ours.getSession().getName() + " (" + e.getLeft().getReason() + ")");
    }

    /** The session, our mode and who else is here. */
    private String statusLine() {
        String here;
        Attached a;
        synchronized (others) {
            a = ours;
            here = others.values().stream().map(InteractiveAttach::describe).collect(Collectors.joining(", "));
        }
        return "cmdop: " + a.getSession().getName() + " as " + Json.mode(a.getMode())
                + (cutOff == null ? "" : " (" + cutOff + ")")
                + (here.isEmpty() ? ", nobody else here" : ", also here: " + here)
                + " | " + detachKey + " detaches";
    }

    /** Someone's arrival or departure, short enough for a narrow terminal's row: who, and how many remain. */
    private String news(AttachedClient c, String what) {
        int n = others.size();
        return "cmdop: " + describe(c) + " " + what + ", "
                + (n == 0 ? "nobody else here" : n == 1 ? "1 other here" : n + " others here")
                + " | " + detachKey + " detaches";
    }

    private static String describe(AttachedClient c) {
        return c.getPrincipal() + " (" + Json.kind(c.getKind()) + ", " + Json.mode(c.getMode()) + ")";
    }

    private synchronized void write(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            ended.complete(describe(e));
        }
    }

    private void restore() {
        try {
            // Our status line is not the shell's: it goes with us.
            out.write(("\u001b7\u001b[" + Math.max(1, terminal.rows()) + ";1H\u001b[0m\u001b[2K\u001b8")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(RESET_MODES.getBytes(StandardCharsets.US_ASCII));
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        } catch (IOException ignored) {
            // The terminal is gone; nothing left to restore on it.
        }
        terminal.restore();
    }

    private static int indexOf(byte[] buffer, int length, byte b) {
        for (int i = 0; i < length; i++) {
            if (buffer[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private static String describe(Throwable t) {
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }
}
