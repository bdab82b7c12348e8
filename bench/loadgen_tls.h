/*
 * loadgen's TLS transport (--tls): OpenSSL over the generator's non-blocking sockets.
 * Every call runs on loadgen's one thread. Reads and writes return what read() and
 * write() would, with errno EAGAIN when OpenSSL needs the socket to be ready again.
 */
#ifndef LOADGEN_TLS_H
#define LOADGEN_TLS_H

#include <stddef.h>
#include <sys/types.h>

struct loadgen_tls;

/* the client context: TLS 1.3 only, the one cipher suite given, no certificate check */
void loadgen_tls_init(const char *ciphersuite);
struct loadgen_tls *loadgen_tls_new(int fd);
/* 1: handshake done; 0: waiting for the socket; -1: failed (why says why) */
int loadgen_tls_handshake(struct loadgen_tls *t, char *why, size_t whylen);
ssize_t loadgen_tls_read(struct loadgen_tls *t, void *buf, size_t n);
ssize_t loadgen_tls_write(struct loadgen_tls *t, const void *buf, size_t n);
/* the negotiated protocol and cipher, for the report */
const char *loadgen_tls_describe(struct loadgen_tls *t);
void loadgen_tls_free(struct loadgen_tls *t);

#endif
