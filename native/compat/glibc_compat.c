/*
 * glibc_compat.c - keeps liblwsj.so loadable on glibc 2.17 (the manylinux2014 line:
 * RHEL/CentOS 7 and everything newer) although it is built against a newer glibc.
 *
 * Linking against glibc 2.34 or newer binds pthread_* to their 2.34 versions (when
 * libpthread moved into libc), stat and fstat to 2.33 (before, they were inline calls
 * of __xstat and __fxstat), and OpenSSL picks up getentropy (2.25). The link of
 * liblwsj.so wraps each of them (ld --wrap, one per __wrap_ function below, taken from
 * this file by native/CMakeLists.txt), for the glue, libwebsockets and OpenSSL alike;
 * each wrapper calls the function's oldest version, which every glibc since the
 * baseline still has. scripts/check-natives.sh fails when a newer version slips in.
 * Runs on whatever thread calls the function.
 */
#define _GNU_SOURCE /* syscall */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define LWSJ_GLIBC_BASE "GLIBC_2.2.5"
#define LWSJ_STAT_VER 1 /* _STAT_VER_LINUX */
#elif defined(__aarch64__)
#define LWSJ_GLIBC_BASE "GLIBC_2.17"
#define LWSJ_STAT_VER 0
#else
#error "glibc_compat.c knows the base symbol versions of x86_64 and aarch64 only"
#endif

/* calls of sym in this file go to its base version */
#define LWSJ_BASE_VERSION(sym) __asm__(".symver " #sym "," #sym "@" LWSJ_GLIBC_BASE)

LWSJ_BASE_VERSION(pthread_create);
LWSJ_BASE_VERSION(pthread_join);
LWSJ_BASE_VERSION(pthread_once);
LWSJ_BASE_VERSION(pthread_key_create);
LWSJ_BASE_VERSION(pthread_key_delete);
LWSJ_BASE_VERSION(pthread_getspecific);
LWSJ_BASE_VERSION(pthread_setspecific);
LWSJ_BASE_VERSION(pthread_mutex_trylock);
LWSJ_BASE_VERSION(pthread_rwlock_init);
LWSJ_BASE_VERSION(pthread_rwlock_destroy);
LWSJ_BASE_VERSION(pthread_rwlock_rdlock);
LWSJ_BASE_VERSION(pthread_rwlock_wrlock);
LWSJ_BASE_VERSION(pthread_rwlock_unlock);
LWSJ_BASE_VERSION(__xstat);
LWSJ_BASE_VERSION(__fxstat);

extern int __xstat(int ver, const char *path, struct stat *st);
extern int __fxstat(int ver, int fd, struct stat *st);

/* the wrappers: ld sends every call of f in the link to __wrap_f */
int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*f)(void *), void *arg);
int __wrap_pthread_join(pthread_t t, void **ret);
int __wrap_pthread_once(pthread_once_t *once, void (*f)(void));
int __wrap_pthread_key_create(pthread_key_t *key, void (*destructor)(void *));
int __wrap_pthread_key_delete(pthread_key_t key);
void *__wrap_pthread_getspecific(pthread_key_t key);
int __wrap_pthread_setspecific(pthread_key_t key, const void *value);
int __wrap_pthread_mutex_trylock(pthread_mutex_t *m);
int __wrap_pthread_rwlock_init(pthread_rwlock_t *l, const pthread_rwlockattr_t *a);
int __wrap_pthread_rwlock_destroy(pthread_rwlock_t *l);
int __wrap_pthread_rwlock_rdlock(pthread_rwlock_t *l);
int __wrap_pthread_rwlock_wrlock(pthread_rwlock_t *l);
int __wrap_pthread_rwlock_unlock(pthread_rwlock_t *l);
int __wrap_stat(const char *path, struct stat *st);
int __wrap_fstat(int fd, struct stat *st);
int __wrap_getentropy(void *buf, size_t len);

int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*f)(void *), void *arg)
{
	return pthread_create(t, a, f, arg);
}

int __wrap_pthread_join(pthread_t t, void **ret)
{
	return pthread_join(t, ret);
}

int __wrap_pthread_once(pthread_once_t *once, void (*f)(void))
{
	return pthread_once(once, f);
}

int __wrap_pthread_key_create(pthread_key_t *key, void (*destructor)(void *))
{
	return pthread_key_create(key, destructor);
}

int __wrap_pthread_key_delete(pthread_key_t key)
{
	return pthread_key_delete(key);
}

void *__wrap_pthread_getspecific(pthread_key_t key)
{
	return pthread_getspecific(key);
}

int __wrap_pthread_setspecific(pthread_key_t key, const void *value)
{
	return pthread_setspecific(key, value);
}

int __wrap_pthread_mutex_trylock(pthread_mutex_t *m)
{
	return pthread_mutex_trylock(m);
}

int __wrap_pthread_rwlock_init(pthread_rwlock_t *l, const pthread_rwlockattr_t *a)
{
	return pthread_rwlock_init(l, a);
}

int __wrap_pthread_rwlock_destroy(pthread_rwlock_t *l)
{
	return pthread_rwlock_destroy(l);
}

int __wrap_pthread_rwlock_rdlock(pthread_rwlock_t *l)
{
	return pthread_rwlock_rdlock(l);
}

int __wrap_pthread_rwlock_wrlock(pthread_rwlock_t *l)
{
	return pthread_rwlock_wrlock(l);
}

int __wrap_pthread_rwlock_unlock(pthread_rwlock_t *l)
{
	return pthread_rwlock_unlock(l);
}

int __wrap_stat(const char *path, struct stat *st)
{
	return __xstat(LWSJ_STAT_VER, path, st);
}

int __wrap_fstat(int fd, struct stat *st)
{
	return __fxstat(LWSJ_STAT_VER, fd, st);
}

/* getentropy(3) by the system call it wraps (Linux 3.17); ENOSYS before that */
int __wrap_getentropy(void *buf, size_t len)
{
	size_t got = 0;

	if (len > 256) {
		errno = EIO;
		return -1;
	}
	while (got < len) {
		long r = syscall(SYS_getrandom, (char *)buf + got, len - got, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}
