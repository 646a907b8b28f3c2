package io.cmdop.bench;

import io.cmdop.terminal.ByteSearch;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Watches a byte stream for a marker that ends a run, counting the bytes before it. The marker's
 * first character occurs nowhere else in it, so a one-state fallback finds it across any split of
 * the stream. Thread-safe for one feeding thread and any number of waiting ones.
 */
final class EndMarker {
    private final byte[] marker;
    private final CountDownLatch seen = new CountDownLatch(1);
    private volatile long bytes;
    private volatile long seenAtNanos;
    private int matched;

    EndMarker(String marker) {
        this.marker = marker.getBytes(StandardCharsets.US_ASCII);
    }

    /** A fresh marker: '=' occurs once, then lower-case letters, digits and '-'. */
    static String newMarker() {
        byte[] random = new byte[6];
        ThreadLocalRandom.current().nextBytes(random);
        return "=cmdop-bench-end-" + HexFormat.of().formatHex(random);
    }

    void feed(byte[] data, int offset, int length) {
        if (seenAtNanos != 0) {
            return;
        }
        int m = matched;
        byte first = marker[0];
        for (int i = offset, end = offset + length; i < end; i++) {
            if (m == 0) {
                // The benchmark's own reading must not be what slows a client down.
                i = ByteSearch.indexOf(data, i, end, first);
                if (i < 0) {
                    break;
                }
            }
            byte b = data[i];
            if (b == marker[m]) {
                if (++m == marker.length) {
                    bytes += i + 1 - offset;
                    markSeen();
                    return;
                }
            } else {
                m = b == first ? 1 : 0;
            }
        }
        matched = m;
        bytes += length;
    }

    /** One byte at a time, for filtered streams. */
    void feedByte(int b) {
        if (seenAtNanos != 0) {
            return;
        }
        bytes++;
        if (b == (marker[matched] & 0xff)) {
            if (++matched == marker.length) {
                markSeen();
            }
        } else {
            matched = b == marker[0] ? 1 : 0;
        }
    }

    void feed(byte[] data) {
        feed(data, 0, data.length);
    }

    /** For streams that can skip ahead (a resync): the marker was found some other way. */
    void markSeen() {
        if (seenAtNanos == 0) {
            seenAtNanos = System.nanoTime();
            seen.countDown();
        }
    }

    void addBytes(long n) {
        bytes += n;
    }

    boolean await(long timeout, TimeUnit unit) throws InterruptedException {
        return seen.await(timeout, unit);
    }

    boolean isSeen() {
        return seenAtNanos != 0;
    }

    long seenAtNanos() {
        return seenAtNanos;
    }

    /** Bytes received up to and including the marker. */
    long bytes() {
        return bytes;
    }

    String text() {
        return new String(marker, StandardCharsets.US_ASCII);
    }
}
