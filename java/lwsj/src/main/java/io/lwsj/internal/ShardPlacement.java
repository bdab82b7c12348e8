package io.lwsj.internal;

/**
 * Which of a context's service threads an engine is ({@code index} of {@code count}) and
 * what it listens on: every engine of a context listens on the port the first one got,
 * with SO_REUSEPORT when there are several, and takes its share of the connections.
 */
record ShardPlacement(int index, int count, int port) {
    static ShardPlacement only(ContextSettings s) {
        return new ShardPlacement(0, 1, s.port());
    }

    /** This engine's share of maxConnections (and so of its slot table): the total over count, rounded up. */
    int maxConnections(ContextSettings s) {
        return (s.maxConnections() + count - 1) / count;
    }

    boolean sharesItsPort() {
        return count > 1;
    }
}
