package io.lwsj;

import static io.lwsj.TestData.pattern;
import static io.lwsj.Waits.await;
import static io.lwsj.Waits.poll;
import static io.lwsj.Waits.sleep;
import static io.lwsj.Waits.waitUntil;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static io.lwsj.TestData.pattern;
import static io.lwsj.Waits.await;
import static io.lwsj.Waits.poll;
import static io.lwsj.Waits.sleep;
import static io.lwsj.Waits.waitUntil;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lwsj.internal.Internals;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

import static io.lwsj.TestData.pattern;
import static io.lwsj.Waits.await;
import static io.lwsj.Waits.poll;
import static io.lwsj.Waits.sleep;
import static io.lwsj.Waits.waitUntil;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;


import static io.lwsj.TestData.pattern;
import static io.lwsj.Waits.await;
import static io.lwsj.Waits.poll;
import static io.lwsj.Waits.sleep;
import static io.lwsj.Waits.waitUntil;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;


/**
 * API misuse and lifecycle races: use after close of connections and contexts, double
 * close, close and send from inside callbacks, a context closed while other threads
 * send and connect, handlers that throw in every callback or block for a while, and
 * callbacks under heavy GC. No crash, no hang, clear exceptions.
 */
class LifecycleMisuseTest extends ServerTestSupport {

    /** Runs r and returns what it threw (null if nothing). */
    static Throwable thrown(Runnable r) {
        try {
            r.run();
            return null;
        } catch (Throwable t) {
            return t;
        }
    }

    // ---- use after close -------------------------------------------------------------

    @Test
    void everyConnectionMethodAfterCloseThrowsConnectionClosedOrDoesNothing() {
        BlockingQueue<Connection> established = new LinkedBlockingQueue<>();
        CountDownLatch closed = new CountDownLatch(1);
        LwsContext ctx = start(Protocol.of("p", new Handler<>() {
            @Override
            public void onEstablished(Connection c, Void s) {
                established.add(c);
            }

            @Override
            public void onClosed(Connection c, Void s, int code, String reason) {
                closed.countDown();
            }
        }));
        WsTestClient client = client(ctx, "p");
        Connection c = poll(established, "onEstablished");
        client.sendClose(1000, "bye");
        client.awaitEnd();
        await(closed, "onClosed");
        assertFalse(c.isOpen());
        assertEquals(0, c.bufferedAmount());
        for (Runnable r : List.<Runnable>of(() -> c.sendText("x"), () -> c.sendBinary(new byte[1]),
                () -> c.sendBinary(ByteBuffer.allocate(1)), () -> c.sendText(ByteBuffer.allocate(1)),
                () -> c.sendFragment(new byte[1], true, true, false), () -> c.ping(new byte[0]),
                () -> c.pong(new byte[0]), c::requestWritable, () -> c.setReceiving(false))) {
            Throwable t = thrown(r);
            assertTrue(t instanceof ConnectionClosedException, "expected ConnectionClosedException, got " + t);
        }
        // closing a closed connection does nothing, however often
        c.close();
        c.close(4000, "again");
        // bad arguments are still bad arguments
        assertThrows(IllegalArgumentException.class, () -> c.close(1005, ""));
        assertThrows(IllegalArgumentException.class, () -> c.ping(new byte[126]));
        client(ctx, "p"); // the context is fine
    }

    @Test
    void everyContextMethodAfterCloseThrowsIllegalStateOrDoesNothing() {
        BlockingQueue<Connection> established = new LinkedBlockingQueue<>();
        LwsContext ctx = start(Protocol.of("p", new Handler<>() {
            @Override
            public void onEstablished(Connection c, Void s) {
                established.add(c);
            }
        }));
        WsTestClient client = client(ctx, "p");
        Connection c = poll(established, "onEstablished");
        int port = ctx.port();
        ctx.close();
        ctx.close();
        assertFalse(ctx.isOpen());
        assertFalse(c.isOpen());
        client.awaitEnd();
        assertEquals(port, ctx.port());
        for (Runnable r : List.<Runnable>of(() -> ctx.broadcastText(TestData.protocol(ctx, "p"), "x"), () -> ctx.broadcastBinary(TestData.protocol(ctx, "p"), new byte[1]),
                () -> ctx.requestWritableAll(TestData.protocol(ctx, "p")), ctx::start, () -> ctx.service(Duration.ofMillis(0)), () -> ctx.serviceFd(-1, 0),
                ctx::canonicalHostname, () -> ctx.connect(ClientRequest.to("ws://127.0.0.1:" + port + "/").build()))) {
            Throwable t = thrown(r);
            assertTrue(t instanceof IllegalStateException, "expected IllegalStateException, got " + t);
        }
        assertTrue(thrown(() -> c.sendText("x")) instanceof ConnectionClosedException);
        c.close();
        // an unknown protocol name is still an argument error
        assertThrows(IllegalArgumentException.class, () -> ctx.broadcastText(TestData.protocol(ctx, "nope"), "x"));
    }

    /** A connection kept from one context is never confused with a connection of the next one. */
    @Test
    void aConnectionOfAClosedContextStaysClosedWhenANewContextTakesItsPlace() {
        BlockingQueue<Connection> established = new LinkedBlockingQueue<>();
        Handler<Void> h = new Handler<>() {
            @Override
            public void onEstablished(Connection c, Void s) {
                established.add(c);
            }

            @Override
            public void onText(Connection c, Void s, String text) {
                c.sendText(text);
            }
        };
        LwsContext first = start(Protocol.of("p", h));
        client(first, "p");
        Connection old = poll(established, "first onEstablished");
        first.close();
        LwsContext second = start(Protocol.of("p", h));
        WsTestClient live = client(second, "p");
        poll(established, "second onEstablished");
        assertTrue(thrown(() -> old.sendText("to nobody")) instanceof ConnectionClosedException);
        live.assertEchoes("only mine");
        live.assertNoMessage(200);
    }

    // ---- close and send from inside callbacks ----------------------------------------------

    @Test
    void closeFromInsideEveryConnectionCallback() {
        BlockingQueue<String> where = new LinkedBlockingQueue<>();
        LwsContext ctx = start(Protocol.of("p", new Handler<>() {
            @Override
            public void onEstablished(Connection c, Void s) {
                if (c.peerAddress() != null && established.getAndIncrement() == 0) {
                    c.close(4001, "from onEstablished");
                    c.close(4009, "twice");
                }
            }

            final AtomicInteger established = new AtomicInteger();

            @Override
            public void onText(Connection c, Void s, String text) {
                switch (text) {
                    case "close":
                        c.close(4002, "from onText");
                        c.sendText("never sent: after the close");
                        break;
                    case "ping me":
                        c.ping(new byte[] {1});
                        break;
                    case "writable":
                        c.requestWritable();
                        break;
                    default:
                        c.sendText(text);
                }
            }

            @Override
            public void onPong(Connection c, Void s, ByteBuffer payload) {
                c.close(4003, "from onPong");
            }

            @Override
            public void onWritable(Connection c, Void s) {
                c.close(4004, "from onWritable");
            }

            @Override
            public void onClosed(Connection c, Void s, int code, String reason) {
                where.add(code + " " + reason);
                c.close(); // nothing to close any more: no exception
            }
        }));
        WsTestClient a = client(ctx, "p");
        assertEquals(4001, a.awaitClose().code());
        assertEquals("4001 from onEstablished", poll(where, "onClosed"));
        int expected = 4002;
        for (String trigger : new String[] {"close", "ping me", "writable"}) {
            WsTestClient c = client(ctx, "p");
            c.assertEchoes("alive");
            c.sendText(trigger);
            WsTestClient.End end = c.awaitClose();
            assertEquals(expected, end.code(), trigger);
            c.assertNoMessage(100);
            assertEquals(expected + " " + end.reason(), poll(where, "onClosed"), trigger);
            expected++;
        }
    }

    @Test
    void sendFromInsideOnClosedThrowsConnectionClosedException() {
        BlockingQueue<String> seen = new LinkedBlockingQueue<>();
        LwsContext ctx = start(Protocol.of("p", new Handler<>() {
            @Override
            public void onClosed(Connection c, Void s, int code, String reason) {
                for (Runnable r : List.<Runnable>of(() -> c.sendText("too late"), () -> c.ping(new byte[0]),
                        c::requestWritable)) {
                    Throwable t = thrown(r);
                    seen.add(t == null ? "nothing thrown" : t.getClass().getSimpleName());
                }
            }
        }));
        WsTestClient c = client(ctx, "p");
        c.sendClose(1000, "");
        for (int i = 0; i < 3; i++) {
            assertEquals("ConnectionClosedException", poll(seen, "a result from onClosed"));
        }
        client(ctx, "p"); // and the context goes on
    }

    @Test
    void contextCloseFromInsideOnClosedAndOnEstablished() {
        CountDownLatch allClosed = new CountDownLatch(2);
        AtomicReference<LwsContext> self = new AtomicReference<>();
        LwsContext ctx = start(Protocol.of("p", new Handler<>() {
            @Override
            public void onEstablished(Connection c, Void s) {
                if (self.get() != null && Internals.openConnections(self.get()) >= 2) {
                    self.get().close(); // the second connection shuts the server down
                }
            }

            @Override
            public void onClosed(Connection c, Void s, int code, String reason) {
                allClosed.countDown();
                self.get().close(); // idempotent, also from inside onClosed
            }
        }));
        self.set(ctx);
        WsTestClient a = client(ctx, "p");
        WsTestClient b = client(ctx, "p");
        await(allClosed, "onClosed of both");
        waitUntil(() -> !ctx.isOpen(), "the context to close");
        a.awaitEnd();
        b.awaitEnd();
    }

    // ---- races with other threads ---------------------------------------------------

    /**
     * The context closes while 8 threads send on its connections (and broadcast) and 2
     * threads open new connections (as a client of it and through its own client API).
     * Every thread ends, each only with the exceptions the API documents.
     */
    @Test
    void contextCloseWhileOtherThreadsSendAndConnect() throws Exception {
        List<Connection> conns = new CopyOnWriteArrayList<>();
        Protocol<Void> p = Protocol.of("p", new Handler<>() {
            @Override
            public void onEstablished(Connection c, Void s) {
                conns.add(c);
            }

            @Override
            public void onText(Connection c, Void s, String text) {
                c.sendText(text);
            }
        });
        for (int round = 0; round < 3; round++) {
            LwsContext ctx = track(localhost().protocol(p).build()).start();
            conns.clear();
            List<WsTestClient> clients = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                clients.add(client(ctx, "p"));
            }
            waitUntil(() -> conns.size() == 8, "8 connections");
            AtomicBoolean stop = new AtomicBoolean();
            Map<String, Throwable> unexpected = new ConcurrentHashMap<>();
            AtomicInteger sends = new AtomicInteger();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                Connection c = conns.get(i);
                threads.add(new Thread(() -> {
                    byte[] b = new byte[100];
                    while (!stop.get()) {
                        try {
                            c.sendBinary(b);
                            c.sendText("t");
                            ctx.broadcastText(TestData.protocol(ctx, "p"), "b");
                            sends.incrementAndGet();
                        } catch (ContextSaturatedException e) {
                            Thread.onSpinWait(); // the flood outran the service thread: refused, as documented
                        } catch (IllegalStateException e) { // ConnectionClosedException included
                            if (!ctx.isOpen() || !c.isOpen()) {
                                return;
                            }
                        } catch (Throwable t) {
                            unexpected.put(Thread.currentThread().getName(), t);
                            return;
                        }
                    }
                }, "sender-" + i));
            }
            for (int i = 0; i < 2; i++) {
                boolean viaApi = i == 0;
                threads.add(new Thread(() -> {
                    while (!stop.get()) {
                        try {
                            if (viaApi) {
                                ctx.connect(ClientRequest.to("ws://127.0.0.1:" + ctx.port() + "/").build())
                                        .handle((c, e) -> null).get(10, TimeUnit.SECONDS);
                            } else {
                                WsTestClient.connectAsync(ctx.port(), "p").handle((c, e) -> {
                                    if (c != null) {
                                        c.close();
                                    }
                                    return null;
                                }).get(10, TimeUnit.SECONDS);
                            }
                        } catch (IllegalStateException e) {
                            if (!ctx.isOpen()) {
                                return;
                            }
                            unexpected.put(Thread.currentThread().getName(), e);
                            return;
                        } catch (Throwable t) {
                            unexpected.put(Thread.currentThread().getName(), t);
                            return;
                        }
                    }
                }, "connector-" + i));
            }
            threads.forEach(Thread::start);
            sleep(300);
            ctx.close();
            stop.set(true);
            for (Thread t : threads) {
                t.join(15_000);
                assertFalse(t.isAlive(), t.getName() + " hangs after the context closed");
            }
            assertTrue(unexpected.isEmpty(), "unexpected exceptions: " + unexpected);
            assertTrue(sends.get() > 0, "no sends happened");
            for (WsTestClient c : clients) {
                c.awaitEnd();
            }
        }
    }

    // ---- handlers that misbehave --------------------------------------------------------

    /**
     * A handler that throws from every callback: connections are closed with 1011, HTTP
     * gets a 500, refused filters refuse, and another protocol of the same context, and
     * the service thread, go on working throughout.
     */
    @Test
    void aHandlerThatThrowsInEveryCallbackBreaksNothingElse() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        class Boom extends RuntimeException {
            Boom(String where) {
                super("thrown on purpose in " + where);
                calls.incrementAndGet();
            }
        }
        Handler<Void> thrower = new Handler<>() {
            @Override
            public void onEstablished(Connection c, Void s) {
                if (c.isClient()) {
                    throw new Boom("onEstablished (client)");
                }
            }

            @Override
            public void onText(Connection c, Void s, String text) {
                if (text.equals("throw")) {
                    throw new Boom("onText");
                }
                if (text.equals("pong")) {
                    c.ping(new byte[] {7});
                } else if (text.equals("writable")) {
                    c.requestWritable();
                } else if (text.equals("broadcast")) {
                    c.context().broadcastText(TestData.protocol(c.context(), "thrower"), "to all");
                } else {
                    c.sendText(text);
                }
            }

            @Override
            public void onBinary(Connection c, Void s, ByteBuffer data) {
                throw new Boom("onBinary");
            }

            @Override
            public void onPong(Connection c, Void s, ByteBuffer payload) {
                throw new Boom("onPong");
            }

            @Override
            public void onWritable(Connection c, Void s) {
                throw new Boom("onWritable");
            }

            @Override
            public void onBroadcast(Connection c, Void s, ByteBuffer data, boolean binary) {
                throw new Boom("onBroadcast");
            }

            @Override
            public void onClosed(Connection c, Void s, int code, String reason) {
                throw new Boom("onClosed");
            }

            @Override
            public boolean filterProtocolConnection(LwsRequest handshake) {
                if (handshake.path().equals("/refuse")) {
                    throw new Boom("filterProtocolConnection");
                }
                return true;
            }

            @Override
            public void onConnectionError(ClientRequest request, String reason) {
                throw new Boom("onConnectionError");
            }

            @Override
            public Map<String, String> clientHandshakeHeaders(ClientRequest request) {
                if (request.path().equals("/no-headers")) {
                    throw new Boom("clientHandshakeHeaders");
                }
                return Map.of();
            }

        };
        Protocol<Void> throwing = Protocol.builder("thrower", thrower).broadcastCallback(true).build();
        LwsContext ctx = track(localhost().protocol(throwing).protocol(echo("echo")).http(request -> {
            throw new Boom("onRequest");
        }).build()).start();
        WsTestClient bystander = client(ctx, "echo");

        for (String trigger : new String[] {"throw", "pong", "writable", "broadcast"}) {
            WsTestClient c = client(ctx, "thrower");
            c.assertEchoes("fine so far");
            c.sendText(trigger);
            assertEquals(CloseCodes.INTERNAL_ERROR, c.awaitClose().code(), trigger);
            bystander.assertEchoes("after " + trigger);
        }
        WsTestClient bin = client(ctx, "thrower");
        bin.sendBinary(new byte[3]);
        assertEquals(CloseCodes.INTERNAL_ERROR, bin.awaitClose().code(), "onBinary");

        HttpResponse<String> http = WsTestClient.HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ctx.port() + "/x")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(500, http.statusCode(), "onHttp threw");

        try (RawClient r = raw(ctx)) {
            r.write(RawClient.upgradeRequest(ctx.port(), "/refuse", RawClient.newKey(), "13", "thrower", null));
            Hostile.assertHttpRefusal(r, 0, true, "filterProtocolConnection threw");
        }

        // client side: an exception in onEstablished closes with 1011; in the header
        // upcall the connect fails; in onConnectionError it is logged
        Connection cc = ctx.connect(ClientRequest.to("ws://127.0.0.1:" + ctx.port() + "/").protocol(throwing).build())
                .get(10, TimeUnit.SECONDS);
        waitUntil(() -> !cc.isOpen(), "the client connection whose onEstablished threw to close");
        CompletableFuture<Connection> noHeaders = ctx.connect(
                ClientRequest.to("ws://127.0.0.1:" + ctx.port() + "/no-headers").protocol(throwing).build());
        assertTrue(thrown(() -> noHeaders.join()) != null, "the connect should fail");
        CompletableFuture<Connection> refused = ctx.connect(
                ClientRequest.to("ws://127.0.0.1:1/").protocol(throwing).build());
        assertTrue(thrown(() -> refused.join()) != null, "the connect should fail");

        bystander.assertEchoes("after everything");
        try (WsTestClient fresh = WsTestClient.connect(ctx.port(), "echo")) {
            fresh.assertEchoes("a new client too");
        }
        assertTrue(calls.get() >= 10, "only " + calls.get() + " callbacks threw");
    }

    /** The callbacks the test above cannot reach with one handler: fragments, extensions, the network filter. */
    @Test
    void throwingInFragmentExtensionAndNetworkCallbacksBreaksNothingElse() throws Exception {
        AtomicBoolean refuseNetwork = new AtomicBoolean(true);
        AtomicInteger thrown = new AtomicInteger();
        Protocol<Void> fragments = Protocol.builder("frag", new Handler<Void>() {
            @Override
            public void onFragment(Connection c, Void s, ByteBuffer data, boolean binary, boolean first,
                                   boolean last, long remaining) {
                thrown.incrementAndGet();
                throw new IllegalStateException("thrown on purpose in onFragment");
            }

            @Override
            public boolean confirmExtension(String extension, ClientRequest request) {
                thrown.incrementAndGet();
                throw new IllegalStateException("thrown on purpose in confirmExtension");
            }

        }).receiveFragments(true).confirmExtensions(true).build();
        LwsContext ctx = track(localhost().protocol(fragments).protocol(echo("echo"))
                .networkFilter(peer -> {
                    if (refuseNetwork.get()) {
                        thrown.incrementAndGet();
                        throw new IllegalStateException("thrown on purpose in the network filter");
                    }
                    return true;
                })
                .permessageDeflate(PermessageDeflate.defaults()).build()).start();

        // the network filter threw: the TCP connection is dropped before anything is read
        try (RawClient r = raw(ctx)) {
            r.write(RawClient.upgradeRequest(ctx.port(), "/", RawClient.newKey(), "13", "echo", null));
            Hostile.assertHttpRefusal(r, 0, true, "filterNetworkConnection threw");
        }
        refuseNetwork.set(false);
        WsTestClient bystander = client(ctx, "echo");

        // confirmExtension threw: the extension is refused, the connection is made without it
        try (RawClient r = raw(ctx)) {
            r.write(RawClient.upgradeRequest(ctx.port(), "/", RawClient.newKey(), "13", "frag",
                    Map.of("Sec-WebSocket-Extensions", "permessage-deflate")));
            RawClient.Head h = r.readHead();
            assertEquals(101, h.status(), h.statusLine());
            assertEquals(null, h.header("sec-websocket-extensions"));
            // onFragment threw: 1011
            r.sendFrame(0x2, true, new byte[10]);
            RawClient.Frame f = r.readFrame();
            assertEquals(0x8, f.opcode());
            assertEquals(CloseCodes.INTERNAL_ERROR, f.closeCode());
        }
        bystander.assertEchoes("after all that");
        assertTrue(thrown.get() >= 3, "thrown " + thrown.get());
    }

    /**
     * A handler that blocks the service thread for a while delays the other
     * connections (there is one service thread) but breaks none of them.
     */
    @Test
    void aHandlerThatBlocksDelaysOthersButBreaksNothing() {
        // one service thread, whatever the suite runs with: with more, the others land on
        // any of them and only those on the blocked one's thread wait
        LwsContext ctx = track(localhost().serviceThreads(1).protocol(Protocol.of("p", new Handler<>() {
            @Override
            public void onText(Connection c, Void s, String text) {
                if (text.equals("block")) {
                    sleep(1500);
                }
                c.sendText(text);
            }
        })).build()).start();
        WsTestClient slow = client(ctx, "p");
        List<WsTestClient> others = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            others.add(client(ctx, "p"));
        }
        long t0 = System.nanoTime();
        slow.sendText("block");
        sleep(100);
        for (int i = 0; i < others.size(); i++) {
            others.get(i).sendText("other " + i);
        }
        for (int i = 0; i < others.size(); i++) {
            assertEquals("other " + i, others.get(i).nextText());
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= 1000, "the others were not delayed (" + ms + " ms): is there more than one service thread?");
        assertEquals("block", slow.nextText());
        for (WsTestClient o : others) {
            o.assertEchoes("nothing broke");
            assertFalse(o.ended.isDone());
        }
        slow.assertEchoes("nor for the slow one");
    }

    /** Callbacks, sends and closes while another thread collects garbage all the time. */
    @Test
    void callbacksUnderHeavyGarbageCollection() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        Thread gc = new Thread(() -> {
            while (!stop.get()) {
                System.gc();
                byte[][] junk = new byte[64][];
                for (int i = 0; i < junk.length; i++) {
                    junk[i] = new byte[16 * 1024];
                }
            }
        }, "gc-loop");
        gc.setDaemon(true);
        gc.start();
        try {
            LwsContext ctx = start(echo("echo"));
            List<Thread> threads = new ArrayList<>();
            Map<Integer, Throwable> failures = new ConcurrentHashMap<>();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
            AtomicInteger rounds = new AtomicInteger();
            for (int t = 0; t < 4; t++) {
                int id = t;
                threads.add(new Thread(() -> {
                    try {
                        for (int round = 0; round == 0 || System.nanoTime() < until; round++) {
                            rounds.incrementAndGet();
                            try (WsTestClient c = WsTestClient.connect(ctx.port(), "echo")) {
                                for (int i = 0; i < 50; i++) {
                                    String s = "t" + id + " r" + round + " m" + i;
                                    c.sendText(s);
                                    assertEquals(s, c.nextText());
                                }
                                byte[] b = pattern(50_000 + id);
                                c.sendBinary(b);
                                assertArrayEquals(b, c.nextBinary());
                            }
                        }
                    } catch (Throwable e) {
                        failures.put(id, e);
                    }
                }, "gc-client-" + t));
            }
            threads.forEach(Thread::start);
            for (Thread t : threads) {
                t.join(60_000);
                assertFalse(t.isAlive(), t.getName() + " hangs");
            }
            assertTrue(failures.isEmpty(), "failures: " + failures);
            assertTrue(rounds.get() >= 4, "rounds: " + rounds);
            // a context dropped without close() is freed by its Cleaner under the same GC pressure
            for (int i = 0; i < 5; i++) {
                LwsContext dropped = localhost().protocol(echo("echo")).build();
                assertNotEquals(0, dropped.port());
            }
            System.gc();
            client(ctx, "echo").assertEchoes("still fine");
        } finally {
            stop.set(true);
            gc.join(10_000);
        }
    }

    LwsContext start(Protocol<?> p) {
        return track(localhost().protocol(p).build()).start();
    }
}
