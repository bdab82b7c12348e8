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
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/*
 * Every field of a blob is a u32 length then that many bytes (lwsj.h, "request blob"),
 * so no byte of a URI or a header value can change the blob's structure.
 */
int lwsj_put_field(struct lwsj_bytes *b, const void *p, size_t n)
{
	uint32_t len = (uint32_t)n;

	if (n > INT32_MAX / 2 || lwsj_bytes_reserve(b, 4 + n))
		return -1;
	memcpy(b->p + b->len, &len, 4);
	if (n)
		memcpy(b->p + b->len + 4, p, n);
	b->len += 4 + n;
	return 0;
}

/* a header name (token characters only) or value (no control character but tab) */
static int bad_header(const unsigned char *p, size_t n, int is_name)
{
	if (is_name && !n)
		return 1;
	for (size_t i = 0; i < n; i++) {
		if (is_name ? (p[i] <= ' ' || p[i] >= 0x7f || p[i] == ':')
			    : ((p[i] < ' ' && p[i] != '\t') || p[i] == 0x7f))
			return 1;
	}
	return 0;
}

/* header names go up in lower case, without lws's trailing colon */
static int put_name(struct lwsj_bytes *b, const char *name, size_t n)
{
	if (n && name[n - 1] == ':')
		n--;
	if (lwsj_put_field(b, name, n))
		return -1;
	for (size_t i = 0; i < n; i++)
		b->p[b->len - n + i] = (unsigned char)tolower(b->p[b->len - n + i]);
	return 0;
}

/*
 * A header value: RFC 9110 5.5 lets a recipient refuse a value with NUL, CR or LF, and
 * lws's copy would cut it at a NUL anyway, so such a request is malformed (-2).
 */
static int checked_value(struct lwsj_bytes *b, size_t at, size_t n)
{
	const unsigned char *v = b->p + at;

	for (size_t i = 0; i < n; i++)
		if (!v[i] || v[i] == '\r' || v[i] == '\n')
			return -2;
	return 0;
}

static int put_header_value(struct lwsj_bytes *b, struct lws *wsi, int tok)
{
	int n = lws_hdr_total_length(wsi, (enum lws_token_indexes)tok);
	uint32_t len = (uint32_t)n;

	if (n < 0 || lwsj_bytes_reserve(b, 4 + (size_t)n + 1))
		return -1;
	if (lws_hdr_copy(wsi, (char *)b->p + b->len + 4, n + 1, (enum lws_token_indexes)tok) < 0)
		return -1;
	if (checked_value(b, b->len + 4, (size_t)n))
		return -2;
	memcpy(b->p + b->len, &len, 4);
	b->len += 4 + (size_t)n;
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
	uint32_t len = (uint32_t)vlen;

	if (w->failed || vlen < 0)
		return;
	/*
	 * lws takes whatever precedes a colon as a name (the colon included), also the
	 * rest of a broken request line
	 */
	if (bad_header((const unsigned char *)name,
		       (size_t)nlen - (nlen && name[nlen - 1] == ':'), 1)) {
		w->failed = -2;
		return;
	}
	if (put_name(w->b, name, (size_t)nlen) || lwsj_bytes_reserve(w->b, 4 + (size_t)vlen + 1) ||
	    lws_hdr_custom_copy(w->wsi, (char *)w->b->p + w->b->len + 4, vlen + 1, name, nlen) < 0) {
		w->failed = -1;
		return;
	}
	if (checked_value(w->b, w->b->len + 4, (size_t)vlen)) {
		w->failed = -2;
		return;
	}
	memcpy(w->b->p + w->b->len, &len, 4);
	w->b->len += 4 + (size_t)vlen;
}

static int unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

/*
 * lws percent-decodes the query and splits it at '&' and ';'. Each parameter is
 * percent-encoded again (all but RFC 3986's unreserved characters; the '=' after the
 * name kept) and the parameters joined with '&', so a decoded "%26" or "%00" stays
 * encoded and cannot pass for a separator.
 */
static int put_query(struct lws *wsi, struct lwsj_bytes *b)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t field = b->len, start;
	unsigned char *frag = NULL;
	int r = -1;

	if (lwsj_put_field(b, NULL, 0))
		return -1;
	start = b->len;
	for (int n = 0;; n++) {
		/* 0 for an empty parameter and past the last one: the copy tells them apart */
		int l = lws_hdr_fragment_length(wsi, WSI_TOKEN_HTTP_URI_ARGS, n);
		int seen_equal = 0;
		unsigned char *nf = realloc(frag, (size_t)l + 1);

		if (!nf)
			goto out;
		frag = nf;
		if (lws_hdr_copy_fragment(wsi, (char *)frag, l + 1, WSI_TOKEN_HTTP_URI_ARGS, n) != l)
			break;
		if (lwsj_bytes_reserve(b, 1 + 3 * (size_t)l))
			goto out;
		if (n > 0)
			b->p[b->len++] = '&';
		for (int i = 0; i < l; i++) {
			unsigned char c = frag[i];

			if (unreserved(c) || (c == '=' && !seen_equal)) {
				seen_equal |= c == '=';
				b->p[b->len++] = c;
			} else {
				b->p[b->len++] = '%';
				b->p[b->len++] = (unsigned char)hex[c >> 4];
				b->p[b->len++] = (unsigned char)hex[c & 15];
			}
		}
	}
	{
		uint32_t len = (uint32_t)(b->len - start);

		memcpy(b->p + field, &len, 4);
	}
	r = 0;
out:
	free(frag);
	return r;
}

/* -1: out of memory or lws failed; -2: a malformed request */
static int build_blob(struct lws *wsi, struct lwsj_bytes *b, const struct lwsj_bytes *body)
{
	const char *method = NULL;
	int uri_tok = -1, r;

	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (lws_hdr_total_length(wsi, methods[i].tok)) {
			method = methods[i].name;
			uri_tok = (int)methods[i].tok;
			break;
		}
	if (!method)
		return -2;
	/*
	 * "METHOD SP target SP HTTP/1.x": lws reads on after a space in the target and can
	 * take the rest of the line for a header; without a version of its own the request
	 * line was not one
	 */
	{
		char version[10];

		if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP) != 8 ||
		    lws_hdr_copy(wsi, version, sizeof(version), WSI_TOKEN_HTTP) != 8 ||
		    (strcmp(version, "HTTP/1.1") && strcmp(version, "HTTP/1.0")))
			return -2;
	}
	if (lwsj_put_field(b, method, strlen(method)))
		return -1;
	r = put_header_value(b, wsi, uri_tok);
	if (r)
		return r;
	if (put_query(wsi, b) || lwsj_put_field(b, body ? body->p : NULL, body ? body->len : 0))
		return -1;
	return lwsj_put_headers(wsi, b);
}

/* appends every header of the wsi's header table as name and value fields */
int lwsj_put_headers(struct lws *wsi, struct lwsj_bytes *b)
{
	for (int t = 0; t < WSI_TOKEN_COUNT; t++) {
		const char *name;
		int r;

		if (is_uri_token(t) || !lws_hdr_total_length(wsi, (enum lws_token_indexes)t))
			continue;
		name = (const char *)lws_token_to_string((enum lws_token_indexes)t);
		/* skip what is not a "name:" header (the request line's version, ":path") */
		if (!name || !*name || *name == ':' || name[strlen(name) - 1] != ':')
			continue;
		if (put_name(b, name, strlen(name)))
			return -1;
		r = put_header_value(b, wsi, t);
		if (r)
			return r;
	}
#if defined(LWS_WITH_CUSTOM_HEADERS)
	{
		struct custom_walk w = { wsi, b, 0 };

		lws_hdr_custom_name_foreach(wsi, put_custom, &w);
		if (w.failed)
			return w.failed;
	}
#endif
	return 0;
}

/*
 * HTTP or FILTER_PROTOCOL_CONNECTION: returns Java's answer (0 accepts), -1 when the
 * request could not be passed on, or LWSJ_HTTP_MALFORMED (a malformed request: an HTTP
 * request has been answered 400 then)
 */
int lwsj_http_request(struct lwsj_ctx *ctx, struct lws *wsi, int reason, int32_t protocol,
		      const struct lwsj_bytes *body)
{
	struct lwsj_bytes b = { 0 };
	int32_t r;

	if (ctx->destroying)
		return -1;
	r = build_blob(wsi, &b, body);
	if (r) {
		lwsj_bytes_free(&b);
		if (reason == LWSJ_UP_HTTP)
			lws_return_http_status(wsi, HTTP_STATUS_BAD_REQUEST, NULL);
		return r == -2 ? LWSJ_HTTP_MALFORMED : -1;
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
		if (bad_header(h, nl, 1) || bad_header(v, vl, 0))
			return -1;
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
	if (blen < 0 || (blen && !body) || hlen < 0 || status < 100 || status > 599 ||
	    (content_type && bad_header((const unsigned char *)content_type,
					strlen(content_type), 0))) {
		lwsj_set_error("bad HTTP answer (status %d; a content type with a control character?)",
			       status);
		return LWSJ_ERR_ARG;
	}
	pss = lws_wsi_user(wsi);
	if (!pss || pss->http_body) {
		lwsj_set_error("this request has been answered already");
		return LWSJ_ERR_STATE;
	}
	if (lws_add_http_common_headers(wsi, (unsigned int)status, content_type,
					(lws_filepos_t)blen, &p, end) ||
	    add_headers(wsi, headers, hlen, &p, end) ||
	    lws_finalize_write_http_header(wsi, start, &p, end)) {
		lwsj_set_error("HTTP headers are malformed or do not fit in %d bytes",
			       (int)sizeof(buf) - LWS_PRE);
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

/*
 * Opens root/rel without following a symbolic link anywhere below root: one openat()
 * per component with O_NOFOLLOW, so a link swapped in after Java checked the path
 * cannot lead out of the root. Returns the fd of a regular file, or -1.
 */
static int open_below(const char *root, const char *rel)
{
	char *copy = strdup(rel), *save = NULL, *comp, *next;
	int dir = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC), fd = -1;
	struct stat st;

	if (!copy || dir < 0)
		goto out;
	comp = strtok_r(copy, "/", &save);
	while (comp) {
		int nfd;

		next = strtok_r(NULL, "/", &save);
		if (!strcmp(comp, ".") || !strcmp(comp, ".."))
			goto out;
		nfd = openat(dir, comp, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
			     (next ? O_DIRECTORY : O_NONBLOCK));
		if (nfd < 0)
			goto out;
		close(dir);
		dir = nfd;
		if (!next) {
			if (fstat(dir, &st) || !S_ISREG(st.st_mode))
				goto out;
			fd = dir;
			dir = -1;
		}
		comp = next;
	}
out:
	if (dir >= 0)
		close(dir);
	free(copy);
	return fd;
}

/* lws wants "name: value\r\n" lines for a file's extra headers */
static int header_lines(const unsigned char *h, int32_t hlen, struct lwsj_bytes *out)
{
	const unsigned char *e = h + hlen;

	while (h < e) {
		size_t nl = strnlen((const char *)h, (size_t)(e - h));
		const unsigned char *v = h + nl + 1;
		size_t vl = v < e ? strnlen((const char *)v, (size_t)(e - v)) : 0;

		if (v >= e || bad_header(h, nl, 1) || bad_header(v, vl, 0) ||
		    lwsj_bytes_reserve(out, nl + vl + 5))
			return -1;
		memcpy(out->p + out->len, h, nl);
		out->len += nl;
		memcpy(out->p + out->len, ": ", 2);
		out->len += 2;
		memcpy(out->p + out->len, v, vl);
		out->len += vl;
		memcpy(out->p + out->len, "\r\n", 2);
		out->len += 2;
		h = v + vl + 1;
	}
	return 0;
}

/* [service] during an LWSJ_UP_HTTP upcall */
int32_t lwsj_http_serve_file(int64_t handle, const char *root, const char *rel,
			     const char *content_type, const void *headers, int32_t hlen)
{
	struct lwsj_ctx *ctx = lwsj_ctx_get(handle);
	struct lwsj_bytes extra = { 0 };
	struct lwsj_pss *pss;
	struct lws *wsi;
	char opened[64];
	int r, fd;

	if (!ctx)
		return LWSJ_ERR_STALE;
	wsi = ctx->http_wsi;
	if (!wsi) {
		lwsj_set_error("no HTTP request is being answered");
		return LWSJ_ERR_STATE;
	}
	if (!root || !rel || !content_type || hlen < 0 || (hlen && !headers) ||
	    bad_header((const unsigned char *)content_type, strlen(content_type), 0)) {
		lwsj_set_error("bad file answer (a content type or header with a control character?)");
		return LWSJ_ERR_ARG;
	}
	pss = lws_wsi_user(wsi);
	if (!pss || pss->http_body || pss->file_path) {
		lwsj_set_error("this request has been answered already");
		return LWSJ_ERR_STATE;
	}
	if (header_lines(headers, hlen, &extra)) {
		lwsj_bytes_free(&extra);
		lwsj_set_error("bad header for a file answer");
		return LWSJ_ERR_ARG;
	}
	fd = open_below(root, rel);
	if (fd < 0) {
		lwsj_bytes_free(&extra);
		lwsj_set_error("cannot open %s below %s without following a link", rel, root);
		return LWSJ_ERR_ARG;
	}
	pss->file_path = malloc(strlen(root) + strlen(rel) + 2);
	if (!pss->file_path) {
		close(fd);
		lwsj_bytes_free(&extra);
		return LWSJ_ERR_NOMEM;
	}
	sprintf(pss->file_path, "%s/%s", root, rel);
	/* lws opens by name: this name is the file just opened, not a path looked up again */
	snprintf(opened, sizeof(opened), "/proc/self/fd/%d", fd);
	r = lws_serve_http_file(wsi, opened, content_type, (const char *)extra.p, (int)extra.len);
	close(fd);
	lwsj_bytes_free(&extra);
	if (r < 0) {
		free(pss->file_path);
		pss->file_path = NULL;
		lwsj_set_error("cannot serve %s/%s (is /proc mounted?)", root, rel);
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

/*
 * [service] HTTP: a request that announces a body (Content-Length) is passed on when
 * the body is complete (lwsj_http_body_done), one over the context's limit is answered
 * 413; any other is passed on now. lws keeps the headers until the answer.
 */
int lwsj_http_begin(struct lwsj_ctx *ctx, struct lws *wsi, struct lwsj_pss *pss)
{
	char cl[24];
	long long n = 0;

	if (pss && lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0 &&
	    lws_hdr_copy(wsi, cl, sizeof(cl), WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0)
		n = strtoll(cl, NULL, 10); /* digits only: lws patch 0117 */
	if (n > ctx->max_http_body) {
		lws_return_http_status(wsi, HTTP_STATUS_REQ_ENTITY_TOO_LARGE, NULL);
		return -1;
	}
	if (n > 0) {
		if (lwsj_bytes_reserve(&pss->req_body, (size_t)n))
			return -1;
		pss->req_body.len = 0;
		pss->awaiting_body = 1;
		return 0;
	}
	return lwsj_http_request(ctx, wsi, LWSJ_UP_HTTP, 0, NULL) ? -1 : 0;
}

/* [service] HTTP_BODY: a piece of the body (lws delivers no more than it announced) */
int lwsj_http_body(struct lwsj_pss *pss, const void *in, size_t len)
{
	if (!pss || !pss->awaiting_body || !len)
		return 0;
	if (lwsj_bytes_reserve(&pss->req_body, len))
		return -1;
	memcpy(pss->req_body.p + pss->req_body.len, in, len);
	pss->req_body.len += len;
	return 0;
}

/* [service] HTTP_BODY_COMPLETION: the request, body and all, goes to Java */
int lwsj_http_body_done(struct lwsj_ctx *ctx, struct lws *wsi, struct lwsj_pss *pss)
{
	int r;

	if (!pss || !pss->awaiting_body)
		return 0; /* answered at HTTP already */
	pss->awaiting_body = 0;
	r = lwsj_http_request(ctx, wsi, LWSJ_UP_HTTP, 0, &pss->req_body);
	lwsj_bytes_free(&pss->req_body);
	return r ? -1 : 0;
}

void lwsj_http_free(struct lwsj_pss *pss)
{
	if (!pss)
		return;
	free(pss->http_body);
	free(pss->file_path);
	pss->http_body = NULL;
	pss->file_path = NULL;
	lwsj_bytes_free(&pss->req_body);
	pss->awaiting_body = 0;
}
