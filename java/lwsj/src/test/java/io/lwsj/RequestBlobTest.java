package io.lwsj;

import static io.lwsj.Waits.poll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.Test;

/**
 * What a request's URI and headers can do to the request Java sees (issue 13, item 1):
 * no byte of a query or header value may change the structure of the request, so an
 * Origin check cannot be fooled; the query arrives as sent, not decoded into separators.
 */
class RequestBlobTest extends ServerTestSupport {
    static final String EVIL = "https://evil.example";
    final BlockingQueue<LwsRequest> handshakes = new LinkedBlockingQueue<>();
    final BlockingQueue<LwsRequest> httpRequests = new LinkedBlockingQueue<>();

    /** Accepts only the trusted origin, as docs/security.md recommends. */
    LwsContext start() {
        return track(localhost().http(request -> {
            httpRequests.add(request);
            return LwsResponse.text(200, "ok\n");
        }).protocol(Protocol.of("guarded", new Handler<>() {
            @Override
            public boolean filterProtocolConnection(LwsRequest handshake) {
                handshakes.add(handshake);
                return "https://trusted.example".equals(handshake.header("origin"));
            }

        })).build()).start();
    }

    /** Sends raw bytes as the request line and headers; returns the status answered (-1: closed). */
    static int send(LwsContext ctx, byte[] request) throws IOException {
        try (RawClient c = RawClient.connect(ctx.port())) {
            c.write(request);
            RawClient.Head h = c.readHead();
            return h == null ? -1 : h.status();
        }
    }

    /** A plain GET of target; returns the request onHttp saw. */
    LwsRequest get(LwsContext ctx, String target) throws IOException {
        send(ctx, ("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        return poll(httpRequests, "onHttp for " + target);
    }

    static byte[] upgrade(LwsContext ctx, String target, String origin) {
        return RawClient.upgradeRequest(ctx.port(), target, RawClient.newKey(), "13", "guarded",
                Map.of("Origin", origin)).getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void anEncodedNulInTheQueryCannotForgeTheOriginHeader() throws IOException {
        LwsContext ctx = start();
        int status = send(ctx, upgrade(ctx, "/chat?x=%00origin%00https://trusted.exampleAB", EVIL));
        LwsRequest h = poll(handshakes, "filterProtocolConnection");
        assertEquals(EVIL, h.header("origin"), "the filter saw the origin the query smuggled in: " + h.headers());
        assertEquals(List.of(EVIL), h.headers().get("origin"));
        assertEquals(403, status, "the upgrade from the evil origin went through");
        assertEquals("x=%00origin%00https%3A%2F%2Ftrusted.exampleAB", h.query());
        assertEquals("\0origin\0https://trusted.exampleAB", h.queryParameter("x"));
    }

    @Test
    void encodedNulsCannotHideTheRealHeaders() throws IOException {
        LwsContext ctx = start();
        send(ctx, upgrade(ctx, "/chat?a=%00%00bb", EVIL));
        LwsRequest h = poll(handshakes, "filterProtocolConnection");
        assertEquals(EVIL, h.header("origin"));
        assertEquals("guarded", h.header("sec-websocket-protocol"));
        assertEquals("a=%00%00bb", h.query());
    }

    @Test
    void aRawNulInAHeaderValueIsRefusedWith400() throws IOException {
        LwsContext ctx = start();
        byte[] req = ("GET /chat HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + RawClient.newKey() + "\r\nSec-WebSocket-Version: 13\r\n"
                + "Origin: " + EVIL + "\0origin\0https://trusted.example\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        int status = send(ctx, req);
        assertTrue(status == 400 || status == -1, "a NUL in a header value was answered " + status);
        assertTrue(handshakes.isEmpty(), "a request with a NUL in a header value reached the filter");
        byte[] http = ("GET /page HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Note: a\0b\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        int httpStatus = send(ctx, http);
        assertTrue(httpStatus == 400 || httpStatus == -1, "a NUL in an HTTP header was answered " + httpStatus);
        assertTrue(httpRequests.isEmpty(), "a request with a NUL in a header value reached onHttp");
    }

    /** Two Origin headers arrive as one value, which the exact-match recipe refuses. */
    @Test
    void twoOriginHeadersMatchNoExactOrigin() throws IOException {
        LwsContext ctx = start();
        byte[] req = RawClient.upgradeRequest(ctx.port(), "/chat", RawClient.newKey(), "13", "guarded",
                null).replace("\r\n\r\n", "\r\nOrigin: " + EVIL + "\r\nOrigin: https://trusted.example\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(403, send(ctx, req));
        LwsRequest h = poll(handshakes, "filterProtocolConnection");
        String origin = h.header("origin");
        assertTrue(origin.startsWith(EVIL + ",") && origin.endsWith("https://trusted.example"), "origin: " + origin);
        assertEquals(1, h.headers().get("origin").size());
    }

    @Test
    void anEncodedAmpersandStaysInsideItsParameter() throws IOException {
        LwsContext ctx = start();
        LwsRequest r = get(ctx, "/p?a=x%26b%3Dy&c=%2B1+2&d");
        assertEquals("a=x%26b%3Dy&c=%2B1%202&d", r.query());
        Map<String, List<String>> p = r.queryParameters();
        assertEquals(List.of("x&b=y"), p.get("a"));
        assertEquals(List.of("+1 2"), p.get("c"));
        assertEquals(List.of(""), p.get("d"));
        assertNull(p.get("b"), "a decoded %26 became a separator: " + p);
        assertEquals(3, p.size(), "parameters: " + p);
    }

    @Test
    void aQueryParameterOf1024BytesOrMoreArrivesWhole() throws IOException {
        LwsContext ctx = start();
        for (int n : new int[] {1023, 1024, 1025, 3000}) {
            String value = "v".repeat(n);
            LwsRequest r = get(ctx, "/p?first=1&long=" + value + "&last=2");
            assertEquals("first=1&long=" + value + "&last=2", r.query(), "a parameter of " + (n + 5) + " bytes");
            assertEquals(value, r.queryParameter("long"));
        }
    }

    @Test
    void utf8InTheQueryIsPercentEncodedAndDecodesBack() throws IOException {
        LwsContext ctx = start();
        LwsRequest r = get(ctx, "/p?name=%C3%A9t%C3%A9&e=a%3Db");
        assertEquals("name=%C3%A9t%C3%A9&e=a%3Db", r.query());
        assertEquals("\u00e9t\u00e9", r.queryParameter("name"));
        assertEquals("a=b", r.queryParameter("e"));
    }
}
