/* Guest pointer validation and piecewise copies (mm/guestmem.h). */
#include "guestmem.h"
#include "../proto/errors.h"

int gmem_span(const struct pool *p, uint64_t gpa, uint64_t len_bytes, struct gspan *out)
{
	uint64_t end = gpa + len_bytes;

	if (end < gpa) /* wraps past 2^64 */
		return -HC_EFAULT;
	if (end > pool_bytes(p))
		return -HC_EFAULT;
	*out = (struct gspan){ .gpa = gpa, .len_bytes = len_bytes };
	return 0;
}

void *gmem_page_hva(const struct pool *p, uint64_t gpa)
{
	uint64_t ma = p->p2m[gpa >> MM_PAGE_SHIFT];

	return (char *)p->host->ma_to_hva(p->host->ctx, ma) + (gpa & (MM_PAGE_SIZE - 1));
}

/* Walk a checked span one machine page at a time: each step covers at most the
 * rest of the current guest page, whose machine page is looked up afresh. */
enum copy_dir { TO_HOST, TO_GUEST, ZERO };

static void copy_span(const struct pool *p, struct gspan s, char *host_buf, enum copy_dir dir)
{
	uint64_t gpa = s.gpa, left = s.len_bytes;

	while (left > 0) {
		uint64_t in_page = MM_PAGE_SIZE - (gpa & (MM_PAGE_SIZE - 1));
		uint64_t n = left < in_page ? left : in_page;
		char *g = gmem_page_hva(p, gpa);

		if (dir == TO_HOST)
			__builtin_memcpy(host_buf, g, n);
		else if (dir == TO_GUEST)
			__builtin_memcpy(g, host_buf, n);
		else
			__builtin_memset(g, 0, n);
		if (host_buf)
			host_buf += n;
		gpa += n;
		left -= n;
	}
}

void gmem_read(const struct pool *p, void *dst, struct gspan src)
{
	copy_span(p, src, dst, TO_HOST);
}

void gmem_write(const struct pool *p, struct gspan dst, const void *src)
{
	copy_span(p, dst, (char *)src, TO_GUEST);
}

void gmem_zero(const struct pool *p, struct gspan dst)
{
	copy_span(p, dst, 0, ZERO);
}
