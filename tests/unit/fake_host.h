/* A fake machine for mm/ and the monitor core: an arena of "machine memory"
 * whose machine addresses are deliberately not host pointers (so a missing
 * ma_to_hva shows), a first-fit page allocator that can be told to fail,
 * and a count of pages still out, so that every test can prove it leaked
 * nothing. */
#ifndef TESTS_FAKE_HOST_H
#define TESTS_FAKE_HOST_H

#include <stdint.h>
#include "../../mm/mm_host.h"

#define FAKE_PAGES 4096 /* 16 MiB */
#define FAKE_MA_BASE 0x4000000000ull

extern const struct mm_host fake_mm;

/* A fresh machine: every page free and filled with 0xAA. */
void fake_reset(void);
/* Fail every allocation after this many more succeed (-1: never). */
void fake_fail_after(int64_t n);
/* Take pages out of play: [first, first + n) page frames. */
void fake_take(uint64_t first_page, uint64_t n);
uint64_t fake_outstanding(void); /* pages allocated and not freed */
int fake_is_fake_ma(uint64_t ma);
uint8_t *fake_hva(uint64_t ma);
/* Does [hva, hva + len) lie in the fake machine's memory (a pointer fake_hva gave)? */
int fake_holds_hva(uint64_t hva, uint64_t len);

/* The fake CPU of loader/cpu.h (CPU_FAKE): CR4 and IA32_EFER as a test sets
 * them (fake_reset: NXE on, nothing else); other registers read 0, except
 * the TSC, which counts the reads. */
extern uint64_t fake_cr0, fake_cr4, fake_efer;

#endif
