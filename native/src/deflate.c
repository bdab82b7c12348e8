/*
 * deflate.c - permessage-deflate (RFC 7692) through libwebsockets' own extension,
 * and the classic extension confirmation reasons.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* [owner, before listen] */
int32_t lwsj_ctx_set_deflate(int64_t handle, const char *client_offer)
{
	struct lwsj_ctx *ctx = lwsj_ctx_get(handle);
	const char *offer = client_offer ? client_offer : "permessage-deflate; client_max_window_bits";

	if (!ctx)
		return LWSJ_ERR_STALE;
	if (ctx->lws) {
		lwsj_set_error("permessage-deflate must be set before listening");
		return LWSJ_ERR_STATE;
	}
	if (strncmp(offer, "permessage-deflate", 18) || (offer[18] && offer[18] != ';')) {
		lwsj_set_error("the client offer must start with \"permessage-deflate\": %s", offer);
		return LWSJ_ERR_ARG;
	}
	for (int32_t i = 0; i < ctx->nexts; i++)
		if (!strcmp(ctx->exts[i].name, "permessage-deflate")) {
			lwsj_set_error("permessage-deflate is set already");
			return LWSJ_ERR_STATE;
		}
	if (lwsj_ext_add(ctx, "permessage-deflate", offer, lws_extension_callback_pm_deflate) < 0)
		return LWSJ_ERR_ARG;
	return LWSJ_OK;
}

/*
 * [service] CONFIRM_EXTENSION_OKAY (server) and CLIENT_CONFIRM_EXTENSION_SUPPORTED
 * (client): returns 0 to go ahead. Java is asked only when the protocol's handler
 * wants to decide.
 */
int lwsj_deflate_confirm(struct lwsj_ctx *ctx, struct lws *wsi, int64_t request,
			 int32_t protocol, const char *name)
{
	(void)wsi;
	if (!name || protocol < 0 || protocol >= ctx->nprotos || ctx->destroying)
		return 0;
	if (!(ctx->protos[protocol].flags & LWSJ_PROTO_EXT_UPCALL))
		return 0;
	return ctx->upcall(ctx->handle, LWSJ_UP_EXTENSION, request, protocol, name,
			   (int32_t)strlen(name), lwsj_events_len(ctx)) ? 1 : 0;
}
