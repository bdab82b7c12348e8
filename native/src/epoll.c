/*
 * epoll.c - the service loop's own wait: an epoll set of the sockets lws reports.
 *
 * lws's default loop calls poll() over every socket it has on each turn, so a turn
 * costs O(connections) however few are ready: with 10,000 idle connections open,
 * handshakes fell from 20 k/s to 1.3 k/s. lws reports every socket it adds, drops or
 * watches differently (LWS_CALLBACK_ADD/DEL/CHANGE_MODE_POLL_FD); the glue mirrors
 * them into an epoll set, waits there, and hands each ready socket to
 * lws_service_fd(). Timers run through lws_service_timers() (patch 0105).
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "internal.h"

/* ready sockets taken from one epoll_wait */
#define LWSJ_EPOLL_BATCH 256

/*
 * A registration carries the fd and the poll(2) events it was made for: lws looks
 * at both the events asked for and the ones that happened.
 */
static uint64_t pack(int fd, int events)
{
	return (uint64_t)(uint16_t)events << 32 | (uint32_t)fd;
}

static uint32_t to_epoll(int events)
{
	return (events & POLLIN ? EPOLLIN : 0) | (events & POLLOUT ? EPOLLOUT : 0);
}

static short to_poll(uint32_t e)
{
	return (short)((e & EPOLLIN ? POLLIN : 0) | (e & EPOLLOUT ? POLLOUT : 0) |
		       (e & EPOLLERR ? POLLERR : 0) | (e & EPOLLHUP ? POLLHUP : 0));
}

/* [owner, in lwsj_ctx_listen] the set, with the eventfd other threads wake it by */
int lwsj_epoll_open(struct lwsj_ctx *ctx)
{
	struct epoll_event ev = { .events = EPOLLIN };

	ctx->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (ctx->epoll_fd < 0)
		return -1;
	ctx->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (ctx->wake_fd < 0)
		return -1;
	ev.data.u64 = pack(ctx->wake_fd, POLLIN);
	return epoll_ctl(ctx->epoll_fd, EPOLL_CTL_ADD, ctx->wake_fd, &ev);
}

/*
 * [service, or the owner's thread while lws makes the listener] lws added, dropped or
 * changed what it watches on a socket. Returns -1 only when a new socket cannot be
 * watched, so that lws gives it up rather than never serve it.
 */
int lwsj_epoll_change(struct lwsj_ctx *ctx, int kind, int fd, int events)
{
	struct epoll_event ev = { .events = to_epoll(events), .data.u64 = pack(fd, events) };
	int op = kind == LWSJ_POLL_ADD ? EPOLL_CTL_ADD :
		 kind == LWSJ_POLL_DEL ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;

	if (!epoll_ctl(ctx->epoll_fd, op, fd, &ev))
		return 0;
	/* an fd number reused before its old registration went, or a change first */
	if (op == EPOLL_CTL_ADD && errno == EEXIST &&
	    !epoll_ctl(ctx->epoll_fd, EPOLL_CTL_MOD, fd, &ev))
		return 0;
	if (op == EPOLL_CTL_MOD && errno == ENOENT &&
	    !epoll_ctl(ctx->epoll_fd, EPOLL_CTL_ADD, fd, &ev))
		return 0;
	/* a socket closed before lws said so has left the set by itself */
	if (op == EPOLL_CTL_DEL && (errno == ENOENT || errno == EBADF))
		return 0;
	lwsl_err("%s: epoll_ctl(%d, fd %d): %s\n", __func__, op, fd, strerror(errno));
	return op == EPOLL_CTL_ADD ? -1 : 0;
}

/*
 * [service] timers, what lws holds without the network, then one wait of at most
 * timeout_ms (0: none) and service of what became ready
 */
void lwsj_epoll_turn(struct lwsj_ctx *ctx, int timeout_ms)
{
	struct epoll_event evs[LWSJ_EPOLL_BATCH];
	lws_usec_t next = lws_service_timers(ctx->lws, 0);
	int n;

	/*
	 * buffered input, TLS records already decrypted, an extension still draining:
	 * lws's own loop serves those (its poll() then costs O(connections), but only
	 * while such work is pending)
	 */
	if (!lws_service_adjust_timeout(ctx->lws, 1, 0)) {
		lws_service(ctx->lws, -1);
		timeout_ms = 0;
	}
	if (ctx->ev_len || ctx->spill.len)
		timeout_ms = 0; /* events are waiting for Java already */
	if (timeout_ms > 0 && next && next < (lws_usec_t)timeout_ms * LWS_US_PER_MS)
		timeout_ms = (int)((next + LWS_US_PER_MS - 1) / LWS_US_PER_MS);

	n = epoll_wait(ctx->epoll_fd, evs, LWSJ_EPOLL_BATCH, timeout_ms);
	if (n < 0 && errno != EINTR)
		lwsl_err("%s: epoll_wait: %s\n", __func__, strerror(errno));
	for (int i = 0; i < n; i++) {
		int fd = (int)(uint32_t)evs[i].data.u64;
		struct lws_pollfd p = {
			.fd = fd,
			.events = (short)(evs[i].data.u64 >> 32),
			.revents = to_poll(evs[i].events),
		};

		if (fd == ctx->wake_fd) {
			uint64_t count;

			if (read(fd, &count, sizeof(count)) < 0)
				lwsl_debug("%s: spurious wake-up\n", __func__);
			ctx->wakes++;
			lwsj_commands_run_foreign(ctx);
			continue;
		}
		if (lws_service_fd(ctx->lws, &p) < 0)
			lwsl_err("%s: lws_service_fd failed\n", __func__);
	}
}
