/* The spinner program's questions to its kernel (guest/user/spinner.c, the
 * sched lab's test labs/sched/guest/sched_test.c answers them through
 * proc_syscall_hook): its role, when to stop, what counts as a turn, and
 * its report. Numbers from SYS_NCALLS up (guest/proc.h). */
#ifndef GUEST_USER_SPINNER_H
#define GUEST_USER_SPINNER_H

#include <stdint.h>
#include "../proc.h"

#define SPIN_Q_ROLE SYS_NCALLS           /* SPIN_ROLE_SPINNER or SPIN_ROLE_TALKER */
#define SPIN_Q_DEADLINE (SYS_NCALLS + 1) /* the TSC at which every process stops */
#define SPIN_Q_GAP (SYS_NCALLS + 2)      /* TSC ticks between two looks that make a turn */
#define SPIN_Q_REPORT (SYS_NCALLS + 3)   /* (&report, sizeof report): 0, or -1 */
#define SPIN_Q_LONG (SYS_NCALLS + 4)     /* (TSC ticks): a system call that takes that long */

#define SPIN_ROLE_SPINNER 0 /* the checked loop, no system call until the deadline */
#define SPIN_ROLE_TALKER 1  /* system calls, and forks a child to wait for, until then */

/* The spinner's registers, in the order of its pattern and of SPIN_BAD_*:
 * RAX RBX RCX RDX RSI RDI RBP R8-R15, then RSP. */
#define SPIN_NREGS 16
#define SPIN_BAD_DF (SPIN_NREGS + 1) /* RFLAGS.DF, which it keeps set, was found clear */
#define SPIN_TURNS_MAX 512

/* What a spinner puts in register reg (0 .. SPIN_NREGS - 2): every one its
 * own and its process's. */
static inline uint64_t spin_pattern(int pid, unsigned reg)
{
	return 0x5350000000000000ull | (uint64_t)pid << 32 | (uint64_t)(reg + 1) << 16 | 0xa55a;
}

struct spin_report {
	uint64_t role;
	/* A spinner: rounds of its loop; the TSC ticks it ran (between two
	 * looks at the clock with no gap); 0, or 1 + the register (SPIN_BAD_DF:
	 * the flag) it found changed, and the value it found; its turns, each
	 * the TSC of its first look at the clock after a gap of SPIN_Q_GAP. */
	uint64_t rounds, ran, bad, bad_value, nturns;
	uint64_t turns[SPIN_TURNS_MAX];
	/* A talker: its system calls, the children it forked and waited for,
	 * and the answers that were wrong (a pid, a child's exit code, FS). */
	uint64_t calls, children, wrong;
};

#endif
