/* Lab sched's test program (guest=lab-sched): three spinners, ring-3
 * processes that compute without a system call for 1.2 s, each checking at
 * every round that its registers, RSP and RFLAGS.DF hold what it put there
 * and noting from the clock each turn it gets (guest/user/spinner.c), and a
 * talker making system calls and forking children to wait for meanwhile,
 * under sched.c's scheduler. The turns are counted in ring 3, where no
 * kernel code can write them; every upcall passes through a wrapper here
 * that checks what sched_tick did to the frame and the processes. Prints
 * "guest: lab-sched: ok|FAIL <what>" per check (labs/sched/grade.sh). */
#include "sched.h"
#include "../../../guest/hypercall.h"
#include "../../../guest/kernel.h"
#include "../../../guest/progs/check.h"
#include "../../../guest/progs/progs.h"
#include "../../../guest/progs/user_images.h"
#include "../../../guest/user/spinner.h"
#include "../../../lib/fmt.h"

#define NSPIN 3
#define NPROCS (NSPIN + 1) /* the talker last */
#define RUN_MS 1200
#define GAP_DIV 500        /* a gap of 2 ms in the clock is a turn: a slice is 10 */
#define MIN_TURNS 5
#define SEQ_SHOWN 36

static int pids[NPROCS];
static struct spin_report reports[NPROCS];
static int reported[NPROCS];
static uint64_t deadline;

/* What the wrapper saw of sched_tick, upcall by upcall. */
static uint64_t upcalls, timer_upcalls, input_upcalls, kernel_ticks, waiting_ticks;
static uint64_t preemptions, kernel_preempted, bad_target, bad_ring, not_next, kept_cpu;
static uint64_t bad_save, bad_restore;
static const char *bad_save_reg, *bad_restore_reg;
/* What a preemption costs: TSC ticks across sched_tick, which under QEMU's
 * -icount shift=0 are its instructions (docs/PERFORMANCE.md). */
#define COST_SAMPLES 64
static uint64_t cost[COST_SAMPLES];
static unsigned ncost;

static const struct {
	const char *name;
	unsigned off;
} regs[] = {
#define REG(r) { #r, __builtin_offsetof(struct hc_trap_frame, r) }
	REG(rax), REG(rbx), REG(rcx), REG(rdx), REG(rsi), REG(rdi), REG(rbp), REG(r8),
	REG(r9),  REG(r10), REG(r11), REG(r12), REG(r13), REG(r14), REG(r15), REG(rip),
	REG(rsp), REG(rflags), REG(cs), REG(ss),
#undef REG
};

/* The first register (of those an iretq and the entry give back) in which
 * two contexts differ, or 0. */
static const char *differs(const struct hc_trap_frame *a, const struct hc_trap_frame *b)
{
	for (unsigned i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		if (*(const uint64_t *)((const char *)a + regs[i].off) !=
		    *(const uint64_t *)((const char *)b + regs[i].off))
			return regs[i].name;
	return 0;
}

static int index_of(int pid)
{
	for (int i = 0; i < NPROCS; i++)
		if (pids[i] == pid)
			return i;
	return -1;
}

/* The runnable slot after was's, round robin (was's own last). */
static struct proc *rr_next(struct proc *was)
{
	int at = 0;

	while (at < PROC_MAX && proc_slot(at) != was)
		at++;
	for (int k = 1; k <= PROC_MAX; k++)
		if (proc_slot((at + k) % PROC_MAX)->state == PROC_RUNNABLE)
			return proc_slot((at + k) % PROC_MAX);
	return 0;
}

/* Every upcall while the processes run: sched_tick, and what it did. */
static void watched_tick(struct hc_trap_frame *f)
{
	struct hc_trap_frame before = *f;
	struct proc *was = proc_current(), *now, *due = was ? rr_next(was) : 0;
	uint32_t events = vcpu.events;
	int from_user = (f->cs & 3) == 3, waiting = 0;
	uint64_t t0, t1;

	for (int i = 0; i < PROC_MAX; i++)
		waiting |= proc_slot(i)->state == PROC_WAITING;
	upcalls++;
	timer_upcalls += !!(events & HCEV_TIMER);
	input_upcalls += !!(events & HCEV_INPUT);
	kernel_ticks += (events & HCEV_TIMER) && !from_user;
	waiting_ticks += (events & HCEV_TIMER) && from_user && waiting;
	t0 = rdtsc();
	sched_tick(f);
	t1 = rdtsc();
	now = proc_current();
	if (!from_user) {
		kernel_preempted += now != was || differs(&before, f) != 0;
		return;
	}
	if (now == was) {
		kept_cpu += (events & HCEV_TIMER) && was && due != was;
		return;
	}
	preemptions++;
	if (ncost < COST_SAMPLES)
		cost[ncost++] = t1 - t0;
	not_next += now != due;
	bad_target += !now || now->state != PROC_RUNNABLE;
	bad_ring += f->cs != HCABI_USER_CS || f->ss != HCABI_USER_DS;
	if (was && differs(&was->tf, &before)) {
		bad_save_reg = bad_save_reg ? bad_save_reg : differs(&was->tf, &before);
		bad_save++;
	}
	if (now && differs(&now->tf, f)) {
		bad_restore_reg = bad_restore_reg ? bad_restore_reg : differs(&now->tf, f);
		bad_restore++;
	}
}

/* The spinner's questions (guest/user/spinner.h). */
static int64_t answer(struct proc *p, struct hc_trap_frame *f)
{
	int i = index_of(p->pid);

	switch (f->rax) {
	case SPIN_Q_ROLE:
		return i == NPROCS - 1 ? SPIN_ROLE_TALKER : SPIN_ROLE_SPINNER;
	case SPIN_Q_DEADLINE:
		if (!deadline) /* the first to ask starts the run */
			deadline = rdtsc() + boot->tsc_hz / 1000 * RUN_MS;
		return (int64_t)deadline;
	case SPIN_Q_GAP:
		return (int64_t)(boot->tsc_hz / GAP_DIV);
	case SPIN_Q_LONG: { /* exits all along, at which a due tick is delivered */
		uint64_t end = rdtsc() + (f->rdi < boot->tsc_hz / 100 ? f->rdi : boot->tsc_hz / 100);

		while (rdtsc() < end)
			hypercall(HC_YIELD, 0, 0, 0);
		return 0;
	}
	case SPIN_Q_REPORT:
		if (i < 0 || f->rsi != sizeof(reports[i]) ||
		    copy_from_user(&reports[i], f->rdi, sizeof(reports[i])) < 0)
			return -1;
		reported[i] = 1;
		return 0;
	}
	return -1;
}

static const char *const reg_names[SPIN_NREGS] = {
	"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8",
	"r9",  "r10", "r11", "r12", "r13", "r14", "r15", "rsp",
};

/* The spinners' turns, merged in the clock's order: seq[k] is the spinner
 * of turn k, a turn that follows one of the same spinner (a gap of the host's
 * own, not a switch) left out. Returns their number. */
static unsigned merge_turns(int *seq, unsigned max, unsigned per[NSPIN])
{
	unsigned next[NSPIN] = { 0 }, n = 0;

	for (;;) {
		int best = -1;

		for (int s = 0; s < NSPIN; s++)
			if (next[s] < reports[s].nturns && next[s] < SPIN_TURNS_MAX &&
			    (best < 0 || reports[s].turns[next[s]] < reports[best].turns[next[best]]))
				best = s;
		if (best < 0 || n == max)
			return n;
		next[best]++;
		if (n && seq[n - 1] == best)
			continue;
		seq[n++] = best;
		per[best]++;
	}
}

static void spinner_checks(void)
{
	static int seq[NSPIN * SPIN_TURNS_MAX];
	unsigned per[NSPIN] = { 0 }, n, out_of_turn = 0, kept = 0, least = ~0u, busy = 0;
	uint64_t most = 0, fewest = ~0ull;
	char shown[SEQ_SHOWN + 1], what[128];

	for (int s = 0; s < NSPIN; s++) {
		const struct spin_report *r = &reports[s];

		kept += reported[s] && r->rounds && !r->bad;
		if (reported[s] && r->bad)
			printf("lab-sched: pid %d found %s = 0x%lx after %lu rounds (it put %s there)\n",
			       pids[s], r->bad == SPIN_BAD_DF ? "RFLAGS with DF clear" :
			       r->bad <= SPIN_NREGS ? reg_names[r->bad - 1] : "?",
			       r->bad_value, r->rounds,
			       r->bad == SPIN_BAD_DF ? "DF, 0x400" :
			       r->bad == SPIN_NREGS ? "its own stack pointer" :
			       (fmt_snprintf(what, sizeof(what), "0x%lx",
					     spin_pattern(pids[s], (unsigned)r->bad - 1)), what));
		/* The CPU time each got, as it measured it: what a scheduler
		 * decides (the work done in it varies with the host's load). */
		most = r->ran > most ? r->ran : most;
		fewest = r->ran < fewest ? r->ran : fewest;
	}
	n = merge_turns(seq, sizeof(seq) / sizeof(seq[0]), per);
	/* Each three turns in a row: A's, B's and C's. A slice can be empty (a
	 * late tick, and the next one due as the upcall ends: guest/traps.asm
	 * runs the handler again on the same frame), and then a spinner misses
	 * a turn it had: one window in ten may repeat one. */
	for (unsigned k = 0; k + NSPIN <= n; k++)
		out_of_turn += seq[k] == seq[k + 1] || seq[k] == seq[k + 2] || seq[k + 1] == seq[k + 2];
	for (unsigned k = 0; k < SEQ_SHOWN; k++)
		shown[k] = k < n ? (char)('A' + seq[k]) : 0;
	shown[SEQ_SHOWN] = 0;
	for (int s = 0; s < NSPIN; s++) {
		least = per[s] < least ? per[s] : least;
		busy += per[s] >= MIN_TURNS;
	}
	printf("lab-sched: spinners A B C (pids %d %d %d): %u turns in all, %u %u %u; "
	       "the first: %s\n", pids[0], pids[1], pids[2], n, per[0], per[1], per[2], shown);
	printf("lab-sched: rounds computed: A %lu, B %lu, C %lu; time run (TSC): A %lu, B %lu, "
	       "C %lu\n", reports[0].rounds, reports[1].rounds, reports[2].rounds, reports[0].ran,
	       reports[1].ran, reports[2].ran);
	fmt_snprintf(what, sizeof(what), "preemption: every spinner had at least %d turns",
		     MIN_TURNS);
	check_eq(what, busy, NSPIN);
	/* Kept across turns: a spinner never preempted proves nothing. */
	check("every spinner's 15 registers, RSP and RFLAGS.DF kept across its turns",
	      kept == NSPIN && busy == NSPIN);
	check("the turns interleave: nine in ten windows of three turns are A, B and C's",
	      n >= NSPIN * MIN_TURNS && out_of_turn * 10 <= n - NSPIN + 1);
	if (out_of_turn)
		printf("lab-sched:      %u of %u windows of three turns repeat a spinner\n",
		       out_of_turn, n - NSPIN + 1);
	fmt_snprintf(what, sizeof(what),
		     "fairness: the least time run is %lu%% of the most (50%% asked)",
		     most ? fewest * 100 / most : 0);
	check(what, most && fewest * 2 >= most);
}

/* The median of the preemptions' costs (an insertion sort of a few). */
static uint64_t median_cost(void)
{
	for (unsigned i = 1; i < ncost; i++)
		for (unsigned j = i; j > 0 && cost[j - 1] > cost[j]; j--) {
			uint64_t c = cost[j];

			cost[j] = cost[j - 1];
			cost[j - 1] = c;
		}
	return ncost ? cost[ncost / 2] : 0;
}

int prog_lab_sched(void)
{
	const struct spin_report *t = &reports[NPROCS - 1];
	uint64_t switches, fired;
	int run, ended = 0;

	check_begin("lab-sched");
	for (int i = 0; i < NPROCS; i++)
		pids[i] = proc_spawn(user_image_spinner, USER_IMAGE_BYTES(spinner));
	check("three spinners and a talker are loaded",
	      pids[0] > 0 && pids[1] > 0 && pids[2] > 0 && pids[3] > 0);
	/* scripts/qemu-input.sh may type at the console from here on */
	printf("lab-sched: spinning for %d ms, 10 ms slices\n", RUN_MS);
	proc_syscall_hook = answer;
	proc_timer_fn = watched_tick;
	switches = proc_switches;
	fired = vcpu.timer_fired;
	run = proc_run(SCHED_TICK_NS);
	proc_timer_fn = 0;
	proc_syscall_hook = 0;
	switches = proc_switches - switches;
	fired = vcpu.timer_fired - fired;
	for (int i = 0; i < NPROCS; i++)
		ended += reported[i] && proc_exit_status(pids[i]) == 0;
	check_eq("every process ran to its end and reported", (uint64_t)(run == 0 && ended == NPROCS),
		 1);
	spinner_checks();
	printf("lab-sched: the talker: %lu system calls, %lu children forked and waited for, %lu "
	       "wrong answers\n", t->calls, t->children, t->wrong);
	check("the talker's calls, forks and waits answered right, 5 children or more",
	      reported[NPROCS - 1] && t->calls >= 100 && t->children >= 5 && !t->wrong);
	printf("lab-sched: %lu timer expiries, %lu upcalls (%lu of the timer, %lu with typed input), "
	       "%lu preemptions by sched_tick, %lu switches in all\n",
	       fired, upcalls, timer_upcalls, input_upcalls, preemptions, switches);
	printf("lab-sched: a preemption: %lu TSC ticks in sched_tick (the median of %u)\n",
	       median_cost(), ncost);
	check("sched_tick preempts, on timer upcalls only", preemptions >= NSPIN * MIN_TURNS &&
							     preemptions <= timer_upcalls);
	check("round robin: every tick in ring 3 resumes the next runnable slot",
	      preemptions && !not_next && !kept_cpu);
	if (not_next || kept_cpu)
		printf("lab-sched:      %lu switches to another than the next runnable slot, %lu "
		       "ticks that left the CPU to the process while another was runnable\n",
		       not_next, kept_cpu);
	check("sched_tick saves every register of the interrupted process in its tf",
	      preemptions && !bad_save);
	if (bad_save)
		printf("lab-sched:      %lu of %lu saves differ from the frame interrupted, first in %s\n",
		       bad_save, preemptions, bad_save_reg);
	check("sched_tick resumes the next process's tf, every register",
	      preemptions && !bad_restore);
	if (bad_restore)
		printf("lab-sched:      %lu of %lu frames resumed differ from the process's tf, first in %s\n",
		       bad_restore, preemptions, bad_restore_reg);
	check("every preemption resumes ring 3 (CS and SS the user selectors)",
	      preemptions && !bad_ring);
	check("sched_tick leaves the kernel alone: no system call preempted",
	      kernel_ticks && !kernel_preempted && preemptions >= NSPIN * MIN_TURNS);
	printf("lab-sched: %lu ticks in the kernel (%lu preempted), %lu ticks while the talker "
	       "waited, %lu switches to a process not runnable\n",
	       kernel_ticks, kernel_preempted, waiting_ticks, bad_target);
	check("never a switch to a process that is not runnable (the talker waiting)",
	      waiting_ticks && !bad_target && preemptions >= NSPIN * MIN_TURNS);
	return check_end();
}
