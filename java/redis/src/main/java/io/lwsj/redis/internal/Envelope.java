package io.lwsj.redis.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * One broadcast as it travels through Redis, binary-safe:
 * <pre>
 *   version (1 byte, 1) | flags (1 byte; bit 0: binary) | node id (16 bytes)
 *   | protocol name length (1 byte) | protocol name (ASCII) | payload (the rest)
 * </pre>
 * The node id lets a server recognise, and skip, its own broadcasts coming back.
 */
public record Envelope(String protocol, boolean binary, byte[] bytes, int payloadOffset) {
    public static final int VERSION = 1;
    public static final int NODE_ID_BYTES = 16;
    private static final int FLAG_BINARY = 1;
    private static final int HEADER_BYTES = 3 + NODE_ID_BYTES;

    /** The envelope's bytes for a payload (its remaining bytes; the position is not moved). */
    public static byte[] encode(byte[] node, String protocol, boolean binary, ByteBuffer payload) {
        byte[] name = protocol.getBytes(StandardCharsets.US_ASCII);
        if (node.length != NODE_ID_BYTES || name.length > 255) {
            throw new IllegalArgumentException("node id of " + node.length + " bytes or protocol name of " + name.length);
        }
        byte[] out = new byte[HEADER_BYTES + name.length + payload.remaining()];
        out[0] = VERSION;
        out[1] = (byte) (binary ? FLAG_BINARY : 0);
        System.arraycopy(node, 0, out, 2, NODE_ID_BYTES);
        out[2 + NODE_ID_BYTES] = (byte) name.length;
        System.arraycopy(name, 0, out, HEADER_BYTES, name.length);
        payload.duplicate().get(out, HEADER_BYTES + name.length, payload.remaining());
        return out;
    }

    /** The envelope in bytes, or null when they are not one (another version, cut short). */
    public static @Nullable Envelope decode(byte[] bytes) {
        if (bytes.length < HEADER_BYTES || bytes[0] != VERSION || (bytes[1] & ~FLAG_BINARY) != 0) {
            return null;
        }
        int nameLength = bytes[2 + NODE_ID_BYTES] & 0xff;
        if (nameLength == 0 || bytes.length < HEADER_BYTES + nameLength) {
            return null;
        }
        String protocol = new String(bytes, HEADER_BYTES, nameLength, StandardCharsets.US_ASCII);
        return new Envelope(protocol, (bytes[1] & FLAG_BINARY) != 0, bytes, HEADER_BYTES + nameLength);
    }

    /** True when bytes are an envelope this node made (checked in place, before any decoding). */
    public static boolean isFrom(byte[] bytes, byte[] node) {
        return bytes.length >= HEADER_BYTES && bytes[0] == VERSION
                && Arrays.equals(bytes, 2, 2 + NODE_ID_BYTES, node, 0, NODE_ID_BYTES);
    }

    /** The payload, a view of the envelope's bytes. */
    public ByteBuffer payload() {
        return ByteBuffer.wrap(bytes, payloadOffset, bytes.length - payloadOffset);
    }
}
