/* Classifying the instruction a ring-1 guest faulted on (loader/insn.h): skip the
 * prefixes, look the opcode up in the few rows of the Intel SDM Vol.2 Appendix A opcode
 * maps that hold privileged, I/O or trapping instructions, and check that the whole
 * instruction (ModRM, SIB, displacement, immediate) lies within the bytes given. */
#include "insn.h"

#include <stddef.h>

#define INSN_MAX 15 /* longer is #GP on its own (SDM Vol.2 chapter 2, instruction format) */

/* "int 0x00" .. "int 0xff" for CD ib, as one constant table so the result needs no buffer. */
#define INT_NAME(h, l) "int 0x" #h #l
#define INT_ROW(h)                                                                                 \
	INT_NAME(h, 0), INT_NAME(h, 1), INT_NAME(h, 2), INT_NAME(h, 3), INT_NAME(h, 4),            \
	    INT_NAME(h, 5), INT_NAME(h, 6), INT_NAME(h, 7), INT_NAME(h, 8), INT_NAME(h, 9),        \
	    INT_NAME(h, a), INT_NAME(h, b), INT_NAME(h, c), INT_NAME(h, d), INT_NAME(h, e),        \
	    INT_NAME(h, f)

static const char int_names[256][sizeof("int 0xff")] = {
    INT_ROW(0), INT_ROW(1), INT_ROW(2), INT_ROW(3), INT_ROW(4), INT_ROW(5), INT_ROW(6), INT_ROW(7),
    INT_ROW(8), INT_ROW(9), INT_ROW(a), INT_ROW(b), INT_ROW(c), INT_ROW(d), INT_ROW(e), INT_ROW(f),
};

/* 0F 20..23, indexed by the second opcode byte - 0x20, then by the register number. */
#define REG16(s)                                                                                   \
	s "0", s "1", s "2", s "3", s "4", s "5", s "6", s "7", s "8", s "9", s "10", s "11",      \
	    s "12", s "13", s "14", s "15"

static const char mov_names[4][16][sizeof("mov from cr15")] = {
    {REG16("mov from cr")},
    {REG16("mov from dr")},
    {REG16("mov to cr")},
    {REG16("mov to dr")},
};

/* Legacy prefixes, SDM Vol.2 2.1.1: lock/rep (F0 F2 F3), segment (2E 36 3E 26 64 65),
 * operand size (66), address size (67). */
static int is_legacy_prefix(uint8_t c)
{
	switch (c) {
	case 0x66:
	case 0x67:
	case 0xF2:
	case 0xF3:
	case 0xF0:
	case 0x2E:
	case 0x36:
	case 0x3E:
	case 0x26:
	case 0x64:
	case 0x65:
		return 1;
	default:
		return 0;
	}
}

/* The length of the instruction whose ModRM byte is at bytes[i], ModRM, SIB and displacement
 * included (none of the instructions named here has an immediate after them), or 0 if that
 * does not fit in len. 64-bit addressing, SDM Vol.2 2.1.5 tables 2-2 and 2-3 and 2.2.1.6
 * (mod 00 r/m 101 is RIP+disp32); an address-size prefix (67) gives 32-bit addressing, which
 * encodes the same way in long mode. */
static unsigned modrm_end(const uint8_t *bytes, unsigned i, unsigned len)
{
	uint8_t modrm, mod, rm;
	unsigned end;

	if (i >= len)
		return 0;
	modrm = bytes[i];
	mod = modrm >> 6;
	rm = modrm & 7;
	end = i + 1;
	if (mod == 3)
		return end;
	if (rm == 4) { /* a SIB byte follows */
		if (end >= len)
			return 0;
		if (mod == 0 && (bytes[end] & 7) == 5) /* no base: disp32 */
			end += 4;
		end++;
	} else if (mod == 0 && rm == 5) {
		end += 4;
	}
	if (mod == 1)
		end += 1;
	else if (mod == 2)
		end += 4;
	return end <= len ? end : 0;
}

/* 0F 01, group 7 (SDM Vol.2 Appendix A, table A-6): memory forms by the reg field, register
 * forms (mod 11) by the whole ModRM byte, except /4 smsw and /6 lmsw that take both. */
static const char *group7(const uint8_t *bytes, unsigned i, unsigned len)
{
	static const char *const mem[8] = {"sgdt", "sidt", "lgdt", "lidt",
					   "smsw", NULL,   "lmsw", "invlpg"};
	uint8_t modrm;

	if (i >= len)
		return NULL;
	modrm = bytes[i];
	if (modrm >> 6 != 3)
		return modrm_end(bytes, i, len) ? mem[(modrm >> 3) & 7] : NULL;
	switch (modrm) {
	case 0xC1:
		return "vmcall";
	case 0xC8:
		return "monitor";
	case 0xC9:
		return "mwait";
	case 0xCA:
		return "clac";
	case 0xCB:
		return "stac";
	case 0xD1:
		return "xsetbv";
	case 0xD9:
		return "vmmcall";
	case 0xEF:
		return "wrpkru";
	case 0xF8:
		return "swapgs";
	case 0xF9:
		return "rdtscp";
	}
	switch ((modrm >> 3) & 7) {
	case 4:
		return "smsw";
	case 6:
		return "lmsw";
	default:
		return NULL;
	}
}

/* The two- and three-byte opcodes, 0F xx (SDM Vol.2 Appendix A, tables ); i indexes
 * the byte after 0F, rex is the REX prefix (0 if none), rep the last of F2/F3 (0 if neither),
 * opsize whether 66 was given. */
static const char *two_byte(const uint8_t *bytes, unsigned i, unsigned len, uint8_t rex,
			    uint8_t rep, int opsize)
{
	static const char *const group6[8] = {"sldt", "str", "lldt", "ltr"};
	static const char *const group15_reg[4] = {"rdfsbase", "rdgsbase", "wrfsbase", "wrgsbase"};
	uint8_t op, modrm;
	unsigned end;

	if (i >= len)
		return NULL;
	op = bytes[i++];
	switch (op) {
	case 0x00: /* group 6, table A-6 */
		end = modrm_end(bytes, i, len);
		return end ? group6[(bytes[i] >> 3) & 7] : NULL;
	case 0x01:
		return group7(bytes, i, len);
	case 0x05:
		return "syscall";
	case 0x06:
		return "clts";
	case 0x07:
		return "sysret";
	case 0x08:
		return "invd";
	case 0x09:
		return "wbinvd";
	case 0x20:
	case 0x21:
	case 0x22:
	case 0x23:
		/* MOV to/from CRn/DRn: the mod bits are ignored, always a register form
		 * (SDM Vol.2 MOV--Move to/from Control/Debug Registers); REX.R adds 8. */
		if (i >= len)
			return NULL;
		return mov_names[op - 0x20][((bytes[i] >> 3) & 7) | (rex & 4 ? 8 : 0)];
	case 0x30:
		return "wrmsr";
	case 0x31:
		return "rdtsc";
	case 0x32:
		return "rdmsr";
	case 0x33:
		return "rdpmc";
	case 0x34:
		return "sysenter";
	case 0x35:
		return "sysexit";
	case 0x38: /* 66 0F 38 82 /r, INVPCID r64, m128: memory operand only */
		if (i >= len || bytes[i++] != 0x82 || !opsize || rep)
			return NULL;
		end = modrm_end(bytes, i, len);
		return end && bytes[i] >> 6 != 3 ? "invpcid" : NULL;
	case 0xAE: /* group 15, table A-6: F3 0F AE /0../3 mod 11 are RD/WR FS/GS BASE */
		if (rep != 0xF3 || i >= len)
			return NULL;
		modrm = bytes[i];
		if (modrm >> 6 != 3 || ((modrm >> 3) & 7) > 3)
			return NULL;
		return group15_reg[(modrm >> 3) & 7];
	default:
		return NULL;
	}
}

const char *insn_forbidden_name(const uint8_t *bytes, unsigned len)
{
	uint8_t c, rex = 0, rep = 0;
	int opsize = 0;
	unsigned i;

	if (len > INSN_MAX)
		len = INSN_MAX;
	/* Prefixes. A REX prefix counts only directly before the opcode; one followed by a
	 * legacy prefix is ignored (SDM Vol.2 2.2.1), so is all but the last of several. */
	for (i = 0;; i++) {
		if (i >= len)
			return NULL;
		c = bytes[i];
		if (is_legacy_prefix(c)) {
			rex = 0;
			if (c == 0xF2 || c == 0xF3)
				rep = c;
			else if (c == 0x66)
				opsize = 1;
		} else if ((c & 0xF0) == 0x40) {
			rex = c;
		} else {
			break;
		}
	}
	i++;
	/* The one-byte opcodes, SDM Vol.2 Appendix A, table A-2. */
	switch (c) {
	case 0x0F:
		return two_byte(bytes, i, len, rex, rep, opsize);
	case 0x6C:
	case 0x6D:
		return "ins";
	case 0x6E:
	case 0x6F:
		return "outs";
	case 0xCC:
		return "int3";
	case 0xCD:
		return i < len ? int_names[bytes[i]] : NULL;
	case 0xCE:
		return "into";
	case 0xE4: /* in al/eax, imm8 */
	case 0xE5:
		return i < len ? "in" : NULL;
	case 0xE6: /* out imm8, al/eax */
	case 0xE7:
		return i < len ? "out" : NULL;
	case 0xEC:
	case 0xED:
		return "in";
	case 0xEE:
	case 0xEF:
		return "out";
	case 0xF1:
		return "int1";
	case 0xF4:
		return "hlt";
	case 0xFA:
		return "cli";
	case 0xFB:
		return "sti";
	default:
		return NULL;
	}
}
