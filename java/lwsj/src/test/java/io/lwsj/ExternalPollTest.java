package io.lwsj;

import static io.lwsj.Waits.poll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

import static io.lwsj.Waits.poll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;


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
                c.sendText(text);
            }

        });
        PollListener counting = new PollListener() {
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
        };
        LwsContext ctx = track(localhost().protocol(echo).maxConnections(1024).externalPoll(counting)
                .http(r -> LwsResponse.text(200, "polled " + r.path() + "\n")).build());
        assertTrue(watched.size() >= 2, "the listening socket and the wake-up fd are watched: " + watched);

        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger turns = new AtomicInteger();
        Thread loop = startLoop(ctx, watched, stop, turns);
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
            CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> ctx.broadcastText(TestData.protocol(ctx, "echo"), "woken"));
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

    /** A poll(2) loop over the fds in watched, calling serviceFd, until stop is set. */
    private static Thread startLoop(LwsContext ctx, Map<Integer, Integer> watched, AtomicBoolean stop,
            AtomicInteger turns) {
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
        return loop;
    }

    /** Recording what the loop is told about fds to watch. */
    private static PollListener watching(Map<Integer, Integer> watched) {
        return new PollListener() {
            @Override
            public void onAddPollFd(int fd, int events) {
                watched.put(fd, events);
            }

            @Override
            public void onDelPollFd(int fd) {
                watched.remove(fd);
            }

            @Override
            public void onChangeModePollFd(int fd, int events, int previous) {
                watched.put(fd, events);
            }
        };
    }

    /** An external-poll context has no loop of its own: start() and service() refuse it. */
    @Test
    void startAndServiceAreRefusedUnderAnExternalLoop() {
        LwsContext ctx = track(localhost().protocol(echo("echo"))
                .externalPoll(watching(new ConcurrentHashMap<>())).build());
        IllegalStateException started = assertThrows(IllegalStateException.class, ctx::start);
        assertTrue(started.getMessage().contains("serviceFd"), started.getMessage());
        IllegalStateException serviced = assertThrows(IllegalStateException.class, () -> ctx.service(Duration.ofMillis(0)));
        assertTrue(serviced.getMessage().contains("serviceFd"), serviced.getMessage());
        ctx.serviceFd(-1, 0); // what it is serviced by still works
    }

    /**
     * lws's timers (here the handshake timeout) run through serviceFd too: a connection
     * that sends nothing, or half a request, is cut after the timeout, not kept open
     * forever.
     */
    @Test
    void timersRunUnderTheExternalLoop() throws Exception {
        Map<Integer, Integer> watched = new ConcurrentHashMap<>();
        LwsContext ctx = track(localhost().protocol(echo("echo"))
                .handshakeTimeout(Duration.ofSeconds(1)).externalPoll(watching(watched)).build());
        AtomicBoolean stop = new AtomicBoolean();
        Thread loop = startLoop(ctx, watched, stop, new AtomicInteger());
        try {
            for (String sent : new String[] {"", "GET / HTTP/1.1\r\nHost: x\r\n"}) {
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), ctx.port())) {
                    s.setSoTimeout(6000);
                    s.getOutputStream().write(sent.getBytes(StandardCharsets.US_ASCII));
                    long t0 = System.nanoTime();
                    try {
                        assertEquals(-1, s.getInputStream().read(), "the server answered a half request");
                    } catch (SocketException e) {
                        // reset: closed too
                    } catch (SocketTimeoutException e) {
                        fail("still open after 6 s with a 1 s handshake timeout (sent '" + sent.trim()
                                + "'): timers did not run");
                    }
                    long ms = (System.nanoTime() - t0) / 1_000_000;
                    assertTrue(ms >= 500 && ms < 4_000, "cut after " + ms + " ms with a 1 s timeout");
                }
            }
        } finally {
            stop.set(true);
            loop.join(5_000);
        }
    }
}
