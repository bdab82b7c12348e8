/*
 * epoll.c - the service loop's own wait: an epoll set of the sockets lws reports.
 *
 * lws's default loop calls poll() over every socket it has on each turn, so a turn
 * costs O(connections) however few are ready: with 10,000 idle connections open,
 * handshakes fell from 20 k/s to 1.3 k/s. lws reports every socket it adds, drops or
 * watches differently (LWS_CALLBACK_ADD/DEL/CHANGE_MODE_POLL_FD); the glue mirrors
 * them into an epoll set, waits there, and hands each ready socket to
 * lws_service_fd(). lws_service_adjust_timeout() runs the timers that are due.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "internal.h"

/* ready sockets taken from one epoll_wait */
#define LWSJ_EPOLL_BATCH 256

static uint32_t to_epoll(int events)
{
	return (events & POLLIN ? EPOLLIN : 0) | (events & POLLOUT ? EPOLLOUT : 0);
}

static short to_poll(uint32_t e)
{
	return (short)((e & EPOLLIN ? POLLIN : 0) | (e & EPOLLOUT ? POLLOUT : 0) |
		       (e & EPOLLERR ? POLLERR : 0) | (e & EPOLLHUP ? POLLHUP : 0));
}

static int ctl(struct lwsj_ctx *ctx, int op, int fd, int events)
{
	struct epoll_event ev = { .events = to_epoll(events), .data.fd = fd };

	return epoll_ctl(ctx->epoll_fd, op, fd, &ev);
}

/* room in the table for fd */
static struct lwsj_fdwatch *watch_of(struct lwsj_ctx *ctx, int fd)
{
	struct lwsj_watch *w = &ctx->watch;

	if (fd < 0)
		return NULL;
	if (fd >= w->cap) {
		int ncap = w->cap ? w->cap : 1024;
		struct lwsj_fdwatch *n;

		while (ncap <= fd)
			ncap *= 2;
		n = realloc(w->fds, sizeof(*n) * (size_t)ncap);
		if (!n)
			return NULL;
		memset(n + w->cap, 0, sizeof(*n) * (size_t)(ncap - w->cap));
		w->fds = n;
		w->cap = ncap;
	}
	return &w->fds[fd];
}

/* appends fd to a growable list; -1 when out of memory */
static int push_fd(int **list, int *n, int *cap, int fd)
{
	if (*n == *cap) {
		int ncap = *cap ? *cap * 2 : 256;
		int *l = realloc(*list, sizeof(*l) * (size_t)ncap);

		if (!l)
			return -1;
		*list = l;
		*cap = ncap;
	}
	(*list)[(*n)++] = fd;
	return 0;
}

/* [owner, in lwsj_ctx_listen] the set, watching the eventfd other threads wake it by */
int lwsj_epoll_open(struct lwsj_ctx *ctx)
{
	ctx->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (ctx->epoll_fd < 0)
		return -1;
	return ctl(ctx, EPOLL_CTL_ADD, ctx->wake_fd, POLLIN);
}

/* [owner, at lwsj_ctx_destroy] */
void lwsj_epoll_free(struct lwsj_ctx *ctx)
{
	free(ctx->watch.fds);
	free(ctx->watch.dirty);
	free(ctx->watch.kicks);
	memset(&ctx->watch, 0, sizeof(ctx->watch));
}

/*
 * [service, or the owner's thread while lws makes the listener] lws added, dropped or
 * changed what it watches on a socket. New and dropped sockets go to the set at
 * once (a closed fd's number may be reused); a change only marks the socket, and the
 * set is brought up to date before the next wait. lws asks for POLLOUT before each
 * write and drops it after: with several messages a turn on a connection, the ask
 * and the drop cancel out without a system call. Returns -1 only when a new socket
 * cannot be watched, so that lws gives it up rather than never serve it.
 */
int lwsj_epoll_change(struct lwsj_ctx *ctx, int kind, int fd, int events)
{
	struct lwsj_fdwatch *w = watch_of(ctx, fd);

	events &= POLLIN | POLLOUT;
	if (kind == LWSJ_POLL_DEL) {
		if (w)
			memset(w, 0, sizeof(*w));
		/* a socket closed before lws said so has left the set by itself */
		if (ctl(ctx, EPOLL_CTL_DEL, fd, 0) && errno != ENOENT && errno != EBADF)
			lwsl_err("%s: epoll_ctl DEL fd %d: %s\n", __func__, fd, strerror(errno));
		return 0;
	}
	if (!w) {
		lwsl_err("%s: out of memory watching fd %d\n", __func__, fd);
		return kind == LWSJ_POLL_ADD ? -1 : 0;
	}
	if (kind == LWSJ_POLL_ADD) {
		w->want = w->reg = (uint8_t)events;
		w->dirty = w->kick = 0;
		if (!ctl(ctx, EPOLL_CTL_ADD, fd, events) ||
		    (errno == EEXIST && !ctl(ctx, EPOLL_CTL_MOD, fd, events)))
			return 0;
		lwsl_err("%s: epoll_ctl ADD fd %d: %s\n", __func__, fd, strerror(errno));
		return -1;
	}
	w->want = (uint8_t)events;
	if (!w->dirty) {
		struct lwsj_watch *ws = &ctx->watch;

		if (push_fd(&ws->dirty, &ws->ndirty, &ws->dirty_cap, fd)) {
			/* no room to defer it: make the change now */
			if (!ctl(ctx, EPOLL_CTL_MOD, fd, events))
				w->reg = (uint8_t)events;
			return 0;
		}
		w->dirty = 1;
	}
	return 0;
}

/*
 * [service] lws_callback_on_writable for a connection the glue queued something on.
 * Under our own loop the socket is also tried before the next wait, as if epoll had
 * found it writable: lws's own POLLOUT handling runs (its pending pong or close
 * first, then our WRITEABLE), and an echo goes out in the turn its send was made
 * instead of a wait later, without registering and dropping EPOLLOUT each time. A
 * socket that is full after all takes the rest through lws's usual partial writes.
 */
void lwsj_want_writeable(struct lwsj_ctx *ctx, struct lws *wsi)
{
	struct lwsj_fdwatch *w;
	int fd;

	lws_callback_on_writable(wsi);
	if (ctx->epoll_fd < 0)
		return;
	fd = (int)lws_get_socket_fd(wsi);
	w = fd >= 0 && fd < ctx->watch.cap ? &ctx->watch.fds[fd] : NULL;
	if (!w || w->kick)
		return;
	if (!push_fd(&ctx->watch.kicks, &ctx->watch.nkicks, &ctx->watch.kicks_cap, fd))
		w->kick = 1;
}

/* [service] the kicks of the turn so far (later ones wait for the next turn) */
static void run_kicks(struct lwsj_ctx *ctx)
{
	struct lwsj_watch *ws = &ctx->watch;
	int n = ws->nkicks;

	for (int i = 0; i < n; i++) {
		int fd = ws->kicks[i];
		struct lwsj_fdwatch *w = &ws->fds[fd];
		struct lws_pollfd p = { .fd = fd, .events = w->want, .revents = POLLOUT };

		if (!w->kick)
			continue; /* the socket went, and its number came back */
		w->kick = 0;
		if (!(w->want & POLLOUT))
			continue; /* written meanwhile */
		if (lws_service_fd(ctx->lws, &p) < 0)
			lwsl_err("%s: lws_service_fd failed\n", __func__);
	}
	/* what was kicked while these ran stays for the next turn */
	if (n) {
		memmove(ws->kicks, ws->kicks + n, sizeof(int) * (size_t)(ws->nkicks - n));
		ws->nkicks -= n;
	}
}

/* [service] the set made to match what lws wants, before a wait */
static void apply_changes(struct lwsj_ctx *ctx)
{
	struct lwsj_watch *ws = &ctx->watch;

	for (int i = 0; i < ws->ndirty; i++) {
		struct lwsj_fdwatch *w = &ws->fds[ws->dirty[i]];

		if (!w->dirty)
			continue; /* dropped, or already done */
		w->dirty = 0;
		if (w->want == w->reg)
			continue;
		if (ctl(ctx, EPOLL_CTL_MOD, ws->dirty[i], w->want) &&
		    (errno != ENOENT || ctl(ctx, EPOLL_CTL_ADD, ws->dirty[i], w->want))) {
			lwsl_err("%s: epoll_ctl fd %d: %s\n", __func__, ws->dirty[i], strerror(errno));
			continue;
		}
		w->reg = w->want;
	}
	ws->ndirty = 0;
}

/*
 * [service] timers, what lws holds without the network, then one wait of at most
 * timeout_ms (0: none) and service of what became ready
 */
void lwsj_epoll_turn(struct lwsj_ctx *ctx, int timeout_ms)
{
	struct epoll_event evs[LWSJ_EPOLL_BATCH];
	/* runs the timers that are due; the ms until the next one, at most the cap */
	int next = lws_service_adjust_timeout(ctx->lws, LWSJ_MAX_WAIT_MS, 0);
	int n;

	/*
	 * 0: buffered input, TLS records already decrypted, an extension still draining,
	 * or a timer due within the millisecond: lws's own loop serves those (its poll()
	 * then costs O(connections), but only while such work is pending)
	 */
	if (!next) {
		lws_service(ctx->lws, -1);
		timeout_ms = 0;
	} else if (next < timeout_ms) {
		timeout_ms = next;
	}
	run_kicks(ctx);
	if (ctx->ev_len || ctx->spill.len)
		timeout_ms = 0; /* events are waiting for Java already */

	apply_changes(ctx);
	n = epoll_wait(ctx->epoll_fd, evs, LWSJ_EPOLL_BATCH, timeout_ms);
	if (n < 0 && errno != EINTR)
		lwsl_err("%s: epoll_wait: %s\n", __func__, strerror(errno));
	for (int i = 0; i < n; i++) {
		int fd = evs[i].data.fd;
		struct lws_pollfd p = { .fd = fd };

		if (fd == ctx->wake_fd) {
			lwsj_ctx_take_wake(ctx);
			lwsj_commands_run_foreign(ctx);
			continue;
		}
		/*
		 * what lws wants now: a socket served earlier in this batch may have
		 * stopped reading or have nothing more to write (or be gone)
		 */
		if (fd >= ctx->watch.cap)
			continue;
		p.events = ctx->watch.fds[fd].want;
		p.revents = (short)(to_poll(evs[i].events) & (p.events | POLLERR | POLLHUP));
		if (!p.revents)
			continue;
		if (lws_service_fd(ctx->lws, &p) < 0)
			lwsl_err("%s: lws_service_fd failed\n", __func__);
	}
}
