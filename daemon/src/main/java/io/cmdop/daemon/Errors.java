package io.cmdop.daemon;

import io.cmdop.protocol.v1.Error;
import io.cmdop.session.SessionException;
import io.grpc.StatusRuntimeException;
import io.cmdop.transport.ErrorStatus;

/**
 * Turns refusals into the protocol's errors: a gRPC status carrying google.rpc.ErrorInfo with the
 * stable reason for unary calls, an Error frame on the live channel.
 */
final class Errors {
    private Errors() {
    }

    static StatusRuntimeException status(SessionException e) {
        return ErrorStatus.of(Protos.reason(e.reason()), e.getMessage());
    }

    static Error frame(SessionException e, boolean fatal) {
        return Error.newBuilder().setReason(Protos.reason(e.reason())).setMessage(e.getMessage()).setFatal(fatal).build();
    }
}
