package io.cmdop.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The run's results, one row per figure: the raw PTY, tmux and cmdop side by side, cmdop's ratio to
 * each, and the target with whether it is met; where it was measured, the same figure with
 * the client reaching the daemon through a relay (a separate process on loopback, TLS).
 */
final class Table {
    /** Which way is better for a figure; it decides nothing but how the ratio reads. */
    enum Better { HIGHER, LOWER, NONE }

    /**
     * @param raw the raw PTY's figure, NaN where it has no meaning
     * @param tmux tmux's figure, NaN where it has no meaning
     * @param met null when the row has no target
     */
    record Row(String figure, String unit, double raw, double tmux, double cmdop, Better better, String target,
               Boolean met, String note, double relay) {
        Row(String figure, String unit, double raw, double tmux, double cmdop, Better better, String target,
            Boolean met, String note) {
            this(figure, unit, raw, tmux, cmdop, better, target, met, note, Double.NaN);
        }

        /** The same figure through the relay. */
        Row viaRelay(double figure) {
            return new Row(this.figure, unit, raw, tmux, cmdop, better, target, met, note, figure);
        }
    }

    private final List<Row> rows = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    void add(Row row) {
        rows.add(row);
        System.err.println("bench: " + row.figure() + ": raw " + format(row.raw()) + ", tmux " + format(row.tmux())
                + ", cmdop " + format(row.cmdop()) + (Double.isNaN(row.relay()) ? "" : ", via relay " + format(row.relay()))
                + " " + row.unit() + (row.met() == null ? "" : row.met() ? " (met)" : " (MISSED)")
                + (row.note().isEmpty() ? "" : " — " + row.note()));
    }

    void row(String figure, String unit, double raw, double tmux, double cmdop, Better better) {
        add(new Row(figure, unit, raw, tmux, cmdop, better, "", null, ""));
    }

    void note(String note) {
        notes.add(note);
    }

    List<Row> rows() {
        return List.copyOf(rows);
    }

    String markdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("| figure | unit | raw PTY | tmux | cmdop local | cmdop via relay | cmdop ÷ raw | cmdop ÷ tmux | target | met |\n");
        sb.append("|---|---|--:|--:|--:|--:|--:|--:|---|---|\n");
        for (Row r : rows) {
            sb.append("| ").append(r.figure()).append(" | ").append(r.unit()).append(" | ")
                    .append(format(r.raw())).append(" | ").append(format(r.tmux())).append(" | ")
                    .append(format(r.cmdop())).append(" | ").append(format(r.relay())).append(" | ")
                    .append(ratio(r.cmdop(), r.raw())).append(" | ")
                    .append(ratio(r.cmdop(), r.tmux())).append(" | ").append(r.target().isEmpty() ? "" : r.target())
                    .append(" | ").append(r.met() == null ? "" : r.met() ? "met" : "**missed**").append(" |\n");
        }
        List<String> all = new ArrayList<>();
        for (Row r : rows) {
            if (!r.note().isEmpty()) {
                all.add(r.figure() + ": " + r.note());
            }
        }
        all.addAll(notes);
        if (!all.isEmpty()) {
            sb.append('\n');
            for (String n : all) {
                sb.append("- ").append(n).append('\n');
            }
        }
        return sb.toString();
    }

    static String format(double v) {
        if (Double.isNaN(v)) {
            return "—";
        }
        double a = Math.abs(v);
        if (a >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (a >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        if (a >= 1) {
            return String.format(Locale.ROOT, "%.2f", v);
        }
        return String.format(Locale.ROOT, "%.3f", v);
    }

    static String ratio(double cmdop, double other) {
        if (Double.isNaN(cmdop) || Double.isNaN(other) || other == 0) {
            return "—";
        }
        return String.format(Locale.ROOT, "%.2f×", cmdop / other);
    }
}
