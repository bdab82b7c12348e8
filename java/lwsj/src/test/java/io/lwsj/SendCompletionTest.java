package io.lwsj;

import static io.lwsj.TestData.pattern;
import static io.lwsj.Waits.WAIT_MS;
import static io.lwsj.Waits.poll;
import static io.lwsj.Waits.sleep;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * sendTextAsync / sendBinaryAsync: the future completes once the frame has been written
 * to the socket (not when it was queued), in the order the frames were sent, and fails
 * with the reason when the frame was refused or the connection closed first.
 */
class SendCompletionTest extends ServerTestSupport {
    final BlockingQueue<Connection> established = new LinkedBlockingQueue<>();

    Protocol<Void> keeping(long maxQueuedBytes) {
        return Protocol.builder("p", new Handler<Void>() {
            @Override
            public void onEstablished(Connection c, Void s) {
                established.add(c);
            }
        }).maxQueuedBytes(maxQueuedBytes).build();
    }

    /** A peer with a 4 KiB receive window that reads only when the test says so. */
    RawClient slowPeer(LwsContext ctx) throws Exception {
        RawClient slow = closeLater(RawClient.connect(ctx.port(), 4096));
        slow.upgrade(ctx.port(), "p");
        return slow;
    }

    static Throwable failure(CompletableFuture<?> f) throws Exception {
        try {
            f.get(WAIT_MS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        }
        return fail("the future completed, a failure was expected");
    }

    @Test
    void aFutureCompletesOnceItsFrameIsWrittenAndTheFramesArrive() throws Exception {
        LwsContext ctx = start(keeping(64L << 20));
        WsTestClient client = client(ctx, "p");
        Connection c = poll(established, "onEstablished");
        c.sendTextAsync("one").get(WAIT_MS, TimeUnit.MILLISECONDS);
        c.sendBinaryAsync(new byte[] {1, 2, 3}).get(WAIT_MS, TimeUnit.MILLISECONDS);
        c.sendBinaryAsync(ByteBuffer.wrap(new byte[] {9, 8, 7, 6}, 1, 2)).get(WAIT_MS, TimeUnit.MILLISECONDS);
        assertEquals("one", client.nextText());
        assertArrayEquals(new byte[] {1, 2, 3}, client.nextBinary());
        assertArrayEquals(new byte[] {8, 7}, client.nextBinary());
    }

    /** Futures of one sender complete in the order it sent, also when many wait together. */
    @Test
    void manyFuturesFromAnotherThreadCompleteInSendOrder() throws Exception {
        LwsContext ctx = start(keeping(64L << 20));
        WsTestClient client = client(ctx, "p");
        Connection c = poll(established, "onEstablished");
        int n = 2000;
        List<Integer> order = java.util.Collections.synchronizedList(new ArrayList<>());
        List<CompletableFuture<Void>> futures = new ArrayList<>();
        CompletableFuture.runAsync(() -> {
            for (int i = 0; i < n; i++) {
                int k = i;
                futures.add(c.sendTextAsync("m" + i).thenRun(() -> order.add(k)));
            }
        }).get(WAIT_MS, TimeUnit.MILLISECONDS);
        CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0])).get(WAIT_MS, TimeUnit.MILLISECONDS);
        for (int i = 0; i < n; i++) {
            assertEquals("m" + i, client.nextText());
            assertEquals(i, order.get(i), "completion order");
        }
    }

    /**
     * A frame the peer does not read cannot be written: its future stays open while the
     * socket's buffers are full, and completes once the peer reads it all.
     */
    @Test
    void aFrameWaitingForTheSocketIsNotReportedWritten() throws Exception {
        LwsContext ctx = start(keeping(64L << 20));
        RawClient slow = slowPeer(ctx);
        Connection c = poll(established, "onEstablished");
        byte[] big = pattern(16 << 20); // far more than loopback's socket buffers hold
        CompletableFuture<Void> f = c.sendBinaryAsync(big);
        sleep(500);
        assertFalse(f.isDone(), "reported written while the peer has read nothing");
        RawClient.Frame frame = slow.readFrame();
        assertArrayEquals(big, frame.payload());
        f.get(WAIT_MS, TimeUnit.MILLISECONDS);
    }

    /** The bound refuses the message: the future fails at once, the connection goes on (REFUSE). */
    @Test
    void aRefusedSendFailsItsFutureWithSendRefusedException() throws Exception {
        LwsContext ctx = start(keeping(64 * 1024));
        RawClient slow = slowPeer(ctx);
        Connection c = poll(established, "onEstablished");
        Throwable refused = null;
        for (int i = 0; i < 10_000 && refused == null; i++) {
            CompletableFuture<Void> f = c.sendBinaryAsync(new byte[16 * 1024]);
            if (f.isCompletedExceptionally()) {
                refused = failure(f);
            }
        }
        assertInstanceOf(SendRefusedException.class, refused, "a send past the bound");
        assertTrue(c.isOpen(), "REFUSE closed the connection");
    }

    /** The connection closes with frames unwritten: their futures fail with ConnectionClosedException. */
    @Test
    void framesUnwrittenAtCloseFailTheirFutures() throws Exception {
        LwsContext ctx = start(keeping(64L << 20));
        RawClient slow = slowPeer(ctx);
        Connection c = poll(established, "onEstablished");
        List<CompletableFuture<Void>> futures = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            futures.add(c.sendBinaryAsync(new byte[4 << 20]));
        }
        sleep(200);
        slow.close(); // the peer goes away without reading
        int failed = 0;
        for (CompletableFuture<Void> f : futures) {
            try {
                f.get(WAIT_MS, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                assertInstanceOf(ConnectionClosedException.class, e.getCause());
                failed++;
            } catch (TimeoutException e) {
                fail("a future was left pending after the connection closed");
            }
        }
        assertTrue(failed > 0, "32 MiB to a peer that read nothing were all reported written");
        Throwable after = failure(c.sendTextAsync("too late"));
        assertInstanceOf(ConnectionClosedException.class, after);
    }

    /** With permessage-deflate lws frames and compresses: completion still comes, in order. */
    @Test
    void completionAlsoComesThroughPermessageDeflate() throws Exception {
        LwsContext ctx = track(localhost().permessageDeflate(PermessageDeflate.defaults())
                .protocol(keeping(64L << 20)).build()).start();
        WsTestClient client = closeLater(WsTestClient.connect(ctx.port(), "p"));
        Connection c = poll(established, "onEstablished");
        List<CompletableFuture<Void>> futures = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            futures.add(c.sendTextAsync("compressed " + i));
        }
        CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0])).get(WAIT_MS, TimeUnit.MILLISECONDS);
        for (int i = 0; i < 50; i++) {
            assertEquals("compressed " + i, client.nextText());
        }
    }

    /** Closing the context fails what is still unwritten rather than leaving it pending. */
    @Test
    void closingTheContextFailsUnwrittenFutures() throws Exception {
        LwsContext ctx = start(keeping(64L << 20));
        RawClient slow = slowPeer(ctx);
        Connection c = poll(established, "onEstablished");
        CompletableFuture<Void> f = c.sendBinaryAsync(new byte[16 << 20]);
        sleep(200);
        ctx.close();
        try {
            f.join();
            fail("16 MiB to a peer that read nothing were reported written");
        } catch (CompletionException e) {
            assertInstanceOf(ConnectionClosedException.class, e.getCause());
        }
    }
}
