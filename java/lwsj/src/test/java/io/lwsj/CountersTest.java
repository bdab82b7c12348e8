package io.lwsj;

import static io.lwsj.Waits.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** DESIGN invariant 3: no JNA crossing per message. */
class CountersTest extends ServerTestSupport {
    static final int MESSAGES = 10_000;

    @Test
    void echoingTenThousandMessagesMakesNoUpcallPerMessageAndNoForeignDowncall() {
        long[] upcallsAtFirst = {-1};
        long[] upcallsAtLast = {-1};
        CountDownLatch done = new CountDownLatch(1);
        Protocol<Void> p = Protocol.of("echo", new Handler<>() {
            int seen;

            @Override
            public void onText(Connection c, Void s, String text) {
                seen++;
                // read on the service thread: exact values
                if (seen == 1) {
                    upcallsAtFirst[0] = c.context().counters().upcalls();
                }
                if (seen == MESSAGES) {
                    upcallsAtLast[0] = c.context().counters().upcalls();
                    done.countDown();
                }
                c.sendText(text);
            }
        });
        LwsContext ctx = start(p);
        WsTestClient c = client(ctx, "echo");
        for (int i = 0; i < MESSAGES; i++) {
            c.sendText("m" + i);
        }
        for (int i = 0; i < MESSAGES; i++) {
            assertEquals("m" + i, c.nextText());
        }
        await(done, "the last message in the handler");
        ctx.close(); // the service thread has stopped: its counters are exact now
        Counters k = ctx.counters();
        assertEquals(upcallsAtFirst[0], upcallsAtLast[0], "upcalls grew with messages: " + k);
        assertTrue(k.upcalls() < 10, "upcalls: " + k);
        assertEquals(0, k.foreignDowncalls(), "foreign downcalls with all sends in handlers: " + k);
        assertTrue(k.events() >= MESSAGES, "events: " + k);
        assertTrue(k.commands() >= MESSAGES, "commands: " + k);
    }

    @Test
    void sendsFromAnotherThreadAreCountedAsForeignDowncalls() throws Exception {
        CountDownLatch established = new CountDownLatch(1);
        Connection[] conn = new Connection[1];
        Protocol<Void> p = Protocol.of("echo", new Handler<>() {
            @Override
            public void onEstablished(Connection c, Void s) {
                conn[0] = c;
                established.countDown();
            }
        });
        LwsContext ctx = start(p);
        WsTestClient c = client(ctx, "echo");
        await(established, "ESTABLISHED");
        for (int i = 0; i < 100; i++) {
            assertTrue(conn[0].sendText("f" + i));
        }
        for (int i = 0; i < 100; i++) {
            assertEquals("f" + i, c.nextText());
        }
        assertEquals(100, ctx.counters().foreignDowncalls());
    }
}
