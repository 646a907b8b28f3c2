package io.cmdop.session.pty;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Test helper: reads a PTY's output on a platform thread until its end, and lets a test wait, with a
 * timeout, until an expected piece of text has arrived.
 */
final class PtyOutput {
    static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final Pty pty;
    private final Thread reader;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private boolean ended;
    private IOException failure;
    /** Where the next {@link #await} starts looking, in characters of the decoded text. */
    private int cursor;

    PtyOutput(Pty pty) {
        this.pty = pty;
        this.reader = Thread.ofPlatform().name("test-pty-output-" + pty.pid()).daemon(true).start(this::pump);
    }

    private void pump() {
        byte[] buffer = new byte[Pty.BUFFER_SIZE];
        try {
            int count;
            while ((count = pty.read(buffer, 0, buffer.length)) > 0) {
                synchronized (this) {
                    bytes.write(buffer, 0, count);
                    notifyAll();
                }
            }
        } catch (IOException e) {
            synchronized (this) {
                failure = e;
            }
        } finally {
            synchronized (this) {
                ended = true;
                notifyAll();
            }
        }
    }

    synchronized String text() {
        return bytes.toString(UTF_8);
    }

    /**
     * Waits until {@code expected} appears after the previous match, and moves past it. Returns the
     * text from the previous match up to and including this one.
     */
    synchronized String await(String expected) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            String text = text();
            int at = text.indexOf(expected, cursor);
            if (at >= 0) {
                String passed = text.substring(cursor, at + expected.length());
                cursor = at + expected.length();
                return passed;
            }
            if (ended) {
                throw new AssertionError("output ended without '" + printable(expected) + "'; output was: "
                        + printable(text) + (failure == null ? "" : "; read failed: " + failure));
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no '" + printable(expected) + "' within " + TIMEOUT + "; output so far: " + printable(text));
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }

    /** Waits for the end of the output (read returned -1) and returns all of it. */
    synchronized String awaitEnd() throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!ended) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("output did not end within " + TIMEOUT + "; output so far: " + printable(text()));
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        if (failure != null) {
            throw new AssertionError("read failed", failure);
        }
        return text();
    }

    boolean readerAlive() {
        return reader.isAlive();
    }

    static String printable(String text) {
        return text.replace("\r", "\\r").replace("\n", "\\n").replace("\u001b", "\\e");
    }
}
