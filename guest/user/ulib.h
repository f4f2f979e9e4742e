/* The user programs' C library: the kit's system calls (guest/proc.h) and
 * printf over SYS_WRITE. Ring 3 code, built without x87/SSE (the processes
 * share that state: guest/proc.h). */
#ifndef GUEST_USER_ULIB_H
#define GUEST_USER_ULIB_H

#include <stddef.h>
#include <stdint.h>
#include "../proc.h"

static inline int64_t sys(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	int64_t r;

	__asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "D"(a0), "S"(a1), "d"(a2) : "memory");
	return r;
}

static inline void exit(int code)
{
	sys(SYS_EXIT, (uint64_t)code, 0, 0);
	__builtin_unreachable();
}

static inline int64_t write(const void *buf, uint64_t n)
{
	return sys(SYS_WRITE, (uint64_t)buf, n, 0);
}

static inline int getpid(void)
{
	return (int)sys(SYS_GETPID, 0, 0, 0);
}

static inline int getppid(void)
{
	return (int)sys(SYS_GETPPID, 0, 0, 0);
}

static inline void *sbrk(int64_t inc)
{
	return (void *)sys(SYS_SBRK, (uint64_t)inc, 0, 0);
}

static inline int fork(void)
{
	return (int)sys(SYS_FORK, 0, 0, 0);
}

static inline int wait(int *code)
{
	return (int)sys(SYS_WAIT, (uint64_t)code, 0, 0);
}

static inline void yield(void)
{
	sys(SYS_YIELD, 0, 0, 0);
}

static inline int setfs(uint64_t base)
{
	return (int)sys(SYS_SETFS, base, 0, 0);
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
	return ((uint64_t)hi << 32) | lo;
}

int printf(const char *f, ...) __attribute__((format(printf, 1, 2)));
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int main(void);

#endif
