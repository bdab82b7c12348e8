package io.lwsj;

import static io.lwsj.Waits.poll;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.Test;

/** A throwing handler closes its connection with 1011; the service thread goes on (DESIGN invariant 6). */
class HandlerExceptionTest extends ServerTestSupport {
    final BlockingQueue<Integer> closeCodes = new LinkedBlockingQueue<>();

    Protocol<Void> throwingOn(String trigger) {
        return Protocol.of("fragile", new Handler<>() {
            @Override
            public void onText(Connection c, Void s, String text) {
                if (text.equals(trigger)) {
                    throw new IllegalStateException("test: onText fails on purpose");
                }
                c.sendText(text);
            }

            @Override
            public void onBinary(Connection c, Void s, ByteBuffer data) {
                throw new AssertionError("test: onBinary fails with an Error on purpose");
            }

            @Override
            public void onClosed(Connection c, Void s, int code, String reason) {
                closeCodes.add(code);
            }
        });
    }

    @Test
    void throwingInOnTextClosesThatClientWith1011AndOthersKeepEchoing() {
        LwsContext ctx = start(throwingOn("boom"));
        WsTestClient victim = client(ctx, "fragile");
        WsTestClient bystander = client(ctx, "fragile");
        bystander.assertEchoes("before");
        victim.sendText("boom");
        WsTestClient.End end = victim.awaitClose();
        assertEquals(CloseCodes.INTERNAL_ERROR, end.code(), "close code at the victim");
        bystander.assertEchoes("during");
        // the service thread survived: a new client connects and echoes
        WsTestClient late = client(ctx, "fragile");
        late.assertEchoes("after");
        bystander.assertEchoes("still");
    }

    @Test
    void throwingAnErrorInOnBinaryAlsoClosesWith1011() {
        LwsContext ctx = start(throwingOn("never"));
        WsTestClient victim = client(ctx, "fragile");
        victim.sendBinary(new byte[] {1, 2, 3});
        assertEquals(CloseCodes.INTERNAL_ERROR, victim.awaitClose().code());
        client(ctx, "fragile").assertEchoes("alive");
    }

    @Test
    void throwingInOnEstablishedClosesWith1011AndTheServerGoesOn() {
        Protocol<Void> badOpen = Protocol.of("bad-open", new Handler<>() {
            @Override
            public void onEstablished(Connection c, Void s) {
                throw new IllegalStateException("test: onEstablished fails on purpose");
            }

            @Override
            public void onText(Connection c, Void s, String text) {
                c.sendText("should not be reached: " + text);
            }
        });
        LwsContext ctx = start(echo("echo"), badOpen);
        WsTestClient bystander = client(ctx, "echo");
        for (int i = 0; i < 3; i++) {
            WsTestClient victim = client(ctx, "bad-open");
            assertEquals(CloseCodes.INTERNAL_ERROR, victim.awaitClose().code(), "attempt " + i);
        }
        bystander.assertEchoes("unaffected");
        client(ctx, "echo").assertEchoes("new clients too");
    }

    @Test
    void throwingInASessionFactoryClosesWith1011() {
        Protocol<Object> p = Protocol.builder("no-session", new Handler<Object>() {})
                .session(c -> {
                    throw new IllegalStateException("test: session factory fails on purpose");
                }).build();
        LwsContext ctx = start(echo("echo"), p);
        WsTestClient victim = client(ctx, "no-session");
        assertEquals(CloseCodes.INTERNAL_ERROR, victim.awaitClose().code());
        client(ctx, "echo").assertEchoes("fine");
    }

    @Test
    void throwingInOnClosedDoesNotStopTheServer() {
        Protocol<Void> p = Protocol.of("echo", new Handler<>() {
            @Override
            public void onText(Connection c, Void s, String text) {
                c.sendText(text);
            }

            @Override
            public void onClosed(Connection c, Void s, int code, String reason) {
                closeCodes.add(code);
                throw new IllegalStateException("test: onClosed fails on purpose");
            }
        });
        LwsContext ctx = start(p);
        for (int i = 0; i < 3; i++) {
            WsTestClient c = client(ctx, "echo");
            c.assertEchoes("round " + i);
            c.sendClose(1000, "");
            assertEquals(1000, poll(closeCodes, "onClosed"));
        }
        client(ctx, "echo").assertEchoes("still serving");
    }
}
