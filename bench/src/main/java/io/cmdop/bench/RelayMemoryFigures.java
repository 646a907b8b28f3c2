package io.cmdop.bench;

import io.cmdop.client.CmdopClient;
import io.cmdop.client.TerminalStream;
import io.cmdop.protocol.v1.CreateSessionRequest;
import io.cmdop.protocol.v1.Mode;
import io.cmdop.protocol.v1.Size;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Memory per observer attached through the relay: the relay's resident memory and live heap (after
 * a full collection) with N SDK observers attached to idle sessions of the daemon behind it, minus
 * the same before they attached, divided by N; the daemon's too, which holds an attachment per
 * relayed observer (presence, mode) but no queue.
 */
final class RelayMemoryFigures {
    /**
     * Per observer, in bytes, and what carried the observers.
     *
     * @param connections the observers' connections to the relay
     * @param sessions the sessions they observed
     */
    record PerObserver(int observers, int connections, int sessions, long relayRss, long relayHeap, long daemonRss,
                       long daemonHeap) {}

    /**
     * Observers per client connection (one {@link CmdopClient}: one HTTP/2 connection, a stream per
     * observer): below the 128 concurrent streams Jetty allows on a connection by default, which the
     * relay keeps; and 1,000 observers fit within the 256 connections it allows per source address.
     */
    static final int PER_CONNECTION = 100;
    /** Observers per session: a session holds at most 256 attached clients by default, relayed ones included. */
    static final int PER_SESSION = 250;

    private final int settleMillis;

    RelayMemoryFigures(int settleMillis) {
        this.settleMillis = settleMillis;
    }

    PerObserver measure(CmdopDaemon daemon, CmdopRelay relay, int observers) throws Exception {
        int sessions = (observers + PER_SESSION - 1) / PER_SESSION;
        List<CmdopClient> clients = new ArrayList<>();
        List<TerminalStream> streams = new ArrayList<>();
        try (CmdopClient control = daemon.client()) {
            for (int s = 0; s < sessions; s++) {
                control.terminal().create(CreateSessionRequest.newBuilder().setName("relayed-" + s).addCommand("cat")
                        .setSize(Size.newBuilder().setCols(80).setRows(24)).build());
            }
            // Warm up: as many attaches and detaches first, so that the baseline has their code compiled
            // and the heap pages their garbage touches resident; what remains is what attached observers hold.
            attach(relay, clients, streams, observers, sessions);
            detach(control.terminal(), clients, streams, sessions);
            Thread.sleep(settleMillis);
            long relayHeap0 = ProcessMemory.heapAfterFullGc(relay.pid());
            long relayRss0 = ProcessMemory.rss(relay.pid());
            long daemonHeap0 = ProcessMemory.heapAfterFullGc(daemon.pid());
            long daemonRss0 = daemon.rss();
            attach(relay, clients, streams, observers, sessions);
            Thread.sleep(settleMillis);
            long relayHeap = ProcessMemory.heapAfterFullGc(relay.pid());
            long relayRss = ProcessMemory.rss(relay.pid());
            long daemonHeap = ProcessMemory.heapAfterFullGc(daemon.pid());
            long daemonRss = daemon.rss();
            PerObserver out = new PerObserver(observers, clients.size(), sessions, (relayRss - relayRss0) / observers,
                    (relayHeap - relayHeap0) / observers, (daemonRss - daemonRss0) / observers,
                    (daemonHeap - daemonHeap0) / observers);
            detach(control.terminal(), clients, streams, sessions);
            for (int s = 0; s < sessions; s++) {
                control.terminal().destroy("relayed-" + s);
            }
            return out;
        } finally {
            clients.forEach(CmdopClient::close);
        }
    }

    /**
     * Attaches {@code n} observers through the relay, {@link #PER_CONNECTION} to a connection, spread
     * over the sessions; each connection's observers attach one after the other, the connections at once.
     */
    private static void attach(CmdopRelay relay, List<CmdopClient> clients, List<TerminalStream> streams, int n,
                               int sessions) throws InterruptedException, ExecutionException {
        Reach reach = relay.reach();
        List<Future<List<TerminalStream>>> attached = new ArrayList<>();
        try (ExecutorService connections = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int first = 0; first < n; first += PER_CONNECTION) {
                CmdopClient client = reach.client();
                clients.add(client);
                int from = first;
                int to = Math.min(n, first + PER_CONNECTION);
                attached.add(connections.submit(() -> {
                    List<TerminalStream> mine = new ArrayList<>();
                    for (int i = from; i < to; i++) {
                        TerminalStream stream = reach.terminal(client).stream(Mode.MODE_OBSERVER);
                        stream.attach("relayed-" + i % sessions);
                        mine.add(stream);
                    }
                    return mine;
                }));
            }
            for (Future<List<TerminalStream>> f : attached) {
                streams.addAll(f.get());
            }
        }
    }

    /**
     * Detaches every observer and waits until the daemon has let them go before closing their
     * connections: a connection closed under a detach still on its way would leave the attachment
     * held for its grace window (a lost client), counted against the session's limit.
     */
    private static void detach(io.cmdop.client.Terminal daemon, List<CmdopClient> clients, List<TerminalStream> streams,
                               int sessions) throws InterruptedException {
        streams.forEach(TerminalStream::detach);
        streams.clear();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (int s = 0; s < sessions; s++) {
            while (daemon.getSession("relayed-" + s).getAttachedCount() > 0) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the relay's observers were still attached 60 s after detaching");
                }
                Thread.sleep(10);
            }
        }
        clients.forEach(CmdopClient::close);
        clients.clear();
    }
}
