package io.lwsj;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Bounded waits: every one ends in WAIT_MS at the most, with an AssertionError naming what was awaited. */
public final class Waits {
    public static final long WAIT_MS = 10_000;

    private Waits() {
    }

    public static void await(CountDownLatch latch, String what) {
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
}
