/*
 * internal.h - structures shared by the glue's source files. Not part of the ABI:
 * everything declared here is hidden (-fvisibility=hidden).
 */
#ifndef LWSJ_INTERNAL_H
#define LWSJ_INTERNAL_H

#include <pthread.h>
#include <stdint.h>
#include <stddef.h>
#include <string.h>

#include <libwebsockets.h>

#include "lwsj.h"

/* headroom in front of every frame's payload: lws needs LWS_PRE, our header
 * LWSJ_FRAME_OVERHEAD at most */
#define LWSJ_HEADROOM LWS_PRE
/* the most bytes gathered into one raw write */
#define LWSJ_SCRATCH_SIZE (256 * 1024)

/* the longest one wait of the service loop lasts (see lwsj_service) */
#define LWSJ_MAX_WAIT_MS 50

/* permessage-deflate and user-defined extensions of one context */
#define LWSJ_MAX_EXTENSIONS 8

/*
 * A framed message. Broadcast frames are shared by every recipient (refs). A frame of
 * lwsj_broadcast_shared is shared by several contexts (size_class LWSJ_POOL_SHARED):
 * its refs change atomically and it goes back to malloc, not to a context's pool.
 */
struct lwsj_frame {
	uint32_t refs;
	uint32_t len;      /* payload bytes */
	uint8_t hdr_len;   /* header bytes written just before the payload */
	uint8_t opflags;   /* LWSJ_SEND_* of this frame */
	uint8_t size_class; /* its list in the frame pool, or LWSJ_POOL_NONE */
	uint32_t token;    /* reported in LWSJ_EV_SENT once written; 0: not asked for */
	unsigned char buf[]; /* LWSJ_HEADROOM bytes, then the payload */
};

static inline unsigned char *lwsj_frame_payload(struct lwsj_frame *f)
{
	return f->buf + LWSJ_HEADROOM;
}

/*
 * The bound on queued bytes is a high-water mark: a message is refused only when
 * something is queued already, so one message larger than the bound still goes
 * out and a queue holds at most the bound plus one message.
 */
static inline int lwsj_over_bound(int64_t queued, int64_t cost, int64_t bound)
{
	return queued > 0 && queued + cost > bound;
}

/* what a send of plen payload bytes counts against its connection's bound */
static inline int64_t lwsj_send_cost(uint32_t plen)
{
	return (int64_t)plen + LWSJ_FRAME_OVERHEAD;
}

static inline size_t lwsj_frame_wire_len(const struct lwsj_frame *f)
{
	return (size_t)f->hdr_len + f->len;
}

/* frame pool (framepool.c): classes up to a 1 MiB payload */
#define LWSJ_POOL_CLASSES 57
#define LWSJ_POOL_NONE 0xff
#define LWSJ_POOL_SHARED 0xfe

/*
 * A command only the glue queues (lwsj_broadcast_shared), never Java: target = protocol
 * index, payload = the address of a shared frame, whose reference the command holds.
 * Refused from Java's submissions, so no address ever comes from Java.
 */
#define LWSJ_CMD_BROADCAST_FRAME 100

struct lwsj_frame_pool {
	struct lwsj_frame *free[LWSJ_POOL_CLASSES];
	size_t cached; /* bytes held in the lists */
};

/* A growable byte buffer. */
struct lwsj_bytes {
	unsigned char *p;
	size_t len, cap;
};

int lwsj_bytes_reserve(struct lwsj_bytes *b, size_t extra);
void lwsj_bytes_free(struct lwsj_bytes *b);

struct lwsj_proto {
	char *name;
	int32_t flags;
	int32_t rx_buffer_size;
	int64_t max_message_size;
	int64_t max_queued_bytes;
	int32_t overflow_policy;
	int32_t overflow_close_code;
	int32_t head;      /* first slot of this protocol's connection list, -1 if none */
};

/* What a client connection needs until CLIENT_ESTABLISHED. */
struct lwsj_client {
	struct lwsj_conn *conn;  /* for the timer; the slot array never moves */
	int64_t request;         /* Java's id of the connect request */
	struct lws *connecting;  /* the wsi, once lws made it */
	unsigned char *headers;  /* name\0value\0 pairs to append, then \0 */
	size_t headers_len;
	lws_sorted_usec_list_t sul; /* the connect timeout */
	struct lwsj_bytes response; /* subprotocol and response headers, for the event */
	uint8_t reported;        /* the failure has been reported */
	uint8_t timed_out;       /* the connect timeout fired */
	uint8_t header_upcall;   /* ask Java for handshake headers */
};

/* Close reasons, made when a close begins (most connections never need them). */
struct lwsj_close_texts {
	uint8_t reason_len;      /* ours */
	uint8_t peer_len;        /* the peer's */
	char reason[123];
	char peer_reason[123];
};

/*
 * One WebSocket connection, owned by the service thread. Kept small: every slot of
 * maxConnections is one of these, and an idle connection should cost little.
 */
struct lwsj_conn {
	struct lws *wsi;        /* NULL while free or while a client is connecting */
	uint32_t gen;           /* bumped when the connection closes */
	int32_t protocol;
	int32_t prev, next;     /* the protocol's connection list, or the free list (next) */
	uint8_t in_use;
	uint8_t linked;         /* in its protocol's list (established) */
	uint8_t is_client;      /* frames we send are masked */
	uint8_t ext_active;     /* an extension (permessage-deflate) transforms our frames */
	uint8_t rx_binary;
	uint8_t rx_active;      /* a message is being assembled */
	uint8_t wants_writable;
	uint8_t close_pending;  /* close after the queue drains */
	int64_t queued;         /* wire bytes of the frames queued (conn.c: the slot's charge) */
	uint16_t close_code;    /* the code we send (close_pending) */
	int32_t peer_close_code; /* from the peer's close frame; 0 = none seen */
	struct lwsj_close_texts *texts;
	struct lwsj_client *client; /* until CLIENT_ESTABLISHED */

	/* send queue: a ring of frame pointers */
	struct lwsj_frame **q;
	uint32_t q_head, q_len, q_cap;
	struct lwsj_frame *in_flight; /* written with lws_write; valid until next WRITEABLE */
	/* tokens of frames written while lws still holds an unsent tail: reported at the
	 * next WRITEABLE, which lws gives only once the tail has gone */
	uint32_t *sent, sent_len, sent_cap;

	/* assembly of a message that arrives in several chunks */
	unsigned char *rx;
	size_t rx_len, rx_cap;
};

/* lws's per-session data: lws allocates and zeroes it for every wsi */
struct lwsj_pss {
	uint32_t slot_plus1;     /* 0: no WebSocket slot */
	uint32_t protocol_plus1; /* the protocol chosen by path at the upgrade; 0: lws's */
	uint8_t ext_active;      /* an extension was accepted at the upgrade */
	unsigned char *http_body; /* HTTP answer still to send: LWS_PRE + body */
	size_t http_len, http_off;
	char *file_path;         /* file being served, for LWSJ_UP_HTTP_FILE_DONE */
	struct lwsj_bytes req_body; /* the request's body, until it is complete */
	uint8_t awaiting_body;   /* the request goes to Java when its body is complete */
};

/* TLS files, kept until the context is freed (lws reads them at vhost creation) */
struct lwsj_tls {
	char *cert, *key, *password, *ca;
	int32_t flags;
	char *client_ca, *client_cert, *client_key, *client_password;
};

/* epoll.c: per fd, the poll(2) events lws wants and those the epoll set has */
struct lwsj_fdwatch {
	uint8_t want, reg, dirty;
	uint8_t kick; /* the glue queued a write: try it before the next wait */
};

struct lwsj_watch {
	struct lwsj_fdwatch *fds; /* by fd number */
	int cap;
	int *dirty;               /* fds whose want changed since the last wait */
	int ndirty, dirty_cap;
	int *kicks;               /* fds with a kick */
	int nkicks, kicks_cap;
};

/* a connection that failed on bad input, closed at the next turn (callback.c) */
struct lwsj_failing {
	uint64_t conn;
	uint16_t code;
	uint8_t reason_len;
	char reason[123];
};

struct lwsj_ctx {
	int64_t handle;
	struct lwsj_tls tls;
	struct lws_extension exts[LWSJ_MAX_EXTENSIONS + 1]; /* then a zeroed end */
	int32_t nexts;
	char *ext_strings[2 * LWSJ_MAX_EXTENSIONS]; /* names and offers we own */
	int32_t max_header_bytes, handshake_timeout_s;
	int32_t timeout_s;            /* lws's round-trip timeout in force */
	lws_retry_bo_t idle_policy;   /* keepalive pings and idle hang-up */
	uint32_t table_index;
	lwsj_upcall_fn upcall;

	struct lws_context *lws;
	struct lws_vhost *vhost;
	struct lws_protocols *protocols; /* nprotos + 1, the last one zero */
	struct lwsj_proto *protos;
	int32_t nprotos;
	int32_t port;

	/* connection slots */
	struct lwsj_conn *conns;
	uint32_t max_conns;
	int32_t free_head;
	int64_t *slots;          /* Java's slot table: the charged word per slot (conn.c) */

	/* events of the current turn: Java's buffer, then the spill */
	unsigned char *ev;
	int32_t ev_cap, ev_len;
	struct lwsj_bytes spill;
	size_t spill_off;

	/* commands from other threads, guarded by the context table entry's lock */
	struct lwsj_bytes xq;
	size_t xq_frame_bytes;       /* payload of the shared frames xq refers to: counts against its bound */
	size_t max_foreign_bytes;    /* xq's bound (lwsj_ctx_set_limits) */
	int64_t max_http_body;       /* the largest HTTP request body taken */
	char hostname[256];          /* lws's canonical host name, copied at listen */
	int wake_pending;

	struct lwsj_bytes failing;    /* struct lwsj_failing records */

	struct lwsj_frame_pool frame_pool;
	unsigned char *scratch;  /* LWS_PRE + LWSJ_SCRATCH_SIZE, for gathered writes */
	unsigned char rnd[4096]; /* kernel random bytes for masking keys (random.c) */
	uint32_t rnd_pos;        /* bytes of rnd used; sizeof(rnd): refill */
	struct lws *http_wsi;    /* the wsi of the HTTP upcall in progress */
	int destroying;
	int external_poll;       /* tell Java about fds to watch */
	int network_filter;      /* ask Java about each accepted connection */
	int epoll_fd;            /* else: the set lwsj_service waits in (epoll.c) */
	struct lwsj_watch watch; /* and what it watches */
	int wake_fd;             /* an eventfd other threads wake the loop with */
};

/* ctx.c */
pthread_mutex_t *lwsj_ctx_lock(struct lwsj_ctx *ctx);
struct lwsj_ctx *lwsj_ctx_get(int64_t handle);
void lwsj_ctx_wake(struct lwsj_ctx *ctx);
void lwsj_ctx_take_wake(struct lwsj_ctx *ctx);

/* conn.c: [service] */
int32_t lwsj_conn_alloc(struct lwsj_ctx *ctx, struct lws *wsi, int32_t protocol);
int32_t lwsj_conn_alloc_unlinked(struct lwsj_ctx *ctx, int32_t protocol);
void lwsj_conn_link(struct lwsj_ctx *ctx, uint32_t slot, struct lws *wsi);
void lwsj_conn_release(struct lwsj_ctx *ctx, uint32_t slot);
struct lwsj_conn *lwsj_conn_get(struct lwsj_ctx *ctx, uint64_t handle, uint32_t *slot);
uint64_t lwsj_conn_handle(struct lwsj_ctx *ctx, uint32_t slot);
void lwsj_slot_add_queued(struct lwsj_ctx *ctx, uint32_t slot, int64_t delta);
void lwsj_slot_add_charged(struct lwsj_ctx *ctx, uint32_t slot, int64_t delta);
void lwsj_slot_move_to_queued(struct lwsj_ctx *ctx, uint32_t slot, int64_t wire, int64_t credit);
void lwsj_slot_clear_queued(struct lwsj_ctx *ctx, uint32_t slot);
int64_t lwsj_slot_charged(struct lwsj_ctx *ctx, uint32_t slot);

/* random.c: [service] */
int lwsj_random_bytes(struct lwsj_ctx *ctx, void *out, size_t n);

/* events.c: [service] */
int lwsj_emit(struct lwsj_ctx *ctx, uint16_t type, uint16_t flags, uint64_t conn,
	      int32_t protocol, int64_t b, const void *payload, size_t plen);
/* a record whose payload is two pieces (an assembled message tail) */
int lwsj_emit2(struct lwsj_ctx *ctx, uint16_t type, uint16_t flags, uint64_t conn,
	       int32_t protocol, int64_t b, const void *p1, size_t l1,
	       const void *p2, size_t l2);

int32_t lwsj_events_len(struct lwsj_ctx *ctx);

/* epoll.c */
int lwsj_epoll_open(struct lwsj_ctx *ctx);
void lwsj_epoll_free(struct lwsj_ctx *ctx);
void lwsj_want_writeable(struct lwsj_ctx *ctx, struct lws *wsi);
int lwsj_epoll_change(struct lwsj_ctx *ctx, int kind, int fd, int events);
void lwsj_epoll_turn(struct lwsj_ctx *ctx, int timeout_ms);

/* framepool.c: [service] */
struct lwsj_frame *lwsj_frame_alloc(struct lwsj_ctx *ctx, size_t len);
void lwsj_frame_release(struct lwsj_ctx *ctx, struct lwsj_frame *f);
void lwsj_frame_pool_free(struct lwsj_ctx *ctx);

/* sendq.c: [service] */
struct lwsj_frame *lwsj_frame_new(struct lwsj_ctx *ctx, uint8_t opflags, const void *payload,
				  size_t len, int masked);
void lwsj_frame_unref(struct lwsj_ctx *ctx, struct lwsj_frame *f);
void lwsj_frame_ref(struct lwsj_frame *f);
/* [any] a frame for several contexts, with refs references; NULL without memory */
struct lwsj_frame *lwsj_frame_new_shared(uint8_t opflags, const void *payload, size_t len, uint32_t refs);
int lwsj_conn_enqueue(struct lwsj_ctx *ctx, uint32_t slot, struct lwsj_frame *f, int64_t credit);
int lwsj_conn_writeable(struct lwsj_ctx *ctx, uint32_t slot);
void lwsj_conn_drop_queue(struct lwsj_ctx *ctx, uint32_t slot);
void lwsj_conn_close(struct lwsj_ctx *ctx, uint32_t slot, int code, const char *reason, size_t rlen);
void lwsj_conn_abort(struct lwsj_ctx *ctx, uint32_t slot, int code, const char *reason, size_t rlen);

/* a command record's header (lwsj.h, "commands"), read from possibly unaligned bytes */
struct lwsj_cmd_hdr {
	uint32_t size;
	uint16_t op;
	uint16_t flags;
	uint64_t target;
	uint32_t len;
	int32_t aux;
};

static inline void lwsj_cmd_write(unsigned char *p, const struct lwsj_cmd_hdr *h)
{
	memcpy(p, &h->size, 4);
	memcpy(p + 4, &h->op, 2);
	memcpy(p + 6, &h->flags, 2);
	memcpy(p + 8, &h->target, 8);
	memcpy(p + 16, &h->len, 4);
	memcpy(p + 20, &h->aux, 4);
}

static inline void lwsj_cmd_read(const unsigned char *p, struct lwsj_cmd_hdr *h)
{
	memcpy(&h->size, p, 4);
	memcpy(&h->op, p + 4, 2);
	memcpy(&h->flags, p + 6, 2);
	memcpy(&h->target, p + 8, 8);
	memcpy(&h->len, p + 16, 4);
	memcpy(&h->aux, p + 20, 4);
}

/* commands.c: [service] */
int32_t lwsj_commands_run(struct lwsj_ctx *ctx, const unsigned char *p, size_t len);
void lwsj_commands_run_foreign(struct lwsj_ctx *ctx);
/* [service, destroying] what xq still holds is dropped: the shared frames' references go */
void lwsj_commands_drop_foreign(struct lwsj_ctx *ctx);

/* client.c: [service] */
void lwsj_client_connect(struct lwsj_ctx *ctx, int64_t request, const unsigned char *blob, size_t len);
int lwsj_client_callback(struct lwsj_ctx *ctx, struct lws *wsi, enum lws_callback_reasons reason,
			 void *in, size_t len, int *handled);
uint32_t lwsj_client_slot(struct lws *wsi);

/* callback.c: [service] */
void lwsj_conn_closed(struct lwsj_ctx *ctx, uint32_t slot);
int lwsj_conn_fail_later(struct lwsj_ctx *ctx, uint32_t slot, const unsigned char *in, size_t len);
void lwsj_close_failing(struct lwsj_ctx *ctx);
int lwsj_conn_receive(struct lwsj_ctx *ctx, struct lws *wsi, uint32_t slot, void *in, size_t len);
void lwsj_conn_peer_close(struct lwsj_conn *c, const unsigned char *in, size_t len);
struct lwsj_close_texts *lwsj_conn_texts(struct lwsj_conn *c);
int lwsj_lws_callback(struct lws *wsi, enum lws_callback_reasons reason,
		      void *user, void *in, size_t len);

/* http.c: [service] */
#define LWSJ_HTTP_MALFORMED -2 /* lwsj_http_request: the request cannot be passed on as it is */
int lwsj_put_field(struct lwsj_bytes *b, const void *p, size_t n);
int lwsj_http_request(struct lwsj_ctx *ctx, struct lws *wsi, int reason, int32_t protocol,
		      const struct lwsj_bytes *body);
int lwsj_http_begin(struct lwsj_ctx *ctx, struct lws *wsi, struct lwsj_pss *pss);
int lwsj_http_body(struct lwsj_pss *pss, const void *in, size_t len);
int lwsj_http_body_done(struct lwsj_ctx *ctx, struct lws *wsi, struct lwsj_pss *pss);
int lwsj_put_headers(struct lws *wsi, struct lwsj_bytes *b);
int lwsj_http_writeable(struct lws *wsi, struct lwsj_pss *pss);
void lwsj_http_free(struct lwsj_pss *pss);
int lwsj_http_file_done(struct lwsj_ctx *ctx, struct lws *wsi, struct lwsj_pss *pss);

/* tls.c */
void lwsj_tls_apply(struct lwsj_ctx *ctx, struct lws_context_creation_info *info);
void lwsj_tls_free(struct lwsj_ctx *ctx);
int lwsj_tls_extra_ca(struct lwsj_ctx *ctx, void *ssl_ctx, int client_side);
int lwsj_tls_verify_peer(struct lwsj_ctx *ctx, void *store, int preverify_ok);

/* ext.c */
int32_t lwsj_ext_add(struct lwsj_ctx *ctx, const char *name, const char *client_offer,
		     lws_extension_callback_function *cb);
void lwsj_ext_free(struct lwsj_ctx *ctx);

/* deflate.c */
int lwsj_deflate_confirm(struct lwsj_ctx *ctx, struct lws *wsi, int64_t request,
			 int32_t protocol, const char *name);

/* log.c */
void lwsj_clear_error(void);
void lwsj_set_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
