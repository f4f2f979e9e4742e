/* The boot-info block: the monitor writes it into the pool before the first
 * switch and passes its guest virtual address (direct map) in RDI to the
 * guest's entry point. Written once by the monitor, then the guest's own. */
#ifndef PROTO_BOOTINFO_H
#define PROTO_BOOTINFO_H

#include <stdint.h>

#define BOOTINFO_MAGIC UINT64_C(0x4f464e49544f4f42) /* "BOOTINFO" little-endian */
#define BOOTINFO_CMDLINE_BYTES 256

/* Which host the monitor runs on (bootinfo.host). */
#define BOOTINFO_HOST_MB2 1
#define BOOTINFO_HOST_EFI 2
#define BOOTINFO_HOST_LINUX 3

/* What bootinfo.flags says. */
#define BOOTINFO_F_SCATTER 1u /* the pool was scattered on purpose (debug) */

struct bootinfo {
	uint64_t magic;       /* BOOTINFO_MAGIC */
	uint32_t abi_version; /* HCABI_VERSION of the monitor */
	uint32_t size_bytes;  /* sizeof(struct bootinfo) */
	uint64_t pool_bytes;  /* size of the pseudo-physical RAM */
	uint64_t dmap_base;   /* gva of gpa 0 (GUEST_DMAP_BASE) */
	uint64_t kernel_base; /* gva of the image's gpa 0 (GUEST_KERNEL_BASE) */
	uint64_t p2m_gva;     /* read-only: u64 machine address of each pool page */
	uint64_t p2m_entries; /* = pool_bytes / 4096 */
	uint64_t passage_gva; /* the monitor's pages, mapped but not the guest's (ABI.md) */
	uint64_t bootinfo_gpa; /* this block: the page after the image */
	uint64_t stack_gpa;   /* boot stack: [stack_gpa, stack_gpa + stack_bytes), 8 pages */
	uint64_t stack_bytes;
	/* The first gpa not used by the image, the boot info (1 page), the boot
	 * stack (8), the request ring (3: ring_gpa) or the boot page tables
	 * (boot_pt_pages): the guest's free memory is [free_gpa, pool_bytes). */
	uint64_t free_gpa;
	uint32_t host;        /* BOOTINFO_HOST_* */
	uint32_t flags;       /* BOOTINFO_F_* */
	uint64_t ring_gpa;    /* the request ring (proto/ring.h), RING_PAGES pages */
	uint64_t tsc_hz;      /* TSC ticks per second: ns = rdtsc * 10^9 / tsc_hz */
	/* The boot page tables: x86-64 4-level tables the monitor wrote into the
	 * pool, loaded at entry (HC_SET_CR3 of boot_cr3, PCID 0): the direct map
	 * of the whole pool (RW, NX, global; 2 MiB pages where they fit) and the
	 * image at its link address (per program header, global). The guest's to
	 * read, copy, extend or abandon (docs/ABI.md, "Page tables"). */
	uint64_t boot_cr3;      /* the PML4's gpa */
	uint64_t boot_pt_gpa;   /* their pages: [boot_pt_gpa, + boot_pt_pages * 4096) */
	uint64_t boot_pt_pages;
	char cmdline[BOOTINFO_CMDLINE_BYTES]; /* NUL-terminated: the run's line, less verdict= */
};

/* Monotonic time in ns from a TSC value: tsc * 10^9 / tsc_hz, split so that no
 * 128-bit division (a libgcc call) is needed; exact while tsc_hz < 1.8e10. */
static inline uint64_t bootinfo_tsc_to_ns(uint64_t tsc, uint64_t tsc_hz)
{
	return tsc / tsc_hz * 1000000000u + tsc % tsc_hz * 1000000000u / tsc_hz;
}

_Static_assert(sizeof(struct bootinfo) == 0x90 + BOOTINFO_CMDLINE_BYTES, "bootinfo size");
_Static_assert(__builtin_offsetof(struct bootinfo, passage_gva) == 0x38, "passage offset");

#endif
