package io.cmdop.client;

import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;

import java.nio.file.Path;

/** gRPC channels to a daemon's Unix socket, for the SDK and for tools that speak the protocol directly. */
public final class LocalChannels {
    private LocalChannels() {
    }

    /** A plaintext channel to {@code socket} on {@code loop} (an epoll group); more options may follow. */
    public static NettyChannelBuilder builder(Path socket, EventLoopGroup loop) {
        return NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollDomainSocketChannel.class)
                // gRPC asks every channel for TCP keepalive; a Unix socket has none (null drops the option).
                .withOption(ChannelOption.SO_KEEPALIVE, null)
                .eventLoopGroup(loop)
                .usePlaintext();
    }
}
