/* The exception frame: the monitor writes it on the guest's stack for the
 * guest's handler (proto/hypercall.h HC_SET_TRAPS), HC_CRASH hands one to the
 * monitor, and the bare-metal host's own trap stubs (proto/trapframe.inc)
 * build the same layout. Lowest address first, in the order the stubs push
 * (SDM Vol.3 6.14.1: 64-bit mode always pushes SS:RSP, RFLAGS, CS:RIP, error). */
#ifndef PROTO_TRAPFRAME_H
#define PROTO_TRAPFRAME_H

#include <stdint.h>

struct hc_trap_frame {
	uint64_t cr2; /* written by the stub: the faulting linear address for #PF */
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector;     /* pushed by the stub */
	uint64_t error_code; /* pushed by the CPU, or a 0 pushed by the stub */
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

/* proto/trapframe.inc hard-codes these offsets for the assembly side. */
_Static_assert(sizeof(struct hc_trap_frame) == 23 * 8, "trap frame size");
/* The room a delivered frame takes on the guest stack: 16-byte multiple. */
#define HCABI_TRAP_FRAME_BYTES 192
_Static_assert(__builtin_offsetof(struct hc_trap_frame, rax) == 15 * 8, "rax");
_Static_assert(__builtin_offsetof(struct hc_trap_frame, vector) == 16 * 8, "vector");
_Static_assert(__builtin_offsetof(struct hc_trap_frame, rip) == 18 * 8, "rip");

/* The IDT gates that point at the 32 stubs of trapframe.inc, for the
 * bare-metal host's own IDT: 64-bit interrupt gates (SDM Vol.3 6.14.1 figure
 * 6-8: type 0xE, present, DPL 0, IST 0), so the CPU clears IF on entry and
 * never switches stacks. */
struct trap_gate {
	uint16_t offset_lo, selector;
	uint8_t ist, type_attr;
	uint16_t offset_mid;
	uint32_t offset_hi, reserved;
};
_Static_assert(sizeof(struct trap_gate) == 16, "IDT gate size");

extern const uint64_t trap_stub_table[32];

static inline void trap_fill_gates(struct trap_gate gates[32], uint16_t code_selector)
{
	for (int v = 0; v < 32; v++) {
		uint64_t a = trap_stub_table[v];

		gates[v] = (struct trap_gate){
			.offset_lo = (uint16_t)a,
			.selector = code_selector,
			.type_attr = 0x8e,
			.offset_mid = (uint16_t)(a >> 16),
			.offset_hi = (uint32_t)(a >> 32),
		};
	}
}

#endif
