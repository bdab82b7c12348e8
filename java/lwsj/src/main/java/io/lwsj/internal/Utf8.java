package io.lwsj.internal;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Decodes text that the glue has already validated, with one reused array per thread,
 * and checks text that comes from elsewhere.
 */
public final class Utf8 {
    private static final ThreadLocal<byte[][]> SCRATCH = ThreadLocal.withInitial(() -> new byte[][] {new byte[1024]});

    private Utf8() {}

    /** The String of utf8's remaining bytes; the position is not moved. */
    public static String decode(ByteBuffer utf8) {
        int len = utf8.remaining();
        if (len == 0) {
            return "";
        }
        if (utf8.hasArray()) {
            return new String(utf8.array(), utf8.arrayOffset() + utf8.position(), len, StandardCharsets.UTF_8);
        }
        byte[][] holder = SCRATCH.get();
        byte[] b = holder[0];
        if (b.length < len) {
            b = new byte[Math.max(len, b.length * 2)];
            if (len <= 1 << 20) {
                holder[0] = b;
            }
        }
        utf8.get(utf8.position(), b, 0, len);
        return new String(b, 0, len, StandardCharsets.UTF_8);
    }

    /** True when the remaining bytes are well-formed UTF-8; the position is not moved. */
    public static boolean isValid(ByteBuffer bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes.duplicate());
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
