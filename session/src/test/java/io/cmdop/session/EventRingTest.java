package io.cmdop.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The ring packed while its session is quiet gives back the same events as one that never packs:
 * every resume point, the oldest offset, the weight its bound counts; packed runs are evicted whole
 * and the bound holds.
 */
class EventRingTest {
    private static final Sender OPERATOR = new Sender("alice", "c-1", ClientKind.CLI, Mode.OPERATOR);

    private long seq;
    private long offset;

    @Test
    void aRingPackedNowAndThenGivesBackWhatOneThatNeverPacksGives() {
        for (int round = 0; round < 5; round++) {
            Random r = new Random(round);
            EventRing packing = new EventRing(64L << 20);
            EventRing never = new EventRing(64L << 20);
            seq = 0;
            offset = 0;
            for (int step = 0; step < 400; step++) {
                SessionEvent e = next(r);
                packing.append(e);
                never.append(e);
                if (r.nextInt(20) == 0) {
                    packing.pack();
                }
            }
            packing.pack();
            assertThat(packing.outputMemory()).as("round %d: packed", round).isLessThan(never.outputMemory());
            assertThat(packing.weight()).isEqualTo(never.weight());
            assertThat(packing.oldestOffset(-1)).isEqualTo(never.oldestOffset(-1));
            for (long from = 0; from <= seq + 1; from += 1 + r.nextInt(7)) {
                assertSameEvents(packing.after(from), never.after(from), "round " + round + ", after " + from);
            }
        }
    }

    @Test
    void logOutputIsKeptInLessThanHalfItsSize() {
        EventRing ring = new EventRing(2 << 20);
        Random r = new Random(1);
        long output = 0;
        while (output < (1 << 20)) {
            SessionEvent e = output(logLines(r, 4096));
            ring.append(e);
            output += ((SessionEvent.Output) e).data().length;
        }
        assertThat(ring.outputMemory()).isEqualTo(output);
        ring.pack();
        assertThat(ring.outputMemory()).isLessThan(output / 2); // random numbers in every line: real logs pack smaller
    }

    @Test
    void littleOutputIsLeftUnpacked() {
        EventRing ring = new EventRing(1 << 20);
        SessionEvent e = output(new byte[EventRing.PACK_FROM_BYTES - 1]);
        ring.append(e);
        ring.pack();
        assertThat(ring.outputMemory()).isEqualTo(EventRing.PACK_FROM_BYTES - 1);
        assertThat(ring.after(0).orElseThrow()).containsExactly(e);
    }

    @Test
    void packedRunsAreEvictedWholeAndTheBoundHolds() {
        long capacity = 1 << 20;
        EventRing ring = new EventRing(capacity);
        Random r = new Random(2);
        List<SessionEvent.Output> appended = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            appended.add(output(logLines(r, 4000)));
            ring.append(appended.getLast());
        }
        ring.pack();
        long packedUpTo = seq;
        for (int i = 0; i < 100; i++) {
            appended.add(output(logLines(r, 4000)));
            ring.append(appended.getLast());
            assertThat(ring.weight()).isLessThanOrEqualTo(capacity);
        }
        long oldestOffset = ring.oldestOffset(-1);
        SessionEvent.Output oldest = appended.stream().filter(o -> o.offset() == oldestOffset).findFirst().orElseThrow();
        assertThat(oldest.seq()).as("some packed events are still there").isLessThan(packedUpTo);
        assertThat(ring.after(oldest.seq() - 2)).as("the ones before are gone").isEmpty();
        List<SessionEvent> kept = ring.after(oldest.seq() - 1).orElseThrow();
        assertSameEvents(Optional.of(kept), Optional.of(List.copyOf(appended.subList(appended.indexOf(oldest),
                appended.size()))), "what is kept");
        assertThat(kept.stream().mapToLong(SessionEvent::weight).sum()).as("the bound less at most about a run")
                .isEqualTo(ring.weight())
                .isGreaterThan(capacity - 2 * EventRing.PACK_RUN_BYTES);
    }

    private SessionEvent next(Random r) {
        return switch (r.nextInt(6)) {
            case 0 -> new SessionEvent.InputApplied(++seq, 1000 + seq, seq, OPERATOR, new byte[] {'l', 's', '\r'}, "");
            case 1 -> output(new byte[] {(byte) r.nextInt(256)});
            default -> output(logLines(r, 1 + r.nextInt(8192)));
        };
    }

    private SessionEvent.Output output(byte[] data) {
        SessionEvent.Output o = new SessionEvent.Output(++seq, 1000 + seq, offset, data);
        offset += data.length;
        return o;
    }

    /** Lines as a build or a service logs them: repeated words, changing numbers. */
    private static byte[] logLines(Random r, int bytes) {
        StringBuilder sb = new StringBuilder();
        String[] words = {"INFO", "request", "served", "in", "ms", "GET", "/api/v1/items", "200", "WARN", "retrying"};
        while (sb.length() < bytes) {
            sb.append("2026-12-07T12:").append(10 + r.nextInt(50)).append(':').append(10 + r.nextInt(50))
                    .append('.').append(r.nextInt(1000)).append(' ');
            for (int w = r.nextInt(8); w >= 0; w--) {
                sb.append(words[r.nextInt(words.length)]).append(' ').append(r.nextInt(100_000)).append(' ');
            }
            sb.append("\r\n");
        }
        return sb.substring(0, bytes).getBytes(StandardCharsets.US_ASCII);
    }

    private static void assertSameEvents(Optional<List<SessionEvent>> actual, Optional<List<SessionEvent>> expected,
                                         String what) {
        assertThat(actual.isPresent()).as(what).isEqualTo(expected.isPresent());
        if (expected.isEmpty()) {
            return;
        }
        List<SessionEvent> a = actual.get();
        List<SessionEvent> e = expected.get();
        assertThat(a).as(what).hasSameSizeAs(e);
        for (int i = 0; i < e.size(); i++) {
            if (e.get(i) instanceof SessionEvent.Output eo) {
                SessionEvent.Output ao = (SessionEvent.Output) a.get(i);
                assertThat(List.of(ao.seq(), ao.timeMs(), ao.offset())).as(what)
                        .isEqualTo(List.of(eo.seq(), eo.timeMs(), eo.offset()));
                assertThat(ao.data()).as(what + ", output of event " + eo.seq()).isEqualTo(eo.data());
            } else {
                assertThat(a.get(i)).as(what).isSameAs(e.get(i));
            }
        }
    }
}
