/*
 * ctx.c - the context table and the context lifecycle.
 *
 * Contexts are reached through handles (generation << 32 | index) so that a stale
 * handle from Java can never reach freed memory. Each table entry has a lock: calls
 * from other threads hold it while they touch the context (lwsj_submit, lwsj_wake),
 * and destroy takes the context out of the table under it before freeing anything.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "internal.h"

#define LWSJ_MAX_CONTEXTS 256

static struct {
	pthread_mutex_t lock;
	uint32_t gen;
	struct lwsj_ctx *ctx;
} table[LWSJ_MAX_CONTEXTS];

static pthread_once_t table_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t table_alloc_lock = PTHREAD_MUTEX_INITIALIZER;

static void table_init(void)
{
	for (int i = 0; i < LWSJ_MAX_CONTEXTS; i++)
		pthread_mutex_init(&table[i].lock, NULL);
}

pthread_mutex_t *lwsj_ctx_lock(struct lwsj_ctx *ctx)
{
	return &table[ctx->table_index].lock;
}

/*
 * [any] locks the table entry of a handle and returns that lock, with *ctx the entry's
 * context (NULL when stale); NULL, nothing locked, for a handle that cannot be one.
 * Every ABI entry
 * that takes a context comes through here, so the thread's error text starts afresh:
 * no error text outlives the call that set it.
 */
static pthread_mutex_t *lock_entry(int64_t handle, struct lwsj_ctx **ctx)
{
	uint32_t idx = (uint32_t)(handle & 0xffffffff), gen = (uint32_t)((uint64_t)handle >> 32);

	*ctx = NULL;
	lwsj_clear_error();
	if (idx >= LWSJ_MAX_CONTEXTS || !gen)
		return NULL;
	pthread_once(&table_once, table_init);
	pthread_mutex_lock(&table[idx].lock);
	if (table[idx].gen == gen)
		*ctx = table[idx].ctx;
	return &table[idx].lock;
}

/*
 * [owner] the context of a handle, or NULL when stale. Only the owner may keep using
 * it after the lock is released: another thread could free it meanwhile (those use
 * lock_live).
 */
struct lwsj_ctx *lwsj_ctx_get(int64_t handle)
{
	struct lwsj_ctx *ctx;
	pthread_mutex_t *lock = lock_entry(handle, &ctx);

	if (lock)
		pthread_mutex_unlock(lock);
	return ctx;
}

/*
 * [any] a listening context that is not being destroyed, with its table entry locked
 * (the caller unlocks with unlock_live), or NULL and nothing locked. Destroy marks the
 * context and takes it out of the table under the same lock, so the context stays
 * whole while the lock is held.
 */
static struct lwsj_ctx *lock_live(int64_t handle)
{
	struct lwsj_ctx *ctx;
	pthread_mutex_t *lock = lock_entry(handle, &ctx);

	if (ctx && ctx->lws && !ctx->destroying)
		return ctx;
	if (lock)
		pthread_mutex_unlock(lock);
	return NULL;
}

static void unlock_live(struct lwsj_ctx *ctx)
{
	pthread_mutex_unlock(&table[ctx->table_index].lock);
}

int32_t lwsj_abi_version(void)
{
	return LWSJ_ABI_VERSION;
}

const char *lwsj_lws_version(void)
{
	return lws_get_library_version();
}

/* [any] */
int64_t lwsj_ctx_new(lwsj_upcall_fn upcall)
{
	struct lwsj_ctx *ctx;
	int64_t h = 0;

	lwsj_clear_error();
	if (!upcall) {
		lwsj_set_error("no upcall function");
		return 0;
	}
	pthread_once(&table_once, table_init);
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx) {
		lwsj_set_error("out of memory");
		return 0;
	}
	ctx->upcall = upcall;
	ctx->rnd_pos = sizeof(ctx->rnd); /* empty: the first masking key fills it */
	ctx->max_foreign_bytes = LWSJ_FOREIGN_BYTES_DEFAULT;
	ctx->max_http_body = LWSJ_HTTP_BODY_DEFAULT;
	ctx->free_head = -1;
	ctx->wake_fd = -1;
	ctx->epoll_fd = -1;

	pthread_mutex_lock(&table_alloc_lock);
	for (uint32_t i = 0; i < LWSJ_MAX_CONTEXTS; i++) {
		pthread_mutex_lock(&table[i].lock);
		if (!table[i].ctx) {
			table[i].gen++;
			if (!table[i].gen)
				table[i].gen = 1;
			table[i].ctx = ctx;
			ctx->table_index = i;
			h = (int64_t)(((uint64_t)table[i].gen << 32) | i);
			ctx->handle = h;
		}
		pthread_mutex_unlock(&table[i].lock);
		if (h)
			break;
	}
	pthread_mutex_unlock(&table_alloc_lock);
	if (!h) {
		free(ctx);
		lwsj_set_error("too many contexts (at most %d)", LWSJ_MAX_CONTEXTS);
	}
	return h;
}

/* [owner, before listen] */
int32_t lwsj_ctx_add_protocol(int64_t handle, const char *name, int32_t flags,
			      int32_t rx_buffer_size, int64_t max_message_size,
			      int64_t max_queued_bytes, int32_t overflow_policy,
			      int32_t overflow_close_code)
{
	struct lwsj_ctx *ctx = lwsj_ctx_get(handle);
	struct lwsj_proto *np;

	if (!ctx)
		return LWSJ_ERR_STALE;
	if (ctx->lws) {
		lwsj_set_error("protocols must be added before listening");
		return LWSJ_ERR_STATE;
	}
	if (!name || !*name || rx_buffer_size < 128 || max_message_size < 1 ||
	    max_queued_bytes < 1 || (overflow_policy != LWSJ_OVERFLOW_REFUSE &&
	     overflow_policy != LWSJ_OVERFLOW_CLOSE)) {
		lwsj_set_error("bad protocol settings");
		return LWSJ_ERR_ARG;
	}
	np = realloc(ctx->protos, sizeof(*np) * (size_t)(ctx->nprotos + 1));
	if (!np)
		return LWSJ_ERR_NOMEM;
	ctx->protos = np;
	np = &ctx->protos[ctx->nprotos];
	memset(np, 0, sizeof(*np));
	np->name = strdup(name);
	if (!np->name)
		return LWSJ_ERR_NOMEM;
	np->flags = flags;
	np->rx_buffer_size = rx_buffer_size;
	np->max_message_size = max_message_size;
	np->max_queued_bytes = max_queued_bytes;
	np->overflow_policy = overflow_policy;
	np->overflow_close_code = overflow_close_code;
	np->head = -1;
	ctx->nprotos++;
	return LWSJ_OK;
}

/* [owner, before listen] */
int32_t lwsj_ctx_set_limits(int64_t handle, int32_t max_header_bytes, int32_t handshake_timeout_s,
			    int32_t ping_interval_s, int32_t idle_timeout_s,
			    int64_t max_foreign_bytes, int64_t max_http_body)
{
	struct lwsj_ctx *ctx = lwsj_ctx_get(handle);

	if (!ctx)
		return LWSJ_ERR_STALE;
	if (ctx->lws) {
		lwsj_set_error("limits must be set before listening");
		return LWSJ_ERR_STATE;
	}
	if ((max_header_bytes && (max_header_bytes < 1024 || max_header_bytes > 65535)) ||
	    handshake_timeout_s < 0 || ping_interval_s < 0 || ping_interval_s > 65535 ||
	    idle_timeout_s < 0 || idle_timeout_s > 65535 ||
	    /* lws pings only with a hang-up time, and pings at once after each pong
	     * with a ping time of 0: both or neither, the ping first */
	    !ping_interval_s != !idle_timeout_s ||
	    (ping_interval_s && ping_interval_s >= idle_timeout_s) ||
	    max_foreign_bytes < 0 || (max_foreign_bytes && max_foreign_bytes < 4096) ||
	    max_http_body < 0 || max_http_body > INT32_MAX - 64) {
		lwsj_set_error("bad limits (headers %d, handshake %d s, ping %d s, idle %d s, "
			       "cross-thread queue %lld bytes, HTTP body %lld bytes)", max_header_bytes,
			       handshake_timeout_s, ping_interval_s, idle_timeout_s,
			       (long long)max_foreign_bytes, (long long)max_http_body);
		return LWSJ_ERR_ARG;
	}
	ctx->max_foreign_bytes = max_foreign_bytes ? (size_t)max_foreign_bytes
						   : LWSJ_FOREIGN_BYTES_DEFAULT;
	ctx->max_http_body = max_http_body;
	ctx->max_header_bytes = max_header_bytes;
	ctx->handshake_timeout_s = handshake_timeout_s;
	memset(&ctx->idle_policy, 0, sizeof(ctx->idle_policy));
	ctx->idle_policy.secs_since_valid_ping = (uint16_t)ping_interval_s;
	ctx->idle_policy.secs_since_valid_hangup = (uint16_t)idle_timeout_s;
	return LWSJ_OK;
}

/* [owner] the service loop's epoll set and wake-up eventfd, where there are */
static void close_loop_fds(struct lwsj_ctx *ctx)
{
	if (ctx->epoll_fd >= 0)
		close(ctx->epoll_fd);
	if (ctx->wake_fd >= 0)
		close(ctx->wake_fd);
	ctx->epoll_fd = ctx->wake_fd = -1;
	lwsj_epoll_free(ctx);
}

/* [owner] */
int32_t lwsj_ctx_listen(int64_t handle, const char *iface, int32_t port,
			int32_t options, int32_t max_conns, void *slots)
{
	struct lwsj_ctx *ctx = lwsj_ctx_get(handle);
	struct lws_context_creation_info info;
	int32_t r = LWSJ_ERR_NOMEM;

	if (!ctx)
		return LWSJ_ERR_STALE;
	if (ctx->lws) {
		lwsj_set_error("already listening");
		return LWSJ_ERR_STATE;
	}
	if (!ctx->nprotos || port < -1 || port > 65535 || max_conns < 1 || !slots) {
		lwsj_set_error("bad listen arguments (port %d, %d protocols, max_conns %d)",
			       port, ctx->nprotos, max_conns);
		return LWSJ_ERR_ARG;
	}

	ctx->conns = calloc((size_t)max_conns, sizeof(*ctx->conns));
	ctx->protocols = calloc((size_t)ctx->nprotos + 1, sizeof(*ctx->protocols));
	ctx->scratch = malloc(LWS_PRE + LWSJ_SCRATCH_SIZE);
	if (!ctx->conns || !ctx->protocols || !ctx->scratch) {
		lwsj_set_error("out of memory for %d connections", max_conns);
		goto fail;
	}
	ctx->max_conns = (uint32_t)max_conns;
	ctx->slots = slots;
	ctx->external_poll = !!(options & LWSJ_OPT_EXTERNAL_POLL);
	ctx->network_filter = !!(options & LWSJ_OPT_NETWORK_FILTER);
	/* the free list runs from slot 0 upward so that low slots are reused first */
	for (int32_t i = max_conns - 1; i >= 0; i--) {
		ctx->conns[i].next = ctx->free_head;
		ctx->free_head = i;
		ctx->conns[i].gen = 1;
	}

	for (int32_t i = 0; i < ctx->nprotos; i++) {
		ctx->protocols[i].name = ctx->protos[i].name;
		ctx->protocols[i].callback = lwsj_lws_callback;
		ctx->protocols[i].per_session_data_size = sizeof(struct lwsj_pss);
		ctx->protocols[i].rx_buffer_size = (size_t)ctx->protos[i].rx_buffer_size;
		ctx->protocols[i].id = (unsigned int)i;
		/* lws splits raw writes into chunks of this size: let a gathered write go whole */
		ctx->protocols[i].tx_packet_size = LWSJ_SCRATCH_SIZE + 64;
	}

	memset(&info, 0, sizeof(info));
	/* 0: the kernel picks a free port; -1: no listener */
	info.port = port < 0 ? CONTEXT_PORT_NO_LISTEN : port;
	info.iface = iface;
	info.protocols = ctx->protocols;
	info.user = ctx;
	/* one vhost, made below, so that a failed listen is reported as such */
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT |
		       LWS_SERVER_OPTION_JUST_USE_RAW_ORIGIN;
	if (!(options & LWSJ_OPT_NO_VALIDATE_UTF8))
		info.options |= LWS_SERVER_OPTION_VALIDATE_UTF8;
	if (options & LWSJ_OPT_LISTEN_SHARE)
		info.options |= LWS_SERVER_OPTION_ALLOW_LISTEN_SHARE;
	/* lws sizes its fd table from ulimit -n unless told: keep it to what we use */
	info.fd_limit_per_thread = (unsigned int)max_conns + 64;
	info.count_threads = 1;
	/* lws reads the socket in chunks of this (one buffer per context, not per
	 * connection): large enough that a big message takes few reads */
	info.pt_serv_buf_size = 64 * 1024;
	info.timeout_secs = ctx->handshake_timeout_s ? (unsigned int)ctx->handshake_timeout_s : 20;
	/* a connection holding a half-sent request (slowloris) gets no longer than that */
	info.timeout_secs_ah_idle = info.timeout_secs;
	ctx->timeout_s = (int32_t)info.timeout_secs;
	if (ctx->max_header_bytes)
		info.max_http_header_data = (unsigned short)ctx->max_header_bytes;
	if (ctx->idle_policy.secs_since_valid_ping || ctx->idle_policy.secs_since_valid_hangup)
		info.retry_and_idle_policy = &ctx->idle_policy;
	info.gid = (gid_t)-1;
	info.uid = (uid_t)-1;

	lwsj_tls_apply(ctx, &info);
	if (ctx->nexts)
		info.extensions = ctx->exts;

	/*
	 * other threads wake the loop through an eventfd of ours (lws's own wake-up pipe
	 * is never reported to a loop outside lws); lws reports the listener as it makes
	 * it, so the epoll set must be there first
	 */
	ctx->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (ctx->wake_fd < 0 || (!ctx->external_poll && lwsj_epoll_open(ctx))) {
		lwsj_set_error("cannot make the service loop's eventfd or epoll set: %s",
			       strerror(errno));
		r = errno == ENOMEM ? LWSJ_ERR_NOMEM : LWSJ_ERR_SYS;
		goto fail;
	}
	r = LWSJ_ERR_LWS;
	ctx->lws = lws_create_context(&info);
	if (!ctx->lws) {
		lwsj_set_error("lws_create_context failed (see the lws log)");
		goto fail;
	}
	ctx->vhost = lws_create_vhost(ctx->lws, &info);
	if (!ctx->vhost) {
		lwsj_set_error("cannot listen on %s:%d (port in use, not an address of this host, "
			       "or TLS setup failed: see the log)", iface ? iface : "*", port);
		goto fail_lws;
	}
	ctx->port = lws_get_vhost_listen_port(ctx->vhost);
	snprintf(ctx->hostname, sizeof(ctx->hostname), "%s",
		 lws_canonical_hostname(ctx->lws) ? lws_canonical_hostname(ctx->lws) : "");
	if (ctx->external_poll) {
		/* the external loop watches the wake-up eventfd too */
		int32_t v[3] = { ctx->wake_fd, POLLIN, 0 };

		ctx->upcall(ctx->handle, LWSJ_UP_POLL, 0, LWSJ_POLL_ADD, v, (int32_t)sizeof(v), 0);
	}
	return LWSJ_OK;

fail_lws:
	lws_context_destroy(ctx->lws);
	ctx->lws = NULL;
fail:
	close_loop_fds(ctx);
	free(ctx->conns);
	free(ctx->protocols);
	free(ctx->scratch);
	ctx->conns = NULL;
	ctx->protocols = NULL;
	ctx->scratch = NULL;
	return r;
}

/* [any] */
int32_t lwsj_ctx_port(int64_t handle)
{
	struct lwsj_ctx *ctx = lock_live(handle);
	int32_t port;

	if (!ctx)
		return LWSJ_ERR_STALE;
	port = ctx->port;
	unlock_live(ctx);
	return port;
}

/* [any] from the copy made at listen time: lws's own context may be going away */
int32_t lwsj_ctx_hostname(int64_t handle, char *out, int32_t cap)
{
	struct lwsj_ctx *ctx;
	int32_t r;
	size_t n;

	if (!out || cap < 1)
		return LWSJ_ERR_ARG;
	ctx = lock_live(handle);
	if (!ctx)
		return LWSJ_ERR_STALE;
	n = strlen(ctx->hostname);
	if (n >= (size_t)cap) {
		r = LWSJ_ERR_SPACE;
	} else {
		memcpy(out, ctx->hostname, n + 1);
		r = (int32_t)n;
	}
	unlock_live(ctx);
	return r;
}

/*
 * [any, holding the table entry's lock] wake the service thread: every listening
 * context has the eventfd (its epoll set, or the external loop, watches it)
 */
void lwsj_ctx_wake(struct lwsj_ctx *ctx)
{
	uint64_t one = 1;

	if (write(ctx->wake_fd, &one, sizeof(one)) < 0)
		lwsl_debug("%s: eventfd full\n", __func__); /* it is awake anyway */
}

/* [service] takes a wake-up; the commands it was for run with the turn's own */
void lwsj_ctx_take_wake(struct lwsj_ctx *ctx)
{
	uint64_t n;

	if (read(ctx->wake_fd, &n, sizeof(n)) < 0)
		lwsl_debug("%s: spurious wake-up\n", __func__);
}

/* [any] */
int32_t lwsj_wake(int64_t handle)
{
	struct lwsj_ctx *ctx = lock_live(handle);

	if (!ctx)
		return LWSJ_ERR_STALE;
	lwsj_ctx_wake(ctx);
	unlock_live(ctx);
	return LWSJ_OK;
}

/*
 * [any, holding the table entry's lock] checks a submission before anything of it is
 * queued: well-formed records, every SEND to a live connection and within its bound
 * (counting the sends before it in the same submission), the cross-thread queue
 * within its bound (a first submission larger than that bound still goes).
 */
static int32_t check_submission(struct lwsj_ctx *ctx, const unsigned char *p, size_t len)
{
	size_t off = 0;

	size_t held = ctx->xq.len + ctx->xq_frame_bytes;

	if (held && held + len > ctx->max_foreign_bytes) {
		struct lwsj_cmd_hdr k;

		/* a close alone is always taken: refusing it would keep a connection open */
		lwsj_cmd_read(p, &k);
		if (k.op != LWSJ_CMD_CLOSE || k.size != len)
			goto busy;
	}
	while (off < len) {
		struct lwsj_cmd_hdr k;
		uint32_t slot;
		int64_t mine = 0;

		if (len - off < LWSJ_CMD_HEADER_SIZE)
			return LWSJ_ERR_ARG;
		lwsj_cmd_read(p + off, &k);
		if (k.size < LWSJ_CMD_HEADER_SIZE || (k.size & 7) || k.size > len - off ||
		    k.len > k.size - LWSJ_CMD_HEADER_SIZE)
			return LWSJ_ERR_ARG;
		off += k.size;
		if (k.op == LWSJ_CMD_BROADCAST_FRAME)
			return LWSJ_ERR_ARG; /* the glue's own: it carries an address */
		if (k.op != LWSJ_CMD_SEND)
			continue;
		slot = (uint32_t)(k.target & 0xffffffff);
		if (slot >= ctx->max_conns || ctx->conns[slot].gen != (uint32_t)(k.target >> 32) ||
		    !ctx->conns[slot].wsi)
			return LWSJ_ERR_STALE;
		/* earlier sends of this submission to the same connection */
		for (size_t o = 0; o < off - k.size;) {
			struct lwsj_cmd_hdr e;

			lwsj_cmd_read(p + o, &e);
			if (e.op == LWSJ_CMD_SEND && e.target == k.target)
				mine += lwsj_send_cost(e.len);
			o += e.size;
		}
		if (lwsj_over_bound(lwsj_slot_charged(ctx, slot) + mine,
				    lwsj_send_cost(k.len),
				    ctx->protos[ctx->conns[slot].protocol].max_queued_bytes))
			return LWSJ_ERR_FULL;
	}
	return LWSJ_OK;
busy:
	lwsj_set_error("the context's cross-thread queue holds %zu bytes (limit %zu): its "
		       "service thread is behind", held, ctx->max_foreign_bytes);
	return LWSJ_ERR_BUSY;
}

/*
 * [any] Queue commands for the service thread. Sends are checked against their
 * connection's bound here, so that the caller learns at once that a send was refused;
 * what is accepted is charged to its slot (conn.c) until it is queued. A
 * submission is taken whole or refused whole.
 */
int32_t lwsj_submit(int64_t handle, const void *cmds, int32_t len)
{
	const unsigned char *p = cmds;
	struct lwsj_ctx *ctx;
	int32_t r;

	if (!cmds || len < LWSJ_CMD_HEADER_SIZE || (len & 7)) {
		lwsj_clear_error();
		return LWSJ_ERR_ARG;
	}
	ctx = lock_live(handle);
	if (!ctx)
		return LWSJ_ERR_STALE;
	r = check_submission(ctx, p, (size_t)len);
	if (r)
		goto out;
	if (lwsj_bytes_reserve(&ctx->xq, (size_t)len)) {
		lwsj_set_error("out of memory queueing %d bytes of commands", len);
		r = LWSJ_ERR_NOMEM;
		goto out;
	}
	/* nothing can fail from here on: count what the service thread will subtract */
	for (size_t off = 0; off < (size_t)len;) {
		struct lwsj_cmd_hdr k;

		lwsj_cmd_read(p + off, &k);
		if (k.op == LWSJ_CMD_SEND)
			lwsj_slot_add_charged(ctx, (uint32_t)(k.target & 0xffffffff), lwsj_send_cost(k.len));
		off += k.size;
	}
	memcpy(ctx->xq.p + ctx->xq.len, cmds, (size_t)len);
	ctx->xq.len += (size_t)len;
	if (!ctx->wake_pending) {
		ctx->wake_pending = 1;
		lwsj_ctx_wake(ctx);
	}
out:
	unlock_live(ctx);
	return r;
}

/*
 * [any] One broadcast for several contexts (the service threads of one LwsContext), in
 * one copy: a shared frame with a reference per context, queued to each as a command of
 * the glue's own. Each context's bound applies to the message's bytes. A context that
 * refuses it (closed, saturated) gives its reference back; the first refusal is
 * returned, the contexts that took it send it.
 */
int32_t lwsj_broadcast_shared(const int64_t *handles, int32_t n, int32_t protocol, int32_t flags,
			      const void *payload, int32_t len)
{
	unsigned char cmd[LWSJ_CMD_HEADER_SIZE + sizeof(struct lwsj_frame *)];
	struct lwsj_cmd_hdr h = { .size = sizeof(cmd), .op = LWSJ_CMD_BROADCAST_FRAME, .flags = (uint16_t)flags,
				  .target = (uint64_t)protocol, .len = sizeof(struct lwsj_frame *), .aux = 0 };
	int32_t result = LWSJ_OK;
	struct lwsj_frame *f;
	char why[256] = ""; /* the first refusal's text: each context's lookup clears the error */

	lwsj_clear_error();
	if (!handles || n < 1 || n > LWSJ_MAX_SHARED || protocol < 0 || len < 0 || (len && !payload))
		return LWSJ_ERR_ARG;
	f = lwsj_frame_new_shared((uint8_t)(flags & 0x1f), payload, (size_t)len, (uint32_t)n);
	if (!f) {
		lwsj_set_error("out of memory for a broadcast of %d bytes", len);
		return LWSJ_ERR_NOMEM;
	}
	lwsj_cmd_write(cmd, &h);
	memcpy(cmd + LWSJ_CMD_HEADER_SIZE, &f, sizeof(f));
	for (int32_t i = 0; i < n; i++) {
		struct lwsj_ctx *ctx = lock_live(handles[i]);
		int32_t r = LWSJ_OK;

		if (!ctx) {
			r = LWSJ_ERR_STALE;
		} else {
			size_t held = ctx->xq.len + ctx->xq_frame_bytes;

			if (protocol >= ctx->nprotos) {
				r = LWSJ_ERR_ARG;
			} else if (held && held + sizeof(cmd) + (size_t)len > ctx->max_foreign_bytes) {
				lwsj_set_error("the context's cross-thread queue holds %zu bytes (limit %zu): "
					       "its service thread is behind", held, ctx->max_foreign_bytes);
				r = LWSJ_ERR_BUSY;
			} else if (lwsj_bytes_reserve(&ctx->xq, sizeof(cmd))) {
				lwsj_set_error("out of memory queueing a broadcast");
				r = LWSJ_ERR_NOMEM;
			} else {
				memcpy(ctx->xq.p + ctx->xq.len, cmd, sizeof(cmd));
				ctx->xq.len += sizeof(cmd);
				ctx->xq_frame_bytes += (size_t)len;
				if (!ctx->wake_pending) {
					ctx->wake_pending = 1;
					lwsj_ctx_wake(ctx);
				}
			}
			unlock_live(ctx);
		}
		if (r != LWSJ_OK) {
			lwsj_frame_unref(NULL, f); /* this context's reference; f is not read after */
			if (result == LWSJ_OK) {
				result = r;
				snprintf(why, sizeof(why), "%s", lwsj_last_error());
			}
		}
	}
	if (result != LWSJ_OK && why[0])
		lwsj_set_error("%s", why);
	return result;
}

/*
 * [service] Close everything and free the context. The context leaves the table
 * first, so that other threads see a stale handle from then on.
 */
int32_t lwsj_ctx_destroy(int64_t handle, void *events, int32_t cap)
{
	struct lwsj_ctx *ctx = lwsj_ctx_get(handle);

	if (!ctx)
		return LWSJ_ERR_STALE;
	if (!events || cap < 4096)
		return LWSJ_ERR_SPACE;

	pthread_mutex_lock(&table[ctx->table_index].lock);
	ctx->destroying = 1;
	pthread_mutex_unlock(&table[ctx->table_index].lock);

	ctx->ev = events;
	ctx->ev_cap = cap;
	ctx->ev_len = 0;
	if (ctx->lws) {
		/* timers live in lws's lists: take ours out before lws frees them */
		for (uint32_t i = 0; ctx->conns && i < ctx->max_conns; i++)
			if (ctx->conns[i].client)
				lws_sul_cancel(&ctx->conns[i].client->sul);
		lws_context_destroy(ctx->lws);
		ctx->lws = NULL;
	}

	pthread_mutex_lock(&table[ctx->table_index].lock);
	table[ctx->table_index].ctx = NULL;
	table[ctx->table_index].gen++;
	pthread_mutex_unlock(&table[ctx->table_index].lock);

	/* connections lws did not report closed (none expected) still own frames */
	for (uint32_t i = 0; ctx->conns && i < ctx->max_conns; i++)
		lwsj_conn_release(ctx, i);
	{
		int32_t n = ctx->ev_len;

		/* events that did not fit are lost with the context: say so in the log */
		if (ctx->spill.len > ctx->spill_off)
			lwsl_warn("%s: %zu bytes of closing events dropped\n", __func__,
				  ctx->spill.len - ctx->spill_off);
		for (int32_t i = 0; i < ctx->nprotos; i++)
			free(ctx->protos[i].name);
		free(ctx->protos);
		lwsj_tls_free(ctx);
		close_loop_fds(ctx);
		lwsj_ext_free(ctx);
		free(ctx->protocols);
		free(ctx->conns);
		free(ctx->scratch);
		lwsj_frame_pool_free(ctx);
		lwsj_bytes_free(&ctx->spill);
		lwsj_commands_drop_foreign(ctx);
		lwsj_bytes_free(&ctx->xq);
		lwsj_bytes_free(&ctx->failing);
		free(ctx);
		return n;
	}
}

int lwsj_bytes_reserve(struct lwsj_bytes *b, size_t extra)
{
	size_t want = b->len + extra, cap = b->cap ? b->cap : 256;
	unsigned char *np;

	if (want <= b->cap)
		return 0;
	while (cap < want)
		cap *= 2;
	np = realloc(b->p, cap);
	if (!np)
		return -1;
	b->p = np;
	b->cap = cap;
	return 0;
}

void lwsj_bytes_free(struct lwsj_bytes *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}
