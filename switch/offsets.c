/* asm-offsets, as Linux does it: compiled with -S only, never linked; the
 * Makefile turns each "->NAME value" line of the output into a NASM %define
 * in build/passage_offsets.inc, so switch.asm uses the C layout directly. */
#include <stddef.h>
#include "passage.h"

#define DEFINE(sym, val) __asm__ volatile("\n.ascii \"->" #sym " %c0\"" : : "i"(val))
#define WORLD(f) DEFINE(PW_##f, offsetof(struct passage_world, f))
#define HOST(f) DEFINE(PH_##f, offsetof(struct passage_host, f))
#define GUEST(f) DEFINE(PG_##f, offsetof(struct passage_guest, f))

void passage_offsets(void);
void passage_offsets(void)
{
	DEFINE(PASSAGE_MAGIC, PASSAGE_MAGIC);
	DEFINE(PASSAGE_WORLD_PAGE, PASSAGE_PAGE_WORLD * 4096);
	DEFINE(PASSAGE_HOST_PAGE, PASSAGE_PAGE_HOST * 4096);
	DEFINE(PASSAGE_GUEST_PAGE, PASSAGE_PAGE_GUEST * 4096);
	DEFINE(PASSAGE_FPU_PAGE, PASSAGE_PAGE_FPU * 4096);
	DEFINE(PASSAGE_GDT_GUEST_CODE, PASSAGE_GDT_GUEST_CODE);
	DEFINE(PASSAGE_GDT_GUEST_DATA, PASSAGE_GDT_GUEST_DATA);
	DEFINE(PASSAGE_GDT_USER_CODE, PASSAGE_GDT_USER_CODE);
	DEFINE(PASSAGE_GDT_USER_DATA, PASSAGE_GDT_USER_DATA);
	DEFINE(PASSAGE_HC_VECTOR, PASSAGE_HC_VECTOR);
	DEFINE(PASSAGE_EXIT_ABORT, PASSAGE_EXIT_ABORT);
	DEFINE(PASSAGE_EXIT_HYPERVISOR, PASSAGE_EXIT_HYPERVISOR);
	DEFINE(PASSAGE_EXIT_MONITOR, PASSAGE_EXIT_MONITOR);
	DEFINE(PASSAGE_EXIT_BADSTACK, PASSAGE_EXIT_BADSTACK);
	DEFINE(PASSAGE_CR4_CLEAR, PASSAGE_CR4_CLEAR);
	DEFINE(PASSAGE_EFER_CLEAR, PASSAGE_EFER_CLEAR);
	WORLD(host_cr3); WORLD(guest_cr3); WORLD(host_cr4); WORLD(guest_cr4); WORLD(cr4_set);
	WORLD(fs_base); WORLD(gs_base); WORLD(segbase_set);
	WORLD(hc_rsp); WORLD(irq_rsp); WORLD(exc_rsp); WORLD(df_rsp);
	DEFINE(PW_mon_gdtr, offsetof(struct passage_world, mon_gdtr.limit));
	DEFINE(PW_mon_idtr, offsetof(struct passage_world, mon_idtr.limit));
	HOST(rsp); HOST(rflags); HOST(rbx); HOST(rbp); HOST(r12); HOST(r13); HOST(r14); HOST(r15);
	HOST(efer); HOST(sysenter_cs); HOST(xsave_mask); HOST(fs_base); HOST(gs_base);
	HOST(cs); HOST(ss); HOST(ds); HOST(es); HOST(fs); HOST(gs);
	DEFINE(PH_gdtr, offsetof(struct passage_host, gdtr.limit));
	DEFINE(PH_idtr, offsetof(struct passage_host, idtr.limit));
	GUEST(rax); GUEST(rbx); GUEST(rcx); GUEST(rdx); GUEST(rsi); GUEST(rdi); GUEST(rbp);
	GUEST(r8); GUEST(r9); GUEST(r10); GUEST(r11); GUEST(r12); GUEST(r13); GUEST(r14);
	GUEST(r15); GUEST(rsp); GUEST(rip); GUEST(rflags); GUEST(cs);
	GUEST(exit); GUEST(error_code); GUEST(cr2);
	GUEST(mfault_vector); GUEST(mfault_error); GUEST(mfault_rip); GUEST(bad_rsp);
	DEFINE(PG_gate_stack_top, PASSAGE_GATE_STACK_TOP);
}
