package io.lwsj.redis.internal;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Waits between reconnection attempts: 100 ms, doubling up to a ceiling, reset on success. */
final class Backoff {
    private static final long FIRST_MS = 100;
    private final long maxMs;
    private long nextMs = FIRST_MS;

    Backoff(Duration max) {
        this.maxMs = Math.max(FIRST_MS, max.toMillis());
    }

    /** The wait before the next attempt; each call doubles the one after, up to the ceiling. */
    long nextWaitMs() {
        long wait = nextMs;
        nextMs = Math.min(maxMs, nextMs * 2);
        return wait;
    }

    /**
     * Waits the next wait, in steps of 50 ms so that stopped (checked at each) ends it
     * early. False when the thread was interrupted, which the caller takes as a stop.
     */
    boolean waitNext(BooleanSupplier stopped) {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(nextWaitMs());
        while (!stopped.getAsBoolean() && System.nanoTime() < until) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    void reset() {
        nextMs = FIRST_MS;
    }
}
