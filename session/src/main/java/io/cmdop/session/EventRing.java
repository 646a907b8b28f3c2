package io.cmdop.session;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The session's recent history: the latest events, whose output bytes make the offset-addressed
 * ring of ARCHITECTURE §3.5. Bounded by bytes (output plus a fixed cost per event), oldest evicted
 * first. Not thread-safe: the session guards it.
 */
final class EventRing {
    private final long capacityBytes;
    private final ArrayDeque<SessionEvent> events = new ArrayDeque<>();
    private long weight;

    EventRing(long capacityBytes) {
        if (capacityBytes < 4096) {
            throw new IllegalArgumentException("ring capacity must be at least 4096 bytes, got " + capacityBytes);
        }
        this.capacityBytes = capacityBytes;
    }

    void append(SessionEvent event) {
        events.addLast(event);
        weight += event.weight();
        while (weight > capacityBytes && events.size() > 1) {
            weight -= events.removeFirst().weight();
        }
    }

    /**
     * Every event after {@code seq}, or empty when some of them were already evicted. An empty list
     * inside the optional means the caller is up to date.
     */
    Optional<List<SessionEvent>> after(long seq) {
        SessionEvent oldest = events.peekFirst();
        if (oldest != null && oldest.seq() > seq + 1) {
            return Optional.empty();
        }
        List<SessionEvent> missed = new ArrayList<>();
        for (var it = events.descendingIterator(); it.hasNext(); ) {
            SessionEvent e = it.next();
            if (e.seq() <= seq) {
                break;
            }
            missed.add(e);
        }
        return Optional.of(missed.reversed());
    }

    /** The offset of the oldest output byte still held, or {@code fallback} when none is. */
    long oldestOffset(long fallback) {
        for (SessionEvent e : events) {
            if (e instanceof SessionEvent.Output o) {
                return o.offset();
            }
        }
        return fallback;
    }

    long weight() {
        return weight;
    }
}
