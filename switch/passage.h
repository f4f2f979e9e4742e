/* The passage: the pages mapped at the same virtual address in the host's and
 * the guest's address spaces, so that code keeps running across a CR3 write,
 * and the guest world's CPU tables, which the monitor owns (docs/ARCHITECTURE.md,
 * "Who owns the CPU"). The guest runs in ring 1 and can write none of them but
 * its own saved context.
 *   page 0  code   the stub of switch/switch.asm: enter, gates  host RX, guest RX
 *   page 1  world  the guest world's GDT, both CR3s and CR4s    host RW, guest R
 *   page 2  guest  the saved guest context, the gate stacks     host RW, guest RW
 *   page 3  idt    the guest world's IDT (256 gates)            host RW, guest R
 *   page 4  tss    the guest world's TSS data (RSP0, IST1)      host RW, guest R
 *   page 5  host   the saved host context                       host RW, not mapped
 *   page 6  fpu    the guest's x87/SSE/AVX state (XSAVE area)   host RW, not mapped
 *   page 7  hfpu   the host's, on hosts that do not save it     host RW, not mapped
 * Page 5 is read only after the exit path is back on the host's CR3, so the
 * guest never sees a host pointer but the host's CR3.
 * switch/offsets.c turns these structs into passage_offsets.inc for the
 * assembler, so C and NASM cannot disagree about a field. */
#ifndef SWITCH_PASSAGE_H
#define SWITCH_PASSAGE_H

#include <stdint.h>

#define PASSAGE_NPAGES 8
#define PASSAGE_PAGE_CODE 0
#define PASSAGE_PAGE_WORLD 1
#define PASSAGE_PAGE_GUEST 2
#define PASSAGE_PAGE_IDT 3
#define PASSAGE_PAGE_TSS 4
#define PASSAGE_PAGE_HOST 5
#define PASSAGE_PAGE_FPU 6
#define PASSAGE_PAGE_HOST_FPU 7

/* How the extended state is saved: one instruction each way, chosen at install
 * by patching the ModRM byte of the stub's two sites (all are 0F AE /n). */
enum passage_fpu_mode {
	PASSAGE_FPU_FXSAVE = 1, /* FXSAVE/FXRSTOR: x87 and SSE, no XSAVE */
	PASSAGE_FPU_XSAVE,      /* XSAVE/XRSTOR */
	PASSAGE_FPU_XSAVEOPT,   /* XSAVEOPT/XRSTOR: skips components unchanged since */
};
#define PASSAGE_MAGIC 0x33475350u /* "PSG3": the stub's header, checked on install */

/* The guest world's GDT (page 1): the guest's selectors sit at fixed indices
 * (the ABI, proto/hypercall.h); the host's own kernel CS and SS indices are
 * filled in per run with equivalent ring-0 descriptors, so every gate and
 * every host IDT entry means the same code segment under either GDT. */
#define PASSAGE_GDT_ENTRIES 34
#define PASSAGE_GDT_TSS 28        /* 16-byte TSS descriptor, indices 28-29 */
#define PASSAGE_GDT_GUEST_CODE 30 /* 64-bit code, DPL 1 */
#define PASSAGE_GDT_GUEST_DATA 31 /* data, DPL 1 */
#define PASSAGE_GDT_USER_DATA 32  /* data, DPL 3 */
#define PASSAGE_GDT_USER_CODE 33  /* 64-bit code, DPL 3 */
#define PASSAGE_GDT_HOST_MAX 27   /* the host's CS and SS must lie below */
#define PASSAGE_TSS_SEL (PASSAGE_GDT_TSS * 8)

#define PASSAGE_HC_VECTOR 0x81 /* = HCABI_VECTOR (proto/hypercall.h) */
#define PASSAGE_SYSCALL_VECTOR 0x80 /* = HCABI_SYSCALL_VECTOR: a direct gate, when asked */
#define PASSAGE_NGATES 33      /* vectors 0-31, then the hypercall gate */

/* What ended the last enter (passage_guest.exit): a vector 0-255 that the
 * guest took through a gate, or one of these. */
#define PASSAGE_EXIT_ABORT 0x100      /* an NMI or #MC arrived during entry: resume */
#define PASSAGE_EXIT_HYPERVISOR 0x101 /* CR4.VMXE or EFER.SVME found set at entry */
#define PASSAGE_EXIT_MONITOR 0x102    /* an exception in the switch itself (mfault_*) */
#define PASSAGE_EXIT_BADSTACK 0x103   /* a gate taken without a stack switch (bad_rsp) */

/* The first bytes of the stub (switch.asm): where its entry points are. */
struct passage_code_hdr {
	uint32_t magic;
	uint16_t enter_off; /* void enter(void): host -> guest, back at the next exit */
	uint16_t gates_off; /* uint16_t[PASSAGE_NGATES]: offsets of the gate stubs */
	uint32_t code_bytes;
	uint16_t fpu_save_modrm, fpu_restore_modrm; /* the two sites' ModRM bytes */
	uint16_t irq_stubs_off; /* vector v's stub (32 <= v < 256) at + (v - 32) * 8 */
	uint16_t pad;
};
#define PASSAGE_IRQ_STUB_BYTES 8

/* A GDTR/IDTR image for SGDT/LGDT (SDM Vol.3 3.5.1 figure 3-11: 2-byte limit,
 * 8-byte base). The 6 bytes of padding put the base on an 8-byte boundary,
 * as SDM Vol.3 3.5.1 recommends for performance. */
struct passage_dtr {
	uint16_t pad[3];
	uint16_t limit;
	uint64_t base;
};

/* What the switch needs while the guest world's CR3 is loaded (page 1, read
 * only to the guest). enter writes cr4 and guest_cr4 on every entry, in the
 * host world; passage_host_prepare the rest at the start of each run. */
struct passage_world {
	uint64_t host_cr3, guest_cr3;
	uint64_t host_cr4, guest_cr4; /* guest_cr4: the host's minus PASSAGE_CR4_CLEAR,
				       * plus cr4_set */
	uint64_t cr4_set;             /* SMEP and UMIP where the CPU has them */
	uint64_t fs_base, gs_base;    /* the guest's (HC_SET_SEGBASE), loaded by enter */
	uint64_t segbase_set;         /* nonzero: either is (else both stay 0, no WRMSR) */
	/* Where RSP is when a gate is entered from ring 1 or 3 (the CPU switched to
	 * RSP0, or IST1 for #DF) and the stub has pushed what it pushes; any
	 * other value is an exit from ring 0 (switch.asm, bad_stack). */
	uint64_t hc_rsp, irq_rsp, exc_rsp, df_rsp;
	struct passage_dtr mon_gdtr, mon_idtr; /* the guest world's (pages 1 and 3) */
	uint64_t gdt[PASSAGE_GDT_ENTRIES];     /* the guest world's GDT */
};

/* Everything else of the host that a switch changes (page 5, never mapped in
 * the guest world). enter saves the callee-saved registers, RSP and RFLAGS
 * and reads EFER afresh on every entry; the rest cannot change within one run
 * on one CPU and is saved by passage_host_prepare at the start of each run. */
struct passage_host {
	uint64_t rsp, rflags;
	uint64_t rbx, rbp, r12, r13, r14, r15;
	uint64_t efer;        /* the host's, at the last entry */
	uint64_t sysenter_cs;      /* nonzero: zeroed in the guest world */
	uint64_t xsave_mask;       /* EDX:EAX of XSAVE and XRSTOR: the guest's components */
	uint64_t fs_base, gs_base; /* SDM Vol.3 3.4.4.1: the guest's segment loads change them */
	uint16_t cs, ss, ds, es, fs, gs;
	uint16_t tr; /* the host's TR selector (0: it had none, ours is loaded) */
	uint16_t pad;
	struct passage_dtr gdtr, idtr; /* the host's */
};

/* The guest's context while the host runs, written by the gates after the
 * guest stopped (so the guest cannot race them) and loaded by enter, which
 * never takes CS, SS or the privileged RFLAGS bits from here. Then the exit
 * information, then the stacks: the IST1 (double fault) stack and, on top of
 * the page, the gate stack that TSS.RSP0 names. */
struct passage_guest {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rsp, rip, rflags;
	uint64_t cs;         /* its RPL is the ring enter returns to: 3, or else 1 */
	uint64_t exit;       /* a vector, or PASSAGE_EXIT_* */
	uint64_t error_code; /* the CPU's, or 0 */
	uint64_t cr2;        /* read in the gate, before the host can fault */
	uint64_t mfault_vector, mfault_error, mfault_rip; /* PASSAGE_EXIT_MONITOR */
	uint64_t bad_rsp;    /* PASSAGE_EXIT_BADSTACK: the stack the gate found itself on */
};
#define PASSAGE_DF_STACK_TOP 2048 /* in page 2: [sizeof(passage_guest), 2048) */
#define PASSAGE_GATE_STACK_TOP 4096

/* SDM Vol.3 8.7 figure 8-11: the 64-bit TSS. Only RSP0, IST1 and the I/O map
 * base are used; the CPU reads it through TR's base in the current CR3. */
struct __attribute__((packed)) passage_tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
};

/* The guest world's CR4 and EFER: the host's, minus what ring 1 could use
 * to reach host state or that would let host TLB entries survive. */
#define PASSAGE_CR4_CLEAR                                                                    \
	((1ull << 2) | (1ull << 7) | (1ull << 8) | (1ull << 16) | (1ull << 21) | (1ull << 22) | \
	 (1ull << 23))
/* SDM Vol.3 2.5: TSD (rdtsc stays the guest's), PGE (flush the host's global
 * pages), PCE (no rdpmc), FSGSBASE (no wrfsbase/wrgsbase), SMAP (the guest
 * kernel reads its user pages without STAC, which ring 1 may not execute),
 * PKE (no wrpkru: PKRU guards the host's user pages), CET (the host's IBT
 * would fault the guest). */
#define PASSAGE_CR4_SMEP (1ull << 20) /* SDM Vol.3 2.5: set where the CPU has it */
#define PASSAGE_CR4_UMIP (1ull << 11) /* likewise: sgdt, sidt, sldt, smsw, str #GP */
#define PASSAGE_EFER_CLEAR 1ull /* SDM Vol.3 2.2.1: SCE, so `syscall` is #UD */

_Static_assert(sizeof(struct passage_host) <= 4096, "host state fits its page");
_Static_assert(sizeof(struct passage_world) <= 4096, "world state fits its page");
_Static_assert(sizeof(struct passage_guest) + 1024 <= PASSAGE_DF_STACK_TOP, "a 1 KiB #DF stack");
_Static_assert(sizeof(struct passage_tss) == 104, "SDM Vol.3 figure 8-11");
_Static_assert(__builtin_offsetof(struct passage_host, gdtr) % 8 == 0, "dtr aligned");
_Static_assert(__builtin_offsetof(struct passage_world, mon_gdtr) % 8 == 0, "dtr aligned");
_Static_assert(__builtin_offsetof(struct passage_world, gdt) % 8 == 0, "gdt aligned");

/* The monitor's view of one installed passage (switch/passage.c). */
struct passage {
	uint64_t hva;                /* host (= guest) virtual address of page 0 */
	uint64_t ma[PASSAGE_NPAGES]; /* machine address of each page */
	struct passage_world *world;
	struct passage_host *host;
	struct passage_guest *guest;
	void (*enter)(void);
	uint64_t tss_off;    /* where the TSS sits in page 4: the host TR base's page offset */
	int tss_placed;      /* tss_off is fixed (the first run placed it) */
	uint64_t tr_base;    /* the host's TR base on this run's CPU */
	uint64_t tss_missing_va; /* -HCERR_AGAIN from prepare: map page 4 here first */
	/* A TSS page the guest world's tables were seen to map to page 4 (0:
	 * none yet): the monitor's tables never unmap it, so the next prepare on
	 * that CPU (the same TR base) need not walk them again. */
	uint64_t tss_mirrored_page;
	uint64_t kstack;     /* TSS.RSP1: the guest kernel's stack for traps from ring 3 */
	uint64_t irq80_gate; /* vector 0x80's host-interrupt stub, when it is no direct gate */
	int syscall_direct;  /* vector 0x80 is the guest's direct gate (its selector is ours) */
	uint16_t tables_cs, tables_ss; /* the host CS and SS the GDT and IDT agree with */
	int vendor_amd;      /* SYSENTER is #UD in long mode: no SYSENTER_CS to zero */
	enum passage_fpu_mode fpu_mode;
	uint32_t fpu_bytes;  /* the guest's state: the area XSAVE writes at most */
};

struct pt;
/* Copy the stub into page 0, build the IDT and the fixed GDT entries. hva is
 * where the host mapped the pages (contiguously, in this order). Returns
 * -HCERR_INVAL if the embedded stub is malformed. */
int passage_install(struct passage *ps, uint64_t hva, const uint64_t ma[PASSAGE_NPAGES]);
/* Map the pages into the guest's tables at ps->hva with the permissions of
 * the table above. */
int passage_map_guest(const struct passage *ps, struct pt *pt);
/* The start of every run on a CPU: save the host state that cannot change
 * within the run (CR3, descriptor tables, selectors, FS/GS bases, TR) and
 * make the guest world's tables agree with it. 0, or a named error:
 * -HCERR_AGAIN: the guest's tables lack the TSS alias for this CPU's TR base
 *   (ps->tss_missing_va): passage_map_tss, outside any atomic section, then again;
 * -HCERR_RANGE: a host selector or TR base the guest world cannot serve (log says). */
int passage_host_prepare(struct passage *ps, struct pt *pt);
int passage_map_tss(struct passage *ps, struct pt *pt);
/* The host's own extended state, around a run, on hosts whose kernel does not
 * save it for us (bare metal, UEFI): save before the first enter, restore
 * after the last exit. Linux brackets its runs with kernel_fpu_begin/end. */
void passage_fpu_host_save(struct passage *ps);
void passage_fpu_host_restore(struct passage *ps);

/* The guest's trap table asked for these: a DPL-3 trap gate on vector 0x80
 * straight to `syscall_handler` in ring 1 (0: the host-interrupt stub again),
 * and DPL 3 on the monitor's gates for #BP and #OF. */
void passage_set_user_gates(struct passage *ps, uint64_t syscall_handler, int bp_user,
			    int of_user);
/* TSS.RSP1 (HC_SET_KSTACK). */
void passage_set_kstack(struct passage *ps, uint64_t rsp1);

/* Prepare the guest's first entry: rip, stack, RDI = arg, ring 1. */
void passage_guest_start(struct passage *ps, uint64_t cr3, uint64_t rip, uint64_t rsp,
			 uint64_t arg);

#endif
