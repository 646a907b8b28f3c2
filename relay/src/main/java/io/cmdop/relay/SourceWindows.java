package io.cmdop.relay;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Counts events per source address in fixed one-window periods, for rate limits. Bounded: past
 * {@code maxSources} the least recently seen source is forgotten.
 */
final class SourceWindows {
    private final long windowNanos;
    private final Map<String, long[]> counts;

    SourceWindows(long windowNanos, int maxSources) {
        this.windowNanos = windowNanos;
        this.counts = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, long[]> eldest) {
                return size() > maxSources;
            }
        };
    }

    /** Counts one event of the source; returns its count in the current window, this one included. */
    synchronized long hit(String source) {
        long now = System.nanoTime();
        long[] entry = counts.computeIfAbsent(source, s -> new long[] {now, 0});
        if (now - entry[0] > windowNanos) {
            entry[0] = now;
            entry[1] = 0;
        }
        return ++entry[1];
    }

    /** The source's count in the current window. */
    synchronized long count(String source) {
        long[] entry = counts.get(source);
        return entry == null || System.nanoTime() - entry[0] > windowNanos ? 0 : entry[1];
    }
}
