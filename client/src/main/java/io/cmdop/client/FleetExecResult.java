package io.cmdop.client;

import io.cmdop.protocol.v1.Reason;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * One command run on several machines at once ({@link Terminal#executeOn}): a result per machine,
 * in the order they were named.
 *
 * @param results by machine name
 */
public record FleetExecResult(Map<String, OnMachine> results) {
    /** Machines one call may name. */
    public static final int MAX_MACHINES = 1000;

    public FleetExecResult {
        results = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(results));
    }

    /** The machines that did not finish in time (the command was ended there, or they never answered). */
    public List<String> timedOut() {
        return results.values().stream().filter(OnMachine::timedOut).map(OnMachine::machine).toList();
    }

    /** True when every machine ran the command and it exited with 0. */
    public boolean allSucceeded() {
        return results.values().stream().allMatch(r -> r.result() != null && r.result().exitCode() == 0);
    }

    /**
     * How the command went on one machine: its {@code result}, or the {@code error} that kept it from
     * finishing (offline, refused, timed out). Exactly one of the two is set.
     */
    public record OnMachine(String machine, CommandResult result, CmdopException error) {
        public OnMachine {
            if ((result == null) == (error == null)) {
                throw new IllegalArgumentException("a result or an error, not both or neither");
            }
        }

        public boolean timedOut() {
            return error != null && error.reason() == Reason.REASON_TIMEOUT;
        }

        /** Waits for a finished run (its thread pool has been closed) and reads its outcome. */
        static OnMachine of(String machine, Future<CommandResult> run) {
            try {
                return new OnMachine(machine, run.get(), null);
            } catch (ExecutionException e) {
                return new OnMachine(machine, null, e.getCause() instanceof CmdopException c ? c
                        : new CmdopException(Reason.REASON_INTERNAL, String.valueOf(e.getCause()), e.getCause()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new OnMachine(machine, null, new CmdopException(Reason.REASON_INTERNAL, "interrupted", e));
            }
        }
    }
}
