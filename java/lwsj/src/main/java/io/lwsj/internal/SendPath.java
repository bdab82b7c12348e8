package io.lwsj.internal;

import io.lwsj.ConnectionClosedException;
import io.lwsj.ContextSaturatedException;
import io.lwsj.LwsException;
import io.lwsj.Overflow;
import io.lwsj.Protocol;
import io.lwsj.SendRefusedException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Everything Java asks of a connection or a protocol: sends, commands and broadcasts,
 * on the service thread into the submission buffer, from other threads through
 * lwsj_submit. Keeps the send accounting that makes a send's answer exact on the
 * service thread, where the glue has not seen the buffered submissions yet.
 */
final class SendPath {
    private static final VarHandle SLOT_LONGS =
            MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());

    private final ContextEngine engine;
    private final Submissions submissions;
    private final ByteBuffer slots;

    SendPath(ContextEngine engine, Submissions submissions, ByteBuffer slots) {
        this.engine = engine;
        this.submissions = submissions;
        this.slots = slots;
    }

    /** One command, by the path the calling thread must take; returns lwsj_submit's status. */
    int submit(int op, int flags, long target, int aux, byte[] array, int off, ByteBuffer data, int n) {
        return engine.loop.onServiceThread()
                ? submissions.onServiceThread(op, flags, target, aux, array, off, data, n)
                : submissions.fromOtherThread(op, flags, target, aux, array, off, data, n);
    }

    /** Returns true when queued; false when refused (the protocol's bound, or a saturated context). */
    boolean send(NativeConnection c, int flags, byte[] array, int off, ByteBuffer data, int n, int token) {
        return status(c, flags, array, off, data, n, token) == Abi.OK;
    }

    /** As send, with a future that completes when the frame has been written to the socket. */
    CompletableFuture<Void> sendTracked(NativeConnection c, int flags, byte[] array, ByteBuffer data, int n) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        UnwrittenSends unwritten = c.unwritten();
        int token = unwritten.add(f);
        int r;
        try {
            r = status(c, flags, array, 0, data, n, token);
        } catch (RuntimeException e) {
            unwritten.remove(token);
            f.completeExceptionally(e);
            return f;
        }
        if (r != Abi.OK) {
            unwritten.remove(token);
            f.completeExceptionally(r == Abi.ERR_BUSY
                    ? new ContextSaturatedException(LwsjNative.lwsj_last_error())
                    : new SendRefusedException(c + ": the send queue is at its bound ("
                            + c.protocol().maxQueuedBytes() + " bytes)"));
        }
        return f;
    }

    /** Abi.OK, Abi.ERR_FULL (the protocol's bound) or Abi.ERR_BUSY (a saturated context). */
    private int status(NativeConnection c, int flags, byte[] array, int off, ByteBuffer data, int n, int token) {
        Objects.requireNonNull(array == null ? data : array, "data");
        if (!c.open) {
            throw new ConnectionClosedException(c + " is closed");
        }
        Protocol<?> p = c.protocol();
        if (engine.loop.onServiceThread()) {
            long cost = Abi.sendCost(n);
            long epoch = submissions.epoch();
            long mine = c.epoch == epoch ? c.submitted : 0;
            long already = charged(c) + mine;
            // the glue's own rule, asked of it without a native call's worth of state
            if (Abi.overBound(already, cost, p.maxQueuedBytes())) {
                overflow(c);
                return Abi.ERR_FULL;
            }
            c.epoch = epoch;
            c.submitted = mine + cost;
            submissions.onServiceThread(Abi.CMD_SEND, flags, c.handle(), token, array, off, data, n);
            return Abi.OK;
        }
        int r = submissions.fromOtherThread(Abi.CMD_SEND, flags, c.handle(), token, array, off, data, n);
        switch (r) {
            case Abi.OK:
            case Abi.ERR_BUSY:
                return r;
            case Abi.ERR_FULL:
                overflow(c);
                return r;
            case Abi.ERR_STALE:
                throw new ConnectionClosedException(c + " is closed");
            default:
                throw new LwsException("send on " + c + " failed: " + Abi.describe(r));
        }
    }

    private static void overflow(NativeConnection c) {
        if (c.protocol().overflow() == Overflow.CLOSE) {
            c.abort(c.protocol().overflowCloseCode(), "send queue full");
        }
    }

    void command(NativeConnection c, int op, int flags, int aux, byte[] payload) {
        if (!c.open) {
            if (op == Abi.CMD_CLOSE) {
                return;
            }
            throw new ConnectionClosedException(c + " is closed");
        }
        int n = payload == null ? 0 : payload.length;
        int r = submit(op, flags, c.handle(), aux, payload, 0, null, n);
        if (r == Abi.ERR_STALE && op != Abi.CMD_CLOSE) {
            throw new ConnectionClosedException(c + " is closed");
        }
        refusedUnlessOk(r);
    }

    /** A command to every connection of a protocol (BROADCAST, WRITABLE_ALL). */
    void toProtocol(int op, int flags, int protocolIndex, byte[] array, ByteBuffer data, int n) {
        int r = submit(op, flags, protocolIndex, 0, array, 0, data, n);
        if (r == Abi.ERR_STALE) {
            throw new IllegalStateException("context is closed");
        }
        refusedUnlessOk(r);
    }

    /** Throws what a status of lwsj_submit other than OK and STALE means. */
    private static void refusedUnlessOk(int r) {
        if (r != Abi.OK && r != Abi.ERR_STALE) {
            throw refusal(r);
        }
    }

    /** The exception a refused submission means, by lwsj_submit's status. */
    static RuntimeException refusal(int r) {
        switch (r) {
            case Abi.ERR_BUSY: return new ContextSaturatedException(LwsjNative.lwsj_last_error());
            case Abi.ERR_STALE: return new IllegalStateException("context is closed");
            default: return new LwsException("the service thread's queue refused the call: " + Abi.describe(r));
        }
    }

    long bufferedAmount(NativeConnection c) {
        long b = charged(c);
        if (engine.loop.onServiceThread() && c.epoch == submissions.epoch()) {
            b += c.submitted;
        }
        return b;
    }

    /**
     * The slot's charged word: queued bytes plus other threads' accepted sends not yet
     * queued, one word so that a send being queued is counted once (lwsj.h).
     */
    private long charged(NativeConnection c) {
        return (long) SLOT_LONGS.getAcquire(slots, c.slot() * Abi.SLOT_SIZE);
    }
}
