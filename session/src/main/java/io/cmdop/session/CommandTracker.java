package io.cmdop.session;

import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * Correlates commands with the shell-integration marks in the output (ARCHITECTURE §3.10). Commands
 * sent as commands wait in arrival order; the next "output begins" mark belongs to the oldest one.
 * Commands a user types get marks too and are reported without an id. Guarded by the session.
 */
final class CommandTracker {
    /** A command the session is waiting to see start, or one that is running. */
    record Tracked(String commandId, String command, long startedNanos) {}

    private static final int MAX_PENDING = 16;

    private final boolean integrationExpected;
    private final ArrayDeque<Tracked> pending = new ArrayDeque<>();
    private boolean integrationSeen;
    private boolean atPrompt;
    private Tracked running;

    CommandTracker(boolean integrationExpected) {
        this.integrationExpected = integrationExpected;
    }

    /** True when commands must be wrapped to produce marks themselves. */
    boolean needsWrapping() {
        return !integrationExpected && !integrationSeen;
    }

    boolean readyForCommand() {
        if (!integrationExpected && !integrationSeen) {
            return pending.size() < MAX_PENDING;
        }
        return integrationSeen && atPrompt && running == null && pending.isEmpty();
    }

    boolean promptSeen() {
        return integrationSeen || !integrationExpected;
    }

    String busyReason() {
        if (integrationExpected && !integrationSeen) {
            return "the shell has not shown its first prompt yet";
        }
        if (running != null || !pending.isEmpty()) {
            return "another command is running in this session";
        }
        return "the shell is not at its prompt (a program is running)";
    }

    void expect(String commandId, String command) {
        if (pending.size() >= MAX_PENDING) {
            throw new SessionException(Reason.LIMIT_REACHED, "too many commands waiting to start");
        }
        pending.addLast(new Tracked(commandId, command, System.nanoTime()));
    }

    /** A caller gave up on a command that never started: forget it so the session is not blocked. */
    void cancel(String commandId) {
        for (Iterator<Tracked> it = pending.iterator(); it.hasNext(); ) {
            if (it.next().commandId().equals(commandId)) {
                it.remove();
            }
        }
    }

    /** The prompt (mark A) is shown. */
    void onPrompt() {
        integrationSeen = true;
        atPrompt = true;
    }

    /** Output of a command begins (mark C); returns the command now running, or null when one already is. */
    Tracked onStart() {
        atPrompt = false;
        if (running != null) {
            return null;
        }
        Tracked next = pending.pollFirst();
        running = next != null ? next : new Tracked("", "", System.nanoTime());
        return running;
    }

    /**
     * A command finished (mark D); returns it, or null when none was running. The shell is back: a
     * command sent before its prompt is drawn waits in the terminal's input buffer, as typeahead does.
     */
    Tracked onFinish() {
        Tracked finished = running;
        running = null;
        atPrompt = true;
        return finished;
    }
}
