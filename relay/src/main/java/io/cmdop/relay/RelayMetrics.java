package io.cmdop.relay;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/** The relay's counters and gauges, rendered in Prometheus' text format at /metrics. */
final class RelayMetrics {
    final AtomicLong attachments = new AtomicLong();
    final AtomicLong bytesOut = new AtomicLong();
    final AtomicLong queueDrops = new AtomicLong();
    final AtomicLong feedResyncs = new AtomicLong();
    final AtomicLong authFailures = new AtomicLong();
    final AtomicLong connectionsRefused = new AtomicLong();
    private final LongSupplier agentsConnected;
    private final LongSupplier sessions;
    private final LongSupplier clientsAttached;

    RelayMetrics(LongSupplier agentsConnected, LongSupplier sessions, LongSupplier clientsAttached) {
        this.agentsConnected = agentsConnected;
        this.sessions = sessions;
        this.clientsAttached = clientsAttached;
    }

    String render() {
        StringBuilder out = new StringBuilder();
        gauge(out, "cmdop_agents_connected", "Daemons linked to this relay.", agentsConnected.getAsLong());
        gauge(out, "cmdop_sessions", "Running sessions on the linked daemons.", sessions.getAsLong());
        gauge(out, "cmdop_attachments", "Remote clients attached through this relay.", clientsAttached.getAsLong());
        counter(out, "cmdop_attachments_total", "Remote attaches and resumes accepted.", attachments.get());
        counter(out, "cmdop_bytes_out_total", "Bytes of frames sent to remote clients.", bytesOut.get());
        counter(out, "cmdop_queue_drops_total", "Times a remote client fell behind its queue and was resynchronised.",
                queueDrops.get());
        counter(out, "cmdop_feed_resyncs_total",
                "Times a remote client was resynchronised because its session's feed fell behind at the machine.",
                feedResyncs.get());
        counter(out, "cmdop_auth_failures_total", "Refused credentials.", authFailures.get());
        counter(out, "cmdop_connections_refused_total", "Connections closed at once: their source opened too many.",
                connectionsRefused.get());
        return out.toString();
    }

    private static void gauge(StringBuilder out, String name, String help, long value) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n')
                .append("# TYPE ").append(name).append(" gauge\n").append(name).append(' ').append(value).append('\n');
    }

    private static void counter(StringBuilder out, String name, String help, long value) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n')
                .append("# TYPE ").append(name).append(" counter\n").append(name).append(' ').append(value).append('\n');
    }
}
