package io.lwsj;

import static io.lwsj.Waits.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** The hook a scale-out module uses: relayBroadcasts and deliverRelayed. */
class BroadcastRelayTest extends ServerTestSupport {
    record Relayed(String protocol, byte[] payload, boolean binary) {}

    static final class Recorder implements BroadcastRelay {
        final List<Relayed> seen = new CopyOnWriteArrayList<>();

        @Override
        public void relay(Protocol<?> protocol, ByteBuffer payload, boolean binary) {
            assertTrue(payload.isReadOnly(), "the relay gets a read-only view");
            byte[] b = new byte[payload.remaining()];
            payload.get(b);
            seen.add(new Relayed(protocol.name(), b, binary));
        }
    }

    @Test
    void everyAcceptedBroadcastIsRelayedOnceInOrderAfterItsLocalCopies() {
        CountDownLatch established = new CountDownLatch(2);
        LwsContext ctx = start(BroadcastTest.news(established));
        WsTestClient a = client(ctx, "news");
        WsTestClient b = client(ctx, "news");
        await(established, "ESTABLISHED");
        Recorder relay = new Recorder();
        ctx.relayBroadcasts(relay);
        Protocol<?> news = TestData.protocol(ctx, "news");

        ctx.broadcastText(news, "one");
        ctx.broadcastBinary(news, new byte[] {1, 2, 3});
        ByteBuffer slice = ByteBuffer.wrap(new byte[] {9, 8, 7, 6}, 1, 2);
        ctx.broadcastBinary(news, slice);
        a.sendText("shout:from a handler"); // a broadcast made on the service thread
        for (WsTestClient c : List.of(a, b)) {
            assertEquals("one", c.nextText());
            assertArrayEquals(new byte[] {1, 2, 3}, c.nextBinary());
            assertArrayEquals(new byte[] {8, 7}, c.nextBinary());
            assertEquals("from a handler", c.nextText());
        }
        assertEquals(1, slice.position(), "the caller's buffer position is not moved");
        assertEquals(4, relay.seen.size(), relay.seen.toString());
        assertEquals("one", new String(relay.seen.get(0).payload(), StandardCharsets.UTF_8));
        assertFalse(relay.seen.get(0).binary());
        assertArrayEquals(new byte[] {1, 2, 3}, relay.seen.get(1).payload());
        assertTrue(relay.seen.get(1).binary());
        assertArrayEquals(new byte[] {8, 7}, relay.seen.get(2).payload());
        assertEquals("from a handler", new String(relay.seen.get(3).payload(), StandardCharsets.UTF_8));
        assertEquals("news", relay.seen.get(3).protocol());

        ctx.relayBroadcasts(null);
        ctx.broadcastText(news, "not relayed");
        assertEquals("not relayed", a.nextText());
        assertEquals(4, relay.seen.size(), "no relay once it is removed");
    }

    @Test
    void aRelayedMessageReachesLocalClientsAndTheVetoButNeverTheRelay() {
        int n = 3;
        CountDownLatch named = new CountDownLatch(n);
        Protocol<String[]> vetoing = Protocol.builder("vetoing", new Handler<String[]>() {
            @Override
            public void onText(Connection c, String[] name, String text) {
                name[0] = text;
                c.sendText("named " + text);
                named.countDown();
            }

            @Override
            public void onBroadcast(Connection c, String[] name, ByteBuffer data, boolean binary) {
                if (!"c0".equals(name[0])) { // c0 vetoes every broadcast
                    if (binary) {
                        c.sendBinary(data);
                    } else {
                        c.sendText(StandardCharsets.UTF_8.decode(data).toString());
                    }
                }
            }
        }).session(c -> new String[1]).broadcastCallback(true).build();
        LwsContext ctx = start(vetoing);
        Recorder relay = new Recorder();
        ctx.relayBroadcasts(relay);
        WsTestClient[] clients = new WsTestClient[n];
        for (int i = 0; i < n; i++) {
            clients[i] = client(ctx, "vetoing");
            clients[i].sendText("c" + i);
            assertEquals("named c" + i, clients[i].nextText());
        }
        await(named, "every client named");

        ctx.deliverRelayed(vetoing, ByteBuffer.wrap("from node 2".getBytes(StandardCharsets.UTF_8)), false);
        ByteBuffer bin = ByteBuffer.wrap(new byte[] {5, 6, 7});
        ctx.deliverRelayed(vetoing, bin, true);
        assertEquals(0, bin.position(), "the payload's position is not moved");
        for (int i = 1; i < n; i++) {
            assertEquals("from node 2", clients[i].nextText());
            assertArrayEquals(new byte[] {5, 6, 7}, clients[i].nextBinary());
        }
        clients[0].assertNoMessage(200);
        assertTrue(relay.seen.isEmpty(), "a relayed message is not relayed again: " + relay.seen);
    }

    @Test
    void relayedTextThatIsNotUtf8IsRefusedBeforeAnyClientSeesIt() {
        CountDownLatch established = new CountDownLatch(1);
        LwsContext ctx = start(BroadcastTest.news(established));
        WsTestClient a = client(ctx, "news");
        await(established, "ESTABLISHED");
        Protocol<?> news = TestData.protocol(ctx, "news");
        byte[] bad = {'o', 'k', (byte) 0xC3, (byte) 0x28};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ctx.deliverRelayed(news, ByteBuffer.wrap(bad), false));
        assertTrue(e.getMessage().contains("UTF-8"), e.getMessage());
        ctx.deliverRelayed(news, ByteBuffer.wrap(bad), true); // the same bytes are fine as binary
        assertArrayEquals(bad, a.nextBinary());
        Protocol<Void> stranger = Protocol.of("stranger", new Handler<>() {});
        assertThrows(IllegalArgumentException.class, () -> ctx.deliverRelayed(stranger, ByteBuffer.allocate(1), true));
    }
}
