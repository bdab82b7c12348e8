package io.lwsj.bench;

import io.undertow.Handlers;
import io.undertow.Undertow;
import io.undertow.websockets.core.AbstractReceiveListener;
import io.undertow.websockets.core.BufferedBinaryMessage;
import io.undertow.websockets.core.BufferedTextMessage;
import io.undertow.websockets.core.WebSocketCallback;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.xnio.Pooled;

/**
 * Undertow 2.3 echo + broadcast server on its core WebSocket API (no servlets, no JSR
 * 356). Messages are handled on the I/O threads; echo sends the received pooled
 * buffers back and frees them when the send completes.
 */
public final class UndertowServer {
    private UndertowServer() {
    }

    public static void main(String[] args) {
        ServerOptions opt = ServerOptions.parse("UndertowServer", args);
        Set<WebSocketChannel> broadcastChannels = ConcurrentHashMap.newKeySet();

        Undertow server = Undertow.builder()
                .addHttpListener(opt.port, opt.host)
                .setIoThreads(opt.threads)
                .setWorkerThreads(opt.threads)
                .setHandler(Handlers.websocket((exchange, channel) -> {
                    boolean broadcast = ServerOptions.isBroadcast(exchange.getRequestURI());
                    if (broadcast) {
                        broadcastChannels.add(channel);
                        channel.addCloseTask(ch -> broadcastChannels.remove(ch));
                    }
                    channel.getReceiveSetter().set(broadcast
                            ? new BroadcastListener(broadcastChannels)
                            : new EchoListener());
                    channel.resumeReceives();
                }))
                .build();
        server.start();
        opt.ready("undertow", ServerOptions.version("undertow"));
    }

    /** Echoes text as text and binary as binary. */
    static final class EchoListener extends AbstractReceiveListener {
        @Override
        protected void onFullTextMessage(WebSocketChannel channel, BufferedTextMessage message) {
            WebSockets.sendText(message.getData(), channel, null);
        }

        @Override
        protected void onFullBinaryMessage(WebSocketChannel channel, BufferedBinaryMessage message) {
            @SuppressWarnings("deprecation")
            Pooled<ByteBuffer[]> data = message.getData();
            WebSockets.sendBinary(data.getResource(), channel, new FreeWhenSent(data));
        }
    }

    /** Sends every message it receives to every /broadcast channel, its sender included. */
    static final class BroadcastListener extends AbstractReceiveListener {
        private final Set<WebSocketChannel> channels;

        BroadcastListener(Set<WebSocketChannel> channels) {
            this.channels = channels;
        }

        @Override
        protected void onFullTextMessage(WebSocketChannel channel, BufferedTextMessage message) {
            String text = message.getData();
            for (WebSocketChannel c : channels) {
                if (c.isOpen()) {
                    WebSockets.sendText(text, c, null);
                }
            }
        }

        @Override
        protected void onFullBinaryMessage(WebSocketChannel channel, BufferedBinaryMessage message) {
            @SuppressWarnings("deprecation")
            Pooled<ByteBuffer[]> data = message.getData();
            byte[] copy;
            try {
                ByteBuffer[] parts = data.getResource();
                int n = 0;
                for (ByteBuffer b : parts) {
                    n += b.remaining();
                }
                copy = new byte[n];
                int at = 0;
                for (ByteBuffer b : parts) {
                    int r = b.remaining();
                    b.get(copy, at, r);
                    at += r;
                }
            } finally {
                data.free();
            }
            for (WebSocketChannel c : channels) {
                if (c.isOpen()) {
                    WebSockets.sendBinary(ByteBuffer.wrap(copy), c, null);
                }
            }
        }
    }

    /** Gives the received buffers back to Undertow's pool once the echo has gone out. */
    private record FreeWhenSent(Pooled<ByteBuffer[]> data) implements WebSocketCallback<Void> {
        @Override
        public void complete(WebSocketChannel channel, Void context) {
            data.free();
        }

        @Override
        public void onError(WebSocketChannel channel, Void context, Throwable throwable) {
            data.free();
        }
    }
}
