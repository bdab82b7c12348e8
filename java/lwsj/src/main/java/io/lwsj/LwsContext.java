package io.lwsj;

import io.lwsj.internal.Abi;
import io.lwsj.internal.ServiceGroup;
import io.lwsj.internal.ContextSettings;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * A libwebsockets context (libwebsocket_create_server): a listening server and client
 * connector with its protocols. It is serviced by its own thread ({@link #start()}), by
 * the caller's loop ({@link #service}) or by an external poll loop ({@link #serviceFd}),
 * never two of them. {@link #close()} closes every connection (each handler sees
 * onClosed) and frees everything (libwebsocket_context_destroy). Every method may be
 * called from any thread unless it says otherwise.
 */
public final class LwsContext implements AutoCloseable {
    private final ServiceGroup engine;

    private LwsContext(ContextSettings settings) {
        this.engine = new ServiceGroup(this, settings);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The port the context listens on (the one the kernel chose for port 0); -1 without a listener. */
    public int port() {
        return engine.port();
    }

    /** The protocols, in the order they were added. */
    public List<Protocol<?>> protocols() {
        return engine.protocols();
    }

    /**
     * The protocol of this name (a port's way to reach a protocol its C code named);
     * IllegalArgumentException when there is none.
     */
    public Protocol<?> protocol(String name) {
        return engine.protocol(name);
    }

    /**
     * libwebsocket_client_connect: opens a client connection. The request's protocol
     * (default: the first) gets the callbacks: onEstablished, or onConnectionError with
     * the reason. The future completes after onEstablished, on the service thread; it
     * fails with a {@link ConnectFailedException} whose type says why (refused,
     * unresolved host, TLS, the HTTP status of a refused upgrade, timed out).
     */
    public CompletableFuture<Connection> connect(ClientRequest request) {
        return engine.connect(request);
    }

    /** libwebsockets_broadcast: a text message to every connection of one of this context's protocols. */
    public void broadcastText(Protocol<?> protocol, String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        engine.broadcast(protocol, false, b, null, b.length);
    }

    /** libwebsockets_broadcast: a binary message to every connection of one of this context's protocols. */
    public void broadcastBinary(Protocol<?> protocol, byte[] data) {
        engine.broadcast(protocol, true, data, null, data.length);
    }

    /** As {@link #broadcastBinary(Protocol, byte[])} with data's remaining bytes (the position is not moved). */
    public void broadcastBinary(Protocol<?> protocol, ByteBuffer data) {
        engine.broadcast(protocol, true, null, data, data.remaining());
    }

    /**
     * Passes every later broadcast of this context to relay too, to reach other servers
     * (null: none; a relay set before is replaced). See {@link BroadcastRelay}.
     */
    public void relayBroadcasts(@Nullable BroadcastRelay relay) {
        engine.relayBroadcasts(relay);
    }

    /**
     * A broadcast that came from another server through a {@link BroadcastRelay}: sent to
     * this context's connections of the protocol as a local broadcast is (the
     * per-connection {@link Handler#onBroadcast} included) but not relayed again. The
     * payload's remaining bytes are copied; its position is not moved. Text must be valid
     * UTF-8 (IllegalArgumentException otherwise). Refused as a broadcast is: closed or
     * {@link ContextSaturatedException}.
     */
    public void deliverRelayed(Protocol<?> protocol, ByteBuffer payload, boolean binary) {
        engine.deliverRelayed(protocol, payload, binary);
    }

    /** libwebsocket_callback_on_writable_all_protocol: every connection of the protocol gets onWritable. */
    public void requestWritableAll(Protocol<?> protocol) {
        engine.requestWritableAll(protocol);
    }

    /** libwebsocket_canonical_hostname: this host's name as libwebsockets sees it. */
    public String canonicalHostname() {
        return engine.canonicalHostname();
    }

    /** How often this context crossed between Java and native code. */
    public Counters counters() {
        return engine.counters();
    }

    public boolean isOpen() {
        return engine.isOpen();
    }

    /**
     * Starts the service threads, named "lwsj-service-i" (i from 0), or
     * "lwsj-service-NAME-i" for a context with a {@link Builder#name}.
     */
    public LwsContext start() {
        engine.start();
        return this;
    }

    /**
     * libwebsocket_service: services pending traffic once on the calling thread, waiting
     * at most timeout for something to happen (zero: do not wait); handlers run inside
     * this call. For applications with their own loop; not allowed once {@link #start()}
     * was called, nor for an {@link Builder#externalPoll} context, nor with more than one
     * {@link Builder#serviceThreads}.
     */
    public void service(Duration timeout) {
        engine.service(timeout);
    }

    /**
     * For contexts under an external poll loop ({@link Builder#externalPoll}): services
     * fd, which your poll found ready with these poll(2) revents, and whatever timers are
     * due (fd -1: only those). Handlers run inside this call. Call it at least every
     * second or so even when nothing is ready, for timeouts.
     */
    public void serviceFd(int fd, int revents) {
        engine.serviceFd(fd, revents);
    }

    /**
     * Closes every connection and frees the context; idempotent, and returns once it is
     * closed. From a handler, the context closes when the handler returns (with several
     * {@link Builder#serviceThreads}, the other threads close theirs as soon as they can;
     * the call does not wait for them).
     */
    @Override
    public void close() {
        engine.close();
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
        private PollListener externalPoll;
        private HttpHandler http;
        private NetworkFilter networkFilter;
        private TlsHooks tlsHooks;
        private final List<Extension<?>> extensions = new ArrayList<>();
        private int maxHeaderBytes = 8192;
        private Duration handshakeTimeout = Duration.ofSeconds(10);
        private Duration pingInterval = Duration.ZERO;
        private Duration idleTimeout = Duration.ZERO;
        private long maxCrossThreadQueueBytes = Abi.FOREIGN_BYTES_DEFAULT;
        private long maxHttpBodyBytes = Abi.HTTP_BODY_DEFAULT;
        private int serviceThreads = 1;
        private String name;

        private Builder() {}

        /**
         * Answers the plain HTTP requests that reach this context (without one: 404). The
         * classic HTTP callback reason; see {@link HttpHandler}.
         */
        public Builder http(HttpHandler handler) {
            this.http = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /**
         * FILTER_NETWORK_CONNECTION: asks the filter about each accepted TCP connection.
         * Without one no call is made per connection.
         */
        public Builder networkFilter(NetworkFilter filter) {
            this.networkFilter = Objects.requireNonNull(filter, "filter");
            return this;
        }

        /** The OpenSSL callback reasons: extra CA files, the verdict on client certificates. */
        public Builder tlsHooks(TlsHooks hooks) {
            this.tlsHooks = Objects.requireNonNull(hooks, "hooks");
            return this;
        }

        /**
         * The largest HTTP request body the {@link HttpHandler} is given
         * ({@link LwsRequest#body()}; default 1 MiB, 0 takes none). A request that announces
         * a larger Content-Length is answered 413 and its connection closed; one with a body
         * reaches the handler once the body has arrived whole.
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
        public Builder handshakeTimeout(Duration d) {
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
        public Builder keepalive(Duration pingInterval, Duration idleTimeout) {
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
         * Run under the application's own poll loop: the listener is told which fds to
         * watch and the loop calls {@link LwsContext#serviceFd} when one is ready. Such a
         * context has no loop of its own: {@link LwsContext#start()} and
         * {@link LwsContext#service} refuse it.
         */
        public Builder externalPoll(PollListener listener) {
            this.externalPoll = Objects.requireNonNull(listener, "listener");
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
        public Builder clientCertificate(Path certificate, Path privateKey, @Nullable String keyPassword) {
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
        public Builder bindAddress(@Nullable String address) {
            if (address != null && address.isBlank()) {
                throw new IllegalArgumentException("bind address must not be blank");
            }
            this.bindAddress = address;
            return this;
        }

        /**
         * Adds a protocol. The first one added serves upgrades that name no protocol of
         * this context (unless another claims the URL's {@link Protocol.Builder#path}).
         */
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

        /**
         * How many service threads serve this context (default 1). With n > 1 the context
         * is n libwebsockets contexts listening on one port ({@code SO_REUSEPORT}), each
         * with its own thread, and the kernel spreads accepted connections over them. A
         * connection stays on its thread for its life and its handler calls are
         * sequential there, but handlers, the {@link HttpHandler}, the
         * {@link NetworkFilter} and the {@link TlsHooks} are then called from several
         * threads at once, for different connections. Client connections are spread over
         * the threads in turn; {@link #maxConnections} and
         * {@link #maxCrossThreadQueueBytes} apply to each thread's share (the first
         * divided by n, rounded up). Raise it when one core is not enough; keep 1 for a
         * single-threaded program (a classic port) or with {@link #externalPoll}, which
         * needs 1, as does {@link LwsContext#service}.
         */
        public Builder serviceThreads(int n) {
            if (n < 1 || n > 256) {
                throw new IllegalArgumentException("serviceThreads must be 1..256, got " + n);
            }
            this.serviceThreads = n;
            return this;
        }

        /** A name for this context: its service threads are "lwsj-service-NAME-i". */
        public Builder name(String name) {
            if (name == null || name.isBlank() || !name.matches("[A-Za-z0-9._-]+")) {
                throw new IllegalArgumentException("a context name is letters, digits, '.', '_' and '-', got " + name);
            }
            this.name = name;
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
            if (serviceThreads > 1 && externalPoll != null) {
                throw new IllegalArgumentException("externalPoll needs serviceThreads(1): one poll loop serves one"
                        + " libwebsockets context, and " + serviceThreads + " service threads are "
                        + serviceThreads + " contexts");
            }
            return new LwsContext(new ContextSettings(port, bindAddress, listen, protocols, documentRoot,
                    maxConnections, validateUtf8, tlsCertificate, tlsPrivateKey, tlsKeyPassword, tlsClientCa,
                    requireClientCertificate, clientTrust, clientCertificate, clientPrivateKey, clientKeyPassword,
                    deflate, extensions, maxHeaderBytes, handshakeTimeout, pingInterval, idleTimeout,
                    maxCrossThreadQueueBytes, maxHttpBodyBytes, http, networkFilter, tlsHooks, externalPoll,
                    serviceThreads, name));
        }
    }
}
