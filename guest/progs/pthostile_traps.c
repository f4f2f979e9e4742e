/* pthostile's trap cases: `int N` for every N from ring 1 and ring 3, iretq
 * and far jumps to selectors the guest may not load, the MOV SS shadow, every
 * privileged instruction from ring 3 (a process of guest/user/hostile.c each,
 * under guest entries in the monitor's slots), a garbage kernel stack. */
#include "pthostile.h"
#include "user_images.h"
#include "../hypercall.h"
#include "../kernel.h"
#include "../palloc.h"
#include "../proc.h"
#include "../pt.h"
#include "../user/hostile.h"

#define RFLAGS_TF (1ull << 8) /* SDM Vol.1 3.4.3 */
#define RFLAGS_IF (1ull << 9)
#define RFLAGS_IOPL (3ull << 12)
#define RFLAGS_NT (1ull << 14)
#define GDT_SWEEP 64 /* selectors 0-0x1ff: the guest world's GDT (34 entries) and past it */

extern const char trap_vectors[]; /* guest/traps.asm: vector v's stub at + v * 16 */

static uint64_t rflags(void)
{
	uint64_t f;

	__asm__ volatile("pushfq; pop %0" : "=r"(f));
	return f;
}

/* ---- what the hooks saw ---- */

static struct {
	uint8_t gp[256];        /* #GPs at the `int N` of N */
	uint16_t gp_error[256]; /* the last one's error code */
	uint8_t trapped[256];   /* the vector N itself delivered */
} seen;
static uint64_t iret_vector, iret_error, db_count;
static volatile int db_stop; /* the single steps may end */

/* The SDM's #GP error code for `int N` through a gate of too high a DPL is
 * the IDT entry's index with the IDT bit, (N << 3) | 2 (SDM Vol.3 6.13);
 * QEMU's TCG gives (N << 4) | 2. Which one (2: N = 0, both), or neither (-1). */
static int gp_style(unsigned n, uint64_t error)
{
	if (n == 0 && error == 2)
		return 2;
	return error == ((n << 3) | 2) ? 0 : error == ((n << 4) | 2) ? 1 : -1;
}

/* What happened at pth_int_table's `int N` (N from RIP in ring 1, from RDI
 * in ring 3): a #GP is skipped, a vector delivered is resumed after it. */
static int record_int(struct hc_trap_frame *f, unsigned n)
{

	if (f->vector == 13) {
		seen.gp[n]++;
		seen.gp_error[n] = (uint16_t)f->error_code;
		f->rip += 2; /* CD ib */
	} else {
		seen.trapped[n] += f->vector == n;
	}
	return 1;
}

/* Ring 1's hook: the `int N` sweep, the iretq probe, the single steps. */
static int ring1_trap(struct hc_trap_frame *f)
{
	uint64_t table = (uint64_t)pth_int_table;

	if (f->vector == HCABI_UPCALL_VECTOR)
		return 0;
	if (f->rip == (uint64_t)pth_iret_at || f->rip == (uint64_t)pth_far_jmp_at ||
	    f->rip == (uint64_t)pth_far_call_at) {
		iret_vector = f->vector;
		iret_error = f->error_code;
		f->rip = (uint64_t)pth_iret_fixup;
		f->rflags &= ~RFLAGS_NT; /* the fixup's own return must not fault too */
		return 1;
	}
	if (f->vector == 1) {
		db_count++;
		if (db_stop)
			f->rflags &= ~RFLAGS_TF;
		return 1;
	}
	if (f->rip >= table && f->rip < table + 256 * 8)
		return record_int(f, (unsigned)((f->rip - table) / 8));
	return 0;
}

static void declare_user(int on)
{
	trap_set_entry(3, (uint64_t)trap_vectors + 3 * 16, on ? HCTRAP_USER : 0);
	trap_set_entry(4, (uint64_t)trap_vectors + 4 * 16, on ? HCTRAP_USER : 0);
	traps_load();
}

/* ---- ring 1 ---- */

static uint64_t int_ring1(unsigned n, uint64_t rax)
{
	__asm__ volatile("call *%[at]"
			 : "+a"(rax)
			 : [at] "r"(pth_int_table + n * 8)
			 : "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory", "cc");
	return rax;
}

/* SDM Vol.3 6.12.1.1: `int N` checks the gate's DPL against CPL. Every gate
 * of the monitor's IDT is DPL 0 but the hypercall gate's (1), so from ring 1
 * every other N is a #GP: none reaches the host's interrupt stubs (a fake
 * device interrupt), its NMI or machine-check gates. */
static void ints_ring1(void)
{
	unsigned good = 0, style[3] = { 0, 0, 0 };
	uint64_t r;

	__builtin_memset(&seen, 0, sizeof(seen));
	for (unsigned n = 0; n < 256; n++)
		int_ring1(n, HC_YIELD); /* 0x81 is a hypercall: HC_YIELD */
	for (unsigned n = 0; n < 256; n++) {
		int s = gp_style(n, seen.gp_error[n]);

		if (n == HCABI_VECTOR || seen.gp[n] != 1 || s < 0)
			continue;
		good++;
		style[s]++;
	}
	pth_case(good == 255 && seen.gp[HCABI_VECTOR] == 0,
		 "int N from ring 1 for all 256 N but 0x81 (the hypercall gate): #GP to the "
		 "guest's handler, none reaching a host gate (%u of 255; error code (N*16)|2, "
		 "QEMU's TCG: %u; (N*8)|2, the SDM's: %u; 2 for N = 0: %u)", good, style[1],
		 style[0], style[2]);
	r = int_ring1(HCABI_VECTOR, HC_YIELD);
	pth_case(r == 0 && seen.gp[HCABI_VECTOR] == 0,
		 "int $0x81 from ring 1: the hypercall (HC_YIELD returned %ld)", (int64_t)r);
	declare_user(1);
	int_ring1(3, 0);
	int_ring1(4, 0);
	declare_user(0);
	pth_case(seen.trapped[3] == 1 && seen.trapped[4] == 1,
		 "int 3 and int 4 from ring 1 once declared user-callable (HCTRAP_USER): #BP and "
		 "#OF to the guest's handlers");
}

/* SDM Vol.2 IRET: returning to a CS of RPL < CPL, a CS whose DPL is not its
 * RPL, a selector past the GDT, a non-code one, or an SS whose RPL or DPL is
 * not the CS's: #GP(selector) in ring 1, to the guest's own #GP handler. */
static void irets(void)
{
	uint64_t f = rflags(), cs_ok = 0, cs_n = 0, ss_ok = 0, ss_n = 0, host_cs = 0;
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} idtr;
	int64_t r;

	r = pth_iret(HCABI_GUEST_CS, HCABI_GUEST_DS, f, 0);
	pth_case(r == 0, "an iretq of its own CS 0x%x and SS 0x%x returns", HCABI_GUEST_CS,
		 HCABI_GUEST_DS);
	for (unsigned i = 0; i < GDT_SWEEP * 4; i++) {
		uint64_t sel = (i / 4) << 3 | (i % 4);

		if (i % 4 == 2 || sel == HCABI_GUEST_CS || sel == HCABI_USER_CS)
			continue;
		iret_vector = 0;
		r = pth_iret(sel, HCABI_GUEST_DS, f, 0);
		cs_n++;
		cs_ok += r == -1 && iret_vector == 13 && iret_error == (sel & 0xfffc);
	}
	/* A null SS is allowed to a ring below 3 in 64-bit mode: not swept. */
	for (unsigned i = 4; i < GDT_SWEEP * 4; i++) {
		uint64_t sel = (i / 4) << 3 | (i % 4);

		if (i % 4 == 2 || sel == HCABI_GUEST_DS)
			continue;
		iret_vector = 0;
		r = pth_iret(HCABI_GUEST_CS, sel, f, 0);
		ss_n++;
		ss_ok += r == -1 && iret_vector == 13 && iret_error == (sel & 0xfffc);
	}
	pth_case(cs_ok == cs_n, "iretq to CS = each selector 0-0x1ff with RPL 0, 1 or 3 (the "
		 "host's, the GDT's others, past its end) but its own: #GP(CS) each (%lu of %lu)",
		 cs_ok, cs_n);
	pth_case(ss_ok == ss_n, "iretq with SS = each such selector but its own: #GP(SS) each "
		 "(%lu of %lu)", ss_ok, ss_n);
	if (!pth_cpu_has7(1, 2)) { /* without UMIP, SIDT tells the gates' selector */
		__asm__ volatile("sidt %0" : "=m"(idtr));
		host_cs = ((volatile uint16_t *)idtr.base)[1];
		iret_vector = 0;
		r = pth_iret(host_cs, HCABI_GUEST_DS, f, 0);
		pth_case(r == -1 && iret_vector == 13 && iret_error == (host_cs & 0xfffc),
			 "iretq to the host's ring-0 CS: #GP(CS) (CS 0x%lx, the monitor's gates'; "
			 "error 0x%lx)", host_cs, iret_error);
	} else {
		pth_case(cs_ok == cs_n, "iretq to the host's ring-0 CS: #GP(CS), in the sweep "
			 "above (UMIP keeps SIDT, which would name it, from ring 1)");
	}
	iret_vector = 0;
	r = pth_iret(HCABI_GUEST_CS, HCABI_GUEST_DS, f, RFLAGS_NT);
	pth_case(r == -1 && iret_vector == 13 && iret_error == 0,
		 "iretq with RFLAGS.NT set (a task return, none in 64-bit mode): #GP(0)");
	r = pth_iret(HCABI_GUEST_CS, HCABI_GUEST_DS, (f | RFLAGS_IOPL) & ~RFLAGS_IF, 0);
	f = rflags();
	pth_case(r == 0 && (f & (RFLAGS_IF | RFLAGS_IOPL)) == RFLAGS_IF,
		 "iretq of IOPL 3 and IF 0 from ring 1: returns, IOPL stays 0 and IF 1 "
		 "(rflags %lx)", f);
}

/* SDM Vol.2 JMP, CALL: a far one to another privilege's code, to data, to a
 * TSS (no task switches in 64-bit mode) or past the GDT is a #GP(selector). */
static void far_transfers(void)
{
	for (unsigned k = 0; k < 2; k++) {
		uint64_t ok = 0, n = 0;

		for (unsigned i = 0; i < GDT_SWEEP * 4; i++) {
			uint64_t sel = (i / 4) << 3 | (i % 4);

			if (i % 4 == 2 || sel >> 3 == HCABI_GUEST_CS >> 3)
				continue;
			iret_vector = 0;
			n++;
			ok += pth_far(sel, k) == -1 && iret_vector == 13 &&
			      iret_error == (sel & 0xfffc);
		}
		pth_case(ok == n, "a far %s to each selector 0-0x1ff with RPL 0, 1 or 3 but its "
			 "own code segment's (the host's, a TSS's, past the GDT): #GP(selector) "
			 "each (%lu of %lu)", k ? "call" : "jmp", ok, n);
	}
}

/* SDM Vol.3 6.8.3: MOV SS holds a #DB back until after the next instruction;
 * if that is an INT n, the #DB lands in the gate's first instruction, in
 * ring 0 (CVE-2018-8897). The monitor's #DB gate resumes the switch there. */
static void mov_ss_shadow(void)
{
	uint64_t rax = HC_YIELD;

	db_count = 0;
	db_stop = 0;
	__asm__ volatile("pushfq\n\t"
			 "orq %[tf], (%%rsp)\n\t"
			 "popfq\n\t"
			 "mov %%ss, %%ecx\n\t"
			 "mov %%ecx, %%ss\n\t"
			 "int $0x81\n\t"
			 "movl $1, %[stop]\n\t"
			 "nop\n\t"
			 "nop"
			 : "+a"(rax), [stop] "=m"(db_stop)
			 : [tf] "i"(RFLAGS_TF)
			 : "rcx", "memory", "cc");
	pth_case(rax == 0 && db_count > 0,
		 "MOV SS then int $0x81 under TF (the MOV SS shadow): the hypercall done (%lu), "
		 "%lu #DB to the guest", rax, db_count);
}

int pth_op_traps(void)
{
	int (*old)(struct hc_trap_frame *) = trap_hook;

	trap_hook = ring1_trap;
	ints_ring1();
	irets();
	far_transfers();
	mov_ss_shadow();
	trap_hook = old;
	return 0;
}

/* ---- ring 3 ---- */

enum { CLASS_KILL, CLASS_DB, CLASS_UMIP, CLASS_KEEP };
static const struct {
	const char *mnemonic;
	int class;
} insns[] = {
#define HOSTILE_ROW(name, mnemonic, class) { mnemonic, CLASS_##class },
	HOSTILE_INSNS(HOSTILE_ROW)
#undef HOSTILE_ROW
};

static int op_now;           /* what the next process is told */
static uint64_t kstack_garbage;
static int (*kit_trap)(struct hc_trap_frame *f); /* guest/proc.c's, while processes run */

/* The processes' traps: the `int N` sweep's are counted and skipped; all
 * else is the kit's (guest/proc.c: a fault it cannot explain kills). */
static int ring3_trap(struct hc_trap_frame *f)
{
	if (op_now == HOSTILE_INTS && (f->cs & 3) == 3 &&
	    (f->vector == 13 || f->vector == 3 || f->vector == 4))
		return record_int(f, (unsigned)f->rdi & 255);
	return kit_trap(f);
}

static int64_t hostile_sys(struct proc *p, struct hc_trap_frame *f)
{
	(void)p;
	if (f->rax == HOSTILE_SYS_WHICH) {
		if (trap_hook != ring3_trap) { /* proc_run set the kit's: ours goes first */
			kit_trap = trap_hook;
			trap_hook = ring3_trap;
		}
		if (kstack_garbage) /* TSS.RSP1 from the next trap on */
			hypercall(HC_SET_KSTACK, kstack_garbage, 0, 0);
		return op_now;
	}
	if (f->rax == HOSTILE_SYS_DECLARE) {
		declare_user(f->rdi != 0);
		return 0;
	}
	return -1;
}

/* Run one hostile process with op; its exit status. */
static int run_hostile(int op)
{
	int pid;

	op_now = op;
	proc_syscall_hook = hostile_sys;
	pid = proc_spawn(user_image_hostile, USER_IMAGE_BYTES(hostile));
	if (pid > 0)
		proc_run(0);
	proc_syscall_hook = 0;
	return pid > 0 ? proc_exit_status(pid) : -1;
}

/* The exception an exit status of the kit names (128 + vector, guest/proc.h). */
static const char *killed_by(int st)
{
	return st == 128 + 13 ? "#GP" : st == 128 + 6 ? "#UD" : st == 128 + 1 ? "#DB" : "nothing";
}

static void privileged(void)
{
	int umip = pth_cpu_has7(1, 2);

	for (int op = 0; op < HOSTILE_NINSNS; op++) {
		int st = run_hostile(op);
		const char *m = insns[op].mnemonic;

		switch (insns[op].class) {
		case CLASS_KILL:
			pth_case(st == 128 + 13 || st == 128 + 6, "ring 3 `%s`: killed by %s", m,
				 killed_by(st));
			break;
		case CLASS_DB: /* SDM Vol.2 INT1: a #DB; QEMU's TCG makes it a #UD */
			pth_case(st == 128 + 1 || st == 128 + 6, "ring 3 `%s`: killed by %s%s", m,
				 killed_by(st),
				 st == 128 + 6 ? " (QEMU's TCG; the SDM says #DB)" : "");
			break;
		case CLASS_UMIP:
			if (umip)
				pth_case(st == 128 + 13, "ring 3 `%s`: killed by #GP (UMIP)", m);
			else
				pth_case(st == 0, "ring 3 `%s`: runs, as without UMIP (QEMU's "
					 "qemu64 has none; exit status %d)", m, st);
			break;
		default:
			pth_case(st == 0, "ring 3 `%s`: runs, IF and IOPL unchanged (exit "
				 "status %d)", m, st);
		}
	}
}

/* The sweep of guest/user/hostile.c from ring 3: every gate but the system
 * call's is of DPL 0 or 1 to ring 3, so `int N` is a #GP for every N but
 * 0x80, and 3 and 4 are the kernel's #BP and #OF once declared user. */
static void ints_ring3(void)
{
	unsigned good = 0, style[3] = { 0, 0, 0 };
	int st;

	__builtin_memset(&seen, 0, sizeof(seen));
	st = run_hostile(HOSTILE_INTS);
	for (unsigned n = 0; n < 256; n++) {
		int s = gp_style(n, seen.gp_error[n]);

		if (n == HCABI_SYSCALL_VECTOR || seen.gp[n] != 1 || s < 0)
			continue;
		good++;
		style[s]++;
	}
	pth_case(good == 255 && seen.gp[HCABI_SYSCALL_VECTOR] == 0,
		 "int N from ring 3 for all 256 N but 0x80: #GP to the kernel, which goes on "
		 "(%u of 255; error code (N*16)|2, QEMU's TCG: %u; (N*8)|2, the SDM's: %u; 2 for "
		 "N = 0: %u)", good, style[1], style[0], style[2]);
	pth_case(st == 0, "int $0x80 from ring 3: the system call (getpid answered; exit status "
		 "%d)", st);
	pth_case(seen.trapped[3] == 1 && seen.trapped[4] == 1,
		 "int 3 and int 4 from ring 3 once declared user-callable (HCTRAP_USER): #BP and "
		 "#OF to the kernel");
}

/* Every process of this op gets its kernel half from the boot tables
 * (pt_new): with guest entries in all the monitor's slots there, every trap
 * from ring 3 (the CPU reading the TSS alias for RSP1, the IDT, the GDT)
 * runs under them. */
#define MONITOR_FIRST 272 /* proto/layout.h */
#define MONITOR_LAST 510

static void poison_monitor_slots(uint64_t *saved)
{
	uint64_t *pml4 = gpa_to_virt(boot->boot_cr3), pdpt = palloc(), pd = palloc();

	for (unsigned i = 0; i < 512; i++) { /* every address: the pool's first 2 MiB */
		((uint64_t *)gpa_to_virt(pd))[i] = 0 | PTE_P | PTE_W | PTE_U | PTE_PS;
		((uint64_t *)gpa_to_virt(pdpt))[i] = pd | PTE_P | PTE_W | PTE_U;
	}
	for (unsigned s = MONITOR_FIRST; s <= MONITOR_LAST; s++) {
		saved[s - MONITOR_FIRST] = pml4[s];
		pml4[s] = pdpt | PTE_P | PTE_W | PTE_U;
	}
}

int pth_op_user(void)
{
	static uint64_t saved[MONITOR_LAST - MONITOR_FIRST + 1];
	uint64_t *pml4 = gpa_to_virt(boot->boot_cr3), free_before;
	int hello;

	poison_monitor_slots(saved);
	free_before = palloc_free_pages();
	hello = proc_spawn(user_image_hello, USER_IMAGE_BYTES(hello));
	proc_run(0);
	pth_case(proc_exit_status(hello) == 7,
		 "a process whose tables hold guest entries in all 239 monitor slots runs to its "
		 "end: system calls, TLS, lazy heap pages");
	privileged();
	ints_ring3();
	pth_case(palloc_free_pages() == free_before, "the processes' pages are given back");
	for (unsigned s = MONITOR_FIRST; s <= MONITOR_LAST; s++)
		pml4[s] = saved[s - MONITOR_FIRST];
	return 0;
}

/* A garbage kernel stack (TSS.RSP1, set from inside a system call), then a
 * trap from ring 3: with monitor_pushes a ud2, whose frame the monitor
 * writes, on the passage's read-only code page; else a system call, whose
 * frame the CPU itself pushes through the direct gate, on an unmapped page.
 * Either is the guest's double fault: the monitor's report ends the run. */
int pth_op_kstack(int monitor_pushes)
{
	kstack_garbage = monitor_pushes ? boot->passage_gva + 4096 : 0x00007fff00000000ull;
	printf("guest: pthostile: kstack: HC_SET_KSTACK(%lx) from a system call, then %s from "
	       "ring 3\n", kstack_garbage, monitor_pushes ? "ud2" : "a system call");
	console_flush();
	return run_hostile(monitor_pushes ? HOSTILE_KSTACK_FAULT : HOSTILE_KSTACK_SYSCALL);
}
