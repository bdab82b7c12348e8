/*
 * lwsj.h - the whole C ABI of the lwsj glue. Every exported symbol is lwsj_*
 * and declared here; everything else in native/src is static or hidden.
 *
 * Threads. A context has one service thread: the one that calls
 * lwsj_service(). Functions marked [service] must only run on it (or while no
 * thread is inside lwsj_service). Functions marked [any] may run on any thread, also
 * while the context is being destroyed (they answer LWSJ_ERR_STALE then); they queue
 * work for the service thread and wake it through the context's eventfd.
 *
 * Errors. A call that fails returns a negative status; lwsj_last_error() then says
 * why, when there is more to say than the status. Every call that takes a context
 * clears the thread's error text first.
 *
 * Handles. Contexts and connections are 64-bit handles: generation << 32 | index.
 * A handle whose generation no longer matches is stale: calls return
 * LWSJ_ERR_STALE and never touch freed memory. Handle 0 is never valid.
 *
 * Memory shared with Java. Java allocates the event buffer, the submission buffer
 * and the slot table as direct ByteBuffers and passes them in; the glue never hands
 * a pointer out.
 */
#ifndef LWSJ_H
#define LWSJ_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LWSJ_ABI_VERSION 3

/* the glue is built with hidden visibility: only what is marked here is exported */
#if defined(__GNUC__)
#define LWSJ_API __attribute__((visibility("default")))
#else
#define LWSJ_API
#endif

/* ---- status codes ------------------------------------------------------- */
#define LWSJ_OK              0
#define LWSJ_ERR_STALE      -1 /* context or connection handle is no longer valid */
#define LWSJ_ERR_ARG        -2 /* bad argument */
#define LWSJ_ERR_NOMEM      -3
#define LWSJ_ERR_FULL       -4 /* refused: the connection's queue bound is reached */
#define LWSJ_ERR_STATE      -5 /* wrong state for this call (not listening, already listening, ...) */
#define LWSJ_ERR_LWS        -6 /* libwebsockets failed; lwsj_last_error() says why */
#define LWSJ_ERR_SPACE      -7 /* the caller's buffer is too small; see the call's doc */
#define LWSJ_ERR_SYS        -8 /* a system call failed; lwsj_last_error() says which and why */
#define LWSJ_ERR_BUSY       -9 /* refused: the context's cross-thread queue is at its bound
                                * (its service thread is behind); try again later */

/* the most bytes a WebSocket frame header adds to a payload (what a send costs beyond it) */
#define LWSJ_FRAME_OVERHEAD 14

/* ---- protocol flags (lwsj_ctx_add_protocol) ------------------------------- */
#define LWSJ_PROTO_FRAGMENTS      0x1 /* deliver RECEIVE fragments, not assembled MESSAGEs */
#define LWSJ_PROTO_BROADCAST_CB   0x2 /* broadcast goes through a per-connection BROADCAST event */
#define LWSJ_PROTO_EXT_UPCALL     0x4 /* ask Java before an extension is accepted or offered */

/* what happens when a send would pass a connection's queue bound */
#define LWSJ_OVERFLOW_REFUSE      0 /* the send is refused (LWSJ_ERR_FULL); broadcast skips it */
#define LWSJ_OVERFLOW_CLOSE       2 /* the connection is closed with the protocol's close code */

/* ---- context options (lwsj_ctx_listen) ------------------------------------ */
#define LWSJ_OPT_NO_VALIDATE_UTF8 0x1 /* turn off UTF-8 validation of text frames (on by default) */
#define LWSJ_OPT_EXTERNAL_POLL    0x2 /* tell Java about every fd to watch (LWSJ_UP_POLL) */
#define LWSJ_OPT_NETWORK_FILTER   0x4 /* ask Java about each accepted TCP connection (LWSJ_UP_FILTER_NETWORK) */
#define LWSJ_OPT_LISTEN_SHARE     0x8 /* listen with SO_REUSEPORT: several contexts of one process on one
                                         port, the kernel spreading accepted connections over them */

/* ---- events (glue -> Java, through the event buffer) ---------------------- */
/*
 * Each record: a 32-byte header then `payload` bytes, padded to a multiple of 8.
 *   u32 size      whole record, header included, multiple of 8
 *   u16 type      LWSJ_EV_*
 *   u16 flags     LWSJ_EVF_*
 *   u64 conn      connection handle
 *   i32 protocol  protocol index
 *   i32 a         type-specific (see below)
 *   i64 b         type-specific (see below)
 *   ... payload (length given by a, unless said otherwise)
 */
#define LWSJ_EV_HEADER_SIZE 32

#define LWSJ_EV_ESTABLISHED  1 /* a = payload len (peer IP, UTF-8); b = socket fd */
#define LWSJ_EV_MESSAGE      2 /* a = payload len; flags: BINARY. One whole message */
#define LWSJ_EV_FRAGMENT     3 /* a = payload len; b = remaining payload of this frame; flags: FIRST, FINAL, BINARY */
#define LWSJ_EV_PONG         4 /* a = payload len */
#define LWSJ_EV_WRITEABLE    5 /* the queue is empty and the application asked to write */
#define LWSJ_EV_CLOSED       6 /* a = payload len (reason, UTF-8); b = close code */
#define LWSJ_EV_BROADCAST    7 /* a = payload len; flags: BINARY. Only for LWSJ_PROTO_BROADCAST_CB */
#define LWSJ_EV_CLIENT_ESTABLISHED 8 /* a = payload len; b = connect request id; payload =
                                      * fields as in a request blob: the peer IP, the
                                      * socket fd in decimal, the negotiated subprotocol
                                      * (may be empty), then the response headers as
                                      * name/value pairs */
#define LWSJ_EV_CLIENT_ERROR 9 /* conn = 0; b = connect request id; a = payload len
                                * (the reason, UTF-8); flags = LWSJ_CONNERR_*;
                                * protocol = the HTTP status for LWSJ_CONNERR_HTTP */
#define LWSJ_EV_SENT        10 /* b = the token of a LWSJ_CMD_SEND whose frame has been
                                * written to the socket (lws holds no unsent tail of it) */

/* why a connect failed (LWSJ_EV_CLIENT_ERROR flags) */
#define LWSJ_CONNERR_OTHER      0
#define LWSJ_CONNERR_REFUSED    1 /* nothing listens there (ECONNREFUSED) */
#define LWSJ_CONNERR_UNRESOLVED 2 /* the host name did not resolve */
#define LWSJ_CONNERR_TLS        3 /* the server's certificate was refused */
#define LWSJ_CONNERR_HTTP       4 /* the server answered the upgrade with another status */
#define LWSJ_CONNERR_TIMEOUT    5 /* the connect timeout passed first */

#define LWSJ_EVF_BINARY  0x1
#define LWSJ_EVF_FIRST   0x2
#define LWSJ_EVF_FINAL   0x4

/* ---- commands (Java -> glue, through the submission buffer or lwsj_submit) - */
/*
 * Each record: a 24-byte header then `len` bytes, padded to a multiple of 8.
 *   u32 size      whole record, header included, multiple of 8
 *   u16 op        LWSJ_CMD_*
 *   u16 flags     for SEND/BROADCAST: LWSJ_SEND_*
 *   u64 target    connection handle (protocol index for BROADCAST/WRITABLE_ALL)
 *   u32 len       payload length
 *   i32 aux       type-specific (see below)
 *   ... payload
 */
#define LWSJ_CMD_HEADER_SIZE 24

#define LWSJ_CMD_SEND          1 /* payload = message or fragment; aux = 0, or a token that
                                  * LWSJ_EV_SENT reports once the frame is written */
#define LWSJ_CMD_CLOSE         2 /* aux = close code; payload = reason (<= 123 bytes) */
#define LWSJ_CMD_WRITABLE      3 /* ask for a WRITEABLE event once the queue is empty */
#define LWSJ_CMD_RX_FLOW       4 /* aux = 1 to read, 0 to stop reading */
#define LWSJ_CMD_BROADCAST     5 /* target = protocol index; payload = message */
#define LWSJ_CMD_WRITABLE_ALL  6 /* target = protocol index */
#define LWSJ_CMD_CONNECT       7 /* target = a request id of Java's; payload = connect blob */

/*
 * A connect blob: i32 port, i32 flags (LWSJ_CONNECT_*), i32 protocol index (the local
 * protocol that handles the connection), i32 timeout in ms (0: lws's own), then
 * NUL-terminated strings: address, path (with query), host header, origin (may be
 * empty), requested subprotocols (comma-separated, may be empty), then name/value
 * pairs of extra handshake headers, then one more NUL.
 */
#define LWSJ_CONNECT_TLS          0x1
#define LWSJ_CONNECT_TLS_INSECURE 0x2 /* accept any certificate and host name */
#define LWSJ_CONNECT_HEADER_UPCALL 0x4 /* ask Java for more headers (LWSJ_UP_CLIENT_HEADERS) */

/* SEND flags: the low nibble is the opcode */
#define LWSJ_SEND_CONTINUATION 0x0
#define LWSJ_SEND_TEXT         0x1
#define LWSJ_SEND_BINARY       0x2
#define LWSJ_SEND_PING         0x9
#define LWSJ_SEND_PONG         0xa
#define LWSJ_SEND_NO_FIN       0x10 /* more fragments of this message follow */

/* CLOSE flags */
#define LWSJ_CLOSE_DISCARD     0x1 /* drop what is queued instead of sending it first */

/* ---- synchronous upcalls (glue -> Java, on the service thread) ------------ */
#define LWSJ_UP_HTTP              1 /* in = request blob; return 0 after answering, nonzero to close */
#define LWSJ_UP_HTTP_FILE_DONE    2 /* a file sent with lwsj_http_serve_file has been sent */
#define LWSJ_UP_FILTER_NETWORK    3 /* in = peer IP (UTF-8); return nonzero to refuse */
#define LWSJ_UP_FILTER_PROTOCOL   4 /* in = request blob; return 0 to accept, LWSJ_FILTER_USE
                                     * + index to accept it as another protocol (chosen by
                                     * path), anything else refuses the upgrade */
#define LWSJ_FILTER_USE         0x100
#define LWSJ_UP_TLS_EXTRA_CA      6 /* protocol = 0 for the server side, 1 for the client
                                     * side; in = a buffer of len bytes for NUL-terminated
                                     * paths of PEM CA files to trust as well; return the
                                     * bytes written (0: none), or -1 to fail */
#define LWSJ_UP_TLS_VERIFY_PEER   7 /* in = NUL-terminated: "1" if OpenSSL accepted the
                                     * certificate else "0", its depth in the chain, its
                                     * subject; return 0 to accept, nonzero to refuse */
#define LWSJ_UP_EXTENSION         8 /* conn = 0 (server: CONFIRM_EXTENSION_OKAY) or the
                                     * connect request id (client: CLIENT_CONFIRM_EXTENSION_
                                     * SUPPORTED); in = the extension name; return 0 to
                                     * accept or offer it, nonzero to refuse or withdraw */
#define LWSJ_UP_POLL              9 /* only with LWSJ_OPT_EXTERNAL_POLL: protocol = LWSJ_POLL_*,
                                     * in = three i32: fd, events, previous events (POLLIN,
                                     * POLLOUT bits of poll(2)); return 0 */
#define LWSJ_POLL_ADD 1
#define LWSJ_POLL_DEL 2
#define LWSJ_POLL_CHANGE 3
#define LWSJ_UP_EXTENSION_CB     10 /* a user extension (lwsj_ctx_add_extension): protocol =
                                     * LWSJ_EXT_*; for CONSTRUCT conn = the extension's index
                                     * and the result is a state id > 0 (<= 0 refuses); else
                                     * conn = that state id and, for RX/TX, in/len is the
                                     * payload, which Java may change in place; return 0, or
                                     * nonzero to fail the connection */
#define LWSJ_EXT_CONSTRUCT        1
#define LWSJ_EXT_CLIENT_CONSTRUCT 2
#define LWSJ_EXT_DESTROY          3
#define LWSJ_EXT_RX               4
#define LWSJ_EXT_TX               5
#define LWSJ_UP_CLIENT_HEADERS    5 /* conn = request id; in = a buffer of len bytes for
                                     * name\0value\0 pairs; return the bytes written, or
                                     * -1 when they do not fit (the connect fails) */

/*
 * A request blob: fields, each a u32 length (native byte order) then that many bytes,
 * no terminator, so that no byte of a URI or a header can change the structure:
 * method, path (percent-decoded by lws), query (may be empty; each '&'-separated
 * parameter percent-encoded again, all but RFC 3986's unreserved characters and the
 * '=' after its name), body (bytes; empty but for an HTTP request with a
 * Content-Length, which goes up once its body is complete), then name/value pairs
 * (header names in lower case, no colon).
 * The blob ends with its last field. A request whose header value holds NUL, CR or LF
 * never gets this far: it is answered 400.
 *
 * ctx, reason, conn (0 for HTTP), protocol index, in, len, and events_len: how many
 * bytes of events are in the event buffer at this moment (LWSJ_SERVICE_MORE set if
 * some are held back), so that Java can dispatch them first and keep their order
 * with this upcall.
 */
typedef int32_t (*lwsj_upcall_fn)(int64_t ctx, int32_t reason, int64_t conn,
                                  int32_t protocol, const void *in, int32_t len,
                                  int32_t events_len);

/* level is an LLL_* bit of libwebsockets; line has no trailing newline */
typedef void (*lwsj_log_fn)(int32_t level, const char *line);

/* ---- process-wide --------------------------------------------------------- */
LWSJ_API int32_t lwsj_abi_version(void);                          /* [any] */
LWSJ_API const char *lwsj_lws_version(void);                      /* [any] the libwebsockets version string */
LWSJ_API void lwsj_set_log(int32_t levels, lwsj_log_fn fn);       /* [any, but not concurrently] */
/* [any] the last error text of this thread (valid until its next lwsj call) */
LWSJ_API const char *lwsj_last_error(void);

/* ---- context lifecycle ---------------------------------------------------- */
/* [any] a context not yet listening; returns a handle or 0 */
LWSJ_API int64_t lwsj_ctx_new(lwsj_upcall_fn upcall);
/* [owner, before listen] protocol index is the order of adding, from 0 */
LWSJ_API int32_t lwsj_ctx_add_protocol(int64_t ctx, const char *name, int32_t flags,
                              int32_t rx_buffer_size, int64_t max_message_size,
                              int64_t max_queued_bytes, int32_t overflow_policy,
                              int32_t overflow_close_code);
/* ---- TLS (lwsj_ctx_set_tls, lwsj_ctx_set_client_tls) ---------------------- */
#define LWSJ_TLS_REQUIRE_CLIENT_CERT 0x1 /* refuse clients without a valid certificate */

/*
 * [owner, before listen] serve TLS (wss:// and https:// on the listening port) with
 * a PEM certificate (chain) and private key (password NULL if none); ca: PEM file of
 * CAs that client certificates must chain to (NULL if none). The files are checked
 * here: LWSJ_ERR_ARG and lwsj_last_error() name the file and what is wrong with it.
 */
LWSJ_API int32_t lwsj_ctx_set_tls(int64_t ctx, const char *cert, const char *key,
                                  const char *password, const char *ca, int32_t flags);
/*
 * [owner, before listen] for client connections: ca, a PEM file of CAs to trust
 * (NULL: the system's store); cert/key/password: a client certificate (NULL: none).
 */
LWSJ_API int32_t lwsj_ctx_set_client_tls(int64_t ctx, const char *ca, const char *cert,
                                         const char *key, const char *password);

/*
 * [owner, before listen] offer and accept permessage-deflate (RFC 7692). A server
 * accepts the parameters a client offers; client_offer is what this context's clients
 * offer, e.g. "permessage-deflate; client_max_window_bits" (NULL: that default).
 */
LWSJ_API int32_t lwsj_ctx_set_deflate(int64_t ctx, const char *client_offer);

/*
 * [owner, before listen] a user-defined extension, negotiated as `name` (clients offer
 * client_offer). Its callbacks are LWSJ_UP_EXTENSION_CB upcalls. libwebsockets 4.3
 * reports an extension's results through codes of its private headers, so lwsj's
 * extensions transform payloads in place, keeping their length. Returns the index.
 */
LWSJ_API int32_t lwsj_ctx_add_extension(int64_t ctx, const char *name, const char *client_offer);

/*
 * [owner, before listen] limits; 0 keeps libwebsockets' default for each.
 * max_header_bytes: the request headers a connection may send (1024..65535);
 * handshake_timeout_s: for the handshake and other round trips (close, pong), also how
 * long a connection may sit on a half-sent request; ping_interval_s: time without a
 * pong before a keepalive ping; idle_timeout_s: time without a pong before hanging up
 * (both set, the ping first, or both 0 for libwebsockets' own: 300 s and 310 s);
 * max_foreign_bytes: the bound on commands queued by other threads (lwsj_submit) and
 * not yet run (>= 4096; 0: LWSJ_FOREIGN_BYTES_DEFAULT); max_http_body: the largest
 * HTTP request body taken (Content-Length; 0 takes none: a larger one is answered 413).
 * Until lwsj_ctx_set_limits, LWSJ_HTTP_BODY_DEFAULT.
 */
#define LWSJ_FOREIGN_BYTES_DEFAULT (64 * 1024 * 1024)
#define LWSJ_HTTP_BODY_DEFAULT (1024 * 1024)
#define LWSJ_MAX_SHARED 256 /* the most contexts lwsj_broadcast_shared serves at once */
LWSJ_API int32_t lwsj_ctx_set_limits(int64_t ctx, int32_t max_header_bytes,
                                     int32_t handshake_timeout_s, int32_t ping_interval_s,
                                     int32_t idle_timeout_s, int64_t max_foreign_bytes,
                                     int64_t max_http_body);

/*
 * [owner] create the libwebsockets context and listen. iface NULL = all
 * interfaces; port 0 = ephemeral; port -1 = no listening socket (clients only).
 * slots is Java's slot table: max_conns records of LWSJ_SLOT_SIZE bytes that the
 * glue keeps up to date (see below).
 */
LWSJ_API int32_t lwsj_ctx_listen(int64_t ctx, const char *iface, int32_t port,
                        int32_t options, int32_t max_conns, void *slots);
LWSJ_API int32_t lwsj_ctx_port(int64_t ctx);                      /* [any] bound port */
/* [any] copies the canonical host name, NUL-terminated; returns its length */
LWSJ_API int32_t lwsj_ctx_hostname(int64_t ctx, char *out, int32_t cap);
/*
 * [service] close every connection and free the context. CLOSED events go to
 * events (cap bytes, at least 4096); returns their length. Events that do not fit
 * are dropped with a warning in the log: give room for about 192 bytes per open
 * connection.
 */
LWSJ_API int32_t lwsj_ctx_destroy(int64_t ctx, void *events, int32_t cap);

/* ---- the service loop ----------------------------------------------------- */
/*
 * [service] one turn: run `sub_len` bytes of commands from `sub`, run commands
 * queued by other threads, service libwebsockets once (timeout_ms < 0: wait until
 * something happens; 0: do not wait; > 0: wait at most that long; no wait lasts over
 * 50 ms), and write
 * events into `events` (cap bytes). Returns the length of events written, or a
 * negative status. If events did not fit, they are kept in order and the result
 * has LWSJ_SERVICE_MORE set: take them with lwsj_take_pending. An external-poll
 * context (LWSJ_OPT_EXTERNAL_POLL) has no wait of its own: LWSJ_ERR_STATE.
 */
#define LWSJ_SERVICE_MORE 0x40000000
LWSJ_API int32_t lwsj_service(int64_t ctx, int32_t timeout_ms, const void *sub, int32_t sub_len,
                     void *events, int32_t cap);
/*
 * [service] for an external-poll context: as lwsj_service, but instead of waiting,
 * service one fd that the application's poll loop found ready (revents as poll(2) reports them), then
 * whatever timers and forced service are due. fd < 0: only those.
 */
LWSJ_API int32_t lwsj_service_fd(int64_t ctx, int32_t fd, int32_t revents, const void *sub,
                                 int32_t sub_len, void *events, int32_t cap);
/*
 * [service] run commands now (when Java's submission buffer is full). Events they make
 * (a connect that fails at once, a broadcast callback) are held back for the next
 * turn: between turns the glue has no event buffer of Java's.
 */
LWSJ_API int32_t lwsj_run_commands(int64_t ctx, const void *sub, int32_t sub_len);
/*
 * [service] move held-back events into events (starting at offset `at`, cap bytes
 * in all); returns the new length, with LWSJ_SERVICE_MORE set if some are still
 * held back, or LWSJ_ERR_SPACE when the first held-back record alone does not fit.
 */
LWSJ_API int32_t lwsj_take_pending(int64_t ctx, void *events, int32_t at, int32_t cap);
/*
 * [any] queue commands for the service thread and wake it. Taken whole or refused
 * whole: LWSJ_ERR_FULL when a SEND would pass its connection's bound, LWSJ_ERR_STALE
 * for a closed connection, LWSJ_ERR_BUSY when the cross-thread queue is at its bound
 * (a lone CLOSE is always taken).
 */
LWSJ_API int32_t lwsj_submit(int64_t ctx, const void *cmds, int32_t len);
/*
 * [any] A broadcast (flags, payload as LWSJ_CMD_BROADCAST's) to protocol of each of n
 * contexts (at most LWSJ_MAX_SHARED), kept once for all of them: the service threads of
 * one Java context. OK, or the first refusal (LWSJ_ERR_STALE, LWSJ_ERR_BUSY, ...); the
 * contexts that took it send it.
 */
LWSJ_API int32_t lwsj_broadcast_shared(const int64_t *ctxs, int32_t n, int32_t protocol, int32_t flags,
				       const void *payload, int32_t len);
/* [any] wake the service thread */
LWSJ_API int32_t lwsj_wake(int64_t ctx);

/* ---- the slot table (glue -> Java) ---------------------------------------- */
/*
 * One record per connection slot, LWSJ_SLOT_SIZE bytes, written by the glue:
 *   i64 charged   bytes queued to send, frame headers included, plus the sends other
 *                 threads submitted and the service thread has not queued yet, at
 *                 their cost (atomic): what the connection's bound is checked
 *                 against, one word so that a send being queued is counted once at
 *                 every moment
 */
#define LWSJ_SLOT_SIZE 8

/* ---- HTTP (only during an LWSJ_UP_HTTP upcall) ---------------------------- */
/*
 * [service] headers: "name\0value\0"... pairs, hlen bytes in all. A name must be a
 * token, a value and the content type must hold no control character but tab.
 */
LWSJ_API int32_t lwsj_http_respond(int64_t ctx, int32_t status, const char *content_type,
                          const void *headers, int32_t hlen,
                          const void *body, int64_t blen);
/*
 * [service] send the regular file rel (a relative path, no "." or ".." components)
 * below the directory root. No symbolic link below root is followed: each component
 * is opened with O_NOFOLLOW, and the file lws sends is the one opened (through
 * /proc/self/fd). LWSJ_UP_HTTP_FILE_DONE follows when it is sent, with root/rel.
 * Content type and header values must hold no control character but tab.
 */
LWSJ_API int32_t lwsj_http_serve_file(int64_t ctx, const char *root, const char *rel,
                                      const char *content_type, const void *headers,
                                      int32_t hlen);

#ifdef __cplusplus
}
#endif
#endif
