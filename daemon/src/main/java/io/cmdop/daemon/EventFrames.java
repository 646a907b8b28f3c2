package io.cmdop.daemon;

import io.cmdop.protocol.v1.ServerFrame;
import io.cmdop.session.SessionEvent;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The frame of an event, built once for all the clients that receive it (ARCHITECTURE §8): with
 * many observers of one session each event would otherwise be converted, and measured for
 * serialization, once per client. A small direct-mapped cache by event identity, since clients
 * of one session are at most a send queue apart.
 *
 * <p>Only small events are kept, so the cache holds at most {@value #SLOTS} × {@value #MAX_WEIGHT}
 * bytes. A frame wraps its event's bytes: 1,024 busy chunks of up to 64 KiB each kept 64 MiB alive
 * beyond the session's ring, which every young collection then copied and promoted (pauses of a
 * tenth of a second, a heap grown past 1 GiB over a benchmark's few 128 MiB streams). A large
 * event is cheap to convert again; its cost per client is the copy into the transport, which no
 * cache saves.
 */
final class EventFrames {
    private static final int SLOTS = 256;
    private static final int MAX_WEIGHT = 4096 + 64;

    private record Entry(SessionEvent event, ServerFrame frame) {}

    private final AtomicReferenceArray<Entry> slots = new AtomicReferenceArray<>(SLOTS);

    ServerFrame frame(SessionEvent event) {
        if (event.weight() > MAX_WEIGHT) {
            return build(event);
        }
        int slot = System.identityHashCode(event) & (SLOTS - 1);
        Entry entry = slots.get(slot);
        if (entry != null && entry.event() == event) {
            return entry.frame();
        }
        ServerFrame frame = build(event);
        frame.getSerializedSize(); // memoized in the frame: every client's send reuses it
        slots.set(slot, new Entry(event, frame));
        return frame;
    }

    private static ServerFrame build(SessionEvent event) {
        return ServerFrame.newBuilder().setEvent(Protos.event(event)).build();
    }
}
