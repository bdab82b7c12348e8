package io.lwsj;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;

/**
 * Common ground for the server tests: contexts on 127.0.0.1 port 0, clients, and
 * cleanup of everything a test opened (contexts last), even when it fails.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
abstract class ServerTestSupport {
    private final Opened opened = new Opened();

    /** A protocol that echoes every text and binary message. */
    static Protocol<Void> echo(String name) {
        return Protocol.of(name, new Handler<>() {
            @Override
            public void onText(Connection c, Void s, String text) {
                c.sendText(text);
            }

            @Override
            public void onBinary(Connection c, Void s, ByteBuffer data) {
                c.sendBinary(data);
            }
        });
    }

    static LwsContext.Builder localhost() {
        return LwsContext.builder().bindAddress("127.0.0.1").port(0).serviceThreads(TestData.SERVICE_THREADS);
    }

    /** Builds, tracks and starts a context with these protocols. */
    LwsContext start(Protocol<?>... protocols) {
        LwsContext.Builder b = localhost();
        for (Protocol<?> p : protocols) {
            b.protocol(p);
        }
        return track(b.build()).start();
    }

    /** Tracks a context built elsewhere (it is closed after the test, after the clients). */
    LwsContext track(LwsContext ctx) {
        return opened.late(ctx);
    }

    WsTestClient client(LwsContext ctx, String... subprotocols) {
        return opened.early(WsTestClient.connect(ctx.port(), subprotocols));
    }

    RawClient raw(LwsContext ctx) throws IOException {
        return opened.early(RawClient.connect(ctx.port()));
    }

    RawClient rawHandshake(LwsContext ctx, String protocol) throws IOException {
        return opened.early(RawClient.handshake(ctx.port(), protocol));
    }

    <T extends AutoCloseable> T closeLater(T c) {
        return opened.early(c);
    }

    @AfterEach
    void closeEverything() throws Exception {
        opened.closeAll();
    }
}
