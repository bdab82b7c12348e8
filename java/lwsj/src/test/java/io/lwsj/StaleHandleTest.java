package io.lwsj;

import static io.lwsj.Waits.poll;
import static io.lwsj.Waits.sleep;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lwsj.internal.Internals;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

import static io.lwsj.Waits.poll;
import static io.lwsj.Waits.sleep;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;


/**
 * A Connection kept after CLOSED is a stale handle (DESIGN invariant 2): it throws or
 * does nothing, from any thread, also after its context is gone, and never reaches
 * freed memory or another connection. A JVM crash here is the failure.
 */
class StaleHandleTest extends ServerTestSupport {
    final BlockingQueue<Connection> established = new LinkedBlockingQueue<>();
    final BlockingQueue<Connection> closed = new LinkedBlockingQueue<>();
    /** What a handler saw when it used the stale connection: exception class names, or "ok:..." */
    final BlockingQueue<List<String>> fromServiceThread = new LinkedBlockingQueue<>();
    volatile Connection staleForHandler;

    LwsContext startTracking() {
        Protocol<Void> p = Protocol.of("echo", new Handler<>() {
            @Override
            public void onEstablished(Connection c, Void s) {
                established.add(c);
            }

            @Override
            public void onText(Connection c, Void s, String text) {
                if (text.equals("use-stale")) {
                    fromServiceThread.add(useEverything(staleForHandler));
                }
                c.sendText(text);
            }

            @Override
            public void onClosed(Connection c, Void s, int code, String reason) {
                closed.add(c);
            }
        });
        return start(p);
    }

    /** Calls every method of a stale connection; returns what each did. */
    static List<String> useEverything(Connection c) {
        List<String> out = new ArrayList<>();
        out.add(outcome(() -> c.sendText("text")));
        out.add(outcome(() -> c.sendBinary(new byte[] {1, 2, 3})));
        out.add(outcome(() -> c.sendBinary(new byte[] {1, 2, 3}, 1, 1)));
        out.add(outcome(() -> c.sendBinary(ByteBuffer.wrap(new byte[] {4}))));
        out.add(outcome(() -> c.sendText(ByteBuffer.wrap(new byte[] {'x'}))));
        out.add(outcome(() -> c.sendFragment(new byte[] {1}, true, true, false)));
        out.add(outcome(() -> c.ping(new byte[] {9})));
        out.add(outcome(() -> c.pong(new byte[] {9})));
        out.add(outcome(c::requestWritable));
        out.add(outcome(() -> c.setReceiving(false)));
        out.add(outcome(() -> c.setReceiving(true)));
        out.add(outcome(c::close) + " (close)");
        out.add(outcome(() -> c.close(4000, "again")) + " (close)");
        out.add("isOpen=" + c.isOpen());
        out.add("bufferedAmount=" + c.bufferedAmount());
        return out;
    }

    static String outcome(Runnable r) {
        try {
            r.run();
            return "ok";
        } catch (RuntimeException e) {
            return e.getClass().getSimpleName();
        }
    }

    /** The expected outcomes of {@link #useEverything} on a closed connection. */
    static void assertStaleBehaviour(List<String> got) {
        List<String> want = new ArrayList<>();
        for (int i = 0; i < 11; i++) {
            want.add("ConnectionClosedException");
        }
        want.add("ok (close)");
        want.add("ok (close)");
        want.add("isOpen=false");
        want.add("bufferedAmount=0");
        assertEquals(want, got);
    }

    private Connection closedConnection(LwsContext ctx) {
        WsTestClient c = client(ctx, "echo");
        Connection conn = poll(established, "ESTABLISHED");
        c.assertEchoes("alive");
        assertTrue(conn.isOpen());
        c.sendClose(1000, "done");
        assertEquals(conn, poll(closed, "CLOSED"));
        c.awaitEnd();
        return conn;
    }

    @Test
    void staleConnectionThrowsOrDoesNothingFromTheTestThread() {
        LwsContext ctx = startTracking();
        Connection stale = closedConnection(ctx);
        assertStaleBehaviour(useEverything(stale));
        client(ctx, "echo").assertEchoes("the context is fine");
    }

    @Test
    void staleConnectionThrowsOrDoesNothingFromTheServiceThread() {
        LwsContext ctx = startTracking();
        staleForHandler = closedConnection(ctx);
        WsTestClient c = client(ctx, "echo");
        poll(established, "second ESTABLISHED");
        c.sendText("use-stale");
        assertEquals("use-stale", c.nextText());
        assertStaleBehaviour(poll(fromServiceThread, "the handler's findings"));
    }

    @Test
    void staleConnectionThrowsOrDoesNothingFromManyOtherThreads() throws Exception {
        LwsContext ctx = startTracking();
        Connection stale = closedConnection(ctx);
        List<CompletableFuture<List<String>>> runs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            runs.add(CompletableFuture.supplyAsync(() -> useEverything(stale)));
        }
        for (CompletableFuture<List<String>> r : runs) {
            assertStaleBehaviour(r.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void staleHandleThatReachesTheGlueIsRejectedAndNeverHitsTheSlotsNewConnection() throws Exception {
        LwsContext ctx = startTracking();
        Connection stale = closedConnection(ctx);
        // a new connection takes the freed slot (low slots are reused first) with a new generation
        WsTestClient fresh = client(ctx, "echo");
        Connection now = poll(established, "new ESTABLISHED");
        assertNotEquals(stale.id(), now.id(), "a closed connection's id was reused");
        // skip Java's own check so that the stale handle goes down to the glue, from another thread
        Internals.setOpen(stale, true);
        try {
            String r = CompletableFuture.supplyAsync(() -> outcome(() -> stale.sendText("must not arrive")))
                    .get(10, TimeUnit.SECONDS);
            assertEquals("ConnectionClosedException", r, "send on a stale handle from another thread");
            assertDoesNotThrow(() -> CompletableFuture.runAsync(() -> stale.close(4000, "must not close"))
                    .get(10, TimeUnit.SECONDS));
        } finally {
            Internals.setOpen(stale, false);
        }
        fresh.assertNoMessage(200);
        fresh.assertEchoes("the new connection is untouched");
        assertTrue(now.isOpen());
    }

    @Test
    void connectionKeptAfterItsContextClosedIsStale() throws Exception {
        LwsContext ctx = startTracking();
        WsTestClient c = client(ctx, "echo");
        Connection conn = poll(established, "ESTABLISHED");
        c.assertEchoes("alive");
        ctx.close();
        assertFalse(conn.isOpen());
        assertStaleBehaviour(useEverything(conn));
        assertStaleBehaviour(CompletableFuture.supplyAsync(() -> useEverything(conn)).get(10, TimeUnit.SECONDS));
        assertThrows(IllegalStateException.class, () -> ctx.broadcastText(TestData.protocol(ctx, "echo"), "x"));
        assertThrows(IllegalStateException.class, () -> ctx.requestWritableAll(TestData.protocol(ctx, "echo")));
        // and with Java's check skipped, the glue sees a stale context handle
        Internals.setOpen(conn, true);
        try {
            assertEquals("ConnectionClosedException", outcome(() -> conn.sendText("x")));
            assertEquals("ConnectionClosedException",
                    CompletableFuture.supplyAsync(() -> outcome(() -> conn.sendText("x"))).get(10, TimeUnit.SECONDS));
            assertDoesNotThrow(() -> conn.close());
        } finally {
            Internals.setOpen(conn, false);
        }
    }

    @Test
    void sendersRacingAConnectionCloseEndWithConnectionClosedException() throws Exception {
        LwsContext ctx = startTracking();
        WsTestClient c = client(ctx, "echo");
        Connection conn = poll(established, "ESTABLISHED");
        List<CompletableFuture<String>> senders = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            senders.add(CompletableFuture.supplyAsync(() -> {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (System.nanoTime() < deadline) {
                    try {
                        conn.sendText("spam");
                    } catch (ConnectionClosedException e) {
                        return "closed";
                    }
                }
                return "still open after 10 s";
            }));
        }
        sleep(50);
        c.sendClose(1000, "going");
        for (CompletableFuture<String> s : senders) {
            assertEquals("closed", s.get(15, TimeUnit.SECONDS));
        }
        client(ctx, "echo").assertEchoes("the context survived the race");
    }

    @Test
    void sendersRacingAContextCloseEndWithConnectionClosedException() throws Exception {
        LwsContext ctx = startTracking();
        List<Connection> conns = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            client(ctx, "echo");
            conns.add(poll(established, "ESTABLISHED " + i));
        }
        List<CompletableFuture<String>> senders = new ArrayList<>();
        for (int t = 0; t < 6; t++) {
            Connection conn = conns.get(t % conns.size());
            senders.add(CompletableFuture.supplyAsync(() -> {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (System.nanoTime() < deadline) {
                    try {
                        conn.sendText("spam");
                        conn.bufferedAmount();
                    } catch (ConnectionClosedException e) {
                        return "closed";
                    }
                }
                return "still open after 10 s";
            }));
        }
        CompletableFuture<String> broadcaster = CompletableFuture.supplyAsync(() -> {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < deadline) {
                try {
                    ctx.broadcastText(TestData.protocol(ctx, "echo"), "all");
                } catch (IllegalStateException e) {
                    return "closed";
                }
            }
            return "still open after 10 s";
        });
        sleep(50);
        ctx.close();
        for (CompletableFuture<String> s : senders) {
            assertEquals("closed", s.get(15, TimeUnit.SECONDS));
        }
        assertEquals("closed", broadcaster.get(15, TimeUnit.SECONDS));
    }
}
