package io.cmdop.daemon;

import io.cmdop.transport.OutboundStream;

import com.google.protobuf.UnsafeByteOperations;
import io.cmdop.protocol.v1.ClientInfo;
import io.cmdop.protocol.v1.CommandFinished;
import io.cmdop.protocol.v1.CommandStarted;
import io.cmdop.protocol.v1.CommandUpdate;
import io.cmdop.session.Delivery;
import io.cmdop.session.InputReceipt;
import io.cmdop.session.Mode;
import io.cmdop.session.Reason;
import io.cmdop.session.Session;
import io.cmdop.session.SessionEvent;
import io.cmdop.session.SessionException;
import io.cmdop.session.SessionView;
import io.grpc.stub.ServerCallStreamObserver;

import java.time.Duration;

/**
 * Follows one correlated command for a RunCommand or Exec call: it attaches to the session like any
 * client (so it shows in presence and its input is attributed), then streams the command's output
 * and its end. The command keeps running in the session if the caller stops waiting.
 */
final class CommandRun {
    private static final Duration POLL = Duration.ofMillis(250);
    private static final Duration FIRST_PROMPT = Duration.ofSeconds(10);

    private final OutboundStream<CommandUpdate> out;
    private final Caller caller;
    private final ClientInfo client;
    /** Run before a whole-session result is sent (see {@link #wholeSession}). */
    private Runnable forgetSession = () -> { };

    CommandRun(ServerCallStreamObserver<CommandUpdate> observer, Caller caller, ClientInfo client) {
        this.out = new OutboundStream<>(observer, () -> { });
        this.caller = caller;
        this.client = client;
    }

    /** `session run`: the command is typed into the live shell and followed by its marks. */
    void inSession(Session session, String command, long timeoutMs) {
        long deadline = deadline(timeoutMs);
        try {
            if (!session.awaitPrompt(FIRST_PROMPT)) {
                throw new SessionException(Reason.SHELL_BUSY, "the shell of " + session.name()
                        + " has not shown a prompt within " + FIRST_PROMPT.toSeconds() + " s");
            }
            Session.Attached attached = session.attach(caller.principal(), Protos.kind(client),
                    caller.grant(Mode.OPERATOR), null, false);
            try {
                InputReceipt receipt = attached.attachment().sendCommand(command);
                forward(attached, receipt.commandId(), deadline, session);
            } finally {
                attached.attachment().detach();
            }
        } catch (SessionException e) {
            out.fail(Errors.status(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            out.fail(Errors.status(new SessionException(Reason.INTERNAL, "interrupted")));
        }
    }

    /** `exec`: the session's whole output is the command's output, its exit code the command's. */
    /**
     * Streams a session created for this call from its first byte to its exit. {@code forget} runs
     * once it has ended, before the result is sent: a caller that gets the result and then lists
     * the sessions must not find it.
     */
    void wholeSession(Session session, long timeoutMs, Runnable forget) throws InterruptedException {
        this.forgetSession = forget;
        long deadline = deadline(timeoutMs);
        // The session was created for this call a moment ago: replay its output from the first byte.
        Session.Attached attached = session.attachFromStart(caller.principal(), Protos.kind(client));
        try {
            out.send(CommandUpdate.newBuilder().setStarted(CommandStarted.newBuilder().setCommandId(session.id())
                    .setCommand(String.join(" ", session.view().command()))).build());
            forward(attached, null, deadline, session);
        } finally {
            attached.attachment().detach();
        }
    }

    /**
     * Streams output until the command (or, without an id, the session) ends. With an id, only the
     * output between its CommandStarted and CommandFinished events is the command's.
     */
    private void forward(Session.Attached attached, String commandId, long deadline, Session session)
            throws InterruptedException {
        boolean inCommand = commandId == null;
        long startedAt = System.nanoTime();
        while (true) {
            if (System.nanoTime() - deadline > 0) {
                if (commandId != null) {
                    session.cancelCommand(commandId);
                }
                throw new SessionException(Reason.TIMEOUT, "gave up waiting after "
                        + Duration.ofNanos(System.nanoTime() - startedAt).toSeconds()
                        + " s; the command may still be running in session " + session.name());
            }
            if (out.cancelled()) {
                if (commandId != null) {
                    session.cancelCommand(commandId);
                }
                return;
            }
            if (!out.awaitReady(POLL.toMillis())) {
                continue;
            }
            Delivery d = attached.attachment().poll(attached.epoch(), POLL);
            if (d instanceof Delivery.End) {
                finishWithExit(commandId, session.exit().isDone() ? session.exit().join() : -1, session);
                return;
            }
            if (!(d instanceof Delivery.Event(SessionEvent event))) {
                continue;
            }
            switch (event) {
                case SessionEvent.CommandStarted s when s.commandId().equals(commandId) -> {
                    inCommand = true;
                    out.send(CommandUpdate.newBuilder().setStarted(Protos.commandStarted(s)).build());
                }
                case SessionEvent.Output o -> {
                    if (inCommand) {
                        out.send(CommandUpdate.newBuilder().setOutput(UnsafeByteOperations.unsafeWrap(o.data())).build());
                    }
                }
                case SessionEvent.CommandFinished f when f.commandId().equals(commandId) -> {
                    out.send(CommandUpdate.newBuilder().setFinished(Protos.commandFinished(f)).build());
                    out.complete();
                    return;
                }
                case SessionEvent.Exited x -> {
                    finishWithExit(commandId, x.exitCode(), session);
                    return;
                }
                default -> { }
            }
        }
    }

    private void finishWithExit(String commandId, int exitCode, Session session) {
        if (commandId != null) {
            out.fail(Errors.status(new SessionException(Reason.SESSION_EXITED, "session " + session.name()
                    + " ended (exit code " + exitCode + ") before the command finished")));
            return;
        }
        SessionView view = session.view();
        long duration = view.endedAtMs().orElse(System.currentTimeMillis()) - view.createdAtMs();
        forgetSession.run();
        out.send(CommandUpdate.newBuilder().setFinished(CommandFinished.newBuilder().setCommandId(session.id())
                .setExitCode(exitCode).setOffset(view.outputOffset()).setDurationMs(duration)).build());
        out.complete();
    }

    private static long deadline(long timeoutMs) {
        return System.nanoTime() + (timeoutMs <= 0 ? Duration.ofDays(365).toNanos() : Duration.ofMillis(timeoutMs).toNanos());
    }
}
