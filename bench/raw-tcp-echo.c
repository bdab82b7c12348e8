/*
 * raw-tcp-echo - the loopback ceiling for lwsj's benchmarks.
 *
 * A single-threaded epoll TCP server that writes back every byte it reads: no
 * WebSocket handshake, no framing, no per-message work. Whatever a WebSocket server
 * achieves in bench/loadgen's echo mode can be compared with what loadgen's raw mode
 * gets from this server on the same machine and cores.
 *
 * Each readable event: read as much as is there (one large buffer), write it back
 * with one write. When the peer does not take everything, the rest waits in a
 * per-connection buffer and reading from that connection pauses until it drains.
 *
 * usage: raw-tcp-echo --port P [--host 127.0.0.1]
 * Prints "raw-tcp-echo listening on HOST:PORT" once it accepts connections.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF_SIZE (256 * 1024)
#define MAX_EVENTS 512

struct conn {
	int fd;
	int paused;           /* reading stopped while pending data is unsent */
	char *pend;           /* unsent bytes */
	size_t pend_off, pend_len;
};

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void conn_close(struct conn *c)
{
	close(c->fd);
	free(c->pend);
	free(c);
}

static int set_events(int ep, struct conn *c, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };

	return epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* write out pending bytes; returns -1 if the connection is dead */
static int drain_pending(int ep, struct conn *c)
{
	while (c->pend_off < c->pend_len) {
		ssize_t n = write(c->fd, c->pend + c->pend_off, c->pend_len - c->pend_off);

		if (n > 0) {
			c->pend_off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		return -1;
	}
	free(c->pend);
	c->pend = NULL;
	c->pend_off = c->pend_len = 0;
	if (c->paused) {
		c->paused = 0;
		if (set_events(ep, c, EPOLLIN | EPOLLRDHUP) < 0)
			return -1;
	}
	return 0;
}

/* read what is there and echo it; returns -1 if the connection is finished */
static int echo_some(int ep, struct conn *c, char *buf)
{
	/* bounded: at most 16 full buffers per event, then let others have a turn */
	for (int round = 0; round < 16; round++) {
		ssize_t n = read(c->fd, buf, BUF_SIZE);

		if (n == 0)
			return -1;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -1;
		}
		size_t off = 0;
		while (off < (size_t)n) {
			ssize_t w = write(c->fd, buf + off, (size_t)n - off);

			if (w > 0) {
				off += (size_t)w;
				continue;
			}
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				break;
			return -1;
		}
		if (off < (size_t)n) {
			/* peer is slow: keep the rest, stop reading until it has gone out */
			c->pend_len = (size_t)n - off;
			c->pend_off = 0;
			c->pend = malloc(c->pend_len);
			if (!c->pend)
				return -1;
			memcpy(c->pend, buf + off, c->pend_len);
			c->paused = 1;
			return set_events(ep, c, EPOLLOUT | EPOLLRDHUP);
		}
		if (n < BUF_SIZE)
			return 0;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *host = "127.0.0.1";
	int port = 0, one = 1;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--port") && i + 1 < argc) {
			port = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--host") && i + 1 < argc) {
			host = argv[++i];
		} else {
			fprintf(stderr, "usage: raw-tcp-echo --port P [--host 127.0.0.1]\n");
			return 2;
		}
	}
	if (port <= 0 || port > 65535) {
		fprintf(stderr, "raw-tcp-echo: --port P is required\n");
		return 2;
	}

	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGPIPE, SIG_IGN);
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	if (lfd < 0 || inet_pton(AF_INET, host, &sin.sin_addr) != 1) {
		fprintf(stderr, "raw-tcp-echo: bad host %s or no socket\n", host);
		return 1;
	}
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(lfd, 4096) < 0) {
		fprintf(stderr, "raw-tcp-echo: cannot listen on %s:%d: %s\n", host, port, strerror(errno));
		return 1;
	}
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event lev = { .events = EPOLLIN, .data.ptr = NULL };
	char *buf = malloc(BUF_SIZE);
	if (ep < 0 || !buf || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev) < 0) {
		fprintf(stderr, "raw-tcp-echo: setup failed: %s\n", strerror(errno));
		return 1;
	}
	printf("raw-tcp-echo listening on %s:%d pid=%d\n", host, port, (int)getpid());
	fflush(stdout);

	static struct epoll_event evs[MAX_EVENTS];
	while (!stop_flag) {
		int n = epoll_wait(ep, evs, MAX_EVENTS, 500);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "raw-tcp-echo: epoll_wait: %s\n", strerror(errno));
			return 1;
		}
		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;

			if (!c) {
				/* accept everything that is waiting, within reason */
				for (int k = 0; k < 1024; k++) {
					int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

					if (fd < 0)
						break;
					setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
					struct conn *nc = calloc(1, sizeof(*nc));
					if (!nc) {
						close(fd);
						continue;
					}
					nc->fd = fd;
					struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.ptr = nc };
					if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
						conn_close(nc);
				}
				continue;
			}
			int dead = 0;
			if (evs[i].events & EPOLLOUT)
				dead = drain_pending(ep, c) < 0;
			if (!dead && !c->paused && (evs[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
				dead = echo_some(ep, c, buf) < 0;
			if (!dead && (evs[i].events & (EPOLLHUP | EPOLLERR)))
				dead = 1;
			if (dead)
				conn_close(c);
		}
	}
	return 0;
}
