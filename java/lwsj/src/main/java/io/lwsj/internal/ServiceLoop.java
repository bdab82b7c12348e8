package io.lwsj.internal;

import io.lwsj.LwsException;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who services a context and when it ends: its own thread ({@link #start}), the caller's
 * loop ({@link #service}) or an external poll loop ({@link #serviceFd}), never two of
 * them; and the close that destroys it exactly once, on the thread that services it.
 */
final class ServiceLoop {
    private static final Logger LOG = LoggerFactory.getLogger(ServiceLoop.class);

    private final ContextEngine engine;
    private final ReentrantLock serviceLock = new ReentrantLock();
    private final Object lifecycle = new Object();
    private volatile Thread owner;
    private volatile boolean stopRequested;
    private volatile boolean closed;
    private Thread background;

    ServiceLoop(ContextEngine engine) {
        this.engine = engine;
    }

    boolean isClosed() {
        return closed;
    }

    void checkOpen() {
        if (closed) {
            throw new IllegalStateException("context is closed");
        }
    }

    boolean onServiceThread() {
        return Thread.currentThread() == owner && serviceLock.isHeldByCurrentThread();
    }

    void start(String threadName) {
        synchronized (lifecycle) {
            checkOpen();
            if (background != null) {
                throw new IllegalStateException("already started");
            }
            if (engine.externalPoll) {
                throw new IllegalStateException("an externalPoll context is serviced by serviceFd(), not start()");
            }
            if (serviceLock.isLocked()) {
                throw new IllegalStateException("a thread is servicing this context with service()");
            }
            background = new Thread(this::runBackground, threadName);
            owner = background;
            background.start();
        }
    }

    private void runBackground() {
        serviceLock.lock();
        try {
            while (!stopRequested) {
                try {
                    turn(-1);
                } catch (RuntimeException e) {
                    // a failure stays contained: the service thread goes on
                    LOG.error("service turn failed", e);
                }
            }
            destroy();
        } finally {
            serviceLock.unlock();
        }
    }

    void service(int timeoutMs) {
        if (engine.externalPoll) {
            throw new IllegalStateException("an externalPoll context is serviced by serviceFd(), not service()");
        }
        onCallersThread("service()", () -> turn(timeoutMs));
    }

    void serviceFd(int fd, int revents) {
        onCallersThread("serviceFd()", () -> {
            ByteBuffer events = engine.dispatcher.buffer();
            int n = engine.submissions.takeLength();
            engine.counters.downcall();
            finishTurn(LwsjNative.lwsj_service_fd(engine.nativeContext.handle, fd, revents,
                    engine.submissions.buffer(), n, events, events.capacity()));
        });
    }

    /** Runs one turn on the calling thread, which becomes the service thread meanwhile. */
    private void onCallersThread(String what, Runnable oneTurn) {
        if (background != null) {
            throw new IllegalStateException("this context has a background service thread (start() was called)");
        }
        if (serviceLock.isHeldByCurrentThread()) {
            throw new IllegalStateException(what + " called from inside a handler");
        }
        serviceLock.lock();
        try {
            checkOpen();
            owner = Thread.currentThread();
            oneTurn.run();
            if (stopRequested) {
                destroy();
            }
        } finally {
            serviceLock.unlock();
        }
    }

    private void turn(int timeoutMs) {
        ByteBuffer events = engine.dispatcher.buffer();
        int n = engine.submissions.takeLength();
        engine.counters.downcall();
        finishTurn(LwsjNative.lwsj_service(engine.nativeContext.handle, timeoutMs, engine.submissions.buffer(), n,
                events, events.capacity()));
    }

    private void finishTurn(int r) {
        if (r < 0) {
            throw new LwsException("lwsj_service: " + Abi.describe(r) + " " + LwsjNative.lwsj_last_error());
        }
        engine.dispatcher.finishTurn(r);
    }

    /**
     * Asks the context to close without waiting: its service thread closes it at the end of
     * its turn (a caller inside service() at the end of that call). For a context of
     * several service threads, closed from a handler of one of them: waiting there for
     * another one could wait on a thread that waits for this one.
     */
    void requestClose() {
        Thread bg;
        synchronized (lifecycle) {
            if (closed || stopRequested) {
                return;
            }
            stopRequested = true;
            bg = background;
        }
        if (bg != null && bg != Thread.currentThread()) {
            LwsjNative.lwsj_wake(engine.nativeContext.handle);
        }
    }

    /**
     * Closes every connection and frees the context; idempotent, and returns once it is
     * closed (also when another thread asked first); from a handler, once it returns.
     */
    void close() {
        Thread bg;
        synchronized (lifecycle) {
            stopRequested = true;
            bg = background;
        }
        Thread me = Thread.currentThread();
        // "closed" is set when destroying begins: wait for the thread that destroys
        // (a stale handle makes the wake a no-op)
        if (bg != null) {
            if (me == bg) {
                return; // the loop destroys once the handler returns
            }
            if (!closed) {
                LwsjNative.lwsj_wake(engine.nativeContext.handle);
            }
            joinQuietly(bg);
            return;
        }
        if (serviceLock.isHeldByCurrentThread()) {
            return; // inside service(): it destroys before returning
        }
        if (!closed) {
            LwsjNative.lwsj_wake(engine.nativeContext.handle);
        }
        serviceLock.lock();
        try {
            if (!closed) {
                owner = me;
                destroy();
            }
        } finally {
            serviceLock.unlock();
        }
    }

    private static void joinQuietly(Thread t) {
        boolean interrupted = false;
        while (t.isAlive()) {
            try {
                t.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** [service thread, holding serviceLock] */
    private void destroy() {
        closed = true;
        ByteBuffer buf = engine.dispatcher.bufferForDestroy();
        int r = engine.nativeContext.destroy(buf);
        engine.cleanable.clean(); // already destroyed: only unregisters
        engine.dispatcher.finishDestroy(r);
        engine.connects.failAll();
    }
}
