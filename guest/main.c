/* The guest kernel's main: take the boot info, pick the program that the
 * command line's guest= names, run it, and end with the verdict line that the
 * test harness reads (SUCCESS, or the program's ABORT: line) and its code. */
#include "hypercall.h"
#include "kernel.h"
#include "progs/progs.h"

const struct bootinfo *boot;
uint64_t hc_entry_va;

static const struct program {
	const char *name;
	int (*run)(void);
} programs[] = {
	{ "hello", prog_hello },
	{ "selftest", prog_selftest },
	{ "fault", prog_fault },
	{ "blk", prog_blk },
	{ "badring", prog_badring },
	{ "echo", prog_echo },
	{ "bench", prog_bench },
	{ "spin", prog_spin },
};

uint64_t virt_to_gpa(const void *va)
{
	uint64_t v = (uint64_t)va;

	return v >= boot->kernel_base ? v - boot->kernel_base : v - boot->dmap_base;
}

void *gpa_to_virt(uint64_t gpa)
{
	return (void *)(boot->dmap_base + gpa);
}

_Noreturn void guest_exit(uint64_t code)
{
	console_flush();
	hypercall(HC_EXIT, code, 0, 0);
	for (;;) /* HC_EXIT returns only for a code out of range */
		hypercall(HC_EXIT, HC_EXIT_MAX_CODE, 0, 0);
}

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
	hc_entry_va = bi->hc_entry;
	program_name(name, sizeof(name));
	for (unsigned i = 0; i < sizeof(programs) / sizeof(programs[0]); i++) {
		if (__builtin_strcmp(name, programs[i].name) == 0) {
			int code = programs[i].run();

			if (code == 0)
				printf("SUCCESS\n");
			guest_exit((uint64_t)code);
		}
	}
	printf("ABORT: unknown program '%s' (known: hello selftest fault blk badring echo bench spin)\n", name);
	guest_exit(2);
}
