package io.lwsj;

import static io.lwsj.Hostile.assertHttpRefusal;
import static io.lwsj.Waits.poll;
import static io.lwsj.Waits.sleep;
import static io.lwsj.Waits.waitUntil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.lwsj.internal.Internals;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

import static io.lwsj.Hostile.assertHttpRefusal;
import static io.lwsj.Waits.poll;
import static io.lwsj.Waits.sleep;
import static io.lwsj.Waits.waitUntil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;


/**
 * Malformed and hostile opening handshakes from raw sockets (RFC 6455 section 4.2). Each
 * gets the RFC's answer (an HTTP error status, never 101), the server goes on serving a
 * bystander connection and new clients, and no fd or connection is left behind.
 */
class HostileHandshakeTest extends HostileServerSupport {
    /** Half-sent handshakes are cut after 2 s, not the default. */
    @Override
    LwsContext.Builder server() {
        return localhost().handshakeTimeout(java.time.Duration.ofSeconds(2));
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    String request(String method, String version, Map<String, String> headers) {
        StringBuilder b = new StringBuilder();
        b.append(method).append(" / ").append(version).append("\r\n");
        headers.forEach((n, v) -> {
            if (v != null) {
                b.append(n).append(": ").append(v).append("\r\n");
            }
        });
        return b.append("\r\n").toString();
    }

    /** A valid upgrade's headers, in order; callers replace or remove (value null) some. */
    Map<String, String> validHeaders() {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Host", "127.0.0.1:" + ctx.port());
        h.put("Upgrade", "websocket");
        h.put("Connection", "Upgrade");
        h.put("Sec-WebSocket-Key", RawClient.newKey());
        h.put("Sec-WebSocket-Version", "13");
        h.put("Sec-WebSocket-Protocol", "echo");
        return h;
    }

    Map<String, String> with(String name, String value) {
        Map<String, String> h = validHeaders();
        h.put(name, value);
        return h;
    }

    /** Sends the request on a new connection and expects this HTTP status (0: any error). */
    RawClient.Head expectStatus(String request, int status, String what) throws IOException {
        try (RawClient c = raw(ctx)) {
            Hostile.writeQuietly(c, ascii(request));
            return assertHttpRefusal(c, status, false, what);
        }
    }

    /** Sends bytes and expects an HTTP error or the connection closed, never 101. */
    void expectRefusedOrClosed(byte[] bytes, String what) throws IOException {
        try (RawClient c = raw(ctx)) {
            Hostile.writeQuietly(c, bytes);
            assertHttpRefusal(c, 0, true, what);
        }
    }

    // ---- the control case ---------------------------------------------------------

    @Test
    void aValidRequestWithTheseHelpersUpgrades() throws IOException {
        String key = RawClient.newKey();
        try (RawClient c = raw(ctx)) {
            c.write(request("GET", "HTTP/1.1", with("Sec-WebSocket-Key", key)));
            RawClient.Head h = c.readHead();
            assertEquals(101, h.status(), h.statusLine());
            assertEquals(RawClient.acceptFor(key), h.header("sec-websocket-accept"));
        }
        poll(closed, "onClosed");
    }

    // ---- not HTTP -------------------------------------------------------------------

    @Test
    void garbageInsteadOfHttpIsRefusedOrClosed() throws IOException {
        Random r = new Random(8);
        for (int i = 0; i < 10; i++) {
            byte[] g = new byte[1 + r.nextInt(2000)];
            r.nextBytes(g);
            expectRefusedOrClosed(g, "random bytes #" + i);
        }
        expectRefusedOrClosed(new byte[4096], "NUL bytes");
        expectRefusedOrClosed(ascii("\r\n\r\n\r\n\r\n"), "empty lines");
        expectRefusedOrClosed(ascii("GET\r\n\r\n"), "no path, no version");
        expectRefusedOrClosed(ascii("GET / HTTP/9.9\r\nHost: x\r\n\r\n"), "unknown HTTP version");
        expectRefusedOrClosed(ascii("GET /" + "a".repeat(70_000) + " HTTP/1.1\r\n\r\n"), "70 kB request line");
        expectRefusedOrClosed(ascii("GET / HTTP/1.1\r\nno colon here\r\n\r\n"), "header without a colon");
        // a TLS ClientHello on the plain port
        expectRefusedOrClosed(Hostile.bytes(0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03),
                "TLS ClientHello");
    }

    // ---- RFC 6455 4.2.1 ---------------------------------------------------------------

    @Test
    void missingOrMalformedSecWebSocketKeyIs400() throws IOException {
        expectStatus(request("GET", "HTTP/1.1", with("Sec-WebSocket-Key", null)), 400, "no key");
        expectStatus(request("GET", "HTTP/1.1", with("Sec-WebSocket-Key", "")), 400, "empty key");
        expectStatus(request("GET", "HTTP/1.1", with("Sec-WebSocket-Key", "c2hvcnQ=")), 400, "short key");
        expectStatus(request("GET", "HTTP/1.1", with("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==AAAA")), 400,
                "long key");
        // 24 characters, but not the base64 of 16 bytes
        expectStatus(request("GET", "HTTP/1.1", with("Sec-WebSocket-Key", "!!!!!!!!!!!!!!!!!!!!!!!!")), 400,
                "24 characters that are not base64");
        expectStatus(request("GET", "HTTP/1.1", with("Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAAAAAA")), 400,
                "24 base64 characters without padding (18 bytes)");
    }

    @Test
    void wrongOrMissingSecWebSocketVersionIs426WithTheVersionWeSpeak() throws IOException {
        for (String v : new String[] {"8", "12", "14", "13, 8", "banana", "-13", ""}) {
            RawClient.Head h = expectStatus(request("GET", "HTTP/1.1", with("Sec-WebSocket-Version", v)), 426,
                    "version '" + v + "'");
            assertEquals("13", h.header("sec-websocket-version"), "426 must name the version (4.4)");
        }
        RawClient.Head h = expectStatus(request("GET", "HTTP/1.1", with("Sec-WebSocket-Version", null)), 0,
                "no version");
        assertTrue(h.status() == 400 || h.status() == 426, h.statusLine());
    }

    @Test
    void methodsOtherThanGetAreRefused() throws IOException {
        for (String m : new String[] {"POST", "PUT", "DELETE", "OPTIONS", "PATCH", "HEAD"}) {
            expectRefusedOrClosed(ascii(request(m, "HTTP/1.1", validHeaders())), m);
        }
    }

    @Test
    void http10AndMissingHostAreRefused() throws IOException {
        expectRefusedOrClosed(ascii(request("GET", "HTTP/1.0", validHeaders())), "HTTP/1.0");
        expectStatus(request("GET", "HTTP/1.1", with("Host", null)), 400, "no Host");
    }

    @Test
    void withoutUpgradeOrConnectionHeadersThereIsNoUpgrade() throws IOException {
        expectRefusedOrClosed(ascii(request("GET", "HTTP/1.1", with("Upgrade", null))), "no Upgrade");
        expectRefusedOrClosed(ascii(request("GET", "HTTP/1.1", with("Upgrade", "h2c"))), "Upgrade: h2c");
        expectRefusedOrClosed(ascii(request("GET", "HTTP/1.1", with("Connection", null))), "no Connection");
        expectRefusedOrClosed(ascii(request("GET", "HTTP/1.1", with("Connection", "keep-alive"))),
                "Connection without upgrade");
    }

    // ---- size and timing --------------------------------------------------------------

    @Test
    void hugeHeaderBlocksAreRefused() throws IOException {
        Map<String, String> one = validHeaders();
        one.put("X-Huge", "h".repeat(64 * 1024));
        expectRefusedOrClosed(ascii(request("GET", "HTTP/1.1", one)), "one 64 KiB header");
        Map<String, String> many = validHeaders();
        for (int i = 0; i < 2000; i++) {
            many.put("X-Many-" + i, "v".repeat(40));
        }
        expectRefusedOrClosed(ascii(request("GET", "HTTP/1.1", many)), "2000 headers");
        // the default bound is 8 KiB: 6 KiB of headers still upgrade
        Map<String, String> fine = validHeaders();
        fine.put("X-Fine", "f".repeat(6 * 1024));
        try (RawClient c = raw(ctx)) {
            c.write(request("GET", "HTTP/1.1", fine));
            assertEquals(101, c.readHead().status());
        }
        poll(closed, "onClosed");
    }

    /** Reads one HTTP answer, body included; fails if the server closed instead. */
    static RawClient.Head answer(RawClient c, String what) throws IOException {
        RawClient.Head h = c.readHead();
        if (h == null) {
            fail(what + ": the connection closed instead of answering");
        }
        c.readBody(h);
        return h;
    }

    /**
     * libwebsockets 4.3.5 answered an unknown Upgrade 403, gave the header table back, and
     * went on reading the Upgrade value from it (a use after free, lws patch 0110): it then
     * took the request for plain HTTP and answered it a second time.
     */
    @Test
    void unknownUpgradeOnAKeepAliveConnectionIsAnswered403Once() throws IOException {
        try (RawClient c = raw(ctx)) {
            String host = "Host: 127.0.0.1:" + ctx.port() + "\r\n";
            c.write("GET /first HTTP/1.1\r\n" + host + "\r\n");
            int first = answer(c, "a plain GET").status();
            c.write("GET /second HTTP/1.1\r\n" + host + "Upgrade: foo\r\nConnection: Upgrade\r\n\r\n");
            assertEquals(403, answer(c, "Upgrade: foo").status());
            c.write("GET /third HTTP/1.1\r\n" + host + "\r\n");
            assertEquals(first, answer(c, "the request after it").status(),
                    "the third answer is not the third request's: the second was answered twice");
        }
    }

    /**
     * A '?' or '&' that lands right at the header table's end made libwebsockets start a
     * fragment past it (lws patch 0114; ASan reports the write without it). Every position
     * around the 8 KiB bound is tried; each request is refused or answered, none crashes.
     */
    @Test
    void separatorsAtTheHeaderLimitAreRefusedCleanly() throws IOException {
        for (String sep : new String[] {"?", "&", ";"}) {
            for (int n = 8192 - 40; n <= 8192 + 8; n++) {
                String target = "/" + "p".repeat(n) + (sep.equals("?") ? "?" : "?a=1" + sep) + "b=2";
                try (RawClient c = raw(ctx)) {
                    Hostile.writeQuietly(c, ascii("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n"));
                    try {
                        RawClient.Head h = c.readHead();
                        assertTrue(h == null || h.status() != 101, "upgraded a plain request");
                    } catch (SocketException e) {
                        // reset: refused
                    }
                }
            }
        }
    }

    /** TCP may cut a request anywhere: one byte per write still upgrades, and echoes. */
    @Test
    void aRequestSentOneByteAtATimeUpgrades() throws IOException {
        String key = RawClient.newKey();
        byte[] req = ascii(request("GET", "HTTP/1.1", with("Sec-WebSocket-Key", key)));
        try (RawClient c = raw(ctx)) {
            for (byte b : req) {
                c.out.write(b);
                c.out.flush();
                sleep(1);
            }
            RawClient.Head h = c.readHead();
            assertEquals(101, h.status(), h.statusLine());
            assertEquals(RawClient.acceptFor(key), h.header("sec-websocket-accept"));
            // and a frame split into single bytes too
            for (byte b : RawClient.encodeClientFrame(0x1, true, "split".getBytes(StandardCharsets.UTF_8))) {
                c.out.write(b);
                c.out.flush();
            }
            assertEquals("split", c.readFrame().text());
        }
        poll(closed, "onClosed");
    }

    /** A frame in the same packet as the request is not lost. */
    @Test
    void aFrameSentWithTheRequestIsProcessed() throws IOException {
        byte[] req = ascii(request("GET", "HTTP/1.1", validHeaders()));
        try (RawClient c = raw(ctx)) {
            c.write(Hostile.concat(req, RawClient.encodeClientFrame(0x1, true, "early".getBytes(StandardCharsets.UTF_8))));
            assertEquals(101, c.readHead().status());
            assertEquals("early", c.readFrame().text());
        }
        poll(closed, "onClosed");
    }

    /** Connections closed (or reset) anywhere in the handshake leave nothing behind. */
    @Test
    void connectionsClosedMidHandshakeLeaveNothingBehind() throws IOException {
        byte[] req = ascii(request("GET", "HTTP/1.1", validHeaders()));
        Random r = new Random(42);
        for (int i = 0; i < 200; i++) {
            Socket s = new Socket();
            s.connect(new InetSocketAddress("127.0.0.1", ctx.port()), 5000);
            if (i % 2 == 0) {
                s.setSoLinger(true, 0); // a reset instead of a FIN
            }
            int cut = r.nextInt(req.length);
            s.getOutputStream().write(req, 0, cut);
            s.getOutputStream().flush();
            s.close();
        }
        // and after a complete request, before reading the answer
        for (int i = 0; i < 50; i++) {
            Socket s = new Socket();
            s.connect(new InetSocketAddress("127.0.0.1", ctx.port()), 5000);
            s.setSoLinger(true, 0);
            s.getOutputStream().write(req);
            s.close();
        }
        // some of those may have been established before the reset: they close as 1006
        waitUntil(() -> Internals.openConnections(ctx) <= 1, "the half-made connections to go");
        closed.clear();
    }

    /**
     * Slowloris: many connections sending a partial request very slowly. Each is closed
     * once the handshake timeout (2 s here) has passed, however it trickles, and a real
     * client is served while they are there.
     */
    @Test
    void slowlorisConnectionsAreCutAtTheHandshakeTimeout() throws Exception {
        int n = 60;
        List<Socket> slow = new ArrayList<>();
        byte[] req = ascii(request("GET", "HTTP/1.1", validHeaders()));
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            Socket s = new Socket();
            s.connect(new InetSocketAddress("127.0.0.1", ctx.port()), 5000);
            s.setSoTimeout(100);
            slow.add(s);
        }
        int[] sent = new int[n];
        boolean[] gone = new boolean[n];
        int goneCount = 0;
        boolean servedDuringAttack = false;
        // one byte per connection every 250 ms: the whole request would take ~40 s
        while (goneCount < n && System.nanoTime() - t0 < 10_000_000_000L) {
            for (int i = 0; i < n; i++) {
                if (gone[i]) {
                    continue;
                }
                try {
                    slow.get(i).getOutputStream().write(req[sent[i]++ % req.length]);
                    if (slow.get(i).getInputStream().read() < 0) {
                        gone[i] = true;
                        goneCount++;
                    }
                } catch (SocketTimeoutException e) {
                    // still open
                } catch (IOException e) {
                    gone[i] = true;
                    goneCount++;
                }
            }
            if (!servedDuringAttack) {
                try (WsTestClient w = WsTestClient.connect(ctx.port(), "echo")) {
                    w.assertEchoes("served during the attack");
                }
                servedDuringAttack = true;
            }
            sleep(250);
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        for (Socket s : slow) {
            s.close();
        }
        assertTrue(servedDuringAttack);
        assertEquals(n, goneCount, "slow connections still open after " + ms + " ms");
        assertTrue(ms < 8_000, "the slow connections were cut only after " + ms + " ms (timeout 2 s)");
        poll(closed, "onClosed of the client served during the attack");
    }

    /**
     * What any peer can send at will must not reach the server's log as warnings or
     * errors (lwsj passes lws's err and warn lines to SLF4J by default): a log flood is
     * a denial of service too.
     */
    @Test
    void badRequestsAreNotLoggedAsWarningsOrErrors() throws IOException {
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        java.io.PrintStream tee = new java.io.PrintStream(new java.io.OutputStream() {
            @Override
            public void write(int b) {
                captured.write(b);
                err.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                captured.write(b, off, len);
                err.write(b, off, len);
            }
        }, true, StandardCharsets.UTF_8);
        System.setErr(tee);
        try {
            Map<String, String> many = validHeaders();
            for (int i = 0; i < 2000; i++) {
                many.put("X-Many-" + i, "v".repeat(40));
            }
            Map<String, String> big = validHeaders();
            big.put("X-Big", "b".repeat(20_000));
            String[] bad = {
                request("GET", "HTTP/1.1", with("Connection", "keep-alive, foo")),
                request("GET", "HTTP/1.1", with("Sec-WebSocket-Protocol", ",,, ,")),
                request("GET", "HTTP/1.1", with("Sec-WebSocket-Protocol", "p".repeat(200))),
                request("GET", "HTTP/1.1", with("Sec-WebSocket-Version", "8")),
                request("GET", "HTTP/1.1", with("Sec-WebSocket-Key", "short")),
                request("GET", "HTTP/1.1", many),
                request("GET", "HTTP/1.1", big),
                "GET /a\u0000b HTTP/1.1\r\nHost: x\r\n\r\n",
                "GET GET / HTTP/1.1\r\nHost: x\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\nHost: z\r\n\r\n",
            };
            for (int i = 0; i < bad.length; i++) {
                expectRefusedOrClosed(ascii(bad[i]), "bad request #" + i);
            }
            // and a few hostile frames
            for (byte[] f : new byte[][] {Hostile.frame(0x81, null, 1, new byte[1]),
                    Hostile.frame(0x89, Hostile.mask(), 200, new byte[200]),
                    Hostile.frame(0x82, Hostile.mask(), -1L, new byte[4])}) {
                try (RawClient c = raw(ctx)) {
                    c.upgrade(ctx.port(), "echo");
                    Hostile.writeQuietly(c, f);
                    c.readToEof();
                } catch (IOException e) {
                    // reset
                }
                poll(closed, "onClosed");
            }
            sleep(200); // the service thread logs after the client has seen the end
        } finally {
            System.setErr(err);
        }
        List<String> loud = new ArrayList<>();
        for (String line : captured.toString(StandardCharsets.UTF_8).split("\n")) {
            if (line.contains("io.lwsj.libwebsockets") && (line.contains("WARN") || line.contains("ERROR"))) {
                loud.add(line);
            }
        }
        assertTrue(loud.isEmpty(), "bad input logged as warnings or errors:\n" + String.join("\n", loud));
    }

    /** An extension that changes nothing, to have many of them. */
    record Identity(String name) implements Extension<Object> {
        @Override
        public Object construct(boolean clientSide) {
            return new Object();
        }
    }

    /**
     * A server with many extensions, offered all of them: it accepts no more than a
     * connection can hold (lws writes past its array otherwise), and the connection works.
     */
    @Test
    void moreExtensionsOfferedThanAConnectionCanHoldAreNotAllAccepted() throws IOException {
        LwsContext.Builder b = localhost();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            names.add("x-id" + i);
            b.extension(new Identity("x-id" + i));
        }
        try (LwsContext multi = b.protocol(echo("echo")).build().start()) {
            offerAll(multi, names);
        }
    }

    void offerAll(LwsContext multi, List<String> names) throws IOException {
        for (int round = 0; round < 20; round++) {
            try (RawClient c = RawClient.connect(multi.port())) {
                String key = RawClient.newKey();
                c.write(RawClient.upgradeRequest(multi.port(), "/", key, "13", "echo",
                        Map.of("Sec-WebSocket-Extensions", String.join(", ", names))));
                RawClient.Head h = c.readHead();
                assertEquals(101, h.status(), h.statusLine());
                String accepted = h.header("sec-websocket-extensions");
                int n = accepted == null ? 0 : accepted.split(",").length;
                assertTrue(n < names.size(), "all " + n + " extensions accepted: " + accepted);
                c.sendText("with " + n + " extensions");
                assertEquals("with " + n + " extensions", c.readFrame().text());
            }
        }
    }

    /** An idle TCP connection that never sends a byte is also cut at the handshake timeout. */
    @Test
    void silentConnectionsAreCutAtTheHandshakeTimeout() throws IOException {
        try (RawClient c = raw(ctx)) {
            c.socket.setSoTimeout(8000);
            long t0 = System.nanoTime();
            try {
                int b = c.in.read();
                assertEquals(-1, b, "the server sent something to a silent connection");
            } catch (SocketException e) {
                // reset: also closed
            } catch (SocketTimeoutException e) {
                fail("a silent connection was still open after 8 s (timeout 2 s)");
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms >= 1_000 && ms < 6_000, "closed after " + ms + " ms");
        }
    }
}
