/* The classifier of forbidden guest instructions (loader/insn.c): every name it gives, with and
 * without prefixes and REX, each one truncated at every byte (must give NULL), and ordinary
 * instructions that must give NULL. Bytes are copied to an exact-size heap buffer so
 * AddressSanitizer catches any read past len. */
#include <stdlib.h>
#include "unit.h"
#include "../../loader/insn.h"

static const char *name_of(const uint8_t *bytes, unsigned len)
{
	uint8_t *copy = malloc(len);
	const char *name;

	if (len)
		memcpy(copy, bytes, len);
	name = insn_forbidden_name(copy, len);
	free(copy);
	return name;
}

struct insn_case {
	const char *name; /* NULL: an instruction a ring-1 guest may execute */
	unsigned len;
	uint8_t bytes[16];
};

#define BYTES(...)                                                                                 \
	sizeof((uint8_t[]){__VA_ARGS__}),                                                          \
	{                                                                                          \
		__VA_ARGS__                                                                        \
	}
#define C(name, ...)                                                                               \
	{                                                                                          \
		name, BYTES(__VA_ARGS__)                                                           \
	}

static void expect_name(const struct insn_case *c, unsigned len, const char *want, int line)
{
	const char *got = name_of(c->bytes, len);

	if (want == got || (want && got && strcmp(want, got) == 0))
		return;
	unit_fail(__FILE__, line,
		  "case \"%s\" (%u of %u bytes, first %02x): expected %s%s%s, got %s%s%s",
		  c->name ? c->name : "NULL", len, c->len, c->bytes[0], want ? "\"" : "",
		  want ? want : "NULL", want ? "\"" : "", got ? "\"" : "", got ? got : "NULL",
		  got ? "\"" : "");
}

/* The whole instruction gives its name, every shorter start of it NULL, and bytes after it
 * (up to the 15 used) change nothing. */
static void check_cases(const struct insn_case *cases, unsigned n, int line)
{
	for (unsigned k = 0; k < n; k++) {
		struct insn_case padded = cases[k];

		expect_name(&cases[k], cases[k].len, cases[k].name, line);
		if (cases[k].name)
			for (unsigned len = 0; len < cases[k].len; len++)
				expect_name(&cases[k], len, NULL, line);
		for (unsigned j = padded.len; j < sizeof(padded.bytes); j++)
			padded.bytes[j] = 0x0F; /* an escape byte: a wrong length would show */
		expect_name(&padded, sizeof(padded.bytes), cases[k].name, line);
	}
}

#define CHECK(cases) check_cases(cases, sizeof(cases) / sizeof(cases[0]), __LINE__)

TEST(insn_one_byte_opcodes)
{
	static const struct insn_case cases[] = {
	    C("cli", 0xFA),
	    C("sti", 0xFB),
	    C("hlt", 0xF4),
	    C("in", 0xE4, 0x60),
	    C("in", 0xE5, 0x40),
	    C("in", 0xEC),
	    C("in", 0xED),
	    C("in", 0x66, 0xED),
	    C("out", 0xE6, 0x80),
	    C("out", 0xE7, 0x43),
	    C("out", 0xEE),
	    C("out", 0xEF),
	    C("ins", 0x6C),
	    C("ins", 0xF3, 0x6D),
	    C("outs", 0x6E),
	    C("outs", 0xF3, 0x48, 0x6F),
	    C("int3", 0xCC),
	    C("into", 0xCE),
	    C("int1", 0xF1),
	    C("int 0x80", 0xCD, 0x80),
	    C("int 0x00", 0xCD, 0x00),
	    C("int 0xff", 0xCD, 0xFF),
	    C("int 0x0a", 0xCD, 0x0A),
	    C("int 0x2e", 0x48, 0xCD, 0x2E),
	    C("cli", 0x66, 0xFA),
	    C("cli", 0x48, 0xFA),
	    C("hlt", 0xF3, 0x41, 0xF4),
	    C("sti", 0x2E, 0x36, 0x3E, 0x26, 0x64, 0x65, 0x67, 0xF0, 0xF2, 0xF3, 0x66, 0x4F, 0xFB),
	};

	CHECK(cases);
}

TEST(insn_int_names_all_256)
{
	static const char hex[] = "0123456789abcdef";

	for (unsigned v = 0; v < 256; v++) {
		uint8_t b[2] = {0xCD, (uint8_t)v};
		char want[] = "int 0x??";
		const char *got = name_of(b, 2);

		want[6] = hex[v >> 4];
		want[7] = hex[v & 15];
		EXPECT(got != NULL);
		if (got)
			EXPECT_STR(got, want);
	}
}

TEST(insn_msr_tsc_and_misc_two_byte)
{
	static const struct insn_case cases[] = {
	    C("wrmsr", 0x0F, 0x30),
	    C("rdmsr", 0x0F, 0x32),
	    C("rdpmc", 0x0F, 0x33),
	    C("rdtsc", 0x0F, 0x31),
	    C("rdtscp", 0x0F, 0x01, 0xF9),
	    C("clts", 0x0F, 0x06),
	    C("invd", 0x0F, 0x08),
	    C("wbinvd", 0x0F, 0x09),
	    C("syscall", 0x0F, 0x05),
	    C("sysret", 0x48, 0x0F, 0x07),
	    C("sysret", 0x0F, 0x07),
	    C("sysenter", 0x0F, 0x34),
	    C("sysexit", 0x0F, 0x35),
	    C("sysexit", 0x48, 0x0F, 0x35),
	    C("wrmsr", 0x2E, 0x48, 0x0F, 0x30),
	    C("invpcid", 0x66, 0x0F, 0x38, 0x82, 0x3C, 0x24),	    /* invpcid rdi, [rsp] */
	    C("invpcid", 0x66, 0x44, 0x0F, 0x38, 0x82, 0x07),	    /* invpcid r8, [rdi] */
	    C("invpcid", 0x66, 0x0F, 0x38, 0x82, 0x05, 1, 2, 3, 4), /* [rip+disp32] */
	};

	CHECK(cases);
}

TEST(insn_mov_cr_dr_and_rex_r)
{
	static const struct insn_case cases[] = {
	    C("mov to cr3", 0x0F, 0x22, 0xD8),
	    C("mov from cr3", 0x0F, 0x20, 0xD8),
	    C("mov to cr0", 0x0F, 0x22, 0xC0),
	    C("mov to cr0", 0x41, 0x0F, 0x22, 0xC0),
	    C("mov to cr8", 0x44, 0x0F, 0x22, 0xC0),
	    C("mov from cr8", 0x44, 0x0F, 0x20, 0xC0),
	    C("mov from cr8", 0x4C, 0x0F, 0x20, 0xC1),
	    C("mov to cr4", 0x0F, 0x22, 0xE0),
	    C("mov from cr2", 0x0F, 0x20, 0xD0),
	    C("mov to cr15", 0x44, 0x0F, 0x22, 0xF8),
	    C("mov to cr3", 0x0F, 0x22, 0x18), /* mod bits ignored: still a register form */
	    C("mov to dr7", 0x0F, 0x23, 0xF8),
	    C("mov from dr6", 0x0F, 0x21, 0xF0),
	    C("mov to dr0", 0x0F, 0x23, 0xC0),
	    C("mov from dr9", 0x44, 0x0F, 0x21, 0xC8),
	    C("mov to cr0", 0x44, 0x66, 0x0F, 0x22, 0xC0), /* REX not last: ignored */
	    C("mov to cr8", 0x66, 0x44, 0x0F, 0x22, 0xC0),
	    C("mov to cr8", 0x40, 0x44, 0x0F, 0x22, 0xC0), /* the last REX counts */
	    C("mov to cr0", 0x44, 0x40, 0x0F, 0x22, 0xC0),
	};

	CHECK(cases);
}

TEST(insn_groups_6_and_7)
{
	static const struct insn_case cases[] = {
	    C("lgdt", 0x0F, 0x01, 0x17),		   /* lgdt [rdi] */
	    C("lgdt", 0x0F, 0x01, 0x15, 1, 2, 3, 4),	   /* lgdt [rip+disp32] */
	    C("lidt", 0x0F, 0x01, 0x5C, 0x24, 0x08),	   /* lidt [rsp+8] */
	    C("sgdt", 0x0F, 0x01, 0x04, 0x25, 1, 2, 3, 4), /* sgdt [disp32], SIB no base */
	    C("sidt", 0x0F, 0x01, 0x88, 1, 2, 3, 4),	   /* sidt [rax+disp32] */
	    C("sidt", 0x41, 0x0F, 0x01, 0x4F, 0x10),
	    C("smsw", 0x0F, 0x01, 0xE0),
	    C("smsw", 0x0F, 0x01, 0x20),
	    C("lmsw", 0x0F, 0x01, 0xF0),
	    C("lmsw", 0x0F, 0x01, 0x30),
	    C("invlpg", 0x0F, 0x01, 0x38),
	    C("invlpg", 0x0F, 0x01, 0x7C, 0x24, 0xF8),
	    C("invlpg", 0x67, 0x41, 0x0F, 0x01, 0x38),
	    C("swapgs", 0x0F, 0x01, 0xF8),
	    C("xsetbv", 0x0F, 0x01, 0xD1),
	    C("monitor", 0x0F, 0x01, 0xC8),
	    C("mwait", 0x0F, 0x01, 0xC9),
	    C("wrpkru", 0x0F, 0x01, 0xEF),
	    C("clac", 0x0F, 0x01, 0xCA),
	    C("stac", 0x0F, 0x01, 0xCB),
	    C("vmcall", 0x0F, 0x01, 0xC1),
	    C("vmmcall", 0x0F, 0x01, 0xD9),
	    C("swapgs", 0x48, 0x0F, 0x01, 0xF8),
	    C("sldt", 0x0F, 0x00, 0xC0),
	    C("str", 0x0F, 0x00, 0xC8),
	    C("lldt", 0x0F, 0x00, 0xD0),
	    C("ltr", 0x0F, 0x00, 0xD8),
	    C("ltr", 0x0F, 0x00, 0x5D, 0x00),
	    C("lldt", 0x66, 0x0F, 0x00, 0x10),
	    C("sldt", 0x0F, 0x00, 0x05, 1, 2, 3, 4),
	};

	CHECK(cases);
}

TEST(insn_fs_gs_base)
{
	static const struct insn_case cases[] = {
	    C("rdfsbase", 0xF3, 0x0F, 0xAE, 0xC0),
	    C("rdgsbase", 0xF3, 0x48, 0x0F, 0xAE, 0xC8),
	    C("wrfsbase", 0xF3, 0x48, 0x0F, 0xAE, 0xD0),
	    C("wrgsbase", 0xF3, 0x49, 0x0F, 0xAE, 0xDF),
	    C("wrgsbase", 0xF3, 0x0F, 0xAE, 0xD8),
	    C("wrfsbase", 0xF2, 0xF3, 0x0F, 0xAE, 0xD0),
	    C("rdfsbase", 0x66, 0xF3, 0x0F, 0xAE, 0xC0),
	};

	CHECK(cases);
}

TEST(insn_ordinary_instructions_are_null)
{
	static const struct insn_case cases[] = {
	    C(NULL, 0x90),		     /* nop */
	    C(NULL, 0xC3),		     /* ret */
	    C(NULL, 0x48, 0x89, 0xE5),	     /* mov rbp, rsp */
	    C(NULL, 0x0F, 0x0B),	     /* ud2 */
	    C(NULL, 0xCF),		     /* iret */
	    C(NULL, 0x48, 0xCF),	     /* iretq: allowed at CPL1 */
	    C(NULL, 0x9C),		     /* pushf */
	    C(NULL, 0x0F, 0xA2),	     /* cpuid */
	    C(NULL, 0x0F, 0x01, 0xD0),	     /* xgetbv */
	    C(NULL, 0x0F, 0x01, 0xD8),	     /* vmrun: not in the list */
	    C(NULL, 0x0F, 0x01, 0xEE),	     /* rdpkru */
	    C(NULL, 0x0F, 0x01, 0x28),	     /* 0F 01 /5 memory: not named */
	    C(NULL, 0x0F, 0x00, 0xE0),	     /* verr */
	    C(NULL, 0x0F, 0x00, 0x28),	     /* verw [rax] */
	    C(NULL, 0x0F, 0xAE, 0xC0),	     /* 0F AE /0 mod 11 without F3 */
	    C(NULL, 0xF2, 0x0F, 0xAE, 0xC0), /* ... with F2 */
	    C(NULL, 0xF3, 0xF2, 0x0F, 0xAE, 0xC0),
	    C(NULL, 0xF3, 0x0F, 0xAE, 0xE0), /* F3 0F AE /4 mod 11 */
	    C(NULL, 0xF3, 0x0F, 0xAE, 0x00), /* F3 0F AE /0 memory */
	    C(NULL, 0x0F, 0xAE, 0xF0),	     /* mfence */
	    C(NULL, 0x0F, 0xAE, 0x07),	     /* fxsave [rdi] */
	    C(NULL, 0x0F, 0x38, 0x82, 0x07), /* invpcid needs 66 */
	    C(NULL, 0x66, 0xF3, 0x0F, 0x38, 0x82, 0x07),
	    C(NULL, 0x66, 0x0F, 0x38, 0x82, 0xC7), /* register operand: #UD */
	    C(NULL, 0x66, 0x0F, 0x38, 0x00, 0xC1), /* pshufb */
	    C(NULL, 0x0F, 0x1F, 0x44, 0x00, 0x00), /* nopl */
	    C(NULL, 0xC4, 0xE2, 0x79, 0x18, 0x07), /* VEX vbroadcastss */
	    C(NULL, 0xF3, 0x0F, 0x1E, 0xFA),	   /* endbr64 */
	};

	CHECK(cases);
}

TEST(insn_truncated_and_too_long)
{
	static const uint8_t fourteen_prefixes_cli[] = {0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
							0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
							0x66, 0x66, 0xFA, 0xFA};
	static const uint8_t fifteen_prefixes_cli[] = {0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
						       0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
						       0x66, 0x66, 0x66, 0xFA};
	static const uint8_t only_prefixes[] = {0xF3, 0x48};
	static const uint8_t lgdt_rip_short[] = {0x0F, 0x01, 0x15, 1, 2, 3};

	EXPECT(insn_forbidden_name(NULL, 0) == NULL);
	EXPECT(name_of((const uint8_t[]){0x0F}, 1) == NULL);
	EXPECT(name_of((const uint8_t[]){0x0F, 0x01}, 2) == NULL);
	EXPECT(name_of((const uint8_t[]){0x0F, 0x22}, 2) == NULL);
	EXPECT(name_of((const uint8_t[]){0xCD}, 1) == NULL);
	EXPECT(name_of((const uint8_t[]){0xE4}, 1) == NULL);
	EXPECT(name_of(only_prefixes, sizeof(only_prefixes)) == NULL);
	EXPECT(name_of(lgdt_rip_short, sizeof(lgdt_rip_short)) == NULL);
	/* Fourteen prefixes and the opcode make 15 bytes: fine; one more is past the limit. */
	EXPECT_STR(name_of(fourteen_prefixes_cli, 16), "cli");
	EXPECT(name_of(fifteen_prefixes_cli, 16) == NULL);
	EXPECT(name_of(fifteen_prefixes_cli, 15) == NULL);
}
