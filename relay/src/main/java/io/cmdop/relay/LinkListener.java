package io.cmdop.relay;

import io.cmdop.protocol.v1.CallEnd;
import io.cmdop.protocol.v1.LinkUp;

/** Receives what the daemon sends about one relayed call. Called on the link's thread, in order. */
interface LinkListener {
    /**
     * The call's id, given before the call's first message leaves for the daemon: its answers may
     * come on the link's thread before {@link AgentConnection#open} returns to the opener.
     */
    default void opened(long callId) {
    }

    void onUp(LinkUp up);

    /** The call ended: `end.hasError()` tells how. Also called with MACHINE_OFFLINE when the link drops. */
    void onEnd(CallEnd end);
}
