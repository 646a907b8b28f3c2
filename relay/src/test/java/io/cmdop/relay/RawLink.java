package io.cmdop.relay;

import com.google.protobuf.InvalidProtocolBufferException;
import io.cmdop.client.CertificatePin;
import io.cmdop.client.RelayChannels;
import io.cmdop.client.RelayEndpoint;
import io.cmdop.protocol.v1.AgentHello;
import io.cmdop.protocol.v1.AgentLinkGrpc;
import io.cmdop.protocol.v1.LinkDown;
import io.cmdop.protocol.v1.LinkUp;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * A hand-driven agent link, bytes and all: what a broken or hostile daemon could send the relay,
 * which the real daemon never would.
 */
final class RawLink implements AutoCloseable {
    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };
    private static final MethodDescriptor<byte[], byte[]> CONNECT = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
            .setFullMethodName(AgentLinkGrpc.getConnectMethod().getFullMethodName())
            .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();

    private final ManagedChannel channel;
    private final StreamObserver<byte[]> up;
    private final CompletableFuture<Status> ended = new CompletableFuture<>();
    private volatile BiConsumer<RawLink, LinkDown> onDown = (link, down) -> { };

    private RawLink(String url, String fingerprint, String credential) {
        channel = RelayChannels.open(RelayEndpoint.parse(url), new CertificatePin(fingerprint));
        Metadata headers = new Metadata();
        headers.put(Authenticator.AUTHORIZATION, "Bearer " + credential);
        Channel authenticated = ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
        up = ClientCalls.asyncBidiStreamingCall(authenticated.newCall(CONNECT, CallOptions.DEFAULT),
                new StreamObserver<>() {
                    @Override
                    public void onNext(byte[] value) {
                        try {
                            onDown.accept(RawLink.this, LinkDown.parseFrom(value));
                        } catch (InvalidProtocolBufferException e) {
                            throw new UncheckedIOException(e);
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        ended.complete(Status.fromThrowable(t));
                    }

                    @Override
                    public void onCompleted() {
                        ended.complete(Status.OK);
                    }
                });
    }

    static RawLink open(String url, String fingerprint, String credential) {
        return new RawLink(url, fingerprint, credential);
    }

    static LinkUp hello(String machine) {
        return LinkUp.newBuilder().setHello(AgentHello.newBuilder().setMachineName(machine).setAgentVersion("raw"))
                .build();
    }

    /** Answers what the relay asks of the machine (by default, nothing is). */
    RawLink onDown(BiConsumer<RawLink, LinkDown> handler) {
        onDown = handler;
        return this;
    }

    RawLink send(LinkUp message) {
        return sendBytes(message.toByteArray());
    }

    RawLink sendBytes(byte[] message) {
        up.onNext(message);
        return this;
    }

    /** How the relay ended the link; fails the test if it did not within 20 s. */
    Status awaitEnd() throws Exception {
        return ended.get(20, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        channel.shutdownNow();
    }
}
