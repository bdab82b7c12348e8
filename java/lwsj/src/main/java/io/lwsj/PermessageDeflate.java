package io.lwsj;

/**
 * permessage-deflate (RFC 7692) settings of a context. A server accepts the parameters
 * its clients offer (libwebsockets answers with the client's offer); the parameters
 * set here are what this context's own client connections offer.
 */
public final class PermessageDeflate {
    private final boolean serverNoContextTakeover;
    private final boolean clientNoContextTakeover;
    private final int serverMaxWindowBits;
    private final int clientMaxWindowBits;

    private PermessageDeflate(Builder b) {
        this.serverNoContextTakeover = b.serverNoContextTakeover;
        this.clientNoContextTakeover = b.clientNoContextTakeover;
        this.serverMaxWindowBits = b.serverMaxWindowBits;
        this.clientMaxWindowBits = b.clientMaxWindowBits;
    }

    /** The defaults: context takeover on both sides, 15-bit windows. */
    public static PermessageDeflate defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The Sec-WebSocket-Extensions offer of this context's clients. */
    public String clientOffer() {
        StringBuilder s = new StringBuilder("permessage-deflate");
        if (serverNoContextTakeover) {
            s.append("; server_no_context_takeover");
        }
        if (clientNoContextTakeover) {
            s.append("; client_no_context_takeover");
        }
        if (serverMaxWindowBits != 15) {
            s.append("; server_max_window_bits=").append(serverMaxWindowBits);
        }
        s.append("; client_max_window_bits");
        if (clientMaxWindowBits != 15) {
            s.append('=').append(clientMaxWindowBits);
        }
        return s.toString();
    }

    @Override
    public String toString() {
        return clientOffer();
    }

    public static final class Builder {
        private boolean serverNoContextTakeover;
        private boolean clientNoContextTakeover;
        private int serverMaxWindowBits = 15;
        private int clientMaxWindowBits = 15;

        private Builder() {}

        /** Ask the server to reset its compressor after every message. */
        public Builder serverNoContextTakeover(boolean on) {
            this.serverNoContextTakeover = on;
            return this;
        }

        /** Reset this client's compressor after every message. */
        public Builder clientNoContextTakeover(boolean on) {
            this.clientNoContextTakeover = on;
            return this;
        }

        /** The server's LZ77 window, 8..15 bits. */
        public Builder serverMaxWindowBits(int bits) {
            this.serverMaxWindowBits = checkBits(bits);
            return this;
        }

        /** This client's LZ77 window, 8..15 bits. */
        public Builder clientMaxWindowBits(int bits) {
            this.clientMaxWindowBits = checkBits(bits);
            return this;
        }

        private static int checkBits(int bits) {
            if (bits < 8 || bits > 15) {
                throw new IllegalArgumentException("window bits must be 8..15 (RFC 7692 7.1.2), got " + bits);
            }
            return bits;
        }

        public PermessageDeflate build() {
            return new PermessageDeflate(this);
        }
    }
}
