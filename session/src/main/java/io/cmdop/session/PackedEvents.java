package io.cmdop.session;

import java.util.Arrays;
import java.util.List;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * A run of the ring's events with their output compressed (deflate, fastest level): the history of
 * a quiet session, which a client reads back only if it resumes from that far or attaches from the
 * start. Terminal output compresses well (a service's log to about a fifth), and the ring is most of what
 * a session keeps once its output has scrolled by.
 */
final class PackedEvents {
    private static final byte[] NO_DATA = new byte[0];

    /** The events in order, each output event without its data (which is in {@link #compressed}). */
    private final SessionEvent[] events;
    /** The output events' data one after the other, compressed, and the length of each. */
    private final byte[] compressed;
    private final int[] lengths;
    private final long weight;

    private PackedEvents(SessionEvent[] events, byte[] compressed, int[] lengths, long weight) {
        this.events = events;
        this.compressed = compressed;
        this.lengths = lengths;
        this.weight = weight;
    }

    /** Packs {@code events}. */
    static PackedEvents of(List<SessionEvent> events) {
        SessionEvent[] stripped = new SessionEvent[events.size()];
        int[] lengths = new int[events.size()];
        int outputs = 0;
        long weight = 0;
        Compressed compressed = new Compressed();
        try {
            for (int i = 0; i < stripped.length; i++) {
                SessionEvent e = events.get(i);
                weight += e.weight();
                if (e instanceof SessionEvent.Output o) {
                    compressed.add(o.data());
                    lengths[outputs++] = o.data().length;
                    stripped[i] = new SessionEvent.Output(o.seq(), o.timeMs(), o.offset(), NO_DATA);
                } else {
                    stripped[i] = e;
                }
            }
            return new PackedEvents(stripped, compressed.finish(), Arrays.copyOf(lengths, outputs), weight);
        } finally {
            compressed.end();
        }
    }

    /** The events as they were appended. */
    List<SessionEvent> unpack() {
        SessionEvent[] out = new SessionEvent[events.length];
        Inflater inflater = new Inflater(true);
        try {
            inflater.setInput(compressed);
            int outputs = 0;
            for (int i = 0; i < events.length; i++) {
                if (events[i] instanceof SessionEvent.Output o) {
                    byte[] data = new byte[lengths[outputs++]];
                    inflate(inflater, data);
                    out[i] = new SessionEvent.Output(o.seq(), o.timeMs(), o.offset(), data);
                } else {
                    out[i] = events[i];
                }
            }
        } finally {
            inflater.end();
        }
        return List.of(out);
    }

    /** How many events the run holds. */
    int size() {
        return events.length;
    }

    long firstSeq() {
        return events[0].seq();
    }

    long lastSeq() {
        return events[events.length - 1].seq();
    }

    /** What the events weigh unpacked ({@link SessionEvent#weight}): the ring's bound counts that. */
    long weight() {
        return weight;
    }

    /** The offset of the first output byte in the run, or -1 if it has none. */
    long firstOffset() {
        for (SessionEvent e : events) {
            if (e instanceof SessionEvent.Output o) {
                return o.offset();
            }
        }
        return -1;
    }

    /** Bytes of memory the run's data takes, packed. */
    int packedBytes() {
        return compressed.length;
    }

    /** Output compressed as it is added, into an array that grows as needed: no copy of it whole. */
    private static final class Compressed {
        private final Deflater deflater = new Deflater(Deflater.BEST_SPEED, true);
        private byte[] out = new byte[4096];
        private int length;

        void add(byte[] data) {
            deflater.setInput(data);
            while (!deflater.needsInput()) {
                drain();
            }
        }

        byte[] finish() {
            deflater.finish();
            while (!deflater.finished()) {
                drain();
            }
            return Arrays.copyOf(out, length);
        }

        /** zlib's memory is native: let go of at once, not left for the collector to find. */
        void end() {
            deflater.end();
        }

        private void drain() {
            if (length == out.length) {
                out = Arrays.copyOf(out, 2 * out.length);
            }
            length += deflater.deflate(out, length, out.length - length);
        }
    }

    private static void inflate(Inflater inflater, byte[] data) {
        try {
            int at = 0;
            while (at < data.length) {
                int n = inflater.inflate(data, at, data.length - at);
                if (n == 0 && (inflater.finished() || inflater.needsInput())) {
                    // Only a bug of ours can cut what we compressed ourselves.
                    throw new IllegalStateException("packed output ends after " + at + " of " + data.length + " bytes");
                }
                at += n;
            }
        } catch (DataFormatException e) {
            throw new IllegalStateException("packed output is corrupt", e);
        }
    }
}
