package io.lwsj;

import java.util.ArrayDeque;
import java.util.Deque;

/** What a test opened, closed after it even when it fails: everything else first, contexts last. */
final class Opened {
    private final Deque<AutoCloseable> items = new ArrayDeque<>();

    /** Closed after everything added with {@link #early}: for contexts. */
    <T extends AutoCloseable> T late(T c) {
        items.addLast(c);
        return c;
    }

    /** Closed before the contexts: clients, sockets, servers of the test's own. */
    <T extends AutoCloseable> T early(T c) {
        items.addFirst(c);
        return c;
    }

    /** Closes all; the first failure is thrown, with the others suppressed in it. */
    void closeAll() throws Exception {
        Exception first = null;
        while (!items.isEmpty()) {
            try {
                items.removeFirst().close();
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
}
