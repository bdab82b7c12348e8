package io.lwsj.internal;

import io.lwsj.ClientRequest;
import io.lwsj.CloseCodes;
import io.lwsj.Connection;
import io.lwsj.LwsContext;
import io.lwsj.Protocol;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Connection} as the glue knows it: a handle (slot and generation) and what the
 * handshake told. Sends and commands go through its context's {@link SendPath}.
 */
final class NativeConnection implements Connection {
    private static final VarHandle UNWRITTEN;

    static {
        try {
            UNWRITTEN = MethodHandles.lookup().findVarHandle(NativeConnection.class, "unwritten", UnwrittenSends.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final ContextEngine engine;
    private final long handle;
    private final Protocol<?> protocol;
    final int protocolIndex;
    private final String peerAddress;
    private final int socketFd;
    private final @Nullable ClientRequest request;
    private final @Nullable String subprotocol;
    private final Map<String, List<String>> responseHeaders;
    Object session;
    volatile boolean open = true;
    /** Sends waiting to hear that their frame was written; made by the first such send. */
    private volatile UnwrittenSends unwritten;
    /** [service] bytes submitted on the service thread in submission epoch {@link #epoch}. */
    long submitted;
    long epoch = -1;

    NativeConnection(ContextEngine engine, long handle, int protocolIndex, String peerAddress, int socketFd,
                     @Nullable ClientRequest request, @Nullable String subprotocol,
                     Map<String, List<String>> responseHeaders) {
        this.engine = engine;
        this.handle = handle;
        this.protocolIndex = protocolIndex;
        this.protocol = engine.protocols.at(protocolIndex);
        this.peerAddress = peerAddress;
        this.socketFd = socketFd;
        this.request = request;
        this.subprotocol = subprotocol;
        this.responseHeaders = responseHeaders;
    }

    /** [any] this connection's unwritten sends, made on first use. */
    UnwrittenSends unwritten() {
        UnwrittenSends u = unwritten;
        if (u == null && !UNWRITTEN.compareAndSet(this, null, u = new UnwrittenSends())) {
            u = unwritten; // another thread's made it first (no lock on an object users hold)
        }
        return u;
    }

    /** [service] SENT: the frame with this token has been written. */
    void written(int token) {
        UnwrittenSends u = unwritten;
        if (u != null) {
            u.written(token);
        }
    }

    /** [service] CLOSED: the futures of frames not written fail. */
    void failUnwritten() {
        UnwrittenSends u = unwritten;
        if (u != null) {
            u.failAll(this);
        }
    }

    int slot() {
        return (int) handle;
    }

    long handle() {
        return handle;
    }

    /**
     * The handle (generation << 32 | slot), with the service thread's index in bits 24-31
     * of the slot word, which slots (at most 1,000,000) never reach: unique in the context.
     */
    @Override public long id() { return handle | ((long) engine.shardIndex << 24); }

    ContextEngine engine() {
        return engine;
    }
    @Override public LwsContext context() { return engine.facade; }
    @Override public Protocol<?> protocol() { return protocol; }
    @Override public boolean isOpen() { return open; }
    @Override public boolean isClient() { return request != null; }
    @Override public @Nullable ClientRequest request() { return request; }
    @Override public @Nullable String subprotocol() { return subprotocol; }
    @Override public Map<String, List<String>> responseHeaders() { return responseHeaders; }
    @Override public String peerAddress() { return peerAddress; }
    @Override public int socketFd() { return socketFd; }

    @Override
    @SuppressWarnings("unchecked")
    public <S> S session() {
        return (S) session;
    }

    @Override
    public boolean sendText(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        return engine.sends.send(this, Abi.SEND_TEXT, b, 0, null, b.length, 0);
    }

    @Override
    public boolean sendText(ByteBuffer utf8) {
        return engine.sends.send(this, Abi.SEND_TEXT, null, 0, utf8, utf8.remaining(), 0);
    }

    @Override
    public boolean sendBinary(byte[] data) {
        return engine.sends.send(this, Abi.SEND_BINARY, data, 0, null, data.length, 0);
    }

    @Override
    public boolean sendBinary(byte[] data, int offset, int length) {
        if (offset < 0 || length < 0 || offset > data.length - length) {
            throw new IndexOutOfBoundsException("offset " + offset + ", length " + length + ", array " + data.length);
        }
        return engine.sends.send(this, Abi.SEND_BINARY, data, offset, null, length, 0);
    }

    @Override
    public boolean sendBinary(ByteBuffer data) {
        return engine.sends.send(this, Abi.SEND_BINARY, null, 0, data, data.remaining(), 0);
    }

    @Override
    public boolean sendFragment(byte[] data, boolean binary, boolean first, boolean last) {
        return engine.sends.send(this, fragmentFlags(binary, first, last), data, 0, null, data.length, 0);
    }

    @Override
    public boolean sendFragment(ByteBuffer data, boolean binary, boolean first, boolean last) {
        return engine.sends.send(this, fragmentFlags(binary, first, last), null, 0, data, data.remaining(), 0);
    }

    private static int fragmentFlags(boolean binary, boolean first, boolean last) {
        int op = first ? (binary ? Abi.SEND_BINARY : Abi.SEND_TEXT) : Abi.SEND_CONTINUATION;
        return last ? op : op | Abi.SEND_NO_FIN;
    }

    @Override
    public boolean ping(byte[] payload) {
        return engine.sends.send(this, Abi.SEND_PING, payload, 0, null, controlLength(payload.length), 0);
    }

    @Override
    public boolean ping(ByteBuffer payload) {
        return engine.sends.send(this, Abi.SEND_PING, null, 0, payload, controlLength(payload.remaining()), 0);
    }

    @Override
    public boolean pong(byte[] payload) {
        return engine.sends.send(this, Abi.SEND_PONG, payload, 0, null, controlLength(payload.length), 0);
    }

    @Override
    public boolean pong(ByteBuffer payload) {
        return engine.sends.send(this, Abi.SEND_PONG, null, 0, payload, controlLength(payload.remaining()), 0);
    }

    private static int controlLength(int n) {
        if (n > 125) {
            throw new IllegalArgumentException("control frame payload is " + n + " bytes; at most 125");
        }
        return n;
    }

    @Override
    public CompletableFuture<Void> sendTextAsync(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        return engine.sends.sendTracked(this, Abi.SEND_TEXT, b, null, b.length);
    }

    @Override
    public CompletableFuture<Void> sendBinaryAsync(byte[] data) {
        return engine.sends.sendTracked(this, Abi.SEND_BINARY, data, null, data.length);
    }

    @Override
    public CompletableFuture<Void> sendBinaryAsync(ByteBuffer data) {
        return engine.sends.sendTracked(this, Abi.SEND_BINARY, null, data, data.remaining());
    }

    @Override
    public void requestWritable() {
        engine.sends.command(this, Abi.CMD_WRITABLE, 0, 0, null);
    }

    @Override
    public void setReceiving(boolean receive) {
        engine.sends.command(this, Abi.CMD_RX_FLOW, 0, receive ? 1 : 0, null);
    }

    @Override
    public long bufferedAmount() {
        return open ? engine.sends.bufferedAmount(this) : 0;
    }

    @Override
    public void close() {
        close(CloseCodes.NORMAL, "");
    }

    @Override
    public void close(int code, String reason) {
        CloseCodes.checkSendable(code);
        byte[] r = reason == null ? new byte[0] : reason.getBytes(StandardCharsets.UTF_8);
        if (r.length > 123) {
            throw new IllegalArgumentException("close reason is " + r.length + " bytes of UTF-8; at most 123 fit");
        }
        if (open) {
            engine.sends.command(this, Abi.CMD_CLOSE, 0, code, r);
        }
    }

    /** Closes at once with a code, dropping what is still queued. */
    void abort(int code, String reason) {
        if (open) {
            engine.sends.command(this, Abi.CMD_CLOSE, Abi.CLOSE_DISCARD, code, reason.getBytes(StandardCharsets.UTF_8));
        }
    }

    @Override
    public String toString() {
        return "Connection[" + protocol.name() + " #" + (handle & 0xffffffffL) + "/" + (handle >>> 32)
                + " " + peerAddress + (open ? "" : " closed") + "]";
    }
}
