package io.lwsj.internal;

import io.lwsj.ClientRequest;
import io.lwsj.CloseCodes;
import io.lwsj.ConnectFailedException;
import io.lwsj.ConnectTimeoutException;
import io.lwsj.ConnectionRefusedException;
import io.lwsj.Handler;
import io.lwsj.LwsException;
import io.lwsj.Protocol;
import io.lwsj.TlsHandshakeException;
import io.lwsj.UnresolvedHostException;
import io.lwsj.UpgradeRefusedException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the events the glue wrote into the event buffer (lwsj.h, "events") and calls
 * the handlers. Runs on the service thread only. Buffers handed to handlers are views
 * of the event buffer, valid during the call.
 */
final class EventDispatcher {
    private static final Logger LOG = LoggerFactory.getLogger(EventDispatcher.class);
    private static final int INITIAL_CAPACITY = 256 * 1024;
    /** A turn that spilled grows the buffer up to this, so that later turns fit (one copy less). */
    private static final int GROWN_CAPACITY = 2 * 1024 * 1024;

    private final ContextEngine engine;
    private final long ctx;
    private final ProtocolTable protocols;
    private final CrossingCounters counters;
    private final NativeConnection[] bySlot;
    /** Members of protocols that asked for the BROADCAST callback; null for the others. */
    private final Set<NativeConnection>[] broadcastMembers;
    private ByteBuffer events;
    private ByteBuffer view;
    private int readPos;
    private byte[] text = new byte[1024];
    private int open;

    @SuppressWarnings("unchecked")
    EventDispatcher(ContextEngine engine, int maxConnections) {
        this.engine = engine;
        this.ctx = engine.nativeContext.handle;
        this.protocols = engine.protocols;
        this.counters = engine.counters;
        this.bySlot = new NativeConnection[maxConnections];
        this.broadcastMembers = new Set[protocols.size()];
        for (int i = 0; i < protocols.size(); i++) {
            if (protocols.at(i).broadcastCallback()) {
                broadcastMembers[i] = new LinkedHashSet<>();
            }
        }
        setBuffer(direct(INITIAL_CAPACITY));
    }

    private static ByteBuffer direct(int n) {
        return ByteBuffer.allocateDirect(n).order(ByteOrder.nativeOrder());
    }

    private void setBuffer(ByteBuffer b) {
        events = b;
        // what handlers see has Java's usual (big-endian) order, like any new ByteBuffer
        view = b.duplicate();
    }

    ByteBuffer buffer() {
        return events;
    }

    int openConnections() {
        return open;
    }

    NativeConnection connection(long handle) {
        NativeConnection c = bySlot[(int) handle];
        return c != null && c.handle() == handle ? c : null;
    }

    /** [service] after lwsj_service returned r: dispatch the rest of the turn's events. */
    void finishTurn(int r) {
        dispatch(events, view, readPos, r & ~Abi.SERVICE_MORE);
        readPos = 0;
        if ((r & Abi.SERVICE_MORE) != 0) {
            takeHeldBack();
        }
    }

    /** [service] before an upcall: dispatch what the glue has written so far. */
    void beforeUpcall(int eventsLen) {
        int end = eventsLen & ~Abi.SERVICE_MORE;
        dispatch(events, view, readPos, end);
        readPos = end;
        if ((eventsLen & Abi.SERVICE_MORE) != 0) {
            // the glue is still writing into the main buffer: take the rest elsewhere
            ByteBuffer side = direct(INITIAL_CAPACITY);
            for (;;) {
                int r = take(side);
                if (r == Abi.ERR_SPACE) {
                    side = direct(side.capacity() * 2);
                    continue;
                }
                dispatch(side, side.duplicate(), 0, r & ~Abi.SERVICE_MORE);
                if ((r & Abi.SERVICE_MORE) == 0) {
                    return;
                }
            }
        }
    }

    private void takeHeldBack() {
        if (events.capacity() < GROWN_CAPACITY) {
            setBuffer(direct(events.capacity() * 2));
        }
        for (;;) {
            int r = take(events);
            if (r == Abi.ERR_SPACE) {
                setBuffer(direct(events.capacity() * 2));
                continue;
            }
            dispatch(events, view, 0, r & ~Abi.SERVICE_MORE);
            if ((r & Abi.SERVICE_MORE) == 0) {
                return;
            }
        }
    }

    private int take(ByteBuffer into) {
        counters.downcall();
        int r = LwsjNative.lwsj_take_pending(ctx, into, 0, into.capacity());
        if (r < 0 && r != Abi.ERR_SPACE) {
            throw new LwsException("lwsj_take_pending: " + Abi.describe(r));
        }
        return r;
    }

    /** [closing thread] the buffer for lwsj_ctx_destroy: room for every CLOSED event. */
    ByteBuffer bufferForDestroy() {
        int need = Math.max(64 * 1024, open * 192 + 4096);
        if (events.capacity() < need) {
            setBuffer(direct(need));
        }
        return events;
    }

    /** [closing thread] after destroy: deliver CLOSED, then mark every connection closed. */
    void finishDestroy(int r) {
        if (r > 0) {
            dispatch(events, view, 0, r);
        }
        for (int i = 0; i < bySlot.length; i++) {
            NativeConnection c = bySlot[i];
            if (c != null) {
                bySlot[i] = null;
                c.open = false;
                c.failUnwritten();
                call(c, () -> handler(c).onClosed(c, c.session, CloseCodes.ABNORMAL, "context closed"));
            }
        }
    }

    void dispatch(ByteBuffer b, ByteBuffer v, int from, int to) {
        int p = from;
        while (p < to) {
            int size = b.getInt(p);
            handle(b, v, p);
            p += size;
        }
    }

    private void handle(ByteBuffer b, ByteBuffer v, int p) {
        counters.event();
        int type = b.getShort(p + 4);
        int flags = b.getShort(p + 6);
        long handle = b.getLong(p + 8);
        int protocol = b.getInt(p + 16);
        int len = b.getInt(p + 20);
        long x = b.getLong(p + 24);
        int data = p + Abi.EV_HEADER_SIZE;
        if (type == Abi.EV_ESTABLISHED) {
            established(handle, protocol, string(b, data, len), (int) x);
            return;
        }
        if (type == Abi.EV_CLIENT_ESTABLISHED) {
            clientEstablished(handle, protocol, x, b, data, len);
            return;
        }
        if (type == Abi.EV_CLIENT_ERROR) {
            clientError(x, flags, protocol, string(b, data, len));
            return;
        }
        if (type == Abi.EV_BROADCAST) {
            broadcast(protocol, b, v, data, len, (flags & Abi.EVF_BINARY) != 0);
            return;
        }
        NativeConnection c = connection(handle);
        if (c == null) {
            return;
        }
        if (type == Abi.EV_SENT) {
            c.written((int) x);
            return;
        }
        Handler<Object> h = handler(c);
        try {
            switch (type) {
                case Abi.EV_MESSAGE:
                    if ((flags & Abi.EVF_BINARY) != 0) {
                        h.onBinary(c, c.session, slice(v, data, len));
                    } else {
                        h.onTextBytes(c, c.session, slice(v, data, len));
                    }
                    break;
                case Abi.EV_FRAGMENT:
                    h.onFragment(c, c.session, slice(v, data, len), (flags & Abi.EVF_BINARY) != 0,
                            (flags & Abi.EVF_FIRST) != 0, (flags & Abi.EVF_FINAL) != 0, x);
                    break;
                case Abi.EV_PONG:
                    h.onPong(c, c.session, slice(v, data, len));
                    break;
                case Abi.EV_WRITEABLE:
                    h.onWritable(c, c.session);
                    break;
                case Abi.EV_CLOSED:
                    closed(c, (int) x, string(b, data, len));
                    break;
                default:
                    LOG.warn("unknown event type {}", type);
            }
        } catch (RuntimeException | LinkageError | AssertionError e) {
            failed(c, e);
        }
    }

    private void established(long handle, int protocol, String peer, int fd) {
        register(new NativeConnection(engine, handle, protocol, peer, fd, null, null, Map.of()));
    }

    private void clientEstablished(long handle, int protocol, long request, ByteBuffer b, int data, int len) {
        ClientConnects.Pending pending = engine.connects.take(request);
        if (pending == null) {
            return;
        }
        byte[] raw = new byte[len];
        b.get(data, raw, 0, len);
        RequestBlob.ClientResponse response = RequestBlob.parseResponse(raw);
        NativeConnection c = new NativeConnection(engine, handle, protocol, response.peer(),
                response.fd(), pending.request, response.subprotocol(), response.headers());
        register(c);
        pending.future.complete(c);
    }

    private void clientError(long request, int kind, int status, String reason) {
        ClientConnects.Pending pending = engine.connects.take(request);
        if (pending == null) {
            return;
        }
        try {
            pending.protocol.handler().onConnectionError(pending.request, reason);
        } catch (RuntimeException | LinkageError | AssertionError e) {
            LOG.error("onConnectionError of protocol '{}' failed", pending.protocol.name(), e);
        }
        pending.future.completeExceptionally(connectFailure(pending.request, kind, status,
                "cannot connect to " + pending.request + ": " + reason));
    }

    /** The exception of a failed connect, by the glue's LWSJ_CONNERR_* kind. */
    static ConnectFailedException connectFailure(ClientRequest request, int kind, int status, String message) {
        switch (kind) {
            case Abi.CONNERR_REFUSED: return new ConnectionRefusedException(request, message);
            case Abi.CONNERR_UNRESOLVED: return new UnresolvedHostException(request, message);
            case Abi.CONNERR_TLS: return new TlsHandshakeException(request, message);
            case Abi.CONNERR_HTTP: return new UpgradeRefusedException(request, status, message);
            case Abi.CONNERR_TIMEOUT: return new ConnectTimeoutException(request, message);
            default: return new ConnectFailedException(request, message);
        }
    }

    private void register(NativeConnection c) {
        Protocol<?> p = c.protocol();
        bySlot[c.slot()] = c;
        open++;
        if (broadcastMembers[c.protocolIndex] != null) {
            broadcastMembers[c.protocolIndex].add(c);
        }
        try {
            c.session = p.sessionFactory().apply(c);
            handler(c).onEstablished(c, c.session);
        } catch (RuntimeException | LinkageError | AssertionError e) {
            failed(c, e);
        }
    }

    private void closed(NativeConnection c, int code, String reason) {
        bySlot[c.slot()] = null;
        open--;
        c.open = false;
        c.failUnwritten();
        Set<NativeConnection> members = broadcastMembers[c.protocolIndex];
        if (members != null) {
            members.remove(c);
        }
        handler(c).onClosed(c, c.session, code, reason);
    }

    private void broadcast(int protocol, ByteBuffer b, ByteBuffer v, int data, int len, boolean binary) {
        Set<NativeConnection> members = broadcastMembers[protocol];
        if (members == null) {
            return;
        }
        for (NativeConnection c : members.toArray(new NativeConnection[0])) {
            call(c, () -> handler(c).onBroadcast(c, c.session, slice(v, data, len), binary));
        }
    }

    private void call(NativeConnection c, Runnable r) {
        try {
            r.run();
        } catch (RuntimeException | LinkageError | AssertionError e) {
            failed(c, e);
        }
    }

    /** A failure stays contained: log, close that connection with 1011, go on. */
    private void failed(NativeConnection c, Throwable e) {
        LOG.error("handler of protocol '{}' failed on {}; closing it with 1011", c.protocol().name(), c, e);
        if (c.open) {
            try {
                c.close(CloseCodes.INTERNAL_ERROR, "handler failed");
            } catch (RuntimeException closeFailed) {
                e.addSuppressed(closeFailed);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Handler<Object> handler(NativeConnection c) {
        return (Handler<Object>) c.protocol().handler();
    }

    private static ByteBuffer slice(ByteBuffer v, int at, int len) {
        v.clear();
        v.position(at);
        v.limit(at + len);
        return v;
    }

    private String string(ByteBuffer b, int at, int len) {
        if (len == 0) {
            return "";
        }
        if (text.length < len) {
            text = new byte[Math.max(len, text.length * 2)];
        }
        b.get(at, text, 0, len);
        return new String(text, 0, len, StandardCharsets.UTF_8);
    }
}
