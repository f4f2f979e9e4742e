/* Lab syscall's test program (guest=lab-syscall): first, from the kernel's
 * side, lab_user_ok and the copies on a process spawned and not yet run (its
 * tables not loaded: the copies must walk them); then the first user process
 * (lab_first_process), whose own checks are its lines "lab-syscall: ok|FAIL
 * ..." (labs/syscall/user/lab_syscall.c); then that it ended well, that the
 * kernel outlived every bad pointer it was passed, and that no page was kept. */
#include "syscall.h"
#include "../../../guest/kernel.h"
#include "../../../guest/palloc.h"
#include "../../../guest/pt.h"
#include "../../../guest/progs/check.h"
#include "../../../guest/progs/progs.h"
#include "../../../guest/progs/user_images.h"

#define STACK_PAGE (PROC_STACK_TOP - 4096) /* the stack's top page, mapped RW */
/* The page under the stack, unmapped in every process: the test maps it
 * without PTE_U there, as xv6 does its guard page. */
#define GUARD_PAGE (PROC_STACK_TOP - (PROC_STACK_PAGES + 1) * 4096)

/* The byte at uva in p's memory, by the test's own walk; -1 if unmapped. */
static int byte_at(struct proc *p, uint64_t uva)
{
	uint64_t *e = pt_walk(p->root, uva, 0);

	if (!e || !(*e & PTE_P))
		return -1;
	return *((uint8_t *)gpa_to_virt(*e & PTE_ADDR) + (uva & 4095));
}

/* The contract of lab_user_ok and the copies, on a process that does not run
 * (the kernel's own tables are loaded: a copy that dereferences the user
 * address faults in the kernel). */
static void check_walks(struct proc *p)
{
	static const char text[] = "copied across two pages";
	char back[sizeof(text)] = { 0 };
	uint64_t across = STACK_PAGE - 8, elf_first, guard;
	int same = 1, works;

	/* A refusal counts only from a lab_user_ok that also says yes: one that
	 * refuses everything (the starter) earns none of the refusals. */
	works = lab_user_ok(p, PROC_USER_BASE, 64, 0) == 1 &&
		lab_user_ok(p, PROC_STACK_TOP - 8192, 8192, 1) == 1;
	check("lab_user_ok: the program's text may be read, its stack's two top pages written",
	      works);
	check("lab_user_ok: its text may not be written",
	      works && lab_user_ok(p, PROC_USER_BASE, 64, 1) == 0);
	check("lab_user_ok: a range running past the stack's top is refused",
	      works && lab_user_ok(p, PROC_STACK_TOP - 8, 16, 0) == 0);
	check("lab_user_ok: a length that wraps around (uva + len small) is refused",
	      works && lab_user_ok(p, PROC_USER_BASE, (uint64_t)0 - PROC_USER_BASE + 16, 0) == 0 &&
		      lab_user_ok(p, STACK_PAGE, ~0ull, 0) == 0);
	check("lab_user_ok: a kernel address is refused, mapped as it is",
	      works && lab_user_ok(p, (uint64_t)&check_walks, 16, 0) == 0 &&
		      lab_user_ok(p, PT_USER_TOP - 4096, 8192, 0) == 0);
	check("lab_user_ok: a length of 0 is fine anywhere", lab_user_ok(p, ~0ull, 0, 1) == 1);
	guard = palloc();
	check("lab_user_ok: a lower-half page without PTE_U (a guard page) is refused",
	      works && guard && pt_map(p->root, GUARD_PAGE, guard, 4096, PTE_W | PTE_NX) == 0 &&
		      lab_user_ok(p, GUARD_PAGE, 16, 0) == 0 &&
		      lab_copyin(p, back, GUARD_PAGE, 8) == -1);
	check("lab_copyout across two pages while other tables are loaded returns the length",
	      lab_copyout(p, across, text, sizeof(text)) == (int64_t)sizeof(text));
	for (unsigned i = 0; i < sizeof(text); i++)
		same &= byte_at(p, across + i) == (uint8_t)text[i];
	check("and the bytes are in the process's frames (the test's own walk)", same);
	check("lab_copyin reads them back",
	      lab_copyin(p, back, across, sizeof(back)) == (int64_t)sizeof(back) &&
		      __builtin_memcmp(back, text, sizeof(text)) == 0);
	elf_first = 0;
	check("lab_copyin of the text reads the program's first bytes",
	      lab_copyin(p, &elf_first, PROC_USER_BASE, 1) == 1 &&
		      (int)(elf_first & 0xff) == byte_at(p, PROC_USER_BASE));
	check("lab_copyout to the text is -1 and writes nothing",
	      works && lab_copyout(p, PROC_USER_BASE, text, 4) == -1 &&
		      byte_at(p, PROC_USER_BASE) == (int)(elf_first & 0xff));
	check("lab_copyinstr: its length, NUL not counted",
	      lab_copyinstr(p, back, across, sizeof(back)) == (int64_t)sizeof(text) - 1);
	check("lab_copyinstr: -1 when max bytes hold no NUL",
	      works && lab_copyinstr(p, back, across, 8) == -1);
}

int prog_lab_syscall(void)
{
	uint64_t free_before, calls_before;
	int status, other, ran;

	check_begin("lab-syscall");
	free_before = palloc_free_pages();
	other = proc_spawn(user_image_hello, USER_IMAGE_BYTES(hello));
	check("a process to walk (the kit's hello, spawned, not run)", other > 0);
	if (other > 0) {
		check_walks(proc_get(other));
		proc_run(0); /* it runs to its end; its pages go back */
	}
	calls_before = proc_syscalls;
	status = lab_first_process();
	/* Worth something only once a process ran and called: a starter that
	 * runs nothing outlives nothing and keeps no page. The process is the
	 * next pid after the one walked; how it ended is the kit's record, not
	 * the lab's word. */
	ran = status >= 0 && proc_syscalls - calls_before > 40;
	check("the kernel outlived the process's bad pointers (it ran, made its calls, "
	      "and the kernel is here)", ran && boot->magic == BOOTINFO_MAGIC);
	check("the first user process exited 0 (every one of its checks passed), "
	      "as the kit saw it end", status == 0 && proc_exit_status(other + 1) == 0);
	check("its pages were given back", ran && palloc_free_pages() == free_before);
	/* The kit's count of int $0x80 entries: labs/syscall/grade.sh wants the
	 * reference run's exact number, which only the program run to its end
	 * makes. */
	printf("guest: lab-syscall: the first process made %lu system calls\n",
	       proc_syscalls - calls_before);
	return check_end();
}
