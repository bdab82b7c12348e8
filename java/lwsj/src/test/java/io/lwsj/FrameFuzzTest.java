package io.lwsj;

import static io.lwsj.TestData.pattern;
import static io.lwsj.Waits.sleep;
import static io.lwsj.Waits.waitUntil;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lwsj.internal.Internals;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static io.lwsj.TestData.pattern;
import static io.lwsj.Waits.sleep;
import static io.lwsj.Waits.waitUntil;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;


/**
 * A frame fuzzer: for a bounded time (-Dlwsj.fuzz.seconds, default 10) several threads
 * open connections to a running lwsj echo server and throw random, mutated and
 * truncated frames (and now and then a mutated handshake) at it, split into random
 * writes, ending each connection in a random way (FIN, reset, or leaving it to the
 * server). Afterwards a fresh client must be echoed, every connection must be gone and
 * no fd left open. The seed is printed; -Dlwsj.fuzz.seed=N replays a run.
 */
class FrameFuzzTest extends ServerTestSupport {
    static final int THREADS = 4;

    @Test
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void randomAndMutatedFramesNeverHurtTheServer() throws Exception {
        long seconds = Long.getLong("lwsj.fuzz.seconds", 10);
        long seed = Long.getLong("lwsj.fuzz.seed", System.nanoTime());
        System.out.println("FrameFuzzTest: seed " + seed + ", " + seconds + " s, " + THREADS + " threads"
                + " (replay with -Dlwsj.fuzz.seed=" + seed + ")");

        Protocol<Void> echo = Protocol.builder("echo", echo("echo").handler()).maxMessageSize(256 * 1024).build();
        LwsContext ctx = track(localhost().handshakeTimeout(Duration.ofSeconds(2)).protocol(echo).build()).start();
        try (WsTestClient warm = WsTestClient.connect(ctx.port(), "echo")) {
            warm.assertEchoes("warm up");
        }
        waitUntil(() -> Internals.openConnections(ctx) == 0, "the warm-up client to go");
        int baselineFds = Hostile.openFds();

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        Stats stats = new Stats();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Map<Socket, Long> busy = new ConcurrentHashMap<>();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            Random r = new Random(seed + t);
            Thread w = new Thread(() -> {
                try {
                    while (System.nanoTime() < deadline) {
                        oneConnection(ctx.port(), r, stats, busy);
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "fuzz-" + t);
            w.setDaemon(true);
            workers.add(w);
            w.start();
        }
        // the watchdog: a socket stuck in a write for 5 s (a server that stopped reading) is closed
        Thread watchdog = new Thread(() -> {
            while (workers.stream().anyMatch(Thread::isAlive)) {
                long now = System.nanoTime();
                busy.forEach((s, since) -> {
                    if (now - since > TimeUnit.SECONDS.toNanos(5)) {
                        stats.unstuck.incrementAndGet();
                        quietClose(s);
                    }
                });
                sleep(200);
            }
        }, "fuzz-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();

        // the server keeps serving a well-behaved client while the fuzzers run
        try (WsTestClient during = WsTestClient.connect(ctx.port(), "echo")) {
            int n = 0;
            while (System.nanoTime() < deadline) {
                during.assertEchoes("during " + n++);
                sleep(100);
            }
        }
        for (Thread w : workers) {
            w.join(TimeUnit.SECONDS.toMillis(30));
            assertTrue(!w.isAlive(), w.getName() + " did not finish");
        }
        if (failure.get() != null) {
            throw new AssertionError("a fuzz thread failed (seed " + seed + ")", failure.get());
        }
        System.out.println("FrameFuzzTest: " + stats);

        // afterwards: a fresh client is served, everything else is gone
        try (WsTestClient after = WsTestClient.connect(ctx.port(), "echo")) {
            after.assertEchoes("after the fuzzing");
            byte[] b = pattern(100_000);
            after.sendBinary(b);
            assertArrayEquals(b, after.nextBinary());
        }
        try (RawClient raw = RawClient.handshake(ctx.port(), "echo")) {
            raw.sendText("raw after the fuzzing");
            assertEquals("raw after the fuzzing", raw.readFrame().text());
        }
        Hostile.assertNoLeak(ctx, baselineFds, 4, 0, 20_000);
        assertTrue(stats.connections.get() > 50, "too few connections to mean anything: " + stats);
    }

    static final class Stats {
        final AtomicLong connections = new AtomicLong();
        final AtomicLong upgraded = new AtomicLong();
        final AtomicLong frames = new AtomicLong();
        final AtomicLong bytes = new AtomicLong();
        final AtomicLong closeFrames = new AtomicLong();
        final AtomicLong unstuck = new AtomicLong();

        @Override
        public String toString() {
            return connections + " connections (" + upgraded + " upgraded), " + frames + " frames, " + bytes
                    + " bytes sent, " + closeFrames + " close frames received, " + unstuck + " stuck writes cut";
        }
    }

    static void quietClose(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    /** One connection: a handshake (now and then a broken one), then a burst of fuzz frames. */
    static void oneConnection(int port, Random r, Stats stats, Map<Socket, Long> busy) throws IOException {
        Socket s = new Socket();
        stats.connections.incrementAndGet();
        try {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(2000);
            s.setTcpNoDelay(r.nextBoolean());
            String key = RawClient.newKey();
            byte[] req = RawClient.upgradeRequest(port, "/", key, "13", "echo", null)
                    .getBytes(StandardCharsets.ISO_8859_1);
            if (r.nextInt(10) == 0) {
                req = mutate(req, r); // a broken handshake
            }
            write(s, req, r, stats, busy);
            if (!readUpgrade(s.getInputStream())) {
                return;
            }
            stats.upgraded.incrementAndGet();
            s.setSoTimeout(20);
            int n = 1 + r.nextInt(20);
            ByteArrayOutputStream burst = new ByteArrayOutputStream();
            for (int i = 0; i < n; i++) {
                burst.writeBytes(fuzzFrame(r));
                stats.frames.incrementAndGet();
                if (r.nextInt(4) == 0) {
                    write(s, burst.toByteArray(), r, stats, busy);
                    burst.reset();
                    drain(s, stats);
                }
            }
            write(s, burst.toByteArray(), r, stats, busy);
            drain(s, stats);
            switch (r.nextInt(3)) {
                case 0:
                    s.setSoLinger(true, 0); // reset
                    break;
                case 1:
                    s.shutdownOutput(); // FIN, then wait a little for the server's end
                    drain(s, stats);
                    break;
                default:
                    break; // plain close
            }
        } catch (IOException e) {
            // the server closed on us: expected for most of what we send
        } finally {
            quietClose(s);
        }
    }

    /** Writes in random pieces; the watchdog may close the socket if a write blocks. */
    static void write(Socket s, byte[] b, Random r, Stats stats, Map<Socket, Long> busy) throws IOException {
        busy.put(s, System.nanoTime());
        try {
            int off = 0;
            while (off < b.length) {
                int n = Math.min(b.length - off, 1 + r.nextInt(r.nextBoolean() ? 16 : 65536));
                s.getOutputStream().write(b, off, n);
                off += n;
                stats.bytes.addAndGet(n);
            }
            s.getOutputStream().flush();
        } finally {
            busy.remove(s);
        }
    }

    /** Reads the response head; true for a 101. */
    static boolean readUpgrade(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        try {
            while (head.length() < 8192 && !head.toString().endsWith("\r\n\r\n")) {
                int c = in.read();
                if (c < 0) {
                    return false;
                }
                head.append((char) c);
            }
        } catch (SocketTimeoutException e) {
            return false;
        }
        return head.toString().startsWith("HTTP/1.1 101");
    }

    /** Reads whatever the server sent so far, counting close frames roughly (opcode 8 at a frame start is not tracked). */
    static void drain(Socket s, Stats stats) throws IOException {
        byte[] buf = new byte[65536];
        try {
            for (int i = 0; i < 100; i++) {
                int n = s.getInputStream().read(buf);
                if (n < 0) {
                    return;
                }
                if (n >= 2 && (buf[0] & 0xff) == 0x88) {
                    stats.closeFrames.incrementAndGet();
                }
            }
        } catch (SocketTimeoutException e) {
            // nothing more for now
        }
    }

    static final int[] OPCODES = {0x0, 0x1, 0x2, 0x8, 0x9, 0xa};

    /** One frame from one of several generators. */
    static byte[] fuzzFrame(Random r) {
        switch (r.nextInt(8)) {
            case 0: { // random bytes
                byte[] b = new byte[1 + r.nextInt(64)];
                r.nextBytes(b);
                return b;
            }
            case 1: { // any first byte, any declared length, a short payload
                long[] lens = {0, 1, 125, 126, 127, 65535, 65536, 1L << 32, Long.MAX_VALUE, -1L, r.nextLong()};
                byte[] p = new byte[r.nextInt(32)];
                r.nextBytes(p);
                return Hostile.frame(r.nextInt(256), r.nextInt(8) == 0 ? null : Hostile.mask(),
                        lens[r.nextInt(lens.length)], p);
            }
            case 2: // a valid frame, mutated
                return mutate(validFrame(r), r);
            case 3: { // a valid frame, truncated
                byte[] f = validFrame(r);
                byte[] t = new byte[r.nextInt(f.length + 1)];
                System.arraycopy(f, 0, t, 0, t.length);
                return t;
            }
            default: // valid frames, in any order (fragments, controls, close)
                return validFrame(r);
        }
    }

    static byte[] validFrame(Random r) {
        int op = OPCODES[r.nextInt(OPCODES.length)];
        boolean control = op >= 0x8;
        int len;
        switch (r.nextInt(6)) {
            case 0:
                len = 0;
                break;
            case 1:
                len = 125;
                break;
            case 2:
                len = 126 + r.nextInt(65536 - 126);
                break;
            case 3:
                len = 65536 + r.nextInt(200_000);
                break;
            default:
                len = r.nextInt(126);
        }
        if (control) {
            len = Math.min(len, 125);
        }
        byte[] p = new byte[len];
        if (op == 0x1 && r.nextBoolean()) {
            for (int i = 0; i < len; i++) {
                p[i] = (byte) ('a' + r.nextInt(26)); // valid UTF-8 text
            }
        } else {
            r.nextBytes(p);
        }
        if (op == 0x8 && len >= 2 && r.nextBoolean()) {
            p[0] = 0x03;
            p[1] = (byte) 0xe8; // 1000
        }
        boolean fin = control || r.nextInt(3) > 0;
        return Hostile.masked(op, fin, p);
    }

    static byte[] mutate(byte[] b, Random r) {
        byte[] m = b.clone();
        int edits = 1 + r.nextInt(4);
        for (int i = 0; i < edits && m.length > 0; i++) {
            int at = r.nextInt(Math.min(m.length, r.nextBoolean() ? 16 : m.length));
            switch (r.nextInt(3)) {
                case 0:
                    m[at] ^= (byte) (1 << r.nextInt(8));
                    break;
                case 1:
                    m[at] = (byte) r.nextInt(256);
                    break;
                default: {
                    byte[] n = new byte[m.length + 1];
                    System.arraycopy(m, 0, n, 0, at);
                    n[at] = (byte) r.nextInt(256);
                    System.arraycopy(m, at, n, at + 1, m.length - at);
                    m = n;
                }
            }
        }
        return m;
    }
}
