package io.lwsj;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.lwsj.internal.Internals;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;


/**
 * Tools for the hostile-input tests: frames built bit by bit (any header, masked or
 * not, any declared length), checks of the RFC 6455 reaction, and leak checks
 * (open file descriptors of this process, open connections of a context).
 */
final class Hostile {
    private Hostile() {}

    /** What the probe protocol's handler saw. */
    record Closed(int code, String reason) {}

    /** An echo protocol that also records each onClosed. */
    static Protocol<Void> recordingEcho(String name, BlockingQueue<Closed> closed) {
        return Protocol.of(name, new Handler<>() {
            @Override
            public void onText(Connection c, Void s, String text) {
                c.sendText(text);
            }

            @Override
            public void onBinary(Connection c, Void s, ByteBuffer data) {
                c.sendBinary(data);
            }

            @Override
            public void onClosed(Connection c, Void s, int code, String reason) {
                closed.add(new Closed(code, reason));
            }
        });
    }

    // ---- frames ---------------------------------------------------------------------

    /**
     * A frame with full control: b0 is the first byte (FIN, RSV1-3, opcode), mask null
     * for an unmasked frame, declared the length written in the header (which may
     * differ from payload.length), payload written after the header (masked if mask
     * is given).
     */
    static byte[] frame(int b0, byte[] mask, long declared, byte[] payload) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(payload.length + 14);
        b.write(b0);
        int m = mask == null ? 0 : 0x80;
        if (declared >= 0 && declared < 126) {
            b.write(m | (int) declared);
        } else if (declared >= 0 && declared <= 0xffff) {
            b.write(m | 126);
            b.write((int) (declared >>> 8));
            b.write((int) declared);
        } else {
            b.write(m | 127);
            for (int i = 7; i >= 0; i--) {
                b.write((int) (declared >>> (8 * i)));
            }
        }
        if (mask != null) {
            b.writeBytes(mask);
            for (int i = 0; i < payload.length; i++) {
                b.write(payload[i] ^ mask[i & 3]);
            }
        } else {
            b.writeBytes(payload);
        }
        return b.toByteArray();
    }

    static byte[] mask() {
        byte[] m = new byte[4];
        ThreadLocalRandom.current().nextBytes(m);
        return m;
    }

    /** A correctly masked client frame: opcode, FIN, payload. */
    static byte[] masked(int opcode, boolean fin, byte[] payload) {
        return frame((fin ? 0x80 : 0) | opcode, mask(), payload.length, payload);
    }

    static byte[] closePayload(int code, byte[] reason) {
        byte[] p = new byte[2 + reason.length];
        p[0] = (byte) (code >>> 8);
        p[1] = (byte) code;
        System.arraycopy(reason, 0, p, 2, reason.length);
        return p;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }

    static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    /**
     * Writes up to total bytes of filler on a daemon thread (stops at the first write
     * error, e.g. once the socket is closed); the caller closes the socket and joins.
     */
    static Thread streamInBackground(RawClient c, long total) {
        Thread t = new Thread(() -> {
            byte[] chunk = new byte[64 * 1024];
            try {
                for (long sent = 0; sent < total; sent += chunk.length) {
                    c.out.write(chunk);
                }
                c.out.flush();
            } catch (IOException e) {
                // the server closed (or the test did)
            }
        }, "hostile-writer");
        t.setDaemon(true);
        t.start();
        return t;
    }

    // ---- the reaction ---------------------------------------------------------------

    /** Writes bytes, tolerating a server that has already closed. */
    static void writeQuietly(RawClient c, byte[] b) throws IOException {
        try {
            c.write(b);
        } catch (SocketException e) {
            // the server may fail the connection before it has read everything
        }
    }

    /**
     * RFC 6455 7.1.7: the server fails the connection. Expects, as the next frame, a
     * close frame with this code (data frames before it are a failure: the server
     * must not act on what follows the error); answers it as a well-behaved client
     * does, with a close frame echoing the code, and expects the server to end the TCP
     * connection within 3 s.
     */
    static void assertFailsWith(RawClient c, int code, String what) throws IOException {
        assertCloseFrame(c, code, what);
        writeQuietly(c, masked(0x8, true, closePayload(code, new byte[0])));
        assertEofWithin(c, 3000, what);
    }

    /** As {@link #assertFailsWith} for a client that never answers: EOF within 8 s all the same. */
    static void assertFailsWithoutAnswer(RawClient c, int code, String what) throws IOException {
        assertCloseFrame(c, code, what);
        assertEofWithin(c, 8000, what);
    }

    /** The next frame is a close frame with this code and a UTF-8 reason (if any). */
    static void assertCloseFrame(RawClient c, int code, String what) throws IOException {
        RawClient.Frame f;
        try {
            f = c.readFrame();
        } catch (SocketTimeoutException e) {
            fail(what + ": the server neither closed nor answered within " + c.socket.getSoTimeout() + " ms");
            return;
        } catch (IOException e) {
            fail(what + ": the connection ended without a close frame (" + e + "); expected close " + code);
            return;
        }
        assertEquals(0x8, f.opcode(), what + ": expected a close frame, got opcode " + f.opcode()
                + " payload " + f.payload().length + " bytes");
        assertEquals(code, f.closeCode(), what + ": close code");
        if (f.payload().length > 2) {
            String reason = new String(f.payload(), 2, f.payload().length - 2, StandardCharsets.UTF_8);
            assertTrue(StandardCharsets.UTF_8.newEncoder().canEncode(reason), what + ": reason not UTF-8");
        }
    }

    /** The server closes the TCP connection within ms; whatever arrives first must not be a data frame. */
    static void assertEofWithin(RawClient c, int ms, String what) throws IOException {
        int old = c.socket.getSoTimeout();
        c.socket.setSoTimeout(ms);
        try {
            byte[] rest = c.readToEof();
            // a server may repeat nothing after its close; anything here would be a frame after Close
            assertEquals(0, rest.length, what + ": " + rest.length + " bytes after the close frame");
        } catch (SocketTimeoutException e) {
            fail(what + ": the server did not close the TCP connection within " + ms + " ms");
        } catch (SocketException e) {
            // reset: the connection is gone, which is what we wait for
        } finally {
            if (!c.socket.isClosed()) {
                c.socket.setSoTimeout(old);
            }
        }
    }

    /** The next frame is a close frame (the server's answer to ours) with this code; -1: no code. */
    static RawClient.Frame assertCloseAnswer(RawClient c, int code, String what) throws IOException {
        RawClient.Frame f = c.readFrame();
        assertEquals(0x8, f.opcode(), what + ": expected a close frame, got opcode " + f.opcode());
        assertEquals(code, f.closeCode(), what + ": close code of the answer");
        return f;
    }

    /** Expects an HTTP error status (or EOF without a status, when allowEof), never 101. */
    static RawClient.Head assertHttpRefusal(RawClient c, int expectedStatus, boolean allowEof, String what)
            throws IOException {
        RawClient.Head h;
        try {
            h = c.readHead();
        } catch (SocketTimeoutException e) {
            fail(what + ": the server neither answered nor closed");
            return null;
        } catch (SocketException e) {
            h = null;
        }
        if (h == null) {
            assertTrue(allowEof, what + ": connection closed without an HTTP status; expected " + expectedStatus);
            return null;
        }
        assertNotEquals(101, h.status(), what + ": upgraded: " + h.statusLine());
        if (expectedStatus > 0) {
            assertEquals(expectedStatus, h.status(), what + ": " + h.statusLine());
        } else {
            assertTrue(h.status() >= 400, what + ": expected an HTTP error, got " + h.statusLine());
        }
        return h;
    }

    // ---- leaks ----------------------------------------------------------------------

    /** Open file descriptors of this process (Linux), -1 where that cannot be known. */
    static int openFds() {
        Path fd = Path.of("/proc/self/fd");
        if (!Files.isDirectory(fd)) {
            return -1;
        }
        try (Stream<Path> s = Files.list(fd)) {
            return (int) s.count();
        } catch (IOException e) {
            return -1;
        }
    }

    /**
     * Waits until this process has no more open fds than baseline + slack and the
     * context's open connection count is at most openAllowed. Fails if that does not
     * happen within ms.
     */
    static void assertNoLeak(LwsContext ctx, int baselineFds, int slack, int openAllowed, long ms) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        int fds = openFds();
        int open = Internals.openConnections(ctx);
        while (System.nanoTime() < deadline) {
            fds = openFds();
            open = Internals.openConnections(ctx);
            if ((baselineFds < 0 || fds <= baselineFds + slack) && open <= openAllowed) {
                return;
            }
            Waits.sleep(20);
        }
        fail("leak: " + fds + " fds open (baseline " + baselineFds + " + " + slack + "), " + open
                + " connections open (allowed " + openAllowed + ")");
    }
}
