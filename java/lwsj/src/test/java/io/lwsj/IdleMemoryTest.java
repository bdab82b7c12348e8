package io.lwsj;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Structure;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * An idle connection does not pay for its protocol's receive buffer (lwsj patch 0102):
 * with a 1 MiB receiveBufferSize, 500 idle connections grow the C heap by far less than
 * 500 x 1 MiB. Measured with glibc's own allocation count (mallinfo2), not RSS: it
 * counts bytes handed out by malloc, so it says exactly what the connections hold.
 * The counter is process-wide, so the JVM's own mallocs (JIT, GC) during the test land in
 * it too; one CI run saw 19 KB per connection where a quiet run sees 2 KB. The buffer is
 * 1 MiB and the bound 64 KiB so that such noise (tens of MB would be needed) cannot fail
 * the test while one held buffer per connection still would, sixteen times over.
 * The benchmark (scripts/bench.sh, idle scenario) reports the real RSS per connection.
 */
class IdleMemoryTest extends ServerTestSupport {
    /** glibc's struct mallinfo2 (2.33+): ten size_t counters. */
    @Structure.FieldOrder({"arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
            "uordblks", "fordblks", "keepcost"})
    public static class MallInfo2 extends Structure implements Structure.ByValue {
        public long arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost;
    }

    public interface LibC extends Library {
        MallInfo2 mallinfo2();
    }

    private static long cHeapInUse(LibC libc) {
        MallInfo2 m = libc.mallinfo2();
        return m.uordblks + m.hblkhd; // in use from the arenas, plus mmap'd blocks
    }

    @Test
    void idleConnectionsDoNotHoldTheirReceiveBuffers() throws Exception {
        LibC libc = Native.load("c", LibC.class);
        int n = 500;
        CountDownLatch up = new CountDownLatch(n);
        Protocol<Void> p = Protocol.builder("idle", new Handler<Void>() {
            @Override
            public void onEstablished(Connection c, Void s) {
                up.countDown();
            }
        }).receiveBufferSize(1024 * 1024).build();
        LwsContext ctx = track(localhost().maxConnections(n + 8).protocol(p).build()).start();
        // one connection first, so that what is made once per context is made already
        RawClient warm = closeLater(RawClient.connect(ctx.port()));
        warm.upgrade(ctx.port(), "idle");
        long before = cHeapInUse(libc);
        List<RawClient> clients = new ArrayList<>();
        for (int i = 1; i < n; i++) {
            RawClient c = closeLater(RawClient.connect(ctx.port()));
            c.upgrade(ctx.port(), "idle");
            clients.add(c);
        }
        assertTrue(up.await(20, TimeUnit.SECONDS), "every connection established");
        long perConnection = (cHeapInUse(libc) - before) / (n - 1);
        assertTrue(perConnection < 64 * 1024, "C heap per idle connection: " + perConnection
                + " bytes; a 1 MiB receive buffer each would be over 1,048,576");
    }
}
