package io.lwsj.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.File;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;

/**
 * Netty 4.2 echo + broadcast server on the native epoll transport, written the way
 * Netty's own WebSocket examples are: HTTP codec, aggregator, protocol handler, then a
 * frame handler. Writes are flushed once per read batch (channelReadComplete), which
 * is Netty's usual way of coalescing writes.
 */
public final class NettyServer {
    private static final AttributeKey<Boolean> BROADCAST = AttributeKey.valueOf("lwsj.bench.broadcast");

    private NettyServer() {
    }

    public static void main(String[] args) throws Exception {
        ServerOptions opt = ServerOptions.parse("NettyServer", args);
        if (!Epoll.isAvailable()) {
            throw new IllegalStateException("native epoll transport not available", Epoll.unavailabilityCause());
        }
        SslContext tls = tlsContext(opt);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(opt.threads, EpollIoHandler.newFactory());
        ChannelGroup broadcastGroup = new DefaultChannelGroup("broadcast", GlobalEventExecutor.INSTANCE);
        try {
            ServerBootstrap b = new ServerBootstrap()
                    .group(group)
                    .channel(EpollServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            if (tls != null) {
                                ch.pipeline().addLast(tls.newHandler(ch.alloc()));
                            }
                            ch.pipeline().addLast(
                                    new HttpServerCodec(),
                                    new HttpObjectAggregator(65536),
                                    new WebSocketServerProtocolHandler(WebSocketServerProtocolConfig.newBuilder()
                                            .websocketPath("/")
                                            .checkStartsWith(true)
                                            .maxFramePayloadLength(16 << 20)
                                            .build()),
                                    new FrameHandler(broadcastGroup));
                        }
                    });
            Channel server = b.bind(opt.host, opt.port).sync().channel();
            opt.ready("netty", ServerOptions.version("netty") + " epoll" + (tls == null ? ""
                    : ", TLS " + (opt.tlsProvider.equals("openssl") ? OpenSsl.versionString() : "JDK " + Runtime.version())));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> server.close().awaitUninterruptibly()));
            server.closeFuture().sync();
        } finally {
            group.shutdownGracefully().awaitUninterruptibly();
        }
    }

    /** TLS 1.3 with the provider asked for; null without --tls-cert. */
    private static SslContext tlsContext(ServerOptions opt) throws Exception {
        if (opt.tlsCert == null) {
            return null;
        }
        SslProvider provider = opt.tlsProvider.equals("openssl") ? SslProvider.OPENSSL : SslProvider.JDK;
        if (provider == SslProvider.OPENSSL && !OpenSsl.isAvailable()) {
            throw new IllegalStateException("netty-tcnative is not available", OpenSsl.unavailabilityCause());
        }
        return SslContextBuilder.forServer(new File(opt.tlsCert), new File(opt.tlsKey))
                .sslProvider(provider).protocols("TLSv1.3").build();
    }

    /** Echo on any path, broadcast on /broadcast. One instance per channel. */
    private static final class FrameHandler extends ChannelInboundHandlerAdapter {
        private final ChannelGroup broadcastGroup;
        private boolean needFlush;
        private boolean needGroupFlush;

        FrameHandler(ChannelGroup broadcastGroup) {
            this.broadcastGroup = broadcastGroup;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete hc) {
                if (ServerOptions.isBroadcast(hc.requestUri())) {
                    ctx.channel().attr(BROADCAST).set(Boolean.TRUE);
                    broadcastGroup.add(ctx.channel());
                }
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof WebSocketFrame frame)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            if (Boolean.TRUE.equals(ctx.channel().attr(BROADCAST).get())) {
                broadcastGroup.write(frame); // takes over our reference, duplicates per channel
                needGroupFlush = true;
            } else {
                ctx.write(frame, ctx.voidPromise());
                needFlush = true;
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (needFlush) {
                needFlush = false;
                ctx.flush();
            }
            if (needGroupFlush) {
                needGroupFlush = false;
                broadcastGroup.flush();
            }
            ctx.fireChannelReadComplete();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            // Stop reading from an echo client we cannot write to; resume once drained.
            if (!Boolean.TRUE.equals(ctx.channel().attr(BROADCAST).get())) {
                ctx.channel().config().setAutoRead(ctx.channel().isWritable());
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
