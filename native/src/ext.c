/*
 * ext.c - the context's extension table, and user-defined extensions whose callbacks
 * are Java's (the classic extension callbacks: construct, client construct, destroy,
 * payload received, payload about to be sent).
 *
 * libwebsockets 4.3 lets an extension hand back a new payload only together with
 * return codes from its private headers (enum pmd_return), so a user extension here
 * works in place: it may change the payload's bytes, not its length. Its per-connection
 * state is an id of Java's, kept where lws keeps an extension's private pointer.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int32_t lwsj_ext_add(struct lwsj_ctx *ctx, const char *name, const char *client_offer,
		     lws_extension_callback_function *cb)
{
	struct lws_extension *e;
	char *n, *o;

	if (ctx->nexts >= LWSJ_MAX_EXTENSIONS) {
		lwsj_set_error("at most %d extensions", LWSJ_MAX_EXTENSIONS);
		return LWSJ_ERR_ARG;
	}
	n = strdup(name);
	o = strdup(client_offer);
	if (!n || !o) {
		free(n);
		free(o);
		return LWSJ_ERR_NOMEM;
	}
	ctx->ext_strings[2 * ctx->nexts] = n;
	ctx->ext_strings[2 * ctx->nexts + 1] = o;
	e = &ctx->exts[ctx->nexts];
	e->name = n;
	e->callback = cb;
	e->client_offer = o;
	return ctx->nexts++;
}

void lwsj_ext_free(struct lwsj_ctx *ctx)
{
	for (int32_t i = 0; i < 2 * ctx->nexts; i++)
		free(ctx->ext_strings[i]);
	ctx->nexts = 0;
}

/* [service] lws's callback for every user extension */
static int user_extension(struct lws_context *context, const struct lws_extension *ext,
			  struct lws *wsi, enum lws_extension_callback_reasons reason,
			  void *user, void *in, size_t len)
{
	struct lwsj_ctx *ctx = lws_context_user(context);
	struct lws_tokens *t;
	int32_t op, r;

	(void)wsi;
	(void)len;
	if (!ctx || ctx->destroying)
		return reason == LWS_EXT_CB_CONSTRUCT || reason == LWS_EXT_CB_CLIENT_CONSTRUCT ? -1 : 0;

	switch (reason) {
	case LWS_EXT_CB_CONSTRUCT:
	case LWS_EXT_CB_CLIENT_CONSTRUCT:
		op = reason == LWS_EXT_CB_CONSTRUCT ? LWSJ_EXT_CONSTRUCT : LWSJ_EXT_CLIENT_CONSTRUCT;
		r = ctx->upcall(ctx->handle, LWSJ_UP_EXTENSION_CB, (int64_t)(ext - ctx->exts), op,
				NULL, 0, lwsj_events_len(ctx));
		if (r <= 0)
			return -1;
		*(void **)user = (void *)(intptr_t)r;
		return 0;

	case LWS_EXT_CB_DESTROY:
		if (user)
			ctx->upcall(ctx->handle, LWSJ_UP_EXTENSION_CB, (int64_t)(intptr_t)user,
				    LWSJ_EXT_DESTROY, NULL, 0, lwsj_events_len(ctx));
		return 0;

	case LWS_EXT_CB_PAYLOAD_RX:
	case LWS_EXT_CB_PAYLOAD_TX:
		/* in is lws's pair of buffers (struct lws_ext_pm_deflate_rx_ebufs, private
		 * but stable: two lws_tokens, input then output) */
		t = in;
		if (t->len > 0 && user) {
			op = reason == LWS_EXT_CB_PAYLOAD_RX ? LWSJ_EXT_RX : LWSJ_EXT_TX;
			if (ctx->upcall(ctx->handle, LWSJ_UP_EXTENSION_CB, (int64_t)(intptr_t)user, op,
					t->token, t->len, lwsj_events_len(ctx)))
				return -1;
		}
		/* the output is the input, changed in place */
		t[1] = t[0];
		return 0;

	default:
		return 0;
	}
}

/* [owner, before listen] */
int32_t lwsj_ctx_add_extension(int64_t handle, const char *name, const char *client_offer)
{
	struct lwsj_ctx *ctx = lwsj_ctx_get(handle);

	if (!ctx)
		return LWSJ_ERR_STALE;
	if (ctx->lws) {
		lwsj_set_error("extensions must be added before listening");
		return LWSJ_ERR_STATE;
	}
	if (!name || !*name || strlen(name) > 63 || !strcmp(name, "permessage-deflate")) {
		lwsj_set_error("bad extension name (1..63 characters, not permessage-deflate)");
		return LWSJ_ERR_ARG;
	}
	for (int32_t i = 0; i < ctx->nexts; i++)
		if (!strcmp(ctx->exts[i].name, name)) {
			lwsj_set_error("extension %s is added already", name);
			return LWSJ_ERR_ARG;
		}
	return lwsj_ext_add(ctx, name, client_offer && *client_offer ? client_offer : name,
			    user_extension);
}
