package io.cmdop.session;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Tunables of every session a daemon hosts. The defaults are those of ARCHITECTURE §3.
 *
 * @param ringBytes recent output (and events) kept for resume; default 2 MiB
 * @param grace how long an abruptly disconnected attachment waits for its resume; default 30 s
 * @param resizePolicy the policy of sessions that do not choose one; default {@code latest}
 * @param sendQueueBytes each attachment's send queue bound; past it the client is resynchronised
 * @param inputQueueBytes input accepted but not yet written to the PTY; past it input is refused
 * @param maxAttachments attachments per session
 * @param scrollbackLines scrollback kept by the terminal model and offered to joining clients
 * @param integrationDir where the shell integration file is written; null disables it
 */
public record SessionConfig(long ringBytes, Duration grace, ResizePolicy resizePolicy, long sendQueueBytes,
                            long inputQueueBytes, int maxAttachments, int scrollbackLines, Path integrationDir) {
    public static final long DEFAULT_RING_BYTES = 2L * 1024 * 1024;
    public static final Duration DEFAULT_GRACE = Duration.ofSeconds(30);

    public SessionConfig {
        Objects.requireNonNull(grace, "grace");
        Objects.requireNonNull(resizePolicy, "resizePolicy");
        if (ringBytes < 4096) {
            throw new IllegalArgumentException("ring size must be at least 4096 bytes");
        }
        if (sendQueueBytes < 64 * 1024 || inputQueueBytes < 4096 || maxAttachments < 1 || scrollbackLines < 0
                || grace.isNegative()) {
            throw new IllegalArgumentException("session limits out of range");
        }
    }

    public static SessionConfig defaults() {
        // 4 MiB of send queue is ~40 ms of full-speed output: a healthy client is not skipped for a hiccup.
        return new SessionConfig(DEFAULT_RING_BYTES, DEFAULT_GRACE, ResizePolicy.LATEST, 4L * 1024 * 1024,
                1024 * 1024, 256, 1000, null);
    }

    public SessionConfig withIntegrationDir(Path dir) {
        return new SessionConfig(ringBytes, grace, resizePolicy, sendQueueBytes, inputQueueBytes, maxAttachments,
                scrollbackLines, dir);
    }

    public SessionConfig withRingBytes(long bytes) {
        return new SessionConfig(bytes, grace, resizePolicy, sendQueueBytes, inputQueueBytes, maxAttachments,
                scrollbackLines, integrationDir);
    }

    public SessionConfig withGrace(Duration window) {
        return new SessionConfig(ringBytes, window, resizePolicy, sendQueueBytes, inputQueueBytes, maxAttachments,
                scrollbackLines, integrationDir);
    }

    public SessionConfig withSendQueueBytes(long bytes) {
        return new SessionConfig(ringBytes, grace, resizePolicy, bytes, inputQueueBytes, maxAttachments,
                scrollbackLines, integrationDir);
    }

    public SessionConfig withMaxAttachments(int max) {
        return new SessionConfig(ringBytes, grace, resizePolicy, sendQueueBytes, inputQueueBytes, max,
                scrollbackLines, integrationDir);
    }

    public SessionConfig withResizePolicy(ResizePolicy policy) {
        return new SessionConfig(ringBytes, grace, policy, sendQueueBytes, inputQueueBytes, maxAttachments,
                scrollbackLines, integrationDir);
    }
}
