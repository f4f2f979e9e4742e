/* lazy: demand paging (guest/proc.h). The user program lazy
 * (guest/user/lazy.c) makes its checks through the test system calls
 * (guest/progs/memtest.h): a heap page mapped on its first touch and no
 * other, sbrk's limit, unmapping, a lazy fault inside SYS_WRITE's copy. A
 * process killed past its break goes first; every page must come back. */
#include "check.h"
#include "memtest.h"
#include "progs.h"
#include "user_images.h"
#include "../kernel.h"
#include "../palloc.h"
#include "../proc.h"

static int past_break_pid;

static int lazy_mode(const struct proc *p)
{
	return p->pid == past_break_pid; /* 1: touch the byte past the break */
}

int prog_lazy(void)
{
	uint64_t free_before;
	int pager;

	check_begin("lazy");
	free_before = palloc_free_pages();
	past_break_pid = proc_spawn(user_image_lazy, USER_IMAGE_BYTES(lazy));
	pager = proc_spawn(user_image_lazy, USER_IMAGE_BYTES(lazy));
	check("both processes are loaded", past_break_pid > 0 && pager > 0);
	memtest_mode = lazy_mode;
	proc_syscall_hook = memtest_syscall;
	check_eq("every process ran to its end", (uint64_t)proc_run(0), 0);
	proc_syscall_hook = 0;
	memtest_mode = 0;
	check_eq("a touch of the byte past the break is killed with #PF",
		 (uint64_t)proc_exit_status(past_break_pid), 128 + 14);
	check_eq("the pager passed its own checks (exit 0)", (uint64_t)proc_exit_status(pager), 0);
	check_eq("every page is back in the allocator", palloc_free_pages(), free_before);
	return check_end();
}

/* What a run of this program must print, on every host (scripts/qemu-test.sh
 * reads it: prog_expect): its exit status and lines of the log.
 * status: 0
 * expect: user: lazy: touching the break
 * expect: guest: proc: pid 1 killed: #PF (vector 14) error 0x6 at rip
 * expect: guest: lazy: ok   pid 2: a lazy page mapped per distinct page touched
 * expect: guest: lazy: ok   pid 2: sbrk past PROC_HEAP_MAX fails
 * expect: user: lazy: this write ends in a page never touched
 * expect: guest: lazy: ok   pid 2: its copy took a lazy fault inside the system call
 * expect: guest: lazy: ok   every page is back in the allocator
 * expect: checks, 0 failed
 * expect: SUCCESS
 */
