package io.lwsj;

import io.lwsj.internal.Abi;
import io.lwsj.internal.LwsjNative;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A libwebsockets context: a listening server with its protocols (libwebsocket_create_server).
 * It is serviced either by its own background thread ({@link #start()}) or by the
 * caller's loop ({@link #service(int)}), never both. {@link #close()} closes every
 * connection (each handler sees CLOSED) and frees everything
 * (libwebsocket_context_destroy).
 */
public final class LwsContext implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();
    private static final VarHandle SLOT_LONGS =
            MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());

    private final long ctx;
    private final Protocol<?>[] protocols;
    private final Map<String, Integer> protocolIndex = new HashMap<>();
    private final Map<String, Integer> pathIndex = new HashMap<>();
    private final Counters counters = new Counters();
    private final Submissions submissions;
    private final EventDispatcher dispatcher;
    private final HttpAnswers http;
    private final NativeState nativeState;
    private final Cleaner.Cleanable cleanable;
    private final int port;
    /** Serviced by the application's poll loop through serviceFd, never by start() or service(). */
    private final boolean externalPoll;
    private final ReentrantLock serviceLock = new ReentrantLock();
    private final Object lifecycle = new Object();
    private volatile Thread owner;
    private volatile boolean stopRequested;
    private volatile boolean closed;
    private Thread background;
    private final AtomicLong nextRequest = new AtomicLong(1);
    private final Map<Long, PendingConnect> pendingConnects = new ConcurrentHashMap<>();
    private final ExtensionStates extensions = new ExtensionStates();

    private LwsContext(Builder b) {
        Lws.init();
        this.externalPoll = b.externalPoll;
        this.protocols = b.protocols.toArray(new Protocol<?>[0]);
        for (int i = 0; i < protocols.length; i++) {
            protocolIndex.put(protocols[i].name(), i);
            if (protocols[i].path() != null) {
                pathIndex.put(protocols[i].path(), i);
            }
        }
        ByteBuffer slots = ByteBuffer.allocateDirect(b.maxConnections * Abi.SLOT_SIZE).order(ByteOrder.nativeOrder());
        Upcalls upcalls = new Upcalls(this);
        long h = LwsjNative.lwsj_ctx_new(upcalls);
        if (h == 0) {
            throw new LwsException("cannot create a context: " + LwsjNative.lwsj_last_error());
        }
        this.ctx = h;
        this.nativeState = new NativeState(h, slots, upcalls);
        boolean ok = false;
        try {
            for (Protocol<?> p : protocols) {
                int flags = (p.receiveFragments() ? Abi.PROTO_FRAGMENTS : 0)
                        | (p.broadcastCallback() ? Abi.PROTO_BROADCAST_CB : 0)
                        | (overrides(p.handler(), "confirmExtension", String.class, ClientRequest.class)
                                ? Abi.PROTO_EXT_UPCALL : 0);
                check(LwsjNative.lwsj_ctx_add_protocol(h, p.name(), flags, p.receiveBufferSize(),
                        p.maxMessageSize(), p.maxQueuedBytes(), overflowPolicy(p.overflow()), p.overflowCloseCode()),
                        "add protocol " + p.name());
            }
            checkArg(LwsjNative.lwsj_ctx_set_limits(h, b.maxHeaderBytes, (int) b.handshakeTimeout.toSeconds(),
                    (int) b.pingInterval.toSeconds(), (int) b.idleTimeout.toSeconds(), b.maxCrossThreadQueueBytes,
                    b.maxHttpBodyBytes));
            for (Extension<?> e : b.extensions) {
                int index = LwsjNative.lwsj_ctx_add_extension(h, e.name(), e.clientOffer());
                if (index < 0) {
                    throw new IllegalArgumentException("extension " + e.name() + ": " + LwsjNative.lwsj_last_error());
                }
                extensions.register(index, e);
            }
            if (b.deflate != null) {
                checkArg(LwsjNative.lwsj_ctx_set_deflate(h, b.deflate.clientOffer()));
            }
            if (b.tlsCertificate != null) {
                checkArg(LwsjNative.lwsj_ctx_set_tls(h, b.tlsCertificate.toString(), b.tlsPrivateKey.toString(),
                        b.tlsKeyPassword, b.tlsClientCa == null ? null : b.tlsClientCa.toString(),
                        b.requireClientCertificate ? Abi.TLS_REQUIRE_CLIENT_CERT : 0));
            }
            if (b.clientTrust != null || b.clientCertificate != null) {
                checkArg(LwsjNative.lwsj_ctx_set_client_tls(h, pathOrNull(b.clientTrust), pathOrNull(b.clientCertificate),
                        pathOrNull(b.clientPrivateKey), b.clientKeyPassword));
            }
            int r = LwsjNative.lwsj_ctx_listen(h, b.bindAddress, b.listen ? b.port : -1,
                    (b.validateUtf8 ? 0 : Abi.OPT_NO_VALIDATE_UTF8) | (b.externalPoll ? Abi.OPT_EXTERNAL_POLL : 0),
                    b.maxConnections, slots);
            if (r != Abi.OK) {
                throw new LwsException("cannot listen on " + (b.bindAddress == null ? "*" : b.bindAddress) + ":"
                        + b.port + ": " + LwsjNative.lwsj_last_error());
            }
            this.port = LwsjNative.lwsj_ctx_port(h);
            ok = true;
        } finally {
            if (!ok) {
                nativeState.run();
            }
        }
        this.submissions = new Submissions(h, counters);
        this.dispatcher = new EventDispatcher(this, h, protocols, b.maxConnections, counters);
        this.http = new HttpAnswers(h, protocols[0], b.documentRoot, counters);
        this.cleanable = CLEANER.register(this, nativeState);
    }

    private static String pathOrNull(Path p) {
        return p == null ? null : p.toString();
    }

    /** Settings the glue refused (TLS files): the glue's message names the file. */
    private static int overflowPolicy(Overflow o) {
        switch (o) {
            case DROP: return Abi.OVERFLOW_DROP;
            case CLOSE: return Abi.OVERFLOW_CLOSE;
            default: return Abi.OVERFLOW_REFUSE;
        }
    }

    private static void checkArg(int r) {
        if (r != Abi.OK) {
            throw new IllegalArgumentException(LwsjNative.lwsj_last_error());
        }
    }

    private static void check(int r, String what) {
        if (r != Abi.OK) {
            throw new LwsException(what + ": " + Abi.describe(r) + " " + LwsjNative.lwsj_last_error());
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The port the context listens on (the one the kernel chose for port 0); -1 without a listener. */
    public int port() {
        return port;
    }

    // ---- clients --------------------------------------------------------------

    /**
     * libwebsocket_client_connect: opens a client connection, from any thread. The
     * request's protocol (default: the first) gets the callbacks: onEstablished, or
     * onConnectionError with the reason. The future completes after onEstablished, on
     * the service thread; it fails with a {@link ConnectFailedException} whose type says
     * why (refused, unresolved host, TLS, the HTTP status of a refused upgrade, timed out).
     */
    public CompletableFuture<Connection> connect(ClientRequest request) {
        Objects.requireNonNull(request, "request");
        int index = request.protocol() == null ? 0 : (int) indexOf(request.protocol());
        Protocol<?> p = protocols[index];
        if (closed) {
            throw new IllegalStateException("context is closed");
        }
        long id = nextRequest.getAndIncrement();
        PendingConnect pending = new PendingConnect(request, p);
        pendingConnects.put(id, pending);
        int flags = (request.tls() ? Abi.CONNECT_TLS : 0)
                | (request.insecureSkipTlsVerification() ? Abi.CONNECT_TLS_INSECURE : 0)
                | (overrides(p.handler(), "clientHandshakeHeaders", ClientRequest.class) ? Abi.CONNECT_HEADER_UPCALL : 0);
        byte[] blob = ConnectBlob.encode(request, index, flags);
        int r = onServiceThread()
                ? submissions.onServiceThread(Abi.CMD_CONNECT, 0, id, 0, blob, 0, null, blob.length)
                : submissions.fromOtherThread(Abi.CMD_CONNECT, 0, id, 0, blob, 0, null, blob.length);
        if (r != Abi.OK) {
            pendingConnects.remove(id);
            pending.future.completeExceptionally(refusal(r));
        }
        return pending.future;
    }

    static boolean overrides(Object handler, String method, Class<?>... params) {
        try {
            return handler.getClass().getMethod(method, params).getDeclaringClass() != Handler.class;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    /** [service] the pending connect of a request id, removed. */
    PendingConnect takePending(long id) {
        return pendingConnects.remove(id);
    }

    /** [service] a pending connect, left in place. */
    PendingConnect pending(long id) {
        return pendingConnects.get(id);
    }

    static final class PendingConnect {
        final ClientRequest request;
        final Protocol<?> protocol;
        final CompletableFuture<Connection> future = new CompletableFuture<>();

        PendingConnect(ClientRequest request, Protocol<?> protocol) {
            this.request = request;
            this.protocol = protocol;
        }
    }

    /** libwebsocket_canonical_hostname: this host's name as libwebsockets sees it. */
    public String canonicalHostname() {
        byte[] out = new byte[256];
        int n = LwsjNative.lwsj_ctx_hostname(ctx, out, out.length);
        if (n < 0) {
            throw new IllegalStateException("context is closed");
        }
        return new String(out, 0, n, StandardCharsets.UTF_8);
    }

    /** The crossing counters of this context (DESIGN invariant 3). */
    public Counters counters() {
        return counters;
    }

    public boolean isOpen() {
        return !closed;
    }

    /** The protocols, in order; the first one sees HTTP. */
    public List<Protocol<?>> protocols() {
        return List.of(protocols);
    }

    /** Starts the background service thread. */
    public LwsContext start() {
        synchronized (lifecycle) {
            if (closed) {
                throw new IllegalStateException("context is closed");
            }
            if (background != null) {
                throw new IllegalStateException("already started");
            }
            if (externalPoll) {
                throw new IllegalStateException("an externalPoll context is serviced by serviceFd(), not start()");
            }
            if (serviceLock.isLocked()) {
                throw new IllegalStateException("a thread is servicing this context with service()");
            }
            background = new Thread(this::runBackground, "lwsj-service-" + port);
            owner = background;
            background.start();
        }
        return this;
    }

    private void runBackground() {
        serviceLock.lock();
        try {
            while (!stopRequested) {
                try {
                    turn(-1);
                } catch (RuntimeException e) {
                    // DESIGN invariant 6: the service thread goes on
                    org.slf4j.LoggerFactory.getLogger(LwsContext.class).error("service turn failed", e);
                }
            }
            destroy();
        } finally {
            serviceLock.unlock();
        }
    }

    /**
     * libwebsocket_service: services pending traffic once, waiting at most timeoutMs for
     * something to happen (0: do not wait). For applications with their own loop;
     * not allowed once {@link #start()} was called, nor for an
     * {@link Builder#externalPoll} context (that one is serviced by {@link #serviceFd}).
     * Handlers run inside this call.
     */
    public void service(int timeoutMs) {
        if (timeoutMs < 0) {
            throw new IllegalArgumentException("timeoutMs must be >= 0, got " + timeoutMs);
        }
        if (externalPoll) {
            throw new IllegalStateException("an externalPoll context is serviced by serviceFd(), not service()");
        }
        onCallersThread("service()", () -> turn(timeoutMs));
    }

    /** Runs one turn on the calling thread, which becomes the service thread meanwhile. */
    private void onCallersThread(String what, Runnable oneTurn) {
        if (background != null) {
            throw new IllegalStateException("this context has a background service thread (start() was called)");
        }
        if (serviceLock.isHeldByCurrentThread()) {
            throw new IllegalStateException(what + " called from inside a handler");
        }
        serviceLock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("context is closed");
            }
            owner = Thread.currentThread();
            oneTurn.run();
            if (stopRequested) {
                destroy();
            }
        } finally {
            serviceLock.unlock();
        }
    }

    /**
     * For contexts under an external poll loop ({@link Builder#externalPoll}): services
     * fd, which your poll found ready with these poll(2) revents, and whatever timers
     * are due (fd -1: only those). Handlers run inside this call. Call it at least every
     * second or so even when nothing is ready, for timeouts.
     */
    public void serviceFd(int fd, int revents) {
        onCallersThread("serviceFd()", () -> {
            ByteBuffer events = dispatcher.buffer();
            int n = submissions.takeLength();
            counters.downcall();
            finishTurn(LwsjNative.lwsj_service_fd(ctx, fd, revents, submissions.buffer(), n, events,
                    events.capacity()));
        });
    }

    private void turn(int timeoutMs) {
        ByteBuffer events = dispatcher.buffer();
        int n = submissions.takeLength();
        counters.downcall();
        int r = LwsjNative.lwsj_service(ctx, timeoutMs, submissions.buffer(), n, events, events.capacity());
        finishTurn(r);
    }

    private void finishTurn(int r) {
        if (r < 0) {
            throw new LwsException("lwsj_service: " + Abi.describe(r) + " " + LwsjNative.lwsj_last_error());
        }
        dispatcher.finishTurn(r);
    }

    /**
     * Closes every connection and frees the context; idempotent. From a handler, the
     * context closes when the handler returns.
     */
    @Override
    public void close() {
        Thread bg;
        synchronized (lifecycle) {
            if (closed || stopRequested) {
                return;
            }
            stopRequested = true;
            bg = background;
        }
        Thread me = Thread.currentThread();
        if (bg != null) {
            if (me == bg) {
                return; // the loop destroys once the handler returns
            }
            LwsjNative.lwsj_wake(ctx);
            joinQuietly(bg);
            return;
        }
        if (serviceLock.isHeldByCurrentThread()) {
            return; // inside service(): it destroys before returning
        }
        LwsjNative.lwsj_wake(ctx);
        serviceLock.lock();
        try {
            if (!closed) {
                owner = me;
                destroy();
            }
        } finally {
            serviceLock.unlock();
        }
    }

    private static void joinQuietly(Thread t) {
        boolean interrupted = false;
        while (t.isAlive()) {
            try {
                t.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** [service thread, holding serviceLock] */
    private void destroy() {
        closed = true;
        ByteBuffer buf = dispatcher.bufferForDestroy();
        int r = nativeState.destroy(buf);
        cleanable.clean(); // already destroyed: only unregisters
        dispatcher.finishDestroy(r);
        for (PendingConnect p : pendingConnects.values()) {
            p.future.completeExceptionally(new IllegalStateException("context closed before " + p.request + " connected"));
        }
        pendingConnects.clear();
    }

    // ---- used by Connection -------------------------------------------------

    boolean onServiceThread() {
        return Thread.currentThread() == owner && serviceLock.isHeldByCurrentThread();
    }

    boolean send(Connection c, int flags, byte[] array, int off, ByteBuffer data, int n) {
        Objects.requireNonNull(array == null ? data : array, "data");
        if (!c.open) {
            throw new ConnectionClosedException(c + " is closed");
        }
        Protocol<?> p = c.protocol();
        if (onServiceThread()) {
            long cost = (long) n + Abi.FRAME_OVERHEAD;
            long epoch = submissions.epoch();
            long mine = c.epoch == epoch ? c.submitted : 0;
            long already = queued(c) + pending(c) + mine;
            // the same high-water rule as the glue's lwsj_over_bound (lwsj_submit, broadcast)
            if (already > 0 && already + cost > p.maxQueuedBytes()) {
                overflow(c);
                return false;
            }
            c.epoch = epoch;
            c.submitted = mine + cost;
            submissions.onServiceThread(Abi.CMD_SEND, flags, c.handle(), 0, array, off, data, n);
            return true;
        }
        int r = submissions.fromOtherThread(Abi.CMD_SEND, flags, c.handle(), 0, array, off, data, n);
        switch (r) {
            case Abi.OK:
                return true;
            case Abi.ERR_FULL:
                overflow(c);
                return false;
            case Abi.ERR_BUSY: // the context is saturated: refused like a full queue
                return false;
            case Abi.ERR_STALE:
                throw new ConnectionClosedException(c + " is closed");
            default:
                throw new LwsException("send on " + c + " failed: " + Abi.describe(r));
        }
    }

    private void overflow(Connection c) {
        if (c.protocol().overflow() == Overflow.CLOSE) {
            c.abort(c.protocol().overflowCloseCode(), "send queue full");
        }
    }

    void command(Connection c, int op, int flags, int aux, byte[] payload) {
        if (!c.open) {
            if (op == Abi.CMD_CLOSE) {
                return;
            }
            throw new ConnectionClosedException(c + " is closed");
        }
        int n = payload == null ? 0 : payload.length;
        int r = onServiceThread()
                ? submissions.onServiceThread(op, flags, c.handle(), aux, payload, 0, null, n)
                : submissions.fromOtherThread(op, flags, c.handle(), aux, payload, 0, null, n);
        if (r == Abi.ERR_STALE && op != Abi.CMD_CLOSE) {
            throw new ConnectionClosedException(c + " is closed");
        }
        refusedUnlessOk(r);
    }

    /** Throws what a status of lwsj_submit other than OK and STALE means. */
    private static void refusedUnlessOk(int r) {
        if (r != Abi.OK && r != Abi.ERR_STALE) {
            throw refusal(r);
        }
    }

    /** The exception a refused submission means, by lwsj_submit's status. */
    private static RuntimeException refusal(int r) {
        switch (r) {
            case Abi.ERR_BUSY: return new ContextSaturatedException(LwsjNative.lwsj_last_error());
            case Abi.ERR_STALE: return new IllegalStateException("context is closed");
            default: return new LwsException("the service thread's queue refused the call: " + Abi.describe(r));
        }
    }

    long bufferedAmount(Connection c) {
        long b = queued(c) + pending(c);
        if (onServiceThread() && c.epoch == submissions.epoch()) {
            b += c.submitted;
        }
        return b;
    }

    private long queued(Connection c) {
        return (long) SLOT_LONGS.getAcquire(nativeState.slots, c.slot() * Abi.SLOT_SIZE);
    }

    private long pending(Connection c) {
        return (long) SLOT_LONGS.getAcquire(nativeState.slots, c.slot() * Abi.SLOT_SIZE + 8);
    }

    // ---- broadcast ----------------------------------------------------------

    /** libwebsockets_broadcast: a text message to every connection of a protocol, from any thread. */
    public void broadcast(String protocol, String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        broadcast(protocol, Abi.SEND_TEXT, b, null, b.length);
    }

    /** libwebsockets_broadcast: a binary message to every connection of a protocol, from any thread. */
    public void broadcast(String protocol, byte[] data) {
        broadcast(protocol, Abi.SEND_BINARY, data, null, data.length);
    }

    /** As {@link #broadcast(String, byte[])} with data's remaining bytes (position not moved). */
    public void broadcast(String protocol, ByteBuffer data) {
        broadcast(protocol, Abi.SEND_BINARY, null, data, data.remaining());
    }

    private void broadcast(String protocol, int flags, byte[] array, ByteBuffer data, int n) {
        long index = indexOf(protocol);
        int r = onServiceThread()
                ? submissions.onServiceThread(Abi.CMD_BROADCAST, flags, index, 0, array, 0, data, n)
                : submissions.fromOtherThread(Abi.CMD_BROADCAST, flags, index, 0, array, 0, data, n);
        if (r == Abi.ERR_STALE) {
            throw new IllegalStateException("context is closed");
        }
        refusedUnlessOk(r);
    }

    /** libwebsocket_callback_on_writable_all_protocol: every connection of the protocol gets onWritable. */
    public void requestWritableAll(String protocol) {
        long index = indexOf(protocol);
        int r = onServiceThread()
                ? submissions.onServiceThread(Abi.CMD_WRITABLE_ALL, 0, index, 0, null, 0, null, 0)
                : submissions.fromOtherThread(Abi.CMD_WRITABLE_ALL, 0, index, 0, null, 0, null, 0);
        if (r == Abi.ERR_STALE) {
            throw new IllegalStateException("context is closed");
        }
        refusedUnlessOk(r);
    }

    private long indexOf(String protocol) {
        Integer i = protocolIndex.get(protocol);
        if (i == null) {
            throw new IllegalArgumentException("no protocol named '" + protocol + "' in this context; it has "
                    + protocolIndex.keySet());
        }
        if (closed) {
            throw new IllegalStateException("context is closed");
        }
        return i;
    }

    // ---- used by Upcalls ----------------------------------------------------

    /** The glue's handle of this context. */
    long nativeHandle() {
        return ctx;
    }

    EventDispatcher dispatcher() {
        return dispatcher;
    }

    HttpAnswers http() {
        return http;
    }

    ExtensionStates extensions() {
        return extensions;
    }

    Protocol<?> protocolAt(int i) {
        return protocols[i];
    }

    /** The protocol that serves a URL path ({@link Protocol.Builder#path}), or -1. */
    boolean hasProtocol(String name) {
        return protocolIndex.containsKey(name);
    }

    int protocolForPath(String path) {
        Integer i = pathIndex.get(path);
        return i == null ? -1 : i;
    }

    /**
     * What C holds on to: the context handle, the slot table it writes, and the upcall
     * object it calls. Destroyed exactly once, by close() or, for a context that was
     * dropped without close(), by the Cleaner.
     */
    private static final class NativeState implements Runnable {
        private final long ctx;
        final ByteBuffer slots;
        @SuppressWarnings("unused") // strongly held while C may call it
        private final Upcalls upcalls;
        private boolean destroyed;

        NativeState(long ctx, ByteBuffer slots, Upcalls upcalls) {
            this.ctx = ctx;
            this.slots = slots;
            this.upcalls = upcalls;
        }

        synchronized int destroy(ByteBuffer events) {
            if (destroyed) {
                return 0;
            }
            destroyed = true;
            return LwsjNative.lwsj_ctx_destroy(ctx, events, events.capacity());
        }

        @Override
        public void run() {
            destroy(ByteBuffer.allocateDirect(64 * 1024).order(ByteOrder.nativeOrder()));
        }
    }

    /** Builds an {@link LwsContext}; arguments are checked before any native call. */
    public static final class Builder {
        private int port = 0;
        private String bindAddress;
        private final List<Protocol<?>> protocols = new ArrayList<>();
        private Path documentRoot;
        private int maxConnections = 4096;
        private boolean validateUtf8 = true;
        private boolean listen = true;
        private Path tlsCertificate;
        private Path tlsPrivateKey;
        private String tlsKeyPassword;
        private Path tlsClientCa;
        private boolean requireClientCertificate;
        private Path clientTrust;
        private Path clientCertificate;
        private Path clientPrivateKey;
        private String clientKeyPassword;
        private PermessageDeflate deflate;
        private boolean externalPoll;
        private final List<Extension<?>> extensions = new ArrayList<>();
        private int maxHeaderBytes = 8192;
        private java.time.Duration handshakeTimeout = java.time.Duration.ofSeconds(10);
        private java.time.Duration pingInterval = java.time.Duration.ZERO;
        private java.time.Duration idleTimeout = java.time.Duration.ZERO;
        private long maxCrossThreadQueueBytes = Abi.FOREIGN_BYTES_DEFAULT;
        private long maxHttpBodyBytes = Abi.HTTP_BODY_DEFAULT;

        private Builder() {}

        /**
         * The largest HTTP request body the first protocol's {@link Handler#onHttp} is given
         * ({@link LwsRequest#body()}; default 1 MiB, 0 takes none). A request that announces
         * a larger Content-Length is answered 413 and its connection closed; one with a body
         * reaches onHttp once the body has arrived whole.
         */
        public Builder maxHttpBodyBytes(long bytes) {
            if (bytes < 0 || bytes > Integer.MAX_VALUE - 64) {
                throw new IllegalArgumentException("maxHttpBodyBytes must be 0.." + (Integer.MAX_VALUE - 64) + ", got " + bytes);
            }
            this.maxHttpBodyBytes = bytes;
            return this;
        }

        /**
         * The bound on what other threads may have queued for the service thread and not
         * yet run (sends, broadcasts, connects, requests for writable; default 64 MiB, at
         * least 4096). Past it, a call from another thread is refused at once: a send
         * returns false, a connect's future fails, and broadcast, requestWritable,
         * requestWritableAll and setReceiving throw {@link ContextSaturatedException}.
         * A close is never refused. Calls made on the service thread are not counted.
         */
        public Builder maxCrossThreadQueueBytes(long bytes) {
            if (bytes < 4096) {
                throw new IllegalArgumentException("maxCrossThreadQueueBytes must be at least 4096, got " + bytes);
            }
            this.maxCrossThreadQueueBytes = bytes;
            return this;
        }

        /** The most bytes of request headers a connection may send (1024..65535; default 8192). */
        public Builder maxHeaderBytes(int bytes) {
            if (bytes < 1024 || bytes > 65535) {
                throw new IllegalArgumentException("maxHeaderBytes must be 1024..65535, got " + bytes);
            }
            this.maxHeaderBytes = bytes;
            return this;
        }

        /**
         * How long a handshake (and other round trips: the close handshake, a keepalive
         * pong) may take, and how long a connection may sit on a half-sent request;
         * whole seconds, default 10.
         */
        public Builder handshakeTimeout(java.time.Duration d) {
            if (d == null || d.toSeconds() < 1 || d.toSeconds() > 3600) {
                throw new IllegalArgumentException("handshakeTimeout must be 1 s .. 1 h, got " + d);
            }
            this.handshakeTimeout = d;
            return this;
        }

        /**
         * Keepalive: after pingInterval without a pong the connection is pinged; after
         * idleTimeout without one it is dropped (libwebsockets counts pongs as proof of
         * life, not data). Whole seconds, up to 65535, both set (the ping first) or both
         * zero. Without this, libwebsockets' own policy applies: a ping after 300 s, and
         * a hang-up 10 s later without a pong.
         */
        public Builder keepalive(java.time.Duration pingInterval, java.time.Duration idleTimeout) {
            long p = pingInterval.toSeconds();
            long i = idleTimeout.toSeconds();
            if (p < 0 || i < 0 || p > 65535 || i > 65535 || (p == 0) != (i == 0) || (p > 0 && p >= i)
                    || pingInterval.toNanos() % 1_000_000_000L != 0 || idleTimeout.toNanos() % 1_000_000_000L != 0) {
                throw new IllegalArgumentException("keepalive wants whole seconds 0..65535, both zero or the ping"
                        + " interval below the idle timeout; got " + pingInterval + ", " + idleTimeout);
            }
            this.pingInterval = pingInterval;
            this.idleTimeout = idleTimeout;
            return this;
        }

        /**
         * Run under the application's own poll loop: the first protocol's handler is told
         * which fds to watch (onAddPollFd, onDelPollFd, onChangeModePollFd) and the loop
         * calls {@link LwsContext#serviceFd} when one is ready. Such a context has no loop
         * of its own: {@link LwsContext#start()} and {@link LwsContext#service} refuse it.
         */
        public Builder externalPoll(boolean on) {
            this.externalPoll = on;
            return this;
        }

        /** Adds a user-defined extension (see {@link Extension} for what libwebsockets 4.3 allows). */
        public Builder extension(Extension<?> extension) {
            Objects.requireNonNull(extension, "extension");
            String n = extension.name();
            if (n == null || n.isEmpty() || n.length() > 63 || n.equals("permessage-deflate")
                    || n.chars().anyMatch(ch -> ch <= 0x20 || ch >= 0x7f || ch == ',' || ch == ';')) {
                throw new IllegalArgumentException("bad extension name: " + n);
            }
            for (Extension<?> e : extensions) {
                if (e.name().equals(n)) {
                    throw new IllegalArgumentException("extension " + n + " added twice");
                }
            }
            extensions.add(extension);
            return this;
        }

        /** Offer (clients) and accept (server) permessage-deflate compression. */
        public Builder permessageDeflate(PermessageDeflate settings) {
            this.deflate = Objects.requireNonNull(settings, "settings");
            return this;
        }

        private static Path readable(String what, Path p) {
            Objects.requireNonNull(p, what);
            if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
                throw new IllegalArgumentException(what + " is not a readable file: " + p);
            }
            return p.toAbsolutePath();
        }

        /**
         * Serve TLS on the listening port (wss:// and https://): a PEM certificate (or
         * chain) and its PEM private key.
         */
        public Builder tls(Path certificate, Path privateKey) {
            this.tlsCertificate = readable("TLS certificate", certificate);
            this.tlsPrivateKey = readable("TLS private key", privateKey);
            return this;
        }

        /** The password of an encrypted private key given to {@link #tls}. */
        public Builder tlsKeyPassword(String password) {
            this.tlsKeyPassword = Objects.requireNonNull(password, "password");
            return this;
        }

        /**
         * Ask clients for certificates that chain to the CAs in this PEM file; with
         * require, refuse clients without a valid one
         * (LWS_SERVER_OPTION_REQUIRE_VALID_OPENSSL_CLIENT_CERT).
         */
        public Builder tlsClientCertificates(Path caFile, boolean require) {
            this.tlsClientCa = readable("client CA file", caFile);
            this.requireClientCertificate = require;
            return this;
        }

        /** For client connections: trust the CAs in this PEM file instead of the system's. */
        public Builder clientTrust(Path caFile) {
            this.clientTrust = readable("client trust CA file", caFile);
            return this;
        }

        /** For client connections: present this certificate (password null when the key is plain). */
        public Builder clientCertificate(Path certificate, Path privateKey, String keyPassword) {
            this.clientCertificate = readable("client certificate", certificate);
            this.clientPrivateKey = readable("client private key", privateKey);
            this.clientKeyPassword = keyPassword;
            return this;
        }

        /** false: no listening socket, a context for client connections only. */
        public Builder listen(boolean on) {
            this.listen = on;
            return this;
        }

        /** The port to listen on; 0 lets the kernel choose (read it back with {@link #port()}). */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0..65535, got " + port);
            }
            this.port = port;
            return this;
        }

        /** The address or interface to bind to (the classic "interface"); null binds to all. */
        public Builder bindAddress(String address) {
            if (address != null && address.isBlank()) {
                throw new IllegalArgumentException("bind address must not be blank");
            }
            this.bindAddress = address;
            return this;
        }

        /** Adds a protocol; the first one added also sees HTTP requests. */
        public Builder protocol(Protocol<?> protocol) {
            Objects.requireNonNull(protocol, "protocol");
            for (Protocol<?> p : protocols) {
                if (p.name().equals(protocol.name())) {
                    throw new IllegalArgumentException("duplicate protocol name '" + protocol.name() + "'");
                }
                if (p.path() != null && p.path().equals(protocol.path())) {
                    throw new IllegalArgumentException("protocols '" + p.name() + "' and '" + protocol.name()
                            + "' both claim path " + p.path());
                }
            }
            protocols.add(protocol);
            return this;
        }

        /** The directory that {@link LwsResponse#file} paths are relative to. */
        public Builder documentRoot(Path dir) {
            Objects.requireNonNull(dir, "dir");
            if (!Files.isDirectory(dir)) {
                throw new IllegalArgumentException("document root is not a directory: " + dir);
            }
            try {
                this.documentRoot = dir.toRealPath();
            } catch (IOException e) {
                throw new IllegalArgumentException("document root cannot be resolved: " + dir, e);
            }
            return this;
        }

        /** The most connections at once; more are refused. */
        public Builder maxConnections(int n) {
            if (n < 1 || n > 1_000_000) {
                throw new IllegalArgumentException("maxConnections must be 1..1000000, got " + n);
            }
            this.maxConnections = n;
            return this;
        }

        /** Close connections that send invalid UTF-8 in text frames (1007); on by default. */
        public Builder validateUtf8(boolean on) {
            this.validateUtf8 = on;
            return this;
        }

        /** Creates the context and starts listening. */
        public LwsContext build() {
            if (protocols.isEmpty()) {
                throw new IllegalArgumentException("a context needs at least one protocol");
            }
            if (tlsCertificate == null && (tlsKeyPassword != null || tlsClientCa != null)) {
                throw new IllegalArgumentException("TLS options given without tls(certificate, privateKey)");
            }
            return new LwsContext(this);
        }
    }
}
