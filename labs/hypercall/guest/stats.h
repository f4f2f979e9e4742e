/* The guest's wrapper of HC_STATS (proto/hypercall.h), the hypercall lab's
 * guest side (docs/labs/hypercall.md). */
#ifndef LABS_HYPERCALL_STATS_H
#define LABS_HYPERCALL_STATS_H

#include <stdint.h>
#include "../../../proto/hypercall.h"

/* Fill *out with the monitor's counters: 0, or the call's -HCERR_* error. */
int64_t guest_stats(struct hc_stats *out);

#endif
