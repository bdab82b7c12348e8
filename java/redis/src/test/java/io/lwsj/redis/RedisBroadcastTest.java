package io.lwsj.redis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lwsj.Connection;
import io.lwsj.Handler;
import io.lwsj.Protocol;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/** Two or three servers in this JVM, one real redis-server, real WebSocket clients. */
class RedisBroadcastTest {
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private <T extends AutoCloseable> T closing(T c) {
        toClose.add(c);
        return c;
    }

    private RedisServer redis() throws Exception {
        return closing(RedisServer.start());
    }

    private ChatServer server() {
        ChatServer s = new ChatServer();
        toClose.add(s.context);
        return s;
    }

    private RedisBroadcast attach(ChatServer s, URI redis, String namespace) {
        return closing(s.attach(RedisBroadcast.builder(redis).namespace(namespace).maxBackoff(Duration.ofMillis(300))));
    }

    private WsClient client(ChatServer s) throws Exception {
        return closing(new WsClient(s.port(), ChatServer.CHAT));
    }

    /** Waits (up to 15 s) for a condition, then fails with what. */
    static void waitFor(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            RedisServer.sleep(20);
        }
    }

    static void waitConnected(RedisBroadcast... all) {
        for (RedisBroadcast b : all) {
            waitFor("the Redis attachment to connect: " + b.counters(), () -> b.counters().connected());
        }
    }

    @Test
    void textAndBinaryReachEveryClientOfEveryServerOnceInEachSendersOrder() throws Exception {
        RedisServer redis = redis();
        ChatServer a = server();
        ChatServer b = server();
        ChatServer c = new ChatServer(Protocol.of(ChatServer.CHAT, new ChatServer.Rebroadcast()), 2); // two service threads
        toClose.add(c.context);
        RedisBroadcast ra = attach(a, redis.uri(), "t1");
        RedisBroadcast rb = attach(b, redis.uri(), "t1");
        RedisBroadcast rc = attach(c, redis.uri(), "t1");
        waitConnected(ra, rb, rc);
        List<WsClient> clients = new ArrayList<>();
        for (ChatServer s : List.of(a, b, c)) {
            for (int i = 0; i < 3; i++) {
                clients.add(client(s));
            }
        }
        int n = 200;
        WsClient senderA = clients.get(0);
        WsClient senderB = clients.get(3);
        for (int i = 0; i < n; i++) { // two senders on two servers, interleaved
            senderA.send("a" + i);
            senderB.send("b" + i);
        }
        byte[] bin = {0, (byte) 0xff, 1, (byte) 0xfe};
        a.context.broadcastBinary(a.chat(), bin);
        for (WsClient cl : clients) {
            List<Object> got = cl.awaitCount(2 * n + 1, 15_000);
            int nextA = 0;
            int nextB = 0;
            boolean sawBinary = false;
            for (Object m : got) {
                if (m instanceof byte[] bytes) {
                    assertArrayEquals(bin, bytes);
                    assertFalse(sawBinary, "the binary message twice");
                    sawBinary = true;
                } else if (((String) m).startsWith("a")) {
                    assertEquals("a" + nextA++, m, "sender a's order");
                } else {
                    assertEquals("b" + nextB++, m, "sender b's order");
                }
            }
            assertTrue(sawBinary);
            cl.assertNoMessage(100); // and no duplicate after them
        }
        // the clients have everything; the counters of the threads that delivered it
        // are written just after, so wait for them rather than read them at once
        waitFor("c's deliveries counted: " + rc.counters(), () -> rc.counters().delivered() == 2L * n + 1);
        waitFor("a's own copies skipped: " + ra.counters(), () -> ra.counters().ownIgnored() == n + 1);
        waitFor("b's own copies skipped: " + rb.counters(), () -> rb.counters().ownIgnored() == n);
        // Redis may hand a message to the subscribers before it answers the PUBLISH
        waitFor("a's publishes counted: " + ra.counters(), () -> ra.counters().published() == n + 1);
        waitFor("b's publishes counted: " + rb.counters(), () -> rb.counters().published() == n);
        assertEquals(2L * n + 1, rc.counters().received());
        assertEquals(0, rc.counters().published());
        for (RedisBroadcast r : List.of(ra, rb, rc)) {
            assertEquals(0, r.counters().lost() + r.counters().droppedQueueFull() + r.counters().malformed()
                    + r.counters().refusedLocally(), r.counters().toString());
        }
    }

    @Test
    void serversOfAnotherNamespaceHearNothing() throws Exception {
        RedisServer redis = redis();
        ChatServer a = server();
        ChatServer b = server();
        RedisBroadcast ra = attach(a, redis.uri(), "north");
        RedisBroadcast rb = attach(b, redis.uri(), "south");
        waitConnected(ra, rb);
        WsClient onB = client(b);
        WsClient onA = client(a);
        onA.send("north only");
        onA.assertNextText("north only");
        onB.assertNoMessage(300);
        assertEquals(0, rb.counters().received());
    }

    @Test
    void theBroadcastVetoAppliesToMessagesFromOtherServers() throws Exception {
        RedisServer redis = redis();
        ChatServer a = server();
        // b's chat protocol names each connection with its first message and vetoes "mute"
        Protocol<String[]> vetoing = Protocol.builder(ChatServer.CHAT, new Handler<String[]>() {
            @Override
            public void onText(Connection c, String[] name, String text) {
                name[0] = text;
                c.sendText("named " + text);
            }

            @Override
            public void onBroadcast(Connection c, String[] name, ByteBuffer data, boolean binary) {
                if (!"mute".equals(name[0])) {
                    c.sendText(StandardCharsets.UTF_8.decode(data) + " (for " + name[0] + ")");
                }
            }
        }).session(c -> new String[1]).broadcastCallback(true).build();
        ChatServer b = new ChatServer(vetoing);
        toClose.add(b.context);
        RedisBroadcast ra = attach(a, redis.uri(), "veto");
        RedisBroadcast rb = attach(b, redis.uri(), "veto");
        waitConnected(ra, rb);
        WsClient mute = client(b);
        WsClient loud = client(b);
        mute.send("mute");
        loud.send("loud");
        mute.assertNextText("named mute");
        loud.assertNextText("named loud");
        client(a).send("hello");
        loud.assertNextText("hello (for loud)");
        mute.assertNoMessage(300);
    }

    @Test
    void withoutRedisBroadcastsStayLocalAreCountedLostAndTheAttachmentConnectsWhenRedisComes() throws Exception {
        RedisServer redis = closing(RedisServer.notStarted());
        ChatServer a = server();
        ChatServer b = server();
        RedisBroadcast ra = attach(a, redis.uri(), "late");
        RedisBroadcast rb = attach(b, redis.uri(), "late");
        WsClient onA = client(a);
        WsClient onB = client(b);
        for (int i = 0; i < 5; i++) {
            onA.send("alone " + i);
        }
        for (int i = 0; i < 5; i++) {
            onA.assertNextText("alone " + i); // local delivery goes on
        }
        waitFor("5 counted lost", () -> ra.counters().lost() == 5);
        assertFalse(ra.counters().connected());
        onB.assertNoMessage(100);

        redis.restart();
        waitConnected(ra, rb);
        onA.send("together");
        onA.assertNextText("together");
        onB.assertNextText("together");
        waitFor("the one publish counted: " + ra.counters(), () -> ra.counters().published() == 1);
        assertEquals(5, ra.counters().lost(), "only the messages made without Redis are lost");
    }

    @Test
    void aStalledRedisBlocksNoServiceThreadAndEveryBroadcastIsAccountedFor() throws Exception {
        RedisServer redis = redis();
        ChatServer a = server();
        RedisBroadcast ra = closing(a.attach(RedisBroadcast.builder(redis.uri()).namespace("stall")
                .maxQueued(50, 1 << 20).timeout(Duration.ofMillis(500)).maxBackoff(Duration.ofMillis(300))));
        waitConnected(ra);
        WsClient sender = client(a);
        WsClient reader = client(a);
        redis.pause();
        try {
            int n = 2_000;
            for (int i = 0; i < n; i++) {
                sender.send("m" + i); // each is broadcast by the service thread
            }
            // every local client got every message while Redis answered nothing: the
            // service thread never waited for it
            List<Object> got = reader.awaitCount(n, 15_000);
            for (int i = 0; i < n; i++) {
                assertEquals("m" + i, got.get(i));
            }
            waitFor("every broadcast counted", () -> {
                RedisBroadcastCounters c = ra.counters();
                return c.published() + c.lost() + c.droppedQueueFull() == n;
            });
            RedisBroadcastCounters c = ra.counters();
            assertTrue(c.droppedQueueFull() > 0, "the queue of 50 filled: " + c);
            assertTrue(c.lost() > 0, "the stalled PUBLISH timed out: " + c);
        } finally {
            redis.resume();
        }
        waitConnected(ra);
        long before = ra.counters().published();
        sender.send("after");
        reader.assertNextText("after");
        waitFor("the next one published", () -> ra.counters().published() == before + 1);
    }

    @Test
    void aSubscriptionThatRedisStopsAnsweringIsMadeAgain() throws Exception {
        RedisServer redis = redis();
        ChatServer a = server();
        ChatServer b = server();
        RedisBroadcast ra = attach(a, redis.uri(), "silent");
        RedisBroadcast rb = closing(b.attach(RedisBroadcast.builder(redis.uri()).namespace("silent")
                .timeout(Duration.ofMillis(500)).maxBackoff(Duration.ofMillis(300))
                .silenceTimeout(Duration.ofSeconds(2))));
        waitConnected(ra, rb);
        redis.pause(); // the socket stays open: only the silence can tell
        try {
            waitFor("b's subscription to be given up", () -> !rb.counters().subscribed());
        } finally {
            redis.resume();
        }
        waitConnected(ra, rb);
        assertEquals(2, rb.counters().subscriberConnects(), rb.counters().toString());
        WsClient onB = client(b);
        client(a).send("after the stall");
        onB.assertNextText("after the stall");
    }

    @Test
    void foreignMessagesOnTheChannelAreCountedAndReachNoClient() throws Exception {
        RedisServer redis = redis();
        ChatServer a = server();
        RedisBroadcast ra = attach(a, redis.uri(), "foreign");
        waitConnected(ra);
        WsClient onA = client(a);
        try (Jedis j = new Jedis("127.0.0.1", redis.port())) {
            j.publish("lwsj:foreign", "not an envelope");
            byte[] unknownProtocol = io.lwsj.redis.internal.Envelope.encode(new byte[16], "nosuch", false,
                    ByteBuffer.wrap("x".getBytes(StandardCharsets.UTF_8)));
            j.publish("lwsj:foreign".getBytes(StandardCharsets.UTF_8), unknownProtocol);
            byte[] badUtf8 = io.lwsj.redis.internal.Envelope.encode(new byte[16], ChatServer.CHAT, false,
                    ByteBuffer.wrap(new byte[] {(byte) 0xc3, 0x28}));
            j.publish("lwsj:foreign".getBytes(StandardCharsets.UTF_8), badUtf8);
        }
        waitFor("three malformed", () -> ra.counters().malformed() == 3);
        onA.assertNoMessage(200);
        assertEquals(0, ra.counters().delivered());
    }

    @Test
    void closeDetachesTheContextAndLeavesItServing() throws Exception {
        RedisServer redis = redis();
        ChatServer a = server();
        ChatServer b = server();
        RedisBroadcast ra = attach(a, redis.uri(), "close");
        RedisBroadcast rb = attach(b, redis.uri(), "close");
        waitConnected(ra, rb);
        WsClient onA = client(a);
        WsClient onB = client(b);
        onA.send("before");
        onB.assertNextText("before");
        onA.assertNextText("before");
        ra.close();
        ra.close(); // idempotent
        assertFalse(ra.counters().connected());
        onA.send("after");
        onA.assertNextText("after");
        onB.assertNoMessage(300);
        assertEquals(1, ra.counters().published());
    }

    @Test
    void aPasswordInTheUriIsUsedAndAWrongOneNeverConnects() throws Exception {
        RedisServer redis = closing(RedisServer.start("s3cret"));
        ChatServer a = server();
        ChatServer b = server();
        RedisBroadcast ra = attach(a, URI.create("redis://:s3cret@127.0.0.1:" + redis.port()), "auth");
        RedisBroadcast wrong = attach(b, URI.create("redis://:wrong@127.0.0.1:" + redis.port()), "auth");
        waitConnected(ra);
        client(a).send("hi");
        waitFor("one published", () -> ra.counters().published() == 1);
        RedisServer.sleep(300); // a few reconnection attempts of the wrong one
        assertFalse(wrong.counters().publisherConnected() || wrong.counters().subscribed(), wrong.counters().toString());
        assertEquals(0, wrong.counters().publisherConnects() + wrong.counters().subscriberConnects());
    }

    @Test
    void badSettingsAreRefusedBeforeAnythingConnects() {
        assertThrows(IllegalArgumentException.class, () -> RedisBroadcast.builder(URI.create("http://127.0.0.1:6379")));
        assertThrows(IllegalArgumentException.class, () -> RedisBroadcast.builder(URI.create("redis://127.0.0.1:6379"))
                .namespace("has space"));
        assertThrows(IllegalArgumentException.class, () -> RedisBroadcast.builder(URI.create("redis://127.0.0.1:6379"))
                .maxQueued(0, 10));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RedisBroadcast.builder(URI.create("ftp://user:secret@host:1")));
        assertFalse(e.getMessage().contains("secret"), "the password is not shown: " + e.getMessage());
    }
}
