package io.lwsj;

import static io.lwsj.Hostile.closePayload;
import static io.lwsj.Hostile.concat;
import static io.lwsj.Hostile.frame;
import static io.lwsj.TestData.utf8;
import static io.lwsj.Waits.poll;
import static io.lwsj.Waits.sleep;
import static io.lwsj.Waits.waitUntil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The other direction: an lwsj client against a hostile server on a raw socket. The
 * client checks the server's handshake and frames as the RFC says (and as patches 0003,
 * 0004 and 0009 make lws do on the client side too), and nothing crashes.
 */
class HostileServerTest extends ServerTestSupport {

    /** A one-connection server: answers the upgrade with extra header lines, then hands the socket over. */
    static final class FakeServer implements AutoCloseable {
        final ServerSocket listener;
        final CompletableFuture<Socket> accepted = new CompletableFuture<>();

        FakeServer(String extraHeaders) throws IOException {
            listener = new ServerSocket(0, 4, InetAddress.getByName("127.0.0.1"));
            Thread t = new Thread(() -> {
                try {
                    Socket s = listener.accept();
                    s.setSoTimeout(5000);
                    String key = null;
                    for (String line : readHead(s.getInputStream()).split("\r\n")) {
                        if (line.toLowerCase(Locale.ROOT).startsWith("sec-websocket-key:")) {
                            key = line.substring(line.indexOf(':') + 1).trim();
                        }
                    }
                    String response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                            + "Connection: Upgrade\r\nSec-WebSocket-Accept: " + RawClient.acceptFor(key) + "\r\n"
                            + extraHeaders + "\r\n";
                    s.getOutputStream().write(response.getBytes(StandardCharsets.ISO_8859_1));
                    s.getOutputStream().flush();
                    accepted.complete(s);
                } catch (Exception e) {
                    accepted.completeExceptionally(e);
                }
            }, "fake-server");
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return listener.getLocalPort();
        }

        Socket socket() throws Exception {
            return accepted.get(10, TimeUnit.SECONDS);
        }

        static String readHead(InputStream in) throws IOException {
            StringBuilder b = new StringBuilder();
            while (!b.toString().endsWith("\r\n\r\n")) {
                int c = in.read();
                if (c < 0) {
                    throw new IOException("EOF in the request");
                }
                b.append((char) c);
            }
            return b.toString();
        }

        @Override
        public void close() throws Exception {
            listener.close();
            if (accepted.isDone() && !accepted.isCompletedExceptionally()) {
                accepted.get().close();
            }
        }
    }

    /** Reads one (masked) client frame from the fake server's socket. */
    static RawClient.Frame readClientFrame(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        int b0 = in.read();
        int b1 = in.read();
        if (b0 < 0 || b1 < 0) {
            throw new IOException("EOF");
        }
        long len = b1 & 0x7f;
        if (len == 126) {
            len = (in.read() << 8) | in.read();
        } else if (len == 127) {
            len = 0;
            for (int i = 0; i < 8; i++) {
                len = (len << 8) | in.read();
            }
        }
        byte[] mask = (b1 & 0x80) != 0 ? in.readNBytes(4) : null;
        byte[] p = in.readNBytes((int) len);
        if (mask != null) {
            for (int i = 0; i < p.length; i++) {
                p[i] ^= mask[i & 3];
            }
        }
        return new RawClient.Frame((b0 & 0x80) != 0, b0 & 0xf, p);
    }

    final BlockingQueue<String> events = new LinkedBlockingQueue<>();

    LwsContext client(boolean deflate) {
        LwsContext.Builder b = LwsContext.builder().listen(false).protocol(Protocol.of("p", new Handler<>() {
            @Override
            public void onText(Connection c, Void s, String text) {
                events.add("text " + text);
            }

            @Override
            public void onClosed(Connection c, Void s, int code, String reason) {
                events.add("closed " + code);
            }

            @Override
            public void onConnectionError(ClientRequest request, String reason) {
                events.add("error " + reason);
            }
        }));
        if (deflate) {
            b.permessageDeflate(PermessageDeflate.defaults());
        }
        return track(b.build()).start();
    }

    Connection connect(LwsContext ctx, FakeServer srv) throws Exception {
        return ctx.connect(ClientRequest.to("ws://127.0.0.1:" + srv.port() + "/").build()).get(10, TimeUnit.SECONDS);
    }

    @Test
    void aServerAcceptingAnExtensionTwiceFailsTheConnect() throws Exception {
        LwsContext ctx = client(true);
        try (FakeServer srv = new FakeServer("Sec-WebSocket-Extensions: permessage-deflate, permessage-deflate\r\n")) {
            CompletableFuture<Connection> f = ctx.connect(
                    ClientRequest.to("ws://127.0.0.1:" + srv.port() + "/").build());
            try {
                Connection c = f.get(10, TimeUnit.SECONDS);
                throw new AssertionError("connected to a server that accepted permessage-deflate twice: " + c);
            } catch (ExecutionException expected) {
                assertTrue(expected.getCause() instanceof LwsException, String.valueOf(expected.getCause()));
            }
        }
        assertTrue(poll(events, "onConnectionError").startsWith("error"));
    }

    @Test
    void aServerAcceptingAnExtensionNobodyOfferedFailsTheConnect() throws Exception {
        LwsContext ctx = client(false);
        try (FakeServer srv = new FakeServer("Sec-WebSocket-Extensions: x-unknown\r\n")) {
            CompletableFuture<Connection> f = ctx.connect(
                    ClientRequest.to("ws://127.0.0.1:" + srv.port() + "/").build());
            ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                    () -> f.get(10, TimeUnit.SECONDS));
            assertNotNull(e.getCause());
        }
    }

    /** 5.1: "A client MUST close a connection if it detects a masked frame." */
    @Test
    void aMaskedServerFrameFailsTheConnection() throws Exception {
        LwsContext ctx = client(false);
        try (FakeServer srv = new FakeServer("")) {
            Connection c = connect(ctx, srv);
            Socket s = srv.socket();
            s.getOutputStream().write(concat(frame(0x81, null, 5, utf8("plain")),
                    frame(0x81, Hostile.mask(), 6, utf8("masked"))));
            assertEquals("text plain", poll(events, "the unmasked frame"));
            // the client fails the connection: a close frame with 1002; answer it as a server does
            RawClient.Frame close = readClientFrame(s);
            assertEquals(0x8, close.opcode(), "expected the client's close frame");
            assertEquals(CloseCodes.PROTOCOL_ERROR, close.closeCode());
            s.getOutputStream().write(frame(0x88, null, 2, closePayload(CloseCodes.PROTOCOL_ERROR, new byte[0])));
            String next = poll(events, "the end of the connection");
            assertTrue(next.startsWith("closed"), "the masked frame was delivered: " + next);
            waitUntil(() -> !c.isOpen(), "the connection to close");
        }
    }

    /**
     * The same failure, but the server never answers the client's close: libwebsockets
     * gives up after 5 s and drops the connection from a timer. The handler must hear
     * of it then, not whenever some later network event wakes the service loop.
     */
    @Test
    void aFailedClientConnectionIsReportedWhenTheServerNeverAnswers() throws Exception {
        LwsContext ctx = client(false);
        try (FakeServer srv = new FakeServer("")) {
            connect(ctx, srv);
            Socket s = srv.socket();
            s.getOutputStream().write(frame(0x81, Hostile.mask(), 6, utf8("masked")));
            assertEquals(0x8, readClientFrame(s).opcode(), "expected the client's close frame");
            long t0 = System.nanoTime();
            String next = poll(events, 9_000, "the end of the connection within 9 s");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(next.startsWith("closed"), next);
            assertTrue(ms < 9_000, "onClosed " + ms + " ms after the close frame");
        }
    }

    /** 7.4 on the client side (patch 0003): an invalid close code from the server is answered with 1002. */
    @Test
    void anInvalidCloseCodeFromTheServerIsAnsweredWith1002() throws Exception {
        LwsContext ctx = client(false);
        try (FakeServer srv = new FakeServer("")) {
            connect(ctx, srv);
            Socket s = srv.socket();
            s.getOutputStream().write(frame(0x88, null, 3, closePayload(5000, utf8("x"))));
            RawClient.Frame answer = readClientFrame(s);
            assertEquals(0x8, answer.opcode());
            assertEquals(CloseCodes.PROTOCOL_ERROR, answer.closeCode());
            assertEquals("closed " + CloseCodes.PROTOCOL_ERROR, poll(events, "onClosed"));
        }
    }

    /** 5.5.3 on the client side (patch 0004): of two pings, the most recent is answered. */
    @Test
    void ofTwoPingsFromTheServerTheLatestIsAnswered() throws Exception {
        LwsContext ctx = client(false);
        try (FakeServer srv = new FakeServer("")) {
            Connection c = connect(ctx, srv);
            Socket s = srv.socket();
            OutputStream out = s.getOutputStream();
            out.write(concat(frame(0x89, null, 5, utf8("first")), frame(0x89, null, 6, utf8("second"))));
            sleep(300); // the pongs go out before the marker is even sent
            c.sendText("marker");
            String lastPong = null;
            for (int i = 0; i < 4; i++) {
                RawClient.Frame f = readClientFrame(s);
                if (f.opcode() == 0x1) {
                    break;
                }
                assertEquals(0xa, f.opcode());
                lastPong = f.text();
            }
            assertEquals("second", lastPong);
        }
    }
}
