/*
 * random.c - masking keys (RFC 6455 5.3) from the kernel's CSPRNG. Service thread only.
 *
 * One getrandom call fills a buffer that serves a thousand frames, so a client sending
 * small messages pays no system call per frame. The call is made through syscall(2):
 * glibc's getrandom() wrapper (2.25) and arc4random_buf (2.36) would raise the glibc
 * version the library needs. Kernels older than getrandom (3.17) get /dev/urandom.
 */
#define _GNU_SOURCE /* syscall */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

static int fill_from_urandom(unsigned char *buf, size_t n)
{
	size_t got = 0;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	return got == n ? 0 : -1;
}

static int fill(unsigned char *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		long r = syscall(SYS_getrandom, buf + got, n - got, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return errno == ENOSYS ? fill_from_urandom(buf + got, n - got) : -1;
		got += (size_t)r;
	}
	return 0;
}

/*
 * [service] n random bytes into out; -1 when the kernel gives none (then the caller
 * fails that connection: a predictable key is never handed out, and the process goes on)
 */
int lwsj_random_bytes(struct lwsj_ctx *ctx, void *out, size_t n)
{
	unsigned char *o = out;

	while (n) {
		size_t take;

		if (ctx->rnd_pos == sizeof(ctx->rnd)) {
			if (fill(ctx->rnd, sizeof(ctx->rnd))) {
				lwsl_err("%s: no random bytes from the kernel\n", __func__);
				return -1;
			}
			ctx->rnd_pos = 0;
		}
		take = sizeof(ctx->rnd) - ctx->rnd_pos;
		if (take > n)
			take = n;
		memcpy(o, ctx->rnd + ctx->rnd_pos, take);
		/* used bytes are wiped: a later leak of the buffer shows no past key */
		memset(ctx->rnd + ctx->rnd_pos, 0, take);
		ctx->rnd_pos += (uint32_t)take;
		o += take;
		n -= take;
	}
	return 0;
}
