package io.lwsj;

import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A named protocol with its handler and per-connection settings; the Java form of one
 * entry of libwebsockets' protocol table.
 *
 * @param <S> the per-connection session type
 */
public final class Protocol<S> {
    /** Largest name libwebsockets accepts in a Sec-WebSocket-Protocol token here. */
    private static final int MAX_NAME_LENGTH = 64;

    private final String name;
    private final Handler<S> handler;
    private final Function<Connection, S> sessionFactory;
    private final int receiveBufferSize;
    private final long maxMessageSize;
    private final boolean receiveFragments;
    private final long maxQueuedBytes;
    private final Overflow overflow;
    private final int overflowCloseCode;
    private final boolean broadcastCallback;
    private final boolean refuseUnknownSubprotocols;
    private final boolean confirmExtensions;
    private final @Nullable String path;

    private Protocol(Builder<S> b) {
        this.name = b.name;
        this.handler = b.handler;
        this.sessionFactory = b.sessionFactory;
        this.receiveBufferSize = b.receiveBufferSize;
        this.maxMessageSize = b.maxMessageSize;
        this.receiveFragments = b.receiveFragments;
        this.maxQueuedBytes = b.maxQueuedBytes;
        this.overflow = b.overflow;
        this.overflowCloseCode = b.overflowCloseCode;
        this.broadcastCallback = b.broadcastCallback;
        this.refuseUnknownSubprotocols = b.refuseUnknownSubprotocols;
        this.confirmExtensions = b.confirmExtensions;
        this.path = b.path;
    }

    /** A protocol whose connections carry no session object. */
    public static Protocol<Void> of(String name, Handler<Void> handler) {
        return builder(name, handler).build();
    }

    public static <S> Builder<S> builder(String name, Handler<S> handler) {
        return new Builder<>(name, handler);
    }

    public String name() { return name; }
    public Handler<S> handler() { return handler; }
    public int receiveBufferSize() { return receiveBufferSize; }
    public long maxMessageSize() { return maxMessageSize; }
    public boolean receiveFragments() { return receiveFragments; }
    public long maxQueuedBytes() { return maxQueuedBytes; }
    public Overflow overflow() { return overflow; }
    public int overflowCloseCode() { return overflowCloseCode; }
    public boolean broadcastCallback() { return broadcastCallback; }

    /** True when clients that name only subprotocols this context lacks are refused here. */
    public boolean refusesUnknownSubprotocols() { return refuseUnknownSubprotocols; }
    /** True when {@link Handler#confirmExtension} is asked about each extension of each handshake. */
    public boolean confirmsExtensions() { return confirmExtensions; }
    /** The URL path that selects this protocol when the client names no subprotocol, or null. */
    public @Nullable String path() { return path; }

    /** Makes the session object of a connection at ESTABLISHED (the default makes none: null). */
    public Function<Connection, @Nullable S> sessionFactory() { return sessionFactory; }

    /** Builds a {@link Protocol}; every setting is checked here, before any native call. */
    public static final class Builder<S> {
        private final String name;
        private final Handler<S> handler;
        private Function<Connection, @Nullable S> sessionFactory = c -> null;
        private int receiveBufferSize = 64 * 1024;
        private long maxMessageSize = 16L * 1024 * 1024;
        private boolean receiveFragments;
        private long maxQueuedBytes = 4L * 1024 * 1024;
        private Overflow overflow = Overflow.REFUSE;
        private int overflowCloseCode = 1008;
        private boolean broadcastCallback;
        private boolean refuseUnknownSubprotocols;
        private boolean confirmExtensions;
        private @Nullable String path;

        private Builder(String name, Handler<S> handler) {
            if (name == null || name.isEmpty()) {
                throw new IllegalArgumentException("protocol name must not be empty");
            }
            if (name.length() > MAX_NAME_LENGTH) {
                throw new IllegalArgumentException("protocol name longer than " + MAX_NAME_LENGTH + " characters: " + name);
            }
            for (int i = 0; i < name.length(); i++) {
                char c = name.charAt(i);
                if (c <= 0x20 || c >= 0x7f || "()<>@,;:\\\"/[]?={}".indexOf(c) >= 0) {
                    throw new IllegalArgumentException("protocol name must be an HTTP token (RFC 6455 4.1), got: " + name);
                }
            }
            this.name = name;
            this.handler = Objects.requireNonNull(handler, "handler");
        }

        /** Makes the session object of each connection, at ESTABLISHED. */
        public Builder<S> session(Function<Connection, S> factory) {
            this.sessionFactory = Objects.requireNonNull(factory, "factory");
            return this;
        }

        /**
         * libwebsockets' rx_buffer_size (default 64 KiB): the most one socket read takes and
         * the largest chunk delivered at once (128 B to 16 MiB). Idle connections do not pay
         * for it (lwsj's patch 0102 makes the buffer only when a frame needs it).
         */
        public Builder<S> receiveBufferSize(int bytes) {
            if (bytes < 128 || bytes > 16 * 1024 * 1024) {
                throw new IllegalArgumentException("receiveBufferSize must be 128..16777216, got " + bytes);
            }
            this.receiveBufferSize = bytes;
            return this;
        }

        /** Largest assembled message; a longer one closes the connection with 1009. */
        public Builder<S> maxMessageSize(long bytes) {
            if (bytes < 1 || bytes > Integer.MAX_VALUE - 64) {
                throw new IllegalArgumentException("maxMessageSize must be 1.." + (Integer.MAX_VALUE - 64) + ", got " + bytes);
            }
            this.maxMessageSize = bytes;
            return this;
        }

        /** Deliver {@link Handler#onFragment} chunks instead of whole messages. */
        public Builder<S> receiveFragments(boolean on) {
            this.receiveFragments = on;
            return this;
        }

        /**
         * The bound on bytes queued to send per connection (frame headers included). It
         * is a high-water mark: a send is refused when something is queued already and
         * the message would pass the bound, so a message larger than the bound still
         * goes out alone, and a queue never holds more than the bound plus one message.
         */
        public Builder<S> maxQueuedBytes(long bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("maxQueuedBytes must be positive, got " + bytes);
            }
            this.maxQueuedBytes = bytes;
            return this;
        }

        /** What happens at the bound; closeCode is used by {@link Overflow#CLOSE}. */
        public Builder<S> onOverflow(Overflow policy, int closeCode) {
            this.overflow = Objects.requireNonNull(policy, "policy");
            CloseCodes.checkSendable(closeCode);
            this.overflowCloseCode = closeCode;
            return this;
        }

        /** Route broadcasts through {@link Handler#onBroadcast} for each connection. */
        public Builder<S> broadcastCallback(boolean on) {
            this.broadcastCallback = on;
            return this;
        }

        /**
         * A client that names subprotocols, none of them a protocol of this context, gets
         * (RFC 6455 4.2.2) a 101 without a Sec-WebSocket-Protocol header and this protocol
         * when it is the one the connection would go to (the first, or the one of the
         * path), and decides itself whether to go on, as a browser does. With true, such
         * a client is refused with 403 instead. Default false.
         */
        public Builder<S> refuseUnknownSubprotocols(boolean on) {
            this.refuseUnknownSubprotocols = on;
            return this;
        }

        /**
         * Ask the handler's {@link Handler#confirmExtension} about each extension of each
         * handshake of this protocol (CONFIRM_EXTENSION_OKAY and
         * CLIENT_CONFIRM_EXTENSION_SUPPORTED). Off by default: every extension the context
         * has is accepted and offered without a call.
         */
        public Builder<S> confirmExtensions(boolean on) {
            this.confirmExtensions = on;
            return this;
        }

        /**
         * Serve WebSocket upgrades of this URL path (exact match, e.g. "/chat") that
         * name no subprotocol with this protocol instead of the first one.
         */
        public Builder<S> path(String urlPath) {
            if (urlPath == null || !urlPath.startsWith("/") || urlPath.chars().anyMatch(c -> c <= 0x20 || c == 0x7f)) {
                throw new IllegalArgumentException("path must start with '/' and have no spaces or controls, got: " + urlPath);
            }
            this.path = urlPath;
            return this;
        }

        public Protocol<S> build() {
            return new Protocol<>(this);
        }
    }
}
