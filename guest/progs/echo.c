/* echo: type, and the guest writes it back; a line "quit" ends it. It sleeps
 * in HC_WAIT until the console-input interrupt (HCEV_INPUT, proto/vintr.h)
 * reaches its upcall handler, and only then reads the ring's console, until a
 * read comes back short: the event comes once per "no input" to "input", so
 * what one read leaves behind brings no second one. With idle=spin it
 * computes instead of sleeping, never calling the monitor until the event
 * comes: only a host that takes input by interrupt (bare metal's COM1) can
 * end that wait. For `make qemu GUEST=echo`. */
#include "progs.h"
#include "../hypercall.h"
#include "../kernel.h"
#include "../ring.h"

static volatile int input_waiting;
static volatile uint32_t input_events;

static void on_upcall(struct hc_trap_frame *f)
{
	(void)f;
	if (vcpu.events & HCEV_INPUT) {
		input_waiting = 1;
		input_events++;
	}
	vcpu.events = 0; /* nothing else is armed here */
}

int prog_echo(void)
{
	char in[64], line[128], idle[8];
	unsigned used = 0;
	uint32_t reads = 0;
	uint64_t spins = 0;
	int spin;

	cmdline_arg("idle", idle, sizeof(idle));
	spin = __builtin_strcmp(idle, "spin") == 0;
	ring_init();
	vintr_init(on_upcall);
	printf("guest: echo: type a line; \"quit\" ends (TSC %lu Hz%s)\n", boot->tsc_hz,
	       spin ? "; computing while it waits" : "");
	for (;;) {
		uint32_t n;

		while (!input_waiting) { /* the idle loop: the upcall ends it */
			if (spin) {
				spins++;
				__asm__ volatile("pause" : : : "memory");
			} else {
				hypercall(HC_WAIT, ~0ull, 0, 0);
			}
		}
		input_waiting = 0;
		do {
			n = 0;
			ring_call(RING_DEV_CONSOLE, RING_OP_CONSOLE_READ, in, sizeof(in), 0, &n);
			reads++;
			for (uint32_t i = 0; i < n; i++) {
				char c = in[i] == '\r' ? '\n' : in[i];

				ring_call(RING_DEV_CONSOLE, RING_OP_CONSOLE_WRITE, &c, 1, 0, 0);
				if (c != '\n' && used < sizeof(line) - 1) {
					line[used++] = c;
					continue;
				}
				line[used] = 0;
				used = 0;
				if (__builtin_strcmp(line, "quit") == 0) {
					printf("guest: echo: quit after %u input events, %u reads\n",
					       input_events, reads);
					if (spin)
						printf("guest: echo: %lu rounds computed while waiting\n",
						       spins);
					return 0;
				}
			}
		} while (n == sizeof(in));
	}
}
