package io.lwsj;

import static io.lwsj.Waits.WAIT_MS;
import static io.lwsj.Waits.poll;
import static io.lwsj.Waits.waitUntil;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static io.lwsj.Waits.WAIT_MS;
import static io.lwsj.Waits.poll;
import static io.lwsj.Waits.waitUntil;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lwsj.internal.Abi;
import io.lwsj.internal.Internals;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

import static io.lwsj.Waits.WAIT_MS;
import static io.lwsj.Waits.poll;
import static io.lwsj.Waits.waitUntil;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;


import static io.lwsj.Waits.WAIT_MS;
import static io.lwsj.Waits.poll;
import static io.lwsj.Waits.waitUntil;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;


/**
 * What other threads queue for the service thread (issue 13, items 6 and 7): a
 * submission is counted send by send, and the queue is bounded, with the refusal
 * visible to the caller and nothing accepted lost.
 */
class CrossThreadQueueTest extends ServerTestSupport {
    final BlockingQueue<Connection> established = new LinkedBlockingQueue<>();
    final CountDownLatch blocking = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    /** "block" makes the handler hold the service thread until release. */
    Protocol<Void> blockable(long maxQueuedBytes) {
        return Protocol.builder("p", new Handler<Void>() {
            @Override
            public void onEstablished(Connection c, Void s) {
                established.add(c);
            }

            @Override
            public void onText(Connection c, Void s, String text) {
                if (text.equals("block")) {
                    blocking.countDown();
                    try {
                        release.await(WAIT_MS, TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        }).maxQueuedBytes(maxQueuedBytes).build();
    }

    /** Two SENDs in one lwsj_submit were counted as pending once and subtracted twice. */
    @Test
    void everySendOfASubmissionIsCountedOnce() {
        LwsContext ctx = start(blockable(1 << 20));
        WsTestClient client = client(ctx, "p");
        Connection c = poll(established, "onEstablished");
        assertEquals(Abi.OK, Internals.submitTexts(ctx, c, "one", "two"));
        assertEquals("one", client.nextText());
        assertEquals("two", client.nextText());
        waitUntil(() -> c.bufferedAmount() == 0, "the queue drained; bufferedAmount " + c.bufferedAmount());
        assertTrue(c.sendText("three"), "a send after the submission was refused");
        assertEquals("three", client.nextText());
        waitUntil(() -> c.bufferedAmount() == 0, "bufferedAmount back to 0, is " + c.bufferedAmount());
    }

    /** The bound holds across the sends of one submission, which is refused whole. */
    @Test
    void aSubmissionPastTheBoundIsRefusedWhole() {
        LwsContext ctx = start(blockable(1000));
        WsTestClient client = client(ctx, "p");
        Connection c = poll(established, "onEstablished");
        assertEquals(Abi.ERR_FULL, Internals.submitTexts(ctx, c, "a".repeat(600), "b".repeat(600)));
        assertEquals(0, c.bufferedAmount());
        assertTrue(c.sendText("after"));
        assertEquals("after", client.nextText(), "a refused submission sent something");
    }

    /**
     * A producer broadcasting while a handler blocks the service thread: the queue stops
     * at its bound, the caller is told, and every broadcast that was taken is delivered.
     */
    @Test
    void aBlockedServiceThreadSaturatesTheQueueVisiblyAndLosesNothingTaken() throws Exception {
        LwsContext ctx = track(localhost().maxCrossThreadQueueBytes(64 * 1024).protocol(blockable(1 << 30))
                .build()).start();
        WsTestClient client = client(ctx, "p");
        Connection c = poll(established, "onEstablished");
        client.sendText("block");
        assertTrue(blocking.await(WAIT_MS, TimeUnit.MILLISECONDS), "the handler did not block");
        String message = "m".repeat(1000);
        int taken = 0;
        ContextSaturatedException saturated = null;
        for (int i = 0; i < 10_000 && saturated == null; i++) {
            try {
                ctx.broadcastText(TestData.protocol(ctx, "p"), message + i);
                taken++;
            } catch (ContextSaturatedException e) {
                saturated = e;
            }
        }
        try {
            assertTrue(saturated != null, "10,000 broadcasts of 1 KB were all queued behind a blocked thread");
            assertTrue(saturated.getMessage().contains("behind"), saturated.getMessage());
            assertTrue(taken >= 30 && taken <= 70, taken + " broadcasts of about 1 KB taken under a 64 KiB bound");
            // the bound is a high-water mark: fill what is left with the smallest command (24 bytes)
            int small = 0;
            boolean full = false;
            for (; small < 100 && !full; small++) {
                try {
                    ctx.requestWritableAll(TestData.protocol(ctx, "p"));
                } catch (ContextSaturatedException e) {
                    full = true;
                }
            }
            assertTrue(full, "100 more requests of 24 bytes were taken");
            assertFalse(c.sendText("refused too"), "a send was taken past the bound");
            assertThrows(ContextSaturatedException.class, () -> ctx.broadcastText(TestData.protocol(ctx, "p"), "x"));
            assertThrows(ContextSaturatedException.class, c::requestWritable);
            if (TestData.SERVICE_THREADS == 1) {
                // with several service threads a connect may go to a thread that is not blocked
                assertTrue(ctx.connect(ClientRequest.to("ws://127.0.0.1:" + ctx.port() + "/").build())
                        .isCompletedExceptionally(), "a connect was taken past the bound");
            }
        } finally {
            release.countDown();
        }
        for (int i = 0; i < taken; i++) {
            assertEquals(message + i, client.nextText(), "broadcast " + i + " of the " + taken + " taken");
        }
        client.assertNoMessage(200);
        waitUntil(() -> {
            try {
                ctx.broadcastText(TestData.protocol(ctx, "p"), "later");
                return true;
            } catch (ContextSaturatedException e) {
                return false;
            }
        }, "the queue takes broadcasts again");
        assertEquals("later", client.nextText());
        assertDoesNotThrow(() -> c.close(1000, "bye"));
    }
}
