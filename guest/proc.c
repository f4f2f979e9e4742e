/* The kit's processes (guest/proc.h): spawn from an ELF image, the system
 * calls, the faults of user memory (lazy heap pages, copy-on-write, or the
 * process killed), and the round-robin switch that swaps trap frames. */
#include "hypercall.h"
#include "kernel.h"
#include "palloc.h"
#include "proc.h"
#include "pt.h"
#include "../loader/elf64.h"

#define KSTACK_BYTES 32768
/* Programs lie below the stack and a guard page under it. */
#define USER_IMAGE_END (PROC_STACK_TOP - (PROC_STACK_PAGES + 1) * 4096)
#define RFLAGS_IF 0x200ull

static struct proc procs[PROC_MAX];
static struct proc *cur;
static int next_pid = 1;
static uint64_t kctx[8];      /* proc_run's own context (guest/ctx.asm) */
static uint64_t timeslice;    /* 0: no preemption */
static uint8_t kstack[KSTACK_BYTES] __attribute__((aligned(16)));
static uint64_t loaded_fs; /* the FS base HC_SET_SEGBASE last set */
uint64_t proc_switches, proc_syscalls, proc_cow_copies, proc_cow_reuses, proc_lazy_pages;
int64_t (*proc_syscall_hook)(struct proc *p, struct hc_trap_frame *f);
int (*proc_fork_copy)(uint64_t src, uint64_t dst);
int (*proc_write_fault)(uint64_t root, uint64_t va, uint64_t err);
int (*proc_lazy_fault)(struct proc *p, uint64_t va, uint64_t err);
void (*proc_timer_fn)(struct hc_trap_frame *f);

int kctx_save(uint64_t ctx[8]);
_Noreturn void kctx_restore(const uint64_t ctx[8], int value);
_Noreturn void trap_frame_resume(const struct hc_trap_frame *f);
int64_t uaccess_copy(void *dst, const void *src, uint64_t n);
extern const char uaccess_insn[], uaccess_fixup[];

struct proc *proc_get(int pid)
{
	for (int i = 0; i < PROC_MAX; i++)
		if (procs[i].state != PROC_FREE && procs[i].pid == pid)
			return &procs[i];
	return 0;
}

static struct proc *new_slot(void)
{
	for (int i = 0; i < PROC_MAX; i++) {
		if (procs[i].state == PROC_FREE) {
			procs[i] = (struct proc){ .pid = next_pid++, .pcid = (uint32_t)i + 1 };
			return &procs[i];
		}
	}
	return 0;
}

/* ---- loading a program ---- */

/* A page of user memory at va in p, zeroed, with these rights. */
static int map_fresh(struct proc *p, uint64_t va, uint64_t bits)
{
	uint64_t gpa = palloc();

	if (!gpa)
		return -1;
	if (pt_map(p->root, va, gpa, 4096, bits | PTE_U) != 0) {
		palloc_unref(gpa);
		return -1;
	}
	return 0;
}

/* ELF gABI: an ELF64 executable for x86-64; each PT_LOAD inside the file
 * and the user half, copied in page by page. */
static int load_elf(struct proc *p, const uint8_t *img, uint64_t n)
{
	const struct elf64_ehdr *eh = (const void *)img;
	uint64_t end = PROC_USER_BASE;

	if (n < sizeof(*eh) || __builtin_memcmp(eh->ident, "\177ELF", 4) || eh->machine != 62 ||
	    eh->phentsize != sizeof(struct elf64_phdr) || eh->phoff > n ||
	    eh->phnum > (n - eh->phoff) / sizeof(struct elf64_phdr))
		return -1;
	for (unsigned i = 0; i < eh->phnum; i++) {
		const struct elf64_phdr *ph = (const struct elf64_phdr *)(img + eh->phoff) + i;
		uint64_t bits = (ph->flags & 2 ? PTE_W : 0) | (ph->flags & 1 ? 0 : PTE_NX);

		if (ph->type != 1 || !ph->memsz) /* PT_LOAD */
			continue;
		if (ph->vaddr < PROC_USER_BASE || ph->memsz > USER_IMAGE_END - PROC_USER_BASE ||
		    ph->vaddr > USER_IMAGE_END - ph->memsz || ph->filesz > ph->memsz ||
		    ph->offset > n || ph->filesz > n - ph->offset)
			return -1;
		for (uint64_t va = ph->vaddr & ~4095ull; va < ph->vaddr + ph->memsz;
		     va += 4096) {
			uint64_t *e = pt_walk(p->root, va, 0);

			if (!(e && (*e & PTE_P)) && map_fresh(p, va, bits) != 0)
				return -1;
		}
		/* The file's bytes, through the direct map of each page. */
		for (uint64_t off = 0; off < ph->filesz;) {
			uint64_t va = ph->vaddr + off, in = 4096 - (va & 4095), len;
			uint64_t *e = pt_walk(p->root, va, 0);

			len = ph->filesz - off < in ? ph->filesz - off : in;
			__builtin_memcpy((uint8_t *)gpa_to_virt(*e & PTE_ADDR) + (va & 4095),
					 img + ph->offset + off, len);
			off += len;
		}
		if (ph->vaddr + ph->memsz > end)
			end = ph->vaddr + ph->memsz;
	}
	p->image_end = p->brk = (end + 4095) & ~4095ull;
	p->tf = (struct hc_trap_frame){
		.rip = eh->entry, .cs = HCABI_USER_CS, .rflags = 0x202,
		.rsp = PROC_STACK_TOP - 16, .ss = HCABI_USER_DS,
	};
	for (uint64_t k = 1; k <= PROC_STACK_PAGES; k++)
		if (map_fresh(p, PROC_STACK_TOP - k * 4096, PTE_W | PTE_NX) != 0)
			return -1;
	return 0;
}

static void proc_free(struct proc *p)
{
	if (p->root)
		pt_free(p->root);
	p->root = 0;
	p->state = PROC_FREE;
}

int proc_spawn(const void *elf, uint64_t elf_bytes)
{
	struct proc *p = new_slot();

	if (!p) {
		printf("guest: proc: no free process slot\n");
		return -1;
	}
	p->root = pt_new();
	if (!p->root || load_elf(p, elf, elf_bytes) != 0) {
		printf("guest: proc: cannot load the program (%lu bytes): a bad image, or no "
		       "memory\n", elf_bytes);
		proc_free(p);
		return -1;
	}
	p->state = PROC_RUNNABLE;
	return p->pid;
}

/* ---- switching ---- */

/* The next runnable process after cur, round robin (cur itself last). */
static struct proc *pick(void)
{
	int start = cur ? (int)(cur - procs) : PROC_MAX - 1;

	for (int k = 1; k <= PROC_MAX; k++) {
		struct proc *p = &procs[(start + k) % PROC_MAX];

		if (p->state == PROC_RUNNABLE)
			return p;
	}
	return 0;
}

struct proc *proc_current(void)
{
	return cur;
}

struct proc *proc_slot(int i)
{
	return i >= 0 && i < PROC_MAX ? &procs[i] : 0;
}

/* p's address space (its PCID kept warm: no flush) and its TLS base. */
void proc_enter(struct proc *p)
{
	if (p != cur) {
		proc_switches++;
		cr3_load(p->root, p->pcid, 1);
		if (p->fs_base != loaded_fs) {
			hypercall(HC_SET_SEGBASE, HC_SEG_FS, p->fs_base, 0);
			loaded_fs = p->fs_base;
		}
	}
	cur = p;
}

/* Run p: proc_enter, and its registers in the frame the trap returns from.
 * With no process left, back to proc_run. */
static void switch_to(struct proc *p, struct hc_trap_frame *f)
{
	if (!p) {
		cur = 0;
		cr3_load(boot->boot_cr3, 0, 1);
		kctx_restore(kctx, 1);
	}
	proc_enter(p);
	*f = p->tf;
}

/* The running process leaves the CPU: its registers saved, another chosen. */
static void reschedule(struct hc_trap_frame *f)
{
	if (cur && cur->state == PROC_RUNNABLE)
		cur->tf = *f;
	switch_to(pick(), f);
}

/* The exit code goes into the waiting parent's memory as the parent's own
 * access: its tables loaded, and it the running process for the copy, so
 * that a fault there (a copy-on-write page, a lazy one) is made good in the
 * parent's tables, not in the exiting child's. */
static void wake_parent(struct proc *p)
{
	struct proc *parent = proc_get(p->parent);

	if (parent && parent->state == PROC_WAITING) {
		int64_t code = p->exit_code;

		cr3_load(parent->root, parent->pcid, 1);
		cur = parent;
		if (parent->wait_code)
			copy_to_user(parent->wait_code, &code, sizeof(int));
		cur = p;
		parent->tf.rax = (uint64_t)p->pid;
		parent->state = PROC_RUNNABLE;
		proc_free(p);
	}
}

#define ENDED_MAX 64
static struct { int pid, code; } ended[ENDED_MAX]; /* by pid % ENDED_MAX */

int proc_exit_status(int pid)
{
	return ended[pid % ENDED_MAX].pid == pid ? ended[pid % ENDED_MAX].code : -1;
}

static void exit_proc(struct proc *p, int code, struct hc_trap_frame *f)
{
	p->exit_code = code;
	ended[p->pid % ENDED_MAX].pid = p->pid;
	ended[p->pid % ENDED_MAX].code = code;
	p->state = PROC_ZOMBIE;
	for (int i = 0; i < PROC_MAX; i++) /* orphans are nobody's to wait for */
		if (procs[i].state != PROC_FREE && procs[i].parent == p->pid)
			procs[i].parent = 0;
	if (proc_get(p->parent))
		wake_parent(p);
	else
		proc_free(p);
	cur = p->state == PROC_FREE ? 0 : cur;
	switch_to(pick(), f);
}

/* ---- system calls ---- */

/* The child resumes from the system call's own frame: p->tf holds p's
 * registers only while p does not run. */
static int64_t sys_fork(struct proc *p, const struct hc_trap_frame *f)
{
	struct proc *c = new_slot();

	if (!c)
		return -1;
	c->root = pt_new();
	if (!c->root || (proc_fork_copy ? proc_fork_copy : pt_copy_cow)(p->root, c->root) != 0) {
		proc_free(c);
		return -1;
	}
	c->parent = p->pid;
	c->image_end = p->image_end;
	c->brk = p->brk;
	c->fs_base = p->fs_base;
	c->tf = *f;
	c->tf.rax = 0;
	c->state = PROC_RUNNABLE;
	return c->pid;
}

static int64_t sys_wait(struct proc *p, uint64_t code_ptr, struct hc_trap_frame *f)
{
	int any = 0;

	for (int i = 0; i < PROC_MAX; i++) {
		struct proc *c = &procs[i];
		int64_t code;

		if (c->state == PROC_FREE || c->parent != p->pid)
			continue;
		any = 1;
		if (c->state == PROC_ZOMBIE) {
			int pid = c->pid;

			code = c->exit_code;
			if (code_ptr && copy_to_user(code_ptr, &code, sizeof(int)) < 0)
				return -1;
			proc_free(c);
			return pid;
		}
	}
	if (!any)
		return -1;
	p->wait_code = code_ptr;
	p->state = PROC_WAITING;
	p->tf = *f;
	switch_to(pick(), f);
	return 0; /* not reached for p: the frame is another's now */
}

static void syscall(struct hc_trap_frame *f)
{
	struct proc *p = cur;
	char buf[256];
	int64_t r = -1;

	proc_syscalls++;
	if (!p) { /* a system call from the kernel itself: no process */
		f->rax = (uint64_t)-1;
		return;
	}
	switch (f->rax) {
	case SYS_EXIT:
		exit_proc(p, (int)f->rdi, f);
		return;
	case SYS_WRITE:
		for (uint64_t done = 0; done < f->rsi; done += sizeof(buf)) {
			uint64_t n = f->rsi - done < sizeof(buf) ? f->rsi - done : sizeof(buf);

			if (f->rsi > (1u << 20) || copy_from_user(buf, f->rdi + done, n) < 0) {
				r = -1;
				break;
			}
			hypercall(HC_LOG, virt_to_gpa(buf), n, 0);
			r = (int64_t)f->rsi;
		}
		if (!f->rsi)
			r = 0;
		break;
	case SYS_GETPID:
		r = p->pid;
		break;
	case SYS_GETPPID:
		r = p->parent;
		break;
	case SYS_SBRK: {
		int64_t inc = (int64_t)f->rdi;
		uint64_t old = p->brk;

		if ((inc > 0 && p->brk + (uint64_t)inc > p->image_end + PROC_HEAP_MAX) ||
		    (inc < 0 && (uint64_t)-inc > p->brk - p->image_end))
			break;
		p->brk += (uint64_t)inc;
		if (inc < 0) /* pages wholly above the new break go */
			pt_unmap(p->root, (p->brk + 4095) & ~4095ull,
				 ((old + 4095) & ~4095ull) - ((p->brk + 4095) & ~4095ull), 1);
		r = (int64_t)old;
		break;
	}
	case SYS_FORK:
		r = sys_fork(p, f);
		break;
	case SYS_WAIT:
		r = sys_wait(p, f->rdi, f);
		if (cur != p)
			return;
		break;
	case SYS_YIELD:
		f->rax = 0;
		reschedule(f);
		return;
	case SYS_SETFS:
		if (hypercall(HC_SET_SEGBASE, HC_SEG_FS, f->rdi, 0) == 0) {
			p->fs_base = loaded_fs = f->rdi;
			r = 0;
		}
		break;
	default:
		if (proc_syscall_hook)
			r = proc_syscall_hook(p, f);
		break;
	}
	f->rax = (uint64_t)r;
}

/* ---- faults ---- */

/* A write to a copy-on-write page: its own copy for this process, or the
 * page itself writable again once nobody else has it. */
static int cow(struct proc *p, uint64_t va, uint64_t *e)
{
	uint64_t old = *e & PTE_ADDR, copy;

	if (palloc_refs(old) == 1) {
		*e = (*e | PTE_W) & ~PTE_COW;
		p->cow_reuses++;
		proc_cow_reuses++;
	} else {
		copy = palloc();
		if (!copy)
			return -1;
		__builtin_memcpy(gpa_to_virt(copy), gpa_to_virt(old), 4096);
		*e = copy | ((*e | PTE_W) & ~(PTE_COW | PTE_ADDR));
		palloc_unref(old);
		p->cow_copies++;
		proc_cow_copies++;
	}
	invlpg(va); /* SDM Vol.3 4.10.4.1: the read-only translation may be cached */
	return 0;
}

/* A kernel's own handler of faults on present pages (proc_write_fault): it
 * made the fault good when it says so and the leaf now allows the write.
 * What it did is counted from the leaf, not from its word: a new frame is a
 * copy, the same frame made writable a reuse. */
static int hooked_fault(struct proc *p, uint64_t va, uint64_t err, uint64_t *e)
{
	uint64_t before = *e;

	if (proc_write_fault(p->root, va, err) != 1 || !(*e & PTE_P) ||
	    ((err & PF_ERR_W) && !(*e & PTE_W)))
		return 0;
	if ((*e & PTE_ADDR) != (before & PTE_ADDR)) {
		p->cow_copies++;
		proc_cow_copies++;
	} else if ((*e & PTE_W) && !(before & PTE_W)) {
		p->cow_reuses++;
		proc_cow_reuses++;
	}
	return 1;
}

/* va's present leaf in p's lower half, or 0. */
static uint64_t *user_leaf(struct proc *p, uint64_t va)
{
	uint64_t *e = va < PT_USER_TOP ? pt_walk(p->root, va, 0) : 0;

	return e && (*e & PTE_P) ? e : 0;
}

/* A kernel's own handler of the other faults (proc_lazy_fault): made good
 * when it says so and va's leaf now allows the access to user code; a lazy
 * page counted from the leaf (none before, one now), not from its word. */
static int hooked_lazy(struct proc *p, uint64_t va, uint64_t err)
{
	int was = user_leaf(p, va) != 0;
	uint64_t *e;

	if (proc_lazy_fault(p, va, err) != 1)
		return 0;
	e = user_leaf(p, va);
	if (!e || !(*e & PTE_U) || ((err & PF_ERR_W) && !(*e & PTE_W)))
		return 0;
	if (!was) {
		p->lazy_pages++;
		proc_lazy_pages++;
	}
	return 1;
}

/* A #PF of user memory the kernel makes good: 1 if it did. */
static int fix_user_fault(struct proc *p, uint64_t va, uint64_t err)
{
	uint64_t *e;

	if (!p)
		return 0;
	e = user_leaf(p, va);
	if (e && proc_write_fault)
		return hooked_fault(p, va, err, e);
	if (e && (err & (PF_ERR_P | PF_ERR_W)) == (PF_ERR_P | PF_ERR_W) && (*e & PTE_COW))
		return cow(p, va & ~4095ull, e) == 0;
	if (proc_lazy_fault)
		return hooked_lazy(p, va, err);
	if (!e && va >= p->image_end && va < p->brk) { /* lazy: the heap on first touch */
		if (map_fresh(p, va & ~4095ull, PTE_W | PTE_NX) != 0)
			return 0;
		p->lazy_pages++;
		proc_lazy_pages++;
		return 1;
	}
	return 0;
}

static const char *const fault_names[32] = {
	[0] = "#DE", [1] = "#DB", [3] = "#BP", [4] = "#OF", [5] = "#BR", [6] = "#UD",
	[7] = "#NM", [11] = "#NP", [12] = "#SS", [13] = "#GP", [14] = "#PF", [16] = "#MF",
	[17] = "#AC", [19] = "#XM",
};

/* The kit's trap hook while processes run: their faults. */
static int proc_trap(struct hc_trap_frame *f)
{
	int from_user = (f->cs & 3) == 3;

	if (f->vector == HCABI_UPCALL_VECTOR) /* the kit's upcall path, not here */
		return 0;
	if (f->vector == 14 && fix_user_fault(cur, f->cr2, f->error_code)) {
		cur->faults++;
		cur->uaccess_faults += !from_user;
		return 1;
	}
	if (!from_user && f->vector == 14 && f->rip == (uint64_t)uaccess_insn) {
		f->rip = (uint64_t)uaccess_fixup; /* a bad user pointer in a system call */
		return 1;
	}
	if (!from_user || !cur)
		return 0; /* the kernel's own: the kit's report */
	printf("guest: proc: pid %d killed: %s (vector %lu) error 0x%lx at rip %lx, cr2 %lx\n",
	       cur->pid, f->vector < 32 && fault_names[f->vector] ? fault_names[f->vector] : "?",
	       f->vector, f->error_code, f->rip, f->vector == 14 ? f->cr2 : 0);
	exit_proc(cur, 128 + (int)f->vector, f);
	return 1;
}

static void on_timer(struct hc_trap_frame *f)
{
	/* Every bit: the kit handles only the timer, and one left set (typed
	 * input, HCEV_INPUT) would upcall again at once. */
	if (!(__atomic_exchange_n(&vcpu.events, 0, __ATOMIC_SEQ_CST) & HCEV_TIMER))
		return;
	if ((f->cs & 3) == 3 && cur) /* preempt user code only */
		reschedule(f);
}

int64_t copy_from_user(void *dst, uint64_t user, uint64_t n)
{
	if (!cur || user >= PT_USER_TOP || n > PT_USER_TOP - user)
		return -1;
	return uaccess_copy(dst, (const void *)user, n);
}

int64_t copy_to_user(uint64_t user, const void *src, uint64_t n)
{
	if (!cur || user >= PT_USER_TOP || n > PT_USER_TOP - user)
		return -1;
	return uaccess_copy((void *)user, src, n);
}

int proc_run(uint64_t timeslice_ns)
{
	struct proc *first;
	int (*old_hook)(struct hc_trap_frame *) = trap_hook;
	uint32_t mask = vcpu.mask;

	timeslice = timeslice_ns;
	first = pick();
	if (!first)
		return 0;
	if (kctx_save(kctx) == 0) {
		hypercall(HC_SET_KSTACK, (uint64_t)&kstack[KSTACK_BYTES], 0, 0);
		syscall_fn = syscall;
		trap_hook = proc_trap;
		if (timeslice) {
			vintr_init(proc_timer_fn ? proc_timer_fn : on_timer);
			vtimer_arm(now_ns() + timeslice, timeslice);
		}
		if (trap_set_syscall() != 0) {
			printf("guest: proc: the system-call gate was refused\n");
			return -1;
		}
		cur = first;
		cr3_load(first->root, first->pcid, 0);
		hypercall(HC_SET_SEGBASE, HC_SEG_FS, first->fs_base, 0);
		loaded_fs = first->fs_base;
		vcpu.mask = 0; /* ring 3 runs with IF = 1: the kernel's, when it gets back */
		trap_frame_resume(&first->tf);
	}
	/* Back from the last process's end (kctx_restore, on the kernel stack
	 * of a trap that is abandoned now). */
	if (timeslice)
		vtimer_arm(0, 0);
	vcpu.mask = mask;
	trap_hook = old_hook;
	syscall_fn = 0;
	if (loaded_fs)
		hypercall(HC_SET_SEGBASE, HC_SEG_FS, loaded_fs = 0, 0);
	int stuck = 0;

	for (int i = 0; i < PROC_MAX; i++) { /* zombies nobody waited for, and the stuck */
		stuck |= procs[i].state == PROC_WAITING;
		if (procs[i].state != PROC_FREE)
			proc_free(&procs[i]);
	}
	return stuck ? -1 : 0;
}
