/* A kit guest's guest_main (docs/KIT.md): the exception handlers and the
 * request ring set up, the command line cut into words, the program's own
 * main(argc, argv) called, and its return value made the exit code.
 *
 * The in-tree guest defines guest_main itself (guest/main.c, the program
 * table). The linker takes an archive member only for a symbol still
 * undefined, so a guest that brings its own guest_main never pulls this file
 * out of libcokernel.a, and one that does not (a kit guest) gets this one. */
#include "hypercall.h"
#include "kernel.h"
#include "ring.h"

#define START_MAX_ARGS 32

int main(int argc, char **argv);

static char words[BOOTINFO_CMDLINE_BYTES];
static char *args[START_MAX_ARGS + 1];

/* argv[0] is "guest"; then each space-separated word of the command line (the
 * monitor's own words too: the guest sees the whole line, docs/ABI.md). */
static int split_cmdline(void)
{
	int argc = 0;
	char *w = words;

	__builtin_memcpy(words, boot->cmdline, sizeof(words));
	words[sizeof(words) - 1] = 0;
	args[argc++] = "guest";
	while (*w && argc < START_MAX_ARGS) {
		while (*w == ' ')
			*w++ = 0;
		if (!*w)
			break;
		args[argc++] = w;
		while (*w && *w != ' ')
			w++;
		if (*w)
			*w++ = 0;
	}
	args[argc] = 0;
	return argc;
}

void guest_main(const struct bootinfo *bi);
void guest_main(const struct bootinfo *bi)
{
	int argc;

	boot = bi;
	guest_cpu_init();
	ring_init();
	argc = split_cmdline();
	guest_exit((uint64_t)main(argc, args));
}
