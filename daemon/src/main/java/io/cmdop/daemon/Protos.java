package io.cmdop.daemon;

import com.google.protobuf.UnsafeByteOperations;
import io.cmdop.protocol.v1.AttachedClient;
import io.cmdop.protocol.v1.ClientInfo;
import io.cmdop.protocol.v1.ClientJoined;
import io.cmdop.protocol.v1.ClientLeft;
import io.cmdop.protocol.v1.CommandFinished;
import io.cmdop.protocol.v1.CommandStarted;
import io.cmdop.protocol.v1.Cursor;
import io.cmdop.protocol.v1.Event;
import io.cmdop.protocol.v1.Exited;
import io.cmdop.protocol.v1.Gap;
import io.cmdop.protocol.v1.InputApplied;
import io.cmdop.protocol.v1.Output;
import io.cmdop.protocol.v1.Resized;
import io.cmdop.protocol.v1.Resync;
import io.cmdop.protocol.v1.Screen;
import io.cmdop.protocol.v1.SessionInfo;
import io.cmdop.protocol.v1.SessionState;
import io.cmdop.protocol.v1.Signaled;
import io.cmdop.protocol.v1.Size;
import io.cmdop.session.ClientKind;
import io.cmdop.session.ClientView;
import io.cmdop.session.Delivery;
import io.cmdop.session.Mode;
import io.cmdop.session.Reason;
import io.cmdop.session.ResizePolicy;
import io.cmdop.session.ScreenState;
import io.cmdop.session.Sender;
import io.cmdop.session.Session;
import io.cmdop.session.SessionEvent;
import io.cmdop.session.SessionView;
import io.cmdop.session.TerminalSize;
import io.cmdop.terminal.ScreenSnapshot;

import java.util.List;

/**
 * Translates between the session module's values and the protocol's messages. Output bytes are
 * wrapped, not copied: the session never modifies a chunk once it is published.
 */
final class Protos {
    private Protos() {
    }

    static SessionInfo session(SessionView v, String machine) {
        SessionInfo.Builder b = SessionInfo.newBuilder()
                .setId(v.id())
                .setName(v.name())
                .addAllCommand(v.command())
                .setState(v.running() ? SessionState.SESSION_STATE_RUNNING : SessionState.SESSION_STATE_EXITED)
                .setCreatedAtMs(v.createdAtMs())
                .setSize(size(v.size()))
                .setResizePolicy(io.cmdop.protocol.v1.ResizePolicy.valueOf("RESIZE_POLICY_" + v.resizePolicy().name()))
                .setOutputOffset(v.outputOffset())
                .setLastSeq(v.lastSeq())
                .setMemoryBytes(v.memoryBytes())
                .setMachine(machine);
        v.exitCode().ifPresent(b::setExitCode);
        v.endedAtMs().ifPresent(b::setEndedAtMs);
        v.attached().forEach(c -> b.addAttached(client(c)));
        return b.build();
    }

    static AttachedClient client(ClientView c) {
        AttachedClient.Builder b = AttachedClient.newBuilder()
                .setClientId(c.clientId())
                .setPrincipal(c.principal())
                .setKind(kind(c.kind()))
                .setMode(mode(c.mode()))
                .setSinceMs(c.sinceMs())
                .setConnected(c.connected());
        if (c.size() != null) {
            b.setSize(size(c.size()));
        }
        return b.build();
    }

    /** A resync frame's body: what was missed ({@code from} to {@code to}: nothing when equal), and the screen. */
    static Resync resync(Delivery.Resync r) {
        return Resync.newBuilder().setGap(Gap.newBuilder()
                        .setFromOffset(r.gapFrom()).setToOffset(r.gapTo()).setReason(r.reason()))
                .setSnapshot(screen(r.screen(), Session.RESYNC_SCROLLBACK_LINES)).build();
    }

    static Screen screen(ScreenState state, int scrollbackLines) {
        ScreenSnapshot s = state.screen();
        List<String> scrollback = s.scrollback();
        int keep = Math.min(scrollbackLines, scrollback.size());
        return Screen.newBuilder()
                .setSize(Size.newBuilder().setCols(s.cols()).setRows(s.rows()))
                .addAllLines(s.lines())
                .addAllScrollback(scrollback.subList(scrollback.size() - keep, scrollback.size()))
                .setCursor(Cursor.newBuilder().setX(s.cursorX()).setY(s.cursorY()).setVisible(s.cursorVisible()))
                .setAlternateScreen(s.alternateScreen())
                .setTitle(s.title())
                .setAnsi(UnsafeByteOperations.unsafeWrap(s.toAnsi(keep)))
                .setOffset(state.offset())
                .setSeq(state.seq())
                .build();
    }

    static Event event(SessionEvent e) {
        Event.Builder b = Event.newBuilder().setSeq(e.seq()).setTimeMs(e.timeMs());
        switch (e) {
            case SessionEvent.Output o -> b.setOutput(Output.newBuilder().setOffset(o.offset())
                    .setData(UnsafeByteOperations.unsafeWrap(o.data())));
            case SessionEvent.InputApplied i -> b.setInput(InputApplied.newBuilder().setInputId(i.inputId())
                    .setSender(sender(i.sender())).setData(UnsafeByteOperations.unsafeWrap(i.data()))
                    .setCommandId(i.commandId()));
            case SessionEvent.ClientJoined j -> b.setJoined(ClientJoined.newBuilder().setClient(client(j.client())));
            case SessionEvent.ClientLeft l -> b.setLeft(ClientLeft.newBuilder().setClient(client(l.client()))
                    .setReason(l.reason()));
            case SessionEvent.Resized r -> b.setResized(Resized.newBuilder().setSize(size(r.size()))
                    .setSender(sender(r.sender())));
            case SessionEvent.Signaled s -> b.setSignaled(Signaled.newBuilder().setSignal(s.signal())
                    .setSender(sender(s.sender())));
            case SessionEvent.CommandStarted c -> b.setCommandStarted(commandStarted(c));
            case SessionEvent.CommandFinished f -> b.setCommandFinished(commandFinished(f));
            case SessionEvent.Exited x -> b.setExited(Exited.newBuilder().setExitCode(x.exitCode()));
        }
        return b.build();
    }

    static CommandStarted commandStarted(SessionEvent.CommandStarted c) {
        return CommandStarted.newBuilder().setCommandId(c.commandId()).setCommand(c.command())
                .setOffset(c.offset()).build();
    }

    static CommandFinished commandFinished(SessionEvent.CommandFinished f) {
        return CommandFinished.newBuilder().setCommandId(f.commandId()).setExitCode(f.exitCode())
                .setOffset(f.offset()).setDurationMs(f.durationMs()).build();
    }

    static io.cmdop.protocol.v1.Sender sender(Sender s) {
        return io.cmdop.protocol.v1.Sender.newBuilder().setPrincipal(s.principal()).setClientId(s.clientId())
                .setKind(kind(s.kind())).setMode(mode(s.mode())).build();
    }

    static Size size(TerminalSize s) {
        return Size.newBuilder().setCols(s.cols()).setRows(s.rows()).build();
    }

    /** A size from the wire; zero means "not given". */
    static TerminalSize size(Size s, TerminalSize fallback) {
        if (s == null || (s.getCols() == 0 && s.getRows() == 0)) {
            return fallback;
        }
        return new TerminalSize(s.getCols(), s.getRows());
    }

    static io.cmdop.protocol.v1.ClientKind kind(ClientKind k) {
        return io.cmdop.protocol.v1.ClientKind.valueOf("CLIENT_KIND_" + k.name());
    }

    static ClientKind kind(ClientInfo info) {
        return switch (info.getKind()) {
            case CLIENT_KIND_WEB -> ClientKind.WEB;
            case CLIENT_KIND_SDK -> ClientKind.SDK;
            case CLIENT_KIND_AI -> ClientKind.AI;
            default -> ClientKind.CLI;
        };
    }

    static io.cmdop.protocol.v1.Mode mode(Mode m) {
        return m == Mode.OPERATOR ? io.cmdop.protocol.v1.Mode.MODE_OPERATOR : io.cmdop.protocol.v1.Mode.MODE_OBSERVER;
    }

    static Mode mode(io.cmdop.protocol.v1.Mode m) {
        return m == io.cmdop.protocol.v1.Mode.MODE_OBSERVER ? Mode.OBSERVER : Mode.OPERATOR;
    }

    static ResizePolicy policy(io.cmdop.protocol.v1.ResizePolicy p) {
        return switch (p) {
            case RESIZE_POLICY_LATEST -> ResizePolicy.LATEST;
            case RESIZE_POLICY_SMALLEST -> ResizePolicy.SMALLEST;
            case RESIZE_POLICY_LARGEST -> ResizePolicy.LARGEST;
            case RESIZE_POLICY_FIXED -> ResizePolicy.FIXED;
            default -> null;
        };
    }

    static io.cmdop.protocol.v1.Reason reason(Reason r) {
        return io.cmdop.protocol.v1.Reason.valueOf("REASON_" + r.name());
    }
}
