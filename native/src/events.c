/*
 * events.c - the event buffer (glue -> Java). Runs on the service thread.
 *
 * Events go into Java's buffer while they fit; once one does not, it and every later
 * event of the turn go to the spill, so that order is kept. Java takes the spill
 * with lwsj_take_pending (growing its buffer when a record is larger than it).
 */
#include <string.h>

#include "internal.h"

static size_t record_size(size_t plen)
{
	return (LWSJ_EV_HEADER_SIZE + plen + 7) & ~(size_t)7;
}

static void put_header(unsigned char *d, size_t size, uint16_t type, uint16_t flags,
		       uint64_t conn, int32_t protocol, int32_t a, int64_t b)
{
	uint32_t sz = (uint32_t)size;

	memcpy(d, &sz, 4);
	memcpy(d + 4, &type, 2);
	memcpy(d + 6, &flags, 2);
	memcpy(d + 8, &conn, 8);
	memcpy(d + 16, &protocol, 4);
	memcpy(d + 20, &a, 4);
	memcpy(d + 24, &b, 8);
}

/* room for one record of `size` bytes: in Java's buffer, else at the spill's end */
static unsigned char *reserve(struct lwsj_ctx *ctx, size_t size)
{
	unsigned char *d;

	if (ctx->spill.len == ctx->spill_off && ctx->ev &&
	    (size_t)ctx->ev_len + size <= (size_t)ctx->ev_cap) {
		d = ctx->ev + ctx->ev_len;
		ctx->ev_len += (int32_t)size;
		return d;
	}
	if (lwsj_bytes_reserve(&ctx->spill, size))
		return NULL;
	d = ctx->spill.p + ctx->spill.len;
	ctx->spill.len += size;
	return d;
}

int lwsj_emit2(struct lwsj_ctx *ctx, uint16_t type, uint16_t flags, uint64_t conn,
	       int32_t protocol, int64_t b, const void *p1, size_t l1,
	       const void *p2, size_t l2)
{
	size_t size = record_size(l1 + l2);
	unsigned char *d;

	if (l1 + l2 > INT32_MAX - 64)
		return -1;
	d = reserve(ctx, size);
	if (!d) {
		lwsl_err("%s: out of memory for a %zu-byte event\n", __func__, size);
		return -1;
	}
	put_header(d, size, type, flags, conn, protocol, (int32_t)(l1 + l2), b);
	if (l1)
		memcpy(d + LWSJ_EV_HEADER_SIZE, p1, l1);
	if (l2)
		memcpy(d + LWSJ_EV_HEADER_SIZE + l1, p2, l2);
	/* zero the padding so that Java never sees stale bytes */
	memset(d + LWSJ_EV_HEADER_SIZE + l1 + l2, 0, size - LWSJ_EV_HEADER_SIZE - l1 - l2);
	return 0;
}

/* a record whose payload is one piece (its length goes into the header's a) */
int lwsj_emit(struct lwsj_ctx *ctx, uint16_t type, uint16_t flags, uint64_t conn,
	      int32_t protocol, int64_t b, const void *payload, size_t plen)
{
	return lwsj_emit2(ctx, type, flags, conn, protocol, b, payload, plen, NULL, 0);
}

/* ev_len, flagged when events are held back in the spill */
int32_t lwsj_events_len(struct lwsj_ctx *ctx)
{
	return ctx->ev_len | (ctx->spill.len > ctx->spill_off ? LWSJ_SERVICE_MORE : 0);
}

/* [service] */
int32_t lwsj_take_pending(int64_t handle, void *events, int32_t at, int32_t cap)
{
	struct lwsj_ctx *ctx = lwsj_ctx_get(handle);
	unsigned char *dst = events;
	size_t n = (size_t)at;

	if (!ctx)
		return LWSJ_ERR_STALE;
	if (!events || at < 0 || cap < at)
		return LWSJ_ERR_ARG;
	while (ctx->spill_off < ctx->spill.len) {
		uint32_t size;

		memcpy(&size, ctx->spill.p + ctx->spill_off, 4);
		if (n + size > (size_t)cap)
			break;
		memcpy(dst + n, ctx->spill.p + ctx->spill_off, size);
		n += size;
		ctx->spill_off += size;
	}
	if (ctx->spill_off == ctx->spill.len) {
		ctx->spill.len = ctx->spill_off = 0;
		return (int32_t)n;
	}
	if (n == (size_t)at)
		return LWSJ_ERR_SPACE;
	return (int32_t)n | LWSJ_SERVICE_MORE;
}
