package io.cmdop.relay;

import io.cmdop.protocol.v1.CallEnd;
import io.cmdop.protocol.v1.ClientKind;
import io.cmdop.protocol.v1.FileCredit;
import io.cmdop.protocol.v1.LinkDown;
import io.cmdop.protocol.v1.LinkUp;
import io.cmdop.protocol.v1.ReadFileRequest;
import io.cmdop.protocol.v1.ReadFileResponse;
import io.cmdop.transport.FileChunks;
import io.grpc.stub.ServerCallStreamObserver;

/**
 * One remote client's download at the relay. The daemon sends only what the relay granted; the
 * relay grants a window at the start and then gives credit back for each message only once the
 * client's stream takes more. A slow client thus slows its own download and holds at most a
 * window of it here, never more.
 */
final class RemoteRead implements LinkListener {
    private final ServerCallStreamObserver<ReadFileResponse> client;
    private final AgentConnection agent;
    private long callId;
    /** Messages passed to the client whose credit has not gone back to the daemon yet. */
    private int owed;
    private boolean ended;

    private RemoteRead(ServerCallStreamObserver<ReadFileResponse> client, AgentConnection agent) {
        this.client = client;
        this.agent = agent;
    }

    static void start(Agents agents, Caller caller, ReadFileRequest request,
                      ServerCallStreamObserver<ReadFileResponse> client) {
        RemoteRead read = new RemoteRead(client, agents.require(caller, request.getMachine()));
        client.setOnReadyHandler(read::giveBackCredit);
        client.setOnCancelHandler(read::cancel);
        synchronized (read) {
            // Held while the call opens, so that the daemon's first answer waits for the call's id.
            read.callId = read.agent.open(caller.relayed(ClientKind.CLIENT_KIND_UNSPECIFIED),
                    LinkDown.newBuilder().setReadFile(request), read);
            if (read.ended) {
                read.agent.closeCall(read.callId, true);
            } else {
                read.grant(FileChunks.WINDOW);
            }
        }
    }

    /** The client went away: the daemon stops reading. */
    private synchronized void cancel() {
        ended = true;
        if (callId != 0) {
            agent.closeCall(callId, true);
        }
    }

    @Override
    public synchronized void onUp(LinkUp up) {
        if (up.hasReadFile() && !ended) {
            client.onNext(up.getReadFile());
            owed++;
            giveBackCredit();
        }
    }

    @Override
    public synchronized void onEnd(CallEnd end) {
        if (ended) {
            return;
        }
        ended = true;
        if (end.hasError()) {
            client.onError(AgentConnection.error(end.getError()));
        } else {
            client.onCompleted();
        }
    }

    private synchronized void giveBackCredit() {
        if (owed > 0 && !ended && client.isReady()) {
            grant(owed);
            owed = 0;
        }
    }

    private void grant(int messages) {
        agent.sendOnCall(callId, LinkDown.newBuilder().setFileCredit(FileCredit.newBuilder().setMessages(messages)));
    }
}
