/* Naming the instruction a deprivileged (ring-1) guest faulted on, so the
 * monitor can say "guest executed `wrmsr` at RIP ...": a tiny x86-64 (long-mode,
 * 64-bit code) classifier that knows only the privileged, I/O and trapping
 * instructions, not a general disassembler. */
#ifndef LOADER_INSN_H
#define LOADER_INSN_H

#include <stdint.h>

/* The name of the instruction at the start of bytes (len bytes are readable, at most 15 used),
 * if it is one a ring-1 guest may not execute, else NULL. A truncated instruction (its ModRM,
 * SIB, displacement or immediate not all within len) gives NULL. The result is a static
 * constant string; the function keeps no state and is reentrant. */
const char *insn_forbidden_name(const uint8_t *bytes, unsigned len);

#endif
