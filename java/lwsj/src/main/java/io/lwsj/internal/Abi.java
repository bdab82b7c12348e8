package io.lwsj.internal;

/**
 * Constants of native/include/lwsj.h, in the same names without the LWSJ_ prefix: the
 * only copy of them in Java. AbiHeaderTest reads the header and fails on any that
 * differs or is missing here.
 */
public final class Abi {
    private Abi() {}

    public static final int ABI_VERSION = 3;

    public static final int OK = 0;
    public static final int ERR_STALE = -1;
    public static final int ERR_ARG = -2;
    public static final int ERR_NOMEM = -3;
    public static final int ERR_FULL = -4;
    public static final int ERR_STATE = -5;
    public static final int ERR_LWS = -6;
    public static final int ERR_SPACE = -7;
    public static final int ERR_SYS = -8;
    public static final int ERR_BUSY = -9;

    public static final int OVERFLOW_REFUSE = 0;
    public static final int OVERFLOW_CLOSE = 2;

    /** The default bound on commands queued by other threads (lwsj_ctx_set_limits). */
    public static final long FOREIGN_BYTES_DEFAULT = 64L * 1024 * 1024;
    /** The default limit on an HTTP request's body. */
    public static final long HTTP_BODY_DEFAULT = 1024 * 1024;
    public static final int MAX_SHARED = 256;

    public static final int PROTO_FRAGMENTS = 0x1;
    public static final int PROTO_BROADCAST_CB = 0x2;
    public static final int PROTO_EXT_UPCALL = 0x4;

    public static final int OPT_NO_VALIDATE_UTF8 = 0x1;
    public static final int OPT_EXTERNAL_POLL = 0x2;
    public static final int OPT_NETWORK_FILTER = 0x4;
    public static final int OPT_LISTEN_SHARE = 0x8;

    public static final int SERVICE_MORE = 0x40000000;

    public static final int EV_HEADER_SIZE = 32;
    public static final int EV_ESTABLISHED = 1;
    public static final int EV_MESSAGE = 2;
    public static final int EV_FRAGMENT = 3;
    public static final int EV_PONG = 4;
    public static final int EV_WRITEABLE = 5;
    public static final int EV_CLOSED = 6;
    public static final int EV_BROADCAST = 7;
    public static final int EV_CLIENT_ESTABLISHED = 8;
    public static final int EV_CLIENT_ERROR = 9;
    public static final int EV_SENT = 10;

    public static final int CONNERR_OTHER = 0;
    public static final int CONNERR_REFUSED = 1;
    public static final int CONNERR_UNRESOLVED = 2;
    public static final int CONNERR_TLS = 3;
    public static final int CONNERR_HTTP = 4;
    public static final int CONNERR_TIMEOUT = 5;

    public static final int EVF_BINARY = 0x1;
    public static final int EVF_FIRST = 0x2;
    public static final int EVF_FINAL = 0x4;

    public static final int CMD_HEADER_SIZE = 24;
    public static final int CMD_SEND = 1;
    public static final int CMD_CLOSE = 2;
    public static final int CMD_WRITABLE = 3;
    public static final int CMD_RX_FLOW = 4;
    public static final int CMD_BROADCAST = 5;
    public static final int CMD_WRITABLE_ALL = 6;
    public static final int CMD_CONNECT = 7;

    public static final int CONNECT_TLS = 0x1;
    public static final int CONNECT_TLS_INSECURE = 0x2;
    public static final int CONNECT_HEADER_UPCALL = 0x4;

    public static final int SEND_CONTINUATION = 0x0;
    public static final int SEND_TEXT = 0x1;
    public static final int SEND_BINARY = 0x2;
    public static final int SEND_PING = 0x9;
    public static final int SEND_PONG = 0xa;
    public static final int SEND_NO_FIN = 0x10;

    public static final int CLOSE_DISCARD = 0x1;

    /** Bytes a queued frame costs beyond its payload, at most (the frame header). */
    public static final int FRAME_OVERHEAD = 14;

    /** What a send of n payload bytes counts against its connection's bound (internal.h, lwsj_send_cost). */
    static long sendCost(int n) {
        return (long) n + FRAME_OVERHEAD;
    }

    /**
     * The bound on queued bytes is a high-water mark (internal.h, lwsj_over_bound): a send
     * is refused only when something is queued already and it would pass the bound.
     */
    static boolean overBound(long queued, long cost, long bound) {
        return queued > 0 && queued + cost > bound;
    }

    public static final int UP_HTTP = 1;
    public static final int UP_HTTP_FILE_DONE = 2;
    public static final int UP_FILTER_NETWORK = 3;
    public static final int UP_FILTER_PROTOCOL = 4;
    public static final int FILTER_USE = 0x100;
    public static final int UP_CLIENT_HEADERS = 5;
    public static final int UP_TLS_EXTRA_CA = 6;
    public static final int UP_TLS_VERIFY_PEER = 7;
    public static final int UP_EXTENSION = 8;
    public static final int UP_POLL = 9;
    public static final int UP_EXTENSION_CB = 10;
    public static final int EXT_CONSTRUCT = 1;
    public static final int EXT_CLIENT_CONSTRUCT = 2;
    public static final int EXT_DESTROY = 3;
    public static final int EXT_RX = 4;
    public static final int EXT_TX = 5;
    public static final int POLL_ADD = 1;
    public static final int POLL_DEL = 2;
    public static final int POLL_CHANGE = 3;

    public static final int TLS_REQUIRE_CLIENT_CERT = 0x1;

    public static final int SLOT_SIZE = 8;

    /** Status code to a short text for exception messages. */
    public static String describe(int status) {
        switch (status) {
            case ERR_STALE: return "stale handle";
            case ERR_ARG: return "bad argument";
            case ERR_NOMEM: return "out of memory";
            case ERR_FULL: return "send queue full";
            case ERR_STATE: return "wrong state";
            case ERR_LWS: return "libwebsockets failed";
            case ERR_SPACE: return "buffer too small";
            case ERR_SYS: return "a system call failed";
            case ERR_BUSY: return "the context's cross-thread queue is full";
            default: return "status " + status;
        }
    }
}
