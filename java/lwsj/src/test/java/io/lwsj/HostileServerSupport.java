package io.lwsj;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Common ground for the hostile-input tests against a server: a recording echo server
 * with a bystander client, and after every test a check that the bystander and a fresh
 * client are still served and that no fd or connection is left behind.
 */
abstract class HostileServerSupport extends ServerTestSupport {
    /** How each connection of the server ended. */
    final BlockingQueue<Hostile.Closed> closed = new LinkedBlockingQueue<>();
    LwsContext ctx;
    WsTestClient bystander;
    private int baselineFds;

    /** The server's settings; a test class may tighten them. */
    LwsContext.Builder server() {
        return localhost();
    }

    @BeforeEach
    void startServer() {
        ctx = track(server().protocol(Hostile.recordingEcho("echo", closed)).build()).start();
        bystander = client(ctx, "echo");
        bystander.assertEchoes("warm up");
        baselineFds = Hostile.openFds();
    }

    @AfterEach
    void serverStillServesAndNothingLeaked() {
        bystander.assertEchoes("bystander still served");
        try (WsTestClient fresh = WsTestClient.connect(ctx.port(), "echo")) {
            fresh.assertEchoes("a fresh client is served");
        }
        // the bystander stays open; the fresh client has gone
        Hostile.assertNoLeak(ctx, baselineFds, 2, 1, 10_000);
    }
}
