package io.lwsj;

import static io.lwsj.Waits.sleep;
import static io.lwsj.Waits.waitUntil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lwsj.internal.Internals;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static io.lwsj.Waits.sleep;
import static io.lwsj.Waits.waitUntil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;


/**
 * The soak run of scripts/soak.sh; skipped unless -Dlwsj.soak=full or quick.
 *
 * <ol>
 *   <li>connect / echo / close cycles (full: 100,000) from several client threads, each
 *       a complete WebSocket handshake, one echoed message and a close handshake;</li>
 *   <li>a broadcast run (full: 60 s): receivers on raw sockets, a sender broadcasting
 *       numbered messages of varied sizes; every receiver must get every message, in
 *       order (the sender waits for the slowest receiver every batch, so no queue
 *       bound is ever reached and nothing may be dropped).</li>
 * </ol>
 *
 * Process RSS (VmRSS) and Java heap (used after GC) are reported after a warm-up and at
 * the end; the run fails if either grew by more than its bound
 * (-Dlwsj.soak.rssGrowthMiB, default 64; -Dlwsj.soak.heapGrowthMiB, default 16), if a
 * connection or an fd is left open, or if any message is lost or wrong.
 */
class SoakTest extends ServerTestSupport {
    static final String MODE = System.getProperty("lwsj.soak");

    static long prop(String name, long full, long quick) {
        return Long.getLong("lwsj.soak." + name, "quick".equals(MODE) ? quick : full);
    }

    static long rssKiB() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("VmRSS:")) {
                    return Long.parseLong(l.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return -1;
    }

    static long heapUsedAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
            sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    record Mem(String when, long rssKiB, long heapBytes, int fds) {
        @Override
        public String toString() {
            return String.format("%s: RSS %.1f MiB, heap %.1f MiB, %d fds", when, rssKiB / 1024.0,
                    heapBytes / 1048576.0, fds);
        }
    }

    static Mem mem(String when) {
        long heap = heapUsedAfterGc();
        return new Mem(when, rssKiB(), heap, Hostile.openFds());
    }

    static void report(String line) {
        System.out.println("SOAK " + line);
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.HOURS)
    void connectEchoCloseCyclesAndALongBroadcast() throws Exception {
        Assumptions.assumeTrue(MODE != null, "soak run only with -Dlwsj.soak=full|quick (scripts/soak.sh)");
        long cycles = prop("cycles", 100_000, 10_000);
        int threads = (int) prop("threads", 8, 8);
        long broadcastSeconds = prop("broadcastSeconds", 60, 10);
        int receivers = (int) prop("receivers", 100, 50);
        long rssBoundMiB = prop("rssGrowthMiB", 64, 64);
        long heapBoundMiB = prop("heapGrowthMiB", 16, 16);
        report("mode " + MODE + ": " + cycles + " cycles on " + threads + " threads, broadcast " + broadcastSeconds
                + " s to " + receivers + " receivers; bounds: RSS +" + rssBoundMiB + " MiB, heap +" + heapBoundMiB
                + " MiB");

        Map<Long, Connection> broadcastMembers = new ConcurrentHashMap<>();
        Protocol<Void> bcast = Protocol.of("broadcast", new Handler<>() {
            @Override
            public void onEstablished(Connection c, Void s) {
                broadcastMembers.put(c.id(), c);
            }

            @Override
            public void onClosed(Connection c, Void s, int code, String reason) {
                broadcastMembers.remove(c.id());
            }
        });
        LwsContext ctx = track(localhost().maxConnections(1024).protocol(echo("echo")).protocol(bcast).build())
                .start();

        // warm-up: JIT, buffers, the pools of the JDK and of lws reach their working size
        runCycles(ctx.port(), Math.max(1000, cycles / 20), threads);
        broadcastRun(ctx, receivers, Math.min(5, broadcastSeconds), broadcastMembers);
        waitUntil(() -> Internals.openConnections(ctx) == 0, "the warm-up connections to go");
        Mem start = mem("start (after warm-up)");
        report(start.toString());

        long t0 = System.nanoTime();
        long done = runCycles(ctx.port(), cycles, threads);
        double secs = (System.nanoTime() - t0) / 1e9;
        report(String.format("%d connect/echo/close cycles in %.1f s (%.0f/s)", done, secs, done / secs));
        waitUntil(() -> Internals.openConnections(ctx) == 0, "the cycle connections to go");
        Mem afterCycles = mem("after the cycles");
        report(afterCycles.toString());

        long[] b = broadcastRun(ctx, receivers, broadcastSeconds, broadcastMembers);
        report(String.format("broadcast: %d messages (%.1f MiB) to each of %d receivers in %d s, %d deliveries, "
                + "none lost", b[0], b[1] / 1048576.0, receivers, broadcastSeconds, b[0] * receivers));
        waitUntil(() -> Internals.openConnections(ctx) == 0, "the receivers to go");
        Mem end = mem("end");
        report(end.toString());

        long rssGrowth = (end.rssKiB() - start.rssKiB()) / 1024;
        long heapGrowth = (end.heapBytes() - start.heapBytes()) / 1048576;
        report("growth: RSS " + rssGrowth + " MiB (bound " + rssBoundMiB + "), heap " + heapGrowth + " MiB (bound "
                + heapBoundMiB + "), fds " + (end.fds() - start.fds()));
        assertEquals(cycles, done, "cycles completed");
        assertTrue(start.rssKiB() < 0 || rssGrowth <= rssBoundMiB, "RSS grew by " + rssGrowth + " MiB");
        assertTrue(heapGrowth <= heapBoundMiB, "heap grew by " + heapGrowth + " MiB");
        assertTrue(start.fds() < 0 || end.fds() <= start.fds() + 4, "fds: " + start.fds() + " -> " + end.fds());
        report("PASS");
    }

    /** n connect / echo / close cycles on `threads` threads; returns how many completed. */
    static long runCycles(int port, long n, int threads) throws InterruptedException {
        AtomicLong next = new AtomicLong();
        AtomicLong done = new AtomicLong();
        Map<String, Throwable> failures = new ConcurrentHashMap<>();
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread th = new Thread(() -> {
                long i;
                while ((i = next.getAndIncrement()) < n) {
                    try {
                        oneCycle(port, i);
                        done.incrementAndGet();
                    } catch (Throwable e) {
                        failures.putIfAbsent("cycle " + i, e);
                        if (failures.size() > 10) {
                            return;
                        }
                    }
                }
            }, "soak-cycles-" + t);
            ts.add(th);
            th.start();
        }
        for (Thread th : ts) {
            th.join();
        }
        if (!failures.isEmpty()) {
            AssertionError e = new AssertionError(failures.size() + " cycles failed, e.g. " + failures.keySet());
            failures.values().forEach(e::addSuppressed);
            throw e;
        }
        return done.get();
    }

    static void oneCycle(int port, long i) throws IOException {
        try (RawClient c = RawClient.handshake(port, "echo")) {
            String msg = "cycle " + i + (i % 7 == 0 ? " " + "x".repeat((int) (i % 5000)) : "");
            c.sendText(msg);
            RawClient.Frame f = c.readFrame();
            if (f.opcode() != 0x1 || !msg.equals(f.text())) {
                throw new AssertionError("cycle " + i + ": wrong echo, opcode " + f.opcode());
            }
            c.sendFrame(0x8, true, new byte[] {0x03, (byte) 0xe8});
            RawClient.Frame close = c.readFrame();
            if (close.opcode() != 0x8 || close.closeCode() != 1000) {
                throw new AssertionError("cycle " + i + ": close answer opcode " + close.opcode() + " code "
                        + close.closeCode());
            }
        }
    }

    /**
     * Receivers connect on raw sockets; the sender broadcasts numbered messages of varied
     * sizes in batches, waiting after each batch until every receiver has it. Returns
     * {messages, payload bytes per receiver}.
     */
    static long[] broadcastRun(LwsContext ctx, int receivers, long seconds, Map<Long, Connection> members)
            throws Exception {
        List<RawClient> rs = new ArrayList<>();
        AtomicLongArray got = new AtomicLongArray(receivers);
        Map<Integer, Throwable> failures = new ConcurrentHashMap<>();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> readers = new ArrayList<>();
        for (int i = 0; i < receivers; i++) {
            RawClient c = RawClient.handshake(ctx.port(), "broadcast");
            c.socket.setSoTimeout(30_000);
            rs.add(c);
            int id = i;
            Thread t = new Thread(() -> {
                try {
                    while (true) {
                        RawClient.Frame f = c.readFrame();
                        if (f.opcode() == 0x8) {
                            return;
                        }
                        ByteBuffer p = ByteBuffer.wrap(f.payload());
                        long seq = p.getLong();
                        if (seq != got.get(id)) {
                            throw new AssertionError("receiver " + id + ": message " + seq + " where "
                                    + got.get(id) + " was due");
                        }
                        int len = p.getInt();
                        if (len != f.payload().length) {
                            throw new AssertionError("receiver " + id + ": message " + seq + " of "
                                    + f.payload().length + " bytes says " + len);
                        }
                        got.incrementAndGet(id);
                    }
                } catch (Throwable e) {
                    if (!stop.get()) {
                        failures.put(id, e);
                    }
                }
            }, "soak-receiver-" + i);
            t.setDaemon(true);
            readers.add(t);
            t.start();
        }
        waitUntil(() -> members.size() == receivers, receivers + " receivers established");

        long seq = 0;
        long bytes = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        int[] sizes = {12, 64, 200, 1000, 4000, 16_000, 65_000};
        while (System.nanoTime() < deadline && failures.isEmpty()) {
            for (int k = 0; k < 50; k++, seq++) {
                int len = sizes[(int) (seq % sizes.length)];
                ByteBuffer m = ByteBuffer.allocate(len);
                m.putLong(seq).putInt(len);
                ctx.broadcastBinary(TestData.protocol(ctx, "broadcast"), m.array());
                bytes += len;
            }
            long want = seq;
            long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            for (int i = 0; i < receivers; i++) {
                while (got.get(i) < want && failures.isEmpty()) {
                    if (System.nanoTime() > waitUntil) {
                        throw new AssertionError("receiver " + i + " stuck at " + got.get(i) + " of " + want);
                    }
                    Thread.sleep(0, 200_000);
                }
            }
        }
        stop.set(true);
        for (RawClient c : rs) {
            try {
                c.sendFrame(0x8, true, new byte[] {0x03, (byte) 0xe8});
            } catch (IOException e) {
                // gone
            }
        }
        for (Thread t : readers) {
            t.join(10_000);
        }
        for (RawClient c : rs) {
            c.close();
        }
        if (!failures.isEmpty()) {
            AssertionError e = new AssertionError("broadcast receivers failed: " + failures.keySet());
            failures.values().forEach(e::addSuppressed);
            throw e;
        }
        for (int i = 0; i < receivers; i++) {
            assertEquals(seq, got.get(i), "receiver " + i);
        }
        return new long[] {seq, bytes};
    }

}
