/* What every guest program needs from the kernel around it, whichever main
 * runs it (guest/main.c's program table, or a kit guest's main through
 * guest/start.c): the boot info, address conversion, exit, and the command
 * line's KEY=VALUE arguments. */
#include "hypercall.h"
#include "kernel.h"

const struct bootinfo *boot;

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
		hypercall(HC_EXIT, HCLIM_EXIT_CODE, 0, 0);
}

/* A program's argument: the value of KEY=VALUE in the command line, or "". */
void cmdline_arg(const char *key, char *out, unsigned size)
{
	const char *c = boot->cmdline;
	unsigned klen = (unsigned)__builtin_strlen(key), n = 0;

	for (; *c; c++) {
		if ((c == boot->cmdline || c[-1] == ' ') && __builtin_memcmp(c, key, klen) == 0 &&
		    c[klen] == '=') {
			c += klen + 1;
			for (; c[n] && c[n] != ' ' && n + 1 < size; n++)
				out[n] = c[n];
			break;
		}
	}
	out[n] = 0;
}
