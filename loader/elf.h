/* The guest image loader: checks an x86-64 ELF executable against everything
 * docs/ABI.md "Identification" asks (PT_LOAD only, ascending, page aligned, inside the kernel
 * window and the pool, never writable and executable, an ABI note of the right
 * version) before a byte is copied, then copies it into the pool. */
#ifndef LOADER_ELF_H
#define LOADER_ELF_H

#include <stdint.h>
#include "../mm/pool.h"

#define ELF_MAX_SEGMENTS 8
#define ELF_MAX_PHDRS 32

enum elf_error {
	ELF_OK = 0,
	ELF_ETRUNC,    /* the file ends before a header or segment does */
	ELF_ENOTELF,   /* no \x7fELF magic */
	ELF_ECLASS,    /* not 64-bit little-endian ELF version 1 */
	ELF_EMACHINE,  /* not x86-64 */
	ELF_ETYPE,     /* not a static executable (ET_EXEC, no PT_INTERP/PT_DYNAMIC) */
	ELF_EPHDR,     /* program headers malformed (size, count, filesz > memsz) */
	ELF_EALIGN,    /* a PT_LOAD's address or offset is not page aligned */
	ELF_EORDER,    /* PT_LOADs not ascending or overlapping */
	ELF_EWINDOW,   /* a PT_LOAD outside the guest kernel window */
	ELF_EWX,       /* a PT_LOAD both writable and executable */
	ELF_ENOLOAD,   /* no PT_LOAD (or more than ELF_MAX_SEGMENTS) */
	ELF_EENTRY,    /* the entry point is not in an executable segment */
	ELF_ENONOTE,   /* no cokernel ABI note */
	ELF_EABI,      /* the note names another ABI version */
	ELF_ETOOBIG,   /* image plus boot info and stack larger than the pool */
	ELF_NERRORS
};

struct elf_segment {
	uint64_t gva;        /* page aligned */
	uint64_t memsz;      /* bytes in memory; [filesz, memsz) is zeroed */
	uint64_t offset;     /* in the file */
	uint64_t filesz;
	unsigned perms;      /* PT_WRITE | PT_EXEC (mm/pagetable.h) */
};

struct elf_image {
	uint64_t entry;
	uint32_t abi_version;  /* from the note, also set for ELF_EABI */
	unsigned nsegments;
	struct elf_segment seg[ELF_MAX_SEGMENTS];
	uint64_t end_gpa;      /* first page after the last segment */
};

/* Check image[0, len) for a pool of pool_bytes that must also hold
 * reserve_bytes after the image. Returns 0 or -ELF_E*; fills *out. */
int elf_check(const void *image, uint64_t len, uint64_t pool_bytes, uint64_t reserve_bytes,
	      struct elf_image *out);
/* Copy the checked segments into the pool and zero their bss. */
void elf_load(const struct pool *p, const void *image, const struct elf_image *im);
const char *elf_strerror(int err);
/* loader/elfsym.c: the function of the image's symbol table that holds addr
 * (its name, NUL-terminated inside the image) and addr's offset in it; 0 if
 * none does or the image has no usable symbol table. */
const char *elf_symbol(const void *image, uint64_t len, uint64_t addr, uint64_t *off);

#endif
