package io.lwsj;

import static io.lwsj.TestData.asciiText;
import static io.lwsj.Waits.poll;
import static io.lwsj.Waits.sleep;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** libwebsocket_rx_flow_control: Connection.setReceiving. */
class RxFlowControlTest extends ServerTestSupport {
    final BlockingQueue<String> delivered = new LinkedBlockingQueue<>();
    final AtomicReference<Connection> conn = new AtomicReference<>();

    LwsContext startPausable() {
        return start(Protocol.of("pausable", new Handler<>() {
            @Override
            public void onEstablished(Connection c, Void s) {
                conn.set(c);
            }

            @Override
            public void onText(Connection c, Void s, String text) {
                if (text.equals("pause")) {
                    c.setReceiving(false);
                    c.sendText("paused");
                    return;
                }
                delivered.add(text);
            }
        }));
    }

    @Test
    void messagesAreHeldWhileNotReceivingAndArriveInOrderAfterwards() throws Exception {
        LwsContext ctx = startPausable();
        WsTestClient c = client(ctx, "pausable");
        c.sendText("pause");
        assertEquals("paused", c.nextText());
        for (int i = 0; i < 20; i++) {
            c.sendText("m" + i);
        }
        assertNull(delivered.poll(300, TimeUnit.MILLISECONDS), "a message was delivered while not receiving");

        conn.get().setReceiving(true); // from the test thread
        for (int i = 0; i < 20; i++) {
            assertEquals("m" + i, poll(delivered, "message " + i + " after setReceiving(true)"));
        }
        assertNull(delivered.poll(100, TimeUnit.MILLISECONDS), "an extra message");
    }

    @Test
    void pauseAndResumeSeveralTimes() throws Exception {
        LwsContext ctx = startPausable();
        WsTestClient c = client(ctx, "pausable");
        for (int round = 0; round < 3; round++) {
            c.sendText("pause");
            assertEquals("paused", c.nextText());
            c.sendText("r" + round);
            assertNull(delivered.poll(200, TimeUnit.MILLISECONDS), "delivered while paused in round " + round);
            conn.get().setReceiving(true);
            assertEquals("r" + round, poll(delivered, "round " + round));
        }
    }

    @Test
    void pausedFromAnotherThreadHoldsLargeTraffic() throws Exception {
        LwsContext ctx = startPausable();
        WsTestClient c = client(ctx, "pausable");
        c.sendText("warm-up");
        assertEquals("warm-up", poll(delivered, "warm-up"));
        conn.get().setReceiving(false);
        sleep(100); // the command runs on the service thread's next wake-up
        String big = asciiText(200_000);
        c.ws().sendText(big, true); // may not complete while the server does not read
        assertNull(delivered.poll(300, TimeUnit.MILLISECONDS), "delivered while paused");
        conn.get().setReceiving(true);
        assertEquals(big, poll(delivered, "the big message after resuming"));
    }
}
