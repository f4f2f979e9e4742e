/* The string functions GCC may call even in freestanding code (GCC manual,
 * "Standards": memcpy, memmove, memset and memcmp must be provided), plus
 * strlen. Used by the guest and by the monitor on every host. The bulk ones use
 * REP MOVSQ/STOSQ (SDM Vol.2 MOVS, STOS; DF is clear by the SysV ABI): the
 * benchmarks showed byte loops costing five instructions a byte on the block
 * path and at boot (docs/PERFORMANCE.md). */
#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n)
{
	void *d = dst;

	__asm__ volatile("rep movsq\n\t"
			 "mov %[tail], %%rcx\n\t"
			 "rep movsb"
			 : "+D"(d), "+S"(src), "=&c"(n)
			 : "2"(n / 8), [tail] "r"(n % 8)
			 : "memory");
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d < s)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	void *d = dst;
	unsigned long v = (unsigned char)c * 0x0101010101010101ul;

	__asm__ volatile("rep stosq\n\t"
			 "mov %[tail], %%rcx\n\t"
			 "rep stosb"
			 : "+D"(d), "=&c"(n)
			 : "1"(n / 8), "a"(v), [tail] "r"(n % 8)
			 : "memory");
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}
