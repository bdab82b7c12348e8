package io.lwsj;

import static io.lwsj.TestData.asciiText;
import static io.lwsj.TestData.pattern;
import static io.lwsj.Waits.poll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Protocol.maxMessageSize: a longer message closes that connection with 1009. */
class MaxMessageSizeTest extends ServerTestSupport {
    private final AtomicInteger delivered = new AtomicInteger();
    private final BlockingQueue<Integer> closeCodes = new LinkedBlockingQueue<>();

    private LwsContext startLimited() {
        Protocol<Void> p = Protocol.builder("limited", new Handler<Void>() {
            @Override
            public void onText(Connection c, Void s, String text) {
                delivered.incrementAndGet();
                c.sendText(text);
            }

            @Override
            public void onBinary(Connection c, Void s, ByteBuffer data) {
                delivered.incrementAndGet();
                c.sendBinary(data);
            }

            @Override
            public void onClosed(Connection c, Void s, int code, String reason) {
                closeCodes.add(code);
            }
        }).maxMessageSize(1000).build();
        return start(p);
    }

    @Test
    void messageOverTheLimitClosesWith1009AndOthersKeepWorking() {
        LwsContext ctx = startLimited();
        WsTestClient big = client(ctx, "limited");
        WsTestClient other = client(ctx, "limited");
        other.assertEchoes("before");
        big.sendBinary(pattern(2000));
        WsTestClient.End end = big.awaitClose();
        assertEquals(CloseCodes.MESSAGE_TOO_BIG, end.code(), "close code at the client");
        assertEquals(CloseCodes.MESSAGE_TOO_BIG, poll(closeCodes, "onClosed"), "close code in onClosed");
        other.assertEchoes("after");
        assertEquals(2, delivered.get(), "messages delivered to the handler (the big one must not be)");
    }

    @Test
    void messageAtTheLimitIsDelivered() {
        LwsContext ctx = startLimited();
        WsTestClient c = client(ctx, "limited");
        byte[] exact = pattern(1000);
        c.sendBinary(exact);
        assertArrayEquals(exact, c.nextBinary());
        c.assertEchoes(asciiText(1000));
    }

    @Test
    void fragmentsThatTogetherExceedTheLimitCloseWith1009() {
        LwsContext ctx = startLimited();
        WsTestClient c = client(ctx, "limited");
        c.sendTextPart(asciiText(600), false);
        c.sendTextPart(asciiText(600), true);
        WsTestClient.End end = c.awaitClose();
        assertEquals(CloseCodes.MESSAGE_TOO_BIG, end.code());
        assertEquals(0, delivered.get(), "messages delivered");
        client(ctx, "limited").assertEchoes("a fresh client still works");
    }
}
