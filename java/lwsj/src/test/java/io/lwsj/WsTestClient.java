package io.lwsj;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A JDK WebSocket client for tests: whole messages (partial deliveries accumulated
 * until {@code last}) go into a queue, pings/pongs into their own queues, and the end
 * of the connection (close frame or error) completes {@link #ended}.
 */
final class WsTestClient implements WebSocket.Listener, AutoCloseable {
    static final long TIMEOUT_MS = 10_000;

    /** One shared HTTP/1.1 client; the JDK client is thread-safe. */
    static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    /** How a connection ended: a close frame (code, reason) or an error. */
    record End(int code, String reason, Throwable error) {
        boolean isClose() {
            return error == null;
        }
    }

    /** Whole messages: String for text, byte[] for binary. */
    final BlockingQueue<Object> messages = new LinkedBlockingQueue<>();
    final BlockingQueue<byte[]> pings = new LinkedBlockingQueue<>();
    final BlockingQueue<byte[]> pongs = new LinkedBlockingQueue<>();
    final CompletableFuture<End> ended = new CompletableFuture<>();

    private final StringBuilder text = new StringBuilder();
    private final ByteArrayOutputStream binary = new ByteArrayOutputStream();
    private volatile WebSocket ws;

    private WsTestClient() {}

    /** Connects to ws://127.0.0.1:port/path with the given subprotocols (may be none). */
    static WsTestClient connectPath(int port, String path, String... subprotocols) {
        WsTestClient c = new WsTestClient();
        WebSocket.Builder b = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
        if (subprotocols.length > 0) {
            b.subprotocols(subprotocols[0], Arrays.copyOfRange(subprotocols, 1, subprotocols.length));
        }
        CompletableFuture<WebSocket> f = b.buildAsync(URI.create("ws://127.0.0.1:" + port + path), c);
        try {
            c.ws = f.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("WebSocket connect to port " + port + " failed: " + e, e);
        }
        return c;
    }

    static WsTestClient connect(int port, String... subprotocols) {
        return connectPath(port, "/", subprotocols);
    }

    /** Starts a connect without waiting (for tests that pump service() themselves). */
    static CompletableFuture<WsTestClient> connectAsync(int port, String... subprotocols) {
        WsTestClient c = new WsTestClient();
        WebSocket.Builder b = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
        if (subprotocols.length > 0) {
            b.subprotocols(subprotocols[0], Arrays.copyOfRange(subprotocols, 1, subprotocols.length));
        }
        return b.buildAsync(URI.create("ws://127.0.0.1:" + port + "/"), c).thenApply(w -> {
            c.ws = w;
            return c;
        });
    }

    WebSocket ws() {
        return ws;
    }

    // ---- Listener ------------------------------------------------------------

    @Override
    public void onOpen(WebSocket webSocket) {
        this.ws = webSocket;
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        text.append(data);
        if (last) {
            messages.add(text.toString());
            text.setLength(0);
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        byte[] b = new byte[data.remaining()];
        data.get(b);
        binary.writeBytes(b);
        if (last) {
            messages.add(binary.toByteArray());
            binary.reset();
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
        byte[] b = new byte[message.remaining()];
        message.get(b);
        pings.add(b); // the JDK client answers with a pong by itself
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
        byte[] b = new byte[message.remaining()];
        message.get(b);
        pongs.add(b);
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        ended.complete(new End(statusCode, reason, null));
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        ended.complete(new End(-1, null, error));
    }

    // ---- test helpers ----------------------------------------------------------

    void sendText(String s) {
        await(ws.sendText(s, true), "sendText");
    }

    void sendTextPart(String s, boolean last) {
        await(ws.sendText(s, last), "sendText part");
    }

    void sendBinary(byte[] b) {
        await(ws.sendBinary(ByteBuffer.wrap(b), true), "sendBinary");
    }

    void sendBinaryPart(byte[] b, boolean last) {
        await(ws.sendBinary(ByteBuffer.wrap(b), last), "sendBinary part");
    }

    void sendPing(byte[] b) {
        await(ws.sendPing(ByteBuffer.wrap(b)), "sendPing");
    }

    void sendClose(int code, String reason) {
        await(ws.sendClose(code, reason), "sendClose");
    }

    private static void await(CompletableFuture<WebSocket> f, String what) {
        try {
            f.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError(what + " failed: " + e, e);
        }
    }

    /** The next whole message, or fail after the timeout. */
    Object next(long timeoutMs) {
        try {
            Object m = messages.poll(timeoutMs, TimeUnit.MILLISECONDS);
            if (m == null) {
                fail("no message within " + timeoutMs + " ms (ended: " + ended.getNow(null) + ")");
            }
            return m;
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    String nextText() {
        Object m = next(TIMEOUT_MS);
        assertTrue(m instanceof String, () -> "expected a text message, got " + describe(m));
        return (String) m;
    }

    byte[] nextBinary() {
        Object m = next(TIMEOUT_MS);
        assertTrue(m instanceof byte[], () -> "expected a binary message, got " + describe(m));
        return (byte[]) m;
    }

    /** Asserts that no message arrives within ms. */
    void assertNoMessage(long ms) {
        try {
            Object m = messages.poll(ms, TimeUnit.MILLISECONDS);
            assertNull(m, () -> "expected no message, got " + describe(m));
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** Sends text and expects the same text back. */
    void assertEchoes(String s) {
        sendText(s);
        assertEquals(s, nextText());
    }

    /** Waits for the end of the connection (close frame or error). */
    End awaitEnd() {
        try {
            return ended.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("connection did not end within " + TIMEOUT_MS + " ms", e);
        }
    }

    /** Waits for a close frame and returns it; fails on an error instead. */
    End awaitClose() {
        End end = awaitEnd();
        assertNotNull(end);
        assertTrue(end.isClose(), () -> "expected a close frame, got error " + end.error());
        return end;
    }

    static String describe(Object m) {
        if (m instanceof byte[]) {
            return "binary[" + ((byte[]) m).length + "]";
        }
        if (m instanceof String) {
            String s = (String) m;
            return "text[" + s.length() + "] " + (s.length() > 60 ? s.substring(0, 60) + "..." : s);
        }
        return String.valueOf(m);
    }

    @Override
    public void close() {
        WebSocket w = ws;
        if (w != null) {
            w.abort();
        }
    }
}
