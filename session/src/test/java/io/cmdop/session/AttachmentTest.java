package io.cmdop.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AttachmentTest {
    private record Handed(SessionEvent event, Thread thread) {}

    @Test
    void aSmallEventGoesStraightToAWaitingCarrierOnThePublishingThreadAndABigOneThroughTheQueue() throws Exception {
        Attachment a = new Attachment(null, Attachment.Route.QUEUE, "c1", "me", ClientKind.SDK, Mode.OBSERVER, 0, null,
                false, 1024 * 1024, 0, false);
        List<Handed> handed = new CopyOnWriteArrayList<>();
        int epoch = a.epoch();
        CompletableFuture<Delivery> polled = new CompletableFuture<>();
        Thread carrier = Thread.ofPlatform().start(() -> {
            try {
                polled.complete(a.poll(epoch, Duration.ofSeconds(30), e -> handed.add(new Handed(e, Thread.currentThread()))));
            } catch (Throwable t) {
                polled.completeExceptionally(t);
            }
        });
        Blocking.awaitBlockedIn(carrier, "awaitNanos", Duration.ofSeconds(30));

        SessionEvent.Output echo = new SessionEvent.Output(1, 0, 0, new byte[] {'x', '\r'});
        a.offer(echo);
        assertThat(handed).containsExactly(new Handed(echo, Thread.currentThread()));
        assertThat(polled).as("the carrier's thread was not needed for it").isNotDone();

        SessionEvent.Output busy = new SessionEvent.Output(2, 0, 2, new byte[64 * 1024]);
        a.offer(busy);
        assertThat(polled.get(30, TimeUnit.SECONDS)).isEqualTo(new Delivery.Event(busy));
        assertThat(handed).hasSize(1);
    }

    @Test
    void aCarrierThatCannotTakeTheEventNowGetsItFromTheQueue() throws Exception {
        Attachment a = new Attachment(null, Attachment.Route.QUEUE, "c2", "me", ClientKind.SDK, Mode.OBSERVER, 0, null,
                false, 1024 * 1024, 0, false);
        int epoch = a.epoch();
        CompletableFuture<Delivery> polled = new CompletableFuture<>();
        Thread carrier = Thread.ofPlatform().start(() -> {
            try {
                polled.complete(a.poll(epoch, Duration.ofSeconds(30), e -> false));
            } catch (Throwable t) {
                polled.completeExceptionally(t);
            }
        });
        Blocking.awaitBlockedIn(carrier, "awaitNanos", Duration.ofSeconds(30));
        SessionEvent.Output echo = new SessionEvent.Output(1, 0, 0, new byte[] {'y'});
        a.offer(echo);
        assertThat(polled.get(30, TimeUnit.SECONDS)).isEqualTo(new Delivery.Event(echo));
    }

    @Test
    void aCarrierWaitingWithoutATimeoutIsReleasedWhenItsConnectionDropsAndAnOlderOneWhenItIsSuperseded()
            throws Exception {
        Attachment a = new Attachment(null, Attachment.Route.QUEUE, "c3", "me", ClientKind.SDK, Mode.OBSERVER, 0, null,
                false, 1024 * 1024, 0, false);
        int first = a.epoch();
        CompletableFuture<Delivery> dropped = take(a, first);
        assertThat(a.setDisconnected(first)).isTrue();
        assertThat(dropped.get(30, TimeUnit.SECONDS)).as("null: the carrier's connection is gone").isNull();

        int second = a.takeOver(0);
        CompletableFuture<Delivery> older = take(a, first);
        assertThat(older.get(30, TimeUnit.SECONDS)).isEqualTo(new Delivery.End("superseded"));

        CompletableFuture<Delivery> current = take(a, second);
        SessionEvent.Output event = new SessionEvent.Output(1, 0, 0, new byte[] {'z'});
        a.offer(event);
        assertThat(current.get(30, TimeUnit.SECONDS)).isEqualTo(new Delivery.Event(event));
    }

    /** A carrier in {@link Attachment#take}, once it waits there. */
    private static CompletableFuture<Delivery> take(Attachment a, int epoch) throws InterruptedException {
        CompletableFuture<Delivery> taken = new CompletableFuture<>();
        Thread carrier = Thread.ofPlatform().start(() -> {
            try {
                taken.complete(a.take(epoch, e -> false));
            } catch (Throwable t) {
                taken.completeExceptionally(t);
            }
        });
        if (epoch == a.epoch()) { // a superseded carrier returns at once
            Blocking.awaitBlockedIn(carrier, "await", Duration.ofSeconds(30));
        }
        return taken;
    }
}
