package io.cmdop.relay;

import io.cmdop.protocol.v1.CallClosed;
import io.cmdop.protocol.v1.CallEnd;
import io.cmdop.protocol.v1.ClientKind;
import io.cmdop.protocol.v1.LinkDown;
import io.cmdop.protocol.v1.LinkUp;
import io.cmdop.protocol.v1.Reason;
import io.cmdop.protocol.v1.WriteFileRequest;
import io.cmdop.protocol.v1.WriteFileResponse;
import io.cmdop.transport.ErrorStatus;
import io.cmdop.transport.FileChunks;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/**
 * One remote client's upload at the relay. Messages are requested from the client one by one, and
 * after the header only as the daemon grants credit for them, so neither the relay nor the link
 * holds more than a window of the upload. The client going away reaches the daemon, which then
 * deletes what it had received.
 */
final class RemoteWrite implements StreamObserver<WriteFileRequest>, LinkListener {
    private final Agents agents;
    private final Caller caller;
    private final ServerCallStreamObserver<WriteFileResponse> client;
    private volatile AgentConnection agent;
    private volatile long callId;
    private boolean ended;

    RemoteWrite(Agents agents, Caller caller, ServerCallStreamObserver<WriteFileResponse> client) {
        this.agents = agents;
        this.caller = caller;
        this.client = client;
        client.disableAutoRequest();
        client.setOnCancelHandler(() -> {
            if (agent != null) {
                agent.closeCall(callId, true);
            }
        });
        client.request(1);
    }

    // ---------------------------------------------------------------- from the client

    @Override
    public void onNext(WriteFileRequest message) {
        try {
            if (agent == null) {
                if (!message.hasHeader()) {
                    throw ErrorStatus.of(Reason.REASON_MALFORMED_FRAME, "an upload starts with its header");
                }
                AgentConnection machine = agents.require(caller, message.getHeader().getMachine());
                synchronized (this) {
                    agent = machine;
                    callId = machine.open(caller.relayed(ClientKind.CLIENT_KIND_UNSPECIFIED),
                            LinkDown.newBuilder().setWriteFile(message), this);
                }
                return;
            }
            if (message.getData().size() > FileChunks.MAX_BYTES) {
                throw ErrorStatus.of(Reason.REASON_FRAME_TOO_LARGE, "upload data messages carry at most "
                        + FileChunks.MAX_BYTES + " bytes");
            }
            agent.sendOnCall(callId, LinkDown.newBuilder().setWriteFile(message));
        } catch (StatusRuntimeException e) {
            if (agent != null) {
                agent.closeCall(callId, true);
            }
            finish(e);
        }
    }

    @Override
    public void onError(Throwable t) {
        if (agent != null) {
            agent.closeCall(callId, true);
        }
    }

    /** Half-closed: the daemon answers (an upload that ended without its checksum is refused there). */
    @Override
    public void onCompleted() {
        if (agent != null) {
            agent.sendOnCall(callId, LinkDown.newBuilder().setCallClosed(CallClosed.newBuilder().setAbrupt(false)));
        }
    }

    // ---------------------------------------------------------------- from the daemon

    @Override
    public synchronized void onUp(LinkUp up) {
        if (up.hasFileCredit()) {
            client.request(up.getFileCredit().getMessages());
        } else if (up.hasFileWritten() && !ended) {
            client.onNext(up.getFileWritten());
        }
    }

    @Override
    public void onEnd(CallEnd end) {
        finish(end.hasError() ? AgentConnection.error(end.getError()) : null);
    }

    private synchronized void finish(StatusRuntimeException error) {
        if (ended) {
            return;
        }
        ended = true;
        if (error != null) {
            client.onError(error);
        } else {
            client.onCompleted();
        }
    }
}
