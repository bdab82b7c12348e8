package io.lwsj;

import static io.lwsj.Waits.WAIT_MS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lwsj.internal.Internals;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Contexts with several service threads: connections spread over the threads, each
 * connection's calls on one of them, and every context-wide path (broadcast, writable for
 * all, sends from other threads, client connects, counters, close) over all of them.
 */
class ServiceThreadsTest {
    private static final int CLIENTS = 24;

    /** Remembers, per connection, every thread its handler was called on. */
    static final class ThreadRecorder implements Handler<Void> {
        final Map<Connection, Set<String>> threads = new ConcurrentHashMap<>();
        final AtomicInteger writable = new AtomicInteger();
        final CountDownLatch closed;

        ThreadRecorder(int connections) {
            closed = new CountDownLatch(connections);
        }

        private void seen(Connection c) {
            threads.computeIfAbsent(c, k -> new CopyOnWriteArraySet<>()).add(Thread.currentThread().getName());
        }

        @Override
        public void onEstablished(Connection c, Void session) {
            seen(c);
        }

        @Override
        public void onText(Connection c, Void session, String text) {
            seen(c);
            c.sendText(text);
        }

        @Override
        public void onBinary(Connection c, Void session, ByteBuffer data) {
            seen(c);
            c.sendBinary(data);
        }

        @Override
        public void onWritable(Connection c, Void session) {
            seen(c);
            writable.incrementAndGet();
        }

        @Override
        public void onClosed(Connection c, Void session, int code, String reason) {
            seen(c);
            closed.countDown();
        }

        Set<String> allThreads() {
            Set<String> all = new java.util.TreeSet<>();
            threads.values().forEach(all::addAll);
            return all;
        }
    }

    private static List<WsTestClient> clients(LwsContext server, int n, String path) {
        List<WsTestClient> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(WsTestClient.connectPath(server.port(), path));
        }
        return list;
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 4})
    void connectionsSpreadOverTheThreadsAndEachStaysOnOne(int threads) throws Exception {
        ThreadRecorder h = new ThreadRecorder(CLIENTS);
        try (LwsContext server = LwsContext.builder().bindAddress("127.0.0.1").port(0).serviceThreads(threads)
                .name("spread").protocol(Protocol.of("echo", h)).build().start()) {
            List<WsTestClient> cs = clients(server, CLIENTS, "/");
            for (int i = 0; i < cs.size(); i++) {
                cs.get(i).sendText("hello " + i);
                assertEquals("hello " + i, cs.get(i).messages.poll(WAIT_MS, TimeUnit.MILLISECONDS));
            }
            int[] perThread = Internals.openConnectionsPerThread(server);
            assertEquals(threads, perThread.length);
            assertEquals(CLIENTS, java.util.Arrays.stream(perThread).sum());
            assertTrue(java.util.Arrays.stream(perThread).filter(n -> n > 0).count() > 1,
                    "every connection landed on one thread: " + java.util.Arrays.toString(perThread));
            for (String name : h.allThreads()) {
                assertTrue(name.matches("lwsj-service-spread-[0-" + (threads - 1) + "]"), name);
            }
            cs.forEach(c -> c.ws().sendClose(1000, "bye"));
            assertTrue(h.closed.await(WAIT_MS, TimeUnit.MILLISECONDS), "every connection closed");
            h.threads.forEach((c, names) -> assertEquals(1, names.size(), c + " was called on " + names));
        }
    }

    @Test
    void broadcastAndWritableForAllReachTheConnectionsOfEveryThread() throws Exception {
        ThreadRecorder h = new ThreadRecorder(CLIENTS);
        Protocol<Void> p = Protocol.of("echo", h);
        try (LwsContext server = LwsContext.builder().bindAddress("127.0.0.1").port(0).serviceThreads(4)
                .protocol(p).build().start()) {
            List<WsTestClient> cs = clients(server, CLIENTS, "/");
            for (WsTestClient c : cs) {
                c.sendText("open");
                assertEquals("open", c.messages.poll(WAIT_MS, TimeUnit.MILLISECONDS));
            }
            int messages = 200;
            for (int i = 0; i < messages; i++) {
                server.broadcastText(p, "b" + i);
            }
            for (WsTestClient c : cs) {
                for (int i = 0; i < messages; i++) {
                    assertEquals("b" + i, c.messages.poll(WAIT_MS, TimeUnit.MILLISECONDS), "broadcast " + i);
                }
            }
            server.requestWritableAll(p);
            Waits.waitUntil(() -> h.writable.get() >= CLIENTS, "onWritable on every connection");
            assertEquals(CLIENTS, h.writable.get());
        }
    }

    /**
     * A handler's broadcast reaches its own thread's connections in order with its own
     * sends (before, the broadcast, after), and every other thread's connections too.
     */
    @Test
    void aHandlersBroadcastKeepsItsOrderAndReachesEveryThread() throws Exception {
        AtomicInteger opened = new AtomicInteger();
        Protocol<Void>[] self = new Protocol[1];
        self[0] = Protocol.of("chat", new Handler<>() {
            @Override
            public void onEstablished(Connection c, Void s) {
                opened.incrementAndGet();
            }

            @Override
            public void onText(Connection c, Void s, String text) {
                c.sendText("before");
                c.context().broadcastText(self[0], "all:" + text);
                c.sendText("after");
            }
        });
        try (LwsContext server = LwsContext.builder().bindAddress("127.0.0.1").port(0).serviceThreads(3)
                .protocol(self[0]).build().start()) {
            List<WsTestClient> cs = clients(server, CLIENTS, "/");
            Waits.waitUntil(() -> opened.get() == CLIENTS, "every connection open");
            assertTrue(java.util.Arrays.stream(Internals.openConnectionsPerThread(server)).filter(n -> n > 0).count() > 1);
            WsTestClient speaker = cs.get(0);
            speaker.sendText("hi");
            assertEquals("before", speaker.messages.poll(WAIT_MS, TimeUnit.MILLISECONDS));
            assertEquals("all:hi", speaker.messages.poll(WAIT_MS, TimeUnit.MILLISECONDS));
            assertEquals("after", speaker.messages.poll(WAIT_MS, TimeUnit.MILLISECONDS));
            for (WsTestClient c : cs.subList(1, cs.size())) {
                assertEquals("all:hi", c.messages.poll(WAIT_MS, TimeUnit.MILLISECONDS));
            }
        }
    }

    @Test
    void sendsFromManyThreadsKeepEachSendersOrderOnEveryServiceThread() throws Exception {
        int senders = 8;
        int perSender = 300;
        Map<Connection, Boolean> open = new ConcurrentHashMap<>();
        CountDownLatch opened = new CountDownLatch(CLIENTS);
        Protocol<Void> p = Protocol.of("push", new Handler<>() {
            @Override
            public void onEstablished(Connection c, Void s) {
                open.put(c, true);
                opened.countDown();
            }
        });
        try (LwsContext server = LwsContext.builder().bindAddress("127.0.0.1").port(0).serviceThreads(2)
                .protocol(p).build().start()) {
            List<WsTestClient> cs = clients(server, CLIENTS, "/");
            assertTrue(opened.await(WAIT_MS, TimeUnit.MILLISECONDS));
            List<Thread> threads = new ArrayList<>();
            for (int s = 0; s < senders; s++) {
                int sender = s;
                threads.add(new Thread(() -> {
                    for (int i = 0; i < perSender; i++) {
                        for (Connection c : open.keySet()) {
                            while (!c.sendText(sender + ":" + i)) {
                                Thread.onSpinWait(); // the queue's bound: try again
                            }
                        }
                    }
                }));
            }
            threads.forEach(Thread::start);
            for (Thread t : threads) {
                t.join(60_000);
            }
            for (WsTestClient c : cs) {
                int[] next = new int[senders];
                for (int k = 0; k < senders * perSender; k++) {
                    Object m = c.messages.poll(WAIT_MS, TimeUnit.MILLISECONDS);
                    String[] parts = String.valueOf(m).split(":");
                    int sender = Integer.parseInt(parts[0]);
                    assertEquals(next[sender]++, Integer.parseInt(parts[1]), "sender " + sender + "'s order");
                }
            }
            long buffered = open.keySet().stream().mapToLong(Connection::bufferedAmount).sum();
            assertEquals(0, buffered, "everything sent was written");
            assertTrue(server.counters().foreignDowncalls() > 0);
        }
    }

    @Test
    void clientConnectsGoToTheThreadsInTurn() throws Exception {
        ThreadRecorder serverSide = new ThreadRecorder(8);
        ThreadRecorder clientSide = new ThreadRecorder(8);
        try (LwsContext server = LwsContext.builder().bindAddress("127.0.0.1").port(0)
                .protocol(Protocol.of("echo", serverSide)).build().start();
             LwsContext client = LwsContext.builder().listen(false).serviceThreads(2).name("cli")
                     .protocol(Protocol.of("echo", clientSide)).build().start()) {
            List<Connection> conns = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                conns.add(client.connect(ClientRequest.to("ws://127.0.0.1:" + server.port() + "/").build())
                        .get(WAIT_MS, TimeUnit.MILLISECONDS));
            }
            assertEquals(Set.of("lwsj-service-cli-0", "lwsj-service-cli-1"), clientSide.allThreads());
            conns.forEach(c -> c.close(1000, "done"));
            assertTrue(clientSide.closed.await(WAIT_MS, TimeUnit.MILLISECONDS));
        }
    }

    @Test
    void closeEndsEveryThreadAndEveryConnection() throws Exception {
        ThreadRecorder h = new ThreadRecorder(CLIENTS);
        LwsContext server = LwsContext.builder().bindAddress("127.0.0.1").port(0).serviceThreads(3).name("closing")
                .protocol(Protocol.of("echo", h)).build().start();
        List<WsTestClient> cs = clients(server, CLIENTS, "/");
        Waits.waitUntil(() -> Internals.openConnections(server) == CLIENTS, "all connections open");
        server.close();
        assertTrue(h.closed.await(WAIT_MS, TimeUnit.MILLISECONDS), "onClosed for every connection");
        for (WsTestClient c : cs) {
            c.ended.get(WAIT_MS, TimeUnit.MILLISECONDS);
        }
        assertTrue(Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().startsWith("lwsj-service-closing-")), "a service thread outlived close");
        Connection any = h.threads.keySet().iterator().next();
        assertThrows(ConnectionClosedException.class, () -> any.sendText("late"));
    }

    @Test
    void whatNeedsOneThreadSaysSo() {
        try (LwsContext ctx = LwsContext.builder().bindAddress("127.0.0.1").port(0).serviceThreads(2)
                .protocol(Protocol.of("echo", new ThreadRecorder(0))).build()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> ctx.service(Duration.ZERO));
            assertTrue(e.getMessage().contains("2 service threads"), e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LwsContext.builder()
                .serviceThreads(2).externalPoll(new PollListener() {
                    @Override public void onAddPollFd(int fd, int events) { }
                    @Override public void onDelPollFd(int fd) { }
                    @Override public void onChangeModePollFd(int fd, int events, int previousEvents) { }
                })
                .protocol(Protocol.of("echo", new ThreadRecorder(0))).build());
        assertTrue(e.getMessage().contains("serviceThreads(1)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LwsContext.builder().serviceThreads(0));
        assertThrows(IllegalArgumentException.class, () -> LwsContext.builder().name("a b"));
    }
}
