/* The ELF core writer: a crafted register set and guest memory go in, and
 * the file that comes out is parsed back as gdb would read it: the header,
 * the note with the registers in user_regs_struct order, a PT_LOAD for every
 * run of pages with their bytes, zero runs without file bytes. Then the
 * monitor's description of a crashed guest, over a real (fake-host) pool. */
#include <stdlib.h>
#include "unit.h"
#include "unit_guest.h"
#include "../../loader/elfcore.h"
#include "../../loader/elf64.h"
#include "../../mm/guestmem.h"
#include "../../proto/layout.h"

#define NPAGES 16
static uint8_t mem[NPAGES][4096] __attribute__((aligned(4096)));
static int unreadable = -1; /* a page index page() refuses */

static const void *page(void *ctx, uint64_t gpa)
{
	(void)ctx;
	if (gpa % 4096 || gpa / 4096 >= NPAGES || (int)(gpa / 4096) == unreadable)
		return 0;
	return mem[gpa / 4096];
}

struct out {
	uint8_t *buf;
	uint64_t len, cap;
	int fail_at; /* fail the n-th write; -1: never */
};

static int sink(void *ctx, const void *buf, uint64_t len)
{
	struct out *o = ctx;

	if (o->fail_at-- == 0)
		return -1;
	if (o->len + len > o->cap) {
		o->cap = (o->len + len) * 2;
		o->buf = realloc(o->buf, o->cap);
	}
	memcpy(o->buf + o->len, buf, len);
	o->len += len;
	return 0;
}

static struct elfcore crafted(void)
{
	struct elfcore c = { .pid = 7, .page = page };

	/* Every register a value of its own: 0x100 + its index in the frame. */
	uint64_t *f = (uint64_t *)&c.regs;
	for (unsigned i = 0; i < sizeof(c.regs) / 8; i++)
		f[i] = 0x100 + i;
	c.regs.vector = 14;
	elfcore_set_str(c.program, sizeof(c.program), "guest.elf");
	elfcore_set_str(c.args, sizeof(c.args), "guest=crash");
	/* Pages 0-3 as "text" at the kernel window, and all 16 at the direct map.
	 * Data in pages 0, 1, 3, 9; the rest zero. */
	memset(mem, 0, sizeof(mem));
	for (int p = 0; p < NPAGES; p++)
		if (p <= 1 || p == 3 || p == 9)
			for (int i = 0; i < 4096; i++)
				mem[p][i] = (uint8_t)(p * 31 + i);
	c.map[c.nmaps++] = (struct elfcore_map){ GUEST_KERNEL_BASE, 0, 4 * 4096,
						 ELFCORE_R | ELFCORE_X };
	c.map[c.nmaps++] = (struct elfcore_map){ GUEST_DMAP_BASE, 0, NPAGES * 4096,
						 ELFCORE_R | ELFCORE_W };
	return c;
}

static const struct elf64_phdr *phdr(const struct out *o, unsigned i)
{
	const struct elf64_ehdr *eh = (const void *)o->buf;

	return (const void *)(o->buf + eh->phoff + i * eh->phentsize);
}

/* The bytes gdb would read at va from the core: 1 and *out, or 0 if no
 * PT_LOAD covers it; a PT_LOAD without file bytes reads as zeros. */
static int read_va(const struct out *o, uint64_t va, const uint8_t **bytes, int *zero)
{
	const struct elf64_ehdr *eh = (const void *)o->buf;

	for (unsigned i = 0; i < eh->phnum; i++) {
		const struct elf64_phdr *ph = phdr(o, i);

		if (ph->type != PT_LOAD || va < ph->vaddr || va - ph->vaddr >= ph->memsz)
			continue;
		*zero = va - ph->vaddr >= ph->filesz;
		*bytes = *zero ? 0 : o->buf + ph->offset + (va - ph->vaddr);
		return 1;
	}
	return 0;
}

TEST(elfcore_header_note_and_loads)
{
	struct elfcore c = crafted();
	struct out o = { .fail_at = -1 };
	uint64_t size = elfcore_write(&c, sink, &o);
	const struct elf64_ehdr *eh = (const void *)o.buf;
	const struct elf64_phdr *note;
	const uint8_t *n;
	uint64_t reg[27];

	EXPECT_EQ(size, o.len);
	EXPECT(memcmp(eh->ident, "\x7f" "ELF\x02\x01\x01", 7) == 0);
	EXPECT_EQ(eh->type, 4); /* ET_CORE */
	EXPECT_EQ(eh->machine, EM_X86_64);
	EXPECT_EQ(eh->phentsize, 56);
	/* The note, then the runs: text [0-1][2][3], dmap [0-1][2][3][4-8][9][10-15]. */
	EXPECT_EQ(eh->phnum, 1 + 3 + 6);
	note = phdr(&o, 0);
	EXPECT_EQ(note->type, PT_NOTE);
	n = o.buf + note->offset;
	EXPECT_EQ(((const uint32_t *)n)[0], 5);   /* namesz: "CORE\0" */
	EXPECT_EQ(((const uint32_t *)n)[1], 336); /* descsz: elf_prstatus */
	EXPECT_EQ(((const uint32_t *)n)[2], 1);   /* NT_PRSTATUS */
	EXPECT(memcmp(n + 12, "CORE", 5) == 0);
	EXPECT_EQ(n[20 + 12], 11); /* pr_cursig: SIGSEGV for #PF */
	EXPECT_EQ(n[20 + 32], 7);  /* pr_pid */
	memcpy(reg, n + 20 + 112, sizeof(reg)); /* user_regs_struct, 4-byte aligned in the file */
	EXPECT_EQ(reg[0], c.regs.r15);
	EXPECT_EQ(reg[4], c.regs.rbp);
	EXPECT_EQ(reg[5], c.regs.rbx);
	EXPECT_EQ(reg[10], c.regs.rax);
	EXPECT_EQ(reg[14], c.regs.rdi);
	EXPECT_EQ(reg[15], ~0ull); /* orig_rax */
	EXPECT_EQ(reg[16], c.regs.rip);
	EXPECT_EQ(reg[17], c.regs.cs);
	EXPECT_EQ(reg[18], c.regs.rflags);
	EXPECT_EQ(reg[19], c.regs.rsp);
	EXPECT_EQ(reg[20], c.regs.ss);
	n += 20 + 336;
	EXPECT_EQ(((const uint32_t *)n)[2], 3); /* NT_PRPSINFO */
	EXPECT(strcmp((const char *)n + 20 + 40, "guest.elf") == 0);
	EXPECT(strcmp((const char *)n + 20 + 56, "guest=crash") == 0);
	EXPECT_EQ(note->filesz, 20 + 336 + 20 + 136);
	for (unsigned i = 1; i < eh->phnum; i++) {
		const struct elf64_phdr *ph = phdr(&o, i);

		EXPECT_EQ(ph->type, PT_LOAD);
		EXPECT_EQ(ph->offset % 4096, 0);
		EXPECT(ph->offset >= 4096); /* after the headers, also with no file bytes */
		EXPECT(ph->filesz == 0 || ph->filesz == ph->memsz);
		EXPECT(ph->offset + ph->filesz <= o.len);
	}
	EXPECT_EQ(phdr(&o, 1)->flags, PF_R | PF_X);
	EXPECT_EQ(phdr(&o, 4)->flags, PF_R | PF_W);
	/* Every page reads back as it was, at both of its addresses. */
	for (uint64_t p = 0; p < NPAGES; p++) {
		const uint8_t *b;
		int zero, data = p <= 1 || p == 3 || p == 9;

		EXPECT(read_va(&o, GUEST_DMAP_BASE + p * 4096, &b, &zero));
		EXPECT_EQ(zero, !data);
		if (data)
			EXPECT(memcmp(b, mem[p], 4096) == 0);
		if (p < 4) {
			EXPECT(read_va(&o, GUEST_KERNEL_BASE + p * 4096, &b, &zero));
			EXPECT(zero || memcmp(b, mem[p], 4096) == 0);
		}
	}
	EXPECT(!read_va(&o, GUEST_KERNEL_BASE + 4 * 4096, &(const uint8_t *){ 0 }, &(int){ 0 }));
	/* Only data pages take room: 3 + 4 of them, after the page of headers. */
	EXPECT_EQ(o.len, 4096 + 7 * 4096);
	free(o.buf);
}

TEST(elfcore_signal_per_vector)
{
	EXPECT_EQ(elfcore_signal(14), 11); /* #PF: SIGSEGV */
	EXPECT_EQ(elfcore_signal(13), 11); /* #GP: SIGSEGV */
	EXPECT_EQ(elfcore_signal(6), 4);   /* #UD: SIGILL */
	EXPECT_EQ(elfcore_signal(0), 8);   /* #DE: SIGFPE */
	EXPECT_EQ(elfcore_signal(3), 5);   /* #BP: SIGTRAP */
	EXPECT_EQ(elfcore_signal(17), 7);  /* #AC: SIGBUS */
}

static const void *flat_page(void *ctx, uint64_t gpa)
{
	return (uint8_t *)ctx + gpa;
}

/* More runs than program headers allow: zero gaps merge until it fits. */
TEST(elfcore_many_runs_merge)
{
	static uint8_t big[4096][4096] __attribute__((aligned(4096)));
	struct elfcore c = crafted();
	struct out o = { .fail_at = -1 };
	const struct elf64_ehdr *eh;
	uint64_t data = 0;

	for (int p = 0; p < 4096; p += 2)
		big[p][5] = 1; /* every other page: 4096 runs */
	c.nmaps = 1;
	c.map[0] = (struct elfcore_map){ GUEST_DMAP_BASE, 0, sizeof(big), ELFCORE_R };
	c.page = flat_page;
	c.ctx = big;
	EXPECT(elfcore_write(&c, sink, &o) != 0);
	eh = (const void *)o.buf;
	EXPECT(eh->phnum - 1 <= ELFCORE_MAX_LOADS);
	EXPECT(eh->phnum - 1 >= 1);
	for (unsigned i = 1; i < eh->phnum; i++)
		data += phdr(&o, i)->memsz;
	EXPECT_EQ(data, sizeof(big));
	for (uint64_t p = 0; p < 4096; p += 2) {
		const uint8_t *b;
		int zero;

		EXPECT(read_va(&o, GUEST_DMAP_BASE + p * 4096, &b, &zero) && !zero && b[5] == 1);
	}
	free(o.buf);
}

TEST(elfcore_failures)
{
	struct elfcore c = crafted();
	struct out o = { .fail_at = -1 };

	unreadable = 9;
	EXPECT_EQ(elfcore_write(&c, sink, &o), 0);
	unreadable = -1;
	for (int n = 0; n < 6; n++) {
		o = (struct out){ .fail_at = n };
		EXPECT_EQ(elfcore_write(&c, sink, &o), 0);
		free(o.buf);
	}
	o = (struct out){ .fail_at = -1 };
	c.map[0].bytes = 100; /* not page aligned */
	EXPECT_EQ(elfcore_write(&c, sink, &o), 0);
	free(o.buf);
}

/* The monitor's own description of a crashed guest: its frame, the image's
 * segments at their link addresses, the whole pool at the direct map. */
TEST(elfcore_monitor_describes_a_crash)
{
	static struct monitor m;
	struct elfcore c;
	struct out o = { .fail_at = -1 };
	struct gspan s;
	const uint8_t *b;
	int zero;

	EXPECT_EQ(unit_guest_memory(&m, 8, UNIT_GUEST_NO_RO_PAGE), 0);
	m.image.nsegments = 2;
	m.image.seg[0] = (struct elf_segment){ .gva = GUEST_KERNEL_BASE, .memsz = 0x1800,
					       .perms = PT_EXEC };
	m.image.seg[1] = (struct elf_segment){ .gva = GUEST_KERNEL_BASE + 0x2000,
					       .memsz = 0x1000, .perms = PT_WRITE };
	m.crash.rip = GUEST_KERNEL_BASE + 0x123;
	m.crash.vector = 6;
	strcpy(m.cfg.guest, "crash");
	gmem_span(&m.pool, 0x2000, 8, &s);
	gmem_write(&m.pool, s, "datadata");
	EXPECT_EQ(monitor_core(&m, RUN_GUEST_EXIT, &c), -1);
	EXPECT_EQ(monitor_core(&m, RUN_GUEST_CRASH, &c), 0);
	EXPECT_EQ(c.nmaps, 3);
	EXPECT_EQ(c.map[0].bytes, 0x2000);
	EXPECT_EQ(c.map[0].flags, ELFCORE_R | ELFCORE_X);
	EXPECT_EQ(c.map[1].gpa, 0x2000);
	EXPECT_EQ(c.map[1].flags, ELFCORE_R | ELFCORE_W);
	EXPECT_EQ(c.map[2].gva, GUEST_DMAP_BASE);
	EXPECT_EQ(c.map[2].bytes, pool_bytes(&m.pool));
	EXPECT_STR(c.args, "guest=crash");
	EXPECT(elfcore_write(&c, sink, &o) != 0);
	EXPECT(read_va(&o, GUEST_KERNEL_BASE + 0x2000, &b, &zero) && !zero &&
	       memcmp(b, "datadata", 8) == 0);
	EXPECT(read_va(&o, GUEST_DMAP_BASE + 0x2000, &b, &zero) && !zero &&
	       memcmp(b, "datadata", 8) == 0);
	EXPECT(read_va(&o, GUEST_DMAP_BASE + 0x7000, &b, &zero) && zero);
	EXPECT(!read_va(&o, GUEST_KERNEL_BASE + 0x4000, &b, &zero));
	free(o.buf);
	/* A foreign image: the core names its file, and the path as given. */
	{
		static struct host_ops foreign = { .name = "test", .image_name = "/lab/my guest.elf" };

		m.host = &foreign;
		EXPECT_EQ(monitor_core(&m, RUN_GUEST_CRASH, &c), 0);
		EXPECT_STR(c.program, "guest.elf");
		EXPECT_STR(c.args, "/lab/my guest.elf");
		foreign.image_name = "\\image.elf";
		EXPECT_EQ(monitor_core(&m, RUN_GUEST_CRASH, &c), 0);
		EXPECT_STR(c.program, "image.elf");
		m.host = 0;
	}
	unit_guest_free(&m);
}
