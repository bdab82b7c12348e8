package io.lwsj;

import static io.lwsj.TestData.asciiText;
import static io.lwsj.TestData.utf8;
import static io.lwsj.Waits.poll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lwsj.DeflateWire.WireMessage;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * User-defined extensions ({@link Extension}) with real peers: an XOR extension on an
 * lwsj server and an lwsj client, on the wire against a raw-socket client, refused by
 * construct returning null or by confirmExtension, and name validation.
 */
class ExtensionTest extends ClientTestKit {
    private static final String PROTO = "ext";
    private static final String NAME = "x-xor";

    /** XORs every payload byte with a key (its own inverse), counting what it sees. */
    static class Xor implements Extension<Xor.State> {
        static final class State {
            final boolean clientSide;
            final AtomicInteger rxCalls = new AtomicInteger();
            final AtomicInteger txCalls = new AtomicInteger();
            final AtomicLong rxBytes = new AtomicLong();
            final AtomicLong txBytes = new AtomicLong();
            final AtomicInteger destroys = new AtomicInteger();

            State(boolean clientSide) {
                this.clientSide = clientSide;
            }

            @Override
            public String toString() {
                return (clientSide ? "client" : "server") + " rx " + rxCalls + "/" + rxBytes + " tx " + txCalls + "/"
                        + txBytes + " destroys " + destroys;
            }
        }

        final String name;
        final byte key;
        final BlockingQueue<Boolean> constructs = new LinkedBlockingQueue<>();
        final BlockingQueue<State> destroyed = new LinkedBlockingQueue<>();
        final List<State> states = new ArrayList<>();
        volatile boolean refuse;

        Xor(String name, int key) {
            this.name = name;
            this.key = (byte) key;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public State construct(boolean clientSide) {
            constructs.add(clientSide);
            if (refuse) {
                return null;
            }
            State s = new State(clientSide);
            synchronized (states) {
                states.add(s);
            }
            return s;
        }

        @Override
        public void destroy(State s) {
            s.destroys.incrementAndGet();
            destroyed.add(s);
        }

        @Override
        public void payloadReceived(State s, ByteBuffer payload) {
            s.rxCalls.incrementAndGet();
            s.rxBytes.addAndGet(payload.remaining());
            xor(payload, key);
        }

        @Override
        public void payloadToSend(State s, ByteBuffer payload) {
            s.txCalls.incrementAndGet();
            s.txBytes.addAndGet(payload.remaining());
            xor(payload, key);
        }

        State only() {
            synchronized (states) {
                assertEquals(1, states.size(), name + ": states made " + states);
                return states.get(0);
            }
        }

        static void xor(ByteBuffer b, byte key) {
            for (int i = b.position(); i < b.limit(); i++) {
                b.put(i, (byte) (b.get(i) ^ key));
            }
        }

        static byte[] xor(byte[] b, byte key) {
            byte[] o = b.clone();
            for (int i = 0; i < o.length; i++) {
                o[i] ^= key;
            }
            return o;
        }
    }

    private LwsContext server(Recorder rec, Extension<?>... extensions) {
        LwsContext.Builder b = loopbackServer();
        for (Extension<?> e : extensions) {
            b.extension(e);
        }
        return track(b.protocol(protocol(PROTO, rec)).build()).start();
    }

    private Connection client(int port, Recorder rec, Extension<?>... extensions) {
        LwsContext.Builder b = clientOnly();
        for (Extension<?> e : extensions) {
            b.extension(e);
        }
        LwsContext cli = track(b.protocol(protocol(PROTO, rec)).build()).start();
        return connected(cli.connect(ClientRequest.to("127.0.0.1", port, "/", false).build()), "lwsj client");
    }

    private static String extensionsOf(Connection c) {
        List<String> v = c.responseHeaders().get("sec-websocket-extensions");
        return v == null || v.isEmpty() ? null : String.join(",", v);
    }

    static byte[] binaryData(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 7 + (i >>> 9));
        }
        return b;
    }

    /** Nothing more arrives in q for a short while. */
    static void assertQuiet(BlockingQueue<?> q, String what) throws InterruptedException {
        Object o = q.poll(100, TimeUnit.MILLISECONDS);
        assertNull(o, what + ": unexpected " + o);
    }

    private static void roundTripSmall(Connection c, Recorder client, Recorder server, Xor.State cs, Xor.State ss,
                                       boolean binary, int n) {
        int ctx0 = cs.txCalls.get();
        int crx0 = cs.rxCalls.get();
        int stx0 = ss.txCalls.get();
        int srx0 = ss.rxCalls.get();
        Object sent;
        if (binary) {
            byte[] b = binaryData(n);
            sent = b;
            assertTrue(c.sendBinary(b));
        } else {
            String t = asciiText(n);
            sent = t;
            assertTrue(c.sendText(t));
        }
        Object atServer = poll(server.messages, "server gets " + describe(sent));
        Object back = poll(client.messages, "echo of " + describe(sent));
        if (binary) {
            assertArrayEquals((byte[]) sent, (byte[]) atServer, "server got " + describe(sent));
            assertArrayEquals((byte[]) sent, (byte[]) back, "echo of " + describe(sent));
        } else {
            assertEquals(sent, atServer);
            assertEquals(sent, back);
        }
        String what = describe(sent) + ": ";
        assertEquals(1, cs.txCalls.get() - ctx0, what + "client payloadToSend calls");
        assertEquals(1, ss.rxCalls.get() - srx0, what + "server payloadReceived calls");
        assertEquals(1, ss.txCalls.get() - stx0, what + "server payloadToSend calls");
        assertEquals(1, cs.rxCalls.get() - crx0, what + "client payloadReceived calls");
    }

    // ---- lwsj server and lwsj client ------------------------------------------------

    @Test
    void xorExtensionOnBothLwsjSides() throws Exception {
        Xor serverExt = new Xor(NAME, 0x5a);
        Xor clientExt = new Xor(NAME, 0x5a);
        Recorder srvRec = new Recorder().echoing();
        LwsContext srv = server(srvRec, serverExt);
        Recorder cliRec = new Recorder();
        Connection c = client(srv.port(), cliRec, clientExt);

        assertEquals(NAME, extensionsOf(c), "the 101's Sec-WebSocket-Extensions");
        assertEquals(NAME, poll(srvRec.handshakes, "server handshake").header("sec-websocket-extensions"),
                "the lwsj client's offer (Extension.clientOffer defaults to the name)");
        assertEquals(Boolean.FALSE, poll(serverExt.constructs, "server construct"), "server construct(clientSide)");
        assertEquals(Boolean.TRUE, poll(clientExt.constructs, "client construct"), "client construct(clientSide)");
        Xor.State ss = serverExt.only();
        Xor.State cs = clientExt.only();
        assertFalse(ss.clientSide);
        assertTrue(cs.clientSide);

        for (int n : new int[] {1, 125, 1000}) {
            roundTripSmall(c, cliRec, srvRec, cs, ss, false, n);
            roundTripSmall(c, cliRec, srvRec, cs, ss, true, n);
        }
        // empty and large messages survive; every payload byte passes each callback once
        for (int n : new int[] {0, 65536, 1024 * 1024}) {
            long ctx0 = cs.txBytes.get();
            long crx0 = cs.rxBytes.get();
            long stx0 = ss.txBytes.get();
            long srx0 = ss.rxBytes.get();
            String t = asciiText(n);
            assertTrue(c.sendText(t));
            assertEquals(t, poll(srvRec.messages, "server gets text(" + n + ")"));
            assertEquals(t, poll(cliRec.messages, "echo of text(" + n + ")"));
            byte[] b = binaryData(n);
            assertTrue(c.sendBinary(b));
            assertArrayEquals(b, (byte[]) poll(srvRec.messages, "server gets binary(" + n + ")"));
            assertArrayEquals(b, (byte[]) poll(cliRec.messages, "echo of binary(" + n + ")"));
            assertEquals(2L * n, cs.txBytes.get() - ctx0, n + ": bytes through the client's payloadToSend " + cs);
            assertEquals(2L * n, ss.rxBytes.get() - srx0, n + ": bytes through the server's payloadReceived " + ss);
            assertEquals(2L * n, ss.txBytes.get() - stx0, n + ": bytes through the server's payloadToSend " + ss);
            assertEquals(2L * n, cs.rxBytes.get() - crx0, n + ": bytes through the client's payloadReceived " + cs);
        }
        assertEquals(0, ss.destroys.get(), "destroy before close");
        assertEquals(0, cs.destroys.get(), "destroy before close");

        // close frames are not the extension's: code and reason arrive intact
        c.close(CloseCodes.NORMAL, "bye");
        Closed sc = poll(srvRec.closed, "server onClosed");
        assertEquals(1000, sc.code());
        assertEquals("bye", sc.reason());
        assertEquals(1000, poll(cliRec.closed, "client onClosed").code());
        assertTrue(ss == poll(serverExt.destroyed, "server destroy"), "server destroy gets the server's state");
        assertTrue(cs == poll(clientExt.destroyed, "client destroy"), "client destroy gets the client's state");
        assertQuiet(serverExt.destroyed, "second server destroy");
        assertQuiet(clientExt.destroyed, "second client destroy");
        assertEquals(1, ss.destroys.get());
        assertEquals(1, cs.destroys.get());
        assertQuiet(serverExt.constructs, "second server construct");
        assertQuiet(clientExt.constructs, "second client construct");
    }

    /**
     * An extension that keeps the payload buffer of one message and writes into it during
     * the next: it must not reach the next message. When the buffer was a view of
     * libwebsockets' receive buffer, which the next payload reuses, that write corrupted
     * the next message (and after the connection went, it wrote into freed memory).
     */
    @Test
    void aPayloadBufferKeptPastItsCallReachesNothingElse() throws Exception {
        ByteBuffer[] kept = new ByteBuffer[1];
        Xor keeping = new Xor(NAME, 0x5a) {
            @Override
            public void payloadReceived(State s, ByteBuffer payload) {
                if (kept[0] != null) {
                    ByteBuffer old = kept[0].duplicate();
                    old.clear();
                    while (old.hasRemaining()) {
                        old.put((byte) '#'); // the earlier call's buffer, written late
                    }
                }
                super.payloadReceived(s, payload);
                kept[0] = payload;
            }
        };
        Recorder srvRec = new Recorder().echoing();
        LwsContext srv = server(srvRec, keeping);
        Recorder cliRec = new Recorder();
        Connection c = client(srv.port(), cliRec, new Xor(NAME, 0x5a));
        for (int i = 0; i < 5; i++) {
            String t = "message " + i + " " + asciiText(200 + i);
            assertTrue(c.sendText(t));
            assertEquals(t, poll(srvRec.messages, "server gets message " + i), "message " + i + " was changed");
            assertEquals(t, poll(cliRec.messages, "echo of message " + i));
        }
    }

    // ---- on the wire -------------------------------------------------------------------

    @Test
    void theWireCarriesTransformedBytes() throws Exception {
        byte key = 0x5a;
        Xor serverExt = new Xor(NAME, key);
        Recorder rec = new Recorder().echoing();
        LwsContext srv = server(rec, serverExt);
        RawClient c = closeLater(RawClient.connect(srv.port()));
        RawClient.Head h = DeflateWire.upgrade(c, srv.port(), PROTO, NAME);
        assertEquals(NAME, h.header("sec-websocket-extensions"));
        assertEquals(Boolean.FALSE, poll(serverExt.constructs, "server construct"));
        Xor.State ss = serverExt.only();

        for (int n : new int[] {1, 10, 125, 1000, 65536}) {
            String text = asciiText(n);
            byte[] wire = Xor.xor(utf8(text), key);
            int rx0 = ss.rxCalls.get();
            int tx0 = ss.txCalls.get();
            c.sendFrame(0x1, true, wire);
            assertEquals(text, poll(rec.messages, "server gets text(" + n + ")"), "the server's handler sees the original");
            WireMessage m = DeflateWire.readMessage(c);
            assertEquals(0x1, m.opcode());
            assertEquals(0, m.rsv(), "RSV bits of an extension that has none");
            assertArrayEquals(wire, m.payload(), "text(" + n + ") on the wire is the transformed bytes");
            if (n <= 1000) {
                assertEquals(1, ss.rxCalls.get() - rx0, "payloadReceived calls for text(" + n + ")");
                assertEquals(1, ss.txCalls.get() - tx0, "payloadToSend calls for text(" + n + ")");
            }

            byte[] bin = binaryData(n);
            c.sendFrame(0x2, true, Xor.xor(bin, key));
            assertArrayEquals(bin, (byte[]) poll(rec.messages, "server gets binary(" + n + ")"));
            m = DeflateWire.readMessage(c);
            assertEquals(0x2, m.opcode());
            assertArrayEquals(Xor.xor(bin, key), m.payload(), "binary(" + n + ") on the wire");
        }
        // a fragmented message: each fragment's payload is the extension's
        byte[] whole = utf8(asciiText(3000));
        byte[] x = Xor.xor(whole, key);
        c.sendFrame(0x1, false, java.util.Arrays.copyOfRange(x, 0, 1000));
        c.sendFrame(0x0, false, java.util.Arrays.copyOfRange(x, 1000, 2000));
        c.sendFrame(0x0, true, java.util.Arrays.copyOfRange(x, 2000, 3000));
        assertEquals(asciiText(3000), poll(rec.messages, "server gets the fragmented text"));
        assertArrayEquals(x, DeflateWire.readMessage(c).payload());

        // a close from the raw client: its code reaches the handler untouched, then destroy
        c.sendFrame(0x8, true, new byte[] {0x03, (byte) 0xe8, 'o', 'k'});
        Closed closed = poll(rec.closed, "server onClosed");
        assertEquals(1000, closed.code());
        assertEquals("ok", closed.reason());
        assertTrue(ss == poll(serverExt.destroyed, "destroy"));
        assertEquals(1, ss.destroys.get());
    }

    @Test
    void textIsValidatedAfterTheTransform() throws Exception {
        // with key 0xa5 every ASCII byte becomes >= 0x80: the wire is not UTF-8, the message is
        byte key = (byte) 0xa5;
        Xor serverExt = new Xor(NAME, key);
        Recorder rec = new Recorder().echoing();
        LwsContext srv = server(rec, serverExt);
        RawClient c = closeLater(RawClient.connect(srv.port()));
        assertEquals(NAME, DeflateWire.upgrade(c, srv.port(), PROTO, NAME).header("sec-websocket-extensions"));
        String text = "héllo, wörld " + asciiText(100);
        c.sendFrame(0x1, true, Xor.xor(utf8(text), key));
        assertEquals(text, poll(rec.messages, "server gets the text"));
        assertArrayEquals(Xor.xor(utf8(text), key), DeflateWire.readMessage(c).payload());

        Recorder cliRec = new Recorder();
        Connection lc = client(srv.port(), cliRec, new Xor(NAME, key));
        assertEquals(NAME, extensionsOf(lc));
        assertTrue(lc.sendText(text));
        assertEquals(text, poll(rec.messages, "server gets the lwsj client's text"));
        assertEquals(text, poll(cliRec.messages, "the lwsj client gets the echo"));
    }

    // ---- refusals ------------------------------------------------------------------------

    @Test
    void constructReturningNullRefusesTheExtension() throws Exception {
        Xor serverExt = new Xor(NAME, 0x5a);
        serverExt.refuse = true;
        Recorder rec = new Recorder().echoing();
        LwsContext srv = server(rec, serverExt);
        RawClient c = closeLater(RawClient.connect(srv.port()));
        RawClient.Head h = DeflateWire.upgrade(c, srv.port(), PROTO, NAME);
        assertNull(h.header("sec-websocket-extensions"), "construct said no, yet the 101 has "
                + h.header("sec-websocket-extensions"));
        assertEquals(Boolean.FALSE, poll(serverExt.constructs, "server construct"));
        c.sendText("plain");
        assertEquals("plain", poll(rec.messages, "server gets plain text"));
        WireMessage m = DeflateWire.readMessage(c);
        assertEquals("plain", new String(m.payload(), StandardCharsets.UTF_8), "untransformed echo");
        c.close();
        assertEquals(1006, poll(rec.closed, "raw client gone").code());
        assertQuiet(serverExt.destroyed, "destroy of a refused extension");

        // an lwsj client offering it goes on without it, untransformed
        Xor clientExt = new Xor(NAME, 0x5a);
        Recorder cliRec = new Recorder();
        Connection lc = client(srv.port(), cliRec, clientExt);
        assertNull(extensionsOf(lc));
        assertEquals(Boolean.FALSE, poll(serverExt.constructs, "server construct for the lwsj client"));
        assertTrue(lc.sendText("hello"));
        assertEquals("hello", poll(rec.messages, "server gets hello"));
        assertEquals("hello", poll(cliRec.messages, "echo"));
        assertQuiet(clientExt.constructs, "client construct without the server's consent");
    }

    @Test
    void confirmExtensionRefusesOneExtensionAndKeepsTheOther() throws Exception {
        Xor serverExt = new Xor(NAME, 0x5a);
        Recorder rec = new Recorder().echoing();
        rec.acceptExtension = name -> !name.equals(NAME);
        LwsContext srv = track(loopbackServer().extension(serverExt).permessageDeflate(PermessageDeflate.defaults())
                .protocol(Protocol.builder(PROTO, rec).confirmExtensions(true).build()).build()).start();
        RawClient c = closeLater(RawClient.connect(srv.port()));
        RawClient.Head h = DeflateWire.upgrade(c, srv.port(), PROTO, NAME + ", permessage-deflate");
        assertEquals("permessage-deflate", h.header("sec-websocket-extensions"));
        List<String> asked = new ArrayList<>();
        asked.add(poll(rec.confirms, "first confirmExtension").extension());
        asked.add(poll(rec.confirms, "second confirmExtension").extension());
        assertTrue(asked.contains(NAME) && asked.contains("permessage-deflate"), "confirmExtension calls: " + asked);
        assertQuiet(serverExt.constructs, "construct of a refused extension");
    }

    // ---- names -----------------------------------------------------------------------------

    @Test
    void badNamesAreRejected() {
        for (String bad : new String[] {"", "a,b", "permessage-deflate", "a b", "a;b", "caf\u00e9", "x".repeat(64),
                null}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> LwsContext.builder().extension(new Xor(bad, 1)), "name " + bad);
            assertTrue(e.getMessage() != null && !e.getMessage().isEmpty());
        }
        LwsContext.Builder b = LwsContext.builder().extension(new Xor(NAME, 1));
        assertThrows(IllegalArgumentException.class, () -> b.extension(new Xor(NAME, 2)), "the same name twice");
        LwsContext.builder().extension(new Xor("x".repeat(63), 1)).extension(new Xor("x-webkit-ok_1.2", 1));
    }

    // ---- together with permessage-deflate ------------------------------------------------
    // Offers of two extensions to a server that has both: a connection runs at most one
    // (lws holds one; our patch 0010 makes both handshakes respect that instead of writing
    // past the array). Each case runs in a child JVM (TwoExtensionsProbe) so that a
    // native crash fails the test instead of ending the test run.

    private static void probe(Path dir, String... args) throws Exception {
        TwoExtensionsProbe.Outcome o = TwoExtensionsProbe.run(dir, args);
        String label = "[" + String.join(" ", args) + "] ";
        if (o.exit() != 0 || o.crashFrame() != null) {
            throw new AssertionError(label + "the child JVM died (exit " + o.exit() + ")"
                    + (o.crashFrame() == null ? "" : ": " + o.crashFrame()) + "; its output:\n" + o.output().strip());
        }
        assertTrue(o.has("SERVER-GOT OK") && o.has("ECHO-OK"), label + "data did not survive; the"
                + " child's output:\n" + o.output().strip());
        String negotiated = o.output().lines().filter(l -> l.startsWith("NEGOTIATED ")).findFirst().orElse("");
        assertTrue(!negotiated.isEmpty() && !negotiated.contains(","),
                label + "one extension per connection, got: " + negotiated);
    }

    @Test
    void deflateThenXorFromARawClient(@TempDir Path dir) throws Exception {
        probe(dir, "raw", "permessage-deflate, " + NAME);
    }

    @Test
    void xorThenDeflateFromARawClient(@TempDir Path dir) throws Exception {
        probe(dir, "raw", NAME + ", permessage-deflate");
    }

    @Test
    void xorAndDeflateBetweenLwsjPeers(@TempDir Path dir) throws Exception {
        probe(dir, "lwsj");
    }
}
