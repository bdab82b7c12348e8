package io.lwsj;

import static io.lwsj.TestData.pattern;
import static io.lwsj.Waits.poll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTTP to the first protocol, and files below a document root (libwebsockets_serve_http_file). */
class HttpTest extends ServerTestSupport {
    static final String SECRET = "TOP-SECRET-CONTENT-1234";

    @TempDir
    Path base;
    Path root;

    final BlockingQueue<LwsRequest> requests = new LinkedBlockingQueue<>();
    final BlockingQueue<Path> completions = new LinkedBlockingQueue<>();

    @BeforeEach
    void files() throws IOException {
        Files.writeString(base.resolve("secret.txt"), SECRET);
        root = Files.createDirectories(base.resolve("www"));
        Files.createDirectories(root.resolve("a"));
        Files.writeString(root.resolve("hello.txt"), "hello from the document root\n");
        Files.writeString(root.resolve("a").resolve("inner.txt"), "inner\n");
    }

    /** The context's HTTP handler: answers come from the function; requests and sent files are recorded. */
    HttpHandler answering(Function<LwsRequest, LwsResponse> answer) {
        return new HttpHandler() {
            @Override
            public LwsResponse onRequest(LwsRequest request) {
                requests.add(request);
                return answer.apply(request);
            }

            @Override
            public void onFileSent(Path file) {
                completions.add(file);
            }
        };
    }

    /** A context with the document root, this HTTP handler, a protocol "http-only" and these others. */
    LwsContext startWithRoot(HttpHandler http, Protocol<?>... others) {
        LwsContext.Builder b = localhost().documentRoot(root).http(http).protocol(Protocol.of("http-only", new Handler<>() {}));
        for (Protocol<?> p : others) {
            b.protocol(p);
        }
        return track(b.build()).start();
    }

    static HttpResponse<String> get(LwsContext ctx, String pathAndQuery, String... headers) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ctx.port() + pathAndQuery))
                .timeout(Duration.ofSeconds(10)).GET();
        if (headers.length > 0) {
            r.headers(headers);
        }
        return WsTestClient.HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A raw GET, so that the request line reaches the server exactly as written. */
    static String rawGet(LwsContext ctx, String requestTarget) throws IOException {
        try (RawClient c = RawClient.connect(ctx.port())) {
            c.write("GET " + requestTarget + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
            RawClient.Head h = c.readHead();
            if (h == null) {
                return "EOF";
            }
            byte[] body = c.readBody(h);
            return h.statusLine() + "\n" + new String(body, StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void handlerAnswersWithStatusHeadersAndBodyAndSeesTheRequest() throws Exception {
        LwsContext ctx = startWithRoot(answering(
                r -> LwsResponse.text(202, "accepted " + r.path()).header("X-Lwsj-Test", "yes")));
        HttpResponse<String> resp = get(ctx, "/some/path?a=1&b=2", "X-Custom", "abc123", "Origin", "http://origin.test");
        assertEquals(202, resp.statusCode());
        assertEquals("accepted /some/path", resp.body());
        assertEquals("yes", resp.headers().firstValue("x-lwsj-test").orElse(null), "custom response header");
        assertTrue(resp.headers().firstValue("content-type").orElse("").startsWith("text/plain"));

        LwsRequest req = poll(requests, "the request in onHttp");
        assertEquals("GET", req.method());
        assertEquals("/some/path", req.path());
        assertEquals("a=1&b=2", req.query());
        assertEquals("http://origin.test", req.header("Origin"), "a known request header");
        assertEquals("abc123", req.header("x-custom"), "a custom request header; headers: " + req.headers());
        assertEquals("abc123", req.header("X-CUSTOM"), "header lookup ignores case");
    }

    @Test
    void binaryBodyOfSeveralSizesArrivesWhole() throws Exception {
        LwsContext ctx = startWithRoot(answering(r -> {
            int n = Integer.parseInt(r.query().substring(2));
            return LwsResponse.of(200, "application/octet-stream", pattern(n));
        }));
        for (int n : new int[] {0, 1, 4096, 65536, 200_000}) {
            HttpResponse<byte[]> resp = WsTestClient.HTTP.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + ctx.port() + "/bytes?n=" + n)).timeout(Duration.ofSeconds(10))
                    .build(), HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, resp.statusCode());
            assertArrayEquals(pattern(n), resp.body(), "body of " + n + " bytes");
        }
    }

    @Test
    void fileIsServedWithItsMimeTypeAndCompletionIsReported() throws Exception {
        LwsContext ctx = startWithRoot(answering(r -> LwsResponse.file(r.path(), "text/plain")));
        HttpResponse<String> resp = get(ctx, "/hello.txt");
        assertEquals(200, resp.statusCode());
        assertEquals("hello from the document root\n", resp.body());
        assertTrue(resp.headers().firstValue("content-type").orElse("").startsWith("text/plain"),
                "content-type " + resp.headers().firstValue("content-type"));
        Path done = poll(completions, "onHttpFileCompletion");
        assertEquals(root.resolve("hello.txt").toRealPath(), done);

        HttpResponse<String> inner = get(ctx, "/a/inner.txt");
        assertEquals(200, inner.statusCode());
        assertEquals("inner\n", inner.body());
    }

    @Test
    void missingFileIs404() throws Exception {
        LwsContext ctx = startWithRoot(answering(r -> LwsResponse.file(r.path(), "text/plain")));
        HttpResponse<String> resp = get(ctx, "/no-such-file.txt");
        assertEquals(404, resp.statusCode());
        // the server is still answering
        assertEquals(200, get(ctx, "/hello.txt").statusCode());
    }

    @Test
    void defaultHandlerAnswers404() throws Exception {
        LwsContext ctx = start(echo("echo"));
        assertEquals(404, get(ctx, "/anything").statusCode());
    }

    @Test
    void handlerExceptionInOnHttpGives500() throws Exception {
        LwsContext ctx = startWithRoot(answering(r -> {
            throw new IllegalStateException("test: handler fails on purpose");
        }));
        assertEquals(500, get(ctx, "/boom").statusCode());
        assertEquals(500, get(ctx, "/boom-again").statusCode());
    }

    @Test
    void pathTraversalNeverServesAFileOutsideTheRoot() throws Exception {
        LwsContext ctx = startWithRoot(answering(r -> LwsResponse.file(r.path(), "text/plain")));
        for (String target : List.of("/../secret.txt", "/%2e%2e/secret.txt", "/a/../../secret.txt",
                "/a/%2e%2e/%2e%2e/secret.txt", "/..%2fsecret.txt", "/%2e%2e%2fsecret.txt", "//../secret.txt",
                "/a/..%5c..%5csecret.txt")) {
            String resp = rawGet(ctx, target);
            assertFalse(resp.contains(SECRET), target + " served the secret:\n" + resp);
            assertFalse(resp.startsWith("HTTP/1.1 200") || resp.startsWith("HTTP/1.0 200"),
                    target + " answered 200:\n" + resp);
        }
        // a well-formed request still works afterwards
        assertTrue(rawGet(ctx, "/hello.txt").contains("hello from the document root"));
    }

    @Test
    void fileResponseThatLeavesTheRootIsForbidden() throws Exception {
        LwsContext ctx = startWithRoot(answering(r -> LwsResponse.file("../secret.txt", "text/plain")));
        HttpResponse<String> resp = get(ctx, "/whatever");
        assertEquals(403, resp.statusCode());
        assertFalse(resp.body().contains(SECRET));
    }

    @Test
    void symlinkInsideTheRootPointingOutsideIsNotServed() throws Exception {
        Files.createSymbolicLink(root.resolve("link.txt"), base.resolve("secret.txt"));
        Files.createSymbolicLink(root.resolve("outside"), base);
        LwsContext ctx = startWithRoot(answering(r -> LwsResponse.file(r.path(), "text/plain")));
        for (String path : List.of("/link.txt", "/outside/secret.txt")) {
            HttpResponse<String> resp = get(ctx, path);
            assertTrue(resp.statusCode() == 403 || resp.statusCode() == 404,
                    path + " answered " + resp.statusCode());
            assertFalse(resp.body().contains(SECRET), path + " served the secret");
        }
    }

    /**
     * A file whose name is swapped between a regular file and a link out of the root
     * while it is requested: Java's checks and the open are apart in time, so the glue
     * opens the name below the root without following links (O_NOFOLLOW per component).
     * Bounded: 1,500 requests or 20 s.
     */
    @Test
    void aLinkSwappedInAfterTheChecksIsNotFollowed() throws Exception {
        Path plain = base.resolve("plain.txt");
        Path link = base.resolve("link.tmp");
        Files.writeString(plain, "plain\n");
        Files.createSymbolicLink(link, base.resolve("secret.txt"));
        Path racing = root.resolve("race.txt");
        Files.copy(plain, racing);
        LwsContext ctx = startWithRoot(answering(r -> LwsResponse.file("race.txt", "text/plain")));
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread swapper = new Thread(() -> {
            Path fileTmp = base.resolve("file.tmp");
            Path linkTmp = base.resolve("link2.tmp");
            for (int i = 0; i < 10_000_000 && !stop.get(); i++) {
                try {
                    if ((i & 1) == 0) {
                        Files.deleteIfExists(linkTmp);
                        Files.createSymbolicLink(linkTmp, base.resolve("secret.txt"));
                        Files.move(linkTmp, racing, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                    } else {
                        Files.copy(plain, fileTmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                        Files.move(fileTmp, racing, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                    }
                } catch (IOException e) {
                    return;
                }
            }
        }, "swapper");
        swapper.start();
        int plainServed = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        try (RawClient c = RawClient.connect(ctx.port())) {
            for (int i = 0; i < 1500 && System.nanoTime() < deadline; i++) {
                c.write("GET /race HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
                RawClient.Head h = c.readHead();
                assertNotNull(h, "EOF instead of answer " + i);
                String body = new String(c.readBody(h), StandardCharsets.UTF_8);
                assertFalse(body.contains(SECRET), "request " + i + " served the file outside the root");
                if (h.status() == 200) {
                    plainServed++;
                }
            }
        } finally {
            stop.set(true);
            swapper.join(5_000);
        }
        assertTrue(plainServed > 0, "the regular file was never served");
        Files.deleteIfExists(link);
    }

    /** RFC 9110 8.6: Content-Length is digits; lws 4.3.5 took "-1" as a body of 2^64 - 1 bytes (lws patch 0117). */
    @Test
    void negativeOrMalformedContentLengthIsAnswered400() throws Exception {
        LwsContext ctx = startWithRoot(answering(r -> LwsResponse.text(200, "ok")));
        for (String cl : List.of("-1", "-9223372036854775808", "12abc", "+5", "99999999999999999999")) {
            try (RawClient c = RawClient.connect(ctx.port())) {
                c.write("POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + cl + "\r\n\r\nbody");
                RawClient.Head h = c.readHead();
                assertNotNull(h, "Content-Length " + cl + ": closed without an answer");
                assertEquals(400, h.status(), "Content-Length " + cl + ": " + h.statusLine());
            }
        }
        assertTrue(requests.isEmpty(), "a request with a bad Content-Length reached onHttp: " + requests);
        assertEquals(200, get(ctx, "/after").statusCode());
    }

    /** A POST's body reaches onHttp whole, also when it arrives in pieces; keep-alive goes on. */
    @Test
    void aRequestBodyReachesTheHandlerWhole() throws Exception {
        LwsContext ctx = startWithRoot(answering(r -> LwsResponse.text(200, r.method() + " " + r.body().length)));
        byte[] big = pattern(300_000);
        try (RawClient c = RawClient.connect(ctx.port())) {
            for (byte[] body : new byte[][] {"name=value&x=1".getBytes(StandardCharsets.UTF_8), new byte[0], big}) {
                c.write("POST /form HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n"
                        + "Content-Length: " + body.length + "\r\n\r\n");
                for (int off = 0; off < body.length; off += 1000) { // in pieces
                    c.write(java.util.Arrays.copyOfRange(body, off, Math.min(body.length, off + 1000)));
                }
                RawClient.Head h = c.readHead();
                assertNotNull(h, "EOF instead of the answer to a " + body.length + "-byte body");
                assertEquals("POST " + body.length, new String(c.readBody(h), StandardCharsets.UTF_8));
                LwsRequest r = poll(requests, "onHttp for " + body.length + " bytes");
                assertArrayEquals(body, r.body());
            }
            c.write("GET /after HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            assertEquals("GET 0", new String(c.readBody(c.readHead()), StandardCharsets.UTF_8));
        }
        assertEquals(0, poll(requests, "onHttp for the GET").body().length);
    }

    /** A body over maxHttpBodyBytes is answered 413 before it is read; the handler never sees it. */
    @Test
    void aBodyOverTheLimitIsAnswered413() throws Exception {
        LwsContext ctx = track(localhost().documentRoot(root).maxHttpBodyBytes(1000)
                .http(answering(r -> LwsResponse.text(200, "took " + r.body().length)))
                .protocol(Protocol.of("http-only", new Handler<>() {})).build()).start();
        try (RawClient c = RawClient.connect(ctx.port())) {
            c.write("POST /up HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1001\r\n\r\n");
            RawClient.Head h = c.readHead();
            assertNotNull(h);
            assertEquals(413, h.status(), h.statusLine());
        }
        assertTrue(requests.isEmpty(), "a request over the body limit reached onHttp");
        try (RawClient c = RawClient.connect(ctx.port())) {
            c.write("POST /up HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n");
            c.write(new byte[1000]);
            assertEquals("took 1000", new String(c.readBody(c.readHead()), StandardCharsets.UTF_8));
        }
    }

    /** A content type is a header value: CR or LF in it would split the response. */
    @Test
    void aContentTypeWithCrOrLfIsRefused() throws Exception {
        for (String bad : List.of("text/plain\r\nSet-Cookie: a=b", "text/html\nX: y", "a\u0000b", "")) {
            assertThrows(IllegalArgumentException.class, () -> LwsResponse.of(200, bad, new byte[0]), bad);
            assertThrows(IllegalArgumentException.class, () -> LwsResponse.file("hello.txt", bad), bad);
        }
        LwsContext ctx = startWithRoot(answering(r -> LwsResponse.of(200, "text/plain; charset=utf-8",
                "fine".getBytes(StandardCharsets.UTF_8))));
        HttpResponse<String> ok = get(ctx, "/");
        assertEquals("text/plain; charset=utf-8", ok.headers().firstValue("content-type").orElse(""));
    }

    /**
     * HTTP goes to the context's HttpHandler whatever the path, also one a protocol claims
     * for its upgrades, and whatever protocol the request names without upgrading.
     */
    @Test
    void httpGoesToTheContextsHttpHandler() throws Exception {
        Protocol<Void> second = Protocol.builder("second", new Handler<Void>() {}).path("/second").build();
        LwsContext ctx = startWithRoot(answering(r -> LwsResponse.text(200, "handled " + r.path())), second);
        for (String path : List.of("/", "/second", "/x?protocol=second")) {
            HttpResponse<String> resp = get(ctx, path);
            assertEquals("handled " + path.replaceAll("\\?.*", ""), resp.body(), path);
            assertNotNull(poll(requests, "the request for " + path));
        }
        HttpResponse<String> named = get(ctx, "/", "Sec-WebSocket-Protocol", "second");
        assertEquals("handled /", named.body());
    }

    /** Without an HttpHandler every HTTP request is answered 404, and upgrades still work. */
    @Test
    void withoutAnHttpHandlerHttpIsAnswered404() throws Exception {
        LwsContext ctx = start(echo("echo"));
        assertEquals(404, get(ctx, "/anything").statusCode());
        WsTestClient c = client(ctx, "echo");
        c.sendText("still upgrades");
        assertEquals("still upgrades", c.nextText());
    }

    @Test
    void keepAliveServesSeveralRequestsOnOneConnection() throws Exception {
        LwsContext ctx = startWithRoot(answering(r -> LwsResponse.text(200, "n=" + r.query())));
        try (RawClient c = RawClient.connect(ctx.port())) {
            for (int i = 0; i < 3; i++) {
                c.write("GET /k?" + i + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
                RawClient.Head h = c.readHead();
                assertNotNull(h, "EOF instead of answer " + i);
                assertEquals(200, h.status(), h.statusLine());
                assertEquals("n=" + i, new String(c.readBody(h), StandardCharsets.UTF_8));
            }
        }
        assertNotEquals(0, requests.size());
    }
}
