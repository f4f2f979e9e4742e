/* The bench program's measures of the guest as an operating-system kernel
 * (guest/progs/bench.c runs them; docs/PERFORMANCE.md): a hidden shadow fill,
 * a #PF reflected to the guest's handler that maps the page and resumed, an
 * address-space switch between two warm spaces and the refill after a
 * flushing one, and, from a user program in ring 3 (guest/user/bench.c), a
 * null system call through the kit's C path and through the smallest handler
 * (guest/progs/bench_entries.asm). Each line "BENCH name median min max n",
 * net of the measurement's own cost. */
#include "bench_vm.h"
#include "user_images.h"
#include "../hypercall.h"
#include "../kernel.h"
#include "../palloc.h"
#include "../proc.h"
#include "../pt.h"

extern const char bench_syscall_entry[], bench_pf_entry[];

#define REGION 0x10000000ull /* the lower half: the bench's own mappings */
#define SWITCH_PAGES 8

static uint64_t root_a, root_b, next_page, frames[BENCH_ITER + BENCH_WARMUP];
static unsigned next_frame;

/* A page of the direct map never touched yet (below bench.c's 64 block
 * buffers at the pool's end): its first touch is a fill. */
static void hidden_fill(void)
{
	uint64_t va = boot->dmap_base + boot->pool_bytes - (64 + ++next_page) * 4096;

	(void)*(volatile uint64_t *)va;
}

/* The #PF handler's work (bench_pf_entry calls it with CR2): map the page. */
void bench_pf_map(uint64_t va);
void bench_pf_map(uint64_t va)
{
	pt_map(root_a, va & ~4095ull, frames[next_frame++], 4096, PTE_W | PTE_NX);
}

static void fault_mapped_resumed(void)
{
	(void)*(volatile uint64_t *)(REGION + (uint64_t)next_frame * 4096);
}

static void handler_work_alone(void)
{
	bench_pf_map(REGION + 0x4000000ull + (uint64_t)next_frame * 4096);
}

static void switch_warm(void)
{
	cr3_load(root_b, 2, 1);
	cr3_load(root_a, 1, 1);
}

static void switch_flush_and_touch(void)
{
	cr3_load(root_a, 1, 0);
	for (int i = 0; i < SWITCH_PAGES; i++)
		(void)*(volatile uint64_t *)(REGION + 0x8000000ull + (uint64_t)i * 4096);
}

/* The user program's own call (SYS_NCALLS): 1 puts the smallest system-call
 * handler on the gate, 0 the kit's back. */
static int64_t gate(struct proc *p, struct hc_trap_frame *f)
{
	(void)p;
	if (f->rdi)
		trap_set_entry(HCABI_SYSCALL_VECTOR, (uint64_t)bench_syscall_entry, HCTRAP_USER);
	else
		return trap_set_syscall();
	return traps_load();
}

void bench_vm(uint64_t (*measure)(const char *name, void (*op)(void), uint64_t per))
{
	uint64_t boot_cr3 = cr3_current();

	/* The frames below, two address spaces' tables, the user program's: a
	 * pool that cannot give them all gets none of these measures. */
	if (palloc_free_pages() < sizeof(frames) / sizeof(frames[0]) + 64 + BENCH_ITER + 64) {
		printf("guest: bench: the pool is too small for the page-table measures\n");
		return;
	}
	for (unsigned i = 0; i < sizeof(frames) / sizeof(frames[0]); i++)
		frames[i] = palloc();
	measure("shadow_hidden_fill", hidden_fill, 1);
	root_a = pt_new();
	root_b = pt_new();
	for (int i = 0; i < SWITCH_PAGES; i++) {
		pt_map(root_a, REGION + 0x8000000ull + (uint64_t)i * 4096, palloc(), 4096, PTE_W);
		pt_map(root_b, REGION + 0x8000000ull + (uint64_t)i * 4096, palloc(), 4096, PTE_W);
	}
	cr3_load(root_a, 1, 0);
	trap_set_entry(14, (uint64_t)bench_pf_entry, 0);
	traps_load();
	next_frame = 0;
	measure("fault_reflected_mapped_resumed", fault_mapped_resumed, 1);
	guest_cpu_init(); /* the kit's own entries again */
	next_frame = 0;
	measure("fault_handler_work_alone", handler_work_alone, 1);
	switch_flush_and_touch();
	cr3_load(root_b, 2, 0);
	switch_flush_and_touch(); /* both spaces warm */
	measure("address_space_switch_warm", switch_warm, 2);
	measure("address_space_flush_and_refill_8_pages", switch_flush_and_touch, 1);
	cr3_load(boot_cr3, 0, 0);
	/* Ring 3: the user program measures its own system calls. */
	proc_syscall_hook = gate;
	if (proc_spawn(user_image_bench, USER_IMAGE_BYTES(bench)) > 0)
		proc_run(0);
	proc_syscall_hook = 0;
}
