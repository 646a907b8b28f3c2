package io.cmdop.relay;

import io.cmdop.protocol.v1.CallEnd;
import io.cmdop.protocol.v1.LinkUp;

/** Receives what the daemon sends about one relayed call. Called on the link's thread, in order. */
interface LinkListener {
    void onUp(LinkUp up);

    /** The call ended: `end.hasError()` tells how. Also called with MACHINE_OFFLINE when the link drops. */
    void onEnd(CallEnd end);
}
