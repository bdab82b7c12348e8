package io.lwsj;

import static io.lwsj.Waits.poll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** What a Connection tells about itself: protocol, peer, session (libwebsockets_get_protocol, _get_peer_addresses). */
class ConnectionInfoTest extends ServerTestSupport {
    static final class Session {
        final int number;
        int messages;

        Session(int number) {
            this.number = number;
        }
    }

    @Test
    void connectionKnowsItsProtocolPeerAndSession() {
        AtomicInteger made = new AtomicInteger();
        BlockingQueue<Connection> established = new LinkedBlockingQueue<>();
        Protocol<Session> alpha = Protocol.builder("alpha", new Handler<Session>() {
            @Override
            public void onEstablished(Connection c, Session s) {
                established.add(c);
            }

            @Override
            public void onText(Connection c, Session s, String text) {
                s.messages++;
                Session viaConnection = c.session();
                c.sendText(c.protocol().name() + " #" + s.number + " msgs=" + s.messages + " same="
                        + (viaConnection == s) + " peer=" + c.peerAddress());
            }
        }).session(c -> new Session(made.incrementAndGet())).build();
        Protocol<Void> beta = echo("beta");
        LwsContext ctx = start(alpha, beta);

        WsTestClient a1 = client(ctx, "alpha");
        Connection c1 = poll(established, "first");
        WsTestClient a2 = client(ctx, "alpha");
        Connection c2 = poll(established, "second");
        a1.sendText("x");
        assertEquals("alpha #1 msgs=1 same=true peer=127.0.0.1", a1.nextText());
        a1.sendText("x");
        assertEquals("alpha #1 msgs=2 same=true peer=127.0.0.1", a1.nextText());
        a2.sendText("x");
        assertEquals("alpha #2 msgs=1 same=true peer=127.0.0.1", a2.nextText());

        assertSame(alpha, c1.protocol());
        assertSame(ctx, c1.context());
        assertNotEquals(c1.id(), c2.id());
        assertEquals("127.0.0.1", c1.peerAddress());
        assertTrue(c1.socketFd() > 0, "socket fd " + c1.socketFd());
        assertNotEquals(c1.socketFd(), c2.socketFd());
        assertTrue(c1.isOpen());
        assertEquals(2, made.get(), "sessions made");
        assertEquals(2, ctx.protocols().size());
        assertSame(alpha, ctx.protocols().get(0));

        client(ctx, "beta").assertEchoes("the second protocol echoes");
        assertEquals(2, made.get(), "a session made for another protocol's connection");
    }

    @Test
    void withoutASubprotocolTheFirstProtocolIsUsed() {
        BlockingQueue<String> names = new LinkedBlockingQueue<>();
        Protocol<Void> first = Protocol.of("first", new Handler<>() {
            @Override
            public void onEstablished(Connection c, Void s) {
                names.add(c.protocol().name());
            }
        });
        LwsContext ctx = start(first, echo("second"));
        client(ctx);
        assertEquals("first", poll(names, "ESTABLISHED"));
    }

    @Test
    void protocolIsChosenByUrlPathWhenTheClientNamesNone() {
        BlockingQueue<String> names = new LinkedBlockingQueue<>();
        Handler<Void> h = new Handler<>() {
            @Override
            public void onEstablished(Connection c, Void s) {
                names.add(c.protocol().name());
            }

            @Override
            public void onText(Connection c, Void s, String text) {
                c.sendText(c.protocol().name() + ":" + text);
            }
        };
        Protocol<Void> first = Protocol.of("first", h);
        Protocol<Void> chat = Protocol.builder("chat", h).path("/chat").build();
        LwsContext ctx = start(first, chat);

        WsTestClient byPath = closeLater(WsTestClient.connectPath(ctx.port(), "/chat"));
        assertEquals("chat", poll(names, "ESTABLISHED by path"));
        byPath.sendText("hi");
        assertEquals("chat:hi", byPath.nextText());

        WsTestClient other = closeLater(WsTestClient.connectPath(ctx.port(), "/elsewhere"));
        assertEquals("first", poll(names, "ESTABLISHED elsewhere"));
        other.sendText("hi");
        assertEquals("first:hi", other.nextText());

        // a named subprotocol wins over the path
        WsTestClient named = closeLater(WsTestClient.connectPath(ctx.port(), "/chat", "first"));
        assertEquals("first", poll(names, "ESTABLISHED named"));
        named.sendText("hi");
        assertEquals("first:hi", named.nextText());

        // broadcast reaches the path-selected connection as a member of its protocol
        ctx.broadcastText(TestData.protocol(ctx, "chat"), "to chat");
        assertEquals("to chat", byPath.nextText());
        other.assertNoMessage(100);
        named.assertNoMessage(0);
    }
}
