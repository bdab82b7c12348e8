package io.lwsj;

import static io.lwsj.TestData.pattern;
import static io.lwsj.Waits.await;
import static io.lwsj.Waits.poll;
import static io.lwsj.Waits.sleep;
import static io.lwsj.Waits.waitUntil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * DESIGN invariant 4: a bound on queued bytes per connection, and the application's
 * choice at the bound (Protocol.maxQueuedBytes, Overflow, Connection.bufferedAmount).
 */
class BackpressureTest extends ServerTestSupport {
    static final int BOUND = 64 * 1024;
    static final int MESSAGE = 1024;
    static final int FRAME_OVERHEAD = 14;
    static final int TOTAL = 1024 * 1024;

    /** What the flooding handler saw. */
    record Flood(int accepted, int refused, long maxBuffered, boolean openAfter) {}

    final BlockingQueue<Flood> floods = new LinkedBlockingQueue<>();
    final BlockingQueue<String> closed = new LinkedBlockingQueue<>();

    /** On "flood", sends 1 MiB in 1 KiB messages from the handler; echoes anything else. */
    Protocol<Void> flooding(Overflow policy) {
        return Protocol.builder("flood", new Handler<Void>() {
            @Override
            public void onText(Connection c, Void s, String text) {
                if (!text.equals("flood")) {
                    c.sendText(text);
                    return;
                }
                byte[] chunk = pattern(MESSAGE);
                int accepted = 0;
                int refused = 0;
                long max = 0;
                for (int sent = 0; sent < TOTAL; sent += MESSAGE) {
                    if (c.sendBinary(chunk)) {
                        accepted++;
                    } else {
                        refused++;
                    }
                    max = Math.max(max, c.bufferedAmount());
                }
                floods.add(new Flood(accepted, refused, max, c.isOpen()));
            }

            @Override
            public void onClosed(Connection c, Void s, int code, String reason) {
                closed.add(code + " " + reason);
            }
        }).maxQueuedBytes(BOUND).onOverflow(policy, 4008).build();
    }

    /** A raw client with a small receive window that asks for the flood and then never reads. */
    RawClient slowConsumer(LwsContext ctx) throws Exception {
        RawClient slow = closeLater(RawClient.connect(ctx.port(), 4096));
        slow.upgrade(ctx.port(), "flood");
        slow.sendText("flood");
        return slow;
    }

    @Test
    void refusePolicyMakesSendReturnFalseAndKeepsBufferedAmountWithinTheBound() throws Exception {
        LwsContext ctx = start(flooding(Overflow.REFUSE));
        WsTestClient normal = client(ctx, "flood");
        slowConsumer(ctx);
        Flood f = poll(floods, "the flood");
        assertTrue(f.refused() > 0, "send() never returned false: " + f);
        assertTrue(f.accepted() > 0, "nothing was accepted: " + f);
        assertTrue(f.maxBuffered() <= BOUND + MESSAGE + FRAME_OVERHEAD, "bufferedAmount above the bound: " + f);
        assertTrue(f.accepted() * (long) (MESSAGE + FRAME_OVERHEAD) <= BOUND + MESSAGE + FRAME_OVERHEAD,
                "more accepted than fits the bound: " + f);
        assertTrue(f.openAfter(), "REFUSE closed the connection: " + f);
        normal.assertEchoes("unaffected");
        assertTrue(closed.isEmpty(), "a connection closed under REFUSE: " + closed);
    }

    @Test
    void closePolicyClosesTheSlowConsumerWhileAnotherClientKeepsEchoing() throws Exception {
        LwsContext ctx = start(flooding(Overflow.CLOSE));
        WsTestClient normal = client(ctx, "flood");
        normal.assertEchoes("before");
        slowConsumer(ctx);
        Flood f = poll(floods, "the flood");
        assertTrue(f.refused() > 0, "send() never returned false: " + f);
        assertTrue(f.maxBuffered() <= BOUND + MESSAGE + FRAME_OVERHEAD, "bufferedAmount above the bound: " + f);
        normal.assertEchoes("during");
        // the slow consumer never answers the close frame: lws gives up after its close timeout
        String how = poll(closed, 15_000, "onClosed of the slow consumer");
        assertEquals("4008 send queue full", how);
        normal.assertEchoes("after");
    }

    @Test
    void sendsFromAnotherThreadAreRefusedAtTheBoundToo() throws Exception {
        AtomicReference<Connection> slowConn = new AtomicReference<>();
        Protocol<Void> p = Protocol.builder("bounded", new Handler<Void>() {
            @Override
            public void onEstablished(Connection c, Void s) {
                slowConn.compareAndSet(null, c);
            }
        }).maxQueuedBytes(BOUND).build();
        LwsContext ctx = start(p);
        RawClient slow = closeLater(RawClient.connect(ctx.port(), 4096));
        slow.upgrade(ctx.port(), "bounded");
        waitUntil(() -> slowConn.get() != null, "ESTABLISHED");
        Connection c = slowConn.get();
        byte[] chunk = pattern(MESSAGE);
        int refused = 0;
        long max = 0;
        // 16 MiB: more than loopback buffers take, so the queue must fill up
        for (int i = 0; i < 16 * 1024; i++) {
            if (!c.sendBinary(chunk)) {
                refused++;
            }
            max = Math.max(max, c.bufferedAmount());
        }
        assertTrue(refused > 0, "send() from another thread never returned false");
        assertTrue(max <= BOUND + MESSAGE + FRAME_OVERHEAD, "bufferedAmount " + max + " above the bound");
        assertTrue(c.isOpen());
    }

    @Test
    void broadcastOverflowClosesOnlyTheSlowConsumerUnderClosePolicy() throws Exception {
        CountDownLatch established = new CountDownLatch(2);
        Protocol<Void> p = Protocol.builder("news", new Handler<Void>() {
            @Override
            public void onEstablished(Connection c, Void s) {
                established.countDown();
            }

            @Override
            public void onClosed(Connection c, Void s, int code, String reason) {
                closed.add(code + " " + reason);
            }
        }).maxQueuedBytes(BOUND).onOverflow(Overflow.CLOSE, 4008).build();
        LwsContext ctx = start(p);
        WsTestClient normal = client(ctx, "news");
        RawClient slow = closeLater(RawClient.connect(ctx.port(), 4096));
        slow.upgrade(ctx.port(), "news");
        await(established, "ESTABLISHED");
        // 8 MiB in 16 KiB broadcasts, paced by the normal client: more than the kernel buffers
        // of the slow consumer can take, so its queue must reach the bound
        int size = 16 * 1024;
        for (int i = 0; i < 512; i++) {
            byte[] m = pattern(size);
            m[0] = (byte) i;
            ctx.broadcastBinary(TestData.protocol(ctx, "news"), m);
            byte[] got = normal.nextBinary();
            assertEquals(size, got.length);
            assertEquals((byte) i, got[0], "broadcast " + i + " at the normal client");
            if (i % 64 == 63 && !closed.isEmpty()) {
                break;
            }
        }
        String how = poll(closed, 15_000, "onClosed of the slow consumer");
        assertEquals("4008 send queue full", how);
        ctx.broadcastText(TestData.protocol(ctx, "news"), "still here");
        assertEquals("still here", normal.nextText());
        assertTrue(closed.isEmpty(), "another connection closed: " + closed);
    }
}
