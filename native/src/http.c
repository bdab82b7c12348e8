/*
 * http.c - HTTP requests to the first protocol, and WebSocket upgrade requests for
 * FILTER_PROTOCOL_CONNECTION. Service thread only.
 *
 * The request goes up to Java as one blob (lwsj.h, "request blob"); Java answers
 * during the upcall with lwsj_http_respond or lwsj_http_serve_file, which act on
 * ctx->http_wsi. A body is kept in the per-session data and written on
 * HTTP_WRITEABLE.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const struct {
	enum lws_token_indexes tok;
	const char *name;
} methods[] = {
	{ WSI_TOKEN_GET_URI, "GET" },
	{ WSI_TOKEN_POST_URI, "POST" },
#if defined(LWS_WITH_HTTP_UNCOMMON_HEADERS)
	{ WSI_TOKEN_OPTIONS_URI, "OPTIONS" },
	{ WSI_TOKEN_PUT_URI, "PUT" },
	{ WSI_TOKEN_PATCH_URI, "PATCH" },
	{ WSI_TOKEN_DELETE_URI, "DELETE" },
#endif
	{ WSI_TOKEN_CONNECT, "CONNECT" },
	{ WSI_TOKEN_HEAD_URI, "HEAD" },
};

static int is_uri_token(int t)
{
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if ((int)methods[i].tok == t)
			return 1;
	return t == WSI_TOKEN_HTTP_URI_ARGS;
}

static int put_str(struct lwsj_bytes *b, const char *s, size_t n)
{
	if (lwsj_bytes_reserve(b, n + 1))
		return -1;
	memcpy(b->p + b->len, s, n);
	b->p[b->len + n] = 0;
	b->len += n + 1;
	return 0;
}

/* header names go up in lower case, without lws's trailing colon */
static int put_name(struct lwsj_bytes *b, const char *name, size_t n)
{
	if (n && name[n - 1] == ':')
		n--;
	if (put_str(b, name, n))
		return -1;
	for (size_t i = 0; i < n; i++)
		b->p[b->len - 1 - n + i] = (unsigned char)tolower(b->p[b->len - 1 - n + i]);
	return 0;
}

static int put_header_value(struct lwsj_bytes *b, struct lws *wsi, int tok)
{
	int n = lws_hdr_total_length(wsi, (enum lws_token_indexes)tok);

	if (lwsj_bytes_reserve(b, (size_t)n + 1))
		return -1;
	if (lws_hdr_copy(wsi, (char *)b->p + b->len, n + 1, (enum lws_token_indexes)tok) < 0)
		return -1;
	b->len += (size_t)n + 1;
	return 0;
}

struct custom_walk {
	struct lws *wsi;
	struct lwsj_bytes *b;
	int failed;
};

static void put_custom(const char *name, int nlen, void *opaque)
{
	struct custom_walk *w = opaque;
	int vlen = lws_hdr_custom_length(w->wsi, name, nlen);

	if (w->failed || vlen < 0)
		return;
	if (put_name(w->b, name, (size_t)nlen) || lwsj_bytes_reserve(w->b, (size_t)vlen + 1) ||
	    lws_hdr_custom_copy(w->wsi, (char *)w->b->p + w->b->len, vlen + 1, name, nlen) < 0) {
		w->failed = 1;
		return;
	}
	w->b->len += (size_t)vlen + 1;
}

static int build_blob(struct lws *wsi, struct lwsj_bytes *b)
{
	const char *method = NULL;
	int uri_tok = -1;
	char frag[1024];

	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (lws_hdr_total_length(wsi, methods[i].tok)) {
			method = methods[i].name;
			uri_tok = (int)methods[i].tok;
			break;
		}
	if (!method)
		return -1;
	if (put_str(b, method, strlen(method)) || put_header_value(b, wsi, uri_tok))
		return -1;

	/* lws splits the query into '&'-separated fragments: join them again */
	{
		size_t start = b->len;

		for (int n = 0;; n++) {
			int l = lws_hdr_copy_fragment(wsi, frag, sizeof(frag), WSI_TOKEN_HTTP_URI_ARGS, n);

			if (l < 0)
				break;
			if (lwsj_bytes_reserve(b, (size_t)l + 2))
				return -1;
			if (b->len > start)
				b->p[b->len++] = '&';
			memcpy(b->p + b->len, frag, (size_t)l);
			b->len += (size_t)l;
		}
		if (lwsj_bytes_reserve(b, 1))
			return -1;
		b->p[b->len++] = 0;
	}

	return lwsj_put_headers(wsi, b);
}

/* appends every header of the wsi's header table as name\0value\0 pairs, then \0 */
int lwsj_put_headers(struct lws *wsi, struct lwsj_bytes *b)
{
	for (int t = 0; t < WSI_TOKEN_COUNT; t++) {
		const char *name;

		if (is_uri_token(t) || !lws_hdr_total_length(wsi, (enum lws_token_indexes)t))
			continue;
		name = (const char *)lws_token_to_string((enum lws_token_indexes)t);
		/* skip what is not a "name:" header (the request line's version, ":path") */
		if (!name || !*name || *name == ':' || name[strlen(name) - 1] != ':')
			continue;
		if (put_name(b, name, strlen(name)) || put_header_value(b, wsi, t))
			return -1;
	}
#if defined(LWS_WITH_CUSTOM_HEADERS)
	{
		struct custom_walk w = { wsi, b, 0 };

		lws_hdr_custom_name_foreach(wsi, put_custom, &w);
		if (w.failed)
			return -1;
	}
#endif
	if (lwsj_bytes_reserve(b, 1))
		return -1;
	b->p[b->len++] = 0;
	return 0;
}

/* HTTP or FILTER_PROTOCOL_CONNECTION: returns Java's answer (0 accepts), or -1 */
int lwsj_http_request(struct lwsj_ctx *ctx, struct lws *wsi, int reason, int32_t protocol)
{
	struct lwsj_bytes b = { 0 };
	int32_t r;

	if (ctx->destroying)
		return -1;
	if (build_blob(wsi, &b)) {
		lwsj_bytes_free(&b);
		if (reason == LWSJ_UP_HTTP)
			lws_return_http_status(wsi, HTTP_STATUS_BAD_REQUEST, NULL);
		return -1;
	}
	ctx->http_wsi = wsi;
	r = ctx->upcall(ctx->handle, reason, 0, protocol, b.p, (int32_t)b.len, lwsj_events_len(ctx));
	ctx->http_wsi = NULL;
	lwsj_bytes_free(&b);
	return r;
}

static int add_headers(struct lws *wsi, const unsigned char *h, int32_t hlen,
		       unsigned char **p, unsigned char *end)
{
	const unsigned char *e = h + hlen;
	char name[256];

	while (h < e) {
		size_t nl = strnlen((const char *)h, (size_t)(e - h)), vl;
		const unsigned char *v = h + nl + 1;

		if (v >= e || nl + 2 > sizeof(name))
			return -1;
		vl = strnlen((const char *)v, (size_t)(e - v));
		memcpy(name, h, nl);
		name[nl] = ':';
		name[nl + 1] = 0;
		if (lws_add_http_header_by_name(wsi, (unsigned char *)name, v, (int)vl, p, end))
			return -1;
		h = v + vl + 1;
	}
	return 0;
}

/* [service] during an LWSJ_UP_HTTP upcall */
int32_t lwsj_http_respond(int64_t handle, int32_t status, const char *content_type,
			  const void *headers, int32_t hlen, const void *body, int64_t blen)
{
	struct lwsj_ctx *ctx = lwsj_ctx_get(handle);
	unsigned char buf[LWS_PRE + 4096], *start = buf + LWS_PRE, *p = start,
		      *end = buf + sizeof(buf) - 1;
	struct lwsj_pss *pss;
	struct lws *wsi;

	if (!ctx)
		return LWSJ_ERR_STALE;
	wsi = ctx->http_wsi;
	if (!wsi) {
		lwsj_set_error("no HTTP request is being answered");
		return LWSJ_ERR_STATE;
	}
	if (blen < 0 || (blen && !body) || hlen < 0 || status < 100 || status > 599)
		return LWSJ_ERR_ARG;
	pss = lws_wsi_user(wsi);
	if (!pss || pss->http_body) {
		lwsj_set_error("this request has been answered already");
		return LWSJ_ERR_STATE;
	}
	if (lws_add_http_common_headers(wsi, (unsigned int)status, content_type,
					(lws_filepos_t)blen, &p, end) ||
	    add_headers(wsi, headers, hlen, &p, end) ||
	    lws_finalize_write_http_header(wsi, start, &p, end)) {
		lwsj_set_error("HTTP headers do not fit in %d bytes", (int)sizeof(buf) - LWS_PRE);
		return LWSJ_ERR_ARG;
	}
	pss->http_body = malloc(LWS_PRE + (size_t)blen + 1);
	if (!pss->http_body)
		return LWSJ_ERR_NOMEM;
	if (blen)
		memcpy(pss->http_body + LWS_PRE, body, (size_t)blen);
	pss->http_len = (size_t)blen;
	pss->http_off = 0;
	lws_callback_on_writable(wsi);
	return LWSJ_OK;
}

/* [service] HTTP_WRITEABLE: the body, a chunk per call */
int lwsj_http_writeable(struct lws *wsi, struct lwsj_pss *pss)
{
	size_t n;
	int last;

	if (!pss || !pss->http_body)
		return 0;
	n = pss->http_len - pss->http_off;
	if (n > 64 * 1024)
		n = 64 * 1024;
	last = pss->http_off + n == pss->http_len;
	/* lws_write wants LWS_PRE bytes before the data: the body's first chunk has them,
	 * later chunks use the bytes of the chunk before, which have been sent */
	if (lws_write(wsi, pss->http_body + LWS_PRE + pss->http_off, n,
		      last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) != (int)n)
		return -1;
	pss->http_off += n;
	if (!last) {
		lws_callback_on_writable(wsi);
		return 0;
	}
	lwsj_http_free(pss);
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

/* [service] during an LWSJ_UP_HTTP upcall */
int32_t lwsj_http_serve_file(int64_t handle, const char *path, const char *content_type,
			     const void *headers, int32_t hlen)
{
	struct lwsj_ctx *ctx = lwsj_ctx_get(handle);
	struct lwsj_pss *pss;
	struct lws *wsi;
	int r;

	if (!ctx)
		return LWSJ_ERR_STALE;
	wsi = ctx->http_wsi;
	if (!wsi) {
		lwsj_set_error("no HTTP request is being answered");
		return LWSJ_ERR_STATE;
	}
	if (!path || !content_type || hlen < 0 || (hlen && !headers))
		return LWSJ_ERR_ARG;
	pss = lws_wsi_user(wsi);
	if (!pss || pss->http_body || pss->file_path) {
		lwsj_set_error("this request has been answered already");
		return LWSJ_ERR_STATE;
	}
	pss->file_path = strdup(path);
	if (!pss->file_path)
		return LWSJ_ERR_NOMEM;
	{
		/* lws wants "name: value\r\n" lines here */
		struct lwsj_bytes extra = { 0 };
		const unsigned char *h = headers, *e = h + hlen;

		while (h < e) {
			size_t nl = strnlen((const char *)h, (size_t)(e - h));
			const unsigned char *v = h + nl + 1;
			size_t vl = v < e ? strnlen((const char *)v, (size_t)(e - v)) : 0;

			if (v >= e || lwsj_bytes_reserve(&extra, nl + vl + 5)) {
				lwsj_bytes_free(&extra);
				return LWSJ_ERR_ARG;
			}
			memcpy(extra.p + extra.len, h, nl);
			extra.len += nl;
			memcpy(extra.p + extra.len, ": ", 2);
			extra.len += 2;
			memcpy(extra.p + extra.len, v, vl);
			extra.len += vl;
			memcpy(extra.p + extra.len, "\r\n", 2);
			extra.len += 2;
			h = v + vl + 1;
		}
		r = lws_serve_http_file(wsi, path, content_type, (const char *)extra.p,
					(int)extra.len);
		lwsj_bytes_free(&extra);
	}
	if (r < 0) {
		free(pss->file_path);
		pss->file_path = NULL;
		lwsj_set_error("cannot serve %s", path);
		return LWSJ_ERR_LWS;
	}
	return LWSJ_OK;
}

/* [service] HTTP_FILE_COMPLETION */
int lwsj_http_file_done(struct lwsj_ctx *ctx, struct lws *wsi, struct lwsj_pss *pss)
{
	if (pss && pss->file_path && !ctx->destroying) {
		ctx->upcall(ctx->handle, LWSJ_UP_HTTP_FILE_DONE, 0, 0, pss->file_path,
			    (int32_t)strlen(pss->file_path), lwsj_events_len(ctx));
	}
	lwsj_http_free(pss);
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

void lwsj_http_free(struct lwsj_pss *pss)
{
	if (!pss)
		return;
	free(pss->http_body);
	free(pss->file_path);
	pss->http_body = NULL;
	pss->file_path = NULL;
}
