package io.lwsj;

import static io.lwsj.TestData.pattern;
import static io.lwsj.Waits.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** libwebsockets_broadcast and LWS_CALLBACK_BROADCAST, done by the glue. */
class BroadcastTest extends ServerTestSupport {
    static final int NEWS_CLIENTS = 20;
    static final int OTHER_CLIENTS = 3;

    /** Echoes, and on "shout:X" broadcasts X to the "news" protocol from inside the handler. */
    static Protocol<Void> news(CountDownLatch established) {
        return Protocol.of("news", new Handler<>() {
            @Override
            public void onEstablished(Connection c, Void s) {
                established.countDown();
            }

            @Override
            public void onText(Connection c, Void s, String text) {
                if (text.startsWith("shout:")) {
                    c.context().broadcastText(TestData.protocol(c.context(), "news"), text.substring(6));
                } else {
                    c.sendText(text);
                }
            }
        });
    }

    static Protocol<Void> other(CountDownLatch established) {
        return Protocol.of("other", new Handler<>() {
            @Override
            public void onEstablished(Connection c, Void s) {
                established.countDown();
            }
        });
    }

    List<WsTestClient> connectAll(LwsContext ctx, String protocol, int n) {
        List<WsTestClient> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(client(ctx, protocol));
        }
        return list;
    }

    @Test
    void broadcastFromAnotherThreadReachesEveryClientOfThatProtocolOnly() throws Exception {
        CountDownLatch established = new CountDownLatch(NEWS_CLIENTS + OTHER_CLIENTS);
        LwsContext ctx = start(news(established), other(established));
        List<WsTestClient> news = connectAll(ctx, "news", NEWS_CLIENTS);
        List<WsTestClient> others = connectAll(ctx, "other", OTHER_CLIENTS);
        await(established, "ESTABLISHED of every client");

        CompletableFuture.runAsync(() -> ctx.broadcastText(TestData.protocol(ctx, "news"), "headline")).get(10, TimeUnit.SECONDS);
        CompletableFuture.runAsync(() -> ctx.broadcastBinary(TestData.protocol(ctx, "news"), new byte[] {7, 8, 9})).get(10, TimeUnit.SECONDS);
        CompletableFuture.runAsync(() -> ctx.broadcastBinary(TestData.protocol(ctx, "news"), ByteBuffer.wrap(new byte[] {0, 1, 2, 3}, 1, 2)))
                .get(10, TimeUnit.SECONDS);
        for (WsTestClient c : news) {
            assertEquals("headline", c.nextText());
            assertArrayEquals(new byte[] {7, 8, 9}, c.nextBinary());
            assertArrayEquals(new byte[] {1, 2}, c.nextBinary());
        }
        // the other protocol's first message must be its own broadcast, not the news
        ctx.broadcastText(TestData.protocol(ctx, "other"), "for others");
        for (WsTestClient c : others) {
            assertEquals("for others", c.nextText());
        }
        for (WsTestClient c : news) {
            c.assertNoMessage(0);
        }
    }

    @Test
    void broadcastFromInsideAHandlerReachesEveryClientIncludingTheSender() {
        CountDownLatch established = new CountDownLatch(NEWS_CLIENTS);
        LwsContext ctx = start(news(established));
        List<WsTestClient> news = connectAll(ctx, "news", NEWS_CLIENTS);
        await(established, "ESTABLISHED");
        news.get(3).sendText("shout:from client 3");
        for (WsTestClient c : news) {
            assertEquals("from client 3", c.nextText());
        }
    }

    @Test
    void largeBroadcastArrivesWholeEverywhere() {
        CountDownLatch established = new CountDownLatch(5);
        LwsContext ctx = start(news(established));
        List<WsTestClient> news = connectAll(ctx, "news", 5);
        await(established, "ESTABLISHED");
        byte[] big = pattern(300_000);
        ctx.broadcastBinary(TestData.protocol(ctx, "news"), big);
        for (WsTestClient c : news) {
            assertArrayEquals(big, c.nextBinary());
        }
    }

    @Test
    void broadcastToAnUnknownProtocolIsAnIllegalArgument() {
        LwsContext ctx = start(echo("echo"));
        assertThrows(IllegalArgumentException.class, () -> ctx.broadcastText(TestData.protocol(ctx, "nope"), "x"));
    }

    @Test
    void broadcastCallbackIsCalledPerConnectionAndCanVetoOne() {
        int n = 5;
        CountDownLatch named = new CountDownLatch(n);
        AtomicInteger callbacks = new AtomicInteger();
        AtomicInteger binaries = new AtomicInteger();
        Protocol<AtomicReference<String>> p = Protocol.builder("vetoing", new Handler<AtomicReference<String>>() {
            @Override
            public void onText(Connection c, AtomicReference<String> name, String text) {
                name.set(text);
                c.sendText("named " + text);
                named.countDown();
            }

            @Override
            public void onBroadcast(Connection c, AtomicReference<String> name, ByteBuffer data, boolean binary) {
                callbacks.incrementAndGet();
                if (binary) {
                    binaries.incrementAndGet();
                }
                if ("c0".equals(name.get())) {
                    return; // veto: c0 gets nothing
                }
                Handler.super.onBroadcast(c, name, data, binary);
            }
        }).session(c -> new AtomicReference<>()).broadcastCallback(true).build();
        LwsContext ctx = start(p);
        List<WsTestClient> clients = connectAll(ctx, "vetoing", n);
        for (int i = 0; i < n; i++) {
            clients.get(i).sendText("c" + i);
            assertEquals("named c" + i, clients.get(i).nextText());
        }
        await(named, "every client named");

        ctx.broadcastText(TestData.protocol(ctx, "vetoing"), "to all but c0");
        ctx.broadcastBinary(TestData.protocol(ctx, "vetoing"), new byte[] {42});
        for (int i = 1; i < n; i++) {
            assertEquals("to all but c0", clients.get(i).nextText());
            assertArrayEquals(new byte[] {42}, clients.get(i).nextBinary());
        }
        // c0: nothing from the broadcasts; the first thing it gets is this echo
        clients.get(0).sendText("after");
        assertEquals("named after", clients.get(0).nextText());
        assertEquals(2 * n, callbacks.get(), "onBroadcast calls (one per connection per broadcast)");
        assertEquals(n, binaries.get(), "binary flag in onBroadcast");
    }
}
