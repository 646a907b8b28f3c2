package io.cmdop.transport;

import com.google.protobuf.Any;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import io.cmdop.protocol.v1.Reason;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;

/**
 * A refusal as a gRPC status: the code that fits its stable reason, the message, and a
 * google.rpc.ErrorInfo carrying the reason (without its REASON_ prefix) in domain "cmdop.io".
 */
public final class ErrorStatus {
    public static final String DOMAIN = "cmdop.io";

    private ErrorStatus() {
    }

    public static StatusRuntimeException of(Reason reason, String message) {
        com.google.rpc.Status status = com.google.rpc.Status.newBuilder()
                .setCode(code(reason).getNumber())
                .setMessage(message)
                .addDetails(Any.pack(ErrorInfo.newBuilder()
                        .setReason(reason.name().substring("REASON_".length())).setDomain(DOMAIN).build()))
                .build();
        return StatusProto.toStatusRuntimeException(status);
    }

    private static Code code(Reason reason) {
        return switch (reason) {
            case REASON_SESSION_NOT_FOUND, REASON_FILE_NOT_FOUND -> Code.NOT_FOUND;
            case REASON_OBSERVER_READ_ONLY, REASON_ROLE_FORBIDS, REASON_PATH_OUTSIDE_ROOT,
                 REASON_OS_PERMISSION_DENIED -> Code.PERMISSION_DENIED;
            case REASON_TOKEN_INVALID, REASON_TOKEN_EXPIRED, REASON_UNAUTHENTICATED -> Code.UNAUTHENTICATED;
            case REASON_INVALID_ARGUMENT, REASON_MALFORMED_FRAME, REASON_UNKNOWN_SIGNAL -> Code.INVALID_ARGUMENT;
            case REASON_NAME_TAKEN, REASON_FILE_EXISTS -> Code.ALREADY_EXISTS;
            case REASON_SESSION_EXITED, REASON_SHELL_BUSY, REASON_RESIZE_FIXED, REASON_SPAWN_FAILED,
                 REASON_NOT_A_DIRECTORY, REASON_IS_A_DIRECTORY, REASON_DIRECTORY_NOT_EMPTY, REASON_STREAM_CLOSED,
                 REASON_BLOCKING_CALLBACK ->
                    Code.FAILED_PRECONDITION;
            case REASON_CHECKSUM_MISMATCH -> Code.DATA_LOSS;
            case REASON_TRANSFER_INCOMPLETE -> Code.ABORTED;
            case REASON_TIMEOUT -> Code.DEADLINE_EXCEEDED;
            case REASON_LIMIT_REACHED, REASON_FRAME_TOO_LARGE -> Code.RESOURCE_EXHAUSTED;
            case REASON_MACHINE_OFFLINE -> Code.UNAVAILABLE;
            case REASON_NOT_SUPPORTED -> Code.UNIMPLEMENTED;
            case REASON_INTERNAL, REASON_IO_ERROR, REASON_UNSPECIFIED, UNRECOGNIZED -> Code.INTERNAL;
        };
    }
}
