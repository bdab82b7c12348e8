package io.lwsj.internal;

import io.lwsj.ConnectionClosedException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One connection's sends that asked to hear when their frame was written: each has a
 * token that travels with the frame through the glue and comes back in a SENT event.
 * Owned by its {@link NativeConnection}: when the connection closes, what is left fails.
 */
final class UnwrittenSends {
    private final AtomicInteger nextToken = new AtomicInteger();
    private final Map<Integer, CompletableFuture<Void>> byToken = new ConcurrentHashMap<>();

    /** [any] a token for f, never 0 (0 asks the glue for no report). */
    int add(CompletableFuture<Void> f) {
        int token;
        do {
            token = nextToken.incrementAndGet();
        } while (token == 0);
        byToken.put(token, f);
        return token;
    }

    /** [any] forgets a token whose send was refused. */
    void remove(int token) {
        byToken.remove(token);
    }

    /** [service] SENT: the frame has been written. */
    void written(int token) {
        CompletableFuture<Void> f = byToken.remove(token);
        if (f != null) {
            f.complete(null);
        }
    }

    /** [service] CLOSED: what was not written never will be. */
    void failAll(NativeConnection c) {
        if (byToken.isEmpty()) {
            return;
        }
        ConnectionClosedException e = new ConnectionClosedException(c + " closed before the frame was written");
        byToken.values().forEach(f -> f.completeExceptionally(e));
        byToken.clear();
    }
}
