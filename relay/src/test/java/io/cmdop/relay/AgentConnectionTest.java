package io.cmdop.relay;

import io.cmdop.protocol.v1.CallEnd;
import io.cmdop.protocol.v1.ClientFrame;
import io.cmdop.protocol.v1.LinkDown;
import io.cmdop.protocol.v1.LinkUp;
import io.cmdop.protocol.v1.RelayedPrincipal;
import io.cmdop.relay.store.Machine;
import io.grpc.stub.ServerCallStreamObserver;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** The relay's end of one machine's link, on its own: what a relayed call learns, and when. */
class AgentConnectionTest {

    /**
     * The daemon may answer a call before the relay's thread that opened it goes on: a resume's
     * answer then asked for the replay on call 0, which the relay dropped, and the resumed client
     * got nothing more (RelayTest's resume across a relay restart, about 1 run in 40 under load).
     */
    @Test
    void aCallKnowsItsIdBeforeItsFirstMessageLeavesForTheDaemon() {
        List<String> order = new CopyOnWriteArrayList<>();
        AgentConnection link = new AgentConnection(new Machine("m-1", "f-1", "web-1", "", Instant.now(),
                Optional.empty(), Optional.empty()), new Down(sent -> order.add("sent on call " + sent.getCallId())),
                "127.0.0.1");

        long id = link.open(RelayedPrincipal.newBuilder().setPrincipal("alice@acme").build(),
                LinkDown.newBuilder().setAttachFrame(ClientFrame.getDefaultInstance()), new LinkListener() {
                    @Override
                    public void opened(long callId) {
                        order.add("told call " + callId);
                    }

                    @Override
                    public void onUp(LinkUp up) {
                    }

                    @Override
                    public void onEnd(CallEnd end) {
                    }
                });

        assertThat(id).isPositive();
        assertThat(order).containsExactly("told call " + id, "sent on call " + id);
    }

    /** The link's stream down to the daemon, as gRPC hands it to the relay: here, it records what is sent. */
    private static final class Down extends ServerCallStreamObserver<LinkDown> {
        private final java.util.function.Consumer<LinkDown> sent;

        Down(java.util.function.Consumer<LinkDown> sent) {
            this.sent = sent;
        }

        @Override
        public void onNext(LinkDown value) {
            sent.accept(value);
        }

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public void setOnCancelHandler(Runnable onCancelHandler) {
        }

        @Override
        public void setCompression(String compression) {
        }

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void setOnReadyHandler(Runnable onReadyHandler) {
        }

        @Override
        public void request(int count) {
        }

        @Override
        public void setMessageCompression(boolean enable) {
        }

        @Override
        public void disableAutoInboundFlowControl() {
        }

        @Override
        public void onError(Throwable t) {
        }

        @Override
        public void onCompleted() {
        }
    }
}
