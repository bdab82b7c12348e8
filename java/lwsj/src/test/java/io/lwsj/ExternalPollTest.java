package io.lwsj;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The classic external poll integration (ADD_POLL_FD, DEL_POLL_FD, CHANGE_MODE_POLL_FD):
 * the context never polls by itself; a loop written here, over libc's poll(2) through
 * JNA, watches the fds the handler is told about and calls serviceFd. Echo for hundreds
 * of connections and HTTP run entirely through that loop.
 */
class ExternalPollTest extends ServerTestSupport {
    /** libc's poll(2); struct pollfd is { int fd; short events; short revents; }. */
    public interface LibC extends Library {
        int poll(Pointer fds, long nfds, int timeoutMs);
    }

    private static final LibC LIBC = Native.load("c", LibC.class);

    @Test
    void echoForHundredsOfConnectionsAndHttpRunThroughAJavaPollLoop() throws Exception {
        Map<Integer, Integer> watched = new ConcurrentHashMap<>();
        AtomicInteger adds = new AtomicInteger();
        AtomicInteger dels = new AtomicInteger();
        AtomicInteger changes = new AtomicInteger();
        Protocol<Void> echo = Protocol.of("echo", new Handler<Void>() {
            @Override
            public void onText(Connection c, Void s, String text) {
                c.send(text);
            }

            @Override
            public LwsResponse onHttp(LwsRequest r) {
                return LwsResponse.text(200, "polled " + r.path() + "\n");
            }

            @Override
            public void onAddPollFd(int fd, int events) {
                adds.incrementAndGet();
                watched.put(fd, events);
            }

            @Override
            public void onDelPollFd(int fd) {
                dels.incrementAndGet();
                watched.remove(fd);
            }

            @Override
            public void onChangeModePollFd(int fd, int events, int previous) {
                changes.incrementAndGet();
                watched.put(fd, events);
            }
        });
        LwsContext ctx = track(localhost().protocol(echo).maxConnections(1024).externalPoll(true).build());
        assertTrue(watched.size() >= 2, "the listening socket and the wake-up fd are watched: " + watched);

        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger turns = new AtomicInteger();
        Thread loop = new Thread(() -> {
            Memory fds = new Memory(8L * 2048);
            while (!stop.get()) {
                List<Integer> order = new ArrayList<>(watched.keySet());
                int n = Math.min(order.size(), 2048);
                for (int i = 0; i < n; i++) {
                    fds.setInt(8L * i, order.get(i));
                    fds.setShort(8L * i + 4, watched.getOrDefault(order.get(i), 0).shortValue());
                    fds.setShort(8L * i + 6, (short) 0);
                }
                int ready = LIBC.poll(fds, n, 50);
                turns.incrementAndGet();
                if (ready <= 0) {
                    ctx.serviceFd(-1, 0); // timers
                    continue;
                }
                for (int i = 0; i < n; i++) {
                    short revents = fds.getShort(8L * i + 6);
                    if (revents != 0) {
                        ctx.serviceFd(fds.getInt(8L * i), revents);
                    }
                }
            }
        }, "external-poll-loop");
        loop.start();
        try {
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + ctx.port() + "/through-poll")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertEquals("polled /through-poll\n", r.body());

            int connections = 300;
            List<WsTestClient> clients = new ArrayList<>();
            for (int i = 0; i < connections; i++) {
                clients.add(client(ctx));
            }
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < connections; i++) {
                    clients.get(i).sendText("c" + i + " r" + round);
                }
                for (int i = 0; i < connections; i++) {
                    assertEquals("c" + i + " r" + round, clients.get(i).nextText());
                }
            }
            assertTrue(watched.size() >= connections, "every connection's fd was added: " + watched.size());
            assertTrue(changes.get() > 0, "POLLOUT was asked for and given up through CHANGE_MODE_POLL_FD");

            // a send from another thread wakes the loop through the fd lws told nobody about
            CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> ctx.broadcast("echo", "woken"));
            sent.get(5, TimeUnit.SECONDS);
            assertEquals("woken", clients.get(0).nextText());

            for (WsTestClient c : clients) {
                c.close();
            }
            long deadline = System.currentTimeMillis() + 10_000;
            while (dels.get() < connections && System.currentTimeMillis() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(dels.get() >= connections, "closed connections' fds were deleted: " + dels.get());
        } finally {
            stop.set(true);
            loop.join(5_000);
        }
        assertTrue(adds.get() >= 300 + 2 && turns.get() > 0);
    }
}
