package io.lwsj;

import static io.lwsj.TestData.pattern;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Bad input from the network gets no upgrade and never harms the server (DESIGN invariant 6). */
class BadHandshakeTest extends ServerTestSupport {

    /** Sends bytes and expects an HTTP error or a close, never 101; then checks a fresh client echoes. */
    void assertRefusedAndServerSurvives(LwsContext ctx, byte[] request) throws IOException {
        try (RawClient c = raw(ctx)) {
            try {
                c.write(request);
            } catch (SocketException e) {
                // the server may close before it has read everything
            }
            RawClient.Head h;
            try {
                h = c.readHead();
            } catch (SocketException e) {
                h = null; // reset
            } catch (SocketTimeoutException e) {
                fail("the server neither answered nor closed");
                return;
            }
            if (h != null) {
                assertNotEquals(101, h.status(), "upgraded: " + h.statusLine());
                assertTrue(h.status() >= 400 || h.status() == -1, "expected an HTTP error, got " + h.statusLine());
            }
        }
        client(ctx, "echo").assertEchoes("still here");
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void garbageInsteadOfHttp() throws IOException {
        LwsContext ctx = start(echo("echo"));
        byte[] garbage = new byte[512];
        for (int i = 0; i < garbage.length; i++) {
            garbage[i] = (byte) (i * 7 + 3);
        }
        assertRefusedAndServerSurvives(ctx, garbage);
        assertRefusedAndServerSurvives(ctx, ascii("HELLO THERE\r\n\r\n"));
        assertRefusedAndServerSurvives(ctx, ascii("\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u01fc\u0003\u0003"
                + "\r\n\r\n"));
    }

    @Test
    void upgradeWithoutSecWebSocketKey() throws IOException {
        LwsContext ctx = start(echo("echo"));
        assertRefusedAndServerSurvives(ctx, ascii(RawClient.upgradeRequest(ctx.port(), "/", null, "13", "echo", null)));
    }

    @Test
    void upgradeWithWrongSecWebSocketVersion() throws IOException {
        LwsContext ctx = start(echo("echo"));
        assertRefusedAndServerSurvives(ctx,
                ascii(RawClient.upgradeRequest(ctx.port(), "/", RawClient.newKey(), "8", "echo", null)));
        assertRefusedAndServerSurvives(ctx,
                ascii(RawClient.upgradeRequest(ctx.port(), "/", RawClient.newKey(), "banana", "echo", null)));
    }

    @Test
    void oversizedHeaders() throws IOException {
        LwsContext ctx = start(echo("echo"));
        assertRefusedAndServerSurvives(ctx, ascii(RawClient.upgradeRequest(ctx.port(), "/", RawClient.newKey(), "13",
                "echo", Map.of("X-Huge", "h".repeat(64 * 1024)))));
    }

    /**
     * RFC 6455 5.1 wants a server to close on an unmasked client frame; libwebsockets
     * 4.3 accepts it. Whatever happens to that connection, no other one may notice.
     */
    @Test
    void unmaskedClientFrameDoesNotDisturbOtherConnections() throws IOException {
        LwsContext ctx = start(echo("echo"));
        WsTestClient other = client(ctx, "echo");
        try (RawClient c = rawHandshake(ctx, "echo")) {
            c.write(new byte[] {(byte) 0x81, 0x02, 'h', 'i'});
            try {
                RawClient.Frame f = c.readFrame();
                assertTrue(f.opcode() == 0x8 || (f.opcode() == 0x1 && f.text().equals("hi")),
                        "expected a close or the echo, got opcode " + f.opcode());
            } catch (IOException e) {
                // closed without a close frame: also acceptable
            }
        }
        other.assertEchoes("unaffected");
        client(ctx, "echo").assertEchoes("and a new client too");
    }

    @Test
    void invalidUtf8InATextFrameClosesWith1007() throws IOException {
        LwsContext ctx = start(echo("echo"));
        try (RawClient c = rawHandshake(ctx, "echo")) {
            c.sendFrame(0x1, true, new byte[] {'o', 'k', (byte) 0xc3, (byte) 0x28});
            RawClient.Frame f = c.readFrame();
            assertEquals(0x8, f.opcode(), "expected a close frame");
            assertEquals(CloseCodes.INVALID_PAYLOAD, f.closeCode());
        }
        client(ctx, "echo").assertEchoes("fine");
    }

    @Test
    void rawClientFramesOfEveryLengthEncodingEcho() throws IOException {
        LwsContext ctx = start(echo("echo"));
        try (RawClient c = rawHandshake(ctx, "echo")) {
            for (int n : new int[] {0, 125, 126, 65535, 65536, 100_000}) {
                byte[] p = pattern(n);
                c.sendFrame(0x2, true, p);
                RawClient.Frame f = c.readFrame();
                assertEquals(0x2, f.opcode());
                assertTrue(f.fin());
                assertArrayEquals(p, f.payload(), "size " + n);
            }
            c.sendFrame(0x8, true, new byte[] {0x03, (byte) 0xe8});
            RawClient.Frame close = c.readFrame();
            assertEquals(0x8, close.opcode());
        }
    }
}
