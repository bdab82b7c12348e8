/*
 * service.c - one turn of the service loop. Service thread only.
 */
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* the timer of a bounded wait: it only has to end lws_service */
static void wait_over(lws_sorted_usec_list_t *sul)
{
	(void)sul;
}

/* the start of every turn: Java's event buffer, then the commands waiting to run */
static int32_t begin_turn(struct lwsj_ctx *ctx, const void *sub, int32_t sub_len,
			  void *events, int32_t cap)
{
	int32_t r;

	if (!ctx->lws)
		return LWSJ_ERR_STALE;
	if (!events || cap < LWSJ_EV_HEADER_SIZE || sub_len < 0 || (sub_len && !sub))
		return LWSJ_ERR_ARG;
	ctx->ev = events;
	ctx->ev_cap = cap;
	ctx->ev_len = 0;
	r = lwsj_commands_run(ctx, sub, (size_t)sub_len);
	if (r)
		return r;
	lwsj_commands_run_foreign(ctx);
	return LWSJ_OK;
}

int32_t lwsj_service_fd(int64_t handle, int32_t fd, int32_t revents, const void *sub,
			int32_t sub_len, void *events, int32_t cap)
{
	struct lwsj_ctx *ctx = lwsj_ctx_get(handle);
	int32_t r;

	if (!ctx)
		return LWSJ_ERR_STALE;
	r = begin_turn(ctx, sub, sub_len, events, cap);
	if (r)
		return r;
	if (fd >= 0 && fd == ctx->wake_fd) {
		uint64_t n;

		/* begin_turn ran what other threads queued; just take the wake-up */
		if (read(fd, &n, sizeof(n)) < 0)
			lwsl_debug("%s: spurious wake-up\n", __func__);
	} else if (fd >= 0) {
		struct lws_pollfd p = { .fd = fd, .events = (short)revents, .revents = (short)revents };

		if (lws_service_fd(ctx->lws, &p) < 0)
			lwsl_err("%s: lws_service_fd failed\n", __func__);
	}
	/*
	 * lws runs the timers that are due in lws_service_adjust_timeout; it returns 0
	 * when a connection needs service without network activity
	 */
	if (!lws_service_adjust_timeout(ctx->lws, 1, 0))
		lws_service(ctx->lws, -1);
	return lwsj_events_len(ctx);
}

int32_t lwsj_service(int64_t handle, int32_t timeout_ms, const void *sub, int32_t sub_len,
		     void *events, int32_t cap)
{
	struct lwsj_ctx *ctx = lwsj_ctx_get(handle);
	int32_t r;

	if (!ctx)
		return LWSJ_ERR_STALE;
	r = begin_turn(ctx, sub, sub_len, events, cap);
	if (r)
		return r;
	if (timeout_ms < 0 || timeout_ms > LWSJ_MAX_WAIT_MS)
		timeout_ms = LWSJ_MAX_WAIT_MS;
	if (ctx->epoll_fd >= 0) {
		lwsj_epoll_turn(ctx, timeout_ms);
		return lwsj_events_len(ctx);
	}

	/*
	 * An external-poll context serviced this way after all has no epoll set: lws's
	 * own loop. lws 4.x ignores lws_service's timeout: a negative one polls without
	 * waiting, any other waits for the next event or timer. A bounded wait needs a
	 * timer.
	 */
	if (ctx->ev_len || ctx->spill.len) {
		/* events are waiting for Java already: do not sleep */
		lws_service(ctx->lws, -1);
	} else if (timeout_ms == 0) {
		lws_service(ctx->lws, -1);
	} else {
		/*
		 * lws runs the timers that are due before it polls, then waits in poll
		 * however much those timers produced (a timeout's CLOSED, say): a turn
		 * that does not wait comes first, and only an empty one goes on to wait
		 */
		uint32_t wakes = ctx->wakes;

		lws_service(ctx->lws, -1);
		/* what it produced, or a wake-up it took (close(), say), ends the turn */
		if (ctx->ev_len || ctx->spill.len || ctx->wakes != wakes)
			return lwsj_events_len(ctx);
		/*
		 * a timer that comes due just after the turn above still has lws run it
		 * and then wait, holding what it made: no wait lasts longer than
		 * LWSJ_MAX_WAIT_MS, so that is the most such an event is held back
		 */
		lws_sul_schedule(ctx->lws, 0, &ctx->sul_wait, wait_over,
				 (lws_usec_t)timeout_ms * LWS_US_PER_MS);
		if (lws_service(ctx->lws, 0) < 0)
			lwsl_err("%s: lws_service failed\n", __func__);
		lws_sul_cancel(&ctx->sul_wait);
	}
	return lwsj_events_len(ctx);
}
