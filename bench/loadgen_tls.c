/* loadgen's TLS transport; see loadgen_tls.h. */
#include "loadgen_tls.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

struct loadgen_tls {
	SSL *ssl;
};

static SSL_CTX *ctx;

static void die_tls(const char *what)
{
	char buf[256];

	ERR_error_string_n(ERR_get_error(), buf, sizeof(buf));
	fprintf(stderr, "loadgen: %s: %s\n", what, buf);
	exit(2);
}

void loadgen_tls_init(const char *ciphersuite)
{
	ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx)
		die_tls("SSL_CTX_new");
	/* the servers under test present throwaway certificates: nothing to verify */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	if (!SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION))
		die_tls("TLS 1.3");
	/* one suite, so every server does the same cipher work per byte */
	if (!SSL_CTX_set_ciphersuites(ctx, ciphersuite))
		die_tls("--tls-ciphersuite");
	/* flush_conn retries with the same bytes from a buffer that may have grown */
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
}

struct loadgen_tls *loadgen_tls_new(int fd)
{
	struct loadgen_tls *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->ssl = SSL_new(ctx);
	if (!t->ssl || !SSL_set_fd(t->ssl, fd)) {
		SSL_free(t->ssl);
		free(t);
		return NULL;
	}
	SSL_set_connect_state(t->ssl);
	return t;
}

/* what OpenSSL's answer means for a caller that thinks in read()/write() */
static ssize_t as_syscall(struct loadgen_tls *t, int r)
{
	switch (SSL_get_error(t->ssl, r)) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_SYSCALL:
		ERR_clear_error();
		if (errno == 0)
			return 0; /* the peer closed without close_notify: EOF all the same */
		return -1;
	default:
		ERR_clear_error();
		errno = EPROTO;
		return -1;
	}
}

int loadgen_tls_handshake(struct loadgen_tls *t, char *why, size_t whylen)
{
	int r = SSL_do_handshake(t->ssl);

	if (r == 1)
		return 1;
	int e = SSL_get_error(t->ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return 0;
	char buf[160];
	ERR_error_string_n(ERR_get_error(), buf, sizeof(buf));
	ERR_clear_error();
	snprintf(why, whylen, "TLS handshake: %s", buf);
	return -1;
}

ssize_t loadgen_tls_read(struct loadgen_tls *t, void *buf, size_t n)
{
	int r = SSL_read(t->ssl, buf, n > (size_t)0x7fffffff ? 0x7fffffff : (int)n);

	return r > 0 ? r : as_syscall(t, r);
}

ssize_t loadgen_tls_write(struct loadgen_tls *t, const void *buf, size_t n)
{
	int r = SSL_write(t->ssl, buf, n > (size_t)0x7fffffff ? 0x7fffffff : (int)n);

	return r > 0 ? r : as_syscall(t, r);
}

const char *loadgen_tls_describe(struct loadgen_tls *t)
{
	static char d[96];

	snprintf(d, sizeof(d), "%s_%s", SSL_get_version(t->ssl), SSL_get_cipher_name(t->ssl));
	return d;
}

void loadgen_tls_free(struct loadgen_tls *t)
{
	if (!t)
		return;
	SSL_free(t->ssl);
	free(t);
}
