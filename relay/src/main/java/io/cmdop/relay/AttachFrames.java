package io.cmdop.relay;

import io.cmdop.protocol.v1.SessionsGrpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;

import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;

/**
 * Where a remote client's Attach frames are handled. Until the call has its machine, on a virtual
 * thread: the first frame waits for the daemon (and, on a resume, for the machine to come back).
 * From then on, on the thread that received them: a frame only goes on down the link, and a
 * keystroke is spared a thread hand-off. Every other call runs on a virtual thread of its own.
 */
final class AttachFrames implements ServerCallExecutorSupplier {
    private static final String ATTACH = SessionsGrpc.getAttachMethod().getFullMethodName();
    /** The call whose frame the current thread handles, so that the call can say it has started. */
    private static final ThreadLocal<CallExecutor> HANDLING = new ThreadLocal<>();

    private final ExecutorService virtual;

    AttachFrames(ExecutorService virtual) {
        this.virtual = virtual;
    }

    @Override
    public <ReqT, RespT> Executor getExecutor(ServerCall<ReqT, RespT> call, Metadata headers) {
        return call.getMethodDescriptor().getFullMethodName().equals(ATTACH) ? new CallExecutor() : null;
    }

    /**
     * Called while handling an Attach call's frame: its next frames may run on the receiving thread.
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
