package io.cmdop.bench;

import java.util.Arrays;

/** Percentiles of a set of samples (nearest rank). */
final class Stats {
    private final double[] sorted;

    Stats(double[] samples) {
        if (samples.length == 0) {
            throw new IllegalArgumentException("no samples");
        }
        this.sorted = samples.clone();
        Arrays.sort(sorted);
    }

    static Stats ofNanos(long[] nanos, double unitNanos) {
        double[] d = new double[nanos.length];
        for (int i = 0; i < nanos.length; i++) {
            d[i] = nanos[i] / unitNanos;
        }
        return new Stats(d);
    }

    /** The smallest sample that at least {@code p} percent of the samples do not exceed. */
    double percentile(double p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    double median() {
        return percentile(50);
    }

    double min() {
        return sorted[0];
    }

    double max() {
        return sorted[sorted.length - 1];
    }

    int count() {
        return sorted.length;
    }
}
