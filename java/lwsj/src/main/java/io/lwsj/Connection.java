package io.lwsj;

import io.lwsj.internal.Abi;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * One WebSocket connection: the Java form of a {@code struct lws *}, held as a handle
 * (DESIGN invariant 2). Every method may be called from any thread; from the service
 * thread a send costs no native call.
 *
 * <p>Sends return false when the message was not queued because of the protocol's
 * bound on queued bytes ({@link Protocol.Builder#maxQueuedBytes}); after the
 * connection has closed they throw {@link ConnectionClosedException}.
 */
public final class Connection {
    private final LwsContext context;
    private final long handle;
    private final Protocol<?> protocol;
    private final String peerAddress;
    private final int socketFd;
    private final ClientRequest request;
    private final String subprotocol;
    private final Map<String, List<String>> responseHeaders;
    Object session;
    volatile boolean open = true;
    /** Bytes submitted on the service thread in submission epoch {@link #epoch}. */
    long submitted;
    long epoch = -1;

    Connection(LwsContext context, long handle, Protocol<?> protocol, String peerAddress, int socketFd,
               ClientRequest request, String subprotocol, Map<String, List<String>> responseHeaders) {
        this.context = context;
        this.handle = handle;
        this.protocol = protocol;
        this.peerAddress = peerAddress;
        this.socketFd = socketFd;
        this.request = request;
        this.subprotocol = subprotocol;
        this.responseHeaders = responseHeaders;
    }

    /** The handshake response's headers, by lower-case name, for a client connection; null on the server side. */
    public Map<String, List<String>> responseHeaders() {
        return responseHeaders;
    }

    /** True for a connection this side opened with {@link LwsContext#connect}. */
    public boolean isClient() {
        return request != null;
    }

    /** The request a client connection was made with; null on the server side. */
    public ClientRequest request() {
        return request;
    }

    /** The subprotocol the server chose for a client connection ("" when none); null on the server side. */
    public String subprotocol() {
        return subprotocol;
    }

    int slot() {
        return (int) handle;
    }

    long handle() {
        return handle;
    }

    /** A number that identifies this connection within its context; never reused while it lives. */
    public long id() {
        return handle;
    }

    public LwsContext context() {
        return context;
    }

    /** libwebsockets_get_protocol: the protocol this connection speaks. */
    public Protocol<?> protocol() {
        return protocol;
    }

    /** True until CLOSED has been delivered (or the context closed). */
    public boolean isOpen() {
        return open;
    }

    /** libwebsockets_get_peer_addresses: the peer's IP address, as text. */
    public String peerAddress() {
        return peerAddress;
    }

    /**
     * libwebsockets_get_peer_addresses: the peer's host name by reverse lookup (may
     * block on DNS; falls back to the address).
     */
    public String peerName() {
        try {
            return InetAddress.getByName(peerAddress).getCanonicalHostName();
        } catch (UnknownHostException e) {
            return peerAddress;
        }
    }

    /** The socket's file descriptor (libwebsocket_get_socket_fd). */
    public int socketFd() {
        return socketFd;
    }

    /** Sends a text message. */
    public boolean send(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        return context.send(this, Abi.SEND_TEXT, b, 0, null, b.length);
    }

    /** Sends a binary message. */
    public boolean send(byte[] data) {
        return context.send(this, Abi.SEND_BINARY, data, 0, null, data.length);
    }

    /** Sends a binary message from part of an array. */
    public boolean send(byte[] data, int offset, int length) {
        checkRange(data, offset, length);
        return context.send(this, Abi.SEND_BINARY, data, offset, null, length);
    }

    /** Sends data's remaining bytes as a binary message; data's position is not moved. */
    public boolean send(ByteBuffer data) {
        return context.send(this, Abi.SEND_BINARY, null, 0, data, data.remaining());
    }

    /** Sends utf8's remaining bytes as a text message (they must be valid UTF-8). */
    public boolean sendText(ByteBuffer utf8) {
        return context.send(this, Abi.SEND_TEXT, null, 0, utf8, utf8.remaining());
    }

    /**
     * Sends one fragment of a message (libwebsocket_write with LWS_WRITE_CONTINUATION and
     * LWS_WRITE_NO_FIN): the first fragment says whether the message is binary, later
     * ones are continuations, the last one ends the message.
     */
    public boolean sendFragment(byte[] data, boolean binary, boolean first, boolean last) {
        return context.send(this, fragmentFlags(binary, first, last), data, 0, null, data.length);
    }

    /** As {@link #sendFragment(byte[], boolean, boolean, boolean)}, from a buffer's remaining bytes. */
    public boolean sendFragment(ByteBuffer data, boolean binary, boolean first, boolean last) {
        return context.send(this, fragmentFlags(binary, first, last), null, 0, data, data.remaining());
    }

    private static int fragmentFlags(boolean binary, boolean first, boolean last) {
        int op = first ? (binary ? Abi.SEND_BINARY : Abi.SEND_TEXT) : Abi.SEND_CONTINUATION;
        return last ? op : op | Abi.SEND_NO_FIN;
    }

    /** Sends a ping (payload at most 125 bytes). */
    public boolean ping(byte[] payload) {
        checkControl(payload);
        return context.send(this, Abi.SEND_PING, payload, 0, null, payload.length);
    }

    /** Sends an unsolicited pong (payload at most 125 bytes). */
    public boolean pong(byte[] payload) {
        checkControl(payload);
        return context.send(this, Abi.SEND_PONG, payload, 0, null, payload.length);
    }

    /** Closes with 1000 after what is queued has been sent. */
    public void close() {
        close(CloseCodes.NORMAL, "");
    }

    /**
     * Closes with a code and a reason (at most 123 bytes of UTF-8) after what is queued
     * has been sent. Closing a closed connection does nothing.
     */
    public void close(int code, String reason) {
        CloseCodes.checkSendable(code);
        byte[] r = reason == null ? new byte[0] : reason.getBytes(StandardCharsets.UTF_8);
        if (r.length > 123) {
            throw new IllegalArgumentException("close reason is " + r.length + " bytes of UTF-8; at most 123 fit");
        }
        if (open) {
            context.command(this, Abi.CMD_CLOSE, 0, code, r);
        }
    }

    /** Closes at once with a code, dropping what is still queued. */
    void abort(int code, String reason) {
        if (open) {
            context.command(this, Abi.CMD_CLOSE, Abi.CLOSE_DISCARD, code, reason.getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * libwebsocket_callback_on_writable: asks for one {@link Handler#onWritable} call once
     * the send queue is empty.
     */
    public void requestWritable() {
        context.command(this, Abi.CMD_WRITABLE, 0, 0, null);
    }

    /**
     * libwebsocket_rx_flow_control: false stops reading from this connection (TCP
     * backpressure then reaches the peer), true reads again.
     */
    public void setReceiving(boolean receive) {
        context.command(this, Abi.CMD_RX_FLOW, 0, receive ? 1 : 0, null);
    }

    /** Bytes queued to send and not yet written to the socket, frame headers included. */
    public long bufferedAmount() {
        return open ? context.bufferedAmount(this) : 0;
    }

    /** The session object made for this connection at ESTABLISHED. */
    @SuppressWarnings("unchecked")
    public <S> S session() {
        return (S) session;
    }

    private static void checkControl(byte[] payload) {
        if (payload.length > 125) {
            throw new IllegalArgumentException("control frame payload is " + payload.length + " bytes; at most 125");
        }
    }

    private static void checkRange(byte[] data, int offset, int length) {
        if (offset < 0 || length < 0 || offset > data.length - length) {
            throw new IndexOutOfBoundsException("offset " + offset + ", length " + length + ", array " + data.length);
        }
    }

    @Override
    public String toString() {
        return "Connection[" + protocol.name() + " #" + (handle & 0xffffffffL) + "/" + (handle >>> 32)
                + " " + peerAddress + (open ? "" : " closed") + "]";
    }
}
