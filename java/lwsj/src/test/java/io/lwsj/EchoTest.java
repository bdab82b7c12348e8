package io.lwsj;

import static io.lwsj.TestData.asciiText;
import static io.lwsj.TestData.copy;
import static io.lwsj.TestData.pattern;
import static io.lwsj.TestData.utf8;
import static io.lwsj.Waits.poll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Echo against the JDK WebSocket client: sizes, fragments, ping/pong, close codes (libwebsocket_write). */
class EchoTest extends ServerTestSupport {
    static final int[] SIZES = {0, 1, 125, 126, 65535, 65536, 1024 * 1024};

    /** Echoes, and reacts to a few commands sent as text. */
    static final class Commands implements Handler<Void> {
        final AtomicInteger texts = new AtomicInteger();
        final AtomicInteger binaries = new AtomicInteger();
        final BlockingQueue<String> received = new LinkedBlockingQueue<>();
        final BlockingQueue<byte[]> pongs = new LinkedBlockingQueue<>();
        final BlockingQueue<String> closed = new LinkedBlockingQueue<>();

        @Override
        public void onText(Connection c, Void s, String text) {
            texts.incrementAndGet();
            received.add(text);
            switch (text) {
                case "ping-me":
                    c.ping("srv".getBytes(StandardCharsets.UTF_8));
                    break;
                case "close-me":
                    c.close(4001, "server bye");
                    break;
                case "send-then-close":
                    c.sendText("one");
                    c.sendBinary(new byte[300_000]);
                    c.sendText("three");
                    c.close(4002, "after three");
                    break;
                case "close-default":
                    c.close();
                    break;
                case "pong-me":
                    c.pong("unsolicited".getBytes(StandardCharsets.UTF_8));
                    break;
                case "burst":
                    // 1 MiB from one handler call: more than the submission buffer holds at once
                    for (int i = 0; i < 1024; i++) {
                        byte[] b = new byte[1024];
                        Arrays.fill(b, (byte) i);
                        c.sendBinary(b);
                    }
                    c.sendText("burst done");
                    break;
                case "fragments-text":
                    c.sendFragment(utf8("ab"), false, true, false);
                    c.sendFragment(utf8("cd"), false, false, false);
                    c.sendFragment(utf8("ef"), false, false, true);
                    c.sendText("after");
                    break;
                case "fragments-binary":
                    c.sendFragment(ByteBuffer.wrap(new byte[] {1, 2}), true, true, false);
                    c.sendFragment(ByteBuffer.wrap(new byte[] {}), true, false, false);
                    c.sendFragment(ByteBuffer.wrap(new byte[] {3, 4, 5}), true, false, true);
                    c.sendText("after");
                    break;
                default:
                    c.sendText(text);
            }
        }

        @Override
        public void onBinary(Connection c, Void s, ByteBuffer data) {
            binaries.incrementAndGet();
            c.sendBinary(data);
        }

        @Override
        public void onPong(Connection c, Void s, ByteBuffer payload) {
            pongs.add(copy(payload));
        }

        @Override
        public void onClosed(Connection c, Void s, int code, String reason) {
            closed.add(code + " " + reason);
        }

    }

    @Test
    void textEchoOfSeveralSizes() {
        LwsContext ctx = start(echo("echo"));
        WsTestClient c = client(ctx, "echo");
        for (int n : SIZES) {
            String msg = asciiText(n);
            c.sendText(msg);
            String got = c.nextText();
            assertEquals(n, got.length(), "echoed length for size " + n);
            assertEquals(msg, got, "echo of size " + n);
        }
    }

    @Test
    void multiByteUtf8TextEchoes() {
        LwsContext ctx = start(echo("echo"));
        WsTestClient c = client(ctx, "echo");
        String msg = "h\u00e9llo \u4e16\u754c \ud83d\ude00 ".repeat(5000);
        c.assertEchoes(msg);
    }

    @Test
    void binaryEchoOfSeveralSizes() {
        LwsContext ctx = start(echo("echo"));
        WsTestClient c = client(ctx, "echo");
        for (int n : SIZES) {
            byte[] msg = pattern(n);
            c.sendBinary(msg);
            assertArrayEquals(msg, c.nextBinary(), "echo of size " + n);
        }
    }

    @Test
    void fragmentedTextFromTheClientIsAssembledIntoOneOnText() {
        Commands h = new Commands();
        LwsContext ctx = start(Protocol.of("echo", h));
        WsTestClient c = client(ctx, "echo");
        c.sendTextPart("ab", false);
        c.sendTextPart("cd", false);
        c.sendTextPart("ef", true);
        assertEquals("abcdef", c.nextText());
        assertEquals(1, h.texts.get(), "onText calls");
        assertEquals("abcdef", poll(h.received, "the handler's text"));
    }

    @Test
    void fragmentedBinaryFromTheClientIsAssembledIntoOneOnBinary() {
        Commands h = new Commands();
        LwsContext ctx = start(Protocol.of("echo", h));
        WsTestClient c = client(ctx, "echo");
        byte[] all = pattern(30_000);
        c.sendBinaryPart(Arrays.copyOfRange(all, 0, 10_000), false);
        c.sendBinaryPart(Arrays.copyOfRange(all, 10_000, 10_001), false);
        c.sendBinaryPart(Arrays.copyOfRange(all, 10_001, 30_000), true);
        assertArrayEquals(all, c.nextBinary());
        assertEquals(1, h.binaries.get(), "onBinary calls");
    }

    @Test
    void clientPingGetsPong() {
        LwsContext ctx = start(echo("echo"));
        WsTestClient c = client(ctx, "echo");
        c.sendPing("are you there".getBytes(StandardCharsets.UTF_8));
        byte[] pong = poll(c.pongs, "pong");
        assertEquals("are you there", new String(pong, StandardCharsets.UTF_8));
        c.assertEchoes("still echoing");
    }

    @Test
    void serverPingReachesTheClientAndItsPongReachesOnPong() {
        Commands h = new Commands();
        LwsContext ctx = start(Protocol.of("echo", h));
        WsTestClient c = client(ctx, "echo");
        c.sendText("ping-me");
        assertEquals("srv", new String(poll(c.pings, "server ping at the client"), StandardCharsets.UTF_8));
        assertEquals("srv", new String(poll(h.pongs, "the client's pong in onPong"), StandardCharsets.UTF_8));
    }

    @Test
    void clientCloseCodeAndReasonReachOnClosed() {
        Commands h = new Commands();
        LwsContext ctx = start(Protocol.of("echo", h));
        WsTestClient c = client(ctx, "echo");
        c.assertEchoes("hi");
        c.sendClose(4000, "bye");
        assertEquals("4000 bye", poll(h.closed, "onClosed"));
        c.awaitEnd();
    }

    @Test
    void serverCloseCodeAndReasonReachTheClient() {
        Commands h = new Commands();
        LwsContext ctx = start(Protocol.of("echo", h));
        WsTestClient c = client(ctx, "echo");
        c.sendText("close-me");
        WsTestClient.End end = c.awaitClose();
        assertEquals(4001, end.code());
        assertEquals("server bye", end.reason());
        poll(h.closed, "onClosed after a server close");
    }

    @Test
    void serverFragmentsArriveAsOneTextMessage() {
        Commands h = new Commands();
        LwsContext ctx = start(Protocol.of("echo", h));
        WsTestClient c = client(ctx, "echo");
        c.sendText("fragments-text");
        assertEquals("abcdef", c.nextText());
        assertEquals("after", c.nextText());
    }

    @Test
    void serverFragmentsArriveAsOneBinaryMessage() {
        Commands h = new Commands();
        LwsContext ctx = start(Protocol.of("echo", h));
        WsTestClient c = client(ctx, "echo");
        c.sendText("fragments-binary");
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5}, c.nextBinary());
        assertEquals("after", c.nextText());
    }

    @Test
    void closeAfterSendsDeliversWhatWasQueuedFirst() {
        LwsContext ctx = start(Protocol.of("echo", new Commands()));
        WsTestClient c = client(ctx, "echo");
        c.sendText("send-then-close");
        assertEquals("one", c.nextText());
        assertEquals(300_000, c.nextBinary().length);
        assertEquals("three", c.nextText());
        WsTestClient.End end = c.awaitClose();
        assertEquals(4002, end.code());
        assertEquals("after three", end.reason());
    }

    @Test
    void serverCloseWithoutArgumentsSends1000() {
        Commands h = new Commands();
        LwsContext ctx = start(Protocol.of("echo", h));
        WsTestClient c = client(ctx, "echo");
        c.sendText("close-default");
        assertEquals(CloseCodes.NORMAL, c.awaitClose().code());
    }

    @Test
    void serverUnsolicitedPongReachesTheClient() {
        LwsContext ctx = start(Protocol.of("echo", new Commands()));
        WsTestClient c = client(ctx, "echo");
        c.sendText("pong-me");
        assertEquals("unsolicited", new String(poll(c.pongs, "pong at the client"), StandardCharsets.UTF_8));
    }

    @Test
    void aMebibyteSentFromOneHandlerCallArrivesInOrder() {
        LwsContext ctx = start(Protocol.of("echo", new Commands()));
        WsTestClient c = client(ctx, "echo");
        c.sendText("burst");
        for (int i = 0; i < 1024; i++) {
            byte[] b = c.nextBinary();
            assertEquals(1024, b.length);
            for (byte x : b) {
                if (x != (byte) i) {
                    throw new AssertionError("message " + i + " holds byte " + x);
                }
            }
        }
        assertEquals("burst done", c.nextText());
    }

    @Test
    void badControlAndCloseArgumentsAreIllegalArguments() {
        BlockingQueue<List<String>> found = new LinkedBlockingQueue<>();
        LwsContext ctx = start(Protocol.of("echo", new Handler<>() {
            @Override
            public void onText(Connection c, Void s, String text) {
                List<String> r = new ArrayList<>();
                r.add(StaleHandleTest.outcome(() -> c.ping(new byte[126])));
                r.add(StaleHandleTest.outcome(() -> c.pong(new byte[126])));
                r.add(StaleHandleTest.outcome(() -> c.close(1005, "")));
                r.add(StaleHandleTest.outcome(() -> c.close(999, "")));
                r.add(StaleHandleTest.outcome(() -> c.close(4000, "r".repeat(124))));
                r.add(StaleHandleTest.outcome(() -> c.sendBinary(new byte[4], 2, 3)));
                r.add(StaleHandleTest.outcome(() -> c.ping(new byte[125])));
                found.add(r);
                c.sendText("checked");
            }
        }));
        WsTestClient c = client(ctx, "echo");
        c.sendText("check");
        assertEquals("checked", c.nextText());
        assertEquals(List.of("IllegalArgumentException", "IllegalArgumentException",
                "IllegalArgumentException", "IllegalArgumentException", "IllegalArgumentException",
                "IndexOutOfBoundsException", "ok"), poll(found, "the handler's findings"));
        assertEquals(125, poll(c.pings, "the 125-byte ping").length);
    }

    /**
     * The glue recycles frame memory by size class: frames of one class but of other
     * lengths, and classes freed and reused in any order, must still carry exactly
     * their own bytes. Sizes cross class edges (64, 80, 96, 112, 128, ... 1 MiB) and go
     * beyond the largest pooled class.
     */
    @Test
    void binaryEchoesOfMixedSizesComeBackIntact() {
        LwsContext ctx = start(echo("echo"));
        WsTestClient c = client(ctx, "echo");
        java.util.Random random = new java.util.Random(6455);
        int[] edges = {0, 1, 63, 64, 65, 79, 80, 81, 112, 113, 4095, 4096, 4097, 16384, 16385,
            20480, 20481, 1 << 20, (1 << 20) + 1, (1 << 20) + 300_000};
        List<byte[]> sent = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            int n = i < edges.length ? edges[i]
                    : random.nextInt(4) == 0 ? random.nextInt(300_000) : random.nextInt(2048);
            byte[] msg = new byte[n];
            random.nextBytes(msg);
            sent.add(msg);
        }
        int window = 8;
        for (int i = 0; i < sent.size() + window; i++) {
            if (i < sent.size()) {
                c.sendBinary(sent.get(i));
            }
            if (i >= window) {
                byte[] want = sent.get(i - window);
                assertArrayEquals(want, c.nextBinary(), "echo " + (i - window) + " of " + want.length + " bytes");
            }
        }
    }

    @Test
    void manyMessagesEchoInOrder() {
        LwsContext ctx = start(echo("echo"));
        WsTestClient c = client(ctx, "echo");
        int n = 2000;
        for (int i = 0; i < n; i++) {
            c.sendText("m" + i);
        }
        for (int i = 0; i < n; i++) {
            assertEquals("m" + i, c.nextText());
        }
    }
}
