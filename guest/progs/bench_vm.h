/* The bench program's measures of page tables, faults and ring 3
 * (guest/progs/bench_vm.c), with bench.c's measure(). */
#ifndef GUEST_PROGS_BENCH_VM_H
#define GUEST_PROGS_BENCH_VM_H

#include <stdint.h>

#define BENCH_ITER 101
#define BENCH_WARMUP 10
#define BENCH_SYS_NULL 100 /* bench_entries.asm answers it at once */

void bench_vm(uint64_t (*measure)(const char *name, void (*op)(void), uint64_t per));

#endif
