package io.lwsj;

import static io.lwsj.Waits.poll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** FILTER_NETWORK_CONNECTION and FILTER_PROTOCOL_CONNECTION, seen from raw sockets. */
class FilterTest extends ServerTestSupport {
    final BlockingQueue<InetAddress> networkPeers = new LinkedBlockingQueue<>();
    final BlockingQueue<LwsRequest> handshakes = new LinkedBlockingQueue<>();
    final AtomicBoolean acceptNetwork = new AtomicBoolean(true);
    final AtomicBoolean acceptProtocol = new AtomicBoolean(true);
    final AtomicBoolean throwInProtocolFilter = new AtomicBoolean();

    LwsContext startFiltered() {
        Protocol<Void> p = Protocol.of("guarded", new Handler<>() {
            @Override
            public boolean filterProtocolConnection(LwsRequest handshake) {
                handshakes.add(handshake);
                if (throwInProtocolFilter.get()) {
                    throw new IllegalStateException("test: filter fails on purpose");
                }
                return acceptProtocol.get();
            }

            @Override
            public void onText(Connection c, Void s, String text) {
                c.sendText(text);
            }
        });
        return track(localhost().protocol(p).networkFilter(peer -> {
            networkPeers.add(peer);
            return acceptNetwork.get();
        }).build()).start();
    }

    /** Reads until EOF or reset; fails if any byte arrives or the socket stays open. */
    static void assertClosedWithoutBytes(RawClient c) throws IOException {
        try {
            int b = c.in.read();
            assertEquals(-1, b, "the server sent a byte to a refused connection");
        } catch (SocketTimeoutException e) {
            fail("a refused connection stayed open");
        } catch (SocketException e) {
            // reset: closed without bytes, as wanted
        }
    }

    /** No 101: either an HTTP error status or a closed connection. */
    static void assertNotUpgraded(RawClient c) throws IOException {
        RawClient.Head h;
        try {
            h = c.readHead();
        } catch (SocketException e) {
            return; // reset
        } catch (SocketTimeoutException e) {
            fail("the server neither answered nor closed a refused upgrade");
            return;
        }
        if (h != null) {
            assertNotEquals(101, h.status(), "upgraded although refused: " + h.statusLine());
            assertTrue(h.status() >= 400, "expected an HTTP error, got " + h.statusLine());
        }
    }

    @Test
    void networkFilterRefusalClosesTheSocketWithoutSendingBytes() throws IOException {
        acceptNetwork.set(false);
        LwsContext ctx = startFiltered();
        for (int i = 0; i < 3; i++) {
            try (RawClient c = RawClient.connect(ctx.port())) {
                assertClosedWithoutBytes(c);
            }
            InetAddress peer = poll(networkPeers, "filterNetworkConnection");
            assertEquals("127.0.0.1", peer.getHostAddress());
        }
        assertTrue(handshakes.isEmpty(), "a refused connection reached the protocol filter");
        acceptNetwork.set(true);
        client(ctx, "guarded").assertEchoes("let in now");
    }

    @Test
    void protocolFilterRefusalRefusesTheUpgradeAndSawTheHeaders() throws IOException {
        acceptProtocol.set(false);
        LwsContext ctx = startFiltered();
        try (RawClient c = raw(ctx)) {
            c.write(RawClient.upgradeRequest(ctx.port(), "/chat?room=7", RawClient.newKey(), "13", "guarded",
                    Map.of("Origin", "http://origin.test", "X-Custom", "custom-value")));
            assertNotUpgraded(c);
        }
        LwsRequest h = poll(handshakes, "filterProtocolConnection");
        assertEquals("GET", h.method());
        assertEquals("/chat", h.path());
        assertEquals("room=7", h.query());
        assertEquals("http://origin.test", h.header("origin"), "headers: " + h.headers());
        assertEquals("guarded", h.header("sec-websocket-protocol"));
        assertEquals("custom-value", h.header("x-custom"), "headers: " + h.headers());
    }

    @Test
    void throwingProtocolFilterRefusesTheUpgrade() throws IOException {
        throwInProtocolFilter.set(true);
        LwsContext ctx = startFiltered();
        try (RawClient c = raw(ctx)) {
            c.write(RawClient.upgradeRequest(ctx.port(), "/", RawClient.newKey(), "13", "guarded", null));
            assertNotUpgraded(c);
        }
        throwInProtocolFilter.set(false);
        client(ctx, "guarded").assertEchoes("the server survived");
    }

    @Test
    void acceptedWhenBothFiltersSayYes() throws IOException {
        LwsContext ctx = startFiltered();
        try (RawClient c = rawHandshake(ctx, "guarded")) {
            c.sendText("through the filters");
            RawClient.Frame f = c.readFrame();
            assertEquals(0x1, f.opcode());
            assertTrue(f.fin());
            assertEquals("through the filters", f.text());
        }
        assertEquals("127.0.0.1", poll(networkPeers, "network filter").getHostAddress());
        assertEquals("guarded", poll(handshakes, "protocol filter").header("sec-websocket-protocol"));
    }

    @Test
    void theProtocolChosenByPathIsTheOneWhoseFilterIsAsked() throws IOException {
        BlockingQueue<String> askedFirst = new LinkedBlockingQueue<>();
        Protocol<Void> first = Protocol.of("open", new Handler<>() {
            @Override
            public boolean filterProtocolConnection(LwsRequest handshake) {
                askedFirst.add(handshake.path());
                return true;
            }
        });
        Protocol<Void> closedDoor = Protocol.builder("closed-door", new Handler<Void>() {
            @Override
            public boolean filterProtocolConnection(LwsRequest handshake) {
                handshakes.add(handshake);
                return false;
            }
        }).path("/door").build();
        LwsContext ctx = start(first, closedDoor);
        try (RawClient c = raw(ctx)) {
            c.write(RawClient.upgradeRequest(ctx.port(), "/door", RawClient.newKey(), "13", null, null));
            assertNotUpgraded(c);
        }
        assertEquals("/door", poll(handshakes, "the path protocol's filter").path());
        assertTrue(askedFirst.isEmpty(), "the first protocol's filter was asked about /door");
        try (RawClient c = rawHandshake(ctx, null)) {
            assertEquals("/", poll(askedFirst, "the first protocol's filter"));
        }
    }
}
