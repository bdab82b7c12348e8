/*
 * tls.c - TLS settings of a context and the classic OpenSSL callback reasons.
 *
 * The files are opened with OpenSSL here, before lws sees them, so that a missing
 * file, a wrong password or a key that does not belong to the certificate is
 * reported as exactly that, not as a failed listen.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "internal.h"

static void openssl_reason(char *buf, size_t n)
{
	unsigned long e = ERR_peek_last_error();

	if (e)
		ERR_error_string_n(e, buf, n);
	else
		snprintf(buf, n, "no detail");
	ERR_clear_error();
}

static int check_cert(const char *path)
{
	char why[256];
	FILE *f = fopen(path, "r");
	X509 *x;

	if (!f) {
		lwsj_set_error("cannot open certificate file %s", path);
		return -1;
	}
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (!x) {
		openssl_reason(why, sizeof(why));
		lwsj_set_error("%s holds no PEM certificate (%s)", path, why);
		return -1;
	}
	X509_free(x);
	return 0;
}

static int password_cb(char *buf, int size, int rwflag, void *u)
{
	const char *pw = u;
	size_t n = pw ? strlen(pw) : 0;

	(void)rwflag;
	if ((int)n >= size)
		return 0;
	memcpy(buf, pw ? pw : "", n);
	return (int)n;
}

/* the key opens with the password and belongs to the certificate */
static int check_key(const char *cert, const char *key, const char *password)
{
	char why[256];
	EVP_PKEY *k = NULL;
	X509 *x = NULL;
	FILE *f;
	int r = -1;

	f = fopen(key, "r");
	if (!f) {
		lwsj_set_error("cannot open private key file %s", key);
		return -1;
	}
	k = PEM_read_PrivateKey(f, NULL, password_cb, (void *)password);
	fclose(f);
	if (!k) {
		openssl_reason(why, sizeof(why));
		lwsj_set_error("cannot read the private key in %s (%s): %s", key,
			       password ? "wrong password?" : "encrypted? give its password", why);
		return -1;
	}
	f = fopen(cert, "r");
	if (f) {
		x = PEM_read_X509(f, NULL, NULL, NULL);
		fclose(f);
	}
	if (x && X509_check_private_key(x, k) == 1)
		r = 0;
	else
		lwsj_set_error("the private key in %s does not match the certificate in %s", key, cert);
	ERR_clear_error();
	X509_free(x);
	EVP_PKEY_free(k);
	return r;
}

static int check_ca(const char *ca)
{
	return ca ? check_cert(ca) : 0;
}

static void set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = s ? strdup(s) : NULL;
}

/* [owner, before listen] */
int32_t lwsj_ctx_set_tls(int64_t handle, const char *cert, const char *key,
			 const char *password, const char *ca, int32_t flags)
{
	struct lwsj_ctx *ctx = lwsj_ctx_get(handle);

	if (!ctx)
		return LWSJ_ERR_STALE;
	if (ctx->lws) {
		lwsj_set_error("TLS must be set before listening");
		return LWSJ_ERR_STATE;
	}
	if (!cert || !key) {
		lwsj_set_error("a TLS server needs a certificate and a private key");
		return LWSJ_ERR_ARG;
	}
	if (check_cert(cert) || check_key(cert, key, password) || check_ca(ca))
		return LWSJ_ERR_ARG;
	if ((flags & LWSJ_TLS_REQUIRE_CLIENT_CERT) && !ca) {
		lwsj_set_error("requiring client certificates needs a CA file to check them against");
		return LWSJ_ERR_ARG;
	}
	set_str(&ctx->tls.cert, cert);
	set_str(&ctx->tls.key, key);
	set_str(&ctx->tls.password, password);
	set_str(&ctx->tls.ca, ca);
	ctx->tls.flags = flags;
	return LWSJ_OK;
}

/* [owner, before listen] */
int32_t lwsj_ctx_set_client_tls(int64_t handle, const char *ca, const char *cert,
				const char *key, const char *password)
{
	struct lwsj_ctx *ctx = lwsj_ctx_get(handle);

	if (!ctx)
		return LWSJ_ERR_STALE;
	if (ctx->lws) {
		lwsj_set_error("TLS must be set before listening");
		return LWSJ_ERR_STATE;
	}
	if (!cert != !key) {
		lwsj_set_error("a client certificate needs both the certificate and its key");
		return LWSJ_ERR_ARG;
	}
	if (check_ca(ca) || (cert && (check_cert(cert) || check_key(cert, key, password))))
		return LWSJ_ERR_ARG;
	set_str(&ctx->tls.client_ca, ca);
	set_str(&ctx->tls.client_cert, cert);
	set_str(&ctx->tls.client_key, key);
	set_str(&ctx->tls.client_password, password);
	return LWSJ_OK;
}

void lwsj_tls_apply(struct lwsj_ctx *ctx, struct lws_context_creation_info *info)
{
	struct lwsj_tls *t = &ctx->tls;

	if (t->cert) {
		info->ssl_cert_filepath = t->cert;
		info->ssl_private_key_filepath = t->key;
		info->ssl_private_key_password = t->password;
		info->ssl_ca_filepath = t->ca;
		if (t->flags & LWSJ_TLS_REQUIRE_CLIENT_CERT)
			info->options |= LWS_SERVER_OPTION_REQUIRE_VALID_OPENSSL_CLIENT_CERT;
	}
	info->client_ssl_ca_filepath = t->client_ca;
	info->client_ssl_cert_filepath = t->client_cert;
	info->client_ssl_private_key_filepath = t->client_key;
	info->client_ssl_private_key_password = t->client_password;
}

void lwsj_tls_free(struct lwsj_ctx *ctx)
{
	struct lwsj_tls *t = &ctx->tls;
	char **all[] = { &t->cert, &t->key, &t->password, &t->ca, &t->client_ca,
			 &t->client_cert, &t->client_key, &t->client_password };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		set_str(all[i], NULL);
}

/* [the thread creating the vhost] LOAD_EXTRA_{SERVER,CLIENT}_VERIFY_CERTS */
int lwsj_tls_extra_ca(struct lwsj_ctx *ctx, void *ssl_ctx, int client_side)
{
	char paths[4096];
	int32_t n;

	if (!ssl_ctx || ctx->destroying)
		return 0;
	n = ctx->upcall(ctx->handle, LWSJ_UP_TLS_EXTRA_CA, 0, client_side, paths,
			(int32_t)sizeof(paths), lwsj_events_len(ctx));
	if (n < 0 || n > (int32_t)sizeof(paths))
		return 1;
	for (char *p = paths; p < paths + n && *p; p += strlen(p) + 1) {
		if (SSL_CTX_load_verify_locations(ssl_ctx, p, NULL) != 1) {
			char why[256];

			openssl_reason(why, sizeof(why));
			lwsl_err("%s: cannot load CA file %s: %s\n", __func__, p, why);
			return 1;
		}
	}
	return 0;
}

/* [service] OPENSSL_PERFORM_CLIENT_CERT_VERIFICATION: returns nonzero to refuse */
int lwsj_tls_verify_peer(struct lwsj_ctx *ctx, void *store, int preverify_ok)
{
	X509_STORE_CTX *x = store;
	X509 *cert = x ? X509_STORE_CTX_get_current_cert(x) : NULL;
	char subject[512] = "", info[600];
	int n;

	if (ctx->destroying)
		return 1;
	if (cert)
		X509_NAME_oneline(X509_get_subject_name(cert), subject, sizeof(subject));
	n = snprintf(info, sizeof(info), "%d%c%d%c%s%c", preverify_ok ? 1 : 0, 0,
		     x ? X509_STORE_CTX_get_error_depth(x) : -1, 0, subject, 0);
	if (n < 0 || n >= (int)sizeof(info))
		return 1;
	return ctx->upcall(ctx->handle, LWSJ_UP_TLS_VERIFY_PEER, 0, 0, info, n,
			   lwsj_events_len(ctx)) ? 1 : 0;
}
