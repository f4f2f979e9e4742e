/* hostile: a user program that does, one thing per process, what the kernel
 * (guest/progs/pthostile_traps.c) tells it through a system call of its own:
 * a privileged instruction (it must die of it; getting past it exits 0),
 * `int N` for every N (the kernel skips each #GP), or a trap on the garbage
 * kernel stack the kernel just named (the guest's double fault). */
#include "hostile.h"
#include "ulib.h"

#define RFLAGS_IF 0x200ull
#define RFLAGS_IOPL 0x3000ull

/* int_table + N * 8: `int N; ret`, CD ib: two bytes (as bytes: gas writes
 * `int $3` as the one-byte INT3). */
__asm__(".pushsection .text\n"
	".balign 8\n"
	"int_table:\n"
	".set n, 0\n"
	".rept 256\n"
	".byte 0xcd, n\n"
	"ret\n"
	".balign 8, 0xcc\n"
	".set n, n + 1\n"
	".endr\n"
	".popsection");
extern const char int_table[];

/* int N with RAX = SYS_GETPID and RDI = N (the kernel reads N there). */
static int64_t int_n(unsigned n)
{
	int64_t rax = SYS_GETPID;

	__asm__ volatile("call *%[at]"
			 : "+a"(rax)
			 : [at] "r"(int_table + n * 8), "D"((uint64_t)n)
			 : "rcx", "rdx", "rsi", "r8", "r9", "r10", "r11", "memory", "cc");
	return rax;
}

/* Every N once; int 0x80 must be the system call. Then #BP and #OF made
 * user-callable, and int 3 and int 4 once more. 0: all as expected. */
static int sweep(void)
{
	int bad = 0, pid = getpid();

	for (unsigned n = 0; n < 256; n++)
		if (int_n(n) != pid && n == 0x80)
			bad = 1;
	sys(HOSTILE_SYS_DECLARE, 1, 0, 0);
	int_n(3);
	int_n(4);
	sys(HOSTILE_SYS_DECLARE, 0, 0, 0);
	return bad;
}

/* iretq from ring 3 to a more privileged CS (SDM Vol.2 IRET: #GP(selector)). */
static void iret_to(uint64_t cs, uint64_t ss)
{
	__asm__ volatile("mov %%rsp, %%rax\n\t"
			 "push %1\n\t"
			 "push %%rax\n\t"
			 "pushfq\n\t"
			 "push %0\n\t"
			 "lea 1f(%%rip), %%rax\n\t"
			 "push %%rax\n\t"
			 "iretq\n"
			 "1:"
			 : : "r"(cs), "r"(ss) : "rax", "memory");
}

/* One privileged instruction; 1 if it ran (for a KILL op, the failure). */
static int insn(int op)
{
	static const uint8_t zero[16];
	uint64_t v = 0, desc[2] = { 0, 0 };
	uint8_t buf[16];
	uint32_t lo, hi;

	switch (op) {
	case HOSTILE_CLI: __asm__ volatile("cli"); break;
	case HOSTILE_STI: __asm__ volatile("sti"); break;
	case HOSTILE_HLT: __asm__ volatile("hlt"); break;
	case HOSTILE_IN: __asm__ volatile("inb $0x64, %%al" : : : "rax"); break;
	case HOSTILE_OUT: __asm__ volatile("outb %%al, $0x80" : : "a"(0)); break;
	case HOSTILE_INS: __asm__ volatile("insb" : : "D"(buf), "d"(0x3f8) : "memory"); break;
	case HOSTILE_WRMSR: /* LSTAR: the host's system-call entry */
		__asm__ volatile("wrmsr" : : "c"(0xc0000082u), "a"(0), "d"(0));
		break;
	case HOSTILE_RDMSR:
		__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0xc0000080u));
		break;
	case HOSTILE_CR0: __asm__ volatile("mov %0, %%cr0" : : "r"(0x80000033ull)); break;
	case HOSTILE_CR3: __asm__ volatile("mov %%cr3, %0" : "=r"(v)); break;
	case HOSTILE_CR4: __asm__ volatile("mov %0, %%cr4" : : "r"(0ull)); break;
	case HOSTILE_CR8: __asm__ volatile("mov %0, %%cr8" : : "r"(15ull)); break;
	case HOSTILE_DR7: __asm__ volatile("mov %0, %%dr7" : : "r"(0x401ull)); break;
	case HOSTILE_DR6: __asm__ volatile("mov %%dr6, %0" : "=r"(v)); break;
	case HOSTILE_LGDT: __asm__ volatile("lgdt %0" : : "m"(zero)); break;
	case HOSTILE_LIDT: __asm__ volatile("lidt %0" : : "m"(zero)); break;
	case HOSTILE_LLDT: __asm__ volatile("lldt %w0" : : "r"(0)); break;
	case HOSTILE_LTR: __asm__ volatile("ltr %w0" : : "r"(0x28)); break;
	case HOSTILE_LMSW: __asm__ volatile("lmsw %w0" : : "r"(1)); break;
	case HOSTILE_CLTS: __asm__ volatile("clts"); break;
	case HOSTILE_INVLPG: __asm__ volatile("invlpg (%0)" : : "r"(0x400000ull)); break;
	case HOSTILE_INVPCID: __asm__ volatile("invpcid %0, %1" : : "m"(desc), "r"(2ull)); break;
	case HOSTILE_INVD: __asm__ volatile("invd"); break;
	case HOSTILE_WBINVD: __asm__ volatile("wbinvd"); break;
	case HOSTILE_SWAPGS: __asm__ volatile("swapgs"); break;
	case HOSTILE_RDPMC: __asm__ volatile("rdpmc" : "=a"(lo), "=d"(hi) : "c"(0)); break;
	case HOSTILE_XSETBV: __asm__ volatile("xsetbv" : : "c"(0), "a"(3), "d"(0)); break;
	case HOSTILE_SYSCALL: __asm__ volatile("syscall" : : : "rcx", "r11", "memory"); break;
	case HOSTILE_SYSRET: __asm__ volatile("sysretq" : : : "memory"); break;
	case HOSTILE_SYSENTER: __asm__ volatile("sysenter" : : : "memory"); break;
	case HOSTILE_SYSEXIT: __asm__ volatile("sysexitq" : : : "memory"); break;
	case HOSTILE_VMCALL: __asm__ volatile("vmcall"); break;
	case HOSTILE_WRFSBASE: __asm__ volatile("wrfsbase %0" : : "r"(0x1000ull)); break;
	case HOSTILE_WRPKRU: __asm__ volatile("wrpkru" : : "a"(0xcu), "c"(0), "d"(0)); break;
	case HOSTILE_HYPERCALL: /* HC_EXIT(0): were it a hypercall, the guest would end */
		__asm__ volatile("int $0x81" : : "a"(2), "D"(0) : "memory");
		break;
	case HOSTILE_INT3: __asm__ volatile("int3"); break;
	case HOSTILE_INTO: __asm__ volatile(".byte 0xce"); break; /* invalid in 64-bit mode */
	case HOSTILE_IRET1: iret_to(0xf1, 0xf9); break; /* HCABI_GUEST_CS and _DS */
	case HOSTILE_IRET0: iret_to(0x08, 0x10); break;
	case HOSTILE_DS1: __asm__ volatile("mov %0, %%ds" : : "r"(0xf9)); break;
	case HOSTILE_SS1: __asm__ volatile("mov %0, %%ss" : : "r"(0xf9)); break;
	case HOSTILE_ICEBP: __asm__ volatile(".byte 0xf1"); break;
	case HOSTILE_SGDT: __asm__ volatile("sgdt %0" : "=m"(buf)); break;
	case HOSTILE_SIDT: __asm__ volatile("sidt %0" : "=m"(buf)); break;
	case HOSTILE_SLDT: __asm__ volatile("sldt %0" : "=r"(v)); break;
	case HOSTILE_STR: __asm__ volatile("str %0" : "=r"(v)); break;
	case HOSTILE_SMSW: __asm__ volatile("smsw %0" : "=r"(v)); break;
	case HOSTILE_POPF: /* SDM Vol.2 POPF: at CPL 3, IF and IOPL stay as they are */
		__asm__ volatile("pushfq\n\t"
				 "andq %1, (%%rsp)\n\t"
				 "orq %2, (%%rsp)\n\t"
				 "popfq\n\t"
				 "pushfq\n\t"
				 "pop %0"
				 : "=r"(v)
				 : "i"(~RFLAGS_IF), "i"(RFLAGS_IOPL)
				 : "memory", "cc");
		return (v & (RFLAGS_IF | RFLAGS_IOPL)) == RFLAGS_IF ? 0 : 2;
	default: return 1;
	}
	return 1;
}

int main(void)
{
	int op = (int)sys(HOSTILE_SYS_WHICH, 0, 0, 0);

	switch (op) {
	case HOSTILE_INTS:
		return sweep();
	case HOSTILE_KSTACK_SYSCALL: /* the kernel stack is garbage now */
		getpid();
		break;
	case HOSTILE_KSTACK_FAULT:
		__asm__ volatile("ud2");
		break;
	default:
		if (op >= 0 && op < HOSTILE_NINSNS) {
			int r = insn(op);

			/* A UMIP or KEEP op that ran ends here: 0 is "ran, changed nothing". */
			return r == 1 ? 0 : r;
		}
	}
	printf("user: hostile op %d: still alive\n", op);
	return 1;
}
