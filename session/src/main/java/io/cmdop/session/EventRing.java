package io.cmdop.session;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * The session's recent history: the latest events, whose output bytes make the offset-addressed
 * ring of ARCHITECTURE §3.5. Bounded by bytes (output plus a fixed cost per event), oldest evicted
 * first. While the session is quiet, its events are packed ({@link #pack}) in runs of about
 * {@value #PACK_RUN_BYTES} bytes of output, compressed; a packed run is evicted whole. Not
 * thread-safe: the session guards it.
 */
final class EventRing {
    /** Output packed in runs of about this much: evicting a run drops at most this much early. */
    static final int PACK_RUN_BYTES = 64 * 1024;
    /** Less output than this is left unpacked: too little to be worth a run. */
    static final int PACK_FROM_BYTES = 16 * 1024;
    /** An event's object (an output event's, without its data: 40 bytes) and its slot. */
    private static final int EVENT_BYTES = 48;

    private final long capacityBytes;
    /** The oldest events, packed, oldest run first. */
    private final ArrayDeque<PackedEvents> packed = new ArrayDeque<>();
    /** The events after them, as appended. */
    private final ArrayDeque<SessionEvent> events = new ArrayDeque<>();
    private long weight;
    /** Output bytes in {@link #events}. */
    private long unpackedOutputBytes;

    EventRing(long capacityBytes) {
        if (capacityBytes < 4096) {
            throw new IllegalArgumentException("ring capacity must be at least 4096 bytes, got " + capacityBytes);
        }
        this.capacityBytes = capacityBytes;
    }

    void append(SessionEvent event) {
        events.addLast(event);
        weight += event.weight();
        unpackedOutputBytes += outputBytes(event);
        while (weight > capacityBytes && events.size() + packed.size() > 1) {
            if (!packed.isEmpty()) {
                weight -= packed.removeFirst().weight();
            } else {
                SessionEvent gone = events.removeFirst();
                weight -= gone.weight();
                unpackedOutputBytes -= outputBytes(gone);
            }
        }
    }

    /**
     * Every event after {@code seq}, or empty when some of them were already evicted. An empty list
     * inside the optional means the caller is up to date.
     */
    Optional<List<SessionEvent>> after(long seq) {
        long oldest = !packed.isEmpty() ? packed.peekFirst().firstSeq()
                : events.isEmpty() ? Long.MIN_VALUE : events.peekFirst().seq();
        if (oldest > seq + 1) {
            return Optional.empty();
        }
        List<SessionEvent> missed = new ArrayList<>();
        for (PackedEvents run : packed) {
            if (run.lastSeq() > seq) {
                run.unpack().stream().filter(e -> e.seq() > seq).forEach(missed::add);
            }
        }
        int newest = missed.size();
        for (var it = events.descendingIterator(); it.hasNext(); ) {
            SessionEvent e = it.next();
            if (e.seq() <= seq) {
                break;
            }
            missed.add(e);
        }
        Collections.reverse(missed.subList(newest, missed.size()));
        return Optional.of(missed);
    }

    /** The offset of the oldest output byte still held, or {@code fallback} when none is. */
    long oldestOffset(long fallback) {
        for (PackedEvents run : packed) {
            long offset = run.firstOffset();
            if (offset >= 0) {
                return offset;
            }
        }
        for (SessionEvent e : events) {
            if (e instanceof SessionEvent.Output o) {
                return o.offset();
            }
        }
        return fallback;
    }

    /**
     * Packs the events appended since the last call, for a session gone quiet: nothing if their
     * output is less than {@value #PACK_FROM_BYTES} bytes.
     */
    void pack() {
        if (unpackedOutputBytes < PACK_FROM_BYTES) {
            return;
        }
        List<SessionEvent> run = new ArrayList<>();
        long runBytes = 0;
        while (!events.isEmpty()) {
            SessionEvent e = events.removeFirst();
            run.add(e);
            runBytes += outputBytes(e);
            if (runBytes >= PACK_RUN_BYTES || events.isEmpty()) {
                packed.addLast(PackedEvents.of(run));
                run = new ArrayList<>();
                runBytes = 0;
            }
        }
        unpackedOutputBytes = 0;
    }

    /** What the events weigh ({@link SessionEvent#weight}), packed or not: what the capacity bounds. */
    long weight() {
        return weight;
    }

    /** About the memory the ring holds: its output, packed or not, and each event's object. */
    long memoryBytes() {
        long count = events.size();
        for (PackedEvents run : packed) {
            count += run.size();
        }
        return outputMemory() + count * EVENT_BYTES;
    }

    /** Bytes of output the ring keeps in memory: packed, and as appended. */
    long outputMemory() {
        long bytes = unpackedOutputBytes;
        for (PackedEvents run : packed) {
            bytes += run.packedBytes();
        }
        return bytes;
    }

    private static int outputBytes(SessionEvent e) {
        return e instanceof SessionEvent.Output o ? o.data().length : 0;
    }
}
