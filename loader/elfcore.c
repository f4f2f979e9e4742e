/* The ELF core writer (loader/elfcore.h). The file, in order:
 *   the ELF header (ET_CORE), the program headers (one PT_NOTE, then the
 *   PT_LOADs), the notes, zeros up to a page boundary, the PT_LOADs' bytes.
 * Every window is cut into runs of pages: a run with data gets its bytes in
 * the file, a run of zero pages a PT_LOAD with p_filesz 0 (gdb reads it as
 * zeros). If that makes more than ELFCORE_MAX_LOADS, zero gaps up to a
 * growing length are kept inside the data runs until it fits. */
#include "elfcore.h"
#include "elf64.h"

#define PAGE 4096u
#define ET_CORE 4       /* ELF gABI "ELF Header": e_type of a core file */
#define NT_PRSTATUS 1   /* Linux include/uapi/linux/elf.h: struct elf_prstatus */
#define NT_PRPSINFO 3   /* Linux include/uapi/linux/elf.h: struct elf_prpsinfo */
#define NOTE_NAME "CORE" /* the owner Linux and gdb use for these two notes */

/* Linux include/linux/elfcore.h, x86_64: struct elf_prstatus (336 bytes). */
struct prstatus {
	int32_t si_signo, si_code, si_errno; /* pr_info */
	int16_t cursig, pad0;
	uint64_t sigpend, sighold;
	int32_t pid, ppid, pgrp, sid;
	uint64_t times[8];  /* pr_utime, pr_stime, pr_cutime, pr_cstime (timevals) */
	uint64_t reg[27];   /* elf_gregset_t: struct user_regs_struct, below */
	int32_t fpvalid, pad1;
};
_Static_assert(sizeof(struct prstatus) == 336, "elf_prstatus on x86_64");
_Static_assert(__builtin_offsetof(struct prstatus, reg) == 112, "pr_reg");

/* Linux arch/x86/include/asm/user_64.h: struct user_regs_struct, the order of
 * pr_reg, which gdb's amd64-linux target reads (amd64_linux_gregset_reg_offset). */
enum {
	R_R15, R_R14, R_R13, R_R12, R_RBP, R_RBX, R_R11, R_R10, R_R9, R_R8, R_RAX, R_RCX,
	R_RDX, R_RSI, R_RDI, R_ORIG_RAX, R_RIP, R_CS, R_EFLAGS, R_RSP, R_SS, R_FS_BASE,
	R_GS_BASE, R_DS, R_ES, R_FS, R_GS, R_COUNT
};
_Static_assert(R_COUNT == 27, "user_regs_struct");

/* Linux include/linux/elfcore.h, x86_64: struct elf_prpsinfo (136 bytes). */
struct prpsinfo {
	char state, sname, zomb, nice;
	uint32_t pad0;
	uint64_t flag;
	uint32_t uid, gid;
	int32_t pid, ppid, pgrp, sid;
	char fname[16];
	char psargs[80];
};
_Static_assert(sizeof(struct prpsinfo) == 136, "elf_prpsinfo on x86_64");

/* ELF gABI "Note Section": a header, the name and the descriptor, each
 * padded to 4 bytes; "CORE\0" takes 8. */
struct note_head {
	struct elf64_nhdr h;
	char name[8];
};
_Static_assert(sizeof(struct note_head) == 20, "note header and name");
#define NOTES_BYTES (2 * sizeof(struct note_head) + sizeof(struct prstatus) + \
		     sizeof(struct prpsinfo))

uint32_t elfcore_signal(uint64_t vector)
{
	/* Linux arch/x86/kernel/traps.c: the signal each exception sends a task;
	 * numbers from arch/x86/include/uapi/asm/signal.h. */
	switch (vector) {
	case 0: case 16: case 19: return 8; /* #DE, #MF, #XM: SIGFPE */
	case 1: case 3: return 5;           /* #DB, #BP: SIGTRAP */
	case 6: return 4;                   /* #UD: SIGILL */
	case 12: case 17: case 18: return 7; /* #SS, #AC, #MC: SIGBUS */
	default: return 11;                  /* #PF, #GP and the rest: SIGSEGV */
	}
}

void elfcore_set_str(char *field, uint64_t n, const char *s)
{
	uint64_t i = 0;

	for (; i + 1 < n && s && s[i]; i++)
		field[i] = s[i];
	for (; i < n; i++)
		field[i] = 0;
}

/* ---- runs of pages ---- */
static int page_is_zero(const struct elfcore *c, uint64_t gpa, int *err)
{
	const uint64_t *p = c->page(c->ctx, gpa);

	if (!p) {
		*err = 1;
		return 1;
	}
	for (unsigned i = 0; i < PAGE / 8; i++)
		if (p[i])
			return 0;
	return 1;
}

/* The run of window m that starts at page i (of n): its length in pages, and
 * whether it has data. A data run takes in zero gaps of up to tol pages that
 * have data after them; a zero run is every zero page from i on. */
static uint64_t run_at(const struct elfcore *c, const struct elfcore_map *m, uint64_t i,
		       uint64_t tol, int *data, int *err)
{
	uint64_t n = m->bytes / PAGE, q = i + 1, z;

	*data = !page_is_zero(c, m->gpa + i * PAGE, err);
	if (!*data) {
		while (q < n && page_is_zero(c, m->gpa + q * PAGE, err))
			q++;
		return q - i;
	}
	for (;;) {
		while (q < n && !page_is_zero(c, m->gpa + q * PAGE, err))
			q++;
		for (z = q; z < n && page_is_zero(c, m->gpa + z * PAGE, err); z++)
			;
		if (z == n || z - q > tol)
			return q - i;
		q = z;
	}
}

/* Every run of every window in turn: fn(ctx, map, first page, pages, data). */
static int each_run(const struct elfcore *c, uint64_t tol,
		    int (*fn)(void *ctx, const struct elfcore_map *m, uint64_t first, uint64_t n,
			      int data),
		    void *ctx)
{
	int err = 0, data;

	for (unsigned k = 0; k < c->nmaps; k++) {
		const struct elfcore_map *m = &c->map[k];

		for (uint64_t i = 0, n; i < m->bytes / PAGE && !err; i += n) {
			n = run_at(c, m, i, tol, &data, &err);
			if (!err && fn && fn(ctx, m, i, n, data))
				return -1;
		}
		if (err)
			return -1;
	}
	return 0;
}

struct writer {
	const struct elfcore *c;
	elfcore_sink sink;
	void *sink_ctx;
	uint64_t nloads;   /* counted, then written */
	uint64_t data_off; /* the next data run's place in the file */
	uint64_t at;       /* bytes written so far */
};

static int put(struct writer *w, const void *buf, uint64_t len)
{
	w->at += len;
	return w->sink(w->sink_ctx, buf, len);
}

static int count_run(void *ctx, const struct elfcore_map *m, uint64_t first, uint64_t n, int data)
{
	(void)m, (void)first, (void)n, (void)data;
	return ++((struct writer *)ctx)->nloads > ELFCORE_MAX_LOADS;
}

static int phdr_run(void *ctx, const struct elfcore_map *m, uint64_t first, uint64_t n, int data)
{
	struct writer *w = ctx;
	/* ELF gABI "Program Header": p_filesz < p_memsz leaves the rest zero;
	 * p_offset and p_vaddr agree modulo p_align. */
	struct elf64_phdr ph = {
		.type = PT_LOAD,
		.flags = m->flags,
		/* Where the next bytes go, also with none: BFD (binutils 2.40)
		 * read a PT_LOAD at offset 0 as another thread's registers. */
		.offset = w->data_off,
		.vaddr = m->gva + first * PAGE,
		.filesz = data ? n * PAGE : 0,
		.memsz = n * PAGE,
		.align = PAGE,
	};

	w->data_off += ph.filesz;
	return put(w, &ph, sizeof(ph));
}

static int data_run(void *ctx, const struct elfcore_map *m, uint64_t first, uint64_t n, int data)
{
	struct writer *w = ctx;
	const struct elfcore *c = w->c;

	for (uint64_t i = first, len; data && i < first + n; i += len) {
		const uint8_t *p = c->page(c->ctx, m->gpa + i * PAGE);

		if (!p)
			return -1;
		/* Pages that are contiguous in the host go out in one piece. */
		for (len = 1; i + len < first + n && len < 256 &&
			      c->page(c->ctx, m->gpa + (i + len) * PAGE) == p + len * PAGE;
		     len++)
			;
		if (put(w, p, len * PAGE))
			return -1;
	}
	return 0;
}

static void fill_regs(uint64_t r[R_COUNT], const struct hc_trap_frame *f)
{
	r[R_R15] = f->r15, r[R_R14] = f->r14, r[R_R13] = f->r13, r[R_R12] = f->r12;
	r[R_RBP] = f->rbp, r[R_RBX] = f->rbx, r[R_R11] = f->r11, r[R_R10] = f->r10;
	r[R_R9] = f->r9, r[R_R8] = f->r8, r[R_RAX] = f->rax, r[R_RCX] = f->rcx;
	r[R_RDX] = f->rdx, r[R_RSI] = f->rsi, r[R_RDI] = f->rdi;
	r[R_ORIG_RAX] = ~0ull; /* not in a system call (Linux's convention) */
	r[R_RIP] = f->rip, r[R_CS] = f->cs, r[R_EFLAGS] = f->rflags;
	r[R_RSP] = f->rsp, r[R_SS] = f->ss;
	r[R_FS_BASE] = 0, r[R_GS_BASE] = 0; /* always 0 in the guest (proto/hypercall.h) */
	r[R_DS] = r[R_ES] = r[R_FS] = r[R_GS] = f->ss;
}

static int write_notes(struct writer *w)
{
	const struct elfcore *c = w->c;
	uint32_t sig = elfcore_signal(c->regs.vector);
	struct note_head sh = { { sizeof(NOTE_NAME), sizeof(struct prstatus), NT_PRSTATUS },
				NOTE_NAME };
	struct note_head ph = { { sizeof(NOTE_NAME), sizeof(struct prpsinfo), NT_PRPSINFO },
				NOTE_NAME };
	struct prstatus s = { .si_signo = (int32_t)sig, .cursig = (int16_t)sig,
			      .pid = (int32_t)c->pid };
	struct prpsinfo p = { .sname = 'R', .pid = (int32_t)c->pid };

	fill_regs(s.reg, &c->regs);
	__builtin_memcpy(p.fname, c->program, sizeof(p.fname));
	__builtin_memcpy(p.psargs, c->args, sizeof(p.psargs));
	return put(w, &sh, sizeof(sh)) || put(w, &s, sizeof(s)) || put(w, &ph, sizeof(ph)) ||
	       put(w, &p, sizeof(p));
}

uint64_t elfcore_write(const struct elfcore *c, elfcore_sink sink, void *sink_ctx)
{
	static const uint8_t zeros[256];
	struct writer w = { c, sink, sink_ctx, 0, 0, 0 };
	uint64_t tol = 0, headers, data_start;
	struct elf64_ehdr eh = {
		.ident = { 0x7f, 'E', 'L', 'F', 2, 1, 1 }, /* ELFCLASS64, ELFDATA2LSB, EV_CURRENT */
		.type = ET_CORE,
		.machine = EM_X86_64,
		.version = 1,
		.phoff = sizeof(struct elf64_ehdr),
		.ehsize = sizeof(struct elf64_ehdr),
		.phentsize = sizeof(struct elf64_phdr),
	};
	struct elf64_phdr note = { .type = PT_NOTE, .filesz = NOTES_BYTES, .align = 4 };

	if (c->nmaps > ELFCORE_MAX_MAPS)
		return 0;
	for (unsigned k = 0; k < c->nmaps; k++)
		if ((c->map[k].gva | c->map[k].gpa | c->map[k].bytes) % PAGE)
			return 0;
	/* Few enough runs? Else merge zero gaps of 1, 2, 4... pages. Each
	 * window ends as at most three runs, so this ends. */
	for (;;) {
		w.nloads = 0;
		if (each_run(c, tol, count_run, &w) == 0)
			break;
		if (w.nloads <= ELFCORE_MAX_LOADS)
			return 0; /* a page could not be read */
		tol = tol ? tol * 2 : 1;
	}
	eh.phnum = (uint16_t)(1 + w.nloads);
	headers = sizeof(eh) + eh.phnum * sizeof(struct elf64_phdr);
	note.offset = headers;
	data_start = (headers + NOTES_BYTES + PAGE - 1) / PAGE * PAGE;
	w.data_off = data_start;
	if (put(&w, &eh, sizeof(eh)) || put(&w, &note, sizeof(note)) ||
	    each_run(c, tol, phdr_run, &w) || write_notes(&w))
		return 0;
	while (w.at < data_start) { /* the data starts page aligned, as in Linux's cores */
		uint64_t pad = data_start - w.at;

		if (put(&w, zeros, pad < sizeof(zeros) ? pad : sizeof(zeros)))
			return 0;
	}
	if (each_run(c, tol, data_run, &w))
		return 0;
	return w.at;
}
