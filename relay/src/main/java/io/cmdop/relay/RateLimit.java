package io.cmdop.relay;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * At most {@code limit} events per key in a fixed window (per source address, per share link...).
 * The table is bounded: past {@code maxKeys} the least recently seen key is forgotten.
 */
final class RateLimit {
    private final int limit;
    private final long windowNanos;
    private final Map<String, long[]> windows;

    RateLimit(int limit, Duration window, int maxKeys) {
        this.limit = limit;
        this.windowNanos = window.toNanos();
        this.windows = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, long[]> eldest) {
                return size() > maxKeys;
            }
        };
    }

    /** Counts one event of {@code key}; false when the key already had its {@code limit} in this window. */
    synchronized boolean tryAcquire(String key) {
        long now = System.nanoTime();
        long[] window = windows.computeIfAbsent(key, k -> new long[] {now, 0});
        if (now - window[0] > windowNanos) {
            window[0] = now;
            window[1] = 0;
        }
        if (window[1] >= limit) {
            return false;
        }
        window[1]++;
        return true;
    }
}
