/*
 * conn.c - connection slots. All functions run on the service thread; the slot
 * table counters are atomics because Java reads them from any thread.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

uint64_t lwsj_conn_handle(struct lwsj_ctx *ctx, uint32_t slot)
{
	return ((uint64_t)ctx->conns[slot].gen << 32) | slot;
}

/* a slot for a connection that is not established yet (a connecting client); -1 when full */
int32_t lwsj_conn_alloc_unlinked(struct lwsj_ctx *ctx, int32_t protocol)
{
	int32_t slot = ctx->free_head;
	struct lwsj_conn *c;
	uint32_t gen;

	if (slot < 0)
		return -1;
	c = &ctx->conns[slot];
	ctx->free_head = c->next;
	gen = c->gen;
	memset(c, 0, sizeof(*c));
	c->gen = gen;
	c->in_use = 1;
	c->protocol = protocol;
	c->prev = c->next = -1;
	__atomic_store_n(&ctx->slots[slot], 0, __ATOMIC_RELEASE);
	return slot;
}

/* the connection is established: it gets its wsi and joins its protocol's list */
void lwsj_conn_link(struct lwsj_ctx *ctx, uint32_t slot, struct lws *wsi)
{
	struct lwsj_conn *c = &ctx->conns[slot];
	struct lwsj_proto *pr = &ctx->protos[c->protocol];

	pthread_mutex_lock(lwsj_ctx_lock(ctx)); /* lwsj_submit reads wsi from other threads */
	c->wsi = wsi;
	pthread_mutex_unlock(lwsj_ctx_lock(ctx));
	c->linked = 1;
	c->prev = -1;
	c->next = pr->head;
	if (pr->head >= 0)
		ctx->conns[pr->head].prev = (int32_t)slot;
	pr->head = (int32_t)slot;
}

/* a slot for a new server connection, established; -1 when full */
int32_t lwsj_conn_alloc(struct lwsj_ctx *ctx, struct lws *wsi, int32_t protocol)
{
	int32_t slot = lwsj_conn_alloc_unlinked(ctx, protocol);

	if (slot >= 0)
		lwsj_conn_link(ctx, (uint32_t)slot, wsi);
	return slot;
}

/* frees what the slot owns, invalidates its handle and returns it to the free list */
void lwsj_conn_release(struct lwsj_ctx *ctx, uint32_t slot)
{
	struct lwsj_conn *c = &ctx->conns[slot];

	if (!c->in_use)
		return;
	lwsj_conn_drop_queue(ctx, slot);
	free(c->q);
	free(c->rx);
	free(c->sent);
	c->sent = NULL;
	c->sent_len = c->sent_cap = 0;
	free(c->texts);
	c->texts = NULL;
	if (c->client) {
		lws_sul_cancel(&c->client->sul);
		free(c->client->headers);
		lwsj_bytes_free(&c->client->response);
		free(c->client);
		c->client = NULL;
	}
	c->q = NULL;
	c->rx = NULL;
	if (c->linked) {
		struct lwsj_proto *pr = &ctx->protos[c->protocol];

		if (c->prev >= 0)
			ctx->conns[c->prev].next = c->next;
		else
			pr->head = c->next;
		if (c->next >= 0)
			ctx->conns[c->next].prev = c->prev;
		c->linked = 0;
	}
	/* under the table lock: lwsj_submit reads gen and wsi from other threads */
	pthread_mutex_lock(lwsj_ctx_lock(ctx));
	c->wsi = NULL;
	c->gen++;
	if (!c->gen)
		c->gen = 1;
	pthread_mutex_unlock(lwsj_ctx_lock(ctx));
	c->in_use = 0;
	c->next = ctx->free_head;
	ctx->free_head = (int32_t)slot;
	__atomic_store_n(&ctx->slots[slot], 0, __ATOMIC_RELEASE);
}

/* the live connection of a handle, or NULL when it is stale */
struct lwsj_conn *lwsj_conn_get(struct lwsj_ctx *ctx, uint64_t handle, uint32_t *slot)
{
	uint32_t s = (uint32_t)(handle & 0xffffffff);

	if (s >= ctx->max_conns || ctx->conns[s].gen != (uint32_t)(handle >> 32) ||
	    !ctx->conns[s].wsi)
		return NULL;
	if (slot)
		*slot = s;
	return &ctx->conns[s];
}

/* the connection's close reasons, made on first use; NULL when out of memory */
struct lwsj_close_texts *lwsj_conn_texts(struct lwsj_conn *c)
{
	if (!c->texts)
		c->texts = calloc(1, sizeof(*c->texts));
	return c->texts;
}

/*
 * A slot's word, charged: what its connection's bound is checked against, the wire
 * bytes of the frames in its send queue (c->queued, this thread's own count) plus the
 * sends other threads had accepted (lwsj_submit) and this thread has not queued yet.
 * Other threads read it as one word, so a send moving from accepted to queued is
 * never seen twice or not at all.
 */
void lwsj_slot_add_queued(struct lwsj_ctx *ctx, uint32_t slot, int64_t delta)
{
	ctx->conns[slot].queued += delta;
	__atomic_add_fetch(&ctx->slots[slot], delta, __ATOMIC_RELEASE);
}

/* [any] an accepted send (+cost) or its charge given back (-cost) */
void lwsj_slot_add_charged(struct lwsj_ctx *ctx, uint32_t slot, int64_t delta)
{
	__atomic_add_fetch(&ctx->slots[slot], delta, __ATOMIC_RELEASE);
}

/* a frame of wire bytes queued for a send that was charged credit bytes when accepted */
void lwsj_slot_move_to_queued(struct lwsj_ctx *ctx, uint32_t slot, int64_t wire, int64_t credit)
{
	ctx->conns[slot].queued += wire;
	__atomic_add_fetch(&ctx->slots[slot], wire - credit, __ATOMIC_RELEASE);
}

/* the queue was emptied at once: its bytes leave the charge */
void lwsj_slot_clear_queued(struct lwsj_ctx *ctx, uint32_t slot)
{
	int64_t q = ctx->conns[slot].queued;

	ctx->conns[slot].queued = 0;
	__atomic_add_fetch(&ctx->slots[slot], -q, __ATOMIC_RELEASE);
}

/* [any] */
int64_t lwsj_slot_charged(struct lwsj_ctx *ctx, uint32_t slot)
{
	return __atomic_load_n(&ctx->slots[slot], __ATOMIC_ACQUIRE);
}
