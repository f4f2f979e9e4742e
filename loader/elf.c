/* The guest image loader (loader/elf.h). All arithmetic on file values is
 * overflow-checked; nothing is copied until the whole image has passed. */
#include "elf.h"
#include "elf64.h"
#include "../mm/guestmem.h"
#include "../mm/pagetable.h"
#include "../proto/hypercall.h"
#include "../proto/layout.h"
#include "../proto/note.h"

#define PAGE_MASK (GUEST_PAGE_SIZE - 1)

static const char *const messages[ELF_NERRORS] = {
	[ELF_OK] = "ok",
	[ELF_ETRUNC] = "the file is truncated (a header or segment runs past its end)",
	[ELF_ENOTELF] = "not an ELF file (no \\x7fELF magic)",
	[ELF_ECLASS] = "not a 64-bit little-endian ELF file",
	[ELF_EMACHINE] = "not an x86-64 ELF file",
	[ELF_ETYPE] = "not a static executable (ET_EXEC without PT_INTERP or PT_DYNAMIC)",
	[ELF_EPHDR] = "malformed program headers",
	[ELF_EALIGN] = "a PT_LOAD segment is not page aligned",
	[ELF_EORDER] = "PT_LOAD segments are not in ascending order or overlap",
	[ELF_EWINDOW] = "a PT_LOAD segment lies outside the guest kernel window "
			"0xffffffff80000000-0xffffffffa0000000",
	[ELF_EWX] = "a PT_LOAD segment is both writable and executable",
	[ELF_ENOLOAD] = "no PT_LOAD segment, or too many",
	[ELF_EENTRY] = "the entry point is not inside an executable segment",
	[ELF_ENONOTE] = "no cokernel ABI note (PT_NOTE \"cokernel\")",
	[ELF_EABI] = "built for another ABI version",
	[ELF_ETOOBIG] = "the image does not fit in the pool",
};

const char *elf_strerror(int err)
{
	if (err < 0)
		err = -err;
	return err < ELF_NERRORS ? messages[err] : "unknown ELF error";
}

/* Does [off, off + len) lie inside a file of file_len bytes? */
static int in_file(uint64_t off, uint64_t len, uint64_t file_len)
{
	return off <= file_len && len <= file_len - off;
}

static uint32_t align4(uint32_t n)
{
	return (n + 3u) & ~3u;
}

/* Find our note among the notes of one PT_NOTE segment (gABI "Note Section"). */
static int read_note(const uint8_t *img, const struct elf64_phdr *ph, struct elf_image *out,
		     int *found)
{
	uint64_t pos = ph->offset, end = ph->offset + ph->filesz;

	while (end - pos >= sizeof(struct elf64_nhdr)) {
		struct elf64_nhdr nh;
		uint64_t name_at = pos + sizeof(nh), desc_at;

		__builtin_memcpy(&nh, img + pos, sizeof(nh));
		if (align4(nh.namesz) < nh.namesz || align4(nh.descsz) < nh.descsz ||
		    align4(nh.namesz) > end - name_at)
			return -ELF_EPHDR;
		desc_at = name_at + align4(nh.namesz);
		if (align4(nh.descsz) > end - desc_at)
			return -ELF_EPHDR;
		if (nh.type == COKERNEL_NOTE_TYPE && nh.namesz == sizeof(COKERNEL_NOTE_NAME) &&
		    __builtin_memcmp(img + name_at, COKERNEL_NOTE_NAME, nh.namesz) == 0 &&
		    nh.descsz == sizeof(struct cokernel_note_desc)) {
			struct cokernel_note_desc d;

			__builtin_memcpy(&d, img + desc_at, sizeof(d));
			if (d.magic != COKERNEL_NOTE_MAGIC)
				return -ELF_ENONOTE;
			out->abi_version = d.abi_version;
			*found = 1;
		}
		pos = desc_at + align4(nh.descsz);
	}
	return 0;
}

static int check_load(const struct elf64_phdr *ph, uint64_t len, uint64_t *prev_end,
		      struct elf_image *out)
{
	const uint64_t win_lo = GUEST_KERNEL_BASE;
	const uint64_t win_hi = GUEST_KERNEL_BASE + GUEST_KERNEL_WINDOW_BYTES;
	struct elf_segment *s;

	if (ph->memsz == 0)
		return 0; /* nothing to load */
	if (ph->filesz > ph->memsz)
		return -ELF_EPHDR;
	if (!in_file(ph->offset, ph->filesz, len))
		return -ELF_ETRUNC;
	if ((ph->vaddr & PAGE_MASK) || (ph->offset & PAGE_MASK))
		return -ELF_EALIGN;
	if (ph->vaddr < win_lo || ph->vaddr >= win_hi || ph->memsz > win_hi - ph->vaddr)
		return -ELF_EWINDOW;
	if (ph->vaddr < *prev_end)
		return -ELF_EORDER;
	if ((ph->flags & PF_W) && (ph->flags & PF_X))
		return -ELF_EWX;
	if (out->nsegments == ELF_MAX_SEGMENTS)
		return -ELF_ENOLOAD;
	s = &out->seg[out->nsegments++];
	*s = (struct elf_segment){
		.gva = ph->vaddr,
		.memsz = ph->memsz,
		.offset = ph->offset,
		.filesz = ph->filesz,
		.perms = ((ph->flags & PF_W) ? PT_WRITE : 0) | ((ph->flags & PF_X) ? PT_EXEC : 0),
	};
	/* Round up inside the window: cannot overflow, win_hi is far from 2^64. */
	*prev_end = (ph->vaddr + ph->memsz + PAGE_MASK) & ~PAGE_MASK;
	return 0;
}

int elf_check(const void *image, uint64_t len, uint64_t pool_bytes, uint64_t reserve_bytes,
	      struct elf_image *out)
{
	const uint8_t *img = image;
	struct elf64_ehdr eh;
	uint64_t prev_end = 0;
	int found_note = 0, err;

	*out = (struct elf_image){ 0 };
	if (len < sizeof(eh))
		return len >= 4 && __builtin_memcmp(img, "\x7f" "ELF", 4) == 0 ? -ELF_ETRUNC
										: -ELF_ENOTELF;
	__builtin_memcpy(&eh, img, sizeof(eh));
	if (__builtin_memcmp(eh.ident, "\x7f" "ELF", 4) != 0)
		return -ELF_ENOTELF;
	/* gABI: EI_CLASS=4 is ELFCLASS64 (2), EI_DATA=5 ELFDATA2LSB (1), EI_VERSION=6. */
	if (eh.ident[4] != 2 || eh.ident[5] != 1 || eh.ident[6] != 1)
		return -ELF_ECLASS;
	if (eh.machine != EM_X86_64)
		return -ELF_EMACHINE;
	if (eh.type != ET_EXEC)
		return -ELF_ETYPE;
	if (eh.phentsize != sizeof(struct elf64_phdr) || eh.phnum == 0 ||
	    eh.phnum > ELF_MAX_PHDRS)
		return -ELF_EPHDR;
	if (!in_file(eh.phoff, (uint64_t)eh.phnum * sizeof(struct elf64_phdr), len))
		return -ELF_ETRUNC;
	for (unsigned i = 0; i < eh.phnum; i++) {
		struct elf64_phdr ph;

		__builtin_memcpy(&ph, img + eh.phoff + i * sizeof(ph), sizeof(ph));
		if (ph.type == PT_INTERP || ph.type == PT_DYNAMIC)
			return -ELF_ETYPE;
		if (ph.type == PT_NOTE) {
			if (!in_file(ph.offset, ph.filesz, len))
				return -ELF_ETRUNC;
			err = read_note(img, &ph, out, &found_note);
		} else if (ph.type == PT_LOAD) {
			err = check_load(&ph, len, &prev_end, out);
		} else {
			err = 0; /* PT_GNU_STACK and the like: nothing to load */
		}
		if (err)
			return err;
	}
	if (out->nsegments == 0)
		return -ELF_ENOLOAD;
	if (!found_note)
		return -ELF_ENONOTE;
	if (out->abi_version != HCABI_VERSION)
		return -ELF_EABI;
	err = -ELF_EENTRY;
	for (unsigned i = 0; i < out->nsegments; i++) {
		const struct elf_segment *s = &out->seg[i];

		if ((s->perms & PT_EXEC) && eh.entry >= s->gva && eh.entry - s->gva < s->memsz)
			err = 0;
	}
	if (err)
		return err;
	out->entry = eh.entry;
	out->end_gpa = prev_end - GUEST_KERNEL_BASE;
	if (out->end_gpa > pool_bytes || reserve_bytes > pool_bytes - out->end_gpa)
		return -ELF_ETOOBIG;
	return 0;
}

void elf_load(const struct pool *p, const void *image, const struct elf_image *im)
{
	for (unsigned i = 0; i < im->nsegments; i++) {
		const struct elf_segment *s = &im->seg[i];
		uint64_t gpa = s->gva - GUEST_KERNEL_BASE;
		struct gspan file, bss;

		/* elf_check proved both spans lie inside the pool. */
		gmem_span(p, gpa, s->filesz, &file);
		gmem_span(p, gpa + s->filesz, s->memsz - s->filesz, &bss);
		gmem_write(p, file, (const uint8_t *)image + s->offset);
		gmem_zero(p, bss);
	}
}
