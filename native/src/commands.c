/*
 * commands.c - runs command records (lwsj.h, "commands") on the service thread.
 * Java's own submissions and those queued by other threads go through the same code.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct cmd {
	struct lwsj_cmd_hdr h;
	const unsigned char *payload;
};

/*
 * A send that was accepted cannot be queued (out of memory): the connection fails
 * with 1011 rather than lose a message its sender was told had been taken.
 */
static void cannot_queue(struct lwsj_ctx *ctx, uint32_t slot, size_t len)
{
	static const char reason[] = "out of memory";

	lwsl_err("%s: out of memory queueing %zu bytes; failing the connection\n", __func__, len);
	lwsj_conn_abort(ctx, slot, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, reason, sizeof(reason) - 1);
}

/* what a slow consumer gets under its protocol's overflow policy */
static void overflow(struct lwsj_ctx *ctx, uint32_t slot)
{
	struct lwsj_proto *pr = &ctx->protos[ctx->conns[slot].protocol];
	static const char reason[] = "send queue full";

	if (pr->overflow_policy == LWSJ_OVERFLOW_CLOSE)
		lwsj_conn_abort(ctx, slot, pr->overflow_close_code, reason, sizeof(reason) - 1);
}

/*
 * A message to every connection of a protocol: shared, the frame of another thread's
 * lwsj_broadcast_shared (which the caller holds a reference to); NULL, a frame of this
 * context's own, made here.
 */
static void fan_out(struct lwsj_ctx *ctx, uint64_t protocol, uint16_t flags, const void *payload,
		    uint32_t len, struct lwsj_frame *shared)
{
	struct lwsj_proto *pr;
	struct lwsj_frame *f;
	int32_t slot, next;

	if (protocol >= (uint64_t)ctx->nprotos)
		return;
	pr = &ctx->protos[protocol];
	if (pr->flags & LWSJ_PROTO_BROADCAST_CB) {
		/* one event; Java asks each connection's handler what to do */
		lwsj_emit(ctx, LWSJ_EV_BROADCAST, (flags & 0xf) == LWSJ_SEND_BINARY ? LWSJ_EVF_BINARY : 0, 0,
			  (int32_t)protocol, 0, payload, len);
		return;
	}
	if (pr->head < 0)
		return;
	/* one frame shared by every server-side recipient */
	if (shared) {
		f = shared;
		lwsj_frame_ref(f); /* the unref at the end is this function's own */
	} else {
		f = lwsj_frame_new(ctx, (uint8_t)(flags & 0x1f), payload, len, 0);
	}
	for (slot = pr->head; slot >= 0; slot = next) {
		struct lwsj_frame *mine = f;

		next = ctx->conns[slot].next; /* an abort below may unlink this one */
		if (!f) {
			cannot_queue(ctx, (uint32_t)slot, len);
			continue;
		}

		if (lwsj_over_bound(lwsj_slot_charged(ctx, (uint32_t)slot),
				    (int64_t)lwsj_frame_wire_len(f), pr->max_queued_bytes)) {
			overflow(ctx, (uint32_t)slot);
			continue;
		}
		/* a client masks its frames, and lws frames for an extension itself in
		 * the frame's headroom: either needs a copy of its own */
		if (ctx->conns[slot].is_client || ctx->conns[slot].ext_active)
			mine = lwsj_frame_new(ctx, (uint8_t)(flags & 0x1f), payload, len,
					      ctx->conns[slot].is_client && !ctx->conns[slot].ext_active);
		if (!mine || lwsj_conn_enqueue(ctx, (uint32_t)slot, mine, 0) < 0)
			cannot_queue(ctx, (uint32_t)slot, len);
		if (mine != f)
			lwsj_frame_unref(ctx, mine);
	}
	lwsj_frame_unref(ctx, f);
}

static void broadcast(struct lwsj_ctx *ctx, const struct cmd *k)
{
	fan_out(ctx, k->h.target, k->h.flags, k->payload, k->h.len, NULL);
}

static struct lwsj_frame *frame_of(const struct cmd *k)
{
	struct lwsj_frame *f;

	memcpy(&f, k->payload, sizeof(f));
	return f;
}

/* a foreign command that carries a shared frame leaves the queue: its bytes no longer count */
static void frame_left_queue(struct lwsj_ctx *ctx, struct lwsj_frame *f)
{
	pthread_mutex_lock(lwsj_ctx_lock(ctx));
	ctx->xq_frame_bytes -= f->len;
	pthread_mutex_unlock(lwsj_ctx_lock(ctx));
}

static void broadcast_frame(struct lwsj_ctx *ctx, const struct cmd *k)
{
	struct lwsj_frame *f = frame_of(k);

	frame_left_queue(ctx, f);
	fan_out(ctx, k->h.target, k->h.flags, lwsj_frame_payload(f), f->len, f);
	lwsj_frame_unref(ctx, f); /* the command's reference */
}

static void run_one(struct lwsj_ctx *ctx, const struct cmd *k, int foreign)
{
	struct lwsj_conn *c;
	struct lwsj_frame *f;
	uint32_t slot;
	int64_t credit;
	int r;

	switch (k->h.op) {
	case LWSJ_CMD_BROADCAST:
		broadcast(ctx, k);
		return;
	case LWSJ_CMD_BROADCAST_FRAME:
		/* only ever in the foreign queue, put there by lwsj_broadcast_shared */
		if (foreign && k->h.len == sizeof(struct lwsj_frame *))
			broadcast_frame(ctx, k);
		else
			lwsl_err("%s: a shared-frame command outside the glue's queue\n", __func__);
		return;
	case LWSJ_CMD_CONNECT:
		lwsj_client_connect(ctx, (int64_t)k->h.target, k->payload, k->h.len);
		return;
	case LWSJ_CMD_WRITABLE_ALL:
		if (k->h.target >= (uint64_t)ctx->nprotos)
			return;
		for (int32_t s = ctx->protos[k->h.target].head; s >= 0; s = ctx->conns[s].next) {
			ctx->conns[s].wants_writable = 1;
			lwsj_want_writeable(ctx, ctx->conns[s].wsi);
		}
		return;
	default:
		break;
	}

	c = lwsj_conn_get(ctx, k->h.target, &slot);
	if (!c)
		return; /* closed meanwhile: the handle went stale (and its slot was cleared) */

	switch (k->h.op) {
	case LWSJ_CMD_SEND:
		/* another thread's send was charged to the slot when lwsj_submit took it */
		credit = foreign ? lwsj_send_cost(k->h.len) : 0;
		/* with an extension active lws frames and masks; else we do */
		f = lwsj_frame_new(ctx, (uint8_t)(k->h.flags & 0x1f), k->payload, k->h.len,
				   c->is_client && !c->ext_active);
		if (f)
			f->token = (uint32_t)k->h.aux;
		r = f ? lwsj_conn_enqueue(ctx, slot, f, credit) : -1;
		if (r)
			lwsj_slot_add_charged(ctx, slot, -credit);
		if (r < 0)
			cannot_queue(ctx, slot, k->h.len);
		lwsj_frame_unref(ctx, f);
		break;
	case LWSJ_CMD_CLOSE:
		if (k->h.flags & LWSJ_CLOSE_DISCARD)
			lwsj_conn_abort(ctx, slot, k->h.aux, (const char *)k->payload, k->h.len);
		else
			lwsj_conn_close(ctx, slot, k->h.aux, (const char *)k->payload, k->h.len);
		break;
	case LWSJ_CMD_WRITABLE:
		c->wants_writable = 1;
		lwsj_want_writeable(ctx, c->wsi);
		break;
	case LWSJ_CMD_RX_FLOW:
		lws_rx_flow_control(c->wsi, k->h.aux ? 1 : 0);
		break;
	default:
		lwsl_err("%s: unknown command %u\n", __func__, k->h.op);
		break;
	}
}

static int32_t run(struct lwsj_ctx *ctx, const unsigned char *p, size_t len, int foreign)
{
	size_t off = 0;

	while (off + LWSJ_CMD_HEADER_SIZE <= len) {
		struct cmd k;

		lwsj_cmd_read(p + off, &k.h);
		if (k.h.size < LWSJ_CMD_HEADER_SIZE || (k.h.size & 7) || k.h.size > len - off ||
		    k.h.len > k.h.size - LWSJ_CMD_HEADER_SIZE) {
			lwsl_err("%s: malformed command at %zu\n", __func__, off);
			return LWSJ_ERR_ARG;
		}
		k.payload = p + off + LWSJ_CMD_HEADER_SIZE;
		run_one(ctx, &k, foreign);
		off += k.h.size;
	}
	return LWSJ_OK;
}

void lwsj_commands_drop_foreign(struct lwsj_ctx *ctx)
{
	for (size_t off = 0; off + LWSJ_CMD_HEADER_SIZE <= ctx->xq.len;) {
		struct cmd k;

		lwsj_cmd_read(ctx->xq.p + off, &k.h);
		k.payload = ctx->xq.p + off + LWSJ_CMD_HEADER_SIZE;
		if (k.h.op == LWSJ_CMD_BROADCAST_FRAME) {
			struct lwsj_frame *f = frame_of(&k);

			ctx->xq_frame_bytes -= f->len;
			lwsj_frame_unref(ctx, f);
		}
		off += k.h.size;
	}
	ctx->xq.len = 0;
}

int32_t lwsj_commands_run(struct lwsj_ctx *ctx, const unsigned char *p, size_t len)
{
	return run(ctx, p, len, 0);
}

/* takes what other threads queued, under the lock, and runs it outside the lock */
void lwsj_commands_run_foreign(struct lwsj_ctx *ctx)
{
	struct lwsj_bytes q;

	pthread_mutex_lock(lwsj_ctx_lock(ctx));
	q = ctx->xq;
	memset(&ctx->xq, 0, sizeof(ctx->xq));
	ctx->wake_pending = 0;
	pthread_mutex_unlock(lwsj_ctx_lock(ctx));
	if (q.len)
		run(ctx, q.p, q.len, 1);
	lwsj_bytes_free(&q);
}

/* [service] */
int32_t lwsj_run_commands(int64_t handle, const void *sub, int32_t sub_len)
{
	struct lwsj_ctx *ctx = lwsj_ctx_get(handle);

	if (!ctx || !ctx->lws)
		return LWSJ_ERR_STALE;
	if (sub_len < 0 || (sub_len && !sub))
		return LWSJ_ERR_ARG;
	return lwsj_commands_run(ctx, sub, (size_t)sub_len);
}
