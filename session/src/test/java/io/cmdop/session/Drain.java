package io.cmdop.session;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A test client: polls one attachment on its own thread and records what it was handed, so tests
 * can wait for an event or for output text with a timeout instead of sleeping.
 */
final class Drain implements AutoCloseable {
    private final Attachment attachment;
    private final int epoch;
    private final List<Delivery> deliveries = new ArrayList<>();
    private final ByteArrayOutputStream output = new ByteArrayOutputStream();
    private final Thread thread;
    private volatile boolean stopped;

    Drain(Session.Attached attached) {
        this.attachment = attached.attachment();
        this.epoch = attached.epoch();
        this.thread = Thread.ofVirtual().start(this::run);
    }

    private void run() {
        try {
            while (!stopped) {
                Delivery d = attachment.poll(epoch, Duration.ofMillis(100));
                if (d == null) {
                    continue;
                }
                synchronized (this) {
                    deliveries.add(d);
                    if (d instanceof Delivery.Event(SessionEvent.Output o)) {
                        output.writeBytes(o.data());
                    }
                    notifyAll();
                }
                if (d instanceof Delivery.End) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    Attachment attachment() {
        return attachment;
    }

    synchronized List<Delivery> deliveries() {
        return List.copyOf(deliveries);
    }

    synchronized List<SessionEvent> events() {
        return deliveries.stream().filter(d -> d instanceof Delivery.Event).map(d -> ((Delivery.Event) d).event())
                .toList();
    }

    synchronized String text() {
        return output.toString(StandardCharsets.UTF_8);
    }

    synchronized byte[] bytes() {
        return output.toByteArray();
    }

    /** Waits until the recorded output contains the text. */
    String awaitText(String expected) throws InterruptedException {
        awaitDeliveries(list -> text().contains(expected), "output containing '" + expected + "'");
        return text();
    }

    /** Waits for a delivery matching the predicate and returns it. */
    <T extends Delivery> T await(Class<T> type, Predicate<T> matching, String what) throws InterruptedException {
        awaitDeliveries(list -> list.stream().anyMatch(d -> type.isInstance(d) && matching.test(type.cast(d))), what);
        return deliveries().stream().filter(d -> type.isInstance(d) && matching.test(type.cast(d)))
                .map(type::cast).findFirst().orElseThrow();
    }

    /** Waits for an event of the given type matching the predicate. */
    <E extends SessionEvent> E awaitEvent(Class<E> type, Predicate<E> matching) throws InterruptedException {
        awaitDeliveries(list -> events().stream().anyMatch(e -> type.isInstance(e) && matching.test(type.cast(e))),
                type.getSimpleName());
        return events().stream().filter(e -> type.isInstance(e) && matching.test(type.cast(e))).map(type::cast)
                .findFirst().orElseThrow();
    }

    private synchronized void awaitDeliveries(Predicate<List<Delivery>> done, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!done.test(deliveries)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("timed out waiting for " + what + "; output so far:\n" + text());
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }

    @Override
    public void close() throws InterruptedException {
        stopped = true;
        thread.join(Duration.ofSeconds(5));
    }
}
