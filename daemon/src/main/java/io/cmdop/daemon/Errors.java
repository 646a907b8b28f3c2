package io.cmdop.daemon;

import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import io.cmdop.protocol.v1.Error;
import io.cmdop.session.Reason;
import io.cmdop.session.SessionException;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;

/**
 * Turns refusals into the protocol's errors: a gRPC status carrying google.rpc.ErrorInfo with the
 * stable reason for unary calls, an Error frame on the live channel.
 */
final class Errors {
    static final String DOMAIN = "cmdop.io";

    private Errors() {
    }

    static StatusRuntimeException status(SessionException e) {
        com.google.rpc.Status status = com.google.rpc.Status.newBuilder()
                .setCode(code(e.reason()).getNumber())
                .setMessage(e.getMessage())
                .addDetails(com.google.protobuf.Any.pack(ErrorInfo.newBuilder()
                        .setReason(e.reason().name()).setDomain(DOMAIN).build()))
                .build();
        return StatusProto.toStatusRuntimeException(status);
    }

    static Error frame(SessionException e, boolean fatal) {
        return Error.newBuilder().setReason(Protos.reason(e.reason())).setMessage(e.getMessage()).setFatal(fatal).build();
    }

    private static Code code(Reason reason) {
        return switch (reason) {
            case SESSION_NOT_FOUND -> Code.NOT_FOUND;
            case OBSERVER_READ_ONLY -> Code.PERMISSION_DENIED;
            case TOKEN_INVALID, TOKEN_EXPIRED -> Code.UNAUTHENTICATED;
            case INVALID_ARGUMENT, MALFORMED_FRAME, UNKNOWN_SIGNAL -> Code.INVALID_ARGUMENT;
            case NAME_TAKEN -> Code.ALREADY_EXISTS;
            case SESSION_EXITED, SHELL_BUSY, RESIZE_FIXED, SPAWN_FAILED -> Code.FAILED_PRECONDITION;
            case TIMEOUT -> Code.DEADLINE_EXCEEDED;
            case LIMIT_REACHED, FRAME_TOO_LARGE -> Code.RESOURCE_EXHAUSTED;
            case INTERNAL -> Code.INTERNAL;
            case ROLE_FORBIDS -> Code.PERMISSION_DENIED;
            case UNAUTHENTICATED -> Code.UNAUTHENTICATED;
            case MACHINE_OFFLINE -> Code.UNAVAILABLE;
        };
    }
}
