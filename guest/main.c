/* The guest kernel's main: take the boot info, pick the program that the
 * command line's guest= names, run it, and end with the verdict line that the
 * test harness reads (SUCCESS, or the program's ABORT: line) and its code. */
#include "hypercall.h"
#include "kernel.h"
#include "progs/progs.h"

static const struct program {
	const char *name;
	int (*run)(void);
	int bare; /* runs before any exception handler is registered */
} programs[] = {
	{ "hello", prog_hello, 0 },
	{ "selftest", prog_selftest, 0 },
	{ "fault", prog_fault, 0 },
	{ "blk", prog_blk, 0 },
	{ "badring", prog_badring, 0 },
	{ "echo", prog_echo, 0 },
	{ "net", prog_net, 0 },
	{ "bench", prog_bench, 0 },
	{ "spin", prog_spin, 0 },
	{ "ud2-first", prog_ud2_first, 1 },
	{ "doublefault", prog_doublefault, 0 },
	{ "privileged", prog_privileged, 0 },
	{ "trapflag", prog_trapflag, 0 },
	{ "nmi", prog_nmi, 0 },
	{ "fpu", prog_fpu, 0 },
	{ "simd-fault", prog_simd_fault, 0 },
	{ "preempt", prog_preempt, 0 },
	{ "vtimer", prog_vtimer, 0 },
	{ "masked", prog_masked, 0 },
	{ "sched", prog_sched, 0 },
	{ "crash", prog_crash, 0 },
	{ "user", prog_user, 0 },
	{ "ssnull", prog_ssnull, 0 },
	{ "forge", prog_forge, 0 },
	{ "vm", prog_vm, 0 },
	{ "ad", prog_ad, 0 },
	{ "bigpages", prog_bigpages, 0 },
	{ "lazy", prog_lazy, 0 },
	{ "cow", prog_cow, 0 },
	{ "pthostile", prog_pthostile, 0 },
	{ "async-io", prog_async_io, 0 },
	{ "ringev", prog_ringev, 0 },
	/* the labs' programs (labs/NAME/guest/, docs/labs/) */
	{ "lab-hypercall", prog_lab_hypercall, 0 },
	{ "lab-device", prog_lab_device, 0 },
	{ "lab-pfa", prog_lab_pfa, 0 },
	{ "lab-threads", prog_lab_threads, 0 },
	{ "lab-fs", prog_lab_fs, 0 },
	{ "lab-vm", prog_lab_vm, 0 },
	{ "lab-syscall", prog_lab_syscall, 0 },
	{ "lab-lazy", prog_lab_lazy, 0 },
	{ "lab-cow", prog_lab_cow, 0 },
	{ "lab-sched", prog_lab_sched, 0 },
};

/* The value of guest=NAME in the command line, copied into name. */
static void program_name(char *name, unsigned size)
{
	const char *c = boot->cmdline;
	unsigned n = 0;

	for (; *c; c++) {
		if ((c == boot->cmdline || c[-1] == ' ') && __builtin_memcmp(c, "guest=", 6) == 0) {
			c += 6;
			for (n = 0; c[n] && c[n] != ' ' && n + 1 < size; n++)
				name[n] = c[n];
			break;
		}
	}
	if (n == 0)
		__builtin_memcpy(name, "hello", n = 5);
	name[n] = 0;
}

void guest_main(const struct bootinfo *bi);
void guest_main(const struct bootinfo *bi)
{
	char name[32];

	boot = bi;
	program_name(name, sizeof(name));
	for (unsigned i = 0; i < sizeof(programs) / sizeof(programs[0]); i++) {
		if (__builtin_strcmp(name, programs[i].name) == 0) {
			int code;

			if (!programs[i].bare)
				guest_cpu_init();
			code = programs[i].run();

			if (code == 0)
				printf("SUCCESS\n");
			guest_exit((uint64_t)code);
		}
	}
	printf("ABORT: unknown program '%s' (known:", name);
	for (unsigned i = 0; i < sizeof(programs) / sizeof(programs[0]); i++)
		printf(" %s", programs[i].name);
	printf(")\n");
	guest_exit(2);
}
