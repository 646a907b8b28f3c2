package io.cmdop.daemon;

import io.cmdop.protocol.v1.AgentGrpc;
import io.cmdop.protocol.v1.AgentStatus;
import io.cmdop.protocol.v1.AgentStatusRequest;
import io.cmdop.protocol.v1.StopRequest;
import io.cmdop.protocol.v1.StopResponse;
import io.grpc.stub.StreamObserver;

/** The Agent service: status and stop. */
final class AgentService extends AgentGrpc.AgentImplBase {
    private final Daemon daemon;

    AgentService(Daemon daemon) {
        this.daemon = daemon;
    }

    @Override
    public void getStatus(AgentStatusRequest request, StreamObserver<AgentStatus> response) {
        response.onNext(daemon.status());
        response.onCompleted();
    }

    @Override
    public void stop(StopRequest request, StreamObserver<StopResponse> response) {
        response.onNext(StopResponse.getDefaultInstance());
        response.onCompleted();
        // Stop after the reply has left: the caller hears "stopping", then sees the socket go.
        Thread.ofPlatform().name("cmdop-stop").start(daemon::stop);
    }
}
