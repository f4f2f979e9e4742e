/* simd-fault: a floating-point exception the guest unmasked (op=xm: #XM from
 * SSE, op=mf: #MF from x87), an invalid MXCSR (op=mxcsr: #GP), or XSETBV
 * (op=xsetbv: #GP in ring 1). Each must be reported like any other fault, with
 * the host going on; returning here is the failure. */
#include "progs.h"
#include "../kernel.h"

/* Both return only on a CPU that raised nothing (QEMU's TCG models neither
 * #XM nor LDMXCSR's reserved-bit check): they then say so, and what the CPU
 * did record. */
static int op_xm(void)
{
	uint32_t m = 0x1f80 & ~(1u << 9), after; /* ZM clear: divide-by-zero unmasked */
	volatile float a = 1.0f, b = 0.0f;
	float r = a;

	__asm__ volatile("ldmxcsr %0" : : "m"(m));
	__asm__ volatile("divss %1, %0" : "+x"(r) : "x"(b)); /* SDM Vol.1 11.5.2: #XM */
	a = r;
	__asm__ volatile("stmxcsr %0" : "=m"(after));
	m = 0x1f80;
	__asm__ volatile("ldmxcsr %0" : : "m"(m));
	printf("guest: simd-fault: op=xm: no #XM; MXCSR.ZE is %u: this CPU does not raise SIMD "
	       "exceptions (QEMU's TCG)\n", (after >> 2) & 1);
	return 3;
}

static void op_mf(void)
{
	uint16_t cw = 0x37f & ~(1u << 2); /* ZM clear */

	__asm__ volatile("fldcw %0\n\t"
			 "fld1\n\t"
			 "fldz\n\t"
			 "fdivrp\n\t" /* 1 / 0: the exception is pending (SDM Vol.1 8.6) */
			 "fwait"      /* and raised here as #MF (CR0.NE) */
			 : : "m"(cw));
}

static int op_mxcsr(void)
{
	uint32_t m = 0xffffffffu, after; /* reserved bits set: #GP (SDM Vol.2 LDMXCSR) */

	__asm__ volatile("ldmxcsr %0" : : "m"(m));
	__asm__ volatile("stmxcsr %0" : "=m"(after));
	m = 0x1f80;
	__asm__ volatile("ldmxcsr %0" : : "m"(m));
	printf("guest: simd-fault: op=mxcsr: no #GP; MXCSR reads back %x: this CPU does not check "
	       "LDMXCSR (QEMU's TCG)\n", after);
	return 3;
}

static void op_xsetbv(void)
{
	__asm__ volatile("xsetbv" : : "c"(0), "a"(3), "d"(0));
}

int prog_simd_fault(void)
{
	char op[16];

	cmdline_arg("op", op, sizeof(op));
	printf("guest: simd-fault: op=%s\n", op);
	console_flush();
	if (__builtin_strcmp(op, "xm") == 0)
		return op_xm();
	else if (__builtin_strcmp(op, "mf") == 0)
		op_mf();
	else if (__builtin_strcmp(op, "mxcsr") == 0)
		return op_mxcsr();
	else if (__builtin_strcmp(op, "xsetbv") == 0)
		op_xsetbv();
	else {
		printf("ABORT: op=%s: unknown (xm mf mxcsr xsetbv)\n", op);
		return 2;
	}
	printf("ABORT: op=%s raised no exception\n", op);
	return 1;
}

/* What a run of this program must print, on every host (scripts/qemu-test.sh
 * reads it: prog_expect): its exit status, extra arguments, and lines of the log.
 * status: 100
 * expect op=xm: guest: simd-fault: op=xm: no #XM; MXCSR.ZE is 1
 * expect op=mf: monitor: guest crashed (unhandled exception): vector 16 (#MF x87 error)
 * expect op=mxcsr: guest: simd-fault: op=mxcsr: no #GP
 * expect op=xsetbv: monitor: guest executed `xsetbv` at RIP
 */
