/*
 * framepool.c - recycles frame memory. Service thread only (and the owner's thread
 * in lwsj_ctx_destroy, once the service thread has stopped).
 *
 * Each message becomes a frame that lives from its command to its write, a few
 * microseconds. Handing large frames back to malloc made glibc give the pages back
 * to the kernel and fault them in again on the next message: at 16 KiB echo a
 * quarter of the service thread went to page faults. Freed frames therefore wait in
 * per-size lists for reuse, up to LWSJ_POOL_BYTES per context.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define LWSJ_POOL_BYTES (4 * 1024 * 1024)

/*
 * Under ASan a frame waiting in a list, and the part of a frame's class beyond its
 * payload, are poisoned: a use after release or an overrun is still reported.
 */
#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* the payload capacity of a class: 64 bytes, then four steps per power of two */
static int class_of(size_t len, size_t *cap)
{
	size_t n, step, q;
	int b, cls;

	if (len <= 64) {
		*cap = 64;
		return 0;
	}
	n = len - 1;
	b = 63 - __builtin_clzll((unsigned long long)n); /* 2^b <= n < 2^(b+1), b >= 6 */
	step = (size_t)1 << (b - 2);
	q = n / step + 1;                                /* 5..8 */
	*cap = q * step;
	cls = 1 + (b - 6) * 4 + (int)(q - 5);
	return cls < LWSJ_POOL_CLASSES ? cls : -1;
}

/* the inverse of class_of */
static size_t class_cap(int cls)
{
	int i = cls - 1;

	return cls ? (size_t)(i % 4 + 5) << (4 + i / 4) : 64;
}

static size_t alloc_size(size_t payload_cap)
{
	return sizeof(struct lwsj_frame) + LWSJ_HEADROOM + payload_cap;
}

struct lwsj_frame *lwsj_frame_alloc(struct lwsj_ctx *ctx, size_t len)
{
	struct lwsj_frame_pool *pool = &ctx->frame_pool;
	struct lwsj_frame *f;
	size_t cap;
	int cls = class_of(len, &cap);

	if (cls < 0) {
		if (len > UINT32_MAX - LWSJ_HEADROOM - sizeof(*f))
			return NULL;
		f = malloc(alloc_size(len));
		if (f)
			f->size_class = LWSJ_POOL_NONE;
		return f;
	}
	f = pool->free[cls];
	if (f) {
		UNPOISON(f, alloc_size(cap));
		/* a free frame keeps the next one's address where its payload goes */
		memcpy(&pool->free[cls], f->buf, sizeof(void *));
		pool->cached -= alloc_size(cap);
	} else {
		f = malloc(alloc_size(cap));
		if (!f)
			return NULL;
		f->size_class = (uint8_t)cls;
	}
	POISON(lwsj_frame_payload(f) + len, cap - len);
	return f;
}

void lwsj_frame_release(struct lwsj_ctx *ctx, struct lwsj_frame *f)
{
	struct lwsj_frame_pool *pool = &ctx->frame_pool;
	size_t size;

	if (f->size_class == LWSJ_POOL_NONE) {
		free(f);
		return;
	}
	size = alloc_size(class_cap(f->size_class));
	UNPOISON(f, size);
	if (pool->cached + size > LWSJ_POOL_BYTES) {
		free(f);
		return;
	}
	memcpy(f->buf, &pool->free[f->size_class], sizeof(void *));
	pool->free[f->size_class] = f;
	pool->cached += size;
	POISON(f, size);
}

void lwsj_frame_pool_free(struct lwsj_ctx *ctx)
{
	struct lwsj_frame_pool *pool = &ctx->frame_pool;

	for (int i = 0; i < LWSJ_POOL_CLASSES; i++) {
		while (pool->free[i]) {
			struct lwsj_frame *f = pool->free[i];

			UNPOISON(f, alloc_size(class_cap(i)));
			memcpy(&pool->free[i], f->buf, sizeof(void *));
			free(f);
		}
	}
	pool->cached = 0;
}
