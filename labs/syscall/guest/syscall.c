/* Lab syscall: the lab's system calls (syscall.h, docs/labs/syscall.md). A
 * process's pointers are checked and followed in its own tables (guest/pt.h),
 * as xv6's copyin does, never dereferenced as they come: a bad one is -1. */
#include "syscall.h"
#include "../../../guest/kernel.h"
#include "../../../guest/pt.h"
#include "../../../guest/progs/user_images.h"

// LAB(syscall) BEGIN
#define PAGE 4096ull

uint64_t lab_arg(const struct hc_trap_frame *f, int n)
{
	return n == 0 ? f->rdi : n == 1 ? f->rsi : n == 2 ? f->rdx : 0;
}

/* The leaf entry of p's page holding uva, if it grants these bits. */
static uint64_t *user_pte(struct proc *p, uint64_t uva, uint64_t need)
{
	uint64_t *e = pt_walk(p->root, uva, 0);

	return e && (*e & need) == need ? e : 0;
}

int lab_user_ok(struct proc *p, uint64_t uva, uint64_t len, int write)
{
	uint64_t need = PTE_P | PTE_U | (write ? PTE_W : 0);

	if (len == 0)
		return 1;
	/* Inside the lower half, computed so that no sum can wrap. */
	if (uva >= PT_USER_TOP || len > PT_USER_TOP - uva)
		return 0;
	for (uint64_t va = uva & ~(PAGE - 1); va < uva + len; va += PAGE)
		if (!user_pte(p, va, need))
			return 0;
	return 1;
}

/* Copy len bytes between kernel memory and p's at uva, page by page through
 * the direct map; the range was checked. */
static void copy_user(struct proc *p, uint64_t uva, void *kbuf, uint64_t len, int out)
{
	for (uint64_t done = 0; done < len;) {
		uint64_t va = uva + done, in = PAGE - (va & (PAGE - 1));
		uint64_t n = len - done < in ? len - done : in;
		uint8_t *u = (uint8_t *)gpa_to_virt(*pt_walk(p->root, va, 0) & PTE_ADDR) +
			     (va & (PAGE - 1));

		if (out)
			__builtin_memcpy(u, (uint8_t *)kbuf + done, n);
		else
			__builtin_memcpy((uint8_t *)kbuf + done, u, n);
		done += n;
	}
}

int64_t lab_copyin(struct proc *p, void *dst, uint64_t uva, uint64_t len)
{
	if (!lab_user_ok(p, uva, len, 0))
		return -1;
	copy_user(p, uva, dst, len, 0);
	return (int64_t)len;
}

int64_t lab_copyout(struct proc *p, uint64_t uva, const void *src, uint64_t len)
{
	if (!lab_user_ok(p, uva, len, 1))
		return -1;
	copy_user(p, uva, (void *)src, len, 1);
	return (int64_t)len;
}

int64_t lab_copyinstr(struct proc *p, char *dst, uint64_t uva, uint64_t max)
{
	for (uint64_t i = 0; i < max; i++) {
		if (lab_copyin(p, &dst[i], uva + i, 1) < 0)
			return -1;
		if (dst[i] == 0)
			return (int64_t)i;
	}
	return -1;
}

static int64_t sys_add3(struct proc *p, const struct hc_trap_frame *f)
{
	(void)p;
	return (int64_t)(lab_arg(f, 0) + lab_arg(f, 1) + lab_arg(f, 2));
}

static int64_t sys_strlen(struct proc *p, const struct hc_trap_frame *f)
{
	char s[LAB_STR_MAX];

	return lab_copyinstr(p, s, lab_arg(f, 0), sizeof(s));
}

static int64_t sys_sum(struct proc *p, const struct hc_trap_frame *f)
{
	uint64_t buf = lab_arg(f, 0), len = lab_arg(f, 1), sum = 0;
	uint8_t chunk[256];

	if (len > LAB_LEN_MAX || !lab_user_ok(p, buf, len, 0))
		return -1;
	for (uint64_t done = 0, n; done < len; done += n) {
		n = len - done < sizeof(chunk) ? len - done : sizeof(chunk);
		lab_copyin(p, chunk, buf + done, n);
		for (uint64_t i = 0; i < n; i++)
			sum += chunk[i];
	}
	return (int64_t)sum;
}

static int64_t sys_fill(struct proc *p, const struct hc_trap_frame *f)
{
	uint64_t buf = lab_arg(f, 0), len = lab_arg(f, 1);
	uint8_t chunk[256];

	/* The whole range checked first: a refused fill writes nothing. */
	if (len > LAB_LEN_MAX || !lab_user_ok(p, buf, len, 1))
		return -1;
	__builtin_memset(chunk, (int)(lab_arg(f, 2) & 0xff), sizeof(chunk));
	for (uint64_t done = 0, n; done < len; done += n) {
		n = len - done < sizeof(chunk) ? len - done : sizeof(chunk);
		lab_copyout(p, buf + done, chunk, n);
	}
	return (int64_t)len;
}

static int64_t (*const table[])(struct proc *, const struct hc_trap_frame *) = {
	[LAB_SYS_ADD3 - LAB_SYS_BASE] = sys_add3,
	[LAB_SYS_STRLEN - LAB_SYS_BASE] = sys_strlen,
	[LAB_SYS_SUM - LAB_SYS_BASE] = sys_sum,
	[LAB_SYS_FILL - LAB_SYS_BASE] = sys_fill,
};

void lab_syscall(struct proc *p, struct hc_trap_frame *f)
{
	/* Unsigned: a number below the base wraps to a huge index. */
	uint64_t i = f->rax - LAB_SYS_BASE;

	if (i >= sizeof(table) / sizeof(table[0]) || !table[i])
		f->rax = (uint64_t)-1;
	else
		f->rax = (uint64_t)table[i](p, f);
}

int lab_first_process(void)
{
	int pid = proc_spawn(user_image_lab_syscall, USER_IMAGE_BYTES(lab_syscall)), r;

	if (pid < 0)
		return -1;
	proc_syscall_hook = lab_syscall_hook;
	r = proc_run(0);
	proc_syscall_hook = 0;
	return r == 0 ? proc_exit_status(pid) : -1;
}
// LAB(syscall) STARTER
// uint64_t lab_arg(const struct hc_trap_frame *f, int n)
// {
// 	(void)f, (void)n;
// 	return 0; /* your code: which register holds argument n? */
// }
//
// int lab_user_ok(struct proc *p, uint64_t uva, uint64_t len, int write)
// {
// 	(void)p, (void)uva, (void)len, (void)write;
// 	return 0; /* your code: the range, then every page in p's tables */
// }
//
// int64_t lab_copyin(struct proc *p, void *dst, uint64_t uva, uint64_t len)
// {
// 	(void)p, (void)dst, (void)uva, (void)len;
// 	return -1; /* your code */
// }
//
// int64_t lab_copyout(struct proc *p, uint64_t uva, const void *src, uint64_t len)
// {
// 	(void)p, (void)uva, (void)src, (void)len;
// 	return -1; /* your code */
// }
//
// int64_t lab_copyinstr(struct proc *p, char *dst, uint64_t uva, uint64_t max)
// {
// 	(void)p, (void)dst, (void)uva, (void)max;
// 	return -1; /* your code */
// }
//
// void lab_syscall(struct proc *p, struct hc_trap_frame *f)
// {
// 	(void)p;
// 	f->rax = (uint64_t)-1; /* your code: a table of the four calls, indexed by number */
// }
//
// int lab_first_process(void)
// {
// 	return -1; /* your code: spawn user_image_lab_syscall, run it, its status */
// }
// LAB(syscall) END

/* Given: the kit calls its hook for the numbers it does not serve and puts
 * what the hook returns into the process's RAX; lab_syscall puts the result
 * into the frame itself, as a kernel's dispatcher does. */
int64_t lab_syscall_hook(struct proc *p, struct hc_trap_frame *f)
{
	lab_syscall(p, f);
	return (int64_t)f->rax;
}
