package io.lwsj.redis;

import io.lwsj.Connection;
import io.lwsj.Handler;
import io.lwsj.LwsContext;
import io.lwsj.LwsResponse;
import io.lwsj.Protocol;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The server the tests put on each node: protocol "chat" broadcasts every message a
 * client sends to every chat client (through Redis once attached), and GET /counters
 * answers the attachment's counters, one "name=value" per line.
 */
final class ChatServer {
    static final String CHAT = "chat";

    final LwsContext context;
    final AtomicReference<RedisBroadcast> cluster = new AtomicReference<>();

    ChatServer() {
        this(Protocol.of(CHAT, new Rebroadcast()));
    }

    ChatServer(Protocol<?> chat) {
        this(chat, 1);
    }

    ChatServer(Protocol<?> chat, int serviceThreads) {
        this.context = LwsContext.builder()
                .serviceThreads(serviceThreads)
                .bindAddress("127.0.0.1")
                .port(0)
                .protocol(chat)
                .http(request -> LwsResponse.text(200, describe(cluster.get())))
                .build()
                .start();
    }

    Protocol<?> chat() {
        return context.protocol(CHAT);
    }

    int port() {
        return context.port();
    }

    RedisBroadcast attach(RedisBroadcast.Builder builder) {
        RedisBroadcast b = builder.attach(context);
        cluster.set(b);
        return b;
    }

    /** Every message a client sends goes to every chat client of the cluster. */
    static final class Rebroadcast implements Handler<Void> {
        @Override
        public void onText(Connection c, Void s, String text) {
            c.context().broadcastText(c.protocol(), text);
        }

        @Override
        public void onBinary(Connection c, Void s, ByteBuffer data) {
            c.context().broadcastBinary(c.protocol(), data);
        }
    }

    static String describe(RedisBroadcast cluster) {
        if (cluster == null) {
            return "attached=false\n";
        }
        RedisBroadcastCounters c = cluster.counters();
        return "published=" + c.published() + "\nlost=" + c.lost() + "\ndroppedQueueFull=" + c.droppedQueueFull()
                + "\nreceived=" + c.received() + "\ndelivered=" + c.delivered() + "\nrefusedLocally="
                + c.refusedLocally() + "\nmalformed=" + c.malformed() + "\nownIgnored=" + c.ownIgnored()
                + "\nconnected=" + c.connected() + "\n";
    }
}
