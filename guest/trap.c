/* The guest's trap handler (guest/traps.asm builds the frame and calls it).
 * An upcall goes to the program's handler; the system-call vector to the
 * kernel's; a fault at a probe instruction is fixed up (guest/probe.asm) and
 * resumed. Anything else: print the register dump, then hand the frame to
 * the monitor with HC_CRASH. A fault in here nests, as on hardware, and is
 * handed over as nested (the sabotage of the fault program proves it). */
#include "hypercall.h"
#include "kernel.h"

extern const char probe_read_at[], probe_write_read_at[], probe_write_at[], probe_fixup[];
extern uint64_t probe_exec_target;

struct fault_record last_fault;
int trap_verbose;
volatile uint64_t trap_sabotage_va;

static void dump(const struct hc_trap_frame *f)
{
	printf("guest: exception: vector %lu error code 0x%lx at rip %lx, cr2 %lx\n", f->vector,
	       f->error_code, f->rip, f->cr2);
	printf("guest:   rax %016lx rbx %016lx rcx %016lx rdx %016lx\n", f->rax, f->rbx, f->rcx,
	       f->rdx);
	printf("guest:   rsi %016lx rdi %016lx rbp %016lx rsp %016lx\n", f->rsi, f->rdi, f->rbp,
	       f->rsp);
	printf("guest:   r8  %016lx r9  %016lx r10 %016lx r11 %016lx\n", f->r8, f->r9, f->r10,
	       f->r11);
	printf("guest:   r12 %016lx r13 %016lx r14 %016lx r15 %016lx\n", f->r12, f->r13, f->r14,
	       f->r15);
	printf("guest:   cs %lx ss %lx rflags %lx\n", f->cs, f->ss, f->rflags);
}

/* Did one of our probes fault? (guest/probe.asm) */
static int is_probe(const struct hc_trap_frame *f)
{
	return f->rip == (uint64_t)probe_read_at || f->rip == (uint64_t)probe_write_read_at ||
	       f->rip == (uint64_t)probe_write_at ||
	       (probe_exec_target && f->rip == probe_exec_target && f->vector == 14);
}

/* Record the fault and resume at the fixup. For a fetch fault at probe_exec's
 * target, probe_fixup's RET pops the return address the call pushed. */
static void fixup(struct hc_trap_frame *f)
{
	last_fault = (struct fault_record){ last_fault.count + 1, f->vector, f->error_code,
					    f->cr2, f->rip };
	f->rip = (uint64_t)probe_fixup;
}

void guest_trap(struct hc_trap_frame *f);
int (*trap_hook)(struct hc_trap_frame *f);
void (*syscall_fn)(struct hc_trap_frame *f);
static int in_report; /* printing an exception: one more is a nested fault */

void guest_trap(struct hc_trap_frame *f)
{
	int probe = is_probe(f);

	if (f->vector == HCABI_UPCALL_VECTOR) {
		vintr_upcall(f);
		return;
	}
	if (f->vector == HCABI_SYSCALL_VECTOR && syscall_fn) {
		syscall_fn(f);
		return;
	}
	if (trap_hook && trap_hook(f))
		return;
	/* A fault while we print one (a broken handler, as the fault program
	 * makes it): exceptions nest as on hardware, so this one comes back
	 * here; it is reported as nested, not printed again. */
	if (in_report) {
		console_flush();
		hypercall(HC_CRASH, virt_to_gpa(f), HCCRASH_NESTED, 0);
		guest_exit(99);
	}
	in_report = 1;
	if (!probe || trap_verbose)
		dump(f);
	if (trap_sabotage_va)
		(void)*(volatile uint8_t *)trap_sabotage_va; /* the fault program's broken handler */
	if (probe) {
		fixup(f);
		in_report = 0;
		return; /* traps.asm resumes from the frame: iretq */
	}
	console_flush();
	hypercall(HC_CRASH, virt_to_gpa(f), HCCRASH_UNHANDLED, 0);
	guest_exit(99); /* HC_CRASH does not return for a valid frame */
}
