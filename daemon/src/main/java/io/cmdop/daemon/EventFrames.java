package io.cmdop.daemon;

import io.cmdop.protocol.v1.ServerFrame;
import io.cmdop.session.SessionEvent;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The frame of an event, built once for all the clients that receive it (ARCHITECTURE §8): with
 * many observers of one session each event would otherwise be converted, and measured for
 * serialization, once per client. A small direct-mapped cache by event identity, since clients
 * of one session are at most a send queue apart.
 */
final class EventFrames {
    private static final int SLOTS = 1024;

    private record Entry(SessionEvent event, ServerFrame frame) {}

    private final AtomicReferenceArray<Entry> slots = new AtomicReferenceArray<>(SLOTS);

    ServerFrame frame(SessionEvent event) {
        int slot = System.identityHashCode(event) & (SLOTS - 1);
        Entry entry = slots.get(slot);
        if (entry != null && entry.event() == event) {
            return entry.frame();
        }
        ServerFrame frame = ServerFrame.newBuilder().setEvent(Protos.event(event)).build();
        frame.getSerializedSize(); // memoized in the frame: every client's send reuses it
        slots.set(slot, new Entry(event, frame));
        return frame;
    }
}
