package io.lwsj;

import static io.lwsj.Waits.poll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.Test;

/**
 * RFC 6455 and RFC 7692 MUSTs a strict client found the echo server breaking (issue 14),
 * one test each, from raw sockets: RSV1 only on the first frame of a compressed message,
 * corrupt compressed data answered with a close, every ping answered in order, a
 * handshake that names only unknown subprotocols.
 */
class ConformanceRulesTest extends ServerTestSupport {
    static final String DEFLATE = "permessage-deflate";

    LwsContext deflateEcho() {
        return track(localhost().permessageDeflate(PermessageDeflate.defaults()).protocol(echo("echo")).build()).start();
    }

    RawClient deflateClient(LwsContext ctx) throws IOException {
        RawClient c = raw(ctx);
        RawClient.Head h = DeflateWire.upgrade(c, ctx.port(), "echo", DEFLATE);
        assertTrue(h.header("sec-websocket-extensions").startsWith(DEFLATE), "deflate not negotiated: " + h.headers());
        return c;
    }

    static byte[] compressed(String text) {
        try (DeflateWire.Compressor z = new DeflateWire.Compressor(false)) {
            return z.compress(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** A compressed text in two frames: RSV1 on the first, and on the second when told. */
    static void sendInTwoFrames(RawClient c, String text, int continuationRsv) throws IOException {
        byte[] z = compressed(text);
        int half = z.length / 2;
        c.write(DeflateWire.clientFrame(0x1, false, 0x40, java.util.Arrays.copyOfRange(z, 0, half)));
        c.write(DeflateWire.clientFrame(0x0, true, continuationRsv, java.util.Arrays.copyOfRange(z, half, z.length)));
    }

    @Test
    void rsv1OnAContinuationFrameFailsWith1002() throws IOException {
        LwsContext ctx = deflateEcho();
        RawClient c = deflateClient(ctx);
        sendInTwoFrames(c, "hello, continuation", 0x40);
        Hostile.assertFailsWith(c, 1002, "RSV1 on a continuation frame");
    }

    @Test
    void rsv1OnAPingFailsWith1002AndIsNotAnswered() throws IOException {
        LwsContext ctx = deflateEcho();
        RawClient c = deflateClient(ctx);
        c.write(DeflateWire.clientFrame(0x9, true, 0x40, "ping?".getBytes(StandardCharsets.UTF_8)));
        // the first frame back must be the close, not a pong
        Hostile.assertFailsWith(c, 1002, "RSV1 on a ping");
    }

    @Test
    void corruptCompressedDataIsAnsweredWithClose1007() throws IOException {
        LwsContext ctx = deflateEcho();
        RawClient c = deflateClient(ctx);
        // 0xff: a DEFLATE block of reserved type 3, invalid in any stream
        c.write(DeflateWire.clientFrame(0x1, true, 0x40, new byte[] {(byte) 0xff, (byte) 0xff, 0x00, 0x01, 0x02}));
        int code = DeflateWire.readClose(c);
        assertTrue(code == 1007 || code == 1002, "corrupt deflate data answered with close code " + code
                + " (-1: no close frame)");
    }

    /** Ten pings sent at once, before the server has written anything: ten pongs, in order. */
    @Test
    void everyPingOfABurstIsAnsweredInOrder() throws IOException {
        LwsContext ctx = start(echo("echo"));
        RawClient c = rawHandshake(ctx, "echo");
        ByteArrayOutputStream burst = new ByteArrayOutputStream();
        for (int i = 0; i < 10; i++) {
            burst.writeBytes(RawClient.encodeClientFrame(0x9, true, ("ping " + i).getBytes(StandardCharsets.UTF_8)));
        }
        c.write(burst.toByteArray());
        for (int i = 0; i < 10; i++) {
            RawClient.Frame f = c.readFrame();
            assertEquals(0xa, f.opcode(), "frame " + i + " is not a pong");
            assertEquals("ping " + i, f.text(), "pong " + i + " out of order");
        }
        c.sendText("after the pings");
        assertEquals("after the pings", c.readFrame().text());
    }

    /** Pings between the fragments of a message, octet by octet: each answered, in order, and the message echoed whole. */
    @Test
    void pingsBetweenFragmentsAreAnsweredInOrder() throws IOException {
        LwsContext ctx = start(echo("echo"));
        RawClient c = rawHandshake(ctx, "echo");
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        String[] parts = {"frag-one ", "frag-two ", "frag-three"};
        for (int i = 0; i < parts.length; i++) {
            all.writeBytes(RawClient.encodeClientFrame(i == 0 ? 0x1 : 0x0, i == parts.length - 1,
                    parts[i].getBytes(StandardCharsets.UTF_8)));
            all.writeBytes(RawClient.encodeClientFrame(0x9, true, ("p" + i).getBytes(StandardCharsets.UTF_8)));
        }
        for (byte b : all.toByteArray()) {
            c.write(new byte[] {b}); // chopped octet-wise, as Autobahn's 2.11
        }
        int pongs = 0;
        String message = null;
        for (int i = 0; i < 4; i++) {
            RawClient.Frame f = c.readFrame();
            if (f.opcode() == 0xa) {
                assertEquals("p" + pongs, f.text(), "pong out of order");
                pongs++;
            } else {
                assertEquals(0x1, f.opcode(), "expected the echo, got opcode " + f.opcode());
                message = f.text();
            }
        }
        assertEquals(3, pongs);
        assertEquals("frag-one frag-two frag-three", message);
    }

    /**
     * RFC 6455 4.2.2: a server that has none of the subprotocols asked for answers 101
     * without Sec-WebSocket-Protocol; the connection goes to the default protocol.
     */
    @Test
    void onlyUnknownSubprotocolsGetThe101WithoutAProtocolHeader() throws IOException {
        BlockingQueue<Connection> opened = new LinkedBlockingQueue<>();
        LwsContext ctx = start(Protocol.of("first", new Handler<>() {
            @Override
            public void onEstablished(Connection c, Void s) {
                opened.add(c);
            }

            @Override
            public void onText(Connection c, Void s, String text) {
                c.sendText("first: " + text);
            }
        }), echo("second"));
        RawClient c = raw(ctx);
        String key = RawClient.newKey();
        c.write(RawClient.upgradeRequest(ctx.port(), "/", key, "13", "chat.unknown, other.unknown", Map.of()));
        RawClient.Head h = c.readHead();
        assertEquals(101, h.status(), h.statusLine());
        assertEquals(RawClient.acceptFor(key), h.header("sec-websocket-accept"));
        assertNull(h.header("sec-websocket-protocol"), "a subprotocol the client did not ask for: " + h.headers());
        assertEquals("first", poll(opened, "onEstablished").protocol().name());
        c.sendText("hi");
        assertEquals("first: hi", c.readFrame().text());
        // a list that names one of ours still gets it
        RawClient d = raw(ctx);
        String key2 = RawClient.newKey();
        d.write(RawClient.upgradeRequest(ctx.port(), "/", key2, "13", "nope, second", Map.of()));
        RawClient.Head h2 = d.readHead();
        assertEquals(101, h2.status());
        assertEquals("second", h2.header("sec-websocket-protocol"));
    }

    @Test
    void aProtocolMayRefuseClientsWithOnlyUnknownSubprotocols() throws IOException {
        LwsContext ctx = start(Protocol.builder("strict", new Handler<Void>() {}).refuseUnknownSubprotocols(true).build());
        RawClient c = raw(ctx);
        c.write(RawClient.upgradeRequest(ctx.port(), "/", RawClient.newKey(), "13", "chat.unknown", Map.of()));
        assertEquals(403, c.readHead().status());
        // naming it, or naming none, is fine
        RawClient.handshake(ctx.port(), "strict").close();
        RawClient.handshake(ctx.port(), null).close();
    }

    /**
     * Fail fast, but not before what came first: a valid message and a protocol violation
     * in the same read. The message is echoed, then the connection fails (lws patch 0124).
     */
    @Test
    void aValidMessageBeforeAViolationInTheSameReadIsEchoedFirst() throws IOException {
        LwsContext ctx = start(echo("echo"));
        for (byte[] violation : new byte[][] {
            RawClient.encodeClientFrame(0x3, true, new byte[0]), // reserved opcode
            RawClient.encodeClientFrame(0x0, true, "cont".getBytes(StandardCharsets.UTF_8)), // continuation without a start
            RawClient.encodeClientFrame(0x1, true, new byte[] {(byte) 0xc0, (byte) 0x80}), // invalid UTF-8
        }) {
            RawClient c = rawHandshake(ctx, "echo");
            ByteArrayOutputStream one = new ByteArrayOutputStream();
            one.writeBytes(RawClient.encodeClientFrame(0x1, true, "first, valid".getBytes(StandardCharsets.UTF_8)));
            one.writeBytes(RawClient.encodeClientFrame(0x2, true, new byte[] {1, 2, 3}));
            one.writeBytes(violation);
            c.write(one.toByteArray());
            assertEquals("first, valid", c.readFrame().text(), "the valid text before the violation");
            assertArrayEquals(new byte[] {1, 2, 3}, c.readFrame().payload(), "the valid binary before the violation");
            int code = violation[0] == (byte) 0x81 ? 1007 : 1002;
            Hostile.assertFailsWith(c, code, "the violation after two valid messages");
        }
    }

    /**
     * zlib cannot compress with an 8-bit window: server_max_window_bits=8 was accepted,
     * then the connection dropped at its first message. Now it is honoured with Huffman
     * coding only (lws patch 0125); a value outside 8..15 declines the offer.
     */
    @Test
    void aWindowOf8BitsIsHonoured() throws IOException {
        LwsContext ctx = deflateEcho();
        RawClient c = raw(ctx);
        RawClient.Head h = DeflateWire.upgrade(c, ctx.port(), "echo", DEFLATE + "; server_max_window_bits=8");
        assertEquals(DEFLATE + "; server_max_window_bits=8", h.header("sec-websocket-extensions"));
        byte[] text = "eight bits, eight bits, eight bits, eight bits".repeat(40).getBytes(StandardCharsets.UTF_8);
        try (DeflateWire.Compressor z = new DeflateWire.Compressor(true);
             DeflateWire.Decompressor d = new DeflateWire.Decompressor(true)) {
            for (int i = 0; i < 3; i++) {
                c.write(DeflateWire.clientFrame(0x1, true, 0x40, z.compress(text)));
                DeflateWire.WireMessage m = DeflateWire.readMessage(c);
                assertTrue(m.rsv1(), "the echo is not compressed");
                assertArrayEquals(text, d.decompress(m.payload(), "echo " + i));
                assertNoBackReferences(m.payload());
            }
        }
        RawClient bad = raw(ctx);
        RawClient.Head h7 = DeflateWire.upgrade(bad, ctx.port(), "echo", DEFLATE + "; server_max_window_bits=7");
        assertNull(h7.header("sec-websocket-extensions"), "window bits 7 accepted: " + h7.headers());
    }

    /**
     * Huffman-only output has literals and an end of block, never a length/distance
     * pair: inflating it with a 256-byte window (what an 8-bit peer has) must work. The
     * JDK's Inflater cannot shrink its window, so this checks the promise another way:
     * the compressed size is at least what literal coding of the text takes.
     */
    static void assertNoBackReferences(byte[] compressed) {
        // 1,840 bytes of text in at most 8 distinct letters: Huffman codes of >= 2 bits a letter
        assertTrue(compressed.length > 1840 / 4, "the echo compressed to " + compressed.length
                + " bytes: back references, not Huffman coding alone");
    }

    /**
     * The same rule for lwsj's client (lws patch 0127): a server sends a valid message and
     * a reserved opcode in one write; the client echoes the message, then fails with 1002.
     */
    @Test
    void aValidMessageBeforeAViolationIsAnsweredFirstByTheClient() throws Exception {
        try (java.net.ServerSocket server = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            LwsContext client = track(LwsContext.builder().listen(false).protocol(echo("echo")).build()).start();
            java.util.concurrent.CompletableFuture<Connection> f = client.connect(
                    ClientRequest.to("ws://127.0.0.1:" + server.getLocalPort() + "/").build());
            try (java.net.Socket s = server.accept()) {
                s.setSoTimeout(10_000);
                java.io.InputStream in = s.getInputStream();
                java.io.OutputStream out = s.getOutputStream();
                String request = readHead(in);
                String key = request.lines().filter(l -> l.toLowerCase(java.util.Locale.ROOT).startsWith("sec-websocket-key:"))
                        .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElseThrow();
                out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Accept: " + RawClient.acceptFor(key) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                f.get(10, java.util.concurrent.TimeUnit.SECONDS);
                out.write(new byte[] {(byte) 0x81, 5, 'v', 'a', 'l', 'i', 'd', (byte) 0x83, 0});
                out.flush();
                DeflateWire.WireFrame echo = readMaskedFrame(in);
                assertEquals(0x1, echo.opcode(), "the client's first frame is not the echo");
                assertEquals("valid", new String(echo.payload(), StandardCharsets.UTF_8));
                DeflateWire.WireFrame close = readMaskedFrame(in);
                assertEquals(0x8, close.opcode(), "the client did not fail the connection");
                assertEquals(1002, ((close.payload()[0] & 0xff) << 8) | (close.payload()[1] & 0xff));
            }
        }
    }

    static String readHead(java.io.InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        while (!b.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new java.io.EOFException("EOF in the request head");
            }
            b.write(c);
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    /** A client's (masked) frame, unmasked. */
    static DeflateWire.WireFrame readMaskedFrame(java.io.InputStream in) throws IOException {
        int b0 = in.read();
        int b1 = in.read();
        if (b0 < 0 || b1 < 0) {
            throw new java.io.EOFException("EOF instead of a frame");
        }
        int len = b1 & 0x7f;
        if (len == 126) {
            len = (in.read() << 8) | in.read();
        }
        byte[] key = in.readNBytes(4);
        byte[] p = in.readNBytes(len);
        for (int i = 0; i < p.length; i++) {
            p[i] ^= key[i & 3];
        }
        return new DeflateWire.WireFrame((b0 & 0x80) != 0, b0 & 0x70, b0 & 0xf, p);
    }

    /** The compressed echo still works around these rules (a control case for the tests above). */
    @Test
    void aCompressedMessageInTwoFramesIsEchoed() throws IOException {
        LwsContext ctx = deflateEcho();
        RawClient c = deflateClient(ctx);
        sendInTwoFrames(c, "two frames, RSV1 on the first", 0);
        DeflateWire.WireMessage m = DeflateWire.readMessage(c);
        try (DeflateWire.Decompressor d = new DeflateWire.Decompressor(true)) {
            assertArrayEquals("two frames, RSV1 on the first".getBytes(StandardCharsets.UTF_8),
                    m.rsv1() ? d.decompress(m.payload(), "the echo") : m.payload());
        }
    }
}
