/*
 * sendq.c - per-connection send queues and the write path. Service thread only.
 *
 * A queued message is a frame whose header is already written in front of its
 * payload. On WRITEABLE the frames at the head of the queue are gathered into one
 * buffer and written with a single raw write, so syscalls do not grow with the number
 * of messages; a frame that is alone or too large to gather is written straight from
 * where it lies.
 * lws keeps the unsent tail of a partial write and withholds WRITEABLE until it has
 * gone, so at most one write is made per WRITEABLE.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/*
 * Writes the frame header just before the payload. A client's frame is masked
 * (RFC 6455 5.3): a fresh key from the system's CSPRNG, the payload XORed in place.
 * Returns the header's length, 0 when no key could be had.
 */
static uint8_t put_header(struct lwsj_ctx *ctx, struct lwsj_frame *f, int masked)
{
	unsigned char h[LWSJ_FRAME_OVERHEAD];
	uint8_t n;
	uint64_t len = f->len;

	h[0] = (unsigned char)((f->opflags & LWSJ_SEND_NO_FIN ? 0 : 0x80) | (f->opflags & 0xf));
	if (len < 126) {
		h[1] = (unsigned char)len;
		n = 2;
	} else if (len <= 0xffff) {
		h[1] = 126;
		h[2] = (unsigned char)(len >> 8);
		h[3] = (unsigned char)len;
		n = 4;
	} else {
		h[1] = 127;
		for (int i = 0; i < 8; i++)
			h[2 + i] = (unsigned char)(len >> (56 - 8 * i));
		n = 10;
	}
	if (masked) {
		unsigned char *p = lwsj_frame_payload(f);

		h[1] |= 0x80;
		if (lwsj_random_bytes(ctx, h + n, 4))
			return 0;
		for (uint32_t i = 0; i < f->len; i++)
			p[i] ^= h[n + (i & 3)];
		n += 4;
	}
	memcpy(f->buf + LWSJ_HEADROOM - n, h, n);
	return n;
}

struct lwsj_frame *lwsj_frame_new(struct lwsj_ctx *ctx, uint8_t opflags, const void *payload,
				  size_t len, int masked)
{
	struct lwsj_frame *f = lwsj_frame_alloc(ctx, len);

	if (!f)
		return NULL;
	f->refs = 1;
	f->token = 0;
	f->len = (uint32_t)len;
	f->opflags = opflags;
	if (len)
		memcpy(lwsj_frame_payload(f), payload, len);
	f->hdr_len = put_header(ctx, f, masked);
	if (!f->hdr_len) {
		/* no masking key: the caller fails the connection as for a frame it cannot queue */
		lwsj_frame_unref(ctx, f);
		return NULL;
	}
	return f;
}

/* [any] */
struct lwsj_frame *lwsj_frame_new_shared(uint8_t opflags, const void *payload, size_t len, uint32_t refs)
{
	struct lwsj_frame *f;

	if (len > UINT32_MAX - LWSJ_HEADROOM - sizeof(*f))
		return NULL;
	f = malloc(sizeof(*f) + LWSJ_HEADROOM + len);
	if (!f)
		return NULL;
	f->size_class = LWSJ_POOL_SHARED;
	f->refs = refs;
	f->token = 0;
	f->len = (uint32_t)len;
	f->opflags = opflags;
	if (len)
		memcpy(lwsj_frame_payload(f), payload, len);
	f->hdr_len = put_header(NULL, f, 0); /* a server's frame: no mask, no key to fetch */
	return f;
}

void lwsj_frame_ref(struct lwsj_frame *f)
{
	if (f->size_class == LWSJ_POOL_SHARED)
		__atomic_add_fetch(&f->refs, 1, __ATOMIC_RELAXED);
	else
		f->refs++;
}

void lwsj_frame_unref(struct lwsj_ctx *ctx, struct lwsj_frame *f)
{
	if (!f)
		return;
	if (f->size_class == LWSJ_POOL_SHARED) {
		/* the last of the contexts that share it frees it */
		if (!__atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL))
			free(f);
		return;
	}
	if (!--f->refs)
		lwsj_frame_release(ctx, f);
}

/*
 * Takes a reference to f; the caller has checked the bound. credit: what the send was
 * charged when another thread submitted it (0 for this thread's own), moved to the
 * frame in the same step. 0 when queued, 1 when a close was asked for and nothing goes
 * out, -1 out of memory; on 1 and -1 the credit is still the caller's to give back.
 */
int lwsj_conn_enqueue(struct lwsj_ctx *ctx, uint32_t slot, struct lwsj_frame *f, int64_t credit)
{
	struct lwsj_conn *c = &ctx->conns[slot];

	if (c->close_pending)
		return 1; /* nothing goes out after a close was asked for */
	if (c->q_len == c->q_cap) {
		uint32_t ncap = c->q_cap ? c->q_cap * 2 : 8;
		struct lwsj_frame **nq = malloc(sizeof(*nq) * ncap);

		if (!nq)
			return -1;
		/* unroll the ring into the new array */
		for (uint32_t i = 0; i < c->q_len; i++)
			nq[i] = c->q[(c->q_head + i) % c->q_cap];
		free(c->q);
		c->q = nq;
		c->q_head = 0;
		c->q_cap = ncap;
	}
	c->q[(c->q_head + c->q_len) % c->q_cap] = f;
	c->q_len++;
	lwsj_frame_ref(f);
	lwsj_slot_move_to_queued(ctx, slot, (int64_t)lwsj_frame_wire_len(f), credit);
	lwsj_want_writeable(ctx, c->wsi);
	return 0;
}

static struct lwsj_frame *pop(struct lwsj_conn *c)
{
	struct lwsj_frame *f = c->q[c->q_head];

	c->q_head = (c->q_head + 1) % c->q_cap;
	c->q_len--;
	return f;
}

void lwsj_conn_drop_queue(struct lwsj_ctx *ctx, uint32_t slot)
{
	struct lwsj_conn *c = &ctx->conns[slot];

	while (c->q_len)
		lwsj_frame_unref(ctx, pop(c));
	c->q_head = 0;
	lwsj_frame_unref(ctx, c->in_flight);
	c->in_flight = NULL;
	lwsj_slot_clear_queued(ctx, slot);
}

/* hands lws the close code and reason lwsj_conn_close kept, for its close frame */
static void put_close_reason(struct lwsj_conn *c)
{
	lws_close_reason(c->wsi, (enum lws_close_status)c->close_code,
			 c->texts ? (unsigned char *)c->texts->reason : NULL,
			 c->texts ? c->texts->reason_len : 0);
}

/*
 * Close after what is queued has gone. A peer that stops reading would keep that
 * from ever happening, so the close gets the context's round-trip timeout.
 */
void lwsj_conn_close(struct lwsj_ctx *ctx, uint32_t slot, int code, const char *reason, size_t rlen)
{
	struct lwsj_conn *c = &ctx->conns[slot];
	struct lwsj_close_texts *t;

	if (c->close_pending)
		return;
	c->close_pending = 1;
	c->close_code = (uint16_t)code;
	if (rlen && (t = lwsj_conn_texts(c))) {
		if (rlen > sizeof(t->reason))
			rlen = sizeof(t->reason);
		t->reason_len = (uint8_t)rlen;
		memcpy(t->reason, reason, rlen);
	}
	lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_SEND, (int)ctx->timeout_s);
	lwsj_want_writeable(ctx, c->wsi);
}

/*
 * Close now, dropping what is queued: for a slow consumer, whose socket may never
 * become writeable again. lws sends the close frame if it still can.
 */
void lwsj_conn_abort(struct lwsj_ctx *ctx, uint32_t slot, int code, const char *reason, size_t rlen)
{
	struct lwsj_conn *c = &ctx->conns[slot];

	lwsj_conn_drop_queue(ctx, slot);
	lwsj_conn_close(ctx, slot, code, reason, rlen);
	put_close_reason(c);
	lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

/*
 * Keeps the token of a frame about to be written, for report_sent. Without memory for
 * it the token is reported at once: early, but never lost.
 */
static void keep_token(struct lwsj_ctx *ctx, uint32_t slot, uint32_t token)
{
	struct lwsj_conn *c = &ctx->conns[slot];

	if (!token)
		return;
	if (c->sent_len == c->sent_cap) {
		uint32_t ncap = c->sent_cap ? c->sent_cap * 2 : 8;
		uint32_t *n = realloc(c->sent, sizeof(*n) * ncap);

		if (!n) {
			lwsj_emit(ctx, LWSJ_EV_SENT, 0, lwsj_conn_handle(ctx, slot), c->protocol,
				  token, NULL, 0);
			return;
		}
		c->sent = n;
		c->sent_cap = ncap;
	}
	c->sent[c->sent_len++] = token;
}

/* LWSJ_EV_SENT for every kept token: their frames have left lws for the socket */
static void report_sent(struct lwsj_ctx *ctx, uint32_t slot)
{
	struct lwsj_conn *c = &ctx->conns[slot];

	for (uint32_t i = 0; i < c->sent_len; i++)
		lwsj_emit(ctx, LWSJ_EV_SENT, 0, lwsj_conn_handle(ctx, slot), c->protocol,
			  c->sent[i], NULL, 0);
	c->sent_len = 0;
}

/*
 * With an extension active lws must frame (and compress) each message itself: one
 * lws_write per WRITEABLE, from a buffer that stays valid until the next one.
 */
static int write_through_extension(struct lwsj_ctx *ctx, uint32_t slot)
{
	static const int wp[16] = {
		[LWSJ_SEND_CONTINUATION] = LWS_WRITE_CONTINUATION,
		[LWSJ_SEND_TEXT] = LWS_WRITE_TEXT,
		[LWSJ_SEND_BINARY] = LWS_WRITE_BINARY,
		[LWSJ_SEND_PING] = LWS_WRITE_PING,
		[LWSJ_SEND_PONG] = LWS_WRITE_PONG,
	};
	struct lwsj_conn *c = &ctx->conns[slot];
	struct lwsj_frame *f = pop(c);
	int mode = wp[f->opflags & 0xf] | (f->opflags & LWSJ_SEND_NO_FIN ? LWS_WRITE_NO_FIN : 0);
	int op = f->opflags & 0xf, r;

	lwsj_slot_add_queued(ctx, slot, -(int64_t)lwsj_frame_wire_len(f));
	keep_token(ctx, slot, f->token); /* reported at the next WRITEABLE */
	if (!f->len && !(f->opflags & LWSJ_SEND_NO_FIN) &&
	    (op == LWSJ_SEND_TEXT || op == LWSJ_SEND_BINARY)) {
		/*
		 * lws's deflater fails on an empty message ("want to trim out length 0")
		 * and corrupts its stream; RFC 7692 lets any message go uncompressed, so an
		 * empty one goes as a plain frame (masked with an empty payload for a client)
		 */
		unsigned char h[6] = { (unsigned char)(0x80 | op), 0 };
		size_t n = 2;

		if (c->is_client) {
			h[1] = 0x80;
			if (lwsj_random_bytes(ctx, h + 2, 4)) {
				lwsj_frame_unref(ctx, f);
				return -1; /* no masking key: the connection closes */
			}
			n = 6;
		}
		lwsj_frame_unref(ctx, f);
		return lws_write(c->wsi, h, n, LWS_WRITE_RAW) < 0 ? -1 : 0;
	}
	r = lws_write(c->wsi, lwsj_frame_payload(f), f->len, (enum lws_write_protocol)mode);
	c->in_flight = f;
	return r < 0 ? -1 : 0;
}

/*
 * One raw write of what is at the head of the queue: the frames gathered into one
 * buffer (a copy costs less than a trip through poll per frame), or a frame alone,
 * straight from where it lies, when it is the only one or too large to gather.
 * Returns -1 when the write failed.
 */
static int write_batch(struct lwsj_ctx *ctx, uint32_t slot)
{
	struct lwsj_conn *c = &ctx->conns[slot];
	struct lwsj_frame *f = c->q[c->q_head];
	size_t n = 0;
	int r;

	if (c->q_len == 1 || lwsj_frame_wire_len(f) > LWSJ_SCRATCH_SIZE / 2) {
		f = pop(c);
		n = lwsj_frame_wire_len(f);
		keep_token(ctx, slot, f->token);
		r = lws_write(c->wsi, f->buf + LWSJ_HEADROOM - f->hdr_len, n, LWS_WRITE_RAW);
		lwsj_frame_unref(ctx, f);
	} else {
		unsigned char *d = ctx->scratch + LWS_PRE;

		while (c->q_len) {
			size_t w;

			f = c->q[c->q_head];
			w = lwsj_frame_wire_len(f);
			if (n + w > LWSJ_SCRATCH_SIZE)
				break;
			memcpy(d + n, f->buf + LWSJ_HEADROOM - f->hdr_len, w);
			n += w;
			keep_token(ctx, slot, f->token);
			lwsj_frame_unref(ctx, pop(c));
		}
		r = lws_write(c->wsi, d, n, LWS_WRITE_RAW);
	}
	lwsj_slot_add_queued(ctx, slot, -(int64_t)n);
	if (r < 0)
		return -1;
	if (!lws_partial_buffered(c->wsi))
		report_sent(ctx, slot); /* else at the next WRITEABLE, once lws has sent the tail */
	return 0;
}

/* [service] SERVER_WRITEABLE: returns -1 to have lws close the connection */
int lwsj_conn_writeable(struct lwsj_ctx *ctx, uint32_t slot)
{
	struct lwsj_conn *c = &ctx->conns[slot];

	lwsj_frame_unref(ctx, c->in_flight);
	c->in_flight = NULL;
	report_sent(ctx, slot); /* lws gives WRITEABLE only once what it held has gone */
	if (c->q_len) {
		if (c->ext_active ? write_through_extension(ctx, slot) : write_batch(ctx, slot))
			return -1;
		/* kept tokens wait for the WRITEABLE that says lws's tail has gone */
		if (c->q_len || c->close_pending || c->sent_len) {
			lwsj_want_writeable(ctx, c->wsi);
			return 0;
		}
	} else if (c->close_pending) {
		put_close_reason(c);
		return -1;
	}
	if (c->wants_writable && !c->q_len) {
		c->wants_writable = 0;
		lwsj_emit(ctx, LWSJ_EV_WRITEABLE, 0, lwsj_conn_handle(ctx, slot),
			  c->protocol, 0, NULL, 0);
	}
	return 0;
}
