package io.lwsj.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A JDK WebSocket client that keeps every message it receives, text as String and binary
 * as byte[].
 */
final class WsClient implements WebSocket.Listener, AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    final LinkedBlockingQueue<Object> messages = new LinkedBlockingQueue<>();
    private final StringBuilder text = new StringBuilder();
    private final java.io.ByteArrayOutputStream binary = new java.io.ByteArrayOutputStream();
    private final WebSocket ws;

    WsClient(int port, String protocol) throws Exception {
        this.ws = HTTP.newWebSocketBuilder().subprotocols(protocol)
                .buildAsync(URI.create("ws://127.0.0.1:" + port + "/"), this).get(10, TimeUnit.SECONDS);
    }

    void send(String message) throws Exception {
        ws.sendText(message, true).get(10, TimeUnit.SECONDS);
    }

    /** The next message, waiting up to 10 s; AssertionError when none comes. */
    Object next() throws InterruptedException {
        Object m = messages.poll(10, TimeUnit.SECONDS);
        if (m == null) {
            throw new AssertionError("no message within 10 s");
        }
        return m;
    }

    String nextText() throws InterruptedException {
        return (String) next();
    }

    /** Waits until count messages have arrived in all (up to timeoutMs), and returns them all. */
    List<Object> awaitCount(int count, long timeoutMs) throws InterruptedException {
        List<Object> all = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (all.size() < count) {
            long left = deadline - System.nanoTime();
            Object m = left > 0 ? messages.poll(left, TimeUnit.NANOSECONDS) : null;
            if (m == null) {
                throw new AssertionError("got " + all.size() + " of " + count + " messages: " + all);
            }
            all.add(m);
        }
        return all;
    }

    void assertNoMessage(long ms) throws InterruptedException {
        Object m = messages.poll(ms, TimeUnit.MILLISECONDS);
        assertNull(m, () -> "expected no message, got " + m);
    }

    void assertNextText(String expected) throws InterruptedException {
        assertEquals(expected, nextText());
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
    public void close() {
        ws.abort();
    }
}
