/* The passage: the pages mapped at the same virtual address in the host's and
 * the guest's address spaces, so that code keeps running across a CR3 write.
 *   page 0  code   the stub of switch/switch.asm      host RX, guest RX
 *   page 1  host   the saved host context, boot GDT   host RW, guest read-only
 *   page 2  guest  the saved guest context, stack     host RW, guest RW, NX
 * The guest can neither change the host's saved state nor the code that
 * restores it. switch/offsets.c turns these structs into passage_offsets.inc
 * for the assembler, so C and NASM cannot disagree about a field. */
#ifndef SWITCH_PASSAGE_H
#define SWITCH_PASSAGE_H

#include <stdint.h>

#define PASSAGE_NPAGES 3
#define PASSAGE_PAGE_CODE 0
#define PASSAGE_PAGE_HOST 1
#define PASSAGE_PAGE_GUEST 2
#define PASSAGE_MAGIC 0x31475350u /* "PSG1": the stub's header, checked on install */

/* The first bytes of the stub (switch.asm): where its two entry points are. */
struct passage_code_hdr {
	uint32_t magic;
	uint16_t enter_off; /* void enter(void): host -> guest, returns on the next hypercall */
	uint16_t hc_off;    /* the guest's hypercall entry (bootinfo.hc_entry) */
	uint32_t code_bytes;
};

/* A GDTR/IDTR image for SGDT/LGDT (SDM Vol.3 3.5.1 figure 3-11: 2-byte limit,
 * 8-byte base). The 6 bytes of padding put the base on an 8-byte boundary,
 * as SDM Vol.3 3.5.1 recommends for performance. */
struct passage_dtr {
	uint16_t pad[3];
	uint16_t limit;
	uint64_t base;
};

/* Everything of the host that a switch changes, saved by enter, restored by
 * the hypercall entry. Callee-saved registers only: enter is a C call.
 * The registers, RSP and RFLAGS are saved on every enter; the rest (CR3, CR4,
 * selectors, descriptor tables, base MSRs) cannot change between switches of
 * one run on one CPU, so enter saves it only while `saved` is 0
 * (passage_host_changed); docs/PERFORMANCE.md has the measurement. */
struct passage_host {
	uint64_t saved; /* 0: enter must save the CR3..MSR state below */
	uint64_t cr3, cr4, rsp, rflags;
	uint64_t guest_cr4; /* the guest world's CR4: cr4 without PGE and CET (switch.asm) */
	uint64_t rbx, rbp, r12, r13, r14, r15;
	uint64_t fs_base, gs_base, kernel_gs_base; /* SDM Vol.3 3.4.4.1: the MSR bases */
	uint16_t cs, ss, ds, es, fs, gs;
	uint32_t pad;
	struct passage_dtr gdtr, idtr;
	/* The GDT the guest starts with (null, 64-bit code 0x08, data 0x10), until
	 * it loads its own. Read-only to the guest, so accessed bits are preset. */
	uint64_t boot_gdt[3];
};

/* The guest's context while the host runs: all GPRs (the monitor reads the
 * hypercall arguments from here and writes the result to rax), and the state
 * that the next enter loads. The rest of the page is the switch stack. */
struct passage_guest {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rsp, rip, rflags, cr3;
	uint16_t cs, ss, ds, es, fs, gs;
	uint32_t pad;
	struct passage_dtr gdtr, idtr;
};

#define PASSAGE_BOOT_CS 0x08
#define PASSAGE_BOOT_DS 0x10

_Static_assert(sizeof(struct passage_host) <= 4096, "host state fits its page");
_Static_assert(sizeof(struct passage_guest) + 512 <= 4096, "guest page keeps a 512-byte stack");
_Static_assert(__builtin_offsetof(struct passage_host, gdtr) % 8 == 0, "dtr aligned");
_Static_assert(__builtin_offsetof(struct passage_guest, gdtr) % 8 == 0, "dtr aligned");

/* The monitor's view of one installed passage (switch/passage.c). */
struct passage {
	uint64_t hva;                  /* host (= guest) virtual address of page 0 */
	uint64_t ma[PASSAGE_NPAGES];   /* machine address of each page */
	struct passage_host *host;
	struct passage_guest *guest;
	void (*enter)(void);
	uint64_t hc_entry_va;
};

struct pt;
/* Copy the stub into page 0 and set up the boot GDT. hva is where the host
 * mapped the three pages (contiguously, in this order). Returns -HC_EINVAL if
 * the embedded stub is malformed. */
int passage_install(struct passage *ps, uint64_t hva, const uint64_t ma[PASSAGE_NPAGES]);
/* Map the three pages into the guest's tables at ps->hva with the permissions
 * of the table above. */
int passage_map_guest(const struct passage *ps, struct pt *pt);
/* The host's CPU or its own tables may have changed since the last switch:
 * make the next enter save all host state again. Call at the start of every
 * run (the Linux host: every RUN ioctl, the thread may have moved CPU). */
static inline void passage_host_changed(struct passage *ps)
{
	ps->host->saved = 0;
}

/* Prepare the guest's first entry: rip, stack, RDI = arg, the boot GDT, no
 * IDT yet (the guest loads its own first thing), interrupts off. */
void passage_guest_start(struct passage *ps, uint64_t cr3, uint64_t rip, uint64_t rsp,
			 uint64_t arg);

#endif
