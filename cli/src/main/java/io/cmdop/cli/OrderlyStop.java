package io.cmdop.cli;

import sun.misc.Signal;

import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Stops a server (the daemon, the relay) once, whichever asks first: the server's own stop, a
 * signal (systemd, kill, Ctrl-C) or the JVM's exit. A signal stops it while the JVM still runs:
 * from a shutdown hook the stop would race the log manager's own hook, which closes the log first,
 * and the stop would go unlogged.
 */
final class OrderlyStop {
    private static final Logger LOG = Logger.getLogger(OrderlyStop.class.getName());

    private final List<AutoCloseable> parts;
    private boolean done;

    private OrderlyStop(List<AutoCloseable> parts) {
        this.parts = parts;
    }

    /** Closes {@code parts} in order on TERM, INT or HUP (unless ignored, as under nohup), or at exit. */
    static OrderlyStop install(AutoCloseable... parts) {
        OrderlyStop stop = new OrderlyStop(List.of(parts));
        Runtime.getRuntime().addShutdownHook(new Thread(stop::stop));
        for (String name : List.of("TERM", "INT", "HUP")) {
            try {
                Signal.handle(new Signal(name), signal -> stop.stop());
            } catch (IllegalArgumentException e) {
                // The JVM keeps this signal (-Xrs, or the platform's): the shutdown hook stops instead.
            }
        }
        return stop;
    }

    /** Closes every part, the first time; a caller after that returns once they are closed. */
    synchronized void stop() {
        if (done) {
            return;
        }
        done = true;
        for (AutoCloseable part : parts) {
            try {
                part.close();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "stopping: " + e.getMessage(), e);
            }
        }
    }
}
