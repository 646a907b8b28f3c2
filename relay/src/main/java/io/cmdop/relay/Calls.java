package io.cmdop.relay;

import io.cmdop.protocol.v1.Reason;
import io.cmdop.relay.store.NameTakenException;
import io.cmdop.transport.ErrorStatus;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;

import java.util.function.Supplier;

/** Answers a unary call at the relay, turning refusals into the protocol's error statuses. */
final class Calls {
    private Calls() {
    }

    static <T> void unary(StreamObserver<T> response, Supplier<T> call) {
        T result;
        try {
            result = call.get();
        } catch (StatusRuntimeException e) {
            response.onError(e);
            return;
        } catch (NameTakenException e) {
            response.onError(ErrorStatus.of(Reason.REASON_NAME_TAKEN, e.getMessage()));
            return;
        } catch (IllegalArgumentException e) {
            response.onError(ErrorStatus.of(Reason.REASON_INVALID_ARGUMENT, e.getMessage()));
            return;
        }
        response.onNext(result);
        response.onCompleted();
    }
}
