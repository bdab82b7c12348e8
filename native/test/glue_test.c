/*
 * glue_test.c - drives the glue through its ABI only, with a raw TCP client on
 * loopback: handshake, a masked text frame in, a MESSAGE event out, a SEND command
 * back, the echoed frame read from the socket, then CLOSED at destroy, and stale
 * handles after it. Exits non-zero on the first failure.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lwsj.h"

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "%s:%d: check failed: %s (%s)\n", __FILE__, __LINE__, #cond, \
		lwsj_last_error()); exit(1); } } while (0)

static _Alignas(8) unsigned char events[1 << 16];
static _Alignas(8) unsigned char slots[16 * LWSJ_SLOT_SIZE];
static _Alignas(8) unsigned char cmds[256];
static int upcalls;

static int32_t upcall(int64_t ctx, int32_t reason, int64_t conn, int32_t protocol,
		      const void *in, int32_t len, int32_t events_len)
{
	(void)ctx; (void)reason; (void)conn; (void)protocol; (void)in; (void)len; (void)events_len;
	upcalls++;
	return 0; /* accept every filter */
}

/* services until an event of `type` shows up; returns its offset or -1 */
static int service_until(int64_t ctx, int type, const void *sub, int32_t sub_len)
{
	for (int turn = 0; turn < 200; turn++) {
		int32_t n = lwsj_service(ctx, 20, sub, sub_len, events, sizeof(events));

		CHECK(n >= 0);
		sub_len = 0;
		for (int32_t p = 0; p < (n & ~LWSJ_SERVICE_MORE);) {
			uint32_t size;
			uint16_t t;

			memcpy(&size, events + p, 4);
			memcpy(&t, events + p + 4, 2);
			if (t == type)
				return p;
			p += (int32_t)size;
		}
	}
	return -1;
}

static void send_all(int fd, const void *p, size_t n)
{
	CHECK(write(fd, p, n) == (ssize_t)n);
}

static size_t read_some(int64_t ctx, int fd, unsigned char *buf, size_t cap, size_t want)
{
	size_t got = 0;

	for (int i = 0; i < 200 && got < want; i++) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		lwsj_service(ctx, 10, NULL, 0, events, sizeof(events));
		if (poll(&pfd, 1, 10) == 1) {
			ssize_t r = read(fd, buf + got, cap - got);

			CHECK(r > 0);
			got += (size_t)r;
		}
	}
	return got;
}

int main(void)
{
	int64_t ctx = lwsj_ctx_new(upcall), conn;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	unsigned char buf[4096], frame[64], mask[4] = { 1, 2, 3, 4 };
	const char *msg = "hello";
	int fd, p;
	int32_t port, n;
	uint32_t rec;

	CHECK(lwsj_abi_version() == LWSJ_ABI_VERSION);
	CHECK(ctx);
	CHECK(lwsj_ctx_add_protocol(ctx, "echo", 0, 4096, 1 << 20, 1 << 20,
				    LWSJ_OVERFLOW_REFUSE, 1008) == LWSJ_OK);
	CHECK(lwsj_ctx_add_protocol(ctx, "", 0, 4096, 1, 1, 0, 1008) == LWSJ_ERR_ARG);
	CHECK(lwsj_ctx_listen(ctx, "127.0.0.1", 0, 0, 16, slots) == LWSJ_OK);
	port = lwsj_ctx_port(ctx);
	CHECK(port > 0);

	fd = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	n = snprintf((char *)buf, sizeof(buf),
		     "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
		     "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
		     "Sec-WebSocket-Version: 13\r\n\r\n");
	send_all(fd, buf, (size_t)n);

	p = service_until(ctx, LWSJ_EV_ESTABLISHED, NULL, 0);
	CHECK(p >= 0);
	memcpy(&conn, events + p + 8, 8);
	CHECK(conn != 0);
	CHECK(read_some(ctx, fd, buf, sizeof(buf), 12) >= 12);
	CHECK(!memcmp(buf, "HTTP/1.1 101", 12));

	/* a masked text frame from the client */
	frame[0] = 0x81;
	frame[1] = 0x80 | 5;
	memcpy(frame + 2, mask, 4);
	for (int i = 0; i < 5; i++)
		frame[6 + i] = (unsigned char)(msg[i] ^ mask[i & 3]);
	send_all(fd, frame, 11);
	p = service_until(ctx, LWSJ_EV_MESSAGE, NULL, 0);
	CHECK(p >= 0);
	CHECK(!memcmp(events + p + LWSJ_EV_HEADER_SIZE, msg, 5));

	/* echo it with a SEND command */
	rec = (LWSJ_CMD_HEADER_SIZE + 5 + 7) & ~7u;
	memset(cmds, 0, sizeof(cmds));
	memcpy(cmds, &rec, 4);
	cmds[4] = LWSJ_CMD_SEND;
	cmds[6] = LWSJ_SEND_TEXT;
	memcpy(cmds + 8, &conn, 8);
	n = 5;
	memcpy(cmds + 16, &n, 4);
	memcpy(cmds + LWSJ_CMD_HEADER_SIZE, msg, 5);
	CHECK(lwsj_run_commands(ctx, cmds, (int32_t)rec) == LWSJ_OK);
	CHECK(read_some(ctx, fd, buf, sizeof(buf), 7) == 7);
	CHECK(buf[0] == 0x81 && buf[1] == 5 && !memcmp(buf + 2, msg, 5));

	/* from "another thread": lwsj_submit queues it and wakes the loop */
	CHECK(lwsj_submit(ctx, cmds, (int32_t)rec) == LWSJ_OK);
	CHECK(read_some(ctx, fd, buf, sizeof(buf), 7) == 7);
	CHECK(buf[0] == 0x81 && !memcmp(buf + 2, msg, 5));

	/*
	 * one broadcast for two contexts in one shared frame (lwsj_broadcast_shared): the
	 * connection gets it; the other context, never serviced, drops its reference at
	 * destroy; a stale context is refused and gives its reference back (LeakSanitizer
	 * checks both under scripts/asan-test.sh)
	 */
	{
		static _Alignas(8) unsigned char slots2[16 * LWSJ_SLOT_SIZE];
		int64_t ctx2 = lwsj_ctx_new(upcall), both[2];
		unsigned char forged[LWSJ_CMD_HEADER_SIZE + 8] = { 0 };
		uint32_t fsize = sizeof(forged), flen = 8;
		uint16_t fop = 100; /* the glue's own shared-frame command */

		CHECK(ctx2);
		CHECK(lwsj_ctx_add_protocol(ctx2, "echo", 0, 4096, 1 << 20, 1 << 20,
					    LWSJ_OVERFLOW_REFUSE, 1008) == LWSJ_OK);
		CHECK(lwsj_ctx_set_limits(ctx2, 0, 0, 0, 0, 4096, 0) == LWSJ_OK);
		CHECK(lwsj_ctx_listen(ctx2, "127.0.0.1", 0, 0, 16, slots2) == LWSJ_OK);
		both[0] = ctx;
		both[1] = ctx2;
		CHECK(lwsj_broadcast_shared(both, 2, 0, LWSJ_SEND_TEXT, "shared", 6) == LWSJ_OK);
		CHECK(read_some(ctx, fd, buf, sizeof(buf), 8) == 8);
		CHECK(buf[0] == 0x81 && buf[1] == 6 && !memcmp(buf + 2, "shared", 6));
		CHECK(lwsj_broadcast_shared(both, 2, 0, LWSJ_SEND_BINARY, "again", 5) == LWSJ_OK);
		CHECK(read_some(ctx, fd, buf, sizeof(buf), 7) == 7);
		CHECK(buf[0] == 0x82 && !memcmp(buf + 2, "again", 5));
		CHECK(lwsj_broadcast_shared(both, 2, 7, LWSJ_SEND_TEXT, "x", 1) == LWSJ_ERR_ARG);
		{
			/* ctx2, never serviced, fills its 4096-byte bound: refused there, sent by ctx,
			 * and the refusal says why although ctx's lookup came after it */
			static char big[3000];
			int64_t rev[2] = { ctx2, ctx };

			memset(big, 'b', sizeof(big));
			CHECK(lwsj_broadcast_shared(both + 1, 1, 0, LWSJ_SEND_BINARY, big, 3000) == LWSJ_OK);
			CHECK(lwsj_broadcast_shared(rev, 2, 0, LWSJ_SEND_BINARY, big, 3000) == LWSJ_ERR_BUSY);
			CHECK(strstr(lwsj_last_error(), "behind") != NULL);
			CHECK(read_some(ctx, fd, buf, sizeof(buf), 3004) == 3004);
			CHECK(buf[0] == 0x82 && buf[1] == 126 && buf[4] == 'b' && buf[3003] == 'b');
		}
		/* Java cannot hand the glue an address: the command is refused from a submission */
		memcpy(forged, &fsize, 4);
		memcpy(forged + 4, &fop, 2);
		memcpy(forged + 16, &flen, 4);
		CHECK(lwsj_submit(ctx, forged, (int32_t)sizeof(forged)) == LWSJ_ERR_ARG);
		CHECK(lwsj_ctx_destroy(ctx2, events, sizeof(events)) == 0);
		CHECK(lwsj_broadcast_shared(both, 2, 0, LWSJ_SEND_TEXT, "late", 4) == LWSJ_ERR_STALE);
		CHECK(read_some(ctx, fd, buf, sizeof(buf), 6) == 6);
		CHECK(!memcmp(buf + 2, "late", 4));
	}

	/* destroy reports CLOSED for the open connection, then every handle is stale */
	n = lwsj_ctx_destroy(ctx, events, sizeof(events));
	CHECK(n > 0);
	{
		uint16_t t;
		int64_t c;

		memcpy(&t, events + 4, 2);
		memcpy(&c, events + 8, 8);
		CHECK(t == LWSJ_EV_CLOSED && c == conn);
	}
	CHECK(lwsj_submit(ctx, cmds, (int32_t)rec) == LWSJ_ERR_STALE);
	CHECK(lwsj_service(ctx, 0, NULL, 0, events, sizeof(events)) == LWSJ_ERR_STALE);
	CHECK(lwsj_ctx_port(ctx) == LWSJ_ERR_STALE);
	close(fd);
	printf("glue_test: ok (%d upcalls)\n", upcalls);
	return 0;
}
