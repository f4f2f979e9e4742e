/* user: ring-3 programs in address spaces of their own (guest/proc.h). One
 * says hello through its system calls, reads TLS through FS, has a bad
 * pointer refused and its heap grown on first touch; seven more each do one
 * thing ring 3 may not (a kernel page, an unmapped one, its own text, cli,
 * the hypercall gate, its data as code, ud2) and are killed by the kernel,
 * which goes on to the next; then the kernel checks every exit. */
#include "check.h"
#include "progs.h"
#include "user_images.h"
#include "../hypercall.h"
#include "../kernel.h"
#include "../palloc.h"
#include "../proc.h"
#include "../../lib/fmt.h"

#define NFAULTS 7

static int first_fault_pid;

/* The fault program asks which way to die (SYS_NCALLS). */
static int64_t which(struct proc *p, struct hc_trap_frame *f)
{
	(void)f;
	return p->pid - first_fault_pid;
}

/* SDM Vol.3 6.3.1: what each way is killed with. */
static const struct {
	unsigned vector;
	const char *what;
} deaths[NFAULTS] = {
	{ 14, "a supervisor page: #PF (U/S)" },     { 14, "an unmapped page: #PF" },
	{ 14, "a write to its text: #PF (R/W)" },   { 13, "cli: #GP" },
	{ 13, "int $0x81 (DPL 1): #GP (QEMU's TCG says error 0x812, the SDM 0x40a)" },           { 14, "its data as code: #PF (NX)" },
	{ 6, "ud2: #UD" },
};

int prog_user(void)
{
	int hello, pids[NFAULTS];
	uint64_t free_before;
	char what[96];

	check_begin("user");
	free_before = palloc_free_pages();
	hello = proc_spawn(user_image_hello, USER_IMAGE_BYTES(hello));
	check("the hello program is loaded", hello > 0);
	for (int i = 0; i < NFAULTS; i++)
		pids[i] = proc_spawn(user_image_fault, USER_IMAGE_BYTES(fault));
	first_fault_pid = pids[0];
	proc_syscall_hook = which;
	check_eq("every process ran to its end", (uint64_t)proc_run(0), 0);
	proc_syscall_hook = 0;
	check_eq("hello exited with its own code", (uint64_t)proc_exit_status(hello), 7);
	for (int i = 0; i < NFAULTS; i++) {
		fmt_snprintf(what, sizeof(what), "killed for %s", deaths[i].what);
		check_eq(what, (uint64_t)proc_exit_status(pids[i]), 128 + deaths[i].vector);
	}
	check_eq("their pages are given back", palloc_free_pages(), free_before);
	printf("guest: user: %lu system calls, %lu switches between processes\n", proc_syscalls,
	       proc_switches);
	return check_end();
}

/* What a run of this program must print, on every host (scripts/qemu-test.sh
 * reads it: prog_expect): its exit status, extra arguments, and lines of the log.
 * status: 0
 * expect: user: hello from pid 1 in ring 3 (parent 0)
 * expect: user: TLS through FS reads 7715
 * expect: user: write of a kernel address: -1
 * expect: user: write of an unmapped address: -1
 * expect: user: heap at 0x403000: a..z
 * expect: guest: proc: pid 2 killed: #PF (vector 14) error 0x5 at rip
 * expect: guest: proc: pid 3 killed: #PF (vector 14) error 0x6 at rip
 * expect: guest: proc: pid 4 killed: #PF (vector 14) error 0x7 at rip
 * expect: guest: proc: pid 5 killed: #GP (vector 13) error 0x0 at rip
 * expect: guest: proc: pid 6 killed: #GP (vector 13) error 0x
 * expect: guest: proc: pid 7 killed: #PF (vector 14) error 0x15 at rip
 * expect: guest: proc: pid 8 killed: #UD (vector 6) error 0x0 at rip
 * expect: checks, 0 failed
 * expect: SUCCESS
 */
