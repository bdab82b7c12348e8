/*
 * callback.c - the one lws protocol callback of every lwsj protocol. It runs on
 * the service thread, inside lws_service. Data events go to the event buffer;
 * only the events that need an answer at once call up into Java.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "internal.h"

static int32_t protocol_index(struct lws *wsi)
{
	const struct lws_protocols *p = lws_get_protocol(wsi);

	return p ? (int32_t)p->id : 0;
}

static uint32_t slot_of(struct lwsj_pss *pss)
{
	return pss && pss->slot_plus1 ? pss->slot_plus1 - 1 : UINT32_MAX;
}

/* [service, or the thread creating the context] an fd to watch changed */
static int poll_change(struct lwsj_ctx *ctx, int kind, const struct lws_pollargs *pa)
{
	int32_t v[3];

	if (ctx->destroying || !pa)
		return 0;
	if (ctx->epoll_fd >= 0)
		return lwsj_epoll_change(ctx, kind, pa->fd, pa->events);
	if (!ctx->external_poll)
		return 0;
	v[0] = pa->fd;
	v[1] = pa->events;
	v[2] = pa->prev_events;
	ctx->upcall(ctx->handle, LWSJ_UP_POLL, 0, kind, v, (int32_t)sizeof(v), lwsj_events_len(ctx));
	return 0;
}

/* Java handles events written so far first, so that its order is the order here */
static int32_t upcall(struct lwsj_ctx *ctx, int32_t reason, uint64_t conn, int32_t protocol,
		      const void *in, size_t len)
{
	if (ctx->destroying)
		return 0;
	return ctx->upcall(ctx->handle, reason, (int64_t)conn, protocol, in, (int32_t)len,
			   lwsj_events_len(ctx));
}

static int filter_network(struct lwsj_ctx *ctx, void *in)
{
	int fd = (int)(intptr_t)in;
	struct sockaddr_storage sa;
	socklen_t sl = sizeof(sa);
	char ip[INET6_ADDRSTRLEN] = "";

	if (!ctx->network_filter)
		return 0; /* no filter: no upcall per accepted connection */
	if (getpeername(fd, (struct sockaddr *)&sa, &sl))
		return 1; /* already gone */
	if (sa.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&sa)->sin_addr, ip, sizeof(ip));
	else if (sa.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&sa)->sin6_addr, ip, sizeof(ip));
	return upcall(ctx, LWSJ_UP_FILTER_NETWORK, 0, 0, ip, strlen(ip)) ? 1 : 0;
}

/*
 * RFC 6455 4.2.1 checks that lws 4.3 leaves out (it accepts any version and any key
 * length); then Java's filter, which may also move the connection to the protocol
 * that serves the request's path.
 */
/* answers a refused upgrade with an HTTP status before lws drops the connection */
static int refuse(struct lws *wsi, const char *response)
{
	lws_write(wsi, (unsigned char *)response, strlen(response), LWS_WRITE_RAW);
	return 1;
}

static int filter_protocol(struct lwsj_ctx *ctx, struct lws *wsi, struct lwsj_pss *pss)
{
	char v[8];
	int32_t r;

	if (lws_hdr_copy(wsi, v, sizeof(v), WSI_TOKEN_VERSION) != 2 || strcmp(v, "13"))
		return refuse(wsi, "HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\n"
			      "Content-Length: 0\r\nConnection: close\r\n\r\n");
	if (!lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) ||
	    lws_hdr_total_length(wsi, WSI_TOKEN_KEY) != 24)
		return refuse(wsi, "HTTP/1.1 400 Bad Request\r\n"
			      "Content-Length: 0\r\nConnection: close\r\n\r\n");
	/* every connection slot taken: refuse before the upgrade, not after it */
	if (ctx->free_head < 0)
		return refuse(wsi, "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\n"
			      "Content-Length: 0\r\nConnection: close\r\n\r\n");
	r = lwsj_http_request(ctx, wsi, LWSJ_UP_FILTER_PROTOCOL, protocol_index(wsi), NULL);
	if (r == LWSJ_HTTP_MALFORMED)
		return refuse(wsi, "HTTP/1.1 400 Bad Request\r\n"
			      "Content-Length: 0\r\nConnection: close\r\n\r\n");
	if (r >= LWSJ_FILTER_USE && r < LWSJ_FILTER_USE + ctx->nprotos && pss) {
		/* lws stays bound to the protocol it chose (all share one callback);
		 * lwsj treats the connection as the protocol Java picked */
		pss->protocol_plus1 = (uint32_t)(r - LWSJ_FILTER_USE) + 1;
		return 0;
	}
	if (r)
		return refuse(wsi, "HTTP/1.1 403 Forbidden\r\n"
			      "Content-Length: 0\r\nConnection: close\r\n\r\n");
	return 0;
}

/*
 * lws patches 0124 and 0127: the connection failed on bad input (in: the close code
 * and reason). Messages before the bad input have been passed on as events; the
 * handlers answer them after this turn, and those answers are the commands of the next
 * turn, so the close waits for the start of that turn (lwsj_close_failing). lws reads
 * no more of it. Returns 1 when the glue takes the failing over, 0 to let lws close at
 * once: a close of the glue's own (1009) has nothing left to answer.
 */
int lwsj_conn_fail_later(struct lwsj_ctx *ctx, uint32_t slot, const unsigned char *in, size_t len)
{
	struct lwsj_failing f;

	if (ctx->conns[slot].close_pending || len < 2 ||
	    lwsj_bytes_reserve(&ctx->failing, sizeof(f)))
		return 0;
	memset(&f, 0, sizeof(f));
	f.conn = lwsj_conn_handle(ctx, slot);
	f.code = (uint16_t)((in[0] << 8) | in[1]);
	f.reason_len = (uint8_t)(len - 2 < sizeof(f.reason) ? len - 2 : sizeof(f.reason));
	memcpy(f.reason, in + 2, f.reason_len);
	memcpy(ctx->failing.p + ctx->failing.len, &f, sizeof(f));
	ctx->failing.len += sizeof(f);
	return 1;
}

/* [service] at the start of a turn, after its commands: the connections that failed */
void lwsj_close_failing(struct lwsj_ctx *ctx)
{
	for (size_t off = 0; off + sizeof(struct lwsj_failing) <= ctx->failing.len;
	     off += sizeof(struct lwsj_failing)) {
		struct lwsj_failing f;
		uint32_t slot;

		memcpy(&f, ctx->failing.p + off, sizeof(f));
		if (lwsj_conn_get(ctx, f.conn, &slot))
			lwsj_conn_close(ctx, slot, f.code, f.reason, f.reason_len);
	}
	ctx->failing.len = 0;
}

static int established(struct lwsj_ctx *ctx, struct lws *wsi, struct lwsj_pss *pss)
{
	int32_t proto = pss->protocol_plus1 ? (int32_t)pss->protocol_plus1 - 1 : protocol_index(wsi);
	int32_t slot;
	char ip[64] = "";

	slot = lwsj_conn_alloc(ctx, wsi, proto);
	if (slot < 0) {
		lwsl_warn("%s: no free connection slot, refusing\n", __func__);
		return -1;
	}
	pss->slot_plus1 = (uint32_t)slot + 1;
	ctx->conns[slot].ext_active = pss->ext_active;
	lws_get_peer_simple(wsi, ip, sizeof(ip));
	lwsj_emit(ctx, LWSJ_EV_ESTABLISHED, 0, lwsj_conn_handle(ctx, (uint32_t)slot), proto,
		  (int64_t)lws_get_socket_fd(wsi), ip, strlen(ip));
	return 0;
}

static int too_big(struct lwsj_conn *c)
{
	static const char reason[] = "message too big";
	struct lwsj_close_texts *t = lwsj_conn_texts(c);

	c->close_pending = 1;
	c->close_code = LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE;
	if (t) {
		t->reason_len = sizeof(reason) - 1;
		memcpy(t->reason, reason, sizeof(reason) - 1);
	}
	lws_close_reason(c->wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE,
			 (unsigned char *)reason, sizeof(reason) - 1);
	return -1;
}

int lwsj_conn_receive(struct lwsj_ctx *ctx, struct lws *wsi, uint32_t slot, void *in, size_t len)
{
	struct lwsj_conn *c = &ctx->conns[slot];
	struct lwsj_proto *pr = &ctx->protos[c->protocol];
	uint64_t h = lwsj_conn_handle(ctx, slot);
	int binary = lws_frame_is_binary(wsi), final = lws_is_final_fragment(wsi);
	uint16_t bin = binary ? LWSJ_EVF_BINARY : 0;

	if (pr->flags & LWSJ_PROTO_FRAGMENTS) {
		/*
		 * lws reads in chunks of the protocol it is bound to; a protocol chosen by
		 * path may want smaller ones: cut to this protocol's receive buffer size
		 */
		size_t chunk = (size_t)pr->rx_buffer_size, off = 0;
		int64_t rest = (int64_t)lws_remaining_packet_payload(wsi);

		do {
			size_t n = len - off < chunk ? len - off : chunk;
			int last = off + n == len;
			uint16_t fl = bin;

			if (!c->rx_active)
				fl |= LWSJ_EVF_FIRST;
			c->rx_active = !(final && last);
			if (final && last)
				fl |= LWSJ_EVF_FINAL;
			if (lwsj_emit(ctx, LWSJ_EV_FRAGMENT, fl, h, c->protocol,
				      rest + (int64_t)(len - off - n), (const char *)in + off, n))
				return -1;
			off += n;
		} while (off < len);
		return 0;
	}

	if (!c->rx_active && final) {
		/* the common case: the whole message in one piece, straight to the event */
		if ((int64_t)len > pr->max_message_size)
			return too_big(c);
		return lwsj_emit(ctx, LWSJ_EV_MESSAGE, bin, h, c->protocol, 0,
				 in, len) ? -1 : 0;
	}
	if (!c->rx_active) {
		c->rx_active = 1;
		c->rx_binary = (uint8_t)binary;
		c->rx_len = 0;
	}
	if ((int64_t)(c->rx_len + len) > pr->max_message_size)
		return too_big(c);
	if (!final) {
		if (c->rx_len + len > c->rx_cap) {
			size_t ncap = c->rx_cap ? c->rx_cap : 1024;
			unsigned char *np;

			while (ncap < c->rx_len + len)
				ncap *= 2;
			np = realloc(c->rx, ncap);
			if (!np)
				return -1;
			c->rx = np;
			c->rx_cap = ncap;
		}
		if (len) /* an empty first fragment: c->rx may still be NULL */
			memcpy(c->rx + c->rx_len, in, len);
		c->rx_len += len;
		return 0;
	}
	/* the last piece goes from lws's buffer into the event with what came before */
	c->rx_active = 0;
	if (lwsj_emit2(ctx, LWSJ_EV_MESSAGE, c->rx_binary ? LWSJ_EVF_BINARY : 0, h, c->protocol,
		       0, c->rx, c->rx_len, in, len))
		return -1;
	c->rx_len = 0;
	if (c->rx_cap > 64 * 1024) {
		/* do not keep a large buffer for an idle connection */
		free(c->rx);
		c->rx = NULL;
		c->rx_cap = 0;
	}
	return 0;
}

void lwsj_conn_closed(struct lwsj_ctx *ctx, uint32_t slot)
{
	struct lwsj_conn *c = &ctx->conns[slot];
	int64_t code = 1006;
	const char *reason = "";
	size_t rlen = 0;

	if (c->peer_close_code) {
		code = c->peer_close_code;
		if (c->texts) {
			reason = c->texts->peer_reason;
			rlen = c->texts->peer_len;
		}
	} else if (c->close_pending) {
		code = c->close_code;
		if (c->texts) {
			reason = c->texts->reason;
			rlen = c->texts->reason_len;
		}
	}
	lwsj_emit(ctx, LWSJ_EV_CLOSED, 0, lwsj_conn_handle(ctx, slot), c->protocol, code,
		  reason, rlen);
	lwsj_conn_release(ctx, slot);
}

void lwsj_conn_peer_close(struct lwsj_conn *c, const unsigned char *in, size_t len)
{
	struct lwsj_close_texts *t;

	if (len < 2) {
		c->peer_close_code = 1005; /* a close frame without a code */
		return;
	}
	c->peer_close_code = (in[0] << 8) | in[1];
	len -= 2;
	if (len && (t = lwsj_conn_texts(c))) {
		if (len > sizeof(t->peer_reason))
			len = sizeof(t->peer_reason);
		memcpy(t->peer_reason, in + 2, len);
		t->peer_len = (uint8_t)len;
	}
}

int lwsj_lws_callback(struct lws *wsi, enum lws_callback_reasons reason,
		      void *user, void *in, size_t len)
{
	struct lws_context *lc = lws_get_context(wsi);
	struct lwsj_ctx *ctx = lc ? lws_context_user(lc) : NULL;
	struct lwsj_pss *pss = user;
	uint32_t slot = slot_of(pss);

	if (!ctx)
		return 0;
	/* only client wsis carry opaque user data (their slot) */
	if (lwsj_client_slot(wsi) != UINT32_MAX) {
		int handled, r = lwsj_client_callback(ctx, wsi, reason, in, len, &handled);

		if (handled)
			return r;
	}

	switch (reason) {
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		lwsj_commands_run_foreign(ctx);
		return 0;

	case LWS_CALLBACK_ADD_POLL_FD:
		return poll_change(ctx, LWSJ_POLL_ADD, in);
	case LWS_CALLBACK_DEL_POLL_FD:
		return poll_change(ctx, LWSJ_POLL_DEL, in);
	case LWS_CALLBACK_CHANGE_MODE_POLL_FD:
		return poll_change(ctx, LWSJ_POLL_CHANGE, in);

	case LWS_CALLBACK_OPENSSL_LOAD_EXTRA_SERVER_VERIFY_CERTS:
		return lwsj_tls_extra_ca(ctx, user, 0);

	case LWS_CALLBACK_OPENSSL_LOAD_EXTRA_CLIENT_VERIFY_CERTS:
		return lwsj_tls_extra_ca(ctx, user, 1);

	case LWS_CALLBACK_OPENSSL_PERFORM_CLIENT_CERT_VERIFICATION:
		return lwsj_tls_verify_peer(ctx, user, (int)len);

	case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
		return filter_network(ctx, in);

	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		return filter_protocol(ctx, wsi, pss);

	case LWS_CALLBACK_CONFIRM_EXTENSION_OKAY:
		if (lwsj_deflate_confirm(ctx, wsi, 0, pss && pss->protocol_plus1 ?
					 (int32_t)pss->protocol_plus1 - 1 : protocol_index(wsi), in))
			return 1;
		if (pss)
			pss->ext_active = 1;
		return 0;

	case LWS_CALLBACK_ESTABLISHED:
		return established(ctx, wsi, pss);

	case LWS_CALLBACK_RECEIVE:
		if (slot == UINT32_MAX)
			return -1;
		return lwsj_conn_receive(ctx, wsi, slot, in, len);

	case LWS_CALLBACK_RECEIVE_PONG:
		if (slot == UINT32_MAX)
			return 0;
		return lwsj_emit(ctx, LWSJ_EV_PONG, 0, lwsj_conn_handle(ctx, slot),
				 ctx->conns[slot].protocol, 0, in, len) ? -1 : 0;

	case LWS_CALLBACK_LWSJ_RX_FAILED:
		return slot != UINT32_MAX ? lwsj_conn_fail_later(ctx, slot, in, len) : 0;

	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		if (slot != UINT32_MAX)
			lwsj_conn_peer_close(&ctx->conns[slot], in, len);
		return 0;

	case LWS_CALLBACK_SERVER_WRITEABLE:
		if (slot == UINT32_MAX)
			return 0;
		return lwsj_conn_writeable(ctx, slot);

	case LWS_CALLBACK_CLOSED:
		if (slot != UINT32_MAX && !ctx->conns[slot].peer_close_code &&
		    !ctx->conns[slot].close_pending && lws_get_close_length(wsi) >= 2) {
			/* lws failed the connection (bad input): report the code it sent */
			struct lwsj_conn *c = &ctx->conns[slot];
			const unsigned char *p = lws_get_close_payload(wsi);
			size_t n = (size_t)lws_get_close_length(wsi) - 2;
			struct lwsj_close_texts *t = n ? lwsj_conn_texts(c) : NULL;

			c->close_pending = 1;
			c->close_code = (uint16_t)((p[0] << 8) | p[1]);
			if (t) {
				t->reason_len = (uint8_t)(n < sizeof(t->reason) ? n : sizeof(t->reason));
				memcpy(t->reason, p + 2, t->reason_len);
			}
		}
		if (slot != UINT32_MAX) {
			lwsj_conn_closed(ctx, slot);
			pss->slot_plus1 = 0;
		}
		return 0;

	case LWS_CALLBACK_HTTP:
		return lwsj_http_begin(ctx, wsi, pss);

	case LWS_CALLBACK_HTTP_WRITEABLE:
		return lwsj_http_writeable(wsi, pss);

	case LWS_CALLBACK_HTTP_BODY:
		/* not lws's default handler: it would write a second response of its own */
		return lwsj_http_body(pss, in, len);

	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		return lwsj_http_body_done(ctx, wsi, pss);

	case LWS_CALLBACK_HTTP_FILE_COMPLETION:
		return lwsj_http_file_done(ctx, wsi, pss);

	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
	case LWS_CALLBACK_CLOSED_HTTP:
		lwsj_http_free(pss);
		break;

	case LWS_CALLBACK_WSI_DESTROY:
		/* a connection that lws drops without CLOSED still gives its slot back */
		if (slot != UINT32_MAX) {
			lwsj_conn_closed(ctx, slot);
			pss->slot_plus1 = 0;
		}
		lwsj_http_free(pss);
		break;

	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}
