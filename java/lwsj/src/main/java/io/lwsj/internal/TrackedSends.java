package io.lwsj.internal;

import io.lwsj.ConnectionClosedException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The futures of sends that asked to hear when their frame was written: each has a token
 * that travels with the frame through the glue and comes back in a SENT event. A
 * connection that closes first fails what it still has.
 */
final class TrackedSends {
    private final AtomicInteger nextToken = new AtomicInteger();
    private final Map<Long, Map<Integer, CompletableFuture<Void>>> byConnection = new ConcurrentHashMap<>();

    /** [any] a token for f, never 0 (0 asks for no report). */
    int add(NativeConnection c, CompletableFuture<Void> f) {
        int token;
        do {
            token = nextToken.incrementAndGet();
        } while (token == 0);
        byConnection.computeIfAbsent(c.handle(), h -> new ConcurrentHashMap<>()).put(token, f);
        return token;
    }

    /** [any] forgets a token whose send was refused. */
    void remove(NativeConnection c, int token) {
        // an emptied map goes, so that a send refused after CLOSED leaves nothing behind
        byConnection.computeIfPresent(c.handle(), (h, m) -> {
            m.remove(token);
            return m.isEmpty() ? null : m;
        });
    }

    /** [service] SENT: the frame has been written. */
    void written(long handle, int token) {
        Map<Integer, CompletableFuture<Void>> m = byConnection.get(handle);
        CompletableFuture<Void> f = m == null ? null : m.remove(token);
        if (f != null) {
            f.complete(null);
        }
    }

    /** [service] CLOSED: what was not written never will be. */
    void closed(NativeConnection c) {
        Map<Integer, CompletableFuture<Void>> m = byConnection.remove(c.handle());
        if (m != null) {
            ConnectionClosedException e = new ConnectionClosedException(c + " closed before the frame was written");
            m.values().forEach(f -> f.completeExceptionally(e));
        }
    }
}
