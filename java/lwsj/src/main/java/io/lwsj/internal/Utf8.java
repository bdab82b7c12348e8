package io.lwsj.internal;

import java.nio.ByteBuffer;
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

    /**
     * True when the remaining bytes are well-formed UTF-8 (RFC 3629: no overlong forms,
     * no surrogates, nothing above U+10FFFF); the position is not moved. Allocates
     * nothing: it runs once per message relayed from another server.
     */
    public static boolean isValid(ByteBuffer bytes) {
        int end = bytes.limit();
        for (int i = bytes.position(); i < end; ) {
            int b = bytes.get(i) & 0xff;
            if (b < 0x80) {
                i++;
                continue;
            }
            int more;
            int low = 0x80;   // the range of the second byte, narrowed for the lead bytes
            int high = 0xbf;  // whose shortest forms or surrogates start there
            if (b >= 0xc2 && b <= 0xdf) {
                more = 1;
            } else if (b >= 0xe0 && b <= 0xef) {
                more = 2;
                low = b == 0xe0 ? 0xa0 : 0x80;
                high = b == 0xed ? 0x9f : 0xbf;
            } else if (b >= 0xf0 && b <= 0xf4) {
                more = 3;
                low = b == 0xf0 ? 0x90 : 0x80;
                high = b == 0xf4 ? 0x8f : 0xbf;
            } else {
                return false;
            }
            if (end - i - 1 < more) {
                return false;
            }
            int second = bytes.get(i + 1) & 0xff;
            if (second < low || second > high) {
                return false;
            }
            for (int k = 2; k <= more; k++) {
                int c = bytes.get(i + k) & 0xff;
                if (c < 0x80 || c > 0xbf) {
                    return false;
                }
            }
            i += more + 1;
        }
        return true;
    }
}
