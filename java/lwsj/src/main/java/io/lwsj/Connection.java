package io.lwsj;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * One WebSocket connection, held as a handle: once it has closed, every call on it
 * either does nothing (close) or throws {@link ConnectionClosedException}, and no
 * other connection can be reached through it. Every method may be called from any
 * thread; the connection's handler calls run one at a time on its service thread.
 *
 * <p><b>Sends.</b> {@code sendText}, {@code sendBinary}, {@code sendFragment}, {@code ping}
 * and {@code pong} queue a frame and return at once: true when it was queued, false when
 * the protocol's bound on queued bytes refused it ({@link Protocol.Builder#maxQueuedBytes},
 * {@link Overflow}) or, from a thread other than the service thread, when the context's
 * cross-thread queue is full. They never block and, called from a handler, cost no native
 * call. {@code sendTextAsync} and {@code sendBinaryAsync} do the same and return a future
 * that completes when the frame has been written to the socket, or fails with the reason
 * it never will be. Messages sent by one thread to one connection go out in that order.
 */
public interface Connection {

    /** A number that identifies this connection within its context; never reused while it lives. */
    long id();

    LwsContext context();

    /** libwebsockets_get_protocol: the protocol whose handler serves this connection. */
    Protocol<?> protocol();

    /** True until onClosed has been called for it (or its context has closed). */
    boolean isOpen();

    /** True for a connection this side opened with {@link LwsContext#connect}. */
    boolean isClient();

    /** The request a client connection was made with; null for a connection a server accepted. */
    @Nullable ClientRequest request();

    /**
     * For a client connection, the subprotocol the server chose ("" when it chose none);
     * null for a connection a server accepted.
     */
    @Nullable String subprotocol();

    /** The handshake response's headers by lower-case name, for a client connection; empty on the server side. */
    Map<String, List<String>> responseHeaders();

    /** libwebsockets_get_peer_addresses: the peer's IP address, as text (no DNS lookup). */
    String peerAddress();

    /** libwebsocket_get_socket_fd: the socket's file descriptor, for inspection only. */
    int socketFd();

    /** The session object its protocol made for it at ESTABLISHED (null when the protocol makes none). */
    <S> @Nullable S session();

    // ---- sends ---------------------------------------------------------------------

    /** Queues a text message. */
    boolean sendText(String text);

    /** Queues utf8's remaining bytes, which must be valid UTF-8, as a text message; the position is not moved. */
    boolean sendText(ByteBuffer utf8);

    /** Queues a binary message. */
    boolean sendBinary(byte[] data);

    /** Queues part of an array as a binary message. */
    boolean sendBinary(byte[] data, int offset, int length);

    /** Queues data's remaining bytes as a binary message; the position is not moved. */
    boolean sendBinary(ByteBuffer data);

    /**
     * Queues one fragment of a message (libwebsocket_write with LWS_WRITE_CONTINUATION and
     * LWS_WRITE_NO_FIN): the first fragment says whether the message is binary, later
     * ones are continuations, the last one ends the message.
     */
    boolean sendFragment(byte[] data, boolean binary, boolean first, boolean last);

    /** As {@link #sendFragment(byte[], boolean, boolean, boolean)}, from a buffer's remaining bytes. */
    boolean sendFragment(ByteBuffer data, boolean binary, boolean first, boolean last);

    /** Queues a ping (payload at most 125 bytes). */
    boolean ping(byte[] payload);

    /** Queues a ping with the buffer's remaining bytes (at most 125). */
    boolean ping(ByteBuffer payload);

    /** Queues an unsolicited pong (payload at most 125 bytes). */
    boolean pong(byte[] payload);

    /** Queues an unsolicited pong with the buffer's remaining bytes (at most 125). */
    boolean pong(ByteBuffer payload);

    /**
     * As {@link #sendText(String)}; the future completes when the frame has been written
     * to the socket. It fails with {@link SendRefusedException} when the message was not
     * queued, with {@link ContextSaturatedException} when another thread's send found the
     * context's cross-thread queue full, and with {@link ConnectionClosedException} when
     * the connection closed before the frame went out. It completes on the connection's
     * service thread: a stage that blocks should run elsewhere ({@code thenRunAsync}).
     */
    CompletableFuture<Void> sendTextAsync(String text);

    /** As {@link #sendBinary(byte[])}, with a future as {@link #sendTextAsync} has. */
    CompletableFuture<Void> sendBinaryAsync(byte[] data);

    /** As {@link #sendBinary(ByteBuffer)}, with a future as {@link #sendTextAsync} has. */
    CompletableFuture<Void> sendBinaryAsync(ByteBuffer data);

    // ---- flow and closing ----------------------------------------------------------

    /**
     * libwebsocket_callback_on_writable: asks for one {@link Handler#onWritable} call once
     * the send queue is empty.
     */
    void requestWritable();

    /**
     * libwebsocket_rx_flow_control: false stops reading from this connection (TCP
     * backpressure then reaches the peer), true reads again.
     */
    void setReceiving(boolean receive);

    /** Bytes queued to send and not yet written to the socket, frame headers included. */
    long bufferedAmount();

    /** Closes with 1000 after what is queued has been sent. */
    void close();

    /**
     * Closes with a code and a reason (at most 123 bytes of UTF-8) after what is queued
     * has been sent. Closing a closed connection does nothing.
     */
    void close(int code, String reason);
}
