package io.lwsj;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;

/**
 * Common ground for the server tests: contexts on 127.0.0.1 port 0, clients, and
 * cleanup of everything a test opened (contexts last), even when it fails.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
abstract class ServerTestSupport {
    static final long WAIT_MS = 10_000;

    private final Deque<AutoCloseable> opened = new ArrayDeque<>();

    /** A protocol that echoes every text and binary message. */
    static Protocol<Void> echo(String name) {
        return Protocol.of(name, new Handler<>() {
            @Override
            public void onText(Connection c, Void s, String text) {
                c.send(text);
            }

            @Override
            public void onBinary(Connection c, Void s, ByteBuffer data) {
                c.send(data);
            }
        });
    }

    static LwsContext.Builder localhost() {
        return LwsContext.builder().bindAddress("127.0.0.1").port(0);
    }

    /** Builds, tracks and starts a context with these protocols. */
    LwsContext start(Protocol<?>... protocols) {
        LwsContext.Builder b = localhost();
        for (Protocol<?> p : protocols) {
            b.protocol(p);
        }
        return track(b.build()).start();
    }

    /** Tracks a context built elsewhere (it is closed after the test, after the clients). */
    LwsContext track(LwsContext ctx) {
        opened.addLast(ctx);
        return ctx;
    }

    WsTestClient client(LwsContext ctx, String... subprotocols) {
        WsTestClient c = WsTestClient.connect(ctx.port(), subprotocols);
        opened.addFirst(c);
        return c;
    }

    RawClient raw(LwsContext ctx) throws IOException {
        RawClient c = RawClient.connect(ctx.port());
        opened.addFirst(c);
        return c;
    }

    RawClient rawHandshake(LwsContext ctx, String protocol) throws IOException {
        RawClient c = RawClient.handshake(ctx.port(), protocol);
        opened.addFirst(c);
        return c;
    }

    <T extends AutoCloseable> T closeLater(T c) {
        opened.addFirst(c);
        return c;
    }

    @AfterEach
    void closeEverything() throws Exception {
        Exception first = null;
        while (!opened.isEmpty()) {
            try {
                opened.removeFirst().close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    // ---- bounded waits ------------------------------------------------------------

    static void await(CountDownLatch latch, String what) {
        try {
            if (!latch.await(WAIT_MS, TimeUnit.MILLISECONDS)) {
                throw new AssertionError("timed out after " + WAIT_MS + " ms waiting for " + what
                        + " (" + latch.getCount() + " still missing)");
            }
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    static <T> T poll(BlockingQueue<T> q, String what) {
        return poll(q, WAIT_MS, what);
    }

    static <T> T poll(BlockingQueue<T> q, long ms, String what) {
        try {
            T t = q.poll(ms, TimeUnit.MILLISECONDS);
            if (t == null) {
                throw new AssertionError("timed out after " + ms + " ms waiting for " + what);
            }
            return t;
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    static void waitUntil(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + WAIT_MS + " ms waiting for " + what);
            }
            sleep(5);
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + (i >>> 8));
        }
        return b;
    }

    static String asciiText(int n) {
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            b.append((char) ('a' + (i % 26)));
        }
        return b.toString();
    }

    static byte[] copy(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return a;
    }
}
