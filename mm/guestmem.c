/* Guest pointer validation and piecewise copies (mm/guestmem.h). */
#include "guestmem.h"
#include "../proto/errors.h"

int gmem_span(const struct pool *p, uint64_t gpa, uint64_t len_bytes, struct gspan *out)
{
	uint64_t end = gpa + len_bytes;

	if (end < gpa) /* wraps past 2^64 */
		return -HCERR_FAULT;
	if (end > pool_bytes(p))
		return -HCERR_FAULT;
	*out = (struct gspan){ .gpa = gpa, .len_bytes = len_bytes };
	return 0;
}

void *gmem_page_hva(const struct pool *p, uint64_t gpa)
{
	uint64_t ma = pool_page_ma(p, gpa >> MM_PAGE_SHIFT);

	return (char *)mm_hva(p->host, ma) + (gpa & (MM_PAGE_SIZE - 1));
}

/* Walk a checked span one guest page at a time: each piece covers at most
 * the rest of the current page, whose machine page is looked up afresh. */
int gmem_each(const struct pool *p, struct gspan s,
	      int (*fn)(void *hva, uint64_t len, uint64_t span_off, void *ctx), void *ctx)
{
	uint64_t gpa = s.gpa, done = 0;

	while (done < s.len_bytes) {
		uint64_t in_page = MM_PAGE_SIZE - (gpa & (MM_PAGE_SIZE - 1));
		uint64_t n = s.len_bytes - done < in_page ? s.len_bytes - done : in_page;
		int err = fn(gmem_page_hva(p, gpa), n, done, ctx);

		if (err)
			return err;
		gpa += n;
		done += n;
	}
	return 0;
}

static int to_host(void *hva, uint64_t len, uint64_t off, void *dst)
{
	__builtin_memcpy((char *)dst + off, hva, len);
	return 0;
}

static int to_guest(void *hva, uint64_t len, uint64_t off, void *src)
{
	__builtin_memcpy(hva, (const char *)src + off, len);
	return 0;
}

static int zero(void *hva, uint64_t len, uint64_t off, void *unused)
{
	(void)off;
	(void)unused;
	__builtin_memset(hva, 0, len);
	return 0;
}

void gmem_read(const struct pool *p, void *dst, struct gspan src)
{
	gmem_each(p, src, to_host, dst);
}

void gmem_write(const struct pool *p, struct gspan dst, const void *src)
{
	gmem_each(p, dst, to_guest, (void *)src);
}

void gmem_zero(const struct pool *p, struct gspan dst)
{
	gmem_each(p, dst, zero, 0);
}
