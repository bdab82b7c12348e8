package io.lwsj;

import static io.lwsj.Hostile.closePayload;
import static io.lwsj.Hostile.concat;
import static io.lwsj.Hostile.frame;
import static io.lwsj.Hostile.masked;
import static io.lwsj.Waits.poll;
import static io.lwsj.Waits.sleep;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.Test;

/**
 * The configurable limits, each at a small value so that it can be reached: maximum
 * connections, message size, header size, handshake timeout, keepalive pings with
 * the hang-up of a peer that does not answer them.
 */
class LimitsTest extends ServerTestSupport {
    private final BlockingQueue<Hostile.Closed> closed = new LinkedBlockingQueue<>();

    LwsContext start(LwsContext.Builder b) {
        return track(b.build()).start();
    }

    Protocol<Void> echo() {
        return Hostile.recordingEcho("echo", closed);
    }

    // ---- maximum connections ------------------------------------------------------

    /**
     * Beyond maxConnections a new client is refused cleanly: an HTTP 503 instead of the
     * upgrade, or the upgrade followed at once by a close frame with 1013 (try again
     * later); never a silent drop. The connections already open keep working, and a
     * freed slot is taken by the next client.
     */
    @Test
    void connectionsBeyondTheLimitAreRefusedCleanly() throws IOException {
        LwsContext ctx = start(localhost().maxConnections(3).protocol(echo()));
        List<RawClient> in = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            in.add(rawHandshake(ctx, "echo"));
        }
        for (int attempt = 0; attempt < 5; attempt++) {
            try (RawClient extra = raw(ctx)) {
                String key = RawClient.newKey();
                extra.write(RawClient.upgradeRequest(ctx.port(), "/", key, "13", "echo", null));
                RawClient.Head h = extra.readHead();
                if (h == null) {
                    fail("refused without an answer: the connection was just closed");
                }
                if (h.status() == 101) {
                    RawClient.Frame f;
                    try {
                        f = extra.readFrame();
                    } catch (IOException e) {
                        fail("upgraded and then dropped without a close frame (" + e + ")");
                        return;
                    }
                    assertEquals(0x8, f.opcode(), "upgraded beyond the limit and not closed");
                    assertEquals(1013, f.closeCode(), "close code for a full server");
                } else {
                    assertEquals(503, h.status(), h.statusLine());
                }
            }
        }
        for (int i = 0; i < 3; i++) {
            in.get(i).sendText("still " + i);
            assertEquals("still " + i, in.get(i).readFrame().text());
        }
        in.get(0).sendFrame(0x8, true, closePayload(1000, new byte[0]));
        Hostile.assertCloseAnswer(in.get(0), 1000, "close");
        assertEquals(1000, poll(closed, "onClosed").code());
        try (RawClient next = RawClient.handshake(ctx.port(), "echo")) {
            next.sendText("took the freed slot");
            assertEquals("took the freed slot", next.readFrame().text());
        }
    }

    // ---- message size ---------------------------------------------------------------

    @Test
    void aMessageOverMaxMessageSizeIsClosedWith1009AndOneAtItIsDelivered() throws IOException {
        Protocol<Void> p = Protocol.builder("echo", echo().handler()).maxMessageSize(1000).build();
        LwsContext ctx = start(localhost().protocol(p));
        try (RawClient c = rawHandshake(ctx, "echo")) {
            c.sendFrame(0x2, true, new byte[1000]);
            assertEquals(1000, c.readFrame().payload().length);
            // 1001 bytes in three fragments
            c.write(concat(masked(0x2, false, new byte[400]), masked(0x0, false, new byte[400]),
                    masked(0x0, true, new byte[201])));
            Hostile.assertFailsWith(c, CloseCodes.MESSAGE_TOO_BIG, "1001 bytes");
        }
        poll(closed, "onClosed");
    }

    // ---- header size ----------------------------------------------------------------

    @Test
    void headersOverMaxHeaderBytesAreRefusedAndHeadersUnderItUpgrade() throws IOException {
        LwsContext ctx = start(localhost().maxHeaderBytes(2048).protocol(echo()));
        String small = RawClient.upgradeRequest(ctx.port(), "/", RawClient.newKey(), "13", "echo",
                java.util.Map.of("X-Pad", "p".repeat(1200)));
        try (RawClient c = raw(ctx)) {
            c.write(small);
            assertEquals(101, c.readHead().status(), "1.2 kB of headers under a 2 kB bound");
        }
        String big = RawClient.upgradeRequest(ctx.port(), "/", RawClient.newKey(), "13", "echo",
                java.util.Map.of("X-Pad", "p".repeat(3000)));
        try (RawClient c = raw(ctx)) {
            Hostile.writeQuietly(c, big.getBytes(StandardCharsets.ISO_8859_1));
            Hostile.assertHttpRefusal(c, 0, true, "3 kB of headers over a 2 kB bound");
        }
        client(ctx, "echo").assertEchoes("served");
        assertThrows(IllegalArgumentException.class, () -> LwsContext.builder().maxHeaderBytes(100));
        assertThrows(IllegalArgumentException.class, () -> LwsContext.builder().maxHeaderBytes(70_000));
    }

    // ---- handshake timeout --------------------------------------------------------------

    @Test
    void silentAndHalfSentHandshakesAreCutAtTheHandshakeTimeout() throws IOException {
        LwsContext ctx = start(localhost().handshakeTimeout(Duration.ofSeconds(1)).protocol(echo()));
        for (String sent : new String[] {"", "GET / HTTP/1.1\r\nHost: x\r\n"}) {
            try (RawClient c = raw(ctx)) {
                c.socket.setSoTimeout(6000);
                if (!sent.isEmpty()) {
                    c.write(sent);
                }
                long t0 = System.nanoTime();
                try {
                    int b = c.in.read();
                    assertEquals(-1, b, "the server answered a half request");
                } catch (SocketException e) {
                    // reset: closed too
                } catch (SocketTimeoutException e) {
                    fail("still open after 6 s with a 1 s handshake timeout (sent '" + sent.trim() + "')");
                }
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertTrue(ms >= 500 && ms < 4_000, "cut after " + ms + " ms with a 1 s timeout");
            }
        }
        client(ctx, "echo").assertEchoes("served");
        assertThrows(IllegalArgumentException.class, () -> LwsContext.builder().handshakeTimeout(Duration.ZERO));
    }

    // ---- keepalive ------------------------------------------------------------------

    /**
     * keepalive(1 s, 3 s): a peer gets a ping after about a second; one that never
     * answers is hung up about 3 s after the last pong (here: the start), and the
     * handler hears of it promptly.
     */
    @Test
    void aPeerThatDoesNotAnswerPingsIsHungUp() throws IOException {
        LwsContext ctx = start(localhost().keepalive(Duration.ofSeconds(1), Duration.ofSeconds(3)).protocol(echo()));
        long t0 = System.nanoTime();
        try (RawClient c = rawHandshake(ctx, "echo")) {
            c.socket.setSoTimeout(8000);
            RawClient.Frame f = c.readFrame();
            long pingMs = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(0x9, f.opcode(), "expected a keepalive ping");
            assertTrue(pingMs >= 500 && pingMs < 2_500, "first ping after " + pingMs + " ms (interval 1 s)");
            // never answer: the server hangs up
            try {
                byte[] rest = c.readToEof();
                for (int i = 0; i + 1 < rest.length; ) { // only pings (and a close) may come
                    int op = rest[i] & 0xf;
                    assertTrue(op == 0x9 || op == 0x8, "unexpected opcode " + op);
                    i += 2 + (rest[i + 1] & 0x7f);
                }
            } catch (SocketException e) {
                // reset
            } catch (SocketTimeoutException e) {
                fail("a peer that never answers pings was not hung up within 8 s (idle timeout 3 s)");
            }
            long hupMs = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(hupMs >= 2_500 && hupMs < 5_000, "hung up after " + hupMs + " ms (idle timeout 3 s)");
        }
        Hostile.Closed seen = poll(closed, 2_000, "onClosed within 2 s of the hang-up");
        assertNotEquals(1000, seen.code());
    }

    /** A peer that answers the pings (the JDK client does) stays connected past the idle timeout. */
    @Test
    void aPeerThatAnswersPingsStays() {
        LwsContext ctx = start(localhost().keepalive(Duration.ofSeconds(1), Duration.ofSeconds(2)).protocol(echo()));
        WsTestClient c = client(ctx, "echo");
        sleep(4_500);
        assertFalse(c.ended.isDone(), "a peer answering pings was closed: " + c.ended.getNow(null));
        assertTrue(c.pings.size() >= 2, "pings seen: " + c.pings.size());
        c.assertEchoes("still here");
        assertTrue(closed.isEmpty(), "onClosed: " + closed);
    }

    /**
     * keepalive(0, 3 s): "zero turns the ping off". Either the builder refuses the
     * combination, or no pings are sent; never a ping storm (lws, given a ping interval
     * of 0 s, pings again the moment each pong arrives).
     */
    @Test
    void aZeroPingIntervalSendsNoPings() {
        LwsContext ctx;
        try {
            ctx = start(localhost().protocol(echo()).keepalive(Duration.ZERO, Duration.ofSeconds(3)));
        } catch (IllegalArgumentException refused) {
            return; // refusing it is fine too
        }
        WsTestClient c = client(ctx, "echo");
        sleep(1_500);
        assertTrue(c.pings.size() <= 1, c.pings.size() + " pings in 1.5 s with a ping interval of 0 (off)");
        c.assertEchoes("still here");
    }

    /** keepalive(2 s, 0): a ping interval without an idle timeout still pings. */
    @Test
    void aPingIntervalWithoutAnIdleTimeoutStillPings() {
        LwsContext ctx;
        try {
            ctx = start(localhost().protocol(echo()).keepalive(Duration.ofSeconds(1), Duration.ZERO));
        } catch (IllegalArgumentException refused) {
            return; // refusing it is fine too
        }
        WsTestClient c = client(ctx, "echo");
        poll(c.pings, 4_000, "a keepalive ping within 4 s (interval 1 s)");
        sleep(2_000);
        assertFalse(c.ended.isDone(), "closed without an idle timeout: " + c.ended.getNow(null));
    }

    /**
     * A peer that stops answering and never closes its end: the server hangs up (the
     * keepalive), half-closes, waits handshakeTimeout for the peer's FIN and then drops
     * the connection from a timer. The handler must hear of it then, not whenever the
     * next network event happens to wake the service loop.
     */
    @Test
    void aPeerThatNeverClosesItsEndIsReportedClosedFromTheTimer() throws IOException {
        LwsContext ctx = start(localhost().handshakeTimeout(Duration.ofSeconds(1))
                .keepalive(Duration.ofSeconds(1), Duration.ofSeconds(2)).protocol(echo()));
        try (RawClient c = rawHandshake(ctx, "echo")) {
            c.socket.setSoTimeout(8000);
            try {
                c.readToEof(); // pings, then the server's FIN; this end stays open
            } catch (SocketException e) {
                // reset: also the end
            }
            long t0 = System.nanoTime();
            Hostile.Closed seen = poll(closed, 5_000, "onClosed within 5 s of the server's hang-up");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertNotEquals(1000, seen.code());
            assertTrue(ms < 5_000, "onClosed " + ms + " ms after the hang-up");
        }
    }

    @Test
    void keepaliveArgumentsAreChecked() {
        LwsContext.Builder b = LwsContext.builder();
        assertThrows(IllegalArgumentException.class, () -> b.keepalive(Duration.ofSeconds(5), Duration.ofSeconds(5)));
        assertThrows(IllegalArgumentException.class, () -> b.keepalive(Duration.ofSeconds(-1), Duration.ofSeconds(5)));
        assertThrows(IllegalArgumentException.class, () -> b.keepalive(Duration.ofMillis(1500), Duration.ofSeconds(5)));
        assertThrows(IllegalArgumentException.class, () -> b.keepalive(Duration.ofSeconds(1), Duration.ofSeconds(70_000)));
    }
}
