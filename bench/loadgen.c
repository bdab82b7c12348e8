/*
 * loadgen - WebSocket / raw TCP load generator for lwsj's benchmarks.
 *
 * One thread, one epoll set, non-blocking sockets; libc, and OpenSSL for --tls
 * (loadgen_tls.c).
 * It only ever connects to 127.0.0.x. Every loop is bounded in iterations and every
 * run is bounded in time (a watchdog alarm ends the process if something still hangs).
 *
 * Modes (see usage() for the options):
 *   echo     C connections keep W messages of S bytes in flight each (or send at a
 *            fixed total rate); reports round trips/s, MB/s, latency percentiles.
 *   raw      the same against a plain TCP echo server: no handshake, no framing; each
 *            "message" is a record as long as the WebSocket frame the client would
 *            send for S bytes of payload, so bytes on the wire per round trip match.
 *   fanout   C receivers plus one sender on /broadcast; the sender keeps W messages
 *            in flight (a message is done once every receiver has it); reports
 *            deliveries/s and delivery latency (send time travels in the payload).
 *   connect  opens connections (K at a time), completes the handshake, closes;
 *            reports handshakes/s and handshake latency.
 *   idle     opens N connections, reports handshakes/s while opening, prints a READY
 *            line and holds them until SIGTERM/SIGINT/SIGUSR1 or --hold seconds, so
 *            a driver can measure the server's memory meanwhile.
 *
 * Output: a human-readable summary on stderr and one machine-readable line on stdout:
 *   RESULT mode=echo key=value ...
 * The generator reports its own CPU use (getrusage) for the measured interval as
 * gen_cpu_pct so a reader can tell whether the generator was the bottleneck.
 *
 * Payload: the first 16 bytes of every message are the send time (CLOCK_MONOTONIC ns)
 * as hex digits, followed in fanout mode by an 8-hex-digit sequence number; the rest is
 * filler. Everything is ASCII so the same payload is valid for text frames.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "loadgen_tls.h"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

#define NS_PER_S 1000000000ULL
#define NS_PER_MS 1000000ULL
#define RBUF_SIZE (256 * 1024)
#define MAX_EVENTS 1024
#define HS_BUF_SIZE 8192
#define TS_DIGITS 16
#define SEQ_DIGITS 8
#define PREFIX_MAX (TS_DIGITS + SEQ_DIGITS)
#define FAN_RING 65536u /* power of two */
#define READS_PER_EVENT 64
#define TICK_NS (100 * NS_PER_MS)

enum mode { MODE_ECHO, MODE_RAW, MODE_FANOUT, MODE_CONNECT, MODE_IDLE };
static const char *const mode_names[] = { "echo", "raw", "fanout", "connect", "idle" };

enum cstate { CS_FREE, CS_CONNECTING, CS_HANDSHAKE, CS_OPEN, CS_CLOSING, CS_CLOSED };
enum role { ROLE_ECHO, ROLE_RECEIVER, ROLE_SENDER, ROLE_ONESHOT, ROLE_IDLE };

enum { OP_CONT = 0, OP_TEXT = 1, OP_BINARY = 2, OP_CLOSE = 8, OP_PING = 9, OP_PONG = 10 };

/* ------------------------------------------------------------------------------------ */
/* configuration                                                                          */

static struct cfg {
	enum mode mode;
	struct in_addr host;
	char host_str[INET_ADDRSTRLEN];
	int port;
	int ports[16];  /* --ports: connection i goes to ports[i % nports] */
	int nports;
	const char *path;
	const char *protocol;
	int conns;
	int window;
	int batch;
	size_t size;
	int text;
	double duration;
	double warmup;
	double rate;
	double hold;
	double connect_timeout;
	double settle;
	double spin_us;
	int src_addrs;
	int concurrency;
	long max_total;
	size_t raw_record;
	int tls;
	const char *tls_ciphersuite;
	const char *label;
} G = {
	.mode = MODE_ECHO,
	.port = 0,
	.path = NULL,
	.protocol = NULL,
	.conns = 100,
	.window = 16,
	.batch = 0,
	.size = 64,
	.text = 0,
	.duration = 5.0,
	.warmup = 1.0,
	.rate = 0.0,
	.hold = 600.0,
	.connect_timeout = 30.0,
	.settle = 0.3,
	.spin_us = 50,
	.src_addrs = 1,
	.concurrency = 0,
	.max_total = 0,
	.raw_record = 0,
	.tls = 0,
	.tls_ciphersuite = "TLS_AES_128_GCM_SHA256",
	.label = "-",
};

/* ------------------------------------------------------------------------------------ */
/* small utilities                                                                        */

static volatile sig_atomic_t g_stop;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* time from then to now; 0 if then is later (timestamps are taken at different points) */
static uint64_t since(uint64_t now, uint64_t then)
{
	return now > then ? now - then : 0;
}

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("loadgen: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);

	if (!q)
		die("out of memory (%zu bytes)", n);
	return q;
}

static uint64_t rng_state;

static uint64_t rng_next(void)
{
	/* xorshift64*: plenty for mask keys and handshake nonces of a benchmark */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static const char hexdig[] = "0123456789abcdef";

static void put_hex(uint8_t *dst, uint64_t v, int digits)
{
	for (int i = digits - 1; i >= 0; i--) {
		dst[i] = (uint8_t)hexdig[v & 15];
		v >>= 4;
	}
}

/* returns 0 on success, -1 if a character is not a lower-case hex digit */
static int get_hex(const uint8_t *src, int digits, uint64_t *out)
{
	uint64_t v = 0;

	for (int i = 0; i < digits; i++) {
		uint8_t ch = src[i];
		unsigned d;

		if (ch >= '0' && ch <= '9')
			d = ch - '0';
		else if (ch >= 'a' && ch <= 'f')
			d = ch - 'a' + 10;
		else
			return -1;
		v = (v << 4) | d;
	}
	*out = v;
	return 0;
}

/* ------------------------------------------------------------------------------------ */
/* SHA-1 and base64, just enough for Sec-WebSocket-Accept                                 */

static uint32_t rol32(uint32_t x, int k)
{
	return (x << k) | (x >> (32 - k));
}

static void sha1_block(uint32_t h[5], const uint8_t *p)
{
	uint32_t w[80], a, b, c, d, e;

	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
	for (int i = 16; i < 80; i++)
		w[i] = rol32(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	a = h[0]; b = h[1]; c = h[2]; d = h[3]; e = h[4];
	for (int i = 0; i < 80; i++) {
		uint32_t f, k, t;

		if (i < 20) {
			f = (b & c) | (~b & d);
			k = 0x5A827999;
		} else if (i < 40) {
			f = b ^ c ^ d;
			k = 0x6ED9EBA1;
		} else if (i < 60) {
			f = (b & c) | (b & d) | (c & d);
			k = 0x8F1BBCDC;
		} else {
			f = b ^ c ^ d;
			k = 0xCA62C1D6;
		}
		t = rol32(a, 5) + f + e + k + w[i];
		e = d;
		d = c;
		c = rol32(b, 30);
		b = a;
		a = t;
	}
	h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e;
}

static void sha1(const uint8_t *msg, size_t len, uint8_t out[20])
{
	uint32_t h[5] = { 0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0 };
	uint8_t block[64];
	size_t off = 0;
	uint64_t bits = (uint64_t)len * 8;

	for (; len - off >= 64; off += 64)
		sha1_block(h, msg + off);
	size_t rest = len - off;
	memset(block, 0, sizeof(block));
	memcpy(block, msg + off, rest);
	block[rest] = 0x80;
	if (rest >= 56) {
		sha1_block(h, block);
		memset(block, 0, sizeof(block));
	}
	for (int i = 0; i < 8; i++)
		block[63 - i] = (uint8_t)(bits >> (8 * i));
	sha1_block(h, block);
	for (int i = 0; i < 5; i++) {
		out[4 * i] = (uint8_t)(h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(h[i] >> 8);
		out[4 * i + 3] = (uint8_t)h[i];
	}
}

static void base64(const uint8_t *in, size_t n, char *out)
{
	static const char tbl[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i = 0, o = 0;

	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = tbl[(v >> 18) & 63];
		out[o++] = tbl[(v >> 12) & 63];
		out[o++] = tbl[(v >> 6) & 63];
		out[o++] = tbl[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;
		out[o++] = tbl[(v >> 18) & 63];
		out[o++] = tbl[(v >> 12) & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = tbl[(v >> 18) & 63];
		out[o++] = tbl[(v >> 12) & 63];
		out[o++] = tbl[(v >> 6) & 63];
		out[o++] = '=';
	}
	out[o] = '\0';
}

/* Sec-WebSocket-Accept for a key (RFC 6455 section 4.2.2) */
static void ws_accept_for(const char *key, char out[32])
{
	static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
	uint8_t buf[128], dig[20];
	size_t kl = strlen(key);

	memcpy(buf, key, kl);
	memcpy(buf + kl, guid, sizeof(guid) - 1);
	sha1(buf, kl + sizeof(guid) - 1, dig);
	base64(dig, sizeof(dig), out);
}

/* ------------------------------------------------------------------------------------ */
/* latency histogram: log-linear buckets, < 1% relative error, ns resolution               */

#define HIST_SUB_BITS 7
#define HIST_SUB (1u << HIST_SUB_BITS) /* 128 */
#define HIST_HALF (HIST_SUB / 2)
#define HIST_MAX_MAG 44                /* up to 2^44 ns, about 4.9 hours */
#define HIST_BUCKETS ((HIST_MAX_MAG - HIST_SUB_BITS + 2) * HIST_HALF + HIST_SUB)

struct hist {
	uint64_t count;
	uint64_t max;
	uint64_t b[HIST_BUCKETS];
};

static unsigned hist_index(uint64_t v)
{
	if (v < HIST_SUB)
		return (unsigned)v;
	int mag = 63 - __builtin_clzll(v);
	if (mag > HIST_MAX_MAG)
		return HIST_BUCKETS - 1;
	int shift = mag - (HIST_SUB_BITS - 1);
	return (unsigned)shift * HIST_HALF + (unsigned)(v >> shift);
}

/* midpoint of the values a bucket holds */
static uint64_t hist_value(unsigned idx)
{
	if (idx < HIST_SUB)
		return idx;
	unsigned shift = idx / HIST_HALF - 1;
	uint64_t q = idx - (uint64_t)shift * HIST_HALF;
	return (q << shift) + ((1ULL << shift) >> 1);
}

static void hist_add(struct hist *h, uint64_t v)
{
	h->b[hist_index(v)]++;
	h->count++;
	if (v > h->max)
		h->max = v;
}

static uint64_t hist_pct(const struct hist *h, double p)
{
	if (!h->count)
		return 0;
	uint64_t want = (uint64_t)(p / 100.0 * (double)h->count);
	if (want >= h->count)
		want = h->count - 1;
	uint64_t seen = 0;
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen > want) {
			uint64_t v = hist_value(i);
			return v > h->max ? h->max : v;
		}
	}
	return h->max;
}

/* ------------------------------------------------------------------------------------ */
/* connections                                                                            */

struct conn {
	int fd;
	struct loadgen_tls *tls; /* --tls: the session over fd */
	uint8_t tls_handshake;   /* --tls: still in the TLS handshake (state CS_CONNECTING) */
	uint8_t state;
	uint8_t role;
	uint8_t dirty;
	uint8_t reread;
	uint8_t close_sent;
	uint32_t idx;
	uint64_t t_start;     /* connect() time, for handshake latency and timeouts */
	uint64_t t_close;     /* when our close frame went out */

	/* handshake */
	char *hs;
	uint32_t hs_len;
	char accept[32];

	/* outgoing bytes */
	uint8_t *out;
	size_t out_off, out_len, out_cap;

	/* echo accounting */
	uint32_t inflight;

	/* frame parser (server to client) */
	uint8_t hdr[14];
	uint8_t hdr_have;
	uint8_t f_op;
	uint8_t f_fin;
	uint8_t f_masked;
	uint8_t f_mask[4];
	uint8_t in_payload;
	uint64_t f_remaining;
	uint64_t f_off;
	uint8_t msg_op;       /* opcode of the data message in progress, 0 = none */
	uint8_t prefix_have;
	uint8_t ctl_have;
	uint64_t msg_len;
	uint8_t prefix[PREFIX_MAX];
	uint8_t ctl[125];

	/* raw mode */
	size_t raw_have;
};

struct fan_slot {
	uint64_t seq;
	uint64_t t_sent;
	uint32_t got;
	uint8_t done;
};

static struct run {
	int ep;
	int tls_described;
	char tls_name[96];   /* --tls: the protocol and suite the first session got */
	struct conn *conns;
	int nconns;          /* slots in conns[] */
	struct conn **dirty;
	int ndirty;
	struct conn **rearm;
	int nrearm;
	uint8_t *rbuf;

	/* payload templates */
	uint8_t *tmpl;       /* G.size bytes (or raw record bytes) of filler */
	size_t msg_len;      /* payload bytes per message (record bytes in raw mode) */
	int data_op;

	/* phases */
	uint64_t t_begin;    /* load starts */
	uint64_t t_meas_start;
	uint64_t t_meas_end;
	uint64_t hard_deadline;
	int sending;         /* new messages may be started */
	int measuring;
	struct rusage ru_start, ru_end;
	uint64_t ru_t_start, ru_t_end;
	int ru_started, ru_ended;

	/* opening */
	int next_open;       /* next conns[] index to open (echo/fanout/idle) */
	int pending;         /* connects + handshakes in progress */
	int opened;
	int failed;
	uint64_t t_first_connect;
	uint64_t t_last_open;

	/* results */
	struct hist lat;     /* message / delivery latency */
	struct hist hs_lat;  /* handshake latency */
	uint64_t meas_msgs;
	uint64_t total_sent, total_recv;
	uint64_t bad;
	uint64_t late;
	uint64_t errors;
	uint64_t dropped;
	uint64_t n_reads, n_writes, n_waits; /* syscalls, to see how well writes batch */
	int last_events;     /* events the last turn handled */
	uint64_t spin_ns;    /* fixed rate: time spent polling for the next due time */
	char first_error[160];

	/* fixed rate */
	uint64_t rate_k;
	int rr;

	/* fanout */
	struct conn *sender;
	struct fan_slot *ring;
	uint64_t next_seq, oldest_seq;
	uint32_t incomplete;
	uint64_t lost;
	uint64_t sender_echoes;
	uint64_t meas_sent;

	/* connect */
	uint64_t handshakes;
	uint64_t meas_handshakes;
} R;

static void note_error(const char *fmt, ...)
{
	R.errors++;
	if (!R.first_error[0]) {
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(R.first_error, sizeof(R.first_error), fmt, ap);
		va_end(ap);
		for (char *p = R.first_error; *p; p++)
			if (*p == ' ')
				*p = '_';
	}
}

static void mark_dirty(struct conn *c)
{
	if (!c->dirty) {
		c->dirty = 1;
		R.dirty[R.ndirty++] = c;
	}
}

static uint8_t *out_reserve(struct conn *c, size_t n)
{
	if (c->out_off == c->out_len) {
		c->out_off = 0;
		c->out_len = 0;
	}
	if (c->out_len + n > c->out_cap && c->out_off) {
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
	if (c->out_len + n > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 256;

		while (cap < c->out_len + n)
			cap *= 2;
		c->out = xrealloc(c->out, cap);
		c->out_cap = cap;
	}
	return c->out + c->out_len;
}

static void mask_bytes(uint8_t *p, size_t n, const uint8_t key[4])
{
	uint8_t k8[8] = { key[0], key[1], key[2], key[3], key[0], key[1], key[2], key[3] };
	uint64_t m;
	size_t i = 0;

	memcpy(&m, k8, 8);
	for (; i + 8 <= n; i += 8) {
		uint64_t v;

		memcpy(&v, p + i, 8);
		v ^= m;
		memcpy(p + i, &v, 8);
	}
	for (; i < n; i++)
		p[i] ^= key[i & 3];
}

static size_t ws_client_frame_size(size_t len)
{
	return len + 4 + (len < 126 ? 2 : len < 65536 ? 4 : 10);
}

/*
 * Appends one masked client frame whose payload is head[0..head_len) followed by
 * body[0..body_len).
 */
static void put_frame(struct conn *c, int op, const uint8_t *head, size_t head_len,
		      const uint8_t *body, size_t body_len)
{
	size_t len = head_len + body_len;
	uint8_t *p = out_reserve(c, ws_client_frame_size(len)), *start = p;
	uint64_t r = rng_next();
	uint8_t key[4] = { (uint8_t)r, (uint8_t)(r >> 8), (uint8_t)(r >> 16), (uint8_t)(r >> 24) };

	*p++ = (uint8_t)(0x80 | op);
	if (len < 126) {
		*p++ = (uint8_t)(0x80 | len);
	} else if (len < 65536) {
		*p++ = 0x80 | 126;
		*p++ = (uint8_t)(len >> 8);
		*p++ = (uint8_t)len;
	} else {
		*p++ = 0x80 | 127;
		for (int i = 7; i >= 0; i--)
			*p++ = (uint8_t)((uint64_t)len >> (8 * i));
	}
	memcpy(p, key, 4);
	p += 4;
	if (head_len)
		memcpy(p, head, head_len);
	if (body_len)
		memcpy(p + head_len, body, body_len);
	mask_bytes(p, len, key);
	p += len;
	c->out_len += (size_t)(p - start);
	mark_dirty(c);
}

/* one benchmark message: timestamp (+ sequence) prefix, then filler */
static void send_message(struct conn *c, uint64_t ts, int with_seq, uint64_t seq)
{
	uint8_t head[PREFIX_MAX];
	size_t hl = TS_DIGITS;

	put_hex(head, ts, TS_DIGITS);
	if (with_seq) {
		put_hex(head + TS_DIGITS, seq, SEQ_DIGITS);
		hl += SEQ_DIGITS;
	}
	if (G.mode == MODE_RAW) {
		uint8_t *p = out_reserve(c, R.msg_len);

		memcpy(p, head, hl);
		memcpy(p + hl, R.tmpl + hl, R.msg_len - hl);
		c->out_len += R.msg_len;
		mark_dirty(c);
	} else {
		put_frame(c, R.data_op, head, hl, R.tmpl + hl, R.msg_len - hl);
	}
	R.total_sent++;
}

static void conn_release(struct conn *c)
{
	loadgen_tls_free(c->tls);
	c->tls = NULL;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->hs);
	c->hs = NULL;
	free(c->out);
	c->out = NULL;
	c->out_cap = c->out_len = c->out_off = 0;
	c->state = CS_CLOSED;
}

static ssize_t conn_write(struct conn *c, const void *p, size_t n)
{
	return c->tls ? loadgen_tls_write(c->tls, p, n) : write(c->fd, p, n);
}

static ssize_t conn_read(struct conn *c, void *p, size_t n)
{
	return c->tls ? loadgen_tls_read(c->tls, p, n) : read(c->fd, p, n);
}

static void flush_conn(struct conn *c)
{
	for (int guard = 0; c->out_off < c->out_len && guard < 1024; guard++) {
		ssize_t n = conn_write(c, c->out + c->out_off, c->out_len - c->out_off);

		R.n_writes++;
		if (n > 0) {
			c->out_off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return; /* EPOLLOUT (edge-triggered) tells us when to go on */
		if (c->state != CS_CLOSING)
			note_error("write: %s", n < 0 ? strerror(errno) : "0 bytes");
		if (c->state == CS_OPEN)
			R.dropped++;
		conn_release(c);
		return;
	}
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
}

static void flush_dirty(void)
{
	for (int i = 0; i < R.ndirty; i++) {
		struct conn *c = R.dirty[i];

		c->dirty = 0;
		if (c->fd >= 0 && c->state != CS_CONNECTING)
			flush_conn(c);
	}
	R.ndirty = 0;
}

static void send_close(struct conn *c, uint16_t code)
{
	uint8_t b[2] = { (uint8_t)(code >> 8), (uint8_t)code };

	if (c->close_sent || c->fd < 0)
		return;
	put_frame(c, OP_CLOSE, b, 2, NULL, 0);
	c->close_sent = 1;
	c->t_close = now_ns();
	c->state = CS_CLOSING;
}

/* ------------------------------------------------------------------------------------ */
/* opening connections                                                                    */

static void conn_fail_setup(struct conn *c, const char *why)
{
	note_error("%s", why);
	if (c->state == CS_CONNECTING || c->state == CS_HANDSHAKE) {
		R.pending--;
		R.failed++;
	}
	conn_release(c);
}

/* the server port of a connection: --port, or with --ports one of them in turn */
static int conn_port(const struct conn *c)
{
	return G.nports ? G.ports[c->idx % (uint32_t)G.nports] : G.port;
}

static int conn_start(struct conn *c, uint64_t now)
{
	struct sockaddr_in dst = { .sin_family = AF_INET };
	int one = 1;

	dst.sin_addr = G.host;
	memset(c, 0, sizeof(*c));
	c->idx = (uint32_t)(c - R.conns);
	dst.sin_port = htons((uint16_t)conn_port(c));
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		c->state = CS_CLOSED;
		note_error("socket: %s", strerror(errno));
		R.failed++;
		return -1;
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (G.src_addrs > 1) {
		/* spread over 127.0.0.1 .. 127.0.0.N so each gets its own port range */
		struct sockaddr_in src = { .sin_family = AF_INET, .sin_port = 0 };
		uint32_t a = 0x7f000001u + (uint32_t)((R.opened + R.failed + R.pending) % G.src_addrs);

		src.sin_addr.s_addr = htonl(a);
		setsockopt(c->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
		if (bind(c->fd, (struct sockaddr *)&src, sizeof(src)) < 0) {
			note_error("bind: %s", strerror(errno));
			close(c->fd);
			c->fd = -1;
			c->state = CS_CLOSED;
			R.failed++;
			return -1;
		}
	}
	if (connect(c->fd, (struct sockaddr *)&dst, sizeof(dst)) < 0 && errno != EINPROGRESS) {
		note_error("connect: %s", strerror(errno));
		close(c->fd);
		c->fd = -1;
		c->state = CS_CLOSED;
		R.failed++;
		return -1;
	}
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = c };
	if (epoll_ctl(R.ep, EPOLL_CTL_ADD, c->fd, &ev) < 0)
		die("epoll_ctl: %s", strerror(errno));
	c->state = CS_CONNECTING;
	c->t_start = now;
	if (!R.t_first_connect)
		R.t_first_connect = now;
	R.pending++;
	return 0;
}

static void handshake_done(struct conn *c, uint64_t now);
static void send_upgrade(struct conn *c);

/* --tls: the TLS handshake, run again on every event until it is done */
static void tls_step(struct conn *c)
{
	char why[200];
	int r = loadgen_tls_handshake(c->tls, why, sizeof(why));

	if (r < 0) {
		conn_fail_setup(c, why);
		return;
	}
	if (r == 0)
		return;
	c->tls_handshake = 0;
	if (!R.tls_described) {
		R.tls_described = 1;
		snprintf(R.tls_name, sizeof(R.tls_name), "%s", loadgen_tls_describe(c->tls));
	}
	send_upgrade(c);
}

static void on_connected(struct conn *c, uint64_t now)
{
	int err = 0;
	socklen_t el = sizeof(err);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
		err = errno;
	if (err) {
		char why[96];

		snprintf(why, sizeof(why), "connect: %s", strerror(err));
		conn_fail_setup(c, why);
		return;
	}
	if (G.mode == MODE_RAW) {
		handshake_done(c, now);
		return;
	}
	if (G.tls) {
		c->tls = loadgen_tls_new(c->fd);
		if (!c->tls) {
			conn_fail_setup(c, "TLS: no session");
			return;
		}
		c->tls_handshake = 1;
		tls_step(c);
		return;
	}
	send_upgrade(c);
}

/* the WebSocket upgrade request */
static void send_upgrade(struct conn *c)
{
	uint8_t nonce[16];
	char key[32];
	for (int i = 0; i < 16; i += 8) {
		uint64_t r = rng_next();
		memcpy(nonce + i, &r, 8);
	}
	base64(nonce, sizeof(nonce), key);
	ws_accept_for(key, c->accept);

	char req[1024];
	int n = snprintf(req, sizeof(req),
			 "GET %s HTTP/1.1\r\n"
			 "Host: %s:%d\r\n"
			 "Upgrade: websocket\r\n"
			 "Connection: Upgrade\r\n"
			 "Sec-WebSocket-Key: %s\r\n"
			 "Sec-WebSocket-Version: 13\r\n"
			 "%s%s%s"
			 "\r\n",
			 G.path, G.host_str, conn_port(c), key,
			 G.protocol ? "Sec-WebSocket-Protocol: " : "",
			 G.protocol ? G.protocol : "", G.protocol ? "\r\n" : "");
	if (n <= 0 || (size_t)n >= sizeof(req))
		die("handshake request too long");
	memcpy(out_reserve(c, (size_t)n), req, (size_t)n);
	c->out_len += (size_t)n;
	c->state = CS_HANDSHAKE;
	c->hs = xrealloc(NULL, HS_BUF_SIZE);
	c->hs_len = 0;
	mark_dirty(c);
}

/* case-insensitive search for a token inside a header value */
static int has_token(const char *value, const char *token)
{
	return strcasestr(value, token) != NULL;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	char *e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	return s;
}

/*
 * Checks a complete response head (NUL-terminated, CRLF line ends, without the final
 * empty line). Returns NULL if it is a valid 101 for our key, or why it is not.
 */
static const char *check_response(struct conn *c, char *head, char *why, size_t whylen)
{
	char *line_end = strstr(head, "\r\n");
	int got_upgrade = 0, got_connection = 0, got_accept = 0;

	if (line_end)
		*line_end = '\0';
	if (strncmp(head, "HTTP/1.1 101", 12) != 0 || (head[12] != ' ' && head[12] != '\0')) {
		snprintf(why, whylen, "handshake refused: %.100s", head);
		return why;
	}
	char *p = line_end ? line_end + 2 : NULL;
	for (int guard = 0; p && *p && guard < 200; guard++) {
		char *next = strstr(p, "\r\n");

		if (next) {
			*next = '\0';
			next += 2;
		}
		char *colon = strchr(p, ':');
		if (!colon) {
			snprintf(why, whylen, "malformed header line in 101 response");
			return why;
		}
		*colon = '\0';
		char *name = trim(p), *value = trim(colon + 1);

		if (!strcasecmp(name, "Upgrade")) {
			got_upgrade = has_token(value, "websocket");
		} else if (!strcasecmp(name, "Connection")) {
			got_connection = has_token(value, "upgrade");
		} else if (!strcasecmp(name, "Sec-WebSocket-Accept")) {
			got_accept = !strcmp(value, c->accept);
			if (!got_accept) {
				snprintf(why, whylen, "wrong Sec-WebSocket-Accept");
				return why;
			}
		} else if (!strcasecmp(name, "Sec-WebSocket-Extensions") && *value) {
			snprintf(why, whylen, "server chose an extension we did not offer: %.60s", value);
			return why;
		} else if (!strcasecmp(name, "Sec-WebSocket-Protocol") && G.protocol &&
			   strcmp(value, G.protocol) != 0) {
			snprintf(why, whylen, "server chose subprotocol %.60s", value);
			return why;
		}
		p = next;
	}
	if (!got_upgrade || !got_connection || !got_accept) {
		snprintf(why, whylen, "101 response lacks %s",
			 !got_upgrade ? "Upgrade: websocket" :
			 !got_connection ? "Connection: upgrade" : "Sec-WebSocket-Accept");
		return why;
	}
	return NULL;
}

static void feed(struct conn *c, const uint8_t *buf, size_t n, uint64_t now);

static void on_handshake_data(struct conn *c, const uint8_t *buf, size_t n, uint64_t now)
{
	size_t room = HS_BUF_SIZE - 1 - c->hs_len;
	size_t take = n < room ? n : room;

	memcpy(c->hs + c->hs_len, buf, take);
	c->hs_len += (uint32_t)take;
	c->hs[c->hs_len] = '\0';
	char *end = strstr(c->hs, "\r\n\r\n");
	if (!end) {
		if (c->hs_len >= HS_BUF_SIZE - 1)
			conn_fail_setup(c, "handshake response too long");
		return;
	}
	size_t head_len = (size_t)(end - c->hs);
	size_t consumed_before = c->hs_len - take;  /* bytes of hs that came from earlier reads */
	size_t used_from_buf = head_len + 4 - consumed_before;
	char why[160];

	*end = '\0';
	if (check_response(c, c->hs, why, sizeof(why))) {
		conn_fail_setup(c, why);
		return;
	}
	free(c->hs);
	c->hs = NULL;
	handshake_done(c, now);
	if (c->state == CS_OPEN && used_from_buf < n)
		feed(c, buf + used_from_buf, n - used_from_buf, now);
}

/* ------------------------------------------------------------------------------------ */
/* receiving                                                                              */

static void on_message(struct conn *c, int op, uint64_t len, uint64_t now);

static void on_control(struct conn *c, uint64_t now)
{
	(void)now;
	switch (c->f_op) {
	case OP_PING:
		put_frame(c, OP_PONG, c->ctl, c->ctl_have, NULL, 0);
		break;
	case OP_PONG:
		break;
	case OP_CLOSE:
		if (c->close_sent) {
			conn_release(c); /* closing handshake complete */
		} else {
			uint16_t code = c->ctl_have >= 2 ? (uint16_t)(c->ctl[0] << 8 | c->ctl[1]) : 1005;

			if (c->state == CS_OPEN && c->role != ROLE_ONESHOT) {
				note_error("server closed a connection (code %u)", code);
				R.dropped++;
			}
			send_close(c, code == 1005 ? 1000 : code);
		}
		break;
	default:
		break;
	}
}

static void protocol_error(struct conn *c, const char *why)
{
	note_error("protocol error: %s", why);
	if (c->state == CS_OPEN)
		R.dropped++;
	conn_release(c);
}

/* WebSocket frame parser: streams through payloads, keeps only what it needs */
static void ws_feed(struct conn *c, const uint8_t *p, size_t n, uint64_t now)
{
	while (n && c->fd >= 0) {
		if (!c->in_payload) {
			/* header: 2 bytes, then extended length and mask key if any */
			while (n && c->hdr_have < 2) {
				c->hdr[c->hdr_have++] = *p++;
				n--;
			}
			if (c->hdr_have < 2)
				return;
			uint8_t b1 = c->hdr[1], l7 = b1 & 0x7f;
			size_t need = 2 + (l7 == 126 ? 2 : l7 == 127 ? 8 : 0) + ((b1 & 0x80) ? 4 : 0);

			while (n && c->hdr_have < need) {
				c->hdr[c->hdr_have++] = *p++;
				n--;
			}
			if (c->hdr_have < need)
				return;
			uint8_t b0 = c->hdr[0];
			uint64_t len = l7;
			size_t at = 2;

			if (l7 == 126) {
				len = (uint64_t)c->hdr[2] << 8 | c->hdr[3];
				at = 4;
			} else if (l7 == 127) {
				len = 0;
				for (int i = 0; i < 8; i++)
					len = len << 8 | c->hdr[2 + i];
				at = 10;
			}
			c->f_masked = (b1 & 0x80) != 0;
			if (c->f_masked)
				memcpy(c->f_mask, c->hdr + at, 4);
			c->f_fin = (b0 & 0x80) != 0;
			c->f_op = b0 & 0x0f;
			if (b0 & 0x70) {
				protocol_error(c, "RSV bits set without an extension");
				return;
			}
			if (c->f_op >= 8) {
				if (!c->f_fin || len > 125) {
					protocol_error(c, "bad control frame");
					return;
				}
				c->ctl_have = 0;
			} else if (c->f_op == OP_CONT) {
				if (!c->msg_op) {
					protocol_error(c, "continuation without a message");
					return;
				}
			} else if (c->f_op == OP_TEXT || c->f_op == OP_BINARY) {
				if (c->msg_op) {
					protocol_error(c, "new message inside a fragmented one");
					return;
				}
				c->msg_op = c->f_op;
				c->msg_len = 0;
				c->prefix_have = 0;
			} else {
				protocol_error(c, "unknown opcode");
				return;
			}
			c->f_remaining = len;
			c->f_off = 0;
			c->in_payload = 1;
			c->hdr_have = 0;
		}

		/* payload */
		size_t k = n < c->f_remaining ? n : (size_t)c->f_remaining;
		if (c->f_op >= 8) {
			for (size_t i = 0; i < k; i++)
				c->ctl[c->ctl_have++] = p[i] ^ (c->f_masked ? c->f_mask[(c->f_off + i) & 3] : 0);
		} else {
			if (c->prefix_have < PREFIX_MAX) {
				size_t want = PREFIX_MAX - c->prefix_have;
				size_t t = k < want ? k : want;

				for (size_t i = 0; i < t; i++)
					c->prefix[c->prefix_have + i] =
						p[i] ^ (c->f_masked ? c->f_mask[(c->f_off + i) & 3] : 0);
				c->prefix_have = (uint8_t)(c->prefix_have + t);
			}
			c->msg_len += k;
		}
		p += k;
		n -= k;
		c->f_off += k;
		c->f_remaining -= k;
		if (c->f_remaining)
			return; /* the frame goes on in the next read */
		c->in_payload = 0;
		if (c->f_op >= 8) {
			on_control(c, now);
		} else if (c->f_fin) {
			int op = c->msg_op;

			c->msg_op = 0;
			on_message(c, op, c->msg_len, now);
		}
	}
}

/* raw TCP echo: fixed-size records */
static void raw_feed(struct conn *c, const uint8_t *p, size_t n, uint64_t now)
{
	while (n && c->fd >= 0) {
		size_t want = R.msg_len - c->raw_have;
		size_t k = n < want ? n : want;

		if (c->raw_have < PREFIX_MAX) {
			size_t t = PREFIX_MAX - c->raw_have;

			if (t > k)
				t = k;
			memcpy(c->prefix + c->raw_have, p, t);
		}
		c->raw_have += k;
		p += k;
		n -= k;
		if (c->raw_have == R.msg_len) {
			c->raw_have = 0;
			c->prefix_have = (uint8_t)(R.msg_len < PREFIX_MAX ? R.msg_len : PREFIX_MAX);
			on_message(c, R.data_op, R.msg_len, now);
		}
	}
}

static void feed(struct conn *c, const uint8_t *buf, size_t n, uint64_t now)
{
	if (G.mode == MODE_RAW)
		raw_feed(c, buf, n, now);
	else
		ws_feed(c, buf, n, now);
}

static void on_eof(struct conn *c)
{
	if (c->state == CS_CONNECTING || c->state == CS_HANDSHAKE) {
		conn_fail_setup(c, "connection closed during the handshake");
		return;
	}
	if (c->state == CS_OPEN) {
		note_error("server closed a connection without a close frame");
		R.dropped++;
	}
	conn_release(c);
}

static void do_read(struct conn *c)
{
	for (int i = 0; i < READS_PER_EVENT; i++) {
		ssize_t n = conn_read(c, R.rbuf, RBUF_SIZE);

		R.n_reads++;
		if (n > 0) {
			uint64_t t = now_ns();

			if (c->state == CS_HANDSHAKE)
				on_handshake_data(c, R.rbuf, (size_t)n, t);
			else if (c->state == CS_OPEN || c->state == CS_CLOSING)
				feed(c, R.rbuf, (size_t)n, t);
			/* a short read() emptied the socket; TLS returns a record at a time, so
			 * it goes on until EAGAIN */
			if (c->fd < 0 || (n < RBUF_SIZE && !c->tls))
				return;
			continue;
		}
		if (n == 0) {
			on_eof(c);
			return;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return;
		if (c->state == CS_CONNECTING || c->state == CS_HANDSHAKE) {
			char why[96];

			snprintf(why, sizeof(why), "read: %s", strerror(errno));
			conn_fail_setup(c, why);
		} else {
			if (c->state == CS_OPEN) {
				note_error("read: %s", strerror(errno));
				R.dropped++;
			}
			conn_release(c);
		}
		return;
	}
	/* still more to read: come back on the next turn (edge-triggered) */
	if (!c->reread) {
		c->reread = 1;
		R.rearm[R.nrearm++] = c;
	}
}

/* ------------------------------------------------------------------------------------ */
/* per-mode behaviour                                                                     */

static int in_window(uint64_t t)
{
	return t >= R.t_meas_start && t < R.t_meas_end;
}

static void fan_pump(uint64_t now);

static void handshake_done(struct conn *c, uint64_t now)
{
	R.pending--;
	R.opened++;
	R.t_last_open = now;
	c->state = CS_OPEN;
	hist_add(&R.hs_lat, since(now, c->t_start));
	if (G.mode == MODE_CONNECT) {
		R.handshakes++;
		if (in_window(now))
			R.meas_handshakes++;
		send_close(c, 1000);
	}
}

static uint64_t decode_ts(struct conn *c, uint64_t now)
{
	uint64_t ts;

	if (c->prefix_have < TS_DIGITS || get_hex(c->prefix, TS_DIGITS, &ts) < 0 || ts > now ||
	    ts < R.t_begin) {
		R.bad++;
		return 0;
	}
	return ts;
}

static void on_message(struct conn *c, int op, uint64_t len, uint64_t now)
{
	R.total_recv++;
	switch (G.mode) {
	case MODE_ECHO:
	case MODE_RAW: {
		if (op != R.data_op || len != R.msg_len)
			R.bad++;
		uint64_t ts = decode_ts(c, now);
		if (c->inflight)
			c->inflight--;
		if (in_window(now)) {
			R.meas_msgs++;
			if (ts)
				hist_add(&R.lat, now - ts);
		}
		/* refill the window once `batch` slots are free: one write carries them all */
		if (R.sending && G.rate <= 0 && now < R.t_meas_end &&
		    c->inflight + (uint32_t)G.batch <= (uint32_t)G.window) {
			while (c->inflight < (uint32_t)G.window) {
				send_message(c, now, 0, 0);
				c->inflight++;
			}
		}
		break;
	}
	case MODE_FANOUT: {
		uint64_t ts = decode_ts(c, now), seq;

		if (c->role == ROLE_SENDER) {
			R.sender_echoes++;
			break;
		}
		if (op != R.data_op || len != R.msg_len)
			R.bad++;
		if (c->prefix_have < PREFIX_MAX || get_hex(c->prefix + TS_DIGITS, SEQ_DIGITS, &seq) < 0) {
			R.bad++;
			break;
		}
		if (in_window(now)) {
			R.meas_msgs++;
			if (ts)
				hist_add(&R.lat, now - ts);
		}
		/* the sequence number is 32 bits on the wire; extend it next to next_seq */
		uint64_t full = (R.next_seq & ~0xffffffffULL) | seq;
		if (full >= R.next_seq && full >= 0x100000000ULL)
			full -= 0x100000000ULL;
		struct fan_slot *s = &R.ring[full & (FAN_RING - 1)];
		if (s->seq == full && !s->done && ++s->got >= (uint32_t)G.conns) {
			s->done = 1;
			R.incomplete--;
			fan_pump(now);
		}
		break;
	}
	default:
		/* connect and idle modes do not expect data messages */
		break;
	}
}

/* fanout: sender keeps up to W incomplete messages; optional fixed rate */
static void fan_send_one(uint64_t ts)
{
	uint64_t seq = R.next_seq++;
	struct fan_slot *s = &R.ring[seq & (FAN_RING - 1)];

	s->seq = seq;
	s->t_sent = ts;
	s->got = 0;
	s->done = 0;
	R.incomplete++;
	if (in_window(ts))
		R.meas_sent++;
	send_message(R.sender, ts, 1, seq & 0xffffffffULL);
}

static void fan_pump(uint64_t now)
{
	if (!R.sending || !R.sender || R.sender->state != CS_OPEN || now >= R.t_meas_end)
		return;
	for (int guard = 0; guard < 100000; guard++) {
		if (R.incomplete >= (uint32_t)G.window || R.next_seq - R.oldest_seq >= FAN_RING - 1)
			return;
		if (G.rate > 0) {
			uint64_t due = R.t_begin + (uint64_t)((double)R.rate_k * 1e9 / G.rate);

			if (due > now)
				return;
			if (now - due > NS_PER_MS)
				R.late++;
			R.rate_k++;
			fan_send_one(due);
		} else {
			fan_send_one(now);
		}
	}
}

/* retire finished fanout messages; give up on ones older than 2 s */
static void fan_retire(uint64_t now)
{
	for (int guard = 0; guard < (int)FAN_RING && R.oldest_seq < R.next_seq; guard++) {
		struct fan_slot *s = &R.ring[R.oldest_seq & (FAN_RING - 1)];

		if (!s->done) {
			if (since(now, s->t_sent) < 2 * NS_PER_S)
				break;
			R.lost += (uint64_t)G.conns - s->got;
			s->done = 1;
			R.incomplete--;
		}
		R.oldest_seq++;
	}
}

/* echo at a fixed total rate: message k is due at t_begin + k / rate */
static uint64_t rate_pump(uint64_t now)
{
	for (int guard = 0; guard < 100000; guard++) {
		uint64_t due = R.t_begin + (uint64_t)((double)R.rate_k * 1e9 / G.rate);

		if (due >= R.t_meas_end)
			return UINT64_MAX;
		if (due > now)
			return due;
		struct conn *c = NULL;
		for (int i = 0; i < R.nconns; i++) {
			struct conn *cand = &R.conns[(R.rr + i) % R.nconns];

			if (cand->state == CS_OPEN && cand->inflight < (uint32_t)G.window) {
				c = cand;
				R.rr = (int)(cand - R.conns + 1) % R.nconns;
				break;
			}
		}
		if (!c)
			return now + 50000; /* every window full: retry soon, the message stays due */
		if (now - due > NS_PER_MS)
			R.late++;
		send_message(c, due, 0, 0);
		c->inflight++;
		R.rate_k++;
	}
	return now;
}

/* ------------------------------------------------------------------------------------ */
/* event loop                                                                             */

static int wait_events(struct epoll_event *evs, uint64_t timeout_ns)
{
#ifdef SYS_epoll_pwait2
	static int no_pwait2;
	if (!no_pwait2) {
		struct timespec ts = { .tv_sec = (time_t)(timeout_ns / NS_PER_S),
				       .tv_nsec = (long)(timeout_ns % NS_PER_S) };
		long r = syscall(SYS_epoll_pwait2, R.ep, evs, MAX_EVENTS, &ts, NULL, 0);

		if (r >= 0 || errno != ENOSYS)
			return (int)r;
		no_pwait2 = 1;
	}
#endif
	return epoll_wait(R.ep, evs, MAX_EVENTS, (int)((timeout_ns + NS_PER_MS - 1) / NS_PER_MS));
}

/*
 * One turn: wait (at most timeout_ns), handle every event, then write what the turn
 * produced, one write per connection. Returns the time after the turn.
 */
static uint64_t turn(uint64_t timeout_ns)
{
	static struct epoll_event evs[MAX_EVENTS];

	if (R.nrearm)
		timeout_ns = 0;
	int n = wait_events(evs, timeout_ns);
	R.n_waits++;
	R.last_events = n > 0 ? n : 0;
	if (n < 0 && errno != EINTR)
		die("epoll_wait: %s", strerror(errno));
	uint64_t now = now_ns();

	/* connections whose last read stopped early */
	int nre = R.nrearm;
	R.nrearm = 0;
	for (int i = 0; i < nre; i++) {
		struct conn *c = R.rearm[i];

		c->reread = 0;
		if (c->fd >= 0)
			do_read(c);
	}
	for (int i = 0; i < n; i++) {
		struct conn *c = evs[i].data.ptr;
		uint32_t e = evs[i].events;

		if (c->fd < 0)
			continue;
		if (c->state == CS_CONNECTING) {
			if (c->tls_handshake)
				tls_step(c);
			else if (e & (EPOLLOUT | EPOLLERR | EPOLLHUP))
				on_connected(c, now);
			if (c->fd < 0 || c->tls_handshake)
				continue;
		}
		if (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			do_read(c);
		if (c->fd >= 0 && (e & EPOLLOUT) && c->out_len > c->out_off)
			mark_dirty(c);
	}
	return now;
}

/* close connections whose handshake or closing handshake takes too long */
static void check_timeouts(uint64_t now)
{
	uint64_t hs_limit = (uint64_t)(G.connect_timeout * 1e9);

	for (int i = 0; i < R.nconns; i++) {
		struct conn *c = &R.conns[i];

		if ((c->state == CS_CONNECTING || c->state == CS_HANDSHAKE) && since(now, c->t_start) > hs_limit)
			conn_fail_setup(c, "handshake timed out");
		else if (c->state == CS_CLOSING && since(now, c->t_close) > NS_PER_S)
			conn_release(c);
	}
}

static void rusage_mark(int end, uint64_t now)
{
	if (!end && !R.ru_started) {
		getrusage(RUSAGE_SELF, &R.ru_start);
		R.ru_t_start = now;
		R.ru_started = 1;
	} else if (end && R.ru_started && !R.ru_ended) {
		getrusage(RUSAGE_SELF, &R.ru_end);
		R.ru_t_end = now;
		R.ru_ended = 1;
	}
}

static double tv_s(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static void gen_cpu(double *user, double *sys, double *pct)
{
	if (!R.ru_started) {
		*user = *sys = *pct = 0;
		return;
	}
	if (!R.ru_ended) {
		getrusage(RUSAGE_SELF, &R.ru_end);
		R.ru_t_end = now_ns();
	}
	*user = tv_s(R.ru_end.ru_utime) - tv_s(R.ru_start.ru_utime);
	*sys = tv_s(R.ru_end.ru_stime) - tv_s(R.ru_start.ru_stime);
	double wall = (double)(R.ru_t_end - R.ru_t_start) / 1e9;
	*pct = wall > 0 ? 100.0 * (*user + *sys) / wall : 0;
}

static void check_deadline(uint64_t now)
{
	if (now > R.hard_deadline)
		die("run exceeded its time bound; giving up");
}

/* open conns[from..to) with at most K handshakes in flight; returns when all are done */
static void open_all(int from, int to, int role)
{
	int k = G.concurrency > 0 ? G.concurrency : 256;
	uint64_t next_tick = now_ns() + TICK_NS;

	R.next_open = from;
	for (uint64_t guard = 0; guard < 100000000ULL; guard++) {
		uint64_t now = now_ns();

		check_deadline(now);
		if (g_stop)
			return;
		for (int g = 0; R.pending < k && R.next_open < to && g < 100000; g++) {
			struct conn *c = &R.conns[R.next_open++];

			conn_start(c, now);
			c->role = (uint8_t)role;
		}
		flush_dirty();
		if (R.next_open >= to && R.pending == 0)
			return;
		now = turn(next_tick > now ? next_tick - now : 0);
		flush_dirty();
		if (now >= next_tick) {
			check_timeouts(now);
			next_tick = now + TICK_NS;
		}
	}
}

/* after the measured interval: stop sending, let in-flight messages come home, close */
static void wind_down(double drain_s)
{
	uint64_t now = now_ns(), end = now + (uint64_t)(drain_s * 1e9);

	R.sending = 0;
	for (int guard = 0; guard < 100000 && now < end; guard++) {
		uint64_t out = 0;

		if (G.mode == MODE_ECHO || G.mode == MODE_RAW) {
			for (int i = 0; i < R.nconns; i++)
				if (R.conns[i].state == CS_OPEN)
					out += R.conns[i].inflight;
		} else if (G.mode == MODE_FANOUT) {
			fan_retire(now);
			out = R.incomplete;
		}
		if (!out)
			break;
		now = turn(10 * NS_PER_MS);
		flush_dirty();
	}
	/* closing handshake: ours, then wait for the server's close or EOF */
	for (int i = 0; i < R.nconns; i++) {
		struct conn *c = &R.conns[i];

		if (c->state == CS_OPEN) {
			if (G.mode == MODE_RAW) {
				conn_release(c);
			} else {
				send_close(c, 1000);
			}
		} else if (c->state == CS_CONNECTING || c->state == CS_HANDSHAKE) {
			conn_release(c);
		}
	}
	flush_dirty();
	end = now_ns() + NS_PER_S;
	for (int guard = 0; guard < 100000; guard++) {
		int open = 0;

		for (int i = 0; i < R.nconns; i++)
			open += R.conns[i].fd >= 0;
		if (!open || now_ns() >= end)
			break;
		turn(10 * NS_PER_MS);
		flush_dirty();
	}
	for (int i = 0; i < R.nconns; i++)
		if (R.conns[i].fd >= 0)
			conn_release(&R.conns[i]);
}

static int count_open(void)
{
	int open = 0;

	for (int i = 0; i < R.nconns; i++)
		open += R.conns[i].state == CS_OPEN;
	return open;
}

/* hold the connections up for settle_s, answering pings, so servers register them */
static void settle(double settle_s)
{
	uint64_t end = now_ns() + (uint64_t)(settle_s * 1e9);

	for (int guard = 0; guard < 100000; guard++) {
		uint64_t now = now_ns();

		if (now >= end || g_stop)
			break;
		turn(end - now);
		flush_dirty();
	}
}

/* the measured part of echo, raw and fanout */
static void run_load(void)
{
	uint64_t now = now_ns();
	uint64_t next_tick = now + TICK_NS;

	R.t_begin = now;
	R.t_meas_start = now + (uint64_t)(G.warmup * 1e9);
	R.t_meas_end = R.t_meas_start + (uint64_t)(G.duration * 1e9);
	R.hard_deadline = R.t_meas_end + (uint64_t)(30 * NS_PER_S);
	R.sending = 1;
	if (G.warmup <= 0)
		rusage_mark(0, now);

	if (G.mode == MODE_FANOUT) {
		fan_pump(now);
	} else if (G.rate <= 0) {
		for (int i = 0; i < R.nconns; i++) {
			struct conn *c = &R.conns[i];

			for (int w = 0; c->state == CS_OPEN && w < G.window; w++) {
				send_message(c, now, 0, 0);
				c->inflight++;
			}
		}
	}
	flush_dirty();

	for (uint64_t guard = 0; guard < 1000000000ULL; guard++) {
		uint64_t wake = next_tick < R.t_meas_end ? next_tick : R.t_meas_end;

		if (G.rate > 0)
			now = now_ns();
		if (G.mode != MODE_FANOUT && G.rate > 0) {
			uint64_t due = rate_pump(now);

			if (due < wake)
				wake = due;
		} else if (G.mode == MODE_FANOUT && G.rate > 0) {
			fan_pump(now);
			uint64_t due = R.t_begin + (uint64_t)((double)R.rate_k * 1e9 / G.rate);

			if (due > now && due < wake)
				wake = due;
		}
		flush_dirty();
		if (!R.ru_started && now >= R.t_meas_start)
			rusage_mark(0, now);
		if (now >= R.t_meas_end || g_stop)
			break;
		check_deadline(now);
		uint64_t until = wake > now ? wake - now : 0;
		uint64_t spin_ns = (uint64_t)(G.spin_us * 1000);

		if (G.rate > 0 && until <= spin_ns) {
			/*
			 * Fixed rate: the last stretch before a message is due is spent polling,
			 * not sleeping, since a timed sleep can wake up hundreds of microseconds
			 * late and that would count as latency. The time spent so is reported.
			 */
			uint64_t t = turn(0);

			if (!R.last_events && in_window(t))
				R.spin_ns += t - now;
			now = t;
		} else {
			now = turn(G.rate > 0 ? until - spin_ns : until);
		}
		if (now >= next_tick) {
			next_tick = now + TICK_NS;
			if (G.mode == MODE_FANOUT) {
				fan_retire(now);
				fan_pump(now);
			}
			if (!count_open()) {
				note_error("every connection was lost");
				break;
			}
		}
	}
	rusage_mark(1, now_ns());
	if (g_stop && now < R.t_meas_end)
		R.t_meas_end = now;
}

/* ------------------------------------------------------------------------------------ */
/* reports                                                                                */

static double us(uint64_t ns)
{
	return (double)ns / 1000.0;
}

static void print_latency_kv(const char *pfx, const struct hist *h)
{
	printf(" %sp50_us=%.1f %sp90_us=%.1f %sp99_us=%.1f %sp999_us=%.1f %smax_us=%.1f",
	       pfx, us(hist_pct(h, 50)), pfx, us(hist_pct(h, 90)), pfx, us(hist_pct(h, 99)),
	       pfx, us(hist_pct(h, 99.9)), pfx, us(h->max));
}

static void print_common_kv(double cu, double cs, double cpct)
{
	if (G.rate > 0 && (G.mode == MODE_ECHO || G.mode == MODE_RAW || G.mode == MODE_FANOUT)) {
		double wall = R.ru_t_end > R.ru_t_start ? (double)(R.ru_t_end - R.ru_t_start) : 0;
		double spin = wall > 0 ? 100.0 * (double)R.spin_ns / wall : 0;

		printf(" gen_spin_pct=%.1f gen_busy_pct=%.1f", spin, cpct > spin ? cpct - spin : 0);
	}
	if (G.tls)
		printf(" tls=%s", R.tls_name[0] ? R.tls_name : "none");
	printf(" gen_cpu_pct=%.1f gen_user_s=%.3f gen_sys_s=%.3f gen_reads=%" PRIu64 " gen_writes=%" PRIu64
	       " gen_waits=%" PRIu64 " errors=%" PRIu64 " dropped=%" PRIu64 " first_error=%s\n",
	       cpct, cu, cs, R.n_reads, R.n_writes, R.n_waits, R.errors, R.dropped,
	       R.first_error[0] ? R.first_error : "-");
	fflush(stdout);
}

static void report_load(void)
{
	double cu, cs, cpct;
	double secs = (double)(R.t_meas_end - R.t_meas_start) / 1e9;
	double per_s = secs > 0 ? (double)R.meas_msgs / secs : 0;
	const char *type = G.text ? "text" : "binary";

	gen_cpu(&cu, &cs, &cpct);
	if (G.mode == MODE_FANOUT) {
		double msgs_s = secs > 0 ? (double)R.meas_sent / secs : 0;

		fprintf(stderr,
			"loadgen[%s] fanout %zu B %s to %d receivers, window %d%s: %.0f deliveries/s "
			"(%.0f messages/s), latency p50 %.1f us p99 %.1f us p99.9 %.1f us; "
			"lost %" PRIu64 "; generator CPU %.0f%%%s\n",
			G.label, G.size, type, G.conns, G.window, G.rate > 0 ? " (fixed rate)" : "",
			per_s, msgs_s, us(hist_pct(&R.lat, 50)), us(hist_pct(&R.lat, 99)),
			us(hist_pct(&R.lat, 99.9)), R.lost, cpct,
			cpct > 90 ? " -- WARNING: the generator may be the bottleneck" : "");
		printf("RESULT mode=fanout label=%s receivers=%d window=%d size=%zu type=%s rate_target=%.0f"
		       " duration_s=%.3f msgs_sent=%" PRIu64 " msgs_per_s=%.1f deliveries=%" PRIu64
		       " deliveries_per_s=%.1f lost=%" PRIu64 " bad=%" PRIu64 " late=%" PRIu64,
		       G.label, G.conns, G.window, G.size, type, G.rate, secs, R.meas_sent, msgs_s,
		       R.meas_msgs, per_s, R.lost, R.bad, R.late);
		print_latency_kv("", &R.lat);
		print_common_kv(cu, cs, cpct);
		return;
	}
	double mbps = per_s * (double)G.size / 1e6;

	fprintf(stderr,
		"loadgen[%s] %s %zu B %s, %d conns x window %d%s: %.0f round trips/s, %.1f MB/s, "
		"latency p50 %.1f us p99 %.1f us p99.9 %.1f us; generator CPU %.0f%%%s\n",
		G.label, mode_names[G.mode], G.size, type, G.conns, G.window,
		G.rate > 0 ? " (fixed rate)" : "", per_s, mbps, us(hist_pct(&R.lat, 50)),
		us(hist_pct(&R.lat, 99)), us(hist_pct(&R.lat, 99.9)), cpct,
		cpct > 90 ? " -- WARNING: the generator may be the bottleneck" : "");
	printf("RESULT mode=%s label=%s conns=%d window=%d batch=%d size=%zu type=%s wire_bytes=%zu rate_target=%.0f"
	       " duration_s=%.3f msgs=%" PRIu64 " rt_per_s=%.1f mb_per_s=%.3f bad=%" PRIu64
	       " late=%" PRIu64,
	       mode_names[G.mode], G.label, G.conns, G.window, G.rate > 0 ? 0 : G.batch, G.size, type,
	       G.mode == MODE_RAW ? R.msg_len : ws_client_frame_size(G.size), G.rate, secs,
	       R.meas_msgs, per_s, mbps, R.bad, R.late);
	print_latency_kv("", &R.lat);
	print_common_kv(cu, cs, cpct);
}

/* ------------------------------------------------------------------------------------ */
/* modes                                                                                  */

static void alloc_conns(int n)
{
	R.nconns = n;
	R.conns = calloc((size_t)n, sizeof(struct conn));
	R.dirty = calloc((size_t)n, sizeof(struct conn *));
	R.rearm = calloc((size_t)n, sizeof(struct conn *));
	if (!R.conns || !R.dirty || !R.rearm)
		die("out of memory for %d connections", n);
	for (int i = 0; i < n; i++) {
		R.conns[i].fd = -1;
		R.conns[i].state = CS_FREE;
	}
}

static int mode_load(void)
{
	int total = G.conns + (G.mode == MODE_FANOUT ? 1 : 0);
	uint64_t t0 = now_ns();

	alloc_conns(total);
	R.hard_deadline = t0 + (uint64_t)((G.connect_timeout + 5) * 1e9);
	open_all(0, G.conns, G.mode == MODE_FANOUT ? ROLE_RECEIVER : ROLE_ECHO);
	if (G.mode == MODE_FANOUT && !g_stop) {
		open_all(G.conns, total, ROLE_SENDER);
		R.sender = &R.conns[G.conns];
	}
	if (R.failed || g_stop) {
		fprintf(stderr, "loadgen[%s]: %d of %d connections failed to open (%s)\n", G.label,
			R.failed, total, R.first_error[0] ? R.first_error : "interrupted");
		printf("RESULT mode=%s label=%s status=failed opened=%d failed=%d first_error=%s\n",
		       mode_names[G.mode], G.label, R.opened, R.failed,
		       R.first_error[0] ? R.first_error : "-");
		return 1;
	}
	fprintf(stderr, "loadgen[%s]: %d connections open in %.2f s\n", G.label, total,
		(double)(now_ns() - t0) / 1e9);
	if (G.mode == MODE_FANOUT) {
		R.hard_deadline = now_ns() + (uint64_t)((G.settle + 5) * 1e9);
		settle(G.settle);
	}
	run_load();
	report_load();
	wind_down(1.0);
	return 0;
}

static int mode_connect(void)
{
	int k = G.concurrency > 0 ? G.concurrency : 32;
	uint64_t now = now_ns(), next_tick = now + TICK_NS;

	alloc_conns(k);
	R.t_begin = now;
	R.t_meas_start = now + (uint64_t)(G.warmup * 1e9);
	R.t_meas_end = R.t_meas_start + (uint64_t)(G.duration * 1e9);
	R.hard_deadline = R.t_meas_end + (uint64_t)((G.connect_timeout + 5) * 1e9);
	for (uint64_t guard = 0; guard < 1000000000ULL; guard++) {
		if (!R.ru_started && now >= R.t_meas_start) {
			rusage_mark(0, now);
			R.hs_lat = (struct hist){ 0 };
		}
		if (now >= R.t_meas_end || g_stop)
			break;
		if (G.max_total && (long)(R.opened + R.failed + R.pending) >= G.max_total && !R.pending)
			break;
		for (int i = 0; i < k; i++) {
			struct conn *c = &R.conns[i];

			if ((c->state == CS_FREE || c->state == CS_CLOSED) &&
			    (!G.max_total || (long)(R.opened + R.failed + R.pending) < G.max_total)) {
				conn_start(c, now);
				c->role = ROLE_ONESHOT;
			}
		}
		flush_dirty();
		check_deadline(now);
		uint64_t wake = next_tick < R.t_meas_end ? next_tick : R.t_meas_end;
		now = turn(wake > now ? wake - now : 0);
		flush_dirty();
		if (now >= next_tick) {
			check_timeouts(now);
			next_tick = now + TICK_NS;
		}
	}
	rusage_mark(1, now_ns());
	uint64_t end = now_ns();
	if (end < R.t_meas_end)
		R.t_meas_end = end;
	wind_down(0);

	double cu, cs, cpct;
	double secs = R.t_meas_end > R.t_meas_start ? (double)(R.t_meas_end - R.t_meas_start) / 1e9 : 0;
	double per_s = secs > 0 ? (double)R.meas_handshakes / secs : 0;
	gen_cpu(&cu, &cs, &cpct);
	fprintf(stderr,
		"loadgen[%s] connect, %d at a time: %.0f handshakes/s (handshake p50 %.1f us p99 %.1f us), "
		"%d failed; generator CPU %.0f%%\n",
		G.label, k, per_s, us(hist_pct(&R.hs_lat, 50)), us(hist_pct(&R.hs_lat, 99)), R.failed, cpct);
	printf("RESULT mode=connect label=%s concurrency=%d duration_s=%.3f handshakes=%" PRIu64
	       " handshakes_per_s=%.1f failed=%d",
	       G.label, k, secs, R.meas_handshakes, per_s, R.failed);
	print_latency_kv("hs_", &R.hs_lat);
	print_common_kv(cu, cs, cpct);
	return R.failed ? 1 : 0;
}

static int mode_idle(void)
{
	uint64_t t0 = now_ns();

	alloc_conns(G.conns);
	R.t_begin = t0;
	R.t_meas_start = t0;
	R.t_meas_end = UINT64_MAX;
	R.hard_deadline = t0 + (uint64_t)((G.connect_timeout + 5 + G.conns / 500.0) * 1e9);
	rusage_mark(0, t0);
	open_all(0, G.conns, ROLE_IDLE);
	uint64_t t_open = R.t_last_open ? R.t_last_open : now_ns();
	rusage_mark(1, now_ns());

	double cu, cs, cpct;
	double open_s = (double)(t_open - (R.t_first_connect ? R.t_first_connect : t0)) / 1e9;
	double per_s = open_s > 0 ? R.opened / open_s : 0;
	gen_cpu(&cu, &cs, &cpct);
	fprintf(stderr,
		"loadgen[%s] idle: %d of %d connections open in %.2f s, %.0f handshakes/s "
		"(handshake p50 %.1f us p99 %.1f us); generator CPU %.0f%%\n",
		G.label, R.opened, G.conns, open_s, per_s, us(hist_pct(&R.hs_lat, 50)),
		us(hist_pct(&R.hs_lat, 99)), cpct);
	printf("READY idle open=%d failed=%d\n", R.opened, R.failed);
	fflush(stdout);

	/* hold: answer pings, notice drops, until told to stop or --hold runs out */
	uint64_t hold_end = now_ns() + (uint64_t)(G.hold * 1e9);
	R.hard_deadline = hold_end + 30 * NS_PER_S;
	for (uint64_t guard = 0; guard < 100000000ULL && !g_stop; guard++) {
		uint64_t now = now_ns();

		if (now >= hold_end)
			break;
		now = turn(hold_end - now < 200 * NS_PER_MS ? hold_end - now : 200 * NS_PER_MS);
		flush_dirty();
	}
	double held = (double)(now_ns() - t_open) / 1e9;
	int still_open = count_open();

	printf("RESULT mode=idle label=%s conns=%d open=%d failed=%d src_addrs=%d concurrency=%d"
	       " open_s=%.3f handshakes_per_s=%.1f held_s=%.1f still_open=%d",
	       G.label, G.conns, R.opened, R.failed, G.src_addrs,
	       G.concurrency > 0 ? G.concurrency : 256, open_s, per_s, held, still_open);
	print_latency_kv("hs_", &R.hs_lat);
	print_common_kv(cu, cs, cpct);
	wind_down(0);
	return R.failed ? 1 : 0;
}

/* ------------------------------------------------------------------------------------ */
/* command line                                                                           */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: loadgen --mode echo|raw|fanout|connect|idle --port P [options]\n"
		"  --host 127.0.0.x      server address (only 127.0.0.x is accepted; default 127.0.0.1)\n"
		"  --ports P1,P2,...     instead of --port: connection i goes to the i-th port in turn\n"
		"                        (several servers; fanout: receivers spread, the sender on one)\n"
		"  --path PATH           request path (default / ; fanout: /broadcast)\n"
		"  --protocol NAME       send Sec-WebSocket-Protocol: NAME\n"
		"  -c, --conns N         connections (echo, raw, idle) or receivers (fanout); default 100\n"
		"  -w, --window W        messages in flight per connection (fanout: in total); default 16\n"
		"  --batch B             echo/raw: refill a connection's window once B messages are\n"
		"                        back, with one write (default W/4, at least 1)\n"
		"  -s, --size BYTES      payload bytes per message (>= 16, fanout >= 24); default 64\n"
		"  --text | --binary     frame type (default binary)\n"
		"  -d, --duration S      measured seconds (default 5)\n"
		"  --warmup S            unmeasured seconds before (default 1)\n"
		"  --rate R              fixed total rate in messages/s (echo, raw, fanout)\n"
		"  --spin-us U           fixed rate: poll, not sleep, the last U us before a due time (50)\n"
		"  --concurrency K       handshakes in flight while opening (default 256; connect: 32)\n"
		"  --max N               connect: stop after N connections\n"
		"  --src-addrs N         spread client sockets over 127.0.0.1..127.0.0.N (default 1)\n"
		"  --hold S              idle: hold at most S seconds after READY (default 600)\n"
		"  --settle S            fanout: pause after opening, before sending (default 0.3)\n"
		"  --connect-timeout S   per-handshake limit (default 30)\n"
		"  --raw-record BYTES    raw: record size (default: the WebSocket frame size for --size)\n"
		"  --tls                 wss: TLS 1.3 to the server (no certificate check)\n"
		"  --tls-ciphersuite S   the one TLS 1.3 suite offered (TLS_AES_128_GCM_SHA256)\n"
		"  --label NAME          copied into the output\n"
		"  --selftest            check SHA-1/base64 against RFC 6455 and exit\n");
}

static double parse_num(const char *opt, const char *v, double min, double max)
{
	char *end;
	double d = strtod(v, &end);

	if (!*v || *end || d < min || d > max)
		die("%s: expected a number in [%g, %g], got '%s'", opt, min, max, v);
	return d;
}

static int selftest(void)
{
	char out[32];

	ws_accept_for("dGhlIHNhbXBsZSBub25jZQ==", out);
	if (strcmp(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") != 0) {
		fprintf(stderr, "selftest: accept %s is wrong\n", out);
		return 1;
	}
	struct hist *h = calloc(1, sizeof(*h));
	if (!h)
		return 1;
	for (uint64_t v = 1; v <= 1000000; v++)
		hist_add(h, v * 1000);
	uint64_t p50 = hist_pct(h, 50), p99 = hist_pct(h, 99);
	free(h);
	if (p50 < 495000000ULL || p50 > 505000000ULL || p99 < 980000000ULL || p99 > 1000000000ULL) {
		fprintf(stderr, "selftest: histogram p50 %" PRIu64 " p99 %" PRIu64 "\n", p50, p99);
		return 1;
	}
	puts("selftest ok");
	return 0;
}

static void on_signal(int sig)
{
	(void)sig;
	g_stop = 1;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "host", required_argument, NULL, 'H' },
		{ "port", required_argument, NULL, 'p' },
		{ "ports", required_argument, NULL, 'O' },
		{ "path", required_argument, NULL, 'P' },
		{ "protocol", required_argument, NULL, 'X' },
		{ "conns", required_argument, NULL, 'c' },
		{ "window", required_argument, NULL, 'w' },
		{ "batch", required_argument, NULL, 'B' },
		{ "size", required_argument, NULL, 's' },
		{ "text", no_argument, NULL, 't' },
		{ "binary", no_argument, NULL, 'b' },
		{ "duration", required_argument, NULL, 'd' },
		{ "warmup", required_argument, NULL, 'W' },
		{ "rate", required_argument, NULL, 'r' },
		{ "spin-us", required_argument, NULL, 'U' },
		{ "concurrency", required_argument, NULL, 'k' },
		{ "max", required_argument, NULL, 'n' },
		{ "src-addrs", required_argument, NULL, 'a' },
		{ "hold", required_argument, NULL, 'o' },
		{ "settle", required_argument, NULL, 'S' },
		{ "connect-timeout", required_argument, NULL, 'T' },
		{ "raw-record", required_argument, NULL, 'R' },
		{ "label", required_argument, NULL, 'l' },
		{ "tls", no_argument, NULL, 'L' },
		{ "tls-ciphersuite", required_argument, NULL, 'C' },
		{ "selftest", no_argument, NULL, 'Z' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *host = "127.0.0.1";
	int opt;

	while ((opt = getopt_long(argc, argv, "c:w:s:d:h", lo, NULL)) != -1) {
		switch (opt) {
		case 'm': {
			int found = 0;

			for (size_t i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++)
				if (!strcmp(optarg, mode_names[i])) {
					G.mode = (enum mode)i;
					found = 1;
				}
			if (!found)
				die("unknown mode '%s'", optarg);
			break;
		}
		case 'H': host = optarg; break;
		case 'p': G.port = (int)parse_num("--port", optarg, 1, 65535); break;
		case 'O': {
			char *list = strdup(optarg), *save = NULL;

			if (!list)
				die("out of memory");
			for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
				if (G.nports == (int)(sizeof(G.ports) / sizeof(G.ports[0])))
					die("--ports takes at most %zu ports", sizeof(G.ports) / sizeof(G.ports[0]));
				G.ports[G.nports++] = (int)parse_num("--ports", t, 1, 65535);
			}
			free(list);
			if (G.nports)
				G.port = G.ports[0];
			break;
		}
		case 'P': G.path = optarg; break;
		case 'X': G.protocol = optarg; break;
		case 'c': G.conns = (int)parse_num("--conns", optarg, 1, 1000000); break;
		case 'w': G.window = (int)parse_num("--window", optarg, 1, 60000); break;
		case 'B': G.batch = (int)parse_num("--batch", optarg, 1, 60000); break;
		case 's': G.size = (size_t)parse_num("--size", optarg, 16, 64 << 20); break;
		case 't': G.text = 1; break;
		case 'b': G.text = 0; break;
		case 'd': G.duration = parse_num("--duration", optarg, 0.01, 86400); break;
		case 'W': G.warmup = parse_num("--warmup", optarg, 0, 3600); break;
		case 'r': G.rate = parse_num("--rate", optarg, 0, 1e9); break;
		case 'U': G.spin_us = parse_num("--spin-us", optarg, 0, 1e6); break;
		case 'k': G.concurrency = (int)parse_num("--concurrency", optarg, 1, 100000); break;
		case 'n': G.max_total = (long)parse_num("--max", optarg, 1, 1e12); break;
		case 'a': G.src_addrs = (int)parse_num("--src-addrs", optarg, 1, 254); break;
		case 'o': G.hold = parse_num("--hold", optarg, 0, 86400); break;
		case 'S': G.settle = parse_num("--settle", optarg, 0, 600); break;
		case 'T': G.connect_timeout = parse_num("--connect-timeout", optarg, 0.1, 3600); break;
		case 'R': G.raw_record = (size_t)parse_num("--raw-record", optarg, 16, 64 << 20); break;
		case 'l': G.label = optarg; break;
		case 'L': G.tls = 1; break;
		case 'C': G.tls_ciphersuite = optarg; break;
		case 'Z': return selftest();
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc)
		die("unexpected argument '%s'", argv[optind]);
	if (!G.port)
		die("--port is required (see --help)");
	if (inet_pton(AF_INET, host, &G.host) != 1 || (ntohl(G.host.s_addr) >> 8) != 0x7f0000)
		die("--host must be a 127.0.0.x address, got '%s'", host);
	inet_ntop(AF_INET, &G.host, G.host_str, sizeof(G.host_str));
	if (!G.path)
		G.path = G.mode == MODE_FANOUT ? "/broadcast" : "/";
	if (!G.batch)
		G.batch = G.window / 4 > 1 ? G.window / 4 : 1;
	if (G.batch > G.window)
		die("--batch cannot exceed --window");
	if (G.path[0] != '/' || strpbrk(G.path, " \r\n"))
		die("--path must start with / and contain no spaces");
	if (G.mode == MODE_FANOUT && G.size < PREFIX_MAX)
		die("fanout needs --size >= %d", PREFIX_MAX);
	if (G.label[0] == '\0' || strpbrk(G.label, " \t\r\n="))
		die("--label must be one word without '='");
	if (G.mode == MODE_CONNECT && G.warmup == 1.0)
		G.warmup = 0; /* no warm-up unless asked for */
	if (G.tls && G.mode == MODE_RAW)
		die("--tls is for WebSocket modes (raw has no TLS server to talk to)");
	if (G.tls)
		loadgen_tls_init(G.tls_ciphersuite);

	/* room for every socket: raise the soft descriptor limit to the hard one */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && G.mode != MODE_CONNECT &&
	    (rlim_t)G.conns + 16 > rl.rlim_cur)
		die("%d connections need more than the %llu open files this process may have", G.conns,
		    (unsigned long long)rl.rlim_cur);

	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* last-resort watchdog: nothing here may outlive its time bound */
	double bound = G.connect_timeout + G.warmup + G.duration + G.settle + 60;
	if (G.mode == MODE_IDLE)
		bound += G.hold + G.conns / 500.0;
	alarm((unsigned)(bound < 1e6 ? bound : 1e6));

	/* timed waits as exact as the kernel can make them (default slack is 50 us) */
	prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	rng_state = now_ns() ^ ((uint64_t)getpid() << 32) ^ 0x9E3779B97F4A7C15ULL;
	R.ep = epoll_create1(EPOLL_CLOEXEC);
	if (R.ep < 0)
		die("epoll_create1: %s", strerror(errno));
	R.rbuf = malloc(RBUF_SIZE);
	R.data_op = G.text ? OP_TEXT : OP_BINARY;
	R.msg_len = G.mode == MODE_RAW ? (G.raw_record ? G.raw_record : ws_client_frame_size(G.size))
				       : G.size;
	R.tmpl = malloc(R.msg_len);
	if (!R.rbuf || !R.tmpl)
		die("out of memory");
	for (size_t i = 0; i < R.msg_len; i++)
		R.tmpl[i] = (uint8_t)('a' + i % 26);
	if (G.mode == MODE_FANOUT) {
		R.ring = calloc(FAN_RING, sizeof(*R.ring));
		if (!R.ring)
			die("out of memory");
		for (uint32_t i = 0; i < FAN_RING; i++)
			R.ring[i].seq = UINT64_MAX;
	}

	switch (G.mode) {
	case MODE_CONNECT:
		return mode_connect();
	case MODE_IDLE:
		return mode_idle();
	default:
		return mode_load();
	}
}
