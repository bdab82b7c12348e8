package io.lwsj;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * DESIGN invariant 1 under load: 8 threads that are not the service thread send to 100
 * server connections while 20 of them close and are replaced. Every message a send
 * accepted on a connection that stays open arrives exactly once, in the order its thread
 * sent it; on a connection that closes, what arrives is a gap-free prefix of what was
 * accepted, never a duplicate; a send to a closed connection fails with
 * ConnectionClosedException. The clients are lwsj clients in a second context.
 */
class ConcurrentSendStressTest extends ServerTestSupport {
    private static final int CONNECTIONS = 100;
    private static final int SENDERS = 8;
    private static final int PER_SENDER_PER_CONNECTION = 200;
    private static final int CHURNED = 20;

    /** What one client received: the next expected sequence number per sender. */
    private static final class Received {
        final int[] next = new int[SENDERS];
        volatile String error;
        final AtomicInteger count = new AtomicInteger();
    }

    @Test
    void eightThreadsSendTo100ConnectionsWhileSomeCloseAndEveryMessageIsAccountedFor() throws Exception {
        List<Connection> serverSide = new CopyOnWriteArrayList<>();
        CountDownLatch firstWave = new CountDownLatch(CONNECTIONS);
        Protocol<Void> server = Protocol.builder("stress", new Handler<Void>() {
            @Override
            public void onEstablished(Connection c, Void s) {
                serverSide.add(c);
                firstWave.countDown();
            }
        }).maxQueuedBytes(64L << 20).build();
        LwsContext srv = start(server);

        Map<Long, Received> received = new ConcurrentHashMap<>();
        Protocol<Void> client = Protocol.builder("stress", new Handler<Void>() {
            @Override
            public void onBinary(Connection c, Void s, ByteBuffer data) {
                Received r = received.computeIfAbsent(c.id(), k -> new Received());
                int sender = data.getInt(data.position());
                int seq = data.getInt(data.position() + 4);
                if (r.next[sender] != seq && r.error == null) {
                    r.error = "sender " + sender + ": expected #" + r.next[sender] + ", got #" + seq;
                }
                r.next[sender] = seq + 1;
                r.count.incrementAndGet();
            }
        }).build();
        LwsContext cli = track(LwsContext.builder().listen(false).maxConnections(CONNECTIONS + CHURNED + 8)
                .protocol(client).build()).start();

        List<Connection> clients = new ArrayList<>();
        for (int i = 0; i < CONNECTIONS; i++) {
            clients.add(cli.connect(ClientRequest.to("ws://127.0.0.1:" + srv.port() + "/").build())
                    .get(10, TimeUnit.SECONDS));
        }
        assertTrue(firstWave.await(10, TimeUnit.SECONDS), "server saw every connection");
        List<Connection> targets = new ArrayList<>(serverSide);

        // per server connection and sender: how many sends were accepted
        Map<Long, AtomicLong[]> accepted = new ConcurrentHashMap<>();
        for (Connection c : targets) {
            AtomicLong[] a = new AtomicLong[SENDERS];
            for (int i = 0; i < SENDERS; i++) {
                a[i] = new AtomicLong();
            }
            accepted.put(c.id(), a);
        }
        AtomicInteger closedSends = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < SENDERS; t++) {
            int sender = t;
            threads.add(new Thread(() -> {
                ByteBuffer m = ByteBuffer.allocate(32);
                for (int seq = 0; seq < PER_SENDER_PER_CONNECTION; seq++) {
                    for (Connection c : targets) {
                        m.clear();
                        m.putInt(sender).putInt(seq).flip();
                        try {
                            if (c.sendBinary(m)) {
                                accepted.get(c.id())[sender].incrementAndGet();
                            }
                        } catch (ConnectionClosedException e) {
                            closedSends.incrementAndGet();
                        }
                    }
                }
            }, "sender-" + t));
        }
        // churn: close some client connections from the client side and open new ones
        Thread churn = new Thread(() -> {
            for (int i = 0; i < CHURNED; i++) {
                clients.get(i).close(4000, "churn");
                cli.connect(ClientRequest.to("ws://127.0.0.1:" + srv.port() + "/").build());
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "churn");
        threads.forEach(Thread::start);
        churn.start();
        for (Thread t : threads) {
            t.join(60_000);
            assertTrue(!t.isAlive(), t.getName() + " finished in time");
        }
        churn.join(10_000);

        // the connections that stayed open get everything that was accepted for them
        long deadline = System.currentTimeMillis() + 30_000;
        // the churned closes reach the server in their own time
        long closeDeadline = System.currentTimeMillis() + 10_000;
        while (targets.stream().filter(Connection::isOpen).count() > CONNECTIONS - CHURNED
                && System.currentTimeMillis() < closeDeadline) {
            Thread.sleep(20);
        }
        long expectedForSurvivors = 0;
        int survivors = 0;
        for (Connection c : targets) {
            if (c.isOpen()) {
                survivors++;
                for (AtomicLong a : accepted.get(c.id())) {
                    expectedForSurvivors += a.get();
                }
            }
        }
        for (;;) {
            long got = 0;
            for (int i = CHURNED; i < CONNECTIONS; i++) {
                Received r = received.get(clients.get(i).id());
                got += r == null ? 0 : r.count.get();
            }
            if (got >= (long) (CONNECTIONS - CHURNED) * SENDERS * PER_SENDER_PER_CONNECTION
                    || System.currentTimeMillis() > deadline) {
                break;
            }
            Thread.sleep(20);
        }
        for (Received r : received.values()) {
            assertEquals(null, r.error, "order or duplicate problem");
        }
        for (int i = CHURNED; i < CONNECTIONS; i++) {
            Received r = received.get(clients.get(i).id());
            assertEquals(SENDERS * PER_SENDER_PER_CONNECTION, r == null ? 0 : r.count.get(),
                    "every message reached client " + i + ", which stayed open");
        }
        assertEquals((long) survivors * SENDERS * PER_SENDER_PER_CONNECTION, expectedForSurvivors,
                "every send to a connection that stayed open was accepted");
        assertEquals(CONNECTIONS - CHURNED, survivors, "exactly the churned connections closed");
        for (int i = 0; i < CHURNED; i++) {
            Received r = received.get(clients.get(i).id());
            assertTrue(r == null || r.count.get() <= SENDERS * PER_SENDER_PER_CONNECTION,
                    "a closed connection got no more than was sent");
        }
    }
}
