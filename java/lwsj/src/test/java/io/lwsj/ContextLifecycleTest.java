package io.lwsj;

import static io.lwsj.Waits.await;
import static io.lwsj.Waits.poll;
import static io.lwsj.Waits.sleep;
import static io.lwsj.Waits.waitUntil;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static io.lwsj.Waits.await;
import static io.lwsj.Waits.poll;
import static io.lwsj.Waits.sleep;
import static io.lwsj.Waits.waitUntil;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;


/** Building, listening, servicing and closing a context (libwebsocket_create_server, _service, _context_destroy). */
class ContextLifecycleTest extends ServerTestSupport {

    @Test
    void builderRejectsBadPortsWithIllegalArgumentException() {
        IllegalArgumentException low = assertThrows(IllegalArgumentException.class, () -> LwsContext.builder().port(-1));
        assertTrue(low.getMessage().contains("-1"), low.getMessage());
        IllegalArgumentException high = assertThrows(IllegalArgumentException.class,
                () -> LwsContext.builder().port(65536));
        assertTrue(high.getMessage().contains("65536"), high.getMessage());
    }

    @Test
    void builderRejectsDuplicateProtocolNames() {
        LwsContext.Builder b = LwsContext.builder().protocol(echo("chat"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.protocol(echo("chat")));
        assertTrue(e.getMessage().contains("chat"), e.getMessage());
    }

    @Test
    void protocolBuilderRejectsEmptyAndInvalidNames() {
        Handler<Void> h = new Handler<>() {};
        assertThrows(IllegalArgumentException.class, () -> Protocol.of("", h));
        assertThrows(IllegalArgumentException.class, () -> Protocol.of(null, h));
        for (String bad : List.of("two words", "a/b", "a,b", "semi;colon", "quote\"d", "tab\tname", "caf\u00e9",
                "x".repeat(64 + 1))) {
            assertThrows(IllegalArgumentException.class, () -> Protocol.of(bad, h), () -> "accepted name '" + bad + "'");
        }
        assertDoesNotThrow(() -> Protocol.of("lws-mirror-protocol.v2_x", h));
    }

    @Test
    void buildWithoutProtocolsIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LwsContext.builder().port(0).build());
        assertTrue(e.getMessage().contains("protocol"), e.getMessage());
    }

    @Test
    void documentRootMustBeAnExistingDirectory(@TempDir Path tmp) throws IOException {
        Path file = Files.writeString(tmp.resolve("plain.txt"), "x");
        assertThrows(IllegalArgumentException.class, () -> LwsContext.builder().documentRoot(file));
        assertThrows(IllegalArgumentException.class, () -> LwsContext.builder().documentRoot(tmp.resolve("missing")));
        assertDoesNotThrow(() -> LwsContext.builder().documentRoot(tmp));
    }

    @Test
    void maxConnectionsMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> LwsContext.builder().maxConnections(0));
        assertThrows(IllegalArgumentException.class, () -> LwsContext.builder().maxConnections(-5));
    }

    @Test
    void protocolSettingsAreCheckedInTheBuilder() {
        Handler<Void> h = new Handler<>() {};
        assertThrows(IllegalArgumentException.class, () -> Protocol.builder("p", h).receiveBufferSize(127));
        assertThrows(IllegalArgumentException.class, () -> Protocol.builder("p", h).maxMessageSize(0));
        assertThrows(IllegalArgumentException.class, () -> Protocol.builder("p", h).maxQueuedBytes(0));
        assertThrows(IllegalArgumentException.class, () -> Protocol.builder("p", h).onOverflow(Overflow.CLOSE, 1005));
    }

    @Test
    void portZeroListensOnARealEphemeralPort() throws IOException {
        LwsContext ctx = start(echo("echo"));
        int port = ctx.port();
        assertTrue(port > 0 && port <= 65535, "port " + port);
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            assertTrue(s.isConnected());
        }
        try (WsTestClient c = client(ctx)) {
            c.assertEchoes("on port " + port);
        }
    }

    @Test
    void portInUseGivesLwsExceptionSayingItCannotListen() throws IOException {
        try (ServerSocket taken = new ServerSocket()) {
            taken.setReuseAddress(false);
            taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            int port = taken.getLocalPort();
            LwsException e = assertThrows(LwsException.class, () -> track(LwsContext.builder()
                    .bindAddress("127.0.0.1").port(port).protocol(echo("echo")).build()));
            assertTrue(e.getMessage().contains("cannot listen"), e.getMessage());
            assertTrue(e.getMessage().contains(String.valueOf(port)), e.getMessage());
        }
    }

    @Test
    void closeIsIdempotent() {
        LwsContext ctx = start(echo("echo"));
        assertTrue(ctx.isOpen());
        ctx.close();
        assertFalse(ctx.isOpen());
        assertDoesNotThrow(ctx::close);
        assertDoesNotThrow(ctx::close);
        assertFalse(ctx.isOpen());
    }

    @Test
    void closeDeliversOnClosedToEveryOpenConnectionAndClientsSeeTheEnd() {
        int n = 3;
        CountDownLatch established = new CountDownLatch(n);
        Map<Long, Integer> closedCodes = new ConcurrentHashMap<>();
        AtomicInteger closedCalls = new AtomicInteger();
        AtomicInteger openInsideOnClosed = new AtomicInteger();
        Protocol<Void> p = Protocol.of("echo", new Handler<>() {
            @Override
            public void onEstablished(Connection c, Void s) {
                established.countDown();
            }

            @Override
            public void onClosed(Connection c, Void s, int code, String reason) {
                closedCalls.incrementAndGet();
                closedCodes.put(c.id(), code);
                if (c.isOpen()) {
                    openInsideOnClosed.incrementAndGet();
                }
            }
        });
        LwsContext ctx = start(p);
        List<WsTestClient> clients = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            clients.add(client(ctx));
        }
        await(established, "ESTABLISHED of " + n + " clients");

        ctx.close();

        // close() returns after the context is destroyed: every handler has seen CLOSED
        assertEquals(n, closedCalls.get(), "onClosed calls when close() returned");
        assertEquals(n, closedCodes.size(), "distinct connections closed");
        assertEquals(0, openInsideOnClosed.get(), "connections still isOpen() inside onClosed");
        for (WsTestClient c : clients) {
            WsTestClient.End end = c.awaitEnd();
            assertTrue(end != null, "client saw no end");
        }
    }

    @Test
    void serviceModeEchoesWithTheCallersOwnLoop() {
        LwsContext ctx = track(localhost().protocol(echo("echo")).build());
        CompletableFuture<WsTestClient> pending = WsTestClient.connectAsync(ctx.port());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!pending.isDone() && System.nanoTime() < deadline) {
            ctx.service(Duration.ofMillis(10));
        }
        assertTrue(pending.isDone(), "handshake did not complete while servicing");
        WsTestClient c = closeLater(pending.join());
        for (int i = 0; i < 5; i++) {
            String msg = "serviced " + i;
            c.ws().sendText(msg, true);
            Object got = null;
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (got == null && System.nanoTime() < until) {
                ctx.service(Duration.ofMillis(10));
                got = c.messages.poll();
            }
            assertEquals(msg, got);
        }
    }

    @Test
    void serviceZeroReturnsPromptlyWhenNothingIsPending() {
        LwsContext ctx = track(localhost().protocol(echo("echo")).build());
        ctx.service(Duration.ofMillis(0)); // first turn may set things up
        long t0 = System.nanoTime();
        for (int i = 0; i < 100; i++) {
            ctx.service(Duration.ofMillis(0));
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(ms < 2000, "100 x service(0) took " + ms + " ms");
    }

    @Test
    void serviceWithTimeoutReturnsAfterAboutThatLongWhenIdle() {
        LwsContext ctx = track(localhost().protocol(echo("echo")).build());
        ctx.service(Duration.ofMillis(0));
        for (int i = 0; i < 3; i++) {
            long t0 = System.nanoTime();
            ctx.service(Duration.ofMillis(200));
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(ms < 1500, "service(200) took " + ms + " ms");
        }
    }

    @Test
    void serviceRejectsNegativeTimeoutAndBackgroundContexts() {
        LwsContext idle = track(localhost().protocol(echo("echo")).build());
        assertThrows(IllegalArgumentException.class, () -> idle.service(Duration.ofMillis(-1)));
        LwsContext bg = start(echo("echo"));
        assertThrows(IllegalStateException.class, () -> bg.service(Duration.ofMillis(0)));
        assertThrows(IllegalStateException.class, bg::start);
    }

    @Test
    void startAfterCloseThrows() {
        LwsContext ctx = track(localhost().protocol(echo("echo")).build());
        ctx.close();
        assertThrows(IllegalStateException.class, ctx::start);
        assertThrows(IllegalStateException.class, () -> ctx.service(Duration.ofMillis(0)));
    }

    @Test
    void canonicalHostnameIsNotEmpty() {
        LwsContext ctx = start(echo("echo"));
        String name = ctx.canonicalHostname();
        assertFalse(name.isBlank(), "canonical hostname is blank");
        ctx.close();
        assertThrows(IllegalStateException.class, ctx::canonicalHostname);
    }

    @Test
    void aClosedContextFreesItsPortAndManyContextsCanComeAndGo() {
        for (int i = 0; i < 20; i++) {
            LwsContext ctx = localhost().protocol(echo("echo")).build().start();
            try {
                assertNotEquals(0, ctx.port());
            } finally {
                ctx.close();
            }
        }
        LwsContext ctx = start(echo("echo"));
        client(ctx).assertEchoes("still fine");
    }

    @Test
    void closeFromInsideAHandlerClosesTheContextWhenTheHandlerReturns() {
        AtomicInteger closedCalls = new AtomicInteger();
        AtomicBoolean openRightAfterClose = new AtomicBoolean();
        CountDownLatch handlerReturned = new CountDownLatch(1);
        Protocol<Void> p = Protocol.of("echo", new Handler<>() {
            @Override
            public void onText(Connection c, Void s, String text) {
                c.context().close();
                openRightAfterClose.set(c.isOpen());
                handlerReturned.countDown();
            }

            @Override
            public void onClosed(Connection c, Void s, int code, String reason) {
                closedCalls.incrementAndGet();
            }
        });
        LwsContext ctx = start(p);
        WsTestClient c = client(ctx);
        c.sendText("shut down");
        await(handlerReturned, "the handler");
        waitUntil(() -> !ctx.isOpen(), "the context to close");
        waitUntil(() -> closedCalls.get() > 0, "onClosed");
        assertTrue(openRightAfterClose.get(), "the connection closed before the handler returned");
        sleep(50);
        assertEquals(1, closedCalls.get(), "onClosed calls");
        c.awaitEnd();
    }

    @Test
    void closeFromAnotherThreadEndsAServiceCallInProgress() throws Exception {
        LwsContext ctx = track(localhost().protocol(echo("echo")).build());
        ctx.service(Duration.ofMillis(0));
        CompletableFuture<Void> closer = CompletableFuture.runAsync(() -> {
            sleep(100);
            ctx.close();
        });
        long t0 = System.nanoTime();
        for (int i = 0; i < 5 && ctx.isOpen(); i++) {
            try {
                ctx.service(Duration.ofMillis(5000));
            } catch (IllegalStateException closedBetweenTurns) {
                // close() took the context between isOpen() and service(): a fine end too
                assertFalse(ctx.isOpen());
                break;
            }
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        closer.get(10, TimeUnit.SECONDS);
        assertFalse(ctx.isOpen());
        assertTrue(ms < 4000, "service(5000) was not woken by close(): " + ms + " ms");
    }

    @Test
    void maxConnectionsRefusesConnectionsBeyondTheLimit() {
        BlockingQueue<Integer> closedCodes = new LinkedBlockingQueue<>();
        Protocol<Void> p = Protocol.of("echo", new Handler<>() {
            @Override
            public void onText(Connection c, Void s, String text) {
                c.sendText(text);
            }

            @Override
            public void onClosed(Connection c, Void s, int code, String reason) {
                closedCodes.add(code);
            }
        });
        LwsContext ctx = track(localhost().maxConnections(2).protocol(p).build()).start();
        WsTestClient a = client(ctx);
        WsTestClient b = client(ctx);
        a.assertEchoes("a");
        b.assertEchoes("b");
        // a third one is refused: the handshake fails or the connection ends at once
        CompletableFuture<WsTestClient> third = WsTestClient.connectAsync(ctx.port());
        try {
            WsTestClient t = closeLater(third.get(10, TimeUnit.SECONDS));
            WsTestClient.End end = t.awaitEnd();
            assertTrue(end != null);
        } catch (ExecutionException refused) {
            // refused during the handshake
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        a.assertEchoes("a still");
        b.assertEchoes("b still");
        // a slot freed is a slot for the next client
        a.sendClose(1000, "");
        a.awaitEnd();
        poll(closedCodes, "onClosed of a");
        client(ctx).assertEchoes("c");
    }

    /**
     * libwebsockets 4.3.5 left its wake-up eventfd open when a context was destroyed (lws
     * patch 0111): 100 contexts made and closed leaked 100 fds.
     */
    @Test
    void contextsOpenedAndClosedLeaveNoFileDescriptorOpen() {
        for (int i = 0; i < 3; i++) { // warm up: the JVM and JNA open what they keep
            localhost().protocol(echo("e")).build().start().close();
        }
        int before = Hostile.openFds();
        for (int i = 0; i < 100; i++) {
            try (LwsContext c = localhost().protocol(echo("e")).build().start()) {
                assertTrue(c.port() > 0);
            }
        }
        int after = Hostile.openFds();
        assertTrue(after - before < 10, "100 contexts opened and closed left " + (after - before) + " fds open");
    }

    /**
     * canonicalHostname() and port() may be called from any thread, also while another
     * thread closes the context: they answer or say the context is closed, and never read
     * the context being freed (under ASan, the old code's read after the lock was reported).
     */
    @Test
    void hostnameAskedWhileTheContextClosesAnswersOrSaysClosed() throws Exception {
        for (int i = 0; i < 50; i++) {
            LwsContext c = localhost().protocol(echo("e")).build().start();
            String name = c.canonicalHostname();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger answers = new AtomicInteger();
            List<Throwable> wrong = new ArrayList<>();
            Thread asker = new Thread(() -> {
                while (!stop.get()) {
                    try {
                        assertEquals(name, c.canonicalHostname());
                        answers.incrementAndGet();
                    } catch (IllegalStateException closedNow) {
                        return;
                    } catch (Throwable t) {
                        synchronized (wrong) {
                            wrong.add(t);
                        }
                        return;
                    }
                }
            });
            asker.start();
            waitUntil(() -> answers.get() > 0, "the asking thread got an answer");
            c.close();
            stop.set(true);
            asker.join(5_000);
            assertFalse(asker.isAlive());
            assertTrue(wrong.isEmpty(), "canonicalHostname during close: " + wrong);
            assertThrows(IllegalStateException.class, c::canonicalHostname);
        }
    }

    /**
     * The glue's error text belongs to the call that failed: a later failure that has no
     * text of its own does not carry an earlier one's.
     */
    @Test
    void anErrorTextDoesNotOutliveItsCall() {
        io.lwsj.internal.LwsjNative.UpcallFn none = (ctx, reason, conn, protocol, in, len, eventsLen) -> 0;
        long h = io.lwsj.internal.LwsjNative.lwsj_ctx_new(none);
        try {
            assertTrue(h != 0);
            int r = io.lwsj.internal.LwsjNative.lwsj_ctx_set_limits(h, 1, 0, 0, 0, 0, 0);
            assertEquals(io.lwsj.internal.Abi.ERR_ARG, r);
            assertTrue(io.lwsj.internal.LwsjNative.lwsj_last_error().contains("bad limits"),
                    io.lwsj.internal.LwsjNative.lwsj_last_error());
            // a stale handle: no text of its own
            assertEquals(io.lwsj.internal.Abi.ERR_STALE, io.lwsj.internal.LwsjNative.lwsj_ctx_port(h + (1L << 40)));
            assertEquals("", io.lwsj.internal.LwsjNative.lwsj_last_error());
        } finally {
            java.nio.ByteBuffer events = java.nio.ByteBuffer.allocateDirect(4096);
            io.lwsj.internal.LwsjNative.lwsj_ctx_destroy(h, events, events.capacity());
            java.lang.ref.Reference.reachabilityFence(none);
        }
    }
}
