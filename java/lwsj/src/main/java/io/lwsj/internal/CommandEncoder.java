package io.lwsj.internal;

import java.nio.ByteBuffer;

/** Writes command records (lwsj.h, "commands") into a native-order direct buffer. */
final class CommandEncoder {
    private CommandEncoder() {}

    static int recordSize(int payloadLength) {
        return (Abi.CMD_HEADER_SIZE + payloadLength + 7) & ~7;
    }

    /**
     * Writes one record at {@code at}: the payload is {@code n} bytes from the array
     * at {@code off}, or, when the array is null, the buffer's remaining bytes (its
     * position is not moved). Returns the record's size.
     */
    static int put(ByteBuffer b, int at, int op, int flags, long target, int aux,
                   byte[] array, int off, ByteBuffer buffer, int n) {
        int size = recordSize(n);
        b.putInt(at, size);
        b.putShort(at + 4, (short) op);
        b.putShort(at + 6, (short) flags);
        b.putLong(at + 8, target);
        b.putInt(at + 16, n);
        b.putInt(at + 20, aux);
        if (array != null) {
            b.put(at + Abi.CMD_HEADER_SIZE, array, off, n);
        } else if (buffer != null) {
            b.put(at + Abi.CMD_HEADER_SIZE, buffer, buffer.position(), n);
        }
        return size;
    }
}
