package io.cmdop.daemon;

import io.cmdop.session.Mode;
import io.cmdop.session.Reason;
import io.cmdop.session.SessionException;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Who a call comes from, as the server established it: on the local socket the OS user who owns
 * it (who may do everything), through a relay the member the relay authenticated, whose role may
 * cap them to observing. A client's own claims never set this.
 */
record Caller(String principal, boolean mayOperate) {
    private static final Context.Key<Caller> KEY = Context.key("cmdop-caller");

    static Caller current() {
        Caller caller = KEY.get();
        if (caller == null) {
            throw new IllegalStateException("no caller in this context");
        }
        return caller;
    }

    /** Runs {@code action} with this caller as the current one. */
    void run(Runnable action) {
        Context.current().withValue(KEY, this).run(action);
    }

    /** The mode this caller gets when asking for {@code requested}: refused, never silently downgraded. */
    Mode grant(Mode requested) {
        if (requested == Mode.OPERATOR && !mayOperate) {
            throw new SessionException(Reason.ROLE_FORBIDS,
                    principal + " may only observe (guest role): attach as an observer");
        }
        return requested;
    }

    /** Refuses an action the permission matrix leaves to operators (e.g. writing files) to an observer. */
    void requireOperator(String action) {
        if (!mayOperate) {
            throw new SessionException(Reason.ROLE_FORBIDS, principal + " may only observe (guest role): cannot " + action);
        }
    }

    /** Marks every call on the local socket as coming from the socket's owner. */
    static ServerInterceptor local(String user) {
        return new Caller(user, true).interceptor();
    }

    /** Marks every call of a server as coming from this caller. */
    ServerInterceptor interceptor() {
        Caller caller = this;
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                                ServerCallHandler<Q, R> next) {
                return Contexts.interceptCall(Context.current().withValue(KEY, caller), call, headers, next);
            }
        };
    }
}
