package io.lwsj.redis.internal;

import java.time.Duration;

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

    void reset() {
        nextMs = FIRST_MS;
    }
}
