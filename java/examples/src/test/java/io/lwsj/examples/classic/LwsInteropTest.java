package io.lwsj.examples.classic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.lwsj.ClientRequest;
import io.lwsj.Connection;
import io.lwsj.LwsContext;
import io.lwsj.PermessageDeflate;
import io.lwsj.Protocol;
import io.lwsj.classic.ClassicCallback;
import io.lwsj.classic.ClassicHandler;
import io.lwsj.classic.Reason;
import io.lwsj.classic.WriteMode;
import io.lwsj.classic.Wsi;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;


/**
 * Interop with libwebsockets' own programs, built from the pinned source by
 * scripts/build-lws-programs.sh and run as subprocesses on 127.0.0.1, with and
 * without TLS:
 * <ul>
 *   <li>libwebsockets' test client against {@link ClassicTestServer} (the classic test
 *       server ported to lwsj's C-shaped API): dumb-increment and mirror in its normal
 *       mode, and a byte-exact round trip of 12 MiB through the mirror in its
 *       {@code --echo} mode;</li>
 *   <li>lwsj clients, written as classic callbacks, against libwebsockets' test
 *       server: dumb-increment (reset, closeme with its close code) and mirror.</li>
 * </ul>
 * A missing program fails the test; it is never skipped.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LwsInteropTest {
    static final long WAIT_MS = 15_000;

    @TempDir
    static Path certDir;
    static Path cert;
    static Path key;

    private final Deque<AutoCloseable> opened = new ArrayDeque<>();

    @BeforeAll
    static void makeCertificate() throws Exception {
        Files.writeString(certDir.resolve("openssl.cnf"), String.join("\n",
                "[ req ]",
                "distinguished_name = dn",
                "x509_extensions = v3",
                "prompt = no",
                "[ dn ]",
                "CN = localhost",
                "[ v3 ]",
                "basicConstraints = critical, CA:TRUE",
                "keyUsage = critical, digitalSignature, keyCertSign",
                "subjectAltName = DNS:localhost, IP:127.0.0.1",
                ""));
        Process p = new ProcessBuilder("openssl", "req", "-x509", "-config", "openssl.cnf", "-newkey", "ec",
                "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                "-keyout", "key.pem", "-out", "cert.pem")
                .directory(certDir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            fail("openssl could not make a test certificate: " + out);
        }
        cert = certDir.resolve("cert.pem");
        key = certDir.resolve("key.pem");
    }

    @AfterEach
    void closeAll() throws Exception {
        while (!opened.isEmpty()) {
            opened.removeFirst().close();
        }
    }

    <T extends AutoCloseable> T track(T t) {
        opened.addFirst(t);
        return t;
    }

    ClassicTestServer lwsjServer(boolean tls, boolean validateUtf8) throws IOException {
        ClassicTestServer.Options o = new ClassicTestServer.Options().bind("127.0.0.1").port(0)
                .validateUtf8(validateUtf8);
        if (tls) {
            o.ssl(cert, key);
        }
        return track(ClassicTestServer.start(o));
    }

    static String url(boolean tls, int port) {
        return (tls ? "wss" : "ws") + "://127.0.0.1:" + port + "/";
    }

    /** The test client's arguments: -s is its TLS mode that accepts a self-signed server certificate. */
    static String[] clientArgs(boolean tls, int port, String... more) {
        List<String> a = new ArrayList<>();
        a.add(url(tls, port));
        if (tls) {
            a.add("-s");
        }
        a.addAll(List.of(more));
        return a.toArray(new String[0]);
    }

    // ---- libwebsockets' test client -> lwsj ---------------------------------------

    private static final Pattern DUMB_RX = Pattern.compile("rx \\d+ '(\\d+)'");
    private static final Pattern CIRCLE = Pattern.compile("^c #[0-9A-F]{6} \\d+ \\d+ \\d+;$");

    @ParameterizedTest(name = "tls={0}")
    @ValueSource(booleans = {false, true})
    void lwsTestClientAgainstClassicServer(boolean tls) throws Exception {
        ClassicTestServer server = lwsjServer(tls, true);

        // an lwsj mirror client watches what the C client draws
        BlockingQueue<String> drawn = new LinkedBlockingQueue<>();
        LwsContext watcherContext = track(clientContext(tls, (w, r, u, in, len) -> {
            if (r == Reason.CLIENT_RECEIVE) {
                drawn.add(text(in, len));
            }
            return 0;
        }));
        get(watcherContext.connect(request(watcherContext, tls, server.port(), ClassicTestServer.MIRROR)));

        // -d 15: errors, warnings, notices and info (where it logs what dumb-increment sends)
        LwsProgram client = track(LwsProgram.start("test-client",
                Pattern.compile("rx \\d+ '|mirror: LWS_CALLBACK_CLIENT_ESTABLISHED|CLIENT_CONNECTION_ERROR"),
                clientArgs(tls, server.port(), "-d", "15")));

        // dumb-increment: 0, 1, 2, ... one every 50 ms
        List<String> lines = client.await("6 dumb-increment numbers",
                l -> LwsProgram.ints(l, DUMB_RX).size() >= 6, WAIT_MS);
        assertEquals(List.of(0, 1, 2, 3, 4, 5), LwsProgram.ints(lines, DUMB_RX).subList(0, 6),
                "the numbers count up from 0" + client.describe());

        // mirror: the C client's circles reach every mirror client
        client.await("the mirror connection", l -> l.stream().anyMatch(s -> s.contains("mirror: LWS_CALLBACK")), WAIT_MS);
        for (int i = 0; i < 20; i++) {
            String m = drawn.poll(WAIT_MS, TimeUnit.MILLISECONDS);
            assertNotNull(m, "circle " + i + " did not reach the lwsj mirror client" + client.describe());
            assertTrue(CIRCLE.matcher(m).matches(), "a circle from the C client: " + m);
        }
        assertFalse(client.kept().stream().anyMatch(s -> s.contains("CLIENT_CONNECTION_ERROR")), client.describe());
        assertTrue(client.isAlive(), "the C client is still running" + client.describe());
    }

    @ParameterizedTest(name = "tls={0}")
    @ValueSource(booleans = {false, true})
    void lwsTestClientEchoesTwelveMegabytesThroughTheMirror(boolean tls) throws Exception {
        // --echo sends 1024 blocks of 12 KiB of pseudo-random bytes as text frames and
        // checks that every byte comes back: no UTF-8 check on this server. The client
        // offers permessage-deflate, which the mirror accepts.
        ClassicTestServer server = lwsjServer(tls, false);
        LwsProgram client = track(LwsProgram.start("test-client",
                Pattern.compile("send completed|Everything received|mismatch|CLIENT_CONNECTION_ERROR|instantiating client ext"),
                clientArgs(tls, server.port(), "--echo", "-d", "7")));
        List<String> lines = client.await("the echo of every block",
                l -> l.stream().anyMatch(s -> s.contains("Everything received")), 40_000);
        assertTrue(lines.stream().anyMatch(s -> s.contains("send completed: 1024 x 12288")), client.describe());
        assertTrue(lines.stream().anyMatch(s -> s.contains("Everything received: errs 0")), client.describe());
        assertTrue(lines.stream().anyMatch(s -> s.contains("instantiating client ext permessage-deflate")),
                "compressed both ways" + client.describe());
        assertEquals(0, client.awaitExit(WAIT_MS), "the test client's exit status" + client.describe());
    }

    // ---- lwsj -> libwebsockets' test server --------------------------------------------

    /** What a classic client callback saw. */
    record Event(Wsi wsi, Reason reason, String data) {}

    /** The events of each connection, in order, and the connection errors. */
    static final class Inbox {
        final java.util.Map<Connection, BlockingQueue<Event>> byConnection = new java.util.concurrent.ConcurrentHashMap<>();
        final BlockingQueue<String> errors = new LinkedBlockingQueue<>();

        int callback(Wsi w, Reason r, Void user, ByteBuffer in, long len) {
            if (r == Reason.CLIENT_CONNECTION_ERROR) {
                errors.add(w.clientRequest() + ": " + text(in, len));
            } else if (r == Reason.CLIENT_RECEIVE || r == Reason.CLOSED) {
                of(w.connection()).add(new Event(w, r, in == null ? null : text(in, len)));
            }
            return 0;
        }

        BlockingQueue<Event> of(Connection c) {
            return byConnection.computeIfAbsent(c, k -> new LinkedBlockingQueue<>());
        }

        /** The next event of this connection. */
        Event next(Connection c, LwsProgram peer) throws InterruptedException {
            Event e = of(c).poll(WAIT_MS, TimeUnit.MILLISECONDS);
            if (e == null) {
                fail("nothing arrived on " + c + " within " + WAIT_MS + " ms" + peer.describe());
            }
            return e;
        }

        /** The next message of this connection, as text. */
        String message(Connection c, LwsProgram peer) throws InterruptedException {
            Event e = next(c, peer);
            assertEquals(Reason.CLIENT_RECEIVE, e.reason(), "a message on " + c + peer.describe());
            return e.data();
        }
    }

    @ParameterizedTest(name = "tls={0}")
    @ValueSource(booleans = {false, true})
    void lwsjClientsAgainstLwsTestServer(boolean tls) throws Exception {
        LwsProgram server = startLwsTestServer(tls);
        int port = serverPort;
        Inbox inbox = new Inbox();
        LwsContext ctx = track(clientContext(tls, inbox::callback));

        // dumb-increment-protocol; the client offers permessage-deflate, which the C server
        // cannot use with this protocol's 10-byte receive buffer
        Connection dumb = get(ctx.connect(request(ctx, tls, port, ClassicTestServer.DUMB_INCREMENT)));
        assertEquals(List.of(), dumb.responseHeaders().getOrDefault("sec-websocket-extensions", List.of()),
                "no extension on dumb-increment" + server.describe());
        for (int i = 0; i < 4; i++) {
            assertEquals(Integer.toString(i), inbox.message(dumb, server), "the numbers count up from 0");
        }

        Wsi wsi = handlerOf(ctx, ClassicTestServer.DUMB_INCREMENT).wsi(dumb);
        byte[] reset = "reset\n".getBytes(StandardCharsets.US_ASCII);
        assertEquals(reset.length, wsi.write(reset, reset.length, WriteMode.TEXT));
        // numbers go on counting until the reset arrives, then start again at 0
        int last = 3;
        for (int n; (n = Integer.parseInt(inbox.message(dumb, server))) != 0; last = n) {
            assertEquals(last + 1, n, "counting on before the reset");
            assertTrue(n < 200, "no reset after 200 numbers" + server.describe());
        }
        assertEquals("1", inbox.message(dumb, server), "counting again after the reset");

        byte[] closeme = "closeme\n".getBytes(StandardCharsets.US_ASCII);
        assertEquals(closeme.length, wsi.write(closeme, closeme.length, WriteMode.TEXT));
        Event closed;
        do {
            closed = inbox.next(dumb, server);
        } while (closed.reason() != Reason.CLOSED);
        assertEquals(1001, closed.wsi().closeStatus(), "closed with LWS_CLOSE_STATUS_GOINGAWAY");
        assertEquals("seeya", closed.wsi().closeStatusReason());

        // lws-mirror-protocol: what one client sends, every mirror client receives
        Connection a = get(ctx.connect(request(ctx, tls, port, ClassicTestServer.MIRROR)));
        Connection b = get(ctx.connect(request(ctx, tls, port, ClassicTestServer.MIRROR)));
        assertEquals(List.of(), a.responseHeaders().getOrDefault("sec-websocket-extensions", List.of()),
                "the C mirror refuses compression (CONFIRM_EXTENSION_OKAY)" + server.describe());
        ClassicHandler<Void> mirror = handlerOf(ctx, ClassicTestServer.MIRROR);
        for (int i = 0; i < 10; i++) {
            byte[] circle = ("c #00FF00 " + i + " 20 5;").getBytes(StandardCharsets.US_ASCII);
            assertEquals(circle.length, mirror.wsi(a).write(circle, circle.length, WriteMode.TEXT));
        }
        for (Connection c : List.of(a, b)) {
            for (int i = 0; i < 10; i++) {
                assertEquals("c #00FF00 " + i + " 20 5;", inbox.message(c, server), "mirrored in order to " + c);
            }
        }
        assertTrue(server.isAlive(), "the C server is still running" + server.describe());
        assertTrue(inbox.errors.isEmpty(), "connection errors: " + inbox.errors);
    }

    private int serverPort;

    /** libwebsockets' test server on 127.0.0.1 and a free port (sets serverPort). */
    private LwsProgram startLwsTestServer(boolean tls) throws Exception {
        for (int attempt = 1; ; attempt++) {
            int port = LwsProgram.freePort();
            List<String> args = new ArrayList<>(List.of("-p", Integer.toString(port), "-i", "127.0.0.1"));
            if (tls) {
                args.addAll(List.of("-s", "-C", cert.toString(), "-K", key.toString()));
            }
            LwsProgram server = track(LwsProgram.start("test-server", Pattern.compile("(?!)"),
                    args.toArray(new String[0])));
            if (server.awaitListening(port, WAIT_MS)) {
                serverPort = port;
                return server;
            }
            if (attempt == 3) {
                fail("libwebsockets' test server did not start" + server.describe());
            }
        }
    }

    // ---- helpers ----------------------------------------------------------------------

    /** A client-only context with the two classic protocols, both served by this callback. */
    static LwsContext clientContext(boolean tls, ClassicCallback<Void> callback) {
        LwsContext.Builder b = LwsContext.builder().listen(false)
                .permessageDeflate(PermessageDeflate.defaults())
                .protocol(ClassicHandler.<Void>protocol(ClassicTestServer.DUMB_INCREMENT, callback, null).build())
                .protocol(ClassicHandler.<Void>protocol(ClassicTestServer.MIRROR, callback, null).build());
        if (tls) {
            b.clientTrust(cert);
        }
        return b.build().start();
    }

    @SuppressWarnings("unchecked")
    static ClassicHandler<Void> handlerOf(LwsContext ctx, String protocol) {
        for (Protocol<?> p : ctx.protocols()) {
            if (p.name().equals(protocol)) {
                return (ClassicHandler<Void>) p.handler();
            }
        }
        throw new AssertionError("no protocol " + protocol);
    }

    /** A request for this subprotocol, served by the client context's protocol of that name. */
    static ClientRequest request(LwsContext ctx, boolean tls, int port, String protocol) {
        return ClientRequest.to(url(tls, port)).subprotocols(protocol).protocol(ctx.protocol(protocol)).build();
    }

    static <T> T get(CompletableFuture<T> f) throws Exception {
        try {
            return f.get(WAIT_MS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("not connected within " + WAIT_MS + " ms", e);
        }
    }

    static String text(ByteBuffer in, long len) {
        byte[] b = new byte[(int) len];
        in.get(in.position(), b);
        return new String(b, StandardCharsets.UTF_8);
    }
}
