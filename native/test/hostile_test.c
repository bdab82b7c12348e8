/*
 * hostile_test.c - hostile network input against the glue, through its ABI only, so
 * that AddressSanitizer, UBSan and LeakSanitizer (the -DLWSJ_SANITIZE=ON build, where
 * ctest runs this without a JVM around it) see every native allocation: broken and
 * truncated handshakes, random and mutated frames, resets in the middle of things,
 * echoes queued for connections that are going or gone, closes from both sides, then
 * the context destroyed with connections still open, and a run of contexts made and
 * destroyed. Deterministic (fixed seed), bounded in rounds and in time. Exits non-zero
 * on a broken event record or a failed call; leaks are LeakSanitizer's to report.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lwsj.h"

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "%s:%d: check failed: %s (%s)\n", __FILE__, __LINE__, #cond, \
		lwsj_last_error()); exit(1); } } while (0)

#define MAX_CONNS 32
#define OPEN_AT_ONCE 12
#define ROUNDS 1000

static _Alignas(8) unsigned char events[1 << 18];
static _Alignas(8) unsigned char slots[MAX_CONNS * LWSJ_SLOT_SIZE];
static _Alignas(8) unsigned char cmds[1 << 16];
static size_t cmds_len;
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static long n_messages, n_closed, n_established;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static int32_t upcall(int64_t ctx, int32_t reason, int64_t conn, int32_t protocol,
		      const void *in, int32_t len, int32_t events_len)
{
	(void)ctx; (void)conn; (void)protocol; (void)in; (void)len; (void)events_len;
	/* filters accept; an HTTP request is not answered but closed */
	return reason == LWSJ_UP_HTTP ? 1 : 0;
}

/* queues a command for the next turn (dropped if the buffer is full) */
static void command(uint16_t op, uint16_t flags, uint64_t target, int32_t aux,
		    const void *payload, uint32_t len)
{
	uint32_t size = (LWSJ_CMD_HEADER_SIZE + len + 7) & ~7u;

	if (cmds_len + size > sizeof(cmds))
		return;
	memset(cmds + cmds_len, 0, size);
	memcpy(cmds + cmds_len, &size, 4);
	memcpy(cmds + cmds_len + 4, &op, 2);
	memcpy(cmds + cmds_len + 6, &flags, 2);
	memcpy(cmds + cmds_len + 8, &target, 8);
	memcpy(cmds + cmds_len + 16, &len, 4);
	memcpy(cmds + cmds_len + 20, &aux, 4);
	if (len)
		memcpy(cmds + cmds_len + LWSJ_CMD_HEADER_SIZE, payload, len);
	cmds_len += size;
}

static uint64_t recent[64];
static unsigned n_recent;

/* checks every record of the turn and answers some of them */
static void handle_events(int32_t n)
{
	int32_t p = 0;

	CHECK(n >= 0);
	n &= ~LWSJ_SERVICE_MORE;
	while (p < n) {
		uint32_t size;
		uint16_t type;
		uint64_t conn;
		int32_t a;

		memcpy(&size, events + p, 4);
		memcpy(&type, events + p + 4, 2);
		memcpy(&conn, events + p + 8, 8);
		memcpy(&a, events + p + 20, 4);
		CHECK(size >= LWSJ_EV_HEADER_SIZE && !(size & 7) && p + (int32_t)size <= n);
		CHECK(a >= 0 && (uint32_t)a <= size - LWSJ_EV_HEADER_SIZE);
		switch (type) {
		case LWSJ_EV_ESTABLISHED:
			n_established++;
			recent[n_recent++ % 64] = conn;
			break;
		case LWSJ_EV_MESSAGE:
			n_messages++;
			/* echo it, sometimes twice, sometimes with a close right after */
			command(LWSJ_CMD_SEND, LWSJ_SEND_BINARY, conn, 0,
				events + p + LWSJ_EV_HEADER_SIZE, (uint32_t)a);
			if (rnd() % 4 == 0)
				command(LWSJ_CMD_SEND, LWSJ_SEND_TEXT, conn, 0, "again", 5);
			if (rnd() % 8 == 0)
				command(LWSJ_CMD_CLOSE, 0, conn, 4000, "bye", 3);
			if (rnd() % 16 == 0)
				command(LWSJ_CMD_CLOSE, LWSJ_CLOSE_DISCARD, conn, 1001, "", 0);
			break;
		case LWSJ_EV_CLOSED:
			n_closed++;
			/* a command for a connection that is gone: the glue must say stale */
			command(LWSJ_CMD_SEND, LWSJ_SEND_TEXT, conn, 0, "late", 4);
			break;
		case LWSJ_EV_FRAGMENT:
		case LWSJ_EV_PONG:
		case LWSJ_EV_WRITEABLE:
			break;
		default:
			CHECK(!"unexpected event type");
		}
		p += (int32_t)size;
	}
}

static void turn(int64_t ctx)
{
	int32_t n;

	/* now and then a command for a connection that may be gone by now */
	if (n_recent && rnd() % 4 == 0)
		command(LWSJ_CMD_SEND, LWSJ_SEND_TEXT, recent[rnd() % (n_recent < 64 ? n_recent : 64)],
			0, "maybe", 5);
	if (n_recent && rnd() % 8 == 0)
		command(LWSJ_CMD_RX_FLOW, 0, recent[rnd() % (n_recent < 64 ? n_recent : 64)],
			(int32_t)(rnd() & 1), NULL, 0);
	n = lwsj_service(ctx, 0, cmds, (int32_t)cmds_len, events, sizeof(events));
	cmds_len = 0;
	handle_events(n);
	while (n & LWSJ_SERVICE_MORE) {
		n = lwsj_take_pending(ctx, events, 0, sizeof(events));
		handle_events(n);
	}
}

static size_t put_frame(unsigned char *f, int b0, int masked, uint64_t declared,
			const unsigned char *payload, size_t len)
{
	size_t n = 0;
	unsigned char mask[4] = { (unsigned char)rnd(), (unsigned char)rnd(),
				  (unsigned char)rnd(), (unsigned char)rnd() };

	f[n++] = (unsigned char)b0;
	if (declared < 126) {
		f[n++] = (unsigned char)((masked ? 0x80 : 0) | declared);
	} else if (declared <= 0xffff) {
		f[n++] = (unsigned char)((masked ? 0x80 : 0) | 126);
		f[n++] = (unsigned char)(declared >> 8);
		f[n++] = (unsigned char)declared;
	} else {
		f[n++] = (unsigned char)((masked ? 0x80 : 0) | 127);
		for (int i = 7; i >= 0; i--)
			f[n++] = (unsigned char)(declared >> (8 * i));
	}
	if (masked) {
		memcpy(f + n, mask, 4);
		n += 4;
	}
	for (size_t i = 0; i < len; i++)
		f[n + i] = masked ? payload[i] ^ mask[i & 3] : payload[i];
	return n + len;
}

/* a burst of frames: valid ones, mutated ones, random bytes; only valid ones if clean */
static size_t fuzz_burst(unsigned char *out, size_t cap, int clean)
{
	static const int ops[] = { 0x0, 0x1, 0x2, 0x8, 0x9, 0xa };
	unsigned char payload[3000];
	size_t n = 0;
	int frames = 1 + (int)(rnd() % 8);

	for (int f = 0; f < frames && n + sizeof(payload) + 14 < cap; f++) {
		int op = ops[rnd() % 6], fin = rnd() % 3 != 0, kind = clean ? 5 : (int)(rnd() % 6);

		if (clean) { /* whole text and binary messages, pings */
			op = (int)(1 + rnd() % 2);
			if (rnd() % 4 == 0)
				op = 0x9;
			fin = 1;
		}
		size_t len = op >= 8 ? rnd() % 126 : rnd() % sizeof(payload);
		size_t at = n;

		for (size_t i = 0; i < len; i++)
			payload[i] = (unsigned char)(op == 1 ? 'a' + rnd() % 26 : rnd());
		if (op == 8 && len >= 2) {
			payload[0] = 0x03;
			payload[1] = (unsigned char)(0xe8 + rnd() % 4);
		}
		switch (kind) {
		case 0: /* random bytes */
			len = rnd() % 64;
			for (size_t i = 0; i < len; i++)
				out[n + i] = (unsigned char)rnd();
			n += len;
			break;
		case 1: /* any header, any declared length, a short payload */
			n += put_frame(out + n, (int)(rnd() & 0xff), rnd() % 8 != 0,
				       ((uint64_t)rnd() << 32 | rnd()) >> (rnd() % 64), payload,
				       len % 40);
			break;
		default:
			n += put_frame(out + n, (fin || op >= 8 ? 0x80 : 0) | op, 1, len, payload, len);
			if (kind == 2) /* mutate a byte or two of it */
				for (int m = 0; m < 2; m++)
					out[at + rnd() % (n - at)] ^= (unsigned char)(1u << (rnd() % 8));
			if (kind == 3 && n > at + 1) /* truncate it */
				n = at + 1 + rnd() % (n - at - 1);
		}
	}
	return n;
}

static int connect_to(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	CHECK(fd >= 0);
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

/* writes what the socket takes now; the rest is dropped (the peer may have stopped reading) */
static void write_some(int fd, const unsigned char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static void drain(int fd)
{
	unsigned char buf[8192];

	for (int i = 0; i < 16 && read(fd, buf, sizeof(buf)) > 0; i++)
		;
}

static void close_fd(int fd)
{
	if (rnd() % 3 == 0) {
		struct linger l = { 1, 0 }; /* a reset */

		setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	}
	close(fd);
}

/* lws's errors and warnings only: its notices would drown the test's output */
static void log_line(int32_t level, const char *line)
{
	fprintf(stderr, "lws %d: %s\n", level, line);
}

static int64_t new_server(int *port)
{
	int64_t ctx = lwsj_ctx_new(upcall);

	CHECK(ctx);
	CHECK(lwsj_ctx_add_protocol(ctx, "echo", 0, 1024, 64 * 1024, 256 * 1024,
				    LWSJ_OVERFLOW_REFUSE, 1008) == LWSJ_OK);
	CHECK(lwsj_ctx_add_protocol(ctx, "frag", LWSJ_PROTO_FRAGMENTS, 256, 64 * 1024,
				    256 * 1024, LWSJ_OVERFLOW_CLOSE, 1008) == LWSJ_OK);
	CHECK(lwsj_ctx_set_limits(ctx, 2048, 2, 0, 0, 0, 0) == LWSJ_OK);
	CHECK(lwsj_ctx_listen(ctx, "127.0.0.1", 0, 0, MAX_CONNS, slots) == LWSJ_OK);
	*port = lwsj_ctx_port(ctx);
	CHECK(*port > 0);
	return ctx;
}

int main(void)
{
	static unsigned char buf[1 << 16];
	int fds[OPEN_AT_ONCE], clean[OPEN_AT_ONCE], port;
	int64_t ctx;
	time_t deadline = time(NULL) + 60;
	int32_t n;

	lwsj_set_log(1 | 2, log_line);
	ctx = new_server(&port);
	for (int i = 0; i < OPEN_AT_ONCE; i++)
		fds[i] = -1;
	for (int round = 0; round < ROUNDS && time(NULL) < deadline; round++) {
		int i = (int)(rnd() % OPEN_AT_ONCE);

		if (fds[i] >= 0 && rnd() % 3 == 0) {
			close_fd(fds[i]);
			fds[i] = -1;
		}
		if (fds[i] < 0) {
			char key[] = "dGhlIHNhbXBsZSBub25jZQ==";
			size_t len;

			fds[i] = connect_to(port);
			clean[i] = rnd() % 2;
			len = (size_t)snprintf((char *)buf, sizeof(buf),
				"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
				"Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
				"Sec-WebSocket-Protocol: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
				key, rnd() % 3 ? "echo" : "frag");
			if (!clean[i] && rnd() % 8 == 0) /* a broken handshake */
				buf[rnd() % len] = (unsigned char)rnd();
			if (!clean[i] && rnd() % 10 == 0) /* half a handshake */
				len = rnd() % len;
			write_some(fds[i], buf, len);
			for (int t = 0; t < 3; t++)
				turn(ctx);
		}
		write_some(fds[i], buf, fuzz_burst(buf, sizeof(buf), clean[i]));
		for (int t = 0; t < 2; t++)
			turn(ctx);
		for (int k = 0; k < OPEN_AT_ONCE; k++)
			if (fds[k] >= 0)
				drain(fds[k]);
	}
	/* a few turns with some sockets still open, then destroy with them open */
	for (int t = 0; t < 20; t++) {
		struct timespec ms = { 0, 1000000 };

		turn(ctx);
		nanosleep(&ms, NULL);
	}
	n = lwsj_ctx_destroy(ctx, events, sizeof(events));
	CHECK(n >= 0);
	handle_events(n);
	for (int i = 0; i < OPEN_AT_ONCE; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	CHECK(lwsj_service(ctx, 0, NULL, 0, events, sizeof(events)) == LWSJ_ERR_STALE);

	/* contexts come and go; one connection each, left open at destroy */
	for (int i = 0; i < 20; i++) {
		int fd;

		ctx = new_server(&port);
		fd = connect_to(port);
		write_some(fd, (const unsigned char *)"GET / HTTP/1.1\r\nHost: x\r\n", 25);
		turn(ctx);
		CHECK(lwsj_ctx_destroy(ctx, events, sizeof(events)) >= 0);
		close(fd);
	}
	printf("hostile_test: ok (%ld established, %ld messages, %ld closed)\n", n_established,
	       n_messages, n_closed);
	return 0;
}
