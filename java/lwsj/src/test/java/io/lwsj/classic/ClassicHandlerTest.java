package io.lwsj.classic;

import static io.lwsj.TestData.utf8;
import static io.lwsj.Waits.WAIT_MS;
import static io.lwsj.Waits.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.lwsj.ClientRequest;
import io.lwsj.CloseCodes;
import io.lwsj.Connection;
import io.lwsj.LwsContext;
import io.lwsj.PermessageDeflate;
import io.lwsj.Protocol;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static io.lwsj.TestData.utf8;
import static io.lwsj.Waits.WAIT_MS;
import static io.lwsj.Waits.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;


/**
 * The classic callback shape (ClassicHandler, Reason, Wsi, WriteMode): lwsj server and
 * lwsj client both written as classic callbacks, checking that each Handler method
 * arrives as the right reason with the classic arguments, and that the classic
 * return convention holds (non-zero closes, refuses).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClassicHandlerTest {
    static final String PROTOCOL = "classic";

    private final Deque<AutoCloseable> opened = new ArrayDeque<>();

    @AfterEach
    void closeAll() throws Exception {
        while (!opened.isEmpty()) {
            opened.removeFirst().close();
        }
    }

    /** The classic per-session data. */
    static final class Pss {
        int number;
    }

    /** One callback, with copies of what was only valid during it. */
    record Call(Wsi wsi, Reason reason, Pss user, byte[] in, long len, boolean first, boolean last,
                boolean binary, long remaining) {
        String text() {
            return in == null ? null : new String(in, StandardCharsets.UTF_8);
        }
    }

    /** Records every call; {@link #then} decides the return value (and may act). */
    static final class Recorder implements ClassicCallback<Pss> {
        final BlockingQueue<Call> calls = new LinkedBlockingQueue<>();
        volatile ClassicCallback<Pss> then = (w, r, u, in, len) -> 0;

        @Override
        public int callback(Wsi wsi, Reason reason, Pss user, ByteBuffer in, long len) {
            byte[] copy = null;
            if (in != null) {
                assertEquals(in.remaining(), len, "len is in's remaining bytes");
                copy = new byte[in.remaining()];
                in.get(in.position(), copy);
            }
            calls.add(new Call(wsi, reason, user, copy, len, wsi.isFirstFragment(), wsi.isFinalFragment(),
                    wsi.frameIsBinary(), wsi.remainingPacketPayload()));
            return then.callback(wsi, reason, user, in, len);
        }

        /** The next call with this reason; calls with other reasons before it are dropped. */
        Call await(Reason reason) throws InterruptedException {
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
            for (;;) {
                long left = end - System.nanoTime();
                Call c = left > 0 ? calls.poll(left, TimeUnit.NANOSECONDS) : null;
                if (c == null) {
                    fail("no " + reason + " within " + WAIT_MS + " ms");
                }
                if (c.reason() == reason) {
                    return c;
                }
            }
        }

        /** Every reason called so far, in order, without waiting. */
        List<Reason> drainReasons() {
            List<Call> l = new ArrayList<>();
            calls.drainTo(l);
            return l.stream().map(Call::reason).toList();
        }
    }

    final Recorder server = new Recorder();
    final Recorder client = new Recorder();
    final ClassicHandler<Pss> serverHandler = ClassicHandler.of(server);
    final ClassicHandler<Pss> clientHandler = ClassicHandler.of(client);

    LwsContext startServer(Path documentRoot, boolean fragments, boolean broadcastCallback) {
        // the classic callback of the first protocol also gets the context's reasons
        LwsContext.Builder b = serverHandler.serveContextReasons(LwsContext.builder().bindAddress("127.0.0.1").port(0))
                .protocol(Protocol.builder(PROTOCOL, serverHandler).session(c -> new Pss()).confirmExtensions(true)
                        .receiveFragments(fragments).broadcastCallback(broadcastCallback).build());
        if (documentRoot != null) {
            b.documentRoot(documentRoot);
        }
        LwsContext ctx = b.build();
        opened.addLast(ctx);
        return ctx.start();
    }

    LwsContext startServer() {
        return startServer(null, false, false);
    }

    LwsContext startClient() {
        LwsContext ctx = LwsContext.builder().listen(false)
                .protocol(Protocol.builder(PROTOCOL, clientHandler).session(c -> new Pss()).confirmExtensions(true).build())
                .build();
        opened.addLast(ctx);
        return ctx.start();
    }

    static ClientRequest request(LwsContext server) {
        return ClientRequest.to("ws://127.0.0.1:" + server.port() + "/").subprotocols(PROTOCOL).build();
    }

    static <T> T get(CompletableFuture<T> f) throws Exception {
        try {
            return f.get(WAIT_MS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("not done within " + WAIT_MS + " ms", e);
        }
    }

    @Test
    void everyHandlerMethodArrivesAsItsClassicReason() throws Exception {
        client.then = (w, r, u, in, len) -> {
            if (r == Reason.CLIENT_APPEND_HANDSHAKE_HEADER) {
                return w.addHttpHeader("X-Classic", "yes");
            }
            return 0;
        };
        server.then = (w, r, u, in, len) -> {
            switch (r) {
                case ESTABLISHED:
                    u.number = 41;
                    return w.callbackOnWritable();
                case SERVER_WRITEABLE: {
                    byte[] b = utf8("n=" + ++u.number);
                    return w.write(b, b.length, WriteMode.TEXT) == b.length ? 0 : -1;
                }
                case RECEIVE:
                    if (w.frameIsBinary()) {
                        return w.write(in, len, WriteMode.BINARY) < 0 ? -1 : 0; // echo
                    }
                    byte[] ping = utf8("are you there");
                    return w.write(ping, ping.length, WriteMode.PING) < 0 ? -1 : 0;
                default:
                    return 0;
            }
        };
        LwsContext srv = startServer();
        LwsContext cli = startClient();
        Connection c = get(cli.connect(request(srv)));

        Call filter = server.await(Reason.FILTER_NETWORK_CONNECTION);
        assertEquals("127.0.0.1", filter.wsi().peerAddress());
        assertNull(filter.wsi().connection());
        Call upgrade = server.await(Reason.FILTER_PROTOCOL_CONNECTION);
        assertEquals(PROTOCOL, upgrade.text(), "in is the requested protocol");
        assertEquals("yes", upgrade.wsi().header("X-Classic"), "CLIENT_APPEND_HANDSHAKE_HEADER added it");
        assertNull(upgrade.user(), "no session before ESTABLISHED");
        Call est = server.await(Reason.ESTABLISHED);
        assertNotNull(est.user());
        assertFalse(est.wsi().isClient());
        assertEquals(PROTOCOL, est.wsi().getProtocol().name());
        Wsi serverWsi = est.wsi();

        Call header = client.await(Reason.CLIENT_APPEND_HANDSHAKE_HEADER);
        assertSame(c.request(), header.wsi().clientRequest());
        Call cest = client.await(Reason.CLIENT_ESTABLISHED);
        assertTrue(cest.wsi().isClient());
        assertSame(c, cest.wsi().connection());
        assertSame(cest.wsi(), clientHandler.wsi(c), "wsi(connection) finds the same Wsi");

        Call rx = client.await(Reason.CLIENT_RECEIVE);
        assertEquals("n=42", rx.text());
        assertTrue(rx.first() && rx.last() && !rx.binary());
        assertEquals(0, rx.remaining());

        Call w = server.await(Reason.SERVER_WRITEABLE);
        assertSame(serverWsi, w.wsi(), "one Wsi per connection from ESTABLISHED to CLOSED");
        assertSame(est.user(), w.user(), "the same per-session object");

        // client -> server binary, echoed back
        byte[] bin = {1, 2, 3, 0, (byte) 0xff};
        assertEquals(bin.length, clientHandler.wsi(c).write(bin, bin.length, WriteMode.BINARY));
        Call srx = server.await(Reason.RECEIVE);
        assertArrayEquals(bin, srx.in());
        assertTrue(srx.binary());
        assertSame(serverWsi, srx.wsi());
        Call echo = client.await(Reason.CLIENT_RECEIVE);
        assertArrayEquals(bin, echo.in());
        assertTrue(echo.binary());

        // text makes the server ping; the client's lws answers with a pong
        byte[] text = utf8("ping me");
        assertEquals(text.length, clientHandler.wsi(c).write(text, text.length, WriteMode.TEXT));
        assertEquals("ping me", server.await(Reason.RECEIVE).text());
        Call pong = server.await(Reason.RECEIVE_PONG);
        assertEquals("are you there", pong.text());

        // the client pings, the server's lws answers
        byte[] cping = utf8("hello?");
        assertEquals(cping.length, clientHandler.wsi(c).write(cping, cping.length, WriteMode.PING));
        assertEquals("hello?", client.await(Reason.CLIENT_RECEIVE_PONG).text());

        // the client writes on CLIENT_WRITEABLE
        client.then = (cw, r, u, in, len) -> {
            if (r == Reason.CLIENT_WRITEABLE) {
                byte[] b = utf8("from writeable");
                return cw.write(b, b.length, WriteMode.TEXT) < 0 ? -1 : 0;
            }
            return 0;
        };
        assertEquals(0, clientHandler.wsi(c).callbackOnWritable());
        client.await(Reason.CLIENT_WRITEABLE);
        assertEquals("from writeable", server.await(Reason.RECEIVE).text());

        c.close(4000, "done");
        Call closed = server.await(Reason.CLOSED);
        assertSame(serverWsi, closed.wsi());
        assertEquals(4000, closed.wsi().closeStatus());
        assertEquals("done", closed.wsi().closeStatusReason());
        assertSame(est.user(), closed.user());
        Call cclosed = client.await(Reason.CLOSED);
        assertEquals(4000, cclosed.wsi().closeStatus());
        assertNull(clientHandler.wsi(c), "forgotten after CLOSED");
        assertEquals(-1, cclosed.wsi().write(text, text.length, WriteMode.TEXT), "lws_write on a closed wsi");
    }

    @Test
    void nonZeroFromReceiveClosesWithTheCloseReason() throws Exception {
        server.then = (w, r, u, in, len) -> {
            if (r == Reason.RECEIVE && StandardCharsets.UTF_8.decode(in).toString().equals("closeme\n")) {
                w.closeReason(CloseCodes.GOING_AWAY, "seeya");
                return -1;
            }
            return 0;
        };
        LwsContext srv = startServer();
        Connection c = get(startClient().connect(request(srv)));
        byte[] b = utf8("closeme\n");
        clientHandler.wsi(c).write(b, b.length, WriteMode.TEXT);
        Call closed = client.await(Reason.CLOSED);
        assertEquals(CloseCodes.GOING_AWAY, closed.wsi().closeStatus());
        assertEquals("seeya", closed.wsi().closeStatusReason());
    }

    @Test
    void nonZeroFromEstablishedClosesWith1000() throws Exception {
        server.then = (w, r, u, in, len) -> r == Reason.ESTABLISHED ? 1 : 0;
        LwsContext srv = startServer();
        get(startClient().connect(request(srv)));
        Call closed = client.await(Reason.CLOSED);
        assertEquals(CloseCodes.NORMAL, closed.wsi().closeStatus());
        server.await(Reason.CLOSED);
    }

    @Test
    void nonZeroFromFilterProtocolConnectionRefusesTheUpgrade() throws Exception {
        server.then = (w, r, u, in, len) -> r == Reason.FILTER_PROTOCOL_CONNECTION ? 1 : 0;
        LwsContext srv = startServer();
        CompletableFuture<Connection> f = startClient().connect(request(srv));
        Call error = client.await(Reason.CLIENT_CONNECTION_ERROR);
        assertNotNull(error.text(), "in is the reason");
        assertNull(error.wsi().connection());
        assertNotNull(error.wsi().clientRequest());
        assertTrue(error.wsi().isClient());
        assertThrows(ExecutionException.class, () -> f.get(WAIT_MS, TimeUnit.MILLISECONDS));
        assertFalse(server.drainReasons().contains(Reason.ESTABLISHED));
    }

    @Test
    void nonZeroFromFilterNetworkConnectionDropsTheConnection() throws Exception {
        server.then = (w, r, u, in, len) -> r == Reason.FILTER_NETWORK_CONNECTION ? 1 : 0;
        LwsContext srv = startServer();
        CompletableFuture<Connection> f = startClient().connect(request(srv));
        client.await(Reason.CLIENT_CONNECTION_ERROR);
        assertThrows(ExecutionException.class, () -> f.get(WAIT_MS, TimeUnit.MILLISECONDS));
        List<Reason> seen = server.drainReasons();
        assertFalse(seen.contains(Reason.FILTER_PROTOCOL_CONNECTION), seen.toString());
    }

    @Test
    void fragmentsOutAndInWithNoFinAndContinuation() throws Exception {
        LwsContext srv = startServer(null, true, false);
        Connection c = get(startClient().connect(request(srv)));
        Wsi w = clientHandler.wsi(c);
        byte[] a = utf8("one-");
        byte[] b = utf8("two-");
        byte[] d = utf8("three");
        assertEquals(a.length, w.write(a, a.length, WriteMode.TEXT, WriteMode.NO_FIN));
        assertEquals(b.length, w.write(b, b.length, WriteMode.CONTINUATION, WriteMode.NO_FIN));
        assertEquals(d.length, w.write(d, d.length, WriteMode.CONTINUATION));

        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        boolean sawFirst = false;
        for (;;) {
            Call rx = server.await(Reason.RECEIVE);
            assertFalse(rx.binary());
            if (joined.size() == 0) {
                assertTrue(rx.first(), "lws_is_first_fragment on the first chunk");
                sawFirst = true;
            } else {
                assertFalse(rx.first());
            }
            joined.writeBytes(rx.in());
            if (rx.last()) {
                assertEquals(0, rx.remaining());
                break;
            }
        }
        assertTrue(sawFirst);
        assertEquals("one-two-three", joined.toString(StandardCharsets.UTF_8));

        // whole-message mode joins them
        LwsContext whole = startServer();
        Connection c2 = get(startClient().connect(request(whole)));
        Wsi w2 = clientHandler.wsi(c2);
        byte[] x = {9, 8};
        byte[] y = {7};
        w2.write(x, x.length, WriteMode.BINARY, WriteMode.NO_FIN);
        w2.write(y, y.length, WriteMode.CONTINUATION);
        Call rx = server.await(Reason.RECEIVE);
        assertArrayEquals(new byte[] {9, 8, 7}, rx.in());
        assertTrue(rx.binary() && rx.first() && rx.last());
    }

    @Test
    void broadcastIsWrittenByTheCallback() throws Exception {
        server.then = (w, r, u, in, len) -> {
            if (r == Reason.BROADCAST) {
                byte[] b = utf8("bc:" + StandardCharsets.UTF_8.decode(in));
                return w.write(b, b.length, w.frameIsBinary() ? WriteMode.BINARY : WriteMode.TEXT) < 0 ? -1 : 0;
            }
            return 0;
        };
        LwsContext srv = startServer(null, false, true);
        get(startClient().connect(request(srv)));
        server.await(Reason.ESTABLISHED);
        srv.broadcastText(srv.protocols().get(0), "news");
        Call bc = server.await(Reason.BROADCAST);
        assertEquals("news", bc.text());
        assertFalse(bc.binary());
        assertEquals("bc:news", client.await(Reason.CLIENT_RECEIVE).text());
    }

    @Test
    void confirmExtensionNonZeroRefusesIt() throws Exception {
        ClassicCallback<Pss> refuseDeflate = (w, r, u, in, len) ->
                r == Reason.CONFIRM_EXTENSION_OKAY ? 1 : 0;
        server.then = refuseDeflate;
        LwsContext srv = LwsContext.builder().bindAddress("127.0.0.1").port(0)
                .permessageDeflate(PermessageDeflate.defaults())
                .protocol(Protocol.builder(PROTOCOL, serverHandler).session(c -> new Pss()).confirmExtensions(true).build())
                .build();
        opened.addLast(srv);
        srv.start();
        LwsContext cli = LwsContext.builder().listen(false).permessageDeflate(PermessageDeflate.defaults())
                .protocol(Protocol.builder(PROTOCOL, clientHandler).session(c -> new Pss()).confirmExtensions(true).build())
                .build();
        opened.addLast(cli);
        cli.start();
        Connection c = get(cli.connect(request(srv)));
        Call offered = client.await(Reason.CLIENT_CONFIRM_EXTENSION_SUPPORTED);
        assertEquals("permessage-deflate", offered.text());
        assertSame(c.request(), offered.wsi().clientRequest());
        Call confirm = server.await(Reason.CONFIRM_EXTENSION_OKAY);
        assertEquals("permessage-deflate", confirm.text());
        List<String> ext = c.responseHeaders().getOrDefault("sec-websocket-extensions", List.of());
        assertTrue(ext.isEmpty(), "refused, so not confirmed: " + ext);
    }

    @Test
    void httpAnswersMadeThroughTheWsi(@TempDir Path root) throws Exception {
        Files.writeString(root.resolve("hello.txt"), "hello file\n");
        server.then = (w, r, u, in, len) -> {
            if (r == Reason.HTTP_FILE_COMPLETION) {
                return 0;
            }
            if (r != Reason.HTTP) {
                return 0;
            }
            String uri = StandardCharsets.UTF_8.decode(in).toString();
            switch (uri) {
                case "/hello.txt":
                    return w.serveHttpFile("hello.txt", "text/plain");
                case "/teapot":
                    return w.returnHttpStatus(418, "<p>short and stout</p>");
                case "/written": {
                    w.addHttpCommonHeaders(200, "text/plain");
                    w.addHttpHeader("X-Classic", "1");
                    byte[] a = utf8("part one, ");
                    byte[] b = utf8("part two");
                    w.write(a, a.length, WriteMode.HTTP);
                    w.write(b, b.length, WriteMode.HTTP_FINAL);
                    return 0;
                }
                case "/bye":
                    return -1;
                default:
                    return 0; // no answer: 404
            }
        };
        LwsContext srv = startServer(root, false, false);

        String file = httpGet(srv.port(), "/hello.txt");
        assertTrue(file.startsWith("HTTP/1.1 200"), file);
        assertTrue(file.endsWith("hello file\n"), file);
        Call done = server.await(Reason.HTTP_FILE_COMPLETION);
        assertTrue(done.text().endsWith("hello.txt"), done.text());

        String teapot = httpGet(srv.port(), "/teapot");
        assertTrue(teapot.startsWith("HTTP/1.1 418"), teapot);
        assertTrue(teapot.endsWith("<p>short and stout</p>"), teapot);

        String written = httpGet(srv.port(), "/written");
        assertTrue(written.startsWith("HTTP/1.1 200"), written);
        assertTrue(written.toLowerCase(Locale.ROOT).contains("x-classic: 1"), written);
        assertTrue(written.endsWith("part one, part two"), written);

        assertTrue(httpGet(srv.port(), "/nothing").startsWith("HTTP/1.1 404"));
        // non-zero with no answer: the connection is dropped, as lws does
        AssertionError bye = assertThrows(AssertionError.class, () -> httpGet(srv.port(), "/bye"));
        assertTrue(bye.getMessage().contains("closed"), bye.getMessage());

        Call http = server.await(Reason.HTTP);
        assertEquals("GET", http.wsi().request().method());
        assertNull(http.wsi().connection());
        assertNull(http.user());
    }

    @Test
    void wrongUseThrowsClearly() throws Exception {
        LwsContext srv = startServer();
        Connection c = get(startClient().connect(request(srv)));
        Wsi w = clientHandler.wsi(c);
        byte[] b = utf8("x");
        assertThrows(IllegalArgumentException.class, () -> w.write(b, 2, WriteMode.TEXT));
        assertThrows(IllegalArgumentException.class, () -> w.write(b, 1, WriteMode.NO_FIN));
        assertThrows(IllegalArgumentException.class, () -> w.write(b, 1, WriteMode.PING, WriteMode.NO_FIN));
        assertThrows(IllegalArgumentException.class, () -> w.write(b, 1, WriteMode.TEXT, WriteMode.BINARY));
        assertThrows(IllegalArgumentException.class, () -> w.write(new byte[126], 126, WriteMode.PING));
        assertThrows(IllegalStateException.class, () -> w.write(b, 1, WriteMode.HTTP));
        assertThrows(IllegalStateException.class, () -> w.serveHttpFile("a", "text/plain"));
        assertThrows(IllegalStateException.class, () -> w.addHttpHeader("a", "b"));
        assertThrows(IllegalArgumentException.class, () -> w.closeReason(1005, ""));
        Wsi none = Wsi.none();
        assertThrows(IllegalStateException.class, () -> none.write(b, 1, WriteMode.TEXT));
        assertThrows(IllegalStateException.class, none::callbackOnWritable);
        assertThrows(IllegalStateException.class, () -> none.loadExtraVerifyCerts(Path.of("x")));
    }

    @Test
    void theReasonsOfTheClassicApiAreAllThere() {
        List<String> classic = List.of("ESTABLISHED", "CLIENT_CONNECTION_ERROR", "CLIENT_ESTABLISHED", "CLOSED",
                "BROADCAST", "RECEIVE", "RECEIVE_PONG", "CLIENT_RECEIVE", "CLIENT_RECEIVE_PONG", "HTTP",
                "HTTP_FILE_COMPLETION", "SERVER_WRITEABLE", "CLIENT_WRITEABLE", "FILTER_NETWORK_CONNECTION",
                "FILTER_PROTOCOL_CONNECTION", "OPENSSL_LOAD_EXTRA_CLIENT_VERIFY_CERTS",
                "OPENSSL_LOAD_EXTRA_SERVER_VERIFY_CERTS", "OPENSSL_PERFORM_CLIENT_CERT_VERIFICATION",
                "CLIENT_APPEND_HANDSHAKE_HEADER", "CONFIRM_EXTENSION_OKAY", "CLIENT_CONFIRM_EXTENSION_SUPPORTED",
                "ADD_POLL_FD", "DEL_POLL_FD", "SET_MODE_POLL_FD", "CLEAR_MODE_POLL_FD");
        List<String> names = Arrays.stream(Reason.values()).map(Enum::name).toList();
        assertEquals(classic, names);
    }

    /** A GET on a fresh connection; the response as text (status line, headers, body). */
    static String httpGet(int port, String path) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout((int) WAIT_MS);
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    fail("connection closed inside the response head: " + head);
                }
                head.write(b);
            }
            String h = head.toString(StandardCharsets.ISO_8859_1);
            int length = 0;
            for (String line : h.split("\r\n")) {
                if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                    length = Integer.parseInt(line.substring(15).trim());
                }
            }
            byte[] body = in.readNBytes(length);
            assertEquals(length, body.length, "body shorter than content-length");
            return h + new String(body, StandardCharsets.UTF_8);
        }
    }
}
