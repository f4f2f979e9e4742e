/* The guest image loader: a good image loads byte-exactly with its bss zeroed;
 * each kind of bad image is refused with its own named error. Images are
 * crafted in memory by a small builder. */
#include <stdio.h>
#include <stdlib.h>
#include "fake_host.h"
#include "unit.h"
#include "../../loader/elf.h"
#include "../../loader/elf64.h"
#include "../../mm/guestmem.h"
#include "../../mm/pagetable.h"
#include "../../proto/hypercall.h"
#include "../../proto/layout.h"
#include "../../proto/note.h"

#define KB GUEST_KERNEL_BASE
#define POOL (64 * 4096ull)
#define RESERVE (12 * 4096ull)

/* A good image: text (RX) at KB, data (RW, 0x100 bytes of file, 3 pages in
 * memory) at KB + 0x2000, the ABI note, all in 16 KiB of file. */
static uint8_t img[0x4000];
static struct elf64_ehdr *eh = (struct elf64_ehdr *)img;
static struct elf64_phdr *ph = (struct elf64_phdr *)(img + 64);

static void note_at(uint64_t off, uint32_t type, uint32_t magic, uint32_t version)
{
	uint32_t n[3] = { 9, 8, type };
	struct cokernel_note_desc d = { magic, version };

	memcpy(img + off, n, 12);
	memcpy(img + off + 12, "cokernel\0\0\0", 12);
	memcpy(img + off + 24, &d, 8);
}

static void good_image(void)
{
	memset(img, 0, sizeof(img));
	memcpy(eh->ident, "\x7f" "ELF\x02\x01\x01", 7);
	eh->type = ET_EXEC;
	eh->machine = EM_X86_64;
	eh->version = 1;
	eh->entry = KB + 0x10;
	eh->phoff = 64;
	eh->ehsize = 64;
	eh->phentsize = 56;
	eh->phnum = 3;
	ph[0] = (struct elf64_phdr){ PT_LOAD, PF_R | PF_X, 0x1000, KB, KB, 0x800, 0x800, 4096 };
	ph[1] = (struct elf64_phdr){ PT_LOAD, PF_R | PF_W, 0x2000, KB + 0x2000, KB + 0x2000,
				     0x100, 0x3000, 4096 };
	ph[2] = (struct elf64_phdr){ PT_NOTE, PF_R, 0x3000, 0, 0, 32, 32, 4 };
	note_at(0x3000, COKERNEL_NOTE_TYPE, COKERNEL_NOTE_MAGIC, HCABI_VERSION);
	for (int i = 0; i < 0x800; i++)
		img[0x1000 + i] = (uint8_t)(i * 3);
	for (int i = 0; i < 0x100; i++)
		img[0x2000 + i] = (uint8_t)(200 - i);
}

static int check(void)
{
	struct elf_image im;

	return elf_check(img, sizeof(img), POOL, RESERVE, &im);
}

TEST(elf_good_image_loads_with_its_permissions_and_zeroed_bss)
{
	struct elf_image im;
	struct pool p;
	struct gspan s;
	uint64_t got;
	uint8_t data[0x3000];

	good_image();
	fake_reset();
	EXPECT_EQ(pool_init(&p, &fake_mm, POOL / 4096, 1, &got), 0); /* arena is 0xAA */
	EXPECT_EQ(elf_check(img, sizeof(img), POOL, RESERVE, &im), 0);
	EXPECT_EQ(im.entry, KB + 0x10);
	EXPECT_EQ(im.nsegments, 2);
	EXPECT_EQ(im.seg[0].perms, PT_EXEC);
	EXPECT_EQ(im.seg[1].perms, PT_WRITE);
	EXPECT_EQ(im.end_gpa, 0x5000);
	memset(data, 0x5a, sizeof(data)); /* garbage that the bss must not keep */
	gmem_span(&p, 0x2000, sizeof(data), &s);
	gmem_write(&p, s, data);
	elf_load(&p, img, &im);
	gmem_span(&p, 0, 0x800, &s);
	gmem_read(&p, data, s);
	EXPECT_EQ(memcmp(data, img + 0x1000, 0x800), 0);
	gmem_span(&p, 0x2000, 0x3000, &s);
	gmem_read(&p, data, s);
	EXPECT_EQ(memcmp(data, img + 0x2000, 0x100), 0);
	for (int i = 0x100; i < 0x3000; i++)
		if (data[i]) {
			EXPECT_EQ(data[i], 0);
			break;
		}
	pool_destroy(&p);
}

TEST(elf_refuses_files_that_are_not_x86_64_executables)
{
	struct elf_image im;

	good_image();
	EXPECT_EQ(elf_check(img, 3, POOL, RESERVE, &im), -ELF_ENOTELF);
	EXPECT_EQ(elf_check(img, 63, POOL, RESERVE, &im), -ELF_ETRUNC);
	img[0] = 'M';
	EXPECT_EQ(check(), -ELF_ENOTELF);
	good_image();
	eh->ident[4] = 1; /* ELFCLASS32 */
	EXPECT_EQ(check(), -ELF_ECLASS);
	good_image();
	eh->ident[5] = 2; /* big-endian */
	EXPECT_EQ(check(), -ELF_ECLASS);
	good_image();
	eh->machine = 3; /* i386 */
	EXPECT_EQ(check(), -ELF_EMACHINE);
	good_image();
	eh->type = ET_DYN;
	EXPECT_EQ(check(), -ELF_ETYPE);
	good_image();
	ph[2].type = PT_INTERP;
	EXPECT_EQ(check(), -ELF_ETYPE);
}

TEST(elf_refuses_bad_program_headers)
{
	good_image();
	eh->phentsize = 32;
	EXPECT_EQ(check(), -ELF_EPHDR);
	good_image();
	eh->phnum = 0;
	EXPECT_EQ(check(), -ELF_EPHDR);
	good_image();
	eh->phnum = 0xffff;
	EXPECT_EQ(check(), -ELF_EPHDR);
	good_image();
	eh->phoff = sizeof(img) - 100;
	EXPECT_EQ(check(), -ELF_ETRUNC);
	good_image();
	eh->phoff = UINT64_MAX - 10; /* phoff + size overflows */
	EXPECT_EQ(check(), -ELF_ETRUNC);
	good_image();
	ph[0].offset = 0x3000;
	ph[0].filesz = 0x2000; /* runs past the end of the file */
	ph[0].memsz = 0x2000;
	EXPECT_EQ(check(), -ELF_ETRUNC);
	good_image();
	ph[0].offset = UINT64_MAX & ~0xfffull; /* offset + filesz overflows */
	EXPECT_EQ(check(), -ELF_ETRUNC);
	good_image();
	ph[1].filesz = 0x4000; /* more in the file than in memory */
	EXPECT_EQ(check(), -ELF_EPHDR);
}

TEST(elf_refuses_segments_out_of_place)
{
	good_image();
	ph[0].vaddr += 0x10;
	EXPECT_EQ(check(), -ELF_EALIGN);
	good_image();
	ph[1].offset += 0x10;
	EXPECT_EQ(check(), -ELF_EALIGN);
	good_image();
	ph[0].vaddr = KB - 0x1000; /* below the window */
	EXPECT_EQ(check(), -ELF_EWINDOW);
	good_image();
	ph[1].vaddr = KB + GUEST_KERNEL_WINDOW_BYTES; /* at its end */
	EXPECT_EQ(check(), -ELF_EWINDOW);
	good_image();
	ph[1].memsz = GUEST_KERNEL_WINDOW_BYTES; /* runs past its end */
	EXPECT_EQ(check(), -ELF_EWINDOW);
	good_image();
	ph[1].memsz = UINT64_MAX; /* vaddr + memsz overflows */
	EXPECT_EQ(check(), -ELF_EWINDOW);
	good_image();
	ph[1].vaddr = KB; /* overlaps the text */
	EXPECT_EQ(check(), -ELF_EORDER);
	good_image();
	ph[0].vaddr = KB + 0x6000; /* text after data: descending */
	EXPECT_EQ(check(), -ELF_EORDER);
	good_image();
	ph[1].flags = PF_R | PF_W | PF_X;
	EXPECT_EQ(check(), -ELF_EWX);
	good_image();
	ph[0].type = ph[1].type = PT_PHDR; /* no PT_LOAD left */
	EXPECT_EQ(check(), -ELF_ENOLOAD);
	good_image();
	eh->entry = KB + 0x2000; /* in the data segment */
	EXPECT_EQ(check(), -ELF_EENTRY);
}

TEST(elf_refuses_a_missing_or_foreign_abi_note)
{
	struct elf_image im;

	good_image();
	ph[2].type = PT_PHDR;
	EXPECT_EQ(check(), -ELF_ENONOTE);
	good_image();
	note_at(0x3000, COKERNEL_NOTE_TYPE, 0x12345678, HCABI_VERSION);
	EXPECT_EQ(check(), -ELF_ENONOTE);
	good_image();
	note_at(0x3000, COKERNEL_NOTE_TYPE, COKERNEL_NOTE_MAGIC, 99);
	EXPECT_EQ(elf_check(img, sizeof(img), POOL, RESERVE, &im), -ELF_EABI);
	EXPECT_EQ(im.abi_version, 99);
	good_image();
	memcpy(img + 0x3000, &(uint32_t){ 0xfffffff0 }, 4); /* namesz runs past the note */
	EXPECT_EQ(check(), -ELF_EPHDR);
	good_image();
	ph[2].filesz = 0x4000; /* the note segment past the file */
	EXPECT_EQ(check(), -ELF_ETRUNC);
}

TEST(elf_refuses_an_image_larger_than_the_pool)
{
	struct elf_image im;

	good_image();
	EXPECT_EQ(elf_check(img, sizeof(img), 0x4000, 0, &im), -ELF_ETOOBIG);
	EXPECT_EQ(elf_check(img, sizeof(img), 0x5000, 0, &im), 0);
	EXPECT_EQ(elf_check(img, sizeof(img), 0x5000, 4096, &im), -ELF_ETOOBIG);
}

TEST(elf_every_error_has_its_own_message)
{
	for (int i = 1; i < ELF_NERRORS; i++) {
		EXPECT(strlen(elf_strerror(-i)) > 10);
		for (int j = 1; j < i; j++)
			EXPECT(strcmp(elf_strerror(-i), elf_strerror(-j)) != 0);
	}
}

/* The guest kernel this tree builds (make check builds it first). */
TEST(elf_the_real_guest_passes_with_text_rodata_and_data)
{
	struct elf_image im;
	static uint8_t buf[1 << 20];
	FILE *f = fopen("build/guest.elf", "rb");
	size_t n;

	EXPECT(f != NULL);
	if (!f)
		return;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	EXPECT_EQ(elf_check(buf, n, 32 << 20, RESERVE, &im), 0);
	EXPECT_EQ(im.nsegments, 3);
	EXPECT_EQ(im.seg[0].perms, PT_EXEC);
	EXPECT_EQ(im.seg[1].perms, 0);
	EXPECT_EQ(im.seg[2].perms, PT_WRITE);
	EXPECT_EQ(im.seg[0].gva, KB);
}

/* The function an address lies in, from a symbol table crafted in memory:
 * section headers [0] null, [1] .symtab, [2] .strtab. */
static uint8_t symimg[1024];

static void sym_image(void)
{
	struct elf64_ehdr *h = (struct elf64_ehdr *)symimg;
	struct elf64_shdr *sh = (struct elf64_shdr *)(symimg + 0x100);
	struct elf64_sym *sym = (struct elf64_sym *)(symimg + 0x200);
	static const char names[] = "\0alpha\0beta\0data";

	memset(symimg, 0, sizeof(symimg));
	memcpy(h->ident, "\x7f" "ELF\x02\x01\x01", 7);
	h->shoff = 0x100;
	h->shentsize = sizeof(*sh);
	h->shnum = 3;
	sh[1] = (struct elf64_shdr){ .type = SHT_SYMTAB, .offset = 0x200, .size = 4 * sizeof(*sym),
				     .link = 2, .entsize = sizeof(*sym) };
	sh[2] = (struct elf64_shdr){ .type = 3, .offset = 0x300, .size = sizeof(names) };
	memcpy(symimg + 0x300, names, sizeof(names));
	sym[1] = (struct elf64_sym){ .name = 1, .info = STT_FUNC, .value = KB + 0x100, .size = 0x40 };
	sym[2] = (struct elf64_sym){ .name = 7, .info = STT_FUNC, .value = KB + 0x140, .size = 0x10 };
	sym[3] = (struct elf64_sym){ .name = 12, .info = 1 /* STT_OBJECT */, .value = KB + 0x150,
				     .size = 0x10 };
}

TEST(elf_symbol_names_the_function_holding_an_address)
{
	uint64_t off = 99;
	const char *n;

	sym_image();
	n = elf_symbol(symimg, sizeof(symimg), KB + 0x100, &off);
	EXPECT(n && strcmp(n, "alpha") == 0 && off == 0);
	n = elf_symbol(symimg, sizeof(symimg), KB + 0x13f, &off);
	EXPECT(n && strcmp(n, "alpha") == 0 && off == 0x3f);
	n = elf_symbol(symimg, sizeof(symimg), KB + 0x148, &off);
	EXPECT(n && strcmp(n, "beta") == 0 && off == 8);
	EXPECT(elf_symbol(symimg, sizeof(symimg), KB + 0x150, &off) == NULL); /* an object */
	EXPECT(elf_symbol(symimg, sizeof(symimg), KB + 0xff, &off) == NULL);
	/* Section headers or a table past the end of the file: nothing is read. */
	EXPECT(elf_symbol(symimg, 0x100 + 2 * 64, KB + 0x100, &off) == NULL);
	EXPECT(elf_symbol(symimg, 0x210, KB + 0x100, &off) == NULL);
	/* A name that runs to the end of its string table is not a name. */
	((struct elf64_shdr *)(symimg + 0x100))[2].size = 4;
	EXPECT(elf_symbol(symimg, sizeof(symimg), KB + 0x100, &off) == NULL);
	sym_image();
	((struct elf64_shdr *)(symimg + 0x100))[1].link = 7; /* no such section */
	EXPECT(elf_symbol(symimg, sizeof(symimg), KB + 0x100, &off) == NULL);
}

/* A guest's headers cannot make the report's lookup long: only the first
 * symbol table is read, once, and a string table must end in NUL. */
TEST(elf_symbol_reads_one_table_once_whatever_the_headers_say)
{
	static uint8_t big[1 << 20];
	struct elf64_ehdr *h = (struct elf64_ehdr *)big;
	struct elf64_shdr *sh = (struct elf64_shdr *)(big + 0x100);
	struct elf64_sym *sym = (struct elf64_sym *)(big + 0x1000);
	uint64_t off;
	unsigned nsym = 4000;

	memset(big, 0, sizeof(big));
	memcpy(h->ident, "\x7f" "ELF\x02\x01\x01", 7);
	h->shoff = 0x100;
	h->shentsize = sizeof(*sh);
	h->shnum = 40; /* section 1 the string table, 2..39 the same symbol table */
	sh[1] = (struct elf64_shdr){ .type = 3, .offset = 0x40000, .size = sizeof(big) - 0x40000 };
	memset(big + 0x40000, 'A', sizeof(big) - 0x40000); /* no NUL anywhere */
	for (unsigned i = 2; i < h->shnum; i++)
		sh[i] = (struct elf64_shdr){ .type = SHT_SYMTAB, .offset = 0x1000,
					     .size = nsym * sizeof(*sym), .link = 1,
					     .entsize = sizeof(*sym) };
	for (unsigned i = 0; i < nsym; i++)
		sym[i] = (struct elf64_sym){ .info = STT_FUNC, .value = KB, .size = 16 };
	EXPECT(elf_symbol(big, sizeof(big), KB + 4, &off) == NULL);
	big[sizeof(big) - 1] = 0; /* now a string table: the first symbol answers */
	EXPECT(elf_symbol(big, sizeof(big), KB + 4, &off) != NULL && off == 4);
}
