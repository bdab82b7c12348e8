package io.lwsj;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Where and how a client connects (libwebsocket_client_connect's arguments): by URI or
 * by parts, with origin, requested subprotocols, extra handshake headers and a timeout.
 * Everything is checked when it is built, before any native call.
 */
public final class ClientRequest {
    private final boolean tls;
    private final String host;
    private final int port;
    private final String path;
    private final String hostHeader;
    private final @Nullable String origin;
    private final List<String> subprotocols;
    private final Map<String, String> headers;
    private final @Nullable Protocol<?> protocol;
    private final Duration timeout;
    private final boolean insecure;

    private ClientRequest(Builder b) {
        this.tls = b.tls;
        this.host = b.host;
        this.port = b.port;
        this.path = b.path;
        this.hostHeader = b.hostHeader != null ? b.hostHeader
                : (b.port == (b.tls ? 443 : 80) ? hostForHeader(b.host) : hostForHeader(b.host) + ":" + b.port);
        this.origin = b.origin;
        this.subprotocols = List.copyOf(b.subprotocols);
        this.headers = Collections.unmodifiableMap(new LinkedHashMap<>(b.headers));
        this.protocol = b.protocol;
        this.timeout = b.timeout;
        this.insecure = b.insecure;
    }

    private static String hostForHeader(String host) {
        return host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    }

    /** A request for a ws:// or wss:// URI (host, port, path and query are taken from it). */
    public static Builder to(String uri) {
        Objects.requireNonNull(uri, "uri");
        try {
            return to(new URI(uri));
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("malformed URI: " + uri + " (" + e.getReason() + ")", e);
        }
    }

    /** A request for a ws:// or wss:// URI (host, port, path and query are taken from it). */
    public static Builder to(URI uri) {
        Objects.requireNonNull(uri, "uri");
        String scheme = uri.getScheme();
        if (scheme == null || !(scheme.equalsIgnoreCase("ws") || scheme.equalsIgnoreCase("wss"))) {
            throw new IllegalArgumentException("unsupported scheme in " + uri + ": only ws:// and wss://");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new IllegalArgumentException("no host in " + uri);
        }
        if (uri.getFragment() != null) {
            throw new IllegalArgumentException("a WebSocket URI has no fragment: " + uri);
        }
        boolean tls = scheme.equalsIgnoreCase("wss");
        int port = uri.getPort() == -1 ? (tls ? 443 : 80) : uri.getPort();
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        if (uri.getRawQuery() != null) {
            path += "?" + uri.getRawQuery();
        }
        String host = uri.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new Builder(tls, host, port, path);
    }

    /** A request by parts: host, port, path (with an optional query), plain or TLS. */
    public static Builder to(String host, int port, String path, boolean tls) {
        return new Builder(tls, host, port, path);
    }

    public boolean tls() { return tls; }
    public String host() { return host; }
    public int port() { return port; }
    /** The path with its query. */
    public String path() { return path; }
    public String hostHeader() { return hostHeader; }
    public @Nullable String origin() { return origin; }
    public List<String> subprotocols() { return subprotocols; }
    public Map<String, String> headers() { return headers; }
    /** The local protocol whose handler gets this connection's callbacks; null: the context's first. */
    public @Nullable Protocol<?> protocol() { return protocol; }
    public Duration timeout() { return timeout; }
    public boolean insecureSkipTlsVerification() { return insecure; }

    @Override
    public String toString() {
        return (tls ? "wss://" : "ws://") + hostForHeader(host) + ":" + port + path;
    }

    /** Builds a {@link ClientRequest}. */
    public static final class Builder {
        private final boolean tls;
        private final String host;
        private final int port;
        private final String path;
        private String hostHeader;
        private String origin;
        private final List<String> subprotocols = new ArrayList<>();
        private final Map<String, String> headers = new LinkedHashMap<>();
        private @Nullable Protocol<?> protocol;
        private Duration timeout = Duration.ofSeconds(20);
        private boolean insecure;

        private Builder(boolean tls, String host, int port, String path) {
            if (host == null || host.isEmpty() || !isText(host) || host.indexOf('/') >= 0) {
                throw new IllegalArgumentException("bad host: " + host);
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port must be 1..65535, got " + port);
            }
            if (path == null || !path.startsWith("/") || !isText(path)) {
                throw new IllegalArgumentException("path must start with '/' and have no spaces or controls: " + path);
            }
            this.tls = tls;
            this.host = host;
            this.port = port;
            this.path = path;
        }

        private static boolean isText(String s) {
            return s.chars().allMatch(c -> c > 0x20 && c < 0x7f);
        }

        /** The Host header (default: host[:port]). */
        public Builder hostHeader(String value) {
            checkValue("Host", value);
            this.hostHeader = value;
            return this;
        }

        public Builder origin(String value) {
            checkValue("Origin", value);
            this.origin = value;
            return this;
        }

        /** Subprotocols to ask the server for (Sec-WebSocket-Protocol), in order of preference. */
        public Builder subprotocols(String... names) {
            for (String n : names) {
                if (n == null || n.isEmpty() || !isText(n) || n.indexOf(',') >= 0) {
                    throw new IllegalArgumentException("bad subprotocol name: " + n);
                }
                subprotocols.add(n);
            }
            return this;
        }

        /** An extra handshake header. */
        public Builder header(String name, String value) {
            if (name == null || name.isEmpty() || !isText(name) || name.indexOf(':') >= 0) {
                throw new IllegalArgumentException("bad header name: " + name);
            }
            checkValue(name, value);
            headers.put(name, value);
            return this;
        }

        /** The local protocol (one of the context's) whose handler serves this connection. */
        public Builder protocol(Protocol<?> protocol) {
            this.protocol = Objects.requireNonNull(protocol, "protocol");
            return this;
        }

        /** How long connecting and the handshake may take together (default 20 s). */
        public Builder timeout(Duration d) {
            if (d == null || d.isNegative() || d.isZero() || d.toMillis() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("timeout must be positive, got " + d);
            }
            this.timeout = d;
            return this;
        }

        /** Turns off every check of the server's certificate. For tests only. */
        public Builder insecureSkipTlsVerification() {
            this.insecure = true;
            return this;
        }

        private static void checkValue(String name, String value) {
            if (value == null || value.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                throw new IllegalArgumentException("bad value for header " + name + ": " + value);
            }
        }

        public ClientRequest build() {
            return new ClientRequest(this);
        }
    }
}
