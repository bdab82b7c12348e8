package io.lwsj;

import static io.lwsj.Waits.await;
import static io.lwsj.Waits.sleep;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Sends from many threads at once (DESIGN invariant 1: commands queued for the one service thread). */
class ThreadSendTest extends ServerTestSupport {
    static final int THREADS = 8;
    static final int CONNECTIONS = 10;
    static final int PER_PAIR = 1000;

    @Test
    void eightThreadsSendingToTenConnectionsDeliverEveryMessageOnceInPerSenderOrder() throws Exception {
        List<Connection> conns = new CopyOnWriteArrayList<>();
        CountDownLatch established = new CountDownLatch(CONNECTIONS);
        Protocol<Void> p = Protocol.of("fan", new Handler<>() {
            @Override
            public void onEstablished(Connection c, Void s) {
                conns.add(c);
                established.countDown();
            }
        });
        LwsContext ctx = start(p);
        List<WsTestClient> clients = new ArrayList<>();
        for (int i = 0; i < CONNECTIONS; i++) {
            clients.add(client(ctx, "fan"));
        }
        await(established, "ESTABLISHED");

        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> senders = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int sender = t;
                senders.add(pool.submit(() -> {
                    go.await();
                    for (int n = 0; n < PER_PAIR; n++) {
                        for (Connection c : conns) {
                            if (!c.sendText(sender + ":" + n)) {
                                throw new AssertionError("send refused: sender " + sender + " n " + n + " " + c);
                            }
                        }
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : senders) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        for (WsTestClient c : clients) {
            int[] next = new int[THREADS];
            for (int i = 0; i < THREADS * PER_PAIR; i++) {
                String m = c.nextText();
                int colon = m.indexOf(':');
                int sender = Integer.parseInt(m.substring(0, colon));
                int n = Integer.parseInt(m.substring(colon + 1));
                if (n != next[sender]) {
                    fail("sender " + sender + ": expected " + next[sender] + ", got " + n + " (message " + i + ")");
                }
                next[sender]++;
            }
            for (int s = 0; s < THREADS; s++) {
                assertEquals(PER_PAIR, next[s], "messages from sender " + s);
            }
            c.assertNoMessage(0);
        }
        // nothing extra arrives later either
        sleep(100);
        for (WsTestClient c : clients) {
            assertTrue(c.messages.isEmpty(), "extra messages");
        }
    }

    @Test
    void sendsFromOtherThreadsInterleaveWithHandlerSendsWithoutLoss() throws Exception {
        AtomicReference<Connection> conn = new AtomicReference<>();
        CountDownLatch established = new CountDownLatch(1);
        Protocol<Void> p = Protocol.of("mix", new Handler<>() {
            @Override
            public void onEstablished(Connection c, Void s) {
                conn.set(c);
                established.countDown();
            }

            @Override
            public void onText(Connection c, Void s, String text) {
                c.sendText("echo:" + text);
            }
        });
        LwsContext ctx = start(p);
        WsTestClient c = client(ctx, "mix");
        await(established, "ESTABLISHED");
        int n = 2000;
        Thread t = new Thread(() -> {
            for (int i = 0; i < n; i++) {
                conn.get().sendText("thread:" + i);
            }
        });
        t.start();
        for (int i = 0; i < n; i++) {
            c.sendText(String.valueOf(i));
        }
        t.join(30_000);
        int threadNext = 0;
        int echoNext = 0;
        for (int i = 0; i < 2 * n; i++) {
            String m = c.nextText();
            if (m.startsWith("thread:")) {
                assertEquals("thread:" + threadNext++, m);
            } else {
                assertEquals("echo:" + echoNext++, m);
            }
        }
        assertEquals(n, threadNext);
        assertEquals(n, echoNext);
    }
}
