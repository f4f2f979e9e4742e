/* An ELF core file of a crashed guest (docs/CRASHDUMP.md): with the guest's
 * ELF, gdb opens it at the faulting instruction and unwinds the stack.
 * Pure C with no libc, so that the Linux runner (cokrun, in user space) and
 * the UEFI host (in the monitor) write the same file: the caller says where
 * a guest page is and where the bytes go, this file knows the format. */
#ifndef LOADER_ELFCORE_H
#define LOADER_ELFCORE_H

#include <stdint.h>
#include "../proto/trapframe.h"

#define ELFCORE_MAX_MAPS 12    /* the image's segments (loader/elf.h: 8) and the direct map */
#define ELFCORE_MAX_LOADS 1024 /* program headers for memory; short zero gaps merge beyond */

/* The p_flags of a window (ELF gABI "Program Header": PF_X 1, PF_W 2, PF_R 4). */
#define ELFCORE_X 1u
#define ELFCORE_W 2u
#define ELFCORE_R 4u

/* One window of the guest's virtual address space onto its pool:
 * [gva, gva + bytes) shows guest-physical [gpa, gpa + bytes). Page aligned. */
struct elfcore_map {
	uint64_t gva, gpa, bytes;
	uint32_t flags; /* ELFCORE_R | ELFCORE_W | ELFCORE_X */
};

struct elfcore {
	struct hc_trap_frame regs; /* the guest's registers at the crash */
	uint32_t pid;              /* what gdb calls the thread (LWP): any nonzero number */
	char program[16];          /* pr_fname, NUL-padded: gdb compares it with the ELF's name */
	char args[80];             /* pr_psargs: the command line, NUL-padded */
	unsigned nmaps;
	struct elfcore_map map[ELFCORE_MAX_MAPS];
	/* The host's pointer to the guest page at gpa (page aligned, inside the
	 * pool), or 0 if it cannot be read. */
	const void *(*page)(void *ctx, uint64_t gpa);
	void *ctx;
};

/* Where the file goes, in order from its first byte: 0, or nonzero to stop. */
typedef int (*elfcore_sink)(void *ctx, const void *buf, uint64_t len);

/* Write the core: the ELF header, a PT_NOTE (NT_PRSTATUS with the registers,
 * NT_PRPSINFO with the names), and PT_LOADs for the windows. Runs of pages
 * that are all zero get a PT_LOAD with no file bytes, which gdb reads as
 * zeros, so a core of a mostly empty pool stays small. Returns the file's
 * size, or 0 if a page could not be read or the sink failed. */
uint64_t elfcore_write(const struct elfcore *c, elfcore_sink sink, void *sink_ctx);

/* The signal Linux would have sent a process for this exception vector:
 * gdb prints it ("Program terminated with signal SIGSEGV"). */
uint32_t elfcore_signal(uint64_t vector);

/* Copy a NUL-terminated string into a NUL-padded field of size n (cut to fit). */
void elfcore_set_str(char *field, uint64_t n, const char *s);

#endif
