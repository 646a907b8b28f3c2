package io.cmdop.client;

import io.cmdop.protocol.v1.Reason;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;

import java.util.concurrent.Executor;

/**
 * The transport thread, for streams whose caller lets their callbacks run on it (no hand-off to a
 * thread of their own, so an echo arrives sooner). A blocking SDK call made from such a callback
 * would wait for a reply that this very thread may have to deliver: it fails at once instead. The
 * mark is not tied to a client: a call on another client would hold up this one's output while it
 * waits, and is refused too.
 */
final class TransportThread {
    private static final ScopedValue<Boolean> IN_CALLBACK = ScopedValue.newInstance();

    /** Runs a call's callbacks where the transport delivers them, marked as such. */
    static final Executor CALLBACKS = task -> ScopedValue.where(IN_CALLBACK, Boolean.TRUE).run(task);

    /** Runs {@code task} here, marked as a callback on the transport thread. */
    static <T> T onTransportThread(ScopedValue.CallableOp<T, RuntimeException> task) {
        return ScopedValue.where(IN_CALLBACK, Boolean.TRUE).call(task);
    }

    /** Refuses every new call started from such a callback: the SDK only starts calls to wait for them. */
    static final ClientInterceptor NO_CALLS_FROM_CALLBACKS = new ClientInterceptor() {
        @Override
        public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
            refuseBlocking("the call " + method.getFullMethodName());
            return next.newCall(method, options);
        }
    };

    private TransportThread() {
    }

    /** Throws when the current thread is running a callback on the transport thread. */
    static void refuseBlocking(String call) {
        if (IN_CALLBACK.isBound()) {
            throw new CmdopException(Reason.REASON_BLOCKING_CALLBACK, call + " waits for a reply, and this callback "
                    + "runs on a transport thread, which must not wait: it delivers its client's output, and the reply "
                    + "may need it. Make the call from another thread");
        }
    }
}
