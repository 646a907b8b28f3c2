package io.cmdop.client;

import io.grpc.ManagedChannel;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.handler.ssl.SslContext;

import javax.net.ssl.SSLException;
import java.util.concurrent.TimeUnit;

/** gRPC channels to a relay: TLS with the pinned certificate, or plaintext on loopback. */
public final class RelayChannels {
    private RelayChannels() {
    }

    /**
     * A channel to {@code endpoint} on gRPC's shared threads; {@code pin} is required for TLS and
     * ignored for plaintext.
     */
    public static ManagedChannel open(RelayEndpoint endpoint, CertificatePin pin) {
        return build(NettyChannelBuilder.forAddress(endpoint.host(), endpoint.port()), endpoint, pin);
    }

    /**
     * The same on {@code loop}, an epoll group of the caller's: what arrives is handled, and what the
     * loop's own thread sends is written, with no hand-off to gRPC's threads.
     */
    public static ManagedChannel open(RelayEndpoint endpoint, CertificatePin pin, EventLoopGroup loop) {
        return build(NettyChannelBuilder.forAddress(endpoint.host(), endpoint.port())
                .eventLoopGroup(loop).channelType(EpollSocketChannel.class), endpoint, pin);
    }

    private static ManagedChannel build(NettyChannelBuilder builder, RelayEndpoint endpoint, CertificatePin pin) {
        builder.maxInboundMessageSize(CmdopClient.MAX_FRAME_BYTES * 4)
                .keepAliveTime(30, TimeUnit.SECONDS)
                .keepAliveTimeout(10, TimeUnit.SECONDS);
        if (!endpoint.tls()) {
            return builder.usePlaintext().build();
        }
        if (pin == null) {
            throw new IllegalArgumentException("a TLS relay needs a pinned certificate fingerprint");
        }
        try {
            SslContext tls = GrpcSslContexts.forClient().trustManager(pin).build();
            // The pin, not the host name, authenticates the relay: a self-signed certificate has no DNS name.
            return builder.sslContext(tls).overrideAuthority("cmdop-relay").build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot set up TLS", e);
        }
    }
}
