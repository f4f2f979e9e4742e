/* pthostile: nothing a guest kernel or its user code does with page tables
 * and traps harms the host. op=NAME runs one group of cases (those that end
 * the guest one run each); every case prints a named outcome, and the harness
 * checks those, the monitor's report, and that the host then holds nothing
 * and goes on. The cases: pthostile_pt.c (tables), pthostile_traps.c (traps). */
#include <stdarg.h>
#include "progs.h"
#include "pthostile.h"
#include "../kernel.h"
#include "../../lib/fmt.h"

static int ncases, nfailed;

int pth_case(int ok, const char *what, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, what);
	fmt_vsnprintf(line, sizeof(line), what, ap);
	va_end(ap);
	ncases++;
	nfailed += !ok;
	printf("guest: pthostile: %s: %s\n", ok ? "ok" : "FAIL", line);
	return ok;
}

static int64_t fault_of(int64_t probe)
{
	if (probe == 0)
		return -1;
	return last_fault.vector == 14 ? (int64_t)(last_fault.error_code & 0xffff) :
					 -2 - (int64_t)last_fault.vector;
}

int64_t pth_fault_read(uint64_t va)
{
	return fault_of(probe_read(va));
}

int64_t pth_fault_write(uint64_t va)
{
	return fault_of(probe_write(va));
}

int64_t pth_fault_exec(uint64_t va)
{
	return fault_of(probe_exec(va));
}

int pth_cpu_has7(int ecx, unsigned bit)
{
	uint32_t a, b, c, d;

	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
	if (a < 7)
		return 0;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(0));
	return (int)(((ecx ? c : b) >> bit) & 1);
}

static const struct {
	const char *name;
	int (*run)(void);
} ops[] = {
	{ "tables", pth_op_tables },
	{ "million", pth_op_million },
	{ "traps", pth_op_traps },
	{ "user", pth_op_user },
};

static int kstack_syscall(void)
{
	return pth_op_kstack(0);
}

static int kstack_fault(void)
{
	return pth_op_kstack(1);
}

/* The ops that end the guest (the monitor's report is their outcome). */
static const struct {
	const char *name;
	int (*run)(void);
} ending[] = {
	{ "kstack", kstack_syscall },
	{ "kstackud", kstack_fault },
	{ "pfnest", pth_op_pfnest },
};

int prog_pthostile(void)
{
	char op[16];

	cmdline_arg("op", op, sizeof(op));
	for (unsigned i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (__builtin_strcmp(op, ops[i].name) == 0) {
			int r = ops[i].run();

			printf("guest: pthostile: op=%s: %d cases, %d failed\n", op, ncases,
			       nfailed);
			if (r || nfailed) {
				printf("ABORT: pthostile op=%s: %d of %d cases failed\n", op,
				       nfailed, ncases);
				return 1;
			}
			return 0;
		}
	}
	for (unsigned i = 0; i < sizeof(ending) / sizeof(ending[0]); i++) {
		if (__builtin_strcmp(op, ending[i].name) == 0) {
			ending[i].run();
			printf("ABORT: pthostile op=%s: the guest went on\n", op);
			return 1;
		}
	}
	printf("ABORT: op=%s: unknown (tables million traps user kstack kstackud pfnest)\n",
	       op);
	return 2;
}

/* What a run of this program must print, on every host (scripts/qemu-test.sh
 * reads it: prog_expect): its exit status, extra arguments, and lines of the log.
 * The ops that end the guest come last: a batch's status is its last run's.
 * status: 100
 * expect op=tables: pthostile: ok: guest entries in all 239 of the monitor's PML4 slots (272-510), every address to a poison page: none of 3824 reads across them sees it
 * expect op=tables: pthostile: ok: ... and every write there faults
 * expect op=tables: pthostile: ok: the passage's 8 pages at bootinfo.passage_gva: none reads the guest's poison
 * expect op=tables: pthostile: ok: a PML4 entry to the pool's end: #PF P|RSVD
 * expect op=tables: pthostile: ok: a PDPT entry to the pool's end: #PF P|RSVD
 * expect op=tables: pthostile: ok: a PD entry to the pool's end: #PF P|RSVD
 * expect op=tables: pthostile: ok: a PT entry to the pool's end: #PF P|RSVD
 * expect op=tables: pthostile: ok: a PT entry far past the pool but below MAXPHYADDR: #PF P|RSVD
 * expect op=tables: pthostile: ok: ... and fetching from it: #PF P|RSVD
 * expect op=tables: pthostile: ok: a 2 MiB page past the pool's end: #PF P|RSVD
 * expect op=tables: pthostile: ok: a PT entry to the pool's last page reads it
 * expect op=tables: pthostile: ok: a 1 GiB page at gpa 0 over the pool: its last pool page reads, the next is #PF P|RSVD
 * expect op=tables: pthostile: ok: the lowest reserved address bit in a PML4 entry: #PF P|RSVD
 * expect op=tables: pthostile: ok: the lowest reserved address bit in a PDPT entry: #PF P|RSVD
 * expect op=tables: pthostile: ok: the lowest reserved address bit in a PD entry: #PF P|RSVD
 * expect op=tables: pthostile: ok: the lowest reserved address bit in a PT entry: #PF P|RSVD
 * expect op=tables: pthostile: ok: PS in a PML4 entry: #PF P|RSVD
 * expect op=tables: pthostile: ok: bit 13 in a 1 GiB page's PDPT entry (bits 29:13 are reserved): #PF P|RSVD
 * expect op=tables: pthostile: ok: bit 13 in a 2 MiB page's PD entry (bits 20:13 are reserved): #PF P|RSVD
 * expect op=tables: pthostile: ok: not-present PT and PML4 entries with every other bit set: #PF, not RSVD
 * expect op=tables: pthostile: ok: bits 62:52 and 11:9 (ignored) set at every level: the page reads
 * expect op=tables: pthostile: ok: a recursive PML4 entry (slot 200): the PML4 reads through it, all 512 entries as written
 * expect op=tables: pthostile: ok: ... and a PDPT, a PD and a PT entry through it, one level each
 * expect op=tables: pthostile: ok: ... a page mapped under it reads
 * expect op=tables: pthostile: ok: ... and a write through it remaps that page after invlpg
 * expect op=tables: pthostile: ok: a loop PML4 -> PDPT -> PML4: PML4 entry 3 taken as a PD entry, its PDPT as a PT: it maps the PD, which reads
 * expect op=tables: pthostile: ok: one page that is its own PDPT, PD and PT: it maps itself, which reads (A set)
 * expect op=tables: pthostile: ok: a PD entry back to its own PDPT: the PDPT taken as a PT maps the PD, which reads
 * expect op=tables: pthostile: ok: a PT entry mapping its own PT: the PT reads through it
 * expect op=tables: pthostile: ok: SMEP:
 * expect op=tables: pthostile: ok: HC_SET_CR3 of a root at the pool's end: -HCERR_INVAL, the loaded tables still in place
 * expect op=tables: pthostile: ok: HC_SET_CR3 of a root past the pool's end, PCID 1: -HCERR_INVAL, the loaded tables still in place
 * expect op=tables: pthostile: ok: HC_SET_CR3 of a root at 2^51: -HCERR_INVAL, the loaded tables still in place
 * expect op=tables: pthostile: ok: HC_SET_CR3 of every address bit: -HCERR_INVAL, the loaded tables still in place
 * expect op=tables: pthostile: ok: HC_SET_CR3 of bit 52: -HCERR_INVAL, the loaded tables still in place
 * expect op=tables: pthostile: ok: HC_SET_CR3 of bit 62: -HCERR_INVAL, the loaded tables still in place
 * expect op=tables: pthostile: ok: HC_SET_CR3 of bits 62:52: -HCERR_INVAL, the loaded tables still in place
 * expect op=tables: pthostile: ok: HC_SET_CR3 of all 64 bits: -HCERR_INVAL, the loaded tables still in place
 * expect op=tables: pthostile: ok: HC_SET_CR3 of a root 0x800 off its page: the root with PCID 0x800, loaded
 * expect op=tables: pthostile: ok: INVLPG of 5 non-canonical addresses and of the passage: NOPs (a stale translation stays)
 * expect op=tables: pthostile: ok: HC_FLUSH of a non-canonical address, type 4, PCID 0x1000, all ones: -HCERR_INVAL, nothing dropped
 * expect op=tables: pthostile: ok: INVLPG of the page itself: the new translation
 * expect op=tables: pthostile: ok: HC_SET_KSTACK of two non-canonical addresses: -HCERR_INVAL
 * expect op=tables: pthostile: op=tables: 43 cases, 0 failed
 * expect op=traps: pthostile: ok: int N from ring 1 for all 256 N but 0x81 (the hypercall gate): #GP to the guest's handler, none reaching a host gate
 * expect op=traps: pthostile: ok: int $0x81 from ring 1: the hypercall
 * expect op=traps: pthostile: ok: int 3 and int 4 from ring 1 once declared user-callable (HCTRAP_USER): #BP and #OF to the guest's handlers
 * expect op=traps: pthostile: ok: an iretq of its own CS 0xf1 and SS 0xf9 returns
 * expect op=traps: pthostile: ok: iretq to CS = each selector 0-0x1ff with RPL 0, 1 or 3 (the host's, the GDT's others, past its end) but its own: #GP(CS) each
 * expect op=traps: pthostile: ok: iretq with SS = each such selector but its own: #GP(SS) each
 * expect op=traps: pthostile: ok: iretq to the host's ring-0 CS: #GP(CS)
 * expect op=traps: pthostile: ok: a far jmp to each selector 0-0x1ff with RPL 0, 1 or 3 but its own code segment's (the host's, a TSS's, past the GDT): #GP(selector) each
 * expect op=traps: pthostile: ok: a far call to each selector 0-0x1ff with RPL 0, 1 or 3 but its own code segment's (the host's, a TSS's, past the GDT): #GP(selector) each
 * expect op=traps: pthostile: ok: iretq with RFLAGS.NT set
 * expect op=traps: pthostile: ok: iretq of IOPL 3 and IF 0 from ring 1: returns, IOPL stays 0 and IF 1
 * expect op=traps: pthostile: ok: MOV SS then int $0x81 under TF (the MOV SS shadow): the hypercall done
 * expect op=traps: pthostile: op=traps: 12 cases, 0 failed
 * expect op=user: pthostile: ok: a process whose tables hold guest entries in all 239 monitor slots runs to its end: system calls, TLS, lazy heap pages
 * expect op=user: pthostile: ok: ring 3 `cli`: killed by #
 * expect op=user: pthostile: ok: ring 3 `sti`: killed by #
 * expect op=user: pthostile: ok: ring 3 `hlt`: killed by #
 * expect op=user: pthostile: ok: ring 3 `in`: killed by #
 * expect op=user: pthostile: ok: ring 3 `out`: killed by #
 * expect op=user: pthostile: ok: ring 3 `insb`: killed by #
 * expect op=user: pthostile: ok: ring 3 `wrmsr`: killed by #
 * expect op=user: pthostile: ok: ring 3 `rdmsr`: killed by #
 * expect op=user: pthostile: ok: ring 3 `mov to cr0`: killed by #
 * expect op=user: pthostile: ok: ring 3 `mov from cr3`: killed by #
 * expect op=user: pthostile: ok: ring 3 `mov to cr4`: killed by #
 * expect op=user: pthostile: ok: ring 3 `mov to cr8`: killed by #
 * expect op=user: pthostile: ok: ring 3 `mov to dr7`: killed by #
 * expect op=user: pthostile: ok: ring 3 `mov from dr6`: killed by #
 * expect op=user: pthostile: ok: ring 3 `lgdt`: killed by #
 * expect op=user: pthostile: ok: ring 3 `lidt`: killed by #
 * expect op=user: pthostile: ok: ring 3 `lldt`: killed by #
 * expect op=user: pthostile: ok: ring 3 `ltr`: killed by #
 * expect op=user: pthostile: ok: ring 3 `lmsw`: killed by #
 * expect op=user: pthostile: ok: ring 3 `clts`: killed by #
 * expect op=user: pthostile: ok: ring 3 `invlpg`: killed by #
 * expect op=user: pthostile: ok: ring 3 `invpcid`: killed by #
 * expect op=user: pthostile: ok: ring 3 `invd`: killed by #
 * expect op=user: pthostile: ok: ring 3 `wbinvd`: killed by #
 * expect op=user: pthostile: ok: ring 3 `swapgs`: killed by #
 * expect op=user: pthostile: ok: ring 3 `rdpmc`: killed by #
 * expect op=user: pthostile: ok: ring 3 `xsetbv`: killed by #
 * expect op=user: pthostile: ok: ring 3 `syscall`: killed by #
 * expect op=user: pthostile: ok: ring 3 `sysretq`: killed by #
 * expect op=user: pthostile: ok: ring 3 `sysenter`: killed by #
 * expect op=user: pthostile: ok: ring 3 `sysexitq`: killed by #
 * expect op=user: pthostile: ok: ring 3 `vmcall`: killed by #
 * expect op=user: pthostile: ok: ring 3 `wrfsbase`: killed by #
 * expect op=user: pthostile: ok: ring 3 `wrpkru`: killed by #
 * expect op=user: pthostile: ok: ring 3 `int $0x81 (HC_EXIT)`: killed by #
 * expect op=user: pthostile: ok: ring 3 `int3`: killed by #
 * expect op=user: pthostile: ok: ring 3 `into`: killed by #
 * expect op=user: pthostile: ok: ring 3 `iretq to ring 1`: killed by #
 * expect op=user: pthostile: ok: ring 3 `iretq to ring 0`: killed by #
 * expect op=user: pthostile: ok: ring 3 `mov to ds of the kernel's`: killed by #
 * expect op=user: pthostile: ok: ring 3 `mov to ss of the kernel's`: killed by #
 * expect op=user: pthostile: ok: ring 3 `int1 (icebp)`: killed by #
 * expect op=user: pthostile: ok: ring 3 `sgdt`:
 * expect op=user: pthostile: ok: ring 3 `sidt`:
 * expect op=user: pthostile: ok: ring 3 `sldt`:
 * expect op=user: pthostile: ok: ring 3 `str`:
 * expect op=user: pthostile: ok: ring 3 `smsw`:
 * expect op=user: pthostile: ok: ring 3 `popfq of IF 0, IOPL 3`: runs, IF and IOPL unchanged
 * expect op=user: pthostile: ok: int N from ring 3 for all 256 N but 0x80: #GP to the kernel, which goes on
 * expect op=user: pthostile: ok: int $0x80 from ring 3: the system call
 * expect op=user: pthostile: ok: int 3 and int 4 from ring 3 once declared user-callable (HCTRAP_USER): #BP and #OF to the kernel
 * expect op=user: pthostile: ok: the processes' pages are given back
 * expect op=user: pthostile: op=user: 53 cases, 0 failed
 * expect op=million: pthostile: ok: 200000 distinct 4 KiB pages of va, each in its own 2 MiB, all one 2 MiB page of the pool: every read right
 * expect op=million: pthostile: op=million: 1 cases, 0 failed
 * expect op=million: 400 trees dropped (400 for room);
 * expect op=million: of 512 pages free at the end
 * expect op=kstack: monitor: guest crashed (double fault: its stack cannot take the exception frame): vector 14 (#PF page fault) error code 0x2
 * expect op=kstack: pthostile: kstack: HC_SET_KSTACK(7fff00000000) from a system call, then a system call from ring 3
 * expect op=kstack: monitor:   the frame would go at 7ffeffffffd0: not writable guest memory in its page tables
 * expect op=kstackud: monitor: guest crashed (double fault: its stack cannot take the exception frame): vector 6 (#UD invalid opcode)
 * expect op=kstackud: pthostile: kstack: HC_SET_KSTACK(
 * expect op=kstackud: ) from a system call, then ud2 from ring 3
 * expect op=kstackud: monitor:   the frame would go at
 * expect op=pfnest: monitor: guest crashed (double fault: its stack cannot take the exception frame): vector 14 (#PF page fault) error code 0x10
 * expect op=pfnest: pthostile: pfnest: the #PF handler's page (
 * expect op=pfnest: monitor:   the frame would go at 7fffffffe0: not writable guest memory in its page tables
 * expect op=pfnest: 85 exceptions handed to the guest
 */
