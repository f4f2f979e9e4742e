/* privileged: execute one instruction that ring 1 may not (op=NAME on the
 * command line), one class per run. Each must raise #GP or #UD, which the
 * guest's handler reports with HC_CRASH; the monitor names the instruction.
 * Returning here means the CPU let ring 1 do it: the failure. */
#include "progs.h"
#include "../kernel.h"

static void op_cli(void) { __asm__ volatile("cli"); }
static void op_sti(void) { __asm__ volatile("sti"); }
static void op_hlt(void) { __asm__ volatile("hlt"); }
static void op_wrmsr(void) /* LSTAR: the host's syscall entry */
{
	__asm__ volatile("wrmsr" : : "c"(0xc0000082u), "a"(0), "d"(0));
}
static void op_rdmsr(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0xc0000080u));
}
static void op_cr0(void) { __asm__ volatile("mov %0, %%cr0" : : "r"(0x80000033ull)); }
static void op_cr3(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
}
static void op_cr8(void) { __asm__ volatile("mov %0, %%cr8" : : "r"(15ull)); }
static void op_lgdt(void)
{
	static const uint8_t zero[10];

	__asm__ volatile("lgdt %0" : : "m"(zero));
}
static void op_lidt(void)
{
	static const uint8_t zero[10];

	__asm__ volatile("lidt %0" : : "m"(zero));
}
static void op_ltr(void) { __asm__ volatile("ltr %w0" : : "r"(0x28)); }
static void op_in(void)
{
	uint8_t v;

	__asm__ volatile("inb $0x64, %0" : "=a"(v));
}
static void op_out(void) { __asm__ volatile("outb %0, $0xf4" : : "a"((uint8_t)0)); }
static void op_swapgs(void) { __asm__ volatile("swapgs"); }
static void op_invlpg(void) { __asm__ volatile("invlpg (%0)" : : "r"(0ull)); }
static void op_dr7(void) { __asm__ volatile("mov %0, %%dr7" : : "r"(0x401ull)); }
static void op_syscall(void) { __asm__ volatile("syscall" : : : "rcx", "r11"); }
static void op_sysenter(void) { __asm__ volatile("sysenter"); }
static void op_int3(void) { __asm__ volatile("int3"); }
static void op_int80(void) { __asm__ volatile("int $0x80"); }
static void op_wrfsbase(void) { __asm__ volatile("wrfsbase %0" : : "r"(0x1000ull)); }
static void op_wrpkru(void) { __asm__ volatile("wrpkru" : : "a"(0xcu), "c"(0), "d"(0)); }
/* Not an instruction class but a bad selector: 0x10 is a ring-0 descriptor in
 * every host's GDT copy, which ring 1 may not load (#GP with the selector). */
static void op_selector(void) { __asm__ volatile("mov %0, %%ds" : : "r"(0x10)); }

static const struct op {
	const char *name;
	void (*run)(void);
} ops[] = {
	{ "cli", op_cli },         { "sti", op_sti },         { "hlt", op_hlt },
	{ "wrmsr", op_wrmsr },     { "rdmsr", op_rdmsr },     { "cr0", op_cr0 },
	{ "cr3", op_cr3 },         { "cr8", op_cr8 },         { "lgdt", op_lgdt },
	{ "lidt", op_lidt },       { "ltr", op_ltr },         { "in", op_in },
	{ "out", op_out },         { "swapgs", op_swapgs },   { "invlpg", op_invlpg },
	{ "dr7", op_dr7 },         { "syscall", op_syscall }, { "sysenter", op_sysenter },
	{ "int3", op_int3 },       { "int80", op_int80 },     { "wrfsbase", op_wrfsbase },
	{ "wrpkru", op_wrpkru },     { "selector", op_selector },
};

int prog_privileged(void)
{
	char op[16];

	cmdline_arg("op", op, sizeof(op));
	for (unsigned i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (__builtin_strcmp(op, ops[i].name) == 0) {
			printf("guest: privileged: executing %s in ring 1\n", op);
			ops[i].run();
			printf("ABORT: %s did not fault in ring 1\n", op);
			return 1;
		}
	}
	printf("ABORT: op=%s: unknown (cli sti hlt wrmsr rdmsr cr0 cr3 cr8 lgdt lidt ltr in out "
	       "swapgs invlpg dr7 syscall sysenter int3 int80 wrfsbase wrpkru selector)\n", op);
	return 2;
}

/* What a run of this program must print, on every host (scripts/qemu-test.sh
 * reads it: prog_expect): its exit status, extra arguments, and lines of the log.
 * status: 100
 * expect op=cli: monitor: guest executed `cli` at RIP
 * expect op=sti: monitor: guest executed `sti` at RIP
 * expect op=hlt: monitor: guest executed `hlt` at RIP
 * expect op=wrmsr: monitor: guest executed `wrmsr` at RIP
 * expect op=rdmsr: monitor: guest executed `rdmsr` at RIP
 * expect op=cr0: monitor: guest executed `mov to cr0` at RIP
 * expect op=cr3: monitor: guest executed `mov from cr3` at RIP
 * expect op=cr8: monitor: guest executed `mov to cr8` at RIP
 * expect op=lgdt: monitor: guest executed `lgdt` at RIP
 * expect op=lidt: monitor: guest executed `lidt` at RIP
 * expect op=ltr: monitor: guest executed `ltr` at RIP
 * expect op=in: monitor: guest executed `in` at RIP
 * expect op=out: monitor: guest executed `out` at RIP
 * expect op=swapgs: monitor: guest executed `swapgs` at RIP
 * expect op=invlpg: monitor: guest executed `invlpg` at RIP
 * expect op=dr7: monitor: guest executed `mov to dr7` at RIP
 * expect op=sysenter: monitor: guest executed `sysenter` at RIP
 * expect op=int3: monitor: guest executed `int3` at RIP
 * expect op=int80: monitor: guest executed `int 0x80` at RIP
 * expect op=wrfsbase: monitor: guest executed `wrfsbase` at RIP
 * expect op=wrpkru: monitor: guest executed `wrpkru` at RIP
 * expect op=selector: monitor: guest crashed (unhandled exception): vector 13 (#GP general protection) error code 0x10
 * expect op=syscall: monitor: guest crashed (unhandled exception): vector 6 (#UD invalid opcode)
 * expect op=syscall: monitor: guest executed `syscall` at RIP
 */
