/*
 * service.c - one turn of the service loop. Service thread only.
 *
 * Java's event buffer is the glue's only during a turn: at its end the glue forgets
 * it, so that events made between turns (lwsj_run_commands: a connect that fails at
 * once, a broadcast callback) go to the spill and reach Java with the next turn,
 * instead of into a buffer Java has read already, or freed.
 */

#include "internal.h"

static int32_t end_turn(struct lwsj_ctx *ctx)
{
	int32_t r = lwsj_events_len(ctx);

	ctx->ev = NULL;
	ctx->ev_cap = ctx->ev_len = 0;
	return r;
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
	lwsj_close_failing(ctx);
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
		/* begin_turn ran what other threads queued */
		lwsj_ctx_take_wake(ctx);
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
	return end_turn(ctx);
}

int32_t lwsj_service(int64_t handle, int32_t timeout_ms, const void *sub, int32_t sub_len,
		     void *events, int32_t cap)
{
	struct lwsj_ctx *ctx = lwsj_ctx_get(handle);
	int32_t r;

	if (!ctx)
		return LWSJ_ERR_STALE;
	/* an external-poll context has no wait of its own: its loop calls lwsj_service_fd */
	if (ctx->lws && ctx->epoll_fd < 0) {
		lwsj_set_error("an external-poll context is serviced by lwsj_service_fd");
		return LWSJ_ERR_STATE;
	}
	r = begin_turn(ctx, sub, sub_len, events, cap);
	if (r)
		return r;
	if (timeout_ms < 0 || timeout_ms > LWSJ_MAX_WAIT_MS)
		timeout_ms = LWSJ_MAX_WAIT_MS;
	lwsj_epoll_turn(ctx, timeout_ms);
	return end_turn(ctx);
}
