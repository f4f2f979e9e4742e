/* Helpers of the page-table test programs (guest/progs/ptcheck.h). */
#include "check.h"
#include "ptcheck.h"
#include "../kernel.h"
#include "../palloc.h"
#include "../pt.h"

uint64_t *ptcheck_entry(uint64_t root, uint64_t va, int level, int alloc)
{
	uint64_t t = root;

	for (int l = 3; l > level; l--) {
		uint64_t *e = (uint64_t *)gpa_to_virt(t) + ((va >> (12 + 9 * l)) & 511);

		if (!(*e & PTE_P)) {
			uint64_t page = alloc ? palloc() : 0;

			if (!page)
				return 0;
			*e = page | PTE_P | PTE_W | PTE_U;
		} else if (*e & PTE_PS) {
			return 0;
		}
		t = *e & PTE_ADDR;
	}
	return (uint64_t *)gpa_to_virt(t) + ((va >> (12 + 9 * level)) & 511);
}

void ptcheck_pf(const char *what, int64_t probe_ret, uint64_t va, uint64_t err)
{
	int ok = probe_ret == -1 && last_fault.vector == 14 &&
		 (last_fault.error_code & 0x1f) == err && last_fault.cr2 == va;

	check(what, ok);
	if (!ok)
		printf("guest:      expected #PF error 0x%lx at %lx, got %s vector %lu error "
		       "0x%lx at %lx\n",
		       err, va, probe_ret == -1 ? "a fault:" : "no fault; last was",
		       last_fault.vector, last_fault.error_code, last_fault.cr2);
}
