package io.lwsj;

import static io.lwsj.TestData.asciiText;
import static io.lwsj.TestData.pattern;
import static io.lwsj.TestData.utf8;
import static io.lwsj.Waits.WAIT_MS;
import static io.lwsj.Waits.poll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * libwebsocket_client_connect: lwsj's client against lwsj's server, in one context
 * (the context connects to its own listener) and in two (a client-only context,
 * {@code listen(false)}, and a server context).
 */
class ClientTest extends ClientTestKit {

    enum Mode { ONE_CONTEXT, TWO_CONTEXTS }

    /** The server's protocols "echo" (first) and "chat", and the client's protocol "client". */
    final class Setup {
        final Recorder echo = new Recorder().echoing();
        final Recorder chat = new Recorder().echoing();
        final Recorder client = new Recorder();
        final LwsContext server;
        final LwsContext clientContext;

        Setup(Mode mode) {
            echo.refusePath = "/forbidden";
            client.handshakeHeaders = Map.of("X-From-Handler", "handler-value");
            if (mode == Mode.ONE_CONTEXT) {
                server = track(loopbackServer()
                        .protocol(protocol("echo", echo))
                        .protocol(protocol("chat", chat))
                        .protocol(protocol("client", client))
                        .build()).start();
                clientContext = server;
            } else {
                server = track(loopbackServer()
                        .protocol(protocol("echo", echo))
                        .protocol(protocol("chat", chat))
                        .build()).start();
                clientContext = track(clientOnly().protocol(protocol("client", client)).build()).start();
                assertEquals(-1, clientContext.port(), "a listen(false) context has no port");
            }
        }

        String uri(String path) {
            return "ws://127.0.0.1:" + server.port() + path;
        }

        ClientRequest.Builder request(String path) {
            return ClientRequest.to(uri(path)).protocol(TestData.protocol(clientContext, "client"));
        }

        Connection connect(String path) {
            return connected(clientContext.connect(request(path).build()), "connect to " + uri(path));
        }

        /** The client connection and the server's side of it. */
        Connection serverSideOf(Recorder serverHandler) {
            return poll(serverHandler.established, "the server's onEstablished");
        }

        Object echoOf(Connection c, Object message) {
            if (message instanceof String s) {
                assertTrue(c.sendText(s), "send refused");
            } else {
                assertTrue(c.sendBinary((byte[]) message), "send refused");
            }
            return poll(client.messages, "the echo of " + describe(message));
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void connectByUriAndByParts(Mode mode) {
        Setup s = new Setup(mode);

        Connection byUri = s.connect("/by-uri?x=1&y=two");
        assertTrue(byUri.isClient());
        assertTrue(byUri.isOpen());
        assertSame(s.clientContext, byUri.context());
        assertEquals("client", byUri.protocol().name());
        assertEquals("127.0.0.1", byUri.peerAddress());
        assertEquals("/by-uri?x=1&y=two", byUri.request().path());
        assertSame(byUri, poll(s.client.established, "the client's onEstablished"));
        LwsRequest h = poll(s.echo.handshakes, "the server's handshake (by URI)");
        assertEquals("/by-uri", h.path());
        assertEquals("x=1&y=two", h.query());
        assertEquals("127.0.0.1:" + s.server.port(), h.header("host"));
        Connection serverSide = s.serverSideOf(s.echo);
        assertFalse(serverSide.isClient());
        assertNull(serverSide.request());
        assertNull(serverSide.subprotocol());
        assertTrue(serverSide.responseHeaders().isEmpty());
        assertEquals("by uri", s.echoOf(byUri, "by uri"));

        ClientRequest parts = ClientRequest.to("127.0.0.1", s.server.port(), "/by-parts", false)
                .protocol(TestData.protocol(s.clientContext, "client")).build();
        assertEquals("ws://127.0.0.1:" + s.server.port() + "/by-parts", parts.toString());
        Connection byParts = connected(s.clientContext.connect(parts), "connect by parts");
        assertSame(parts, byParts.request());
        assertEquals("/by-parts", poll(s.echo.handshakes, "the server's handshake (by parts)").path());
        assertEquals("by parts", s.echoOf(byParts, "by parts"));
        assertTrue(byUri.id() != byParts.id());
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void originSubprotocolsAndHeaders(Mode mode) {
        Setup s = new Setup(mode);
        ClientRequest r = s.request("/chat-room")
                .origin("http://origin.lwsj.test")
                .subprotocols("no-such-protocol", "chat")
                .header("X-Request-Header", "request-value")
                .build();

        Connection c = connected(s.clientContext.connect(r), "connect with subprotocols");

        assertEquals("chat", c.subprotocol(), "negotiated subprotocol");
        Map<String, List<String>> rh = c.responseHeaders();
        assertNotNull(rh, "a client connection has the response headers");
        assertEquals(List.of("chat"), rh.get("sec-websocket-protocol"), "response headers: " + rh);
        assertNotNull(rh.get("sec-websocket-accept"), "response headers: " + rh);
        assertEquals("websocket", rh.get("upgrade").get(0).toLowerCase(Locale.ROOT), "response headers: " + rh);

        LwsRequest h = poll(s.chat.handshakes, "the chat protocol's filterProtocolConnection");
        assertTrue(s.echo.handshakes.isEmpty(), "the echo protocol was not asked");
        assertEquals("/chat-room", h.path());
        assertEquals("http://origin.lwsj.test", h.header("origin"));
        assertEquals("request-value", h.header("x-request-header"), "ClientRequest.header: " + h.headers());
        assertEquals("handler-value", h.header("X-From-Handler"), "Handler.clientHandshakeHeaders: " + h.headers());
        String offered = h.header("sec-websocket-protocol");
        assertNotNull(offered);
        assertTrue(offered.contains("no-such-protocol") && offered.contains("chat"), offered);

        Connection serverSide = s.serverSideOf(s.chat);
        assertEquals("chat", serverSide.protocol().name());
        assertEquals("in chat", s.echoOf(c, "in chat"));
        assertTrue(s.chat.messages.contains("in chat"));

        // no subprotocol asked for: "" on the client, the first protocol on the server
        Connection plain = s.connect("/");
        assertEquals("", plain.subprotocol());
        assertNull(plain.responseHeaders().get("sec-websocket-protocol"));
        assertEquals("echo", s.serverSideOf(s.echo).protocol().name());
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void echoTextAndBinaryOfEverySize(Mode mode) {
        Setup s = new Setup(mode);
        Connection c = s.connect("/");
        for (int n : SIZES) {
            String text = asciiText(n);
            assertEquals(text, s.echoOf(c, text), "text of " + n + " bytes");
            assertEquals(text, poll(s.echo.messages, "the server's text of " + n));
            byte[] bin = pattern(n);
            Object back = s.echoOf(c, bin);
            assertInstanceOf(byte[].class, back, "binary of " + n + " came back as " + describe(back));
            assertArrayEquals(bin, (byte[]) back, "binary of " + n + " bytes");
            assertArrayEquals(bin, (byte[]) poll(s.echo.messages, "the server's binary of " + n));
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void clientFragmentsArriveWhole(Mode mode) {
        Setup s = new Setup(mode);
        Connection c = s.connect("/");

        assertTrue(c.sendFragment(utf8("frag"), false, true, false));
        assertTrue(c.sendFragment(utf8("ment"), false, false, false));
        assertTrue(c.sendFragment(utf8("ed!"), false, false, true));
        assertEquals("fragmented!", poll(s.echo.messages, "the server's whole text"));
        assertEquals("fragmented!", poll(s.client.messages, "the echo of the fragmented text"));

        byte[] all = pattern(200_000);
        byte[] a = java.util.Arrays.copyOfRange(all, 0, 70_000);
        byte[] b = java.util.Arrays.copyOfRange(all, 70_000, 70_001);
        byte[] d = java.util.Arrays.copyOfRange(all, 70_001, all.length);
        assertTrue(c.sendFragment(java.nio.ByteBuffer.wrap(a), true, true, false));
        assertTrue(c.sendFragment(b, true, false, false));
        assertTrue(c.sendFragment(d, true, false, true));
        assertArrayEquals(all, (byte[]) poll(s.echo.messages, "the server's whole binary"));
        assertArrayEquals(all, (byte[]) poll(s.client.messages, "the echo of the fragmented binary"));

        // an empty final fragment ends a message too
        assertTrue(c.sendFragment(utf8("x"), false, true, false));
        assertTrue(c.sendFragment(new byte[0], false, false, true));
        assertEquals("x", poll(s.echo.messages, "the server's text ended by an empty fragment"));
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void pingGetsPong(Mode mode) {
        Setup s = new Setup(mode);
        Connection c = s.connect("/");
        assertTrue(c.ping(utf8("are you there")));
        assertArrayEquals(utf8("are you there"), poll(s.client.pongs, "onPong"));
        assertTrue(c.ping(new byte[0]));
        assertArrayEquals(new byte[0], poll(s.client.pongs, "onPong of an empty ping"));
        byte[] max = pattern(125);
        assertTrue(c.ping(max));
        assertArrayEquals(max, poll(s.client.pongs, "onPong of a 125-byte ping"));
        assertThrows(IllegalArgumentException.class, () -> c.ping(new byte[126]));
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void clientClosesWithCode(Mode mode) {
        Setup s = new Setup(mode);
        Connection c = s.connect("/");
        Connection serverSide = s.serverSideOf(s.echo);
        assertEquals("before close", s.echoOf(c, "before close"));

        c.close(4001, "client bye");

        Closed atServer = poll(s.echo.closed, "the server's onClosed");
        assertSame(serverSide, atServer.connection());
        assertEquals(4001, atServer.code(), "close code the server saw");
        assertEquals("client bye", atServer.reason());
        Closed atClient = poll(s.client.closed, "the client's onClosed");
        assertSame(c, atClient.connection());
        assertEquals(4001, atClient.code(), "close code the client saw (its own)");
        assertFalse(c.isOpen());
        assertThrows(ConnectionClosedException.class, () -> c.sendText("after close"));
        c.close(4001, "again"); // closing a closed connection does nothing
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void serverClosesWithCode(Mode mode) {
        Setup s = new Setup(mode);
        Connection c = s.connect("/");
        Connection serverSide = s.serverSideOf(s.echo);

        assertTrue(c.sendText("close:4002:server bye"));

        Closed atClient = poll(s.client.closed, "the client's onClosed");
        assertSame(c, atClient.connection());
        assertEquals(4002, atClient.code(), "close code the client saw");
        assertEquals("server bye", atClient.reason());
        Closed atServer = poll(s.echo.closed, "the server's onClosed");
        assertSame(serverSide, atServer.connection());
        assertEquals(4002, atServer.code());
        assertFalse(c.isOpen());
    }

    @Test
    void connectionRefused() throws Exception {
        Setup s = new Setup(Mode.TWO_CONTEXTS);
        int port = closedPort();
        ClientRequest r = ClientRequest.to("ws://127.0.0.1:" + port + "/").protocol(TestData.protocol(s.clientContext, "client")).build();

        Throwable e = failure(s.clientContext.connect(r), "connect to a closed port");

        assertInstanceOf(ConnectionRefusedException.class, e);
        assertSame(r, ((ConnectFailedException) e).request());
        assertTrue(e.getMessage().toLowerCase(Locale.ROOT).contains("refused"), e.getMessage());
        String reason = poll(s.client.connectionErrors, "onConnectionError");
        assertTrue(reason.toLowerCase(Locale.ROOT).contains("refused"), reason);
        assertTrue(s.client.established.isEmpty());
    }

    @Test
    void refusedUpgradeFailsWith403() {
        Setup s = new Setup(Mode.TWO_CONTEXTS);

        Throwable e = failure(s.clientContext.connect(s.request("/forbidden").build()), "connect to /forbidden");

        assertEquals(403, assertInstanceOf(UpgradeRefusedException.class, e).status());
        assertTrue(e.getMessage().contains("403"), e.getMessage());
        String reason = poll(s.client.connectionErrors, "onConnectionError");
        assertTrue(reason.contains("403"), reason);
        assertEquals("/forbidden", poll(s.echo.handshakes, "the server's filter").path());
        assertTrue(s.echo.established.isEmpty());
        // the context goes on: the next connection works
        assertEquals("still fine", s.echoOf(s.connect("/"), "still fine"));
    }

    @Test
    void timeoutAgainstSilentServer() throws Exception {
        Setup s = new Setup(Mode.TWO_CONTEXTS);
        SilentServer silent = closeLater(new SilentServer());
        ClientRequest r = ClientRequest.to("127.0.0.1", silent.port(), "/", false)
                .protocol(TestData.protocol(s.clientContext, "client")).timeout(Duration.ofMillis(300)).build();

        long t0 = System.nanoTime();
        Throwable e = failure(s.clientContext.connect(r), "connect to a silent server");
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

        assertInstanceOf(ConnectTimeoutException.class, e);
        assertTrue(e.getMessage().contains("timed out"), e.getMessage());
        assertTrue(poll(s.client.connectionErrors, "onConnectionError").contains("timed out"));
        assertTrue(ms >= 250, "failed after " + ms + " ms, before the 300 ms timeout");
        assertTrue(ms < 5000, "took " + ms + " ms for a 300 ms timeout");
        assertEquals(1, silent.acceptedCount(), "the TCP connection was made, the handshake never answered");
    }

    @Test
    void sendsFromOtherThreads() throws Exception {
        Setup s = new Setup(Mode.TWO_CONTEXTS);
        Connection c = s.connect("/");
        int threads = 4;
        int each = 250;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> jobs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                jobs.add(pool.submit(() -> {
                    go.await(WAIT_MS, TimeUnit.MILLISECONDS);
                    for (int i = 0; i < each; i++) {
                        if (i % 2 == 0) {
                            assertTrue(c.sendText("t" + id + "-" + i));
                        } else {
                            assertTrue(c.sendBinary(utf8("b" + id + "-" + i)));
                        }
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : jobs) {
                f.get(WAIT_MS, TimeUnit.MILLISECONDS);
            }
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(5, TimeUnit.SECONDS));
        }
        Set<String> got = new HashSet<>();
        for (int i = 0; i < threads * each; i++) {
            Object m = poll(s.client.messages, "echo " + i + " of " + threads * each);
            got.add(m instanceof String t ? t : "bin:" + new String((byte[]) m, java.nio.charset.StandardCharsets.UTF_8));
        }
        for (int t = 0; t < threads; t++) {
            for (int i = 0; i < each; i++) {
                String want = i % 2 == 0 ? "t" + t + "-" + i : "bin:b" + t + "-" + i;
                assertTrue(got.contains(want), "missing " + want);
            }
        }
        // per thread, messages keep their order: check one thread's texts in the server's order
        List<String> fromZero = new ArrayList<>();
        for (Object m : s.echo.messages) {
            if (m instanceof String t && t.startsWith("t0-")) {
                fromZero.add(t);
            }
        }
        for (int i = 1; i < fromZero.size(); i++) {
            int prev = Integer.parseInt(fromZero.get(i - 1).substring(3));
            int cur = Integer.parseInt(fromZero.get(i).substring(3));
            assertTrue(prev < cur, "thread 0's messages out of order: " + fromZero);
        }
    }

    @Test
    void thousandClientConnectionsOnOneContext() {
        int n = 1000;
        Recorder echo = new Recorder().echoing();
        echo.recordMessages = false;
        Recorder client = new Recorder();
        LwsContext server = track(loopbackServer().maxConnections(n + 100)
                .protocol(protocol("echo", echo)).build()).start();
        LwsContext clients = track(clientOnly().maxConnections(n + 100)
                .protocol(protocol("client", client)).build()).start();
        ClientRequest r = ClientRequest.to("ws://127.0.0.1:" + server.port() + "/many").build();

        long t0 = System.nanoTime();
        List<CompletableFuture<Connection>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            futures.add(clients.connect(r));
        }
        List<Connection> conns = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            conns.add(connected(futures.get(i), "client connection " + i + " of " + n));
        }
        for (int i = 0; i < n; i++) {
            assertTrue(conns.get(i).sendText("hello " + i));
        }
        Set<String> got = new HashSet<>();
        for (int i = 0; i < n; i++) {
            got.add((String) poll(client.messages, "echo " + got.size() + " of " + n));
        }
        for (int i = 0; i < n; i++) {
            assertTrue(got.contains("hello " + i), "missing the echo of connection " + i);
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(ms < 30_000, n + " connections and echoes took " + ms + " ms");

        for (Connection c : conns) {
            c.close();
        }
        AtomicInteger closedCount = new AtomicInteger();
        for (int i = 0; i < n; i++) {
            poll(client.closed, "client close " + i + " of " + n);
            closedCount.incrementAndGet();
        }
        assertEquals(n, closedCount.get());
    }

    /** A loopback server that reads the start of a request and closes the connection. */
    static Thread closingServer(java.net.ServerSocket server, int connections) {
        Thread t = new Thread(() -> {
            for (int i = 0; i < connections; i++) {
                try (java.net.Socket s = server.accept()) {
                    s.setSoTimeout(5_000);
                    s.getInputStream().read(new byte[1024]);
                } catch (java.io.IOException e) {
                    return;
                }
            }
        }, "closing-server");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /**
     * A server that hangs up during the handshake: the reason is text without the NUL
     * that libwebsockets 4.3.5 counts in its "closed before established" (upstream
     * db62fbc27; the glue formats reasons with %.*s, which stops there).
     */
    @Test
    void serverClosingDuringTheHandshakeGivesAReasonWithoutNul() throws Exception {
        Setup s = new Setup(Mode.TWO_CONTEXTS);
        try (java.net.ServerSocket server = new java.net.ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress())) {
            closingServer(server, 1);
            ClientRequest r = ClientRequest.to("127.0.0.1", server.getLocalPort(), "/", false).protocol(TestData.protocol(s.clientContext, "client")).build();
            Throwable e = failure(s.clientContext.connect(r), "connect to a server that hangs up");
            String reason = poll(s.client.connectionErrors, "onConnectionError");
            assertFalse(reason.isEmpty());
            assertFalse(reason.contains("\0"), "the reason ends in a NUL: [" + reason + "]");
            assertFalse(e.getMessage().contains("\0"), e.getMessage());
        }
    }

    /**
     * Closing a context while its clients wait for the server's answer: every future fails,
     * nothing is read from a freed header table (lws patch 0116; ASan reports it without).
     */
    @Test
    void closingTheContextWhileClientsWaitForTheirHandshakeIsClean() throws Exception {
        SilentServer silent = closeLater(new SilentServer());
        Recorder client = new Recorder();
        LwsContext ctx = clientOnly().protocol(protocol("client", client)).build().start();
        List<CompletableFuture<Connection>> futures = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            futures.add(ctx.connect(ClientRequest.to("127.0.0.1", silent.port(), "/", false).protocol(TestData.protocol(ctx, "client")).build()));
        }
        Waits.waitUntil(() -> silent.acceptedCount() == 20, "the silent server accepted 20 connections");
        ctx.close();
        for (CompletableFuture<Connection> f : futures) {
            assertInstanceOf(LwsException.class, failure(f, "a connect cut by close()"));
        }
    }

    /**
     * A path that fills libwebsockets' 64 KiB handshake buffer: its sprintf() wrote past
     * the end (lws patch 0118); now the connect fails cleanly.
     */
    @Test
    void aHandshakeTooLargeForTheBufferFailsTheConnect() throws Exception {
        Setup s = new Setup(Mode.TWO_CONTEXTS);
        Recorder client = new Recorder();
        LwsContext big = track(clientOnly().maxHeaderBytes(65535).protocol(protocol("client", client)).build()).start();
        for (int n : new int[] {65536 - 300, 65536 - 200, 65536 - 120, 65536 - 60, 65536 - 20}) {
            String path = "/" + "p".repeat(n);
            CompletableFuture<Connection> f = big.connect(
                    ClientRequest.to("127.0.0.1", s.server.port(), path, false).protocol(TestData.protocol(big, "client")).build());
            Throwable e = failure(f, "a connect with a " + n + "-byte path");
            assertInstanceOf(LwsException.class, e);
        }
        // the context goes on
        assertEquals("after", s.echoOf(s.connect("/"), "after"));
    }

    /**
     * A connect that fails at once (no free slot), run between turns because a large
     * send made the service thread hand its submissions over early: the failure event was
     * written into the previous turn's buffer and lost, so the future never completed.
     */
    @Test
    void aConnectFailingBetweenTurnsStillCompletesItsFuture() throws Exception {
        Setup s = new Setup(Mode.TWO_CONTEXTS);
        CompletableFuture<CompletableFuture<Connection>> second = new CompletableFuture<>();
        LwsContext one = track(clientOnly().maxConnections(1).protocol(Protocol.of("client", new Handler<Void>() {
            @Override
            public void onText(Connection c, Void session, String text) {
                if (text.equals("go")) {
                    CompletableFuture<Connection> f = c.context().connect(
                            ClientRequest.to(s.uri("/")).protocol(c.protocol()).build());
                    c.sendBinary(new byte[300 * 1024]); // larger than the submission buffer: runs now
                    second.complete(f);
                }
            }
        })).build()).start();
        Connection c = connected(one.connect(ClientRequest.to(s.uri("/")).protocol(TestData.protocol(one, "client")).build()), "the only slot");
        assertTrue(c.sendText("go"));
        CompletableFuture<Connection> f = second.get(WAIT_MS, TimeUnit.MILLISECONDS);
        Throwable e = failure(f, "a connect beyond maxConnections");
        assertTrue(e.getMessage().contains("too many connections"), e.getMessage());
    }

    @Test
    void badInputIsRefusedBeforeAnyNativeCall() {
        assertIllegal("malformed URI", () -> ClientRequest.to("ws://127.0.0.1:80/a path with spaces"), "malformed");
        assertIllegal("malformed URI", () -> ClientRequest.to("ws://[::1/"), "malformed");
        assertIllegal("http scheme", () -> ClientRequest.to("http://127.0.0.1:80/"), "scheme");
        assertIllegal("https scheme", () -> ClientRequest.to(URI.create("https://127.0.0.1/")), "scheme");
        assertIllegal("no scheme", () -> ClientRequest.to("//127.0.0.1:80/"), "scheme");
        assertIllegal("port 0 in URI", () -> ClientRequest.to("ws://127.0.0.1:0/"), "port");
        assertIllegal("port 70000 in URI", () -> ClientRequest.to("ws://127.0.0.1:70000/"), "port");
        assertIllegal("port 0", () -> ClientRequest.to("127.0.0.1", 0, "/", false), "port");
        assertIllegal("port 70000", () -> ClientRequest.to("127.0.0.1", 70000, "/", false), "port");
        assertIllegal("port -1", () -> ClientRequest.to("127.0.0.1", -1, "/", false), "port");
        assertIllegal("missing host in URI", () -> ClientRequest.to("ws:///path"), "host");
        assertIllegal("missing host in URI", () -> ClientRequest.to("ws://:8080/"), "host");
        assertIllegal("empty host", () -> ClientRequest.to("", 80, "/", false), "host");
        assertIllegal("null host", () -> ClientRequest.to(null, 80, "/", false), "host");
        assertIllegal("host with a space", () -> ClientRequest.to("a b", 80, "/", false), "host");
        assertIllegal("path without /", () -> ClientRequest.to("127.0.0.1", 80, "x", false), "path");
        assertIllegal("fragment", () -> ClientRequest.to("ws://127.0.0.1/#frag"), "fragment");
        ClientRequest.Builder ok = ClientRequest.to("ws://127.0.0.1/");
        assertIllegal("zero timeout", () -> ok.timeout(Duration.ZERO), "timeout");
        assertIllegal("header with CR LF", () -> ok.header("X-A", "a\r\nX-Injected: 1"), "header");
        assertIllegal("header name with colon", () -> ok.header("X:A", "a"), "header");
        assertIllegal("subprotocol with comma", () -> ok.subprotocols("a,b"), "subprotocol");
        assertIllegal("origin with newline", () -> ok.origin("http://a\n"), "Origin");

        // defaults taken from the URI
        ClientRequest wss = ClientRequest.to("wss://127.0.0.1/p?q=1").build();
        assertTrue(wss.tls());
        assertEquals(443, wss.port());
        assertEquals("/p?q=1", wss.path());
        assertEquals("127.0.0.1", wss.hostHeader());
        ClientRequest ws = ClientRequest.to("ws://127.0.0.1").build();
        assertFalse(ws.tls());
        assertEquals(80, ws.port());
        assertEquals("/", ws.path());
        ClientRequest v6 = ClientRequest.to("ws://[::1]:9000/").build();
        assertEquals("::1", v6.host());
        assertEquals("[::1]:9000", v6.hostHeader());

        // a protocol the context does not have: refused at connect, before anything is sent
        Recorder client = new Recorder();
        LwsContext ctx = track(clientOnly().protocol(protocol("client", client)).build());
        assertThrows(IllegalArgumentException.class,
                () -> ctx.connect(ClientRequest.to("ws://127.0.0.1:1/").protocol(Protocol.of("nope", new Handler<Void>() {})).build()));
    }

    private static void assertIllegal(String what, org.junit.jupiter.api.function.Executable e, String mention) {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e, what);
        if (mention != null) {
            assertTrue(x.getMessage().toLowerCase(Locale.ROOT).contains(mention.toLowerCase(Locale.ROOT)),
                    what + ": message should mention '" + mention + "': " + x.getMessage());
        }
    }
}
