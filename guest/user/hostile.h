/* The ops of guest/user/hostile.c, shared with the kernel that picks them
 * (guest/progs/pthostile_traps.c). X(NAME, "mnemonic", class): KILL, #GP or
 * #UD kills it; DB, #DB does (#UD under QEMU's TCG); UMIP, #GP kills it where
 * the CPU has UMIP, else it runs; KEEP, it runs and changes nothing. */
#ifndef GUEST_USER_HOSTILE_H
#define GUEST_USER_HOSTILE_H

#define HOSTILE_INSNS(X)                                                                   \
	X(CLI, "cli", KILL) X(STI, "sti", KILL) X(HLT, "hlt", KILL) X(IN, "in", KILL)        \
	X(OUT, "out", KILL) X(INS, "insb", KILL) X(WRMSR, "wrmsr", KILL)                     \
	X(RDMSR, "rdmsr", KILL) X(CR0, "mov to cr0", KILL) X(CR3, "mov from cr3", KILL)      \
	X(CR4, "mov to cr4", KILL) X(CR8, "mov to cr8", KILL) X(DR7, "mov to dr7", KILL)     \
	X(DR6, "mov from dr6", KILL) X(LGDT, "lgdt", KILL) X(LIDT, "lidt", KILL)             \
	X(LLDT, "lldt", KILL) X(LTR, "ltr", KILL) X(LMSW, "lmsw", KILL) X(CLTS, "clts", KILL) \
	X(INVLPG, "invlpg", KILL) X(INVPCID, "invpcid", KILL) X(INVD, "invd", KILL)          \
	X(WBINVD, "wbinvd", KILL) X(SWAPGS, "swapgs", KILL) X(RDPMC, "rdpmc", KILL)          \
	X(XSETBV, "xsetbv", KILL) X(SYSCALL, "syscall", KILL) X(SYSRET, "sysretq", KILL)     \
	X(SYSENTER, "sysenter", KILL) X(SYSEXIT, "sysexitq", KILL) X(VMCALL, "vmcall", KILL) \
	X(WRFSBASE, "wrfsbase", KILL) X(WRPKRU, "wrpkru", KILL)                              \
	X(HYPERCALL, "int $0x81 (HC_EXIT)", KILL) X(INT3, "int3", KILL)                      \
	X(INTO, "into", KILL) X(IRET1, "iretq to ring 1", KILL)                              \
	X(IRET0, "iretq to ring 0", KILL) X(DS1, "mov to ds of the kernel's", KILL)          \
	X(SS1, "mov to ss of the kernel's", KILL) X(ICEBP, "int1 (icebp)", DB)               \
	X(SGDT, "sgdt", UMIP) X(SIDT, "sidt", UMIP) X(SLDT, "sldt", UMIP)                    \
	X(STR, "str", UMIP) X(SMSW, "smsw", UMIP) X(POPF, "popfq of IF 0, IOPL 3", KEEP)

enum hostile_op {
#define HOSTILE_ENUM(name, mnemonic, class) HOSTILE_##name,
	HOSTILE_INSNS(HOSTILE_ENUM)
#undef HOSTILE_ENUM
	HOSTILE_NINSNS,
	HOSTILE_INTS = HOSTILE_NINSNS, /* `int N` for every N, twice (see hostile.c) */
	HOSTILE_KSTACK_SYSCALL,        /* a system call on a garbage kernel stack */
	HOSTILE_KSTACK_FAULT,          /* ud2 on a garbage kernel stack */
};

/* Its own system calls (proc_syscall_hook): which op, then for the sweep:
 * make 3 and 4 user-callable, and back. */
#define HOSTILE_SYS_WHICH 100
#define HOSTILE_SYS_DECLARE 101 /* rdi: 1 declares #BP and #OF user-callable, 0 undoes it */

#endif
