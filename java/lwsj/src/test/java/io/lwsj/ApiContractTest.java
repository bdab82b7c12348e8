package io.lwsj;

import static io.lwsj.Waits.WAIT_MS;
import static io.lwsj.Waits.poll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What the 1.0 API promises beyond the wire: opt-ins, Protocol objects, immutability, threads. */
class ApiContractTest extends ServerTestSupport {

    /**
     * A handler that only delegates gets every call its delegate would: nothing depends on
     * which methods a class overrides (here the text bytes and the extension question).
     */
    @Test
    void aDelegatingHandlerBehavesAsTheHandlerItWraps() throws Exception {
        BlockingQueue<String> seen = new LinkedBlockingQueue<>();
        Handler<Void> inner = new Handler<>() {
            @Override
            public void onTextBytes(Connection c, Void s, ByteBuffer utf8) {
                seen.add("bytes:" + utf8.remaining());
                c.sendText(utf8);
            }
        };
        Handler<Void> wrapper = new Handler<>() {
            @Override
            public void onTextBytes(Connection c, Void s, ByteBuffer utf8) {
                inner.onTextBytes(c, s, utf8);
            }
        };
        LwsContext ctx = start(Protocol.of("p", wrapper));
        WsTestClient client = client(ctx, "p");
        client.assertEchoes("four");
        assertEquals("bytes:4", poll(seen, "onTextBytes through the wrapper"));
    }

    /** Without a network filter no upcall is made per accepted connection; with one, one each. */
    @Test
    void theNetworkFilterCostsAnUpcallOnlyWhenSet() throws Exception {
        LwsContext plain = start(echo("p"));
        LwsContext filtered = track(localhost().protocol(echo("p")).networkFilter(peer -> true).build()).start();
        int n = 5;
        long plainUpcalls = upcallsFor(plain, n);
        long filteredUpcalls = upcallsFor(filtered, n);
        assertEquals(n, filteredUpcalls - plainUpcalls,
                "upcalls for " + n + " connections: " + plainUpcalls + " without a filter, " + filteredUpcalls + " with one");
    }

    private long upcallsFor(LwsContext ctx, int connections) {
        long before = ctx.counters().upcalls();
        for (int i = 0; i < connections; i++) {
            try (WsTestClient c = WsTestClient.connect(ctx.port(), "p")) {
                c.assertEchoes("x");
            }
        }
        return ctx.counters().upcalls() - before;
    }

    /** Protocol objects name protocols: one of another context (even of the same name) is refused. */
    @Test
    void aProtocolOfAnotherContextIsRefused() {
        Protocol<Void> mine = echo("p");
        Protocol<Void> theirs = echo("p");
        LwsContext ctx = start(mine);
        ctx.broadcastText(mine, "fine");
        assertThrows(IllegalArgumentException.class, () -> ctx.broadcastText(theirs, "x"));
        assertThrows(IllegalArgumentException.class, () -> ctx.requestWritableAll(theirs));
        assertThrows(IllegalArgumentException.class,
                () -> ctx.connect(ClientRequest.to("ws://127.0.0.1:" + ctx.port() + "/").protocol(theirs).build()));
        assertEquals(mine, ctx.protocol("p"));
        assertThrows(IllegalArgumentException.class, () -> ctx.protocol("nope"));
    }

    @Test
    void responsesAndRequestsAreImmutable() {
        LwsResponse r = LwsResponse.text(200, "x");
        LwsResponse withHeader = r.header("X-A", "1");
        assertNotSame(r, withHeader);
        assertTrue(r.headers().isEmpty(), "header() changed the original");
        assertEquals(Map.of("X-A", "1"), withHeader.headers());
        assertThrows(UnsupportedOperationException.class, () -> withHeader.headers().put("X-B", "2"));
        byte[] body = withHeader.body();
        body[0] = 'y';
        assertEquals('x', withHeader.body()[0], "body() exposed the response's array");

        byte[] sent = {1, 2};
        LwsRequest q = new LwsRequest("POST", "/p", "", sent, Map.of("a", List.of("1")));
        sent[0] = 9;
        assertEquals(1, q.body()[0], "the request kept the caller's array");
        assertThrows(UnsupportedOperationException.class, () -> q.headers().get("a").add("2"));
    }

    /** Counters are read from any thread while the service thread writes them. */
    @Test
    void countersAreReadableFromAnotherThread() throws Exception {
        LwsContext ctx = start(echo("p"));
        WsTestClient client = client(ctx, "p");
        for (int i = 0; i < 20; i++) {
            client.assertEchoes("m" + i);
        }
        long events = CompletableFuture.supplyAsync(() -> ctx.counters().events()).get(WAIT_MS, TimeUnit.MILLISECONDS);
        assertTrue(events >= 21, "events seen from another thread: " + events + " (ESTABLISHED and 20 messages at least)");
        assertTrue(ctx.counters().downcalls() > 0);
    }

    @Test
    void serviceTakesADuration() {
        LwsContext ctx = track(localhost().protocol(echo("p")).build());
        ctx.service(java.time.Duration.ZERO);
        assertThrows(IllegalArgumentException.class, () -> ctx.service(java.time.Duration.ofMillis(-1)));
    }
}
