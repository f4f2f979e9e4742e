/* HC_STATS from the guest: the monitor takes pseudo-physical addresses
 * (gpa, proto/hypercall.h), never the guest's virtual ones. */
#include "stats.h"
#include "../../../guest/hypercall.h"
#include "../../../guest/kernel.h"

int64_t guest_stats(struct hc_stats *out)
{
	// LAB(hypercall) BEGIN
	return hypercall(HC_STATS, virt_to_gpa(out), sizeof(*out), 0);
	// LAB(hypercall) STARTER
	// (void)out;
	// return -HCERR_NOSYS; /* TODO: make the hypercall */
	// LAB(hypercall) END
}
