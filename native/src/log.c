/*
 * log.c - libwebsockets' log lines to Java, and the per-thread error text.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

static lwsj_log_fn log_fn;
static __thread char last_error[256];

/* runs on whichever thread lws logs from (in lwsj: a thread inside an lwsj call) */
static void emit(int level, const char *line)
{
	char buf[1024];
	size_t n;

	if (!log_fn)
		return;
	/* lws adds a timestamp prefix and a newline; SLF4J does both itself */
	if (line[0] == '[') {
		const char *e = strchr(line, ']');

		if (e && e[1] == ' ')
			line = e + 2;
	}
	n = strlen(line);
	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	memcpy(buf, line, n);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = 0;
	log_fn(level, buf);
}

/* [any, but not concurrently with lws logging: set it before starting contexts] */
void lwsj_set_log(int32_t levels, lwsj_log_fn fn)
{
	log_fn = fn;
	lws_set_log_level(levels, fn ? emit : NULL);
}

void lwsj_set_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
}

void lwsj_clear_error(void)
{
	last_error[0] = 0;
}

const char *lwsj_last_error(void)
{
	return last_error;
}
