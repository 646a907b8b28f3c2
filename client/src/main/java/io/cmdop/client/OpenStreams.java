package io.cmdop.client;

import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.WeakHashMap;

/**
 * The streams a client opened, so that closing the client detaches them: the daemon then ends
 * their attachments at once, instead of keeping them for a grace window as it does for a lost
 * connection. Held weakly: a stream nobody references is not worth a detach.
 */
final class OpenStreams {
    private final Set<TerminalStream> streams = Collections.newSetFromMap(new WeakHashMap<>());

    synchronized void add(TerminalStream stream) {
        streams.add(stream);
    }

    void detachAll() {
        List<TerminalStream> open;
        synchronized (this) {
            open = List.copyOf(streams);
            streams.clear();
        }
        open.forEach(TerminalStream::detach);
    }
}
