/*
 * client.c - client connections (libwebsocket_client_connect). Service thread only.
 *
 * A connect command takes a slot at once, so that every later callback finds it
 * through the wsi's opaque user data; the slot joins its protocol's list only at
 * CLIENT_ESTABLISHED. Until then the slot keeps Java's request id, which the
 * CLIENT_ESTABLISHED or CLIENT_ERROR event carries back.
 */
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "internal.h"

struct connect_req {
	int32_t port, flags, protocol, timeout_ms;
	const char *address, *path, *host, *origin, *subprotocols;
	const unsigned char *headers;
	size_t headers_len;
};

static const char *next_str(const unsigned char **p, const unsigned char *end)
{
	const char *s = (const char *)*p;
	size_t n;

	if (*p >= end)
		return NULL;
	n = strnlen(s, (size_t)(end - *p));
	if (*p + n >= end)
		return NULL;
	*p += n + 1;
	return s;
}

static int parse(struct connect_req *r, const unsigned char *b, size_t len)
{
	const unsigned char *p = b + 16, *end = b + len;

	if (len < 16 + 6)
		return -1;
	memcpy(&r->port, b, 4);
	memcpy(&r->flags, b + 4, 4);
	memcpy(&r->protocol, b + 8, 4);
	memcpy(&r->timeout_ms, b + 12, 4);
	r->address = next_str(&p, end);
	r->path = next_str(&p, end);
	r->host = next_str(&p, end);
	r->origin = next_str(&p, end);
	r->subprotocols = next_str(&p, end);
	if (!r->address || !r->path || !r->host || !r->origin || !r->subprotocols ||
	    p >= end || end[-1] != 0)
		return -1;
	r->headers = p;
	r->headers_len = (size_t)(end - p);
	return 0;
}

static void report_error(struct lwsj_ctx *ctx, int64_t request, int kind, int status,
			 const char *reason)
{
	lwsj_emit(ctx, LWSJ_EV_CLIENT_ERROR, (uint16_t)kind, 0, status, request,
		  reason, strlen(reason));
}

/* the slot of a client wsi, UINT32_MAX for none */
uint32_t lwsj_client_slot(struct lws *wsi)
{
	uintptr_t o = (uintptr_t)lws_get_opaque_user_data(wsi);

	return o ? (uint32_t)(o - 1) : UINT32_MAX;
}

/* the attempt failed: say why (LWSJ_CONNERR_*) once, and give the slot back */
static void failed_as(struct lwsj_ctx *ctx, struct lws *wsi, uint32_t slot, int kind, int status,
		      const char *reason)
{
	struct lwsj_client *k = ctx->conns[slot].client;

	if (k && !k->reported) {
		k->reported = 1;
		if (k->timed_out)
			report_error(ctx, k->request, LWSJ_CONNERR_TIMEOUT, 0, "timed out");
		else
			report_error(ctx, k->request, kind, status, reason);
	}
	if (wsi)
		lws_set_opaque_user_data(wsi, NULL);
	lwsj_conn_release(ctx, slot);
}

static void failed(struct lwsj_ctx *ctx, struct lws *wsi, uint32_t slot, const char *reason)
{
	failed_as(ctx, wsi, slot, LWSJ_CONNERR_OTHER, 0, reason);
}

static void connect_timeout(lws_sorted_usec_list_t *sul)
{
	struct lwsj_client *k = lws_container_of(sul, struct lwsj_client, sul);

	if (k->conn->wsi || !k->connecting)
		return;
	/* kill the attempt; the callbacks that follow report the timeout */
	k->timed_out = 1;
	lws_set_timeout(k->connecting, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

void lwsj_client_connect(struct lwsj_ctx *ctx, int64_t request, const unsigned char *blob, size_t len)
{
	struct lws_client_connect_info i;
	struct connect_req r;
	struct lwsj_client *k;
	struct lws *wsi;
	int32_t slot;
	uint32_t gen;

	if (parse(&r, blob, len) || r.protocol < 0 || r.protocol >= ctx->nprotos) {
		report_error(ctx, request, LWSJ_CONNERR_OTHER, 0, "malformed connect request");
		return;
	}
	slot = lwsj_conn_alloc_unlinked(ctx, r.protocol);
	if (slot < 0) {
		report_error(ctx, request, LWSJ_CONNERR_OTHER, 0,
			     "too many connections (maxConnections reached)");
		return;
	}
	k = calloc(1, sizeof(*k));
	if (!k) {
		lwsj_conn_release(ctx, (uint32_t)slot);
		report_error(ctx, request, LWSJ_CONNERR_OTHER, 0, "out of memory");
		return;
	}
	ctx->conns[slot].client = k;
	ctx->conns[slot].is_client = 1;
	k->conn = &ctx->conns[slot];
	k->request = request;
	k->header_upcall = (r.flags & LWSJ_CONNECT_HEADER_UPCALL) ? 1 : 0;
	if (r.headers_len > 1) {
		k->headers = malloc(r.headers_len);
		if (!k->headers) {
			failed(ctx, NULL, (uint32_t)slot, "out of memory");
			return;
		}
		memcpy(k->headers, r.headers, r.headers_len);
		k->headers_len = r.headers_len;
	}
	gen = ctx->conns[slot].gen;

	memset(&i, 0, sizeof(i));
	i.context = ctx->lws;
	i.vhost = ctx->vhost;
	i.address = r.address;
	i.port = r.port;
	i.path = r.path;
	i.host = r.host;
	i.origin = *r.origin ? r.origin : NULL;
	i.protocol = *r.subprotocols ? r.subprotocols : NULL;
	i.local_protocol_name = ctx->protos[r.protocol].name;
	i.opaque_user_data = (void *)(uintptr_t)(slot + 1);
	if (ctx->idle_policy.secs_since_valid_ping || ctx->idle_policy.secs_since_valid_hangup)
		i.retry_and_idle_policy = &ctx->idle_policy;
	if (r.flags & LWSJ_CONNECT_TLS) {
		i.ssl_connection = LCCSCF_USE_SSL;
		if (r.flags & LWSJ_CONNECT_TLS_INSECURE)
			i.ssl_connection |= LCCSCF_ALLOW_SELFSIGNED | LCCSCF_ALLOW_EXPIRED |
					    LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK | LCCSCF_ALLOW_INSECURE;
	}
	if (r.timeout_ms > 0)
		lws_sul_schedule(ctx->lws, 0, &k->sul, connect_timeout,
				 (lws_usec_t)r.timeout_ms * LWS_US_PER_MS);

	wsi = lws_client_connect_via_info(&i);
	if (!ctx->conns[slot].in_use || ctx->conns[slot].gen != gen)
		return; /* already failed and reported from inside the call */
	if (!wsi)
		failed_as(ctx, NULL, (uint32_t)slot, LWSJ_CONNERR_UNRESOLVED, 0,
			  "connect failed (unresolvable host?)");
	else
		k->connecting = wsi;
}

/* "name: value\r\n" lines from name\0value\0 pairs (ending at an empty name or n) */
static int append_pairs(const unsigned char *q, size_t n, char **p, size_t *room)
{
	const unsigned char *e = q + n;

	while (q < e && *q) {
		size_t nl = strnlen((const char *)q, (size_t)(e - q)), vl;

		if (q + nl + 1 >= e)
			return -1;
		vl = strnlen((const char *)q + nl + 1, (size_t)(e - q - nl - 1));
		if (nl + vl + 4 >= *room)
			return -1;
		*p += snprintf(*p, *room, "%s: %s\r\n", q, q + nl + 1);
		*room -= nl + vl + 4;
		q += nl + vl + 2;
	}
	return 0;
}

/* CLIENT_APPEND_HANDSHAKE_HEADER: the request's headers, then the handler's */
static int append_headers(struct lwsj_ctx *ctx, struct lwsj_conn *c, char **p, size_t room)
{
	struct lwsj_client *k = c->client;
	unsigned char extra[4096];
	int32_t n;

	if (k->headers && append_pairs(k->headers, k->headers_len, p, &room))
		return -1;
	if (!k->header_upcall)
		return 0;
	n = ctx->upcall(ctx->handle, LWSJ_UP_CLIENT_HEADERS, k->request, c->protocol,
			extra, (int32_t)sizeof(extra), lwsj_events_len(ctx));
	if (n < 0 || (size_t)n > sizeof(extra))
		return -1;
	return append_pairs(extra, (size_t)n, p, &room);
}

/*
 * The response's headers go while lws still has them: it drops them before
 * ESTABLISHED. They follow the peer IP, fd and subprotocol fields of the event.
 */
static int keep_response(struct lws *wsi, struct lwsj_conn *c)
{
	struct lwsj_bytes *b = &c->client->response;
	char proto[128] = "";

	b->len = 0;
	/* on a client, this is the server's answer: an extension it accepted is active */
	c->ext_active = lws_hdr_total_length(wsi, WSI_TOKEN_EXTENSIONS) > 0;
	if (lws_hdr_copy(wsi, proto, sizeof(proto), WSI_TOKEN_PROTOCOL) < 0)
		proto[0] = 0;
	if (lwsj_put_field(b, proto, strlen(proto)))
		return -1;
	return lwsj_put_headers(wsi, b);
}

/* the connection is up: report it, and drop what only connecting needed */
static void established(struct lwsj_ctx *ctx, struct lws *wsi, uint32_t slot)
{
	struct lwsj_conn *c = &ctx->conns[slot];
	struct lwsj_client *k = c->client;
	struct lwsj_bytes info = { 0 };
	char ip[64] = "", fd[16];

	lwsj_conn_link(ctx, slot, wsi);
	lws_get_peer_simple(wsi, ip, sizeof(ip));
	snprintf(fd, sizeof(fd), "%d", (int)lws_get_socket_fd(wsi));
	if (!k->response.len)
		lwsj_put_field(&k->response, NULL, 0); /* no subprotocol, no headers */
	/* out of memory here, lwsj_emit2 logs it */
	if (!lwsj_put_field(&info, ip, strlen(ip)) && !lwsj_put_field(&info, fd, strlen(fd)))
		lwsj_emit2(ctx, LWSJ_EV_CLIENT_ESTABLISHED, 0, lwsj_conn_handle(ctx, slot),
			   c->protocol, k->request, info.p, info.len, k->response.p,
			   k->response.len);
	lwsj_bytes_free(&info);
	lws_sul_cancel(&k->sul);
	free(k->headers);
	lwsj_bytes_free(&k->response);
	free(k);
	c->client = NULL;
}

/*
 * The client-side reasons. Sets *handled when the reason was a client one, and
 * returns what the lws callback should return.
 */
int lwsj_client_callback(struct lwsj_ctx *ctx, struct lws *wsi, enum lws_callback_reasons reason,
			 void *in, size_t len, int *handled)
{
	uint32_t slot = lwsj_client_slot(wsi);
	char why[256];

	*handled = 1;
	if (slot >= ctx->max_conns || !ctx->conns[slot].in_use) {
		*handled = 0;
		return 0;
	}

	switch (reason) {
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		if (!ctx->conns[slot].client || append_headers(ctx, &ctx->conns[slot], (char **)in, len)) {
			failed(ctx, wsi, slot, "handshake headers do not fit in the request");
			return -1;
		}
		return 0;

	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR: {
		int status = lws_http_client_http_response(wsi);
		SSL *ssl = lws_get_ssl(wsi);
		long verify = ssl ? SSL_get_verify_result(ssl) : X509_V_OK;

		/* lws's texts end in a newline; drop it */
		while (in && len && (((char *)in)[len - 1] == '\n' || ((char *)in)[len - 1] == ' '))
			len--;
		int kind = LWSJ_CONNERR_OTHER;

		if (verify != X509_V_OK) {
			/* say what OpenSSL found, in its own stable words */
			snprintf(why, sizeof(why), "TLS: the server's certificate was refused: %s",
				 X509_verify_cert_error_string(verify));
			kind = LWSJ_CONNERR_TLS;
		} else if (status && status != 101) {
			snprintf(why, sizeof(why), "HTTP %d: upgrade refused (%.*s)", status,
				 (int)(in ? len : 0), in ? (const char *)in : "");
			kind = LWSJ_CONNERR_HTTP;
		} else if (in && len > 11 && !strncmp(in, "conn fail: ", 11)) {
			/* lws says "conn fail: <errno>" */
			int e = atoi((const char *)in + 11);

			snprintf(why, sizeof(why), "%s (%.*s)", strerror(e), (int)len, (const char *)in);
			if (e == ECONNREFUSED)
				kind = LWSJ_CONNERR_REFUSED;
		} else {
			snprintf(why, sizeof(why), "%.*s", (int)(in ? len : 0),
				 in ? (const char *)in : "connection failed");
			if (in && (strstr(why, "DNS") || strstr(why, "resolv") || strstr(why, "getaddrinfo")))
				kind = LWSJ_CONNERR_UNRESOLVED;
		}
		failed_as(ctx, wsi, slot, kind, status, why);
		return 0;
	}

	case LWS_CALLBACK_CLIENT_CONFIRM_EXTENSION_SUPPORTED:
		return ctx->conns[slot].client &&
		       lwsj_deflate_confirm(ctx, wsi, ctx->conns[slot].client->request,
					    ctx->conns[slot].protocol, in);

	case LWS_CALLBACK_CLIENT_FILTER_PRE_ESTABLISH:
		if (!ctx->conns[slot].client) {
			failed(ctx, wsi, slot, "out of memory");
			return -1;
		}
		switch (keep_response(wsi, &ctx->conns[slot])) {
		case 0:
			return 0;
		case LWSJ_HTTP_MALFORMED:
			failed(ctx, wsi, slot, "malformed response header (NUL, CR or LF in a value)");
			return -1;
		default:
			failed(ctx, wsi, slot, "out of memory");
			return -1;
		}
		return 0;

	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		if (!ctx->conns[slot].client || ctx->conns[slot].client->timed_out) {
			failed(ctx, wsi, slot, "timed out");
			return -1;
		}
		established(ctx, wsi, slot);
		return 0;

	case LWS_CALLBACK_CLIENT_RECEIVE:
		return lwsj_conn_receive(ctx, wsi, slot, in, len);

	case LWS_CALLBACK_LWSJ_RX_FAILED:
		return lwsj_conn_fail_later(ctx, slot, in, len);

	case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
		return lwsj_emit(ctx, LWSJ_EV_PONG, 0, lwsj_conn_handle(ctx, slot),
				 ctx->conns[slot].protocol, 0, in, len) ? -1 : 0;

	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return lwsj_conn_writeable(ctx, slot);

	case LWS_CALLBACK_CLIENT_CLOSED:
		lws_set_opaque_user_data(wsi, NULL);
		lwsj_conn_closed(ctx, slot);
		return 0;

	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		lwsj_conn_peer_close(&ctx->conns[slot], in, len);
		return 0;

	case LWS_CALLBACK_WSI_DESTROY:
		lws_set_opaque_user_data(wsi, NULL);
		if (ctx->conns[slot].linked)
			lwsj_conn_closed(ctx, slot);
		else
			failed(ctx, NULL, slot, "connection closed before the handshake completed");
		return 0;

	default:
		*handled = 0;
		return 0;
	}
}
