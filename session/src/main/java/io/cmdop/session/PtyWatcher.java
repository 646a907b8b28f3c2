package io.cmdop.session;

import io.cmdop.session.pty.Pty;
import java.io.IOException;
import java.util.function.Consumer;

/**
 * Tells a session when its PTY has output to take. By default a platform thread per session waits
 * for it ({@link #threadPerPty()}); a server with an event loop watches the PTYs from there
 * instead, so that a keystroke's echo is read, and sent on to the client, by one thread.
 */
public interface PtyWatcher {
    /** A platform thread per PTY, waiting in {@link Pty#awaitOutput}. */
    static PtyWatcher threadPerPty() {
        return ThreadPerPty.INSTANCE;
    }

    /**
     * Watches {@code pty} from a platform thread of its own, as {@link #threadPerPty()} does, until it
     * has had no output for {@code quietMillis}: the thread then runs {@code onQuiet} and ends. The
     * watch's {@link Watch#cancel} also runs {@code onCancel}. For a watcher that lends busy output a
     * thread while it lasts.
     */
    static void threadUntilQuiet(Pty pty, String name, Consumer<Watch> readable, int quietMillis, Runnable onQuiet,
            Runnable onCancel) {
        ThreadPerPty.start(new ThreadPerPty.ThreadWatch(pty, readable, quietMillis, onQuiet, onCancel), name);
    }

    /**
     * Calls {@code readable} with the watch, one call at a time, whenever {@code pty} has output, its
     * program's side has ended, or it was closed: each call takes what is there with
     * {@link Pty#tryRead}, and is made again while more is. Until {@link Watch#cancel}. The first
     * call may come before this method returns.
     *
     * @param name names the watch's thread, if it has one of its own
     * @throws IOException if the PTY is already closed
     */
    void watch(Pty pty, String name, Consumer<Watch> readable) throws IOException;

    /** One PTY being watched. Every method may be called from any thread. */
    interface Watch {
        /** No more calls until {@link #resume}: the output taken so far is not processed yet. */
        void pause();

        void resume();

        /** No more calls at all. */
        void cancel();

        /**
         * The call took more than a terminal hands over at once: output is coming faster than
         * it is taken. A watcher sharing its thread with other work may go on from a thread of its
         * own until the output calms down. Called from within a call.
         */
        default void busy() {
        }
    }
}
