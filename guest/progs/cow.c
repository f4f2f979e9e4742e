/* cow: fork with copy-on-write (guest/proc.h). The user program cow
 * (guest/user/cow.c) and its children make their checks through the test
 * system calls (guest/progs/memtest.h): references, frames, one copy per page
 * written, the last holder's frame reused, SYS_WAIT's copy into a shared page.
 * Then the kernel checks every exit, and that every page came back. */
#include "check.h"
#include "memtest.h"
#include "progs.h"
#include "user_images.h"
#include "../kernel.h"
#include "../palloc.h"
#include "../proc.h"

int prog_cow(void)
{
	uint64_t free_before;
	int parent;

	check_begin("cow");
	free_before = palloc_free_pages();
	parent = proc_spawn(user_image_cow, USER_IMAGE_BYTES(cow));
	check("the cow program is loaded", parent > 0);
	proc_syscall_hook = memtest_syscall;
	check_eq("every process ran to its end", (uint64_t)proc_run(0), 0);
	proc_syscall_hook = 0;
	/* The pids come in fork order: A, B, the chain's child C, then G. */
	check_eq("the parent passed its checks (exit 0)", (uint64_t)proc_exit_status(parent), 0);
	check_eq("child A exited 40", (uint64_t)proc_exit_status(parent + 1), 40);
	check_eq("child B exited 41", (uint64_t)proc_exit_status(parent + 2), 41);
	check_eq("child C exited 43", (uint64_t)proc_exit_status(parent + 3), 43);
	check_eq("grandchild G exited 42", (uint64_t)proc_exit_status(parent + 4), 42);
	check_eq("every page is back in the allocator", palloc_free_pages(), free_before);
	return check_end();
}

/* What a run of this program must print, on every host (scripts/qemu-test.sh
 * reads it: prog_expect): its exit status and lines of the log.
 * status: 0
 * expect: guest: cow: ok   pid 1: P: after the fork every page has two references
 * expect: guest: cow: ok   pid 2: A: a write to page 3 (its alone) reuses it
 * expect: guest: cow: ok   pid 1: P: SYS_WAIT's copy_to_user took a fault
 * expect: guest: cow: ok   pid 5: G: page 6 is shared by three processes
 * expect: guest: cow: ok   pid 1: P: the last writer of page 6 copies nothing
 * expect: guest: cow: ok   every page is back in the allocator
 * expect: checks, 0 failed
 * expect: SUCCESS
 */
