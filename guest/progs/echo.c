/* echo: type, and the guest writes it back (console read and write over the
 * ring, HC_WAIT between). For `make qemu GUEST=echo`; a line "quit" ends it. */
#include "progs.h"
#include "../hypercall.h"
#include "../kernel.h"
#include "../ring.h"

int prog_echo(void)
{
	char in[64], line[128];
	unsigned used = 0;

	ring_init();
	printf("guest: echo: type a line; \"quit\" ends (TSC %lu Hz)\n", boot->tsc_hz);
	for (;;) {
		uint32_t n = 0;

		if (hypercall(HC_WAIT, now_ns() + 1000000000ull, 0, 0) == HC_WAIT_TIMEOUT)
			continue; /* a second without input */
		ring_call(RING_DEV_CONSOLE, RING_OP_CONSOLE_READ, in, sizeof(in), 0, &n);
		for (uint32_t i = 0; i < n; i++) {
			char c = in[i] == '\r' ? '\n' : in[i];

			ring_call(RING_DEV_CONSOLE, RING_OP_CONSOLE_WRITE, &c, 1, 0, 0);
			if (c != '\n' && used < sizeof(line) - 1) {
				line[used++] = c;
				continue;
			}
			line[used] = 0;
			if (__builtin_strcmp(line, "quit") == 0)
				return 0;
			used = 0;
		}
	}
}
