/*
 * c-lws-server - a plain C echo + broadcast server on libwebsockets, the baseline
 * lwsj is measured against.
 *
 * It is written the way libwebsockets' minimal examples are: one protocol with a
 * per-session struct, a per-connection queue of messages (each copied with LWS_PRE
 * bytes of headroom), exactly one lws_write() per WRITEABLE callback, and
 * lws_rx_flow_control() when an echo queue fills up. Broadcast copies the message into
 * the queue of every /broadcast connection and asks for WRITEABLE on all of them with
 * lws_callback_on_writable_all_protocol(). The queue is allocated when a connection
 * first needs it and grows to QUEUE_LEN, so an idle connection costs only lws's own
 * state.
 *
 * Left at lws's defaults on purpose: the default event loop (poll), pt_serv_buf_size
 * (4096 bytes read per system call; --serv-buf changes it). rx_buffer_size is 64 KiB so
 * that a 16 KiB message arrives in one RECEIVE, as it does for lwsj's echo example.
 *
 *   any path but /broadcast   every message comes back, text as text, binary as binary
 *                             (fragmented messages come back with the same fragments)
 *   /broadcast                every message any /broadcast client sends goes to every
 *                             /broadcast client, the sender included
 *
 * usage: c-lws-server --port P [--host 127.0.0.1] [--serv-buf BYTES] [--verbose]
 * Prints "c-lws-server ... listening on HOST:PORT" once it accepts connections.
 *
 * Everything below runs on the one thread that calls lws_service(), except the
 * signal handler, which only sets a flag.
 */
#include <libwebsockets.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define QUEUE_MIN 16           /* a connection's queue starts this long when first used */
#define QUEUE_LEN 256          /* and grows up to this many messages */
#define FLOW_OFF_AT (QUEUE_LEN - 16)
#define FLOW_ON_AT (QUEUE_LEN / 4)
#define MAX_MESSAGE (16 * 1024 * 1024)

struct msg {
	unsigned char *buf;    /* LWS_PRE bytes of headroom, then the payload */
	size_t len;
	unsigned char binary;
	unsigned char first;
	unsigned char final;
};

/* one per connection (lws allocates and zeroes it) */
struct pss {
	struct pss *pss_list;  /* next /broadcast connection of this vhost */
	struct lws *wsi;
	struct msg *q;         /* ring of q_cap messages, allocated on first use */
	unsigned int q_cap;
	unsigned int head, tail; /* q[tail % q_cap] is the next to write; head == tail: empty */
	unsigned char broadcast;
	unsigned char flow_off;
	/* broadcast: a fragmented message is put together before it goes out */
	unsigned char *asm_buf;
	size_t asm_len, asm_cap;
	unsigned char asm_binary;
};

/* one per vhost */
struct vhd {
	struct pss *pss_list;  /* every /broadcast connection */
	unsigned long dropped; /* broadcast copies refused by full queues */
};

static volatile sig_atomic_t interrupted;

static unsigned int q_used(const struct pss *p)
{
	return p->head - p->tail;
}

/* makes room for one more message: allocates or doubles the ring; -1 if it cannot */
static int q_grow(struct pss *p)
{
	unsigned int used = q_used(p), cap = p->q_cap ? p->q_cap * 2 : QUEUE_MIN;
	struct msg *nq;

	if (used < p->q_cap)
		return 0;
	if (cap > QUEUE_LEN)
		return -1;
	nq = calloc(cap, sizeof(*nq));
	if (!nq)
		return -1;
	for (unsigned int i = 0; i < used; i++)
		nq[i] = p->q[(p->tail + i) % p->q_cap];
	free(p->q);
	p->q = nq;
	p->q_cap = cap;
	p->tail = 0;
	p->head = used;
	return 0;
}

/* copies a message into a connection's queue; -1 if the queue is full or no memory */
static int q_push(struct pss *p, const void *data, size_t len, int binary, int first, int final)
{
	struct msg *m;

	if (q_grow(p))
		return -1;
	m = &p->q[p->head % p->q_cap];
	m->buf = malloc(LWS_PRE + len + 1);
	if (!m->buf)
		return -1;
	if (len)
		memcpy(m->buf + LWS_PRE, data, len);
	m->len = len;
	m->binary = (unsigned char)binary;
	m->first = (unsigned char)first;
	m->final = (unsigned char)final;
	p->head++;
	return 0;
}

static void q_pop(struct pss *p)
{
	struct msg *m = &p->q[p->tail % p->q_cap];

	free(m->buf);
	m->buf = NULL;
	p->tail++;
}

static void q_clear(struct pss *p)
{
	while (q_used(p))
		q_pop(p);
	free(p->q);
	p->q = NULL;
	p->q_cap = 0;
	free(p->asm_buf);
	p->asm_buf = NULL;
	p->asm_len = p->asm_cap = 0;
}

static int is_broadcast_path(struct lws *wsi)
{
	char uri[256];
	int n = lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI);

	return n > 0 && !strcmp(uri, "/broadcast");
}

/* a complete broadcast message: one copy into every /broadcast connection's queue */
static void broadcast(struct lws *wsi, struct vhd *vhd, const void *data, size_t len, int binary)
{
	lws_start_foreach_llp(struct pss **, ppss, vhd->pss_list) {
		if (q_push(*ppss, data, len, binary, 1, 1))
			vhd->dropped++;
	} lws_end_foreach_llp(ppss, pss_list);
	lws_callback_on_writable_all_protocol(lws_get_context(wsi), lws_get_protocol(wsi));
}

static int on_receive(struct lws *wsi, struct pss *pss, struct vhd *vhd, void *in, size_t len)
{
	int first = lws_is_first_fragment(wsi), final = lws_is_final_fragment(wsi);
	int binary = lws_frame_is_binary(wsi);

	if (!pss->broadcast) {
		/* echo: fragment by fragment, with the same flags */
		if (q_push(pss, in, len, binary, first, final)) {
			lwsl_err("%s: echo queue full or out of memory\n", __func__);
			return -1;
		}
		if (q_used(pss) >= FLOW_OFF_AT && !pss->flow_off) {
			pss->flow_off = 1;
			lws_rx_flow_control(wsi, 0);
		}
		lws_callback_on_writable(wsi);
		return 0;
	}

	if (first && final) {
		broadcast(wsi, vhd, in, len, binary);
		return 0;
	}
	if (first) {
		pss->asm_len = 0;
		pss->asm_binary = (unsigned char)binary;
	}
	if (pss->asm_len + len > pss->asm_cap) {
		size_t cap = pss->asm_cap ? pss->asm_cap : 4096;
		unsigned char *nb;

		while (cap < pss->asm_len + len)
			cap *= 2;
		if (cap > MAX_MESSAGE)
			return -1;
		nb = realloc(pss->asm_buf, cap);
		if (!nb)
			return -1;
		pss->asm_buf = nb;
		pss->asm_cap = cap;
	}
	memcpy(pss->asm_buf + pss->asm_len, in, len);
	pss->asm_len += len;
	if (final)
		broadcast(wsi, vhd, pss->asm_buf, pss->asm_len, pss->asm_binary);
	return 0;
}

/* exactly one lws_write per WRITEABLE, as lws requires */
static int on_writeable(struct lws *wsi, struct pss *pss)
{
	struct msg *m;
	int flags, n;

	if (!q_used(pss))
		return 0;
	m = &pss->q[pss->tail % pss->q_cap];
	flags = lws_write_ws_flags(m->binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT, m->first, m->final);
	n = lws_write(wsi, m->buf + LWS_PRE, m->len, (enum lws_write_protocol)flags);
	if (n < (int)m->len) {
		lwsl_err("%s: lws_write failed\n", __func__);
		return -1;
	}
	q_pop(pss);
	if (pss->flow_off && q_used(pss) <= FLOW_ON_AT) {
		pss->flow_off = 0;
		lws_rx_flow_control(wsi, 1);
	}
	if (q_used(pss))
		lws_callback_on_writable(wsi);
	return 0;
}

static int callback_bench(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
			  size_t len)
{
	struct pss *pss = (struct pss *)user;
	struct vhd *vhd = (struct vhd *)lws_protocol_vh_priv_get(lws_get_vhost(wsi),
								 lws_get_protocol(wsi));

	switch (reason) {
	case LWS_CALLBACK_PROTOCOL_INIT:
		vhd = lws_protocol_vh_priv_zalloc(lws_get_vhost(wsi), lws_get_protocol(wsi),
						  sizeof(struct vhd));
		return vhd ? 0 : -1;

	case LWS_CALLBACK_PROTOCOL_DESTROY:
		if (vhd && vhd->dropped)
			fprintf(stderr, "c-lws-server: %lu broadcast copies dropped (full queues)\n",
				vhd->dropped);
		break;

	case LWS_CALLBACK_ESTABLISHED:
		pss->wsi = wsi;
		if (is_broadcast_path(wsi)) {
			pss->broadcast = 1;
			lws_ll_fwd_insert(pss, pss_list, vhd->pss_list);
		}
		break;

	case LWS_CALLBACK_CLOSED:
		if (pss->broadcast)
			lws_ll_fwd_remove(struct pss, pss_list, pss, vhd->pss_list);
		q_clear(pss);
		break;

	case LWS_CALLBACK_RECEIVE:
		return on_receive(wsi, pss, vhd, in, len);

	case LWS_CALLBACK_SERVER_WRITEABLE:
		return on_writeable(wsi, pss);

	default:
		break;
	}
	/* plain HTTP requests on this (first) protocol get lws's default answers */
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
	/* first protocol: chosen when the client names no subprotocol */
	{ "lws-bench", callback_bench, sizeof(struct pss), 65536, 0, NULL, 0 },
	LWS_PROTOCOL_LIST_TERM
};

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

int main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	struct lws_context *context;
	const char *host = "127.0.0.1";
	int port = 0, serv_buf = 0, verbose = 0;
	struct rlimit rl;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--port") && i + 1 < argc) {
			port = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--host") && i + 1 < argc) {
			host = argv[++i];
		} else if (!strcmp(argv[i], "--serv-buf") && i + 1 < argc) {
			serv_buf = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--verbose")) {
			verbose = 1;
		} else {
			fprintf(stderr, "usage: c-lws-server --port P [--host 127.0.0.1] "
					"[--serv-buf BYTES] [--verbose]\n");
			return 2;
		}
	}
	if (port <= 0 || port > 65535) {
		fprintf(stderr, "c-lws-server: --port P is required\n");
		return 2;
	}

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	lws_set_log_level(verbose ? LLL_ERR | LLL_WARN | LLL_NOTICE : LLL_ERR, NULL);

	/* use every descriptor we may have, but size lws's fd table by it, not by a huge limit */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}

	memset(&info, 0, sizeof(info));
	info.port = port;
	info.iface = host;
	info.protocols = protocols;
	info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
	info.count_threads = 1;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		info.fd_limit_per_thread = (unsigned int)(rl.rlim_cur < 65536 ? rl.rlim_cur : 65536);
	if (serv_buf > 0)
		info.pt_serv_buf_size = (unsigned int)serv_buf;

	context = lws_create_context(&info);
	if (!context) {
		fprintf(stderr, "c-lws-server: lws_create_context failed (port %d in use?)\n", port);
		return 1;
	}
	printf("c-lws-server libwebsockets %s listening on %s:%d pid=%d\n", lws_get_library_version(),
	       host, port, (int)getpid());
	fflush(stdout);

	for (int n = 0; n >= 0 && !interrupted;)
		n = lws_service(context, 0);

	lws_context_destroy(context);
	return 0;
}
