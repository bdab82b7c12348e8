package io.lwsj;

import static io.lwsj.Waits.waitUntil;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** libwebsocket_callback_on_writable and _all_protocol: Connection.requestWritable, LwsContext.requestWritableAll. */
class WritableTest extends ServerTestSupport {

    @Test
    void requestWritableGivesOneOnWritableAfterTheQueueDrains() {
        AtomicInteger writables = new AtomicInteger();
        Protocol<Void> p = Protocol.of("w", new Handler<>() {
            int left;

            @Override
            public void onText(Connection c, Void s, String text) {
                left = Integer.parseInt(text);
                c.requestWritable();
            }

            @Override
            public void onWritable(Connection c, Void s) {
                writables.incrementAndGet();
                c.sendText("chunk " + left);
                if (--left > 0) {
                    c.requestWritable();
                }
            }
        });
        LwsContext ctx = start(p);
        WsTestClient c = client(ctx, "w");
        c.sendText("5");
        for (int i = 5; i > 0; i--) {
            assertEquals("chunk " + i, c.nextText());
        }
        c.assertNoMessage(200);
        assertEquals(5, writables.get());
    }

    @Test
    void requestWritableFromAnotherThread() {
        AtomicReference<Connection> conn = new AtomicReference<>();
        Protocol<Void> p = Protocol.of("w", new Handler<>() {
            @Override
            public void onEstablished(Connection c, Void s) {
                conn.set(c);
            }

            @Override
            public void onWritable(Connection c, Void s) {
                c.sendText("writable");
            }
        });
        LwsContext ctx = start(p);
        WsTestClient c = client(ctx, "w");
        waitUntil(() -> conn.get() != null, "ESTABLISHED");
        conn.get().requestWritable();
        assertEquals("writable", c.nextText());
        c.assertNoMessage(200);
    }

    @Test
    void requestWritableAllReachesEveryConnectionOfThatProtocolOnly() {
        BlockingQueue<String> calls = new LinkedBlockingQueue<>();
        Protocol<Void> a = Protocol.of("a", new Handler<>() {
            @Override
            public void onWritable(Connection c, Void s) {
                calls.add("a");
                c.sendText("your turn");
            }
        });
        Protocol<Void> b = Protocol.of("b", new Handler<>() {
            @Override
            public void onWritable(Connection c, Void s) {
                calls.add("b");
                c.sendText("wrong protocol");
            }
        });
        LwsContext ctx = start(a, b);
        List<WsTestClient> as = List.of(client(ctx, "a"), client(ctx, "a"), client(ctx, "a"));
        WsTestClient bc = client(ctx, "b");
        bc.assertNoMessage(50);
        ctx.requestWritableAll(TestData.protocol(ctx, "a"));
        for (WsTestClient c : as) {
            assertEquals("your turn", c.nextText());
        }
        bc.assertNoMessage(200);
        assertEquals(List.of("a", "a", "a"), List.copyOf(calls));
    }
}
