package io.cmdop.relay;

import io.cmdop.protocol.v1.AgentLinkGrpc;
import io.cmdop.protocol.v1.SessionsGrpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;

import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;

/**
 * Where the frames of the two streams a keystroke crosses are handled: a remote client's Attach
 * and a machine's link. Until the call has {@link #started}, on a virtual thread: a client's first
 * frame waits for the daemon (and, on a resume, for the machine to come back), a link's hello for
 * the store. From then on, on the thread that received them, since none waits (a client's frame
 * goes on down the link; a link's event is offered to the session's clients): a keystroke and its
 * echo are spared a thread hand-off each. Every other call runs on a virtual thread of its own.
 */
final class StreamFrames implements ServerCallExecutorSupplier {
    private static final Set<String> STREAMS = Set.of(SessionsGrpc.getAttachMethod().getFullMethodName(),
            AgentLinkGrpc.getConnectMethod().getFullMethodName());
    /** The call whose frame the current thread handles, so that the call can say it has started. */
    private static final ThreadLocal<CallExecutor> HANDLING = new ThreadLocal<>();

    private final ExecutorService virtual;

    StreamFrames(ExecutorService virtual) {
        this.virtual = virtual;
    }

    @Override
    public <ReqT, RespT> Executor getExecutor(ServerCall<ReqT, RespT> call, Metadata headers) {
        return STREAMS.contains(call.getMethodDescriptor().getFullMethodName()) ? new CallExecutor() : null;
    }

    /**
     * Called while handling a stream's frame: its next frames may run on the receiving thread.
     * Does nothing elsewhere (the web console's in-process calls).
     */
    static void started() {
        CallExecutor call = HANDLING.get();
        if (call != null) {
            call.started = true;
        }
    }

    /** gRPC runs one task of a call at a time, in order, whichever thread runs it. */
    private final class CallExecutor implements Executor {
        private volatile boolean started;

        @Override
        public void execute(Runnable task) {
            if (started) {
                run(task);
            } else {
                virtual.execute(() -> run(task));
            }
        }

        private void run(Runnable task) {
            CallExecutor outer = HANDLING.get();
            HANDLING.set(this);
            try {
                task.run();
            } finally {
                HANDLING.set(outer);
            }
        }
    }
}
