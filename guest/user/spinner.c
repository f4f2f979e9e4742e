/* spinner: the sched lab's user program (labs/sched/guest/sched_test.c runs
 * it, guest/user/spinner.h is its protocol). A spinner computes until a
 * deadline without a single system call, in a loop that checks at every
 * round that each of its 15 general registers, its RSP and RFLAGS.DF still
 * hold what it put there, and that notes each turn it gets: a gap in the
 * clock means another process ran. A talker makes system calls and forks
 * children to wait for meanwhile. Each reports what it saw to the kernel. */
#include "spinner.h"
#include "ulib.h"

#define CHECK_ROUNDS 256 /* loop rounds between two looks at the clock */
#define STR_(x) #x
#define STR(x) STR_(x) /* a number in the assembly */

/* The loop's state, named by the assembly below (RIP-relative: every
 * register but RSP holds a pattern, none is free for a pointer). */
uint64_t spin_pat[SPIN_NREGS]; /* RAX..R15 as spinner.h orders them, then RSP */
uint64_t spin_deadline, spin_gap, spin_last, spin_left, spin_flags;
uint64_t spin_bad, spin_bad_value, spin_rounds, spin_nturns, spin_ran;
uint64_t spin_turns[SPIN_TURNS_MAX];
void spin_checked(void);

/* System V ABI 3.2.1: RBX, RBP, R12-R15 are the caller's, and DF is clear on
 * return; the loop saves those six and clears DF on the way out. DF is
 * RFLAGS bit 10 (SDM Vol.1 3.4.3.2); a user program may set it (STD is not
 * privileged), so a kernel that gives back other flags than it took clears
 * it. RDTSC (SDM Vol.2B) writes EDX:EAX: the two are off pattern only for
 * the few instructions after each look at the clock. */
__asm__(".intel_syntax noprefix\n"
	".macro SPIN_REGS op\n"
	"\\op rax, 0\n \\op rbx, 1\n \\op rcx, 2\n \\op rdx, 3\n \\op rsi, 4\n"
	"\\op rdi, 5\n \\op rbp, 6\n \\op r8, 7\n \\op r9, 8\n \\op r10, 9\n"
	"\\op r11, 10\n \\op r12, 11\n \\op r13, 12\n \\op r14, 13\n \\op r15, 14\n"
	".endm\n"
	".macro SPIN_LOAD reg, i\n mov \\reg, [rip + spin_pat + 8 * \\i]\n .endm\n"
	".macro SPIN_CHECK reg, i\n cmp \\reg, [rip + spin_pat + 8 * \\i]\n jne .Lspin_bad\\i\n .endm\n"
	".macro SPIN_BAD reg, i\n"
	".Lspin_bad\\i:\n"
	" mov [rip + spin_bad_value], \\reg\n"
	" mov qword ptr [rip + spin_bad], \\i + 1\n"
	" jmp .Lspin_out\n"
	".endm\n"
	".text\n"
	".globl spin_checked\n"
	"spin_checked:\n"
	" push rbx\n push rbp\n push r12\n push r13\n push r14\n push r15\n"
	" mov [rip + spin_pat + 8 * 15], rsp\n" /* the RSP the loop must keep */
	" mov qword ptr [rip + spin_left], 1\n" /* look at the clock at once: turn 1 */
	" std\n"
	" SPIN_REGS SPIN_LOAD\n"
	".Lspin_loop:\n"
	" SPIN_REGS SPIN_CHECK\n"
	" cmp rsp, [rip + spin_pat + 8 * 15]\n"
	" jne .Lspin_bad15\n"
	" pushfq\n"
	" pop qword ptr [rip + spin_flags]\n"
	" test qword ptr [rip + spin_flags], 0x400\n"
	" jz .Lspin_bad_df\n"
	" add qword ptr [rip + spin_rounds], 1\n"
	" sub qword ptr [rip + spin_left], 1\n"
	" jnz .Lspin_loop\n"
	" rdtsc\n"
	" shl rdx, 32\n"
	" or rax, rdx\n"
	" mov rdx, rax\n"
	" sub rdx, [rip + spin_last]\n"
	" mov [rip + spin_last], rax\n"
	" cmp rdx, [rip + spin_gap]\n"
	" jae .Lspin_new_turn\n"
	" add [rip + spin_ran], rdx\n" /* no gap: it ran all that time */
	" jmp .Lspin_same_turn\n"
	".Lspin_new_turn:\n"
	" mov rdx, [rip + spin_nturns]\n"
	" cmp rdx, " STR(SPIN_TURNS_MAX) "\n"
	" jae .Lspin_same_turn\n"
	" mov [spin_turns + rdx * 8], rax\n" /* linked at 4 MiB: absolute is fine */
	" add qword ptr [rip + spin_nturns], 1\n"
	".Lspin_same_turn:\n"
	" cmp rax, [rip + spin_deadline]\n"
	" jae .Lspin_out\n"
	" mov qword ptr [rip + spin_left], " STR(CHECK_ROUNDS) "\n"
	" mov rax, [rip + spin_pat + 8 * 0]\n"
	" mov rdx, [rip + spin_pat + 8 * 3]\n"
	" jmp .Lspin_loop\n"
	" SPIN_REGS SPIN_BAD\n"
	" SPIN_BAD rsp, 15\n"
	".Lspin_bad_df:\n"
	" mov rax, [rip + spin_flags]\n"
	" mov [rip + spin_bad_value], rax\n"
	" mov qword ptr [rip + spin_bad], " STR(SPIN_BAD_DF) "\n"
	".Lspin_out:\n"
	" cld\n"
	" mov rsp, [rip + spin_pat + 8 * 15]\n"
	" pop r15\n pop r14\n pop r13\n pop r12\n pop rbp\n pop rbx\n"
	" ret\n"
	".att_syntax prefix\n");

static struct spin_report report;
static uint64_t tls[2][2] = { { 0x5e70 }, { 0x5e71 } };

/* System calls of several kinds until the deadline: quick ones, long ones
 * (the kernel computes half a gap, so that ticks find it there), between
 * them as long in ring 3, and every 16th round a child forked that computes
 * for a few turns' worth and exits with a code of its own, waited for (the
 * talker waits meanwhile: a scheduler must not resume it). */
static void talk(uint64_t deadline, uint64_t gap)
{
	int me = getpid();

	for (uint64_t round = 0; rdtsc() < deadline; round++) {
		uint64_t k = round & 1, word, end;
		int pid, code = -1;

		report.wrong += setfs((uint64_t)tls[k]) != 0;
		__asm__ volatile("mov %%fs:0, %0" : "=r"(word));
		report.wrong += word != tls[k][0];
		report.wrong += getpid() != me;
		report.wrong += sys(SPIN_Q_LONG, gap / 2, 0, 0) != 0;
		report.calls += 4;
		for (end = rdtsc() + gap / 2; rdtsc() < end;)
			;
		if (round % 16 != 15)
			continue;
		pid = fork();
		report.calls++;
		if (pid == 0) {
			for (end = rdtsc() + 8 * gap; rdtsc() < end;)
				;
			exit((int)(report.children & 63));
		}
		report.wrong += pid < 0 || wait(&code) != pid || code != (int)(report.children & 63);
		report.calls++;
		report.children++;
	}
}

int main(void)
{
	uint64_t deadline, gap;
	int pid = getpid();

	report.role = (uint64_t)sys(SPIN_Q_ROLE, 0, 0, 0);
	deadline = (uint64_t)sys(SPIN_Q_DEADLINE, 0, 0, 0);
	gap = (uint64_t)sys(SPIN_Q_GAP, 0, 0, 0);
	if (report.role == SPIN_ROLE_TALKER) {
		talk(deadline, gap);
	} else {
		/* Every register's pattern is its own and this process's. */
		for (unsigned i = 0; i < SPIN_NREGS - 1; i++)
			spin_pat[i] = spin_pattern(pid, i);
		spin_deadline = deadline;
		spin_gap = gap;
		spin_checked();
		report.rounds = spin_rounds;
		report.ran = spin_ran;
		report.bad = spin_bad;
		report.bad_value = spin_bad_value;
		report.nturns = spin_nturns;
		memcpy(report.turns, spin_turns, sizeof(report.turns));
	}
	return sys(SPIN_Q_REPORT, (uint64_t)&report, sizeof(report), 0) == 0 ? 0 : 1;
}
