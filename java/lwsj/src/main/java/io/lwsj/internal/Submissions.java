package io.lwsj.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Commands from Java to the glue, without a native call per message. On the service thread they are
 * appended to the submission buffer, which the glue runs at the start of the next
 * turn: no native call per message. From any other thread each command is one
 * {@code lwsj_submit}, which queues it and wakes the service thread.
 */
final class Submissions {
    private static final int CAPACITY = 256 * 1024;

    private final long ctx;
    private final CrossingCounters counters;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(CAPACITY).order(ByteOrder.nativeOrder());
    private int length;
    /** Counts the times the buffer was handed to the glue; see {@link NativeConnection#submitted}. */
    private long epoch;
    private final ThreadLocal<ByteBuffer> foreign = ThreadLocal.withInitial(() -> direct(4096));

    Submissions(long ctx, CrossingCounters counters) {
        this.ctx = ctx;
        this.counters = counters;
    }

    private static ByteBuffer direct(int size) {
        return ByteBuffer.allocateDirect(size).order(ByteOrder.nativeOrder());
    }

    long epoch() {
        return epoch;
    }

    /** [service] the buffer and its length for lwsj_service; the buffer is empty afterwards. */
    ByteBuffer buffer() {
        return buffer;
    }

    /** [service] hands the pending length over: the glue runs it in the call about to be made. */
    int takeLength() {
        int n = length;
        length = 0;
        epoch++;
        return n;
    }

    /** [service] runs what is pending now, through one native call. */
    void flush() {
        if (length == 0) {
            return;
        }
        int n = takeLength();
        counters.downcall();
        LwsjNative.lwsj_run_commands(ctx, buffer, n);
    }

    /** [service] appends one command; returns Abi.OK. */
    int onServiceThread(int op, int flags, long target, int aux, byte[] array, int off, ByteBuffer data, int n) {
        int size = CommandEncoder.recordSize(n);
        if (size > CAPACITY - length) {
            flush();
        }
        if (size > CAPACITY) {
            // larger than the whole buffer: one native call with a buffer of its own
            ByteBuffer big = direct(size);
            CommandEncoder.put(big, 0, op, flags, target, aux, array, off, data, n);
            epoch++;
            counters.downcall();
            return LwsjNative.lwsj_run_commands(ctx, big, size);
        }
        length += CommandEncoder.put(buffer, length, op, flags, target, aux, array, off, data, n);
        counters.command();
        return Abi.OK;
    }

    /** [any other thread] queues one command in the glue; returns the glue's status. */
    int fromOtherThread(int op, int flags, long target, int aux, byte[] array, int off, ByteBuffer data, int n) {
        int size = CommandEncoder.recordSize(n);
        ByteBuffer b = foreign.get();
        if (b.capacity() < size) {
            b = direct(Math.max(size, b.capacity() * 2));
            if (size <= 1 << 20) {
                foreign.set(b);
            }
        }
        CommandEncoder.put(b, 0, op, flags, target, aux, array, off, data, n);
        counters.foreignDowncall();
        return LwsjNative.lwsj_submit(ctx, b, size);
    }
}
