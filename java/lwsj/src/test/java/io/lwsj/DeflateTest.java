package io.lwsj;

import static io.lwsj.TestData.asciiText;
import static io.lwsj.TestData.utf8;
import static io.lwsj.Waits.WAIT_MS;
import static io.lwsj.Waits.poll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lwsj.DeflateWire.Compressor;
import io.lwsj.DeflateWire.Decompressor;
import io.lwsj.DeflateWire.WireMessage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.Inflater;
import org.junit.jupiter.api.Test;

/**
 * permessage-deflate (RFC 7692) with real peers: a raw-socket client that compresses
 * and inflates with java.util.zip against an lwsj server, lwsj client against lwsj
 * server (with a byte-counting relay between them), confirmExtension on both sides,
 * and a server without permessage-deflate.
 */
class DeflateTest extends ClientTestKit {
    private static final String PROTO = "pmd";
    private static final int[] RAW_SIZES = {0, 1, 125, 1000, 65536, 1024 * 1024};
    private static final int TEXT = 0x1;
    private static final int BINARY = 0x2;

    /**
     * The next message of rec, within WAIT_MS; fails at once, saying how, when a
     * connection of rec or of the peers ends first (instead of waiting out the timeout).
     */
    static Object awaitMessage(Recorder rec, String what, Recorder... peers) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        List<Recorder> all = new ArrayList<>(List.of(peers));
        all.add(0, rec);
        try {
            while (System.nanoTime() < deadline) {
                Object m = rec.messages.poll(20, TimeUnit.MILLISECONDS);
                if (m != null) {
                    return m;
                }
                for (Recorder r : all) {
                    Closed c = r.closed.peek();
                    if (c != null) {
                        m = rec.messages.poll(50, TimeUnit.MILLISECONDS);
                        if (m != null) {
                            return m;
                        }
                        throw new AssertionError("waiting for " + what + ": " + (c.connection().isClient() ? "client"
                                : "server") + " connection closed with " + c.code() + " '" + c.reason() + "'");
                    }
                }
            }
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("timed out after " + WAIT_MS + " ms waiting for " + what);
    }

    // ---- data ----------------------------------------------------------------------

    /** Compressible binary data with bytes of every range (not valid UTF-8). */
    static byte[] binaryData(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i % 3 == 0 ? 0xf0 + (i % 5) : (i / 3) % 17);
        }
        return b;
    }

    static byte[] message(int opcode, int n) {
        return opcode == TEXT ? utf8(asciiText(n)) : binaryData(n);
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    // ---- servers -------------------------------------------------------------------

    /** An echoing lwsj server on 127.0.0.1, with permessage-deflate when settings is not null. */
    private LwsContext echoServer(PermessageDeflate settings, Handler<Void> handler) {
        LwsContext.Builder b = loopbackServer();
        if (settings != null) {
            b.permessageDeflate(settings);
        }
        return track(b.protocol(Protocol.builder(PROTO, handler).confirmExtensions(true).maxMessageSize(BIG)
                .maxQueuedBytes(64L * 1024 * 1024).build()).build()).start();
    }

    private LwsContext echoServer(PermessageDeflate settings) {
        return echoServer(settings, new Recorder().echoing());
    }

    private RawClient rawClient(LwsContext server) throws IOException {
        return closeLater(RawClient.connect(server.port()));
    }

    /** The parameters of a response's permessage-deflate, lower case; fails if it is not the only extension. */
    static List<String> pmdParams(String header) {
        assertTrue(header != null, "no Sec-WebSocket-Extensions in the 101");
        assertFalse(header.contains(","), "more than one extension accepted: " + header);
        String[] parts = header.split(";");
        assertEquals("permessage-deflate", parts[0].trim().toLowerCase(Locale.ROOT), header);
        List<String> params = new ArrayList<>();
        for (int i = 1; i < parts.length; i++) {
            params.add(parts[i].trim().toLowerCase(Locale.ROOT));
        }
        return params;
    }

    // ---- raw-client exchanges ------------------------------------------------------

    /**
     * Sends msg (compressed with RSV1 when comp is not null, split into three frames for
     * large messages) and reads the server's echo: RSV1 set, smaller on the wire than
     * the message when that is compressible, and it inflates to msg.
     */
    private static WireMessage roundTrip(RawClient c, Compressor comp, Decompressor dec, int opcode, byte[] msg,
                                         String what) throws IOException {
        byte[] payload = comp == null ? msg : comp.compress(msg);
        int rsv = comp == null ? 0 : 0x40;
        if (msg.length >= 65536 && payload.length >= 3) {
            int a = payload.length / 3;
            int b2 = 2 * payload.length / 3;
            ByteArrayOutputStream frames = new ByteArrayOutputStream();
            frames.writeBytes(DeflateWire.clientFrame(opcode, false, rsv, Arrays.copyOfRange(payload, 0, a)));
            frames.writeBytes(DeflateWire.clientFrame(0x0, false, 0, Arrays.copyOfRange(payload, a, b2)));
            frames.writeBytes(DeflateWire.clientFrame(0x0, true, 0, Arrays.copyOfRange(payload, b2, payload.length)));
            c.write(frames.toByteArray());
        } else {
            c.write(DeflateWire.clientFrame(opcode, true, rsv, payload));
        }
        WireMessage m = DeflateWire.readMessage(c);
        assertEquals(opcode, m.opcode(), what + ": opcode of the echo");
        if (msg.length == 0 && m.rsv() == 0) {
            // RFC 7692 6.1 lets a message go uncompressed; lws sends empty ones that way
            assertEquals(0, m.payload().length, what + ": uncompressed empty echo with a payload");
            return m;
        }
        assertTrue(m.rsv1(), what + ": the server's echo has RSV1 clear (not compressed); " + m.frames()
                + " frame(s), " + m.payload().length + " payload bytes");
        assertEquals(0x40, m.rsv(), what + ": RSV2/RSV3 set");
        if (msg.length >= 125) {
            assertTrue(m.wireBytes() < msg.length, what + ": " + m.wireBytes() + " bytes on the wire for a "
                    + msg.length + "-byte compressible message");
        }
        byte[] plain = dec.decompress(m.payload(), what);
        if (!Arrays.equals(msg, plain)) {
            throw new AssertionError(what + ": the echo inflates to " + plain.length + " bytes that differ from the "
                    + msg.length + " sent");
        }
        return m;
    }

    /** Every RAW_SIZES message, text and binary, both ways. */
    private static void allSizes(RawClient c, Compressor comp, Decompressor dec, String label) throws IOException {
        for (int n : RAW_SIZES) {
            for (int op : new int[] {TEXT, BINARY}) {
                roundTrip(c, comp, dec, op, message(op, n), label + " " + (op == TEXT ? "text" : "binary") + "(" + n + ")");
            }
        }
    }

    /**
     * The same 1000 random bytes twice: with the client's context takeover the second
     * compressed payload is a few back-references (so the server must have kept its
     * inflater's window); the server's second echo is tiny exactly when it takes over
     * its own context (and then the client's inflater must keep its window).
     */
    private static void repeatedRandom(RawClient c, Compressor comp, Decompressor dec, boolean clientTakesOver,
                                       boolean serverMayTakeOver, boolean serverMustTakeOver, String label)
            throws IOException {
        byte[] r = random(1000, 7);
        byte[] first = comp.compress(r);
        byte[] second = comp.compress(r);
        if (clientTakesOver) {
            assertTrue(second.length < 100, label + ": the client's second compressed copy is " + second.length
                    + " bytes; the test expects back-references into the first");
        } else {
            assertTrue(second.length >= 1000, label + ": without client takeover the second copy is " + second.length);
        }
        c.write(DeflateWire.clientFrame(BINARY, true, 0x40, first));
        WireMessage e1 = DeflateWire.readMessage(c);
        assertTrue(e1.rsv1(), label + ": first random echo not compressed");
        assertArrayEquals(r, dec.decompress(e1.payload(), label + " random #1"), label + " random #1");
        c.write(DeflateWire.clientFrame(BINARY, true, 0x40, second));
        WireMessage e2 = DeflateWire.readMessage(c);
        assertTrue(e2.rsv1(), label + ": second random echo not compressed");
        if (serverMustTakeOver) {
            assertTrue(e2.payload().length < 200, label + ": the server's second echo of the same random bytes is "
                    + e2.payload().length + " bytes; with context takeover it refers back to the first");
        }
        if (!serverMayTakeOver) {
            assertTrue(e2.payload().length >= 1000, label + ": server_no_context_takeover was agreed, yet the server's"
                    + " second echo of the same 1000 random bytes is " + e2.payload().length
                    + " bytes (it refers back to the previous message)");
        }
        assertArrayEquals(r, dec.decompress(e2.payload(), label + " random #2"), label + " random #2");
    }

    private void rawVariant(String offer, boolean clientTakesOver, boolean inflaterKeepsWindow,
                            boolean serverMayTakeOver, boolean serverMustTakeOver, String... mustEcho)
            throws IOException {
        LwsContext server = echoServer(PermessageDeflate.defaults());
        RawClient c = rawClient(server);
        RawClient.Head h = DeflateWire.upgrade(c, server.port(), PROTO, offer);
        List<String> params = pmdParams(h.header("sec-websocket-extensions"));
        for (String p : mustEcho) {
            assertTrue(params.contains(p), "offer '" + offer + "' answered with " + params + ", without " + p);
        }
        try (Compressor comp = new Compressor(clientTakesOver); Decompressor dec = new Decompressor(inflaterKeepsWindow)) {
            allSizes(c, comp, dec, "[" + offer + "]");
            repeatedRandom(c, comp, dec, clientTakesOver, serverMayTakeOver, serverMustTakeOver, "[" + offer + "]");
        }
    }

    // ---- (a) raw client against an lwsj server --------------------------------------

    @Test
    void rawClientWithContextTakeover() throws Exception {
        // both sides keep their windows: one Deflater and one Inflater for the whole connection
        rawVariant("permessage-deflate", true, true, true, true);
    }

    @Test
    void rawClientWithClientNoContextTakeover() throws Exception {
        // the client resets its compressor per message; the server may still take over
        rawVariant("permessage-deflate; client_no_context_takeover", false, true, true, false);
    }

    @Test
    void rawClientWithoutContextTakeoverEitherWay() throws Exception {
        // a fresh Inflater per message must decode every server message
        rawVariant("permessage-deflate; server_no_context_takeover; client_no_context_takeover", false, false, false,
                false, "server_no_context_takeover");
    }

    @Test
    void rawServerNoContextTakeoverMeansTheServerResetsItsCompressor() throws Exception {
        // only server_no_context_takeover: the client resets anyway (it may), and needs
        // a fresh inflater per message to work
        rawVariant("permessage-deflate; server_no_context_takeover", false, false, false, false,
                "server_no_context_takeover");
    }

    @Test
    void rawServerNoContextTakeoverLeavesTheClientItsContext() throws Exception {
        // only server_no_context_takeover: the client keeps its own context (it did not
        // offer client_no_context_takeover), so the server's inflater must keep its window
        LwsContext server = echoServer(PermessageDeflate.defaults());
        RawClient c = rawClient(server);
        String offer = "permessage-deflate; server_no_context_takeover";
        pmdParams(DeflateWire.upgrade(c, server.port(), PROTO, offer).header("sec-websocket-extensions"));
        byte[] r = random(1000, 11);
        try (Compressor comp = new Compressor(true)) {
            for (int i = 0; i < 3; i++) {
                byte[] payload = comp.compress(r);
                c.write(DeflateWire.clientFrame(BINARY, true, 0x40, payload));
                WireMessage m;
                try {
                    m = DeflateWire.readMessage(c);
                } catch (IOException | AssertionError e) {
                    throw new AssertionError("echo of copy " + i + " of the same 1000 random bytes, sent with the"
                            + " client's context kept (client_no_context_takeover was not agreed): " + e, e);
                }
                Inflater inf = new Inflater(true);
                try {
                    assertArrayEquals(r, DeflateWire.inflate(inf, m.payload(), "copy " + i), "copy " + i);
                } finally {
                    inf.end();
                }
            }
        }
    }

    @Test
    void rawClientMaxWindowBits() throws Exception {
        LwsContext server = echoServer(PermessageDeflate.defaults());
        for (String offer : new String[] {"permessage-deflate; client_max_window_bits",
                "permessage-deflate; client_max_window_bits=10"}) {
            RawClient c = rawClient(server);
            List<String> params = pmdParams(DeflateWire.upgrade(c, server.port(), PROTO, offer)
                    .header("sec-websocket-extensions"));
            int limit = offer.endsWith("=10") ? 10 : 15;
            for (String p : params) {
                if (p.startsWith("client_max_window_bits")) {
                    int eq = p.indexOf('=');
                    assertTrue(eq > 0, "client_max_window_bits without a value in a response: " + params);
                    int bits = Integer.parseInt(p.substring(eq + 1).trim());
                    assertTrue(bits >= 8 && bits <= limit, "client_max_window_bits=" + bits + " for offer " + offer);
                }
            }
            // a 10-bit window: messages of at most 1024 bytes, each compressed on its own
            boolean small = limit < 15;
            try (Compressor comp = new Compressor(!small); Decompressor dec = new Decompressor(true)) {
                for (int n : new int[] {0, 1, 125, 1000, 1024}) {
                    for (int op : new int[] {TEXT, BINARY}) {
                        roundTrip(c, comp, dec, op, message(op, n), offer + " (" + n + ")");
                    }
                }
                if (!small) {
                    roundTrip(c, comp, dec, TEXT, message(TEXT, 65536), offer + " (65536)");
                }
            }
            c.close();
        }
    }

    @Test
    void uncompressedFramesAreStillAccepted() throws Exception {
        Recorder rec = new Recorder().echoing();
        LwsContext server = echoServer(PermessageDeflate.defaults(), rec);
        RawClient c = rawClient(server);
        pmdParams(DeflateWire.upgrade(c, server.port(), PROTO, "permessage-deflate").header("sec-websocket-extensions"));
        try (Compressor comp = new Compressor(true); Decompressor dec = new Decompressor(true)) {
            for (int n : new int[] {0, 1, 125, 1000, 65536}) {
                // RSV1 clear: the message as it is; the server echoes it compressed
                roundTrip(c, null, dec, TEXT, message(TEXT, n), "plain text(" + n + ")");
                assertEquals(asciiText(n), poll(rec.messages, "server got plain text(" + n + ")"));
                roundTrip(c, null, dec, BINARY, message(BINARY, n), "plain binary(" + n + ")");
                assertArrayEquals(message(BINARY, n), (byte[]) poll(rec.messages, "server got plain binary"));
                // compressed and plain interleave on one connection
                roundTrip(c, comp, dec, TEXT, message(TEXT, n), "compressed text(" + n + ")");
                assertEquals(asciiText(n), poll(rec.messages, "server got compressed text(" + n + ")"));
            }
        }
    }

    // ---- (b) lwsj client and lwsj server -------------------------------------------

    private static String extensionsOf(Connection c) {
        List<String> v = c.responseHeaders().get("sec-websocket-extensions");
        return v == null || v.isEmpty() ? null : String.join(",", v);
    }

    /** Every SIZES message, text and binary, client to server and back (echo). */
    private static long lwsjExchange(Connection c, Recorder client, Recorder server, int[] sizes, String label) {
        long total = 0;
        for (int n : sizes) {
            String t = asciiText(n);
            assertTrue(c.sendText(t), "send text " + n);
            Object got = awaitMessage(server, label + ": server gets text(" + n + ")", client);
            assertEquals(t, got, label + ": server got " + describe(got) + " for text(" + n + ")");
            got = awaitMessage(client, label + ": echo of text(" + n + ")", server);
            assertEquals(t, got, label + ": client got " + describe(got) + " for text(" + n + ")");
            byte[] b = binaryData(n);
            assertTrue(c.sendBinary(b), "send binary " + n);
            got = awaitMessage(server, label + ": server gets binary(" + n + ")", client);
            assertArrayEquals(b, (byte[]) got, label + ": server binary(" + n + ")");
            got = awaitMessage(client, label + ": echo of binary(" + n + ")", server);
            assertArrayEquals(b, (byte[]) got, label + ": client binary(" + n + ")");
            total += 2L * n;
        }
        // the same incompressible bytes three times (context takeover across messages)
        byte[] r = random(4000, 3);
        for (int i = 0; i < 3; i++) {
            assertTrue(c.sendBinary(r));
            assertArrayEquals(r, (byte[]) awaitMessage(server, label + ": random #" + i, client), label + " random #" + i);
            assertArrayEquals(r, (byte[]) awaitMessage(client, label + ": echo of random #" + i, server),
                    label + " echo of random #" + i);
        }
        return total;
    }

    /**
     * Several clients send compressed messages at once, each inflating to more than the
     * inflater's 1 KiB output buffer: the server drains each over several service turns
     * while other connections' reads reuse the socket read buffer (lws patch 0103).
     */
    @Test
    void severalCompressingClientsAtOnce() throws Exception {
        Recorder server = new Recorder().echoing();
        LwsContext srv = echoServer(PermessageDeflate.defaults(), server);
        int clients = 6;
        int messages = 6;
        List<Recorder> recorders = new ArrayList<>();
        List<Connection> conns = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            Recorder r = new Recorder();
            recorders.add(r);
            conns.add(lwsjPair(PermessageDeflate.defaults(), srv.port(), r));
        }
        java.util.Random random = new java.util.Random(7);
        List<List<byte[]>> sent = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            List<byte[]> mine = new ArrayList<>();
            for (int m = 0; m < messages; m++) {
                // half random (incompressible), half repeated: inflates well past 1 KiB
                byte[] b = new byte[30_000];
                random.nextBytes(b);
                java.util.Arrays.fill(b, 15_000, b.length, (byte) ('a' + m));
                mine.add(b);
            }
            sent.add(mine);
        }
        for (int m = 0; m < messages; m++) {
            for (int i = 0; i < clients; i++) {
                assertTrue(conns.get(i).sendBinary(sent.get(i).get(m)));
            }
        }
        for (int i = 0; i < clients; i++) {
            for (int m = 0; m < messages; m++) {
                Object got = poll(recorders.get(i).messages, "client " + i + " echo " + m);
                assertTrue(got instanceof byte[] && java.util.Arrays.equals(sent.get(i).get(m), (byte[]) got),
                        "client " + i + " message " + m + " came back intact");
            }
        }
    }

    private Connection lwsjPair(PermessageDeflate clientSettings, int port, Recorder client) {
        LwsContext cli = track(clientOnly().permessageDeflate(clientSettings)
                .protocol(protocol(PROTO, client)).build()).start();
        return connected(cli.connect(ClientRequest.to("127.0.0.1", port, "/", false).build()), "lwsj client");
    }

    @Test
    void lwsjPeersWithContextTakeoverCompressOnTheWire() throws Exception {
        Recorder server = new Recorder().echoing();
        LwsContext srv = echoServer(PermessageDeflate.defaults(), server);
        CountingProxy proxy = closeLater(new CountingProxy(srv.port()));
        Recorder client = new Recorder();
        Connection c = lwsjPair(PermessageDeflate.defaults(), proxy.port(), client);
        String ext = extensionsOf(c);
        List<String> params = pmdParams(ext);
        assertFalse(params.contains("server_no_context_takeover") || params.contains("client_no_context_takeover"),
                "defaults agreed on no context takeover: " + ext);
        LwsRequest hs = poll(server.handshakes, "server handshake");
        String offer = hs.header("sec-websocket-extensions");
        assertTrue(offer != null && offer.startsWith("permessage-deflate"), "lwsj client's offer: " + offer);
        long up0 = proxy.upstream.get();
        long down0 = proxy.downstream.get();
        long total = lwsjExchange(c, client, server, SIZES, "defaults");
        long up = proxy.upstream.get() - up0;
        long down = proxy.downstream.get() - down0;
        assertTrue(up < total / 4, "client to server: " + up + " bytes on the wire for " + total
                + " bytes of compressible payload (is the lwsj client compressing?)");
        assertTrue(down < total / 4, "server to client: " + down + " bytes on the wire for " + total
                + " bytes of compressible payload (is the lwsj server compressing?)");
    }

    @Test
    void lwsjPeersWithoutContextTakeover() throws Exception {
        Recorder server = new Recorder().echoing();
        LwsContext srv = echoServer(PermessageDeflate.defaults(), server);
        Recorder client = new Recorder();
        Connection c = lwsjPair(PermessageDeflate.builder()
                .serverNoContextTakeover(true).clientNoContextTakeover(true).build(), srv.port(), client);
        String ext = extensionsOf(c);
        List<String> params = pmdParams(ext);
        assertTrue(params.contains("server_no_context_takeover"), ext);
        assertTrue(params.contains("client_no_context_takeover"), ext);
        lwsjExchange(c, client, server, SIZES, "no takeover");
    }

    @Test
    void lwsjPeersWithClientNoContextTakeoverOnly() throws Exception {
        Recorder server = new Recorder().echoing();
        LwsContext srv = echoServer(PermessageDeflate.defaults(), server);
        Recorder client = new Recorder();
        Connection c = lwsjPair(PermessageDeflate.builder()
                .clientNoContextTakeover(true).build(), srv.port(), client);
        assertTrue(pmdParams(extensionsOf(c)).contains("client_no_context_takeover"), extensionsOf(c));
        lwsjExchange(c, client, server, new int[] {0, 1, 125, 65536}, "client_no_context_takeover");
    }

    @Test
    void lwsjPeersWithServerNoContextTakeoverOnly() throws Exception {
        Recorder server = new Recorder().echoing();
        LwsContext srv = echoServer(PermessageDeflate.defaults(), server);
        Recorder client = new Recorder();
        Connection c = lwsjPair(PermessageDeflate.builder()
                .serverNoContextTakeover(true).build(), srv.port(), client);
        assertTrue(pmdParams(extensionsOf(c)).contains("server_no_context_takeover"), extensionsOf(c));
        lwsjExchange(c, client, server, new int[] {0, 1, 125, 65536}, "server_no_context_takeover");
    }

    @Test
    void lwsjPeersWithSmallWindows() throws Exception {
        Recorder server = new Recorder().echoing();
        LwsContext srv = echoServer(PermessageDeflate.defaults(), server);
        Recorder client = new Recorder();
        Connection c = lwsjPair(PermessageDeflate.builder()
                .serverMaxWindowBits(10).clientMaxWindowBits(10).build(), srv.port(), client);
        pmdParams(extensionsOf(c));
        String offer = poll(server.handshakes, "server handshake").header("sec-websocket-extensions");
        assertTrue(offer.contains("client_max_window_bits=10"), offer);
        lwsjExchange(c, client, server, new int[] {0, 125, 65536, 1024 * 1024}, "10-bit windows");
    }

    // ---- (c) confirmExtension --------------------------------------------------------

    @Test
    void serverConfirmExtensionFalseRefusesDeflate() throws Exception {
        Recorder rec = new Recorder().echoing();
        rec.acceptExtension = name -> false;
        LwsContext server = echoServer(PermessageDeflate.defaults(), rec);
        RawClient c = rawClient(server);
        RawClient.Head h = DeflateWire.upgrade(c, server.port(), PROTO, "permessage-deflate; client_max_window_bits");
        assertNull(h.header("sec-websocket-extensions"), "refused, yet the 101 has " + h.header("sec-websocket-extensions"));
        Confirm call = poll(rec.confirms, "confirmExtension on the server");
        assertEquals("permessage-deflate", call.extension());
        assertNull(call.request(), "the server side gets no ClientRequest");
        for (int n : new int[] {0, 125, 65536}) {
            String t = asciiText(n);
            c.sendText(t);
            WireMessage m = DeflateWire.readMessage(c);
            assertEquals(0, m.rsv(), "plain frames without the extension");
            assertEquals(t, new String(m.payload(), StandardCharsets.UTF_8));
        }
        // RSV1 means nothing on this connection: a protocol error (1002)
        byte[] compressed;
        try (Compressor comp = new Compressor(false)) {
            compressed = comp.compress(utf8("hello"));
        }
        c.write(DeflateWire.clientFrame(TEXT, true, 0x40, compressed));
        assertEquals(1002, DeflateWire.readClose(c), "RSV1 without a negotiated extension");

        // an lwsj client with permessage-deflate ends up without it, too
        c.close();
        poll(rec.closed, "server onClosed of the raw connection");
        rec.messages.clear();
        Recorder client = new Recorder();
        Connection lc = lwsjPair(PermessageDeflate.defaults(), server.port(), client);
        assertNull(extensionsOf(lc), "refused, yet the client sees " + extensionsOf(lc));
        lwsjExchange(lc, client, rec, new int[] {0, 125, 65536}, "refused");
    }

    @Test
    void clientConfirmExtensionFalseWithdrawsTheOffer() throws Exception {
        Recorder server = new Recorder().echoing();
        LwsContext srv = echoServer(PermessageDeflate.defaults(), server);
        Recorder rec = new Recorder();
        rec.acceptExtension = name -> false;
        LwsContext cli = track(clientOnly().permessageDeflate(PermessageDeflate.defaults())
                .protocol(Protocol.builder(PROTO, rec).confirmExtensions(true).maxMessageSize(BIG).build()).build()).start();
        ClientRequest request = ClientRequest.to("127.0.0.1", srv.port(), "/", false).build();
        Connection c = connected(cli.connect(request), "lwsj client");
        Confirm call = poll(rec.confirms, "confirmExtension on the client");
        assertEquals("permessage-deflate", call.extension());
        assertSame(request, call.request(), "the client side gets the request being made");
        LwsRequest hs = poll(server.handshakes, "server handshake");
        assertNull(hs.header("sec-websocket-extensions"), "withdrawn, yet offered: " + hs.header("sec-websocket-extensions"));
        assertNull(extensionsOf(c));
        lwsjExchange(c, rec, server, new int[] {0, 125, 65536}, "withdrawn");

        // answering true offers it again
        rec.acceptExtension = name -> true;
        Connection c2 = connected(cli.connect(request), "second lwsj client");
        assertEquals("permessage-deflate", poll(rec.confirms, "second confirmExtension").extension());
        String offer = poll(server.handshakes, "second server handshake").header("sec-websocket-extensions");
        assertTrue(offer != null && offer.startsWith("permessage-deflate"), "offer: " + offer);
        pmdParams(extensionsOf(c2));
    }

    // ---- (d) a server without permessage-deflate ---------------------------------------

    @Test
    void serverWithoutDeflateIgnoresTheOffer() throws Exception {
        Recorder rec = new Recorder().echoing();
        LwsContext server = echoServer(null, rec);
        RawClient c = rawClient(server);
        RawClient.Head h = DeflateWire.upgrade(c, server.port(), PROTO,
                "permessage-deflate; client_max_window_bits, permessage-deflate");
        assertNull(h.header("sec-websocket-extensions"));
        for (int n : new int[] {0, 125, 65536}) {
            c.sendFrame(BINARY, true, binaryData(n));
            WireMessage m = DeflateWire.readMessage(c);
            assertEquals(0, m.rsv(), "RSV bits from a server without extensions");
            assertArrayEquals(binaryData(n), m.payload());
        }
        rec.messages.clear();
        rec.handshakes.clear();
        rec.closed.clear();
        Recorder client = new Recorder();
        Connection lc = lwsjPair(PermessageDeflate.defaults(), server.port(), client);
        assertNull(extensionsOf(lc), "a server without permessage-deflate accepted: " + extensionsOf(lc));
        String offer = poll(rec.handshakes, "lwsj handshake").header("sec-websocket-extensions");
        assertTrue(offer != null && offer.startsWith("permessage-deflate"), "the lwsj client offered: " + offer);
        lwsjExchange(lc, client, rec, new int[] {0, 125, 65536, 1024 * 1024}, "no server deflate");
    }
}
