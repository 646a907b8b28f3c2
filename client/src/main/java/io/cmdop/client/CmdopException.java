package io.cmdop.client;

import com.google.rpc.ErrorInfo;
import io.cmdop.protocol.v1.Error;
import io.cmdop.protocol.v1.Reason;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;

import java.util.Objects;

/**
 * A refusal or failure reported by cmdop, with the protocol's stable reason. Subclasses exist for
 * the reasons callers commonly handle.
 */
public class CmdopException extends RuntimeException {
    private final Reason reason;

    public CmdopException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason);
    }

    CmdopException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason);
    }

    /** The stable reason, e.g. {@code REASON_OBSERVER_READ_ONLY}. */
    public Reason reason() {
        return reason;
    }

    /** The reason's name without its prefix, e.g. {@code OBSERVER_READ_ONLY}. */
    public String reasonName() {
        return reason.name().substring("REASON_".length());
    }

    static CmdopException of(Reason reason, String message, Throwable cause) {
        return switch (reason) {
            case REASON_OBSERVER_READ_ONLY, REASON_ROLE_FORBIDS -> new PermissionDeniedException(reason, message, cause);
            case REASON_SESSION_NOT_FOUND -> new SessionNotFoundException(message, cause);
            case REASON_FILE_NOT_FOUND -> new PathNotFoundException(message, cause);
            case REASON_PATH_OUTSIDE_ROOT -> new PathOutsideRootException(message, cause);
            case REASON_CHECKSUM_MISMATCH -> new ChecksumMismatchException(message, cause);
            case REASON_OS_PERMISSION_DENIED -> new FileAccessDeniedException(message, cause);
            default -> new CmdopException(reason, message, cause);
        };
    }

    static CmdopException from(Error error) {
        return of(error.getReason(), error.getMessage(), null);
    }

    /** Reads the stable reason out of a gRPC error; transport failures become {@link DaemonUnavailableException}. */
    static CmdopException from(StatusRuntimeException e, String target) {
        com.google.rpc.Status status = StatusProto.fromThrowable(e);
        if (status != null) {
            for (com.google.protobuf.Any detail : status.getDetailsList()) {
                if (detail.is(ErrorInfo.class)) {
                    try {
                        String name = detail.unpack(ErrorInfo.class).getReason();
                        return of(Reason.valueOf("REASON_" + name), status.getMessage(), e);
                    } catch (com.google.protobuf.InvalidProtocolBufferException | IllegalArgumentException ignored) {
                        // An unknown reason from a newer server: reported as unspecified below.
                    }
                }
            }
        }
        Status.Code code = e.getStatus().getCode();
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof java.security.cert.CertificateException) {
                return new CmdopException(Reason.REASON_UNAUTHENTICATED, cause.getMessage(), e);
            }
        }
        if (code == Status.Code.UNAVAILABLE) {
            return new DaemonUnavailableException(target, e);
        }
        if (code == Status.Code.DEADLINE_EXCEEDED) {
            return new CmdopException(Reason.REASON_TIMEOUT, "no answer from " + target + " in time", e);
        }
        if (code == Status.Code.RESOURCE_EXHAUSTED) {
            return new CmdopException(Reason.REASON_FRAME_TOO_LARGE, e.getStatus().getDescription(), e);
        }
        return new CmdopException(Reason.REASON_UNSPECIFIED,
                code + (e.getStatus().getDescription() == null ? "" : ": " + e.getStatus().getDescription()), e);
    }
}
