/* asm-offsets, as Linux does it: compiled with -S only, never linked; the
 * Makefile turns each "->NAME value" line of the output into a NASM %define
 * in build/passage_offsets.inc, so switch.asm uses the C layout directly. */
#include <stddef.h>
#include "passage.h"

#define DEFINE(sym, val) __asm__ volatile("\n.ascii \"->" #sym " %c0\"" : : "i"(val))
#define HOST(f) DEFINE(PH_##f, offsetof(struct passage_host, f))
#define GUEST(f) DEFINE(PG_##f, offsetof(struct passage_guest, f))

void passage_offsets(void);
void passage_offsets(void)
{
	DEFINE(PASSAGE_MAGIC, PASSAGE_MAGIC);
	DEFINE(PASSAGE_HOST_PAGE, PASSAGE_PAGE_HOST * 4096);
	DEFINE(PASSAGE_GUEST_PAGE, PASSAGE_PAGE_GUEST * 4096);
	HOST(saved); HOST(cr3); HOST(cr4); HOST(guest_cr4); HOST(rsp); HOST(rflags);
	HOST(rbx); HOST(rbp); HOST(r12); HOST(r13); HOST(r14); HOST(r15);
	HOST(fs_base); HOST(gs_base); HOST(kernel_gs_base);
	HOST(cs); HOST(ss); HOST(ds); HOST(es); HOST(fs); HOST(gs);
	DEFINE(PH_gdtr, offsetof(struct passage_host, gdtr.limit));
	DEFINE(PH_idtr, offsetof(struct passage_host, idtr.limit));
	GUEST(rax); GUEST(rbx); GUEST(rcx); GUEST(rdx); GUEST(rsi); GUEST(rdi); GUEST(rbp);
	GUEST(r8); GUEST(r9); GUEST(r10); GUEST(r11); GUEST(r12); GUEST(r13); GUEST(r14);
	GUEST(r15); GUEST(rsp); GUEST(rip); GUEST(rflags); GUEST(cr3);
	GUEST(cs); GUEST(ss); GUEST(ds); GUEST(es); GUEST(fs); GUEST(gs);
	DEFINE(PG_gdtr, offsetof(struct passage_guest, gdtr.limit));
	DEFINE(PG_idtr, offsetof(struct passage_guest, idtr.limit));
	DEFINE(PG_stack_top, 4096);
}
