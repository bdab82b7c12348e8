package io.lwsj;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Payloads the tests send and compare. */
public final class TestData {
    /**
     * Service threads of the servers the suites make (ServerTestSupport.localhost,
     * ClientTestKit.loopbackServer): 1, or -Dlwsj.test.serviceThreads=N to run a suite
     * against a context with N (scripts/test-service-threads.sh).
     */
    static final int SERVICE_THREADS = Integer.getInteger("lwsj.test.serviceThreads", 1);

    private TestData() {
    }

    /** The context's protocol of this name (the API takes Protocol objects). */
    static Protocol<?> protocol(LwsContext ctx, String name) {
        return ctx.protocol(name);
    }

    /** n bytes of a fixed pattern that is not periodic in any small power of two. */
    static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + (i >>> 8));
        }
        return b;
    }

    static String asciiText(int n) {
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            b.append((char) ('a' + (i % 26)));
        }
        return b.toString();
    }

    /** The remaining bytes of b, leaving b as it was. */
    static byte[] copy(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return a;
    }

    public static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
