/* proto/hypercall.h is the contract; its numbers appear twice more: in
 * proto/hypercall.inc for the guest's assembly, and in docs/ABI.md's table
 * of calls. These tests fail when either copy disagrees with the header, or
 * when a call is added to the header but not to this list. */
#include <stdio.h>
#include <string.h>
#include "unit.h"
#include "../../proto/hypercall.h"

static const struct {
	const char *name;
	long value;
} calls[] = {
	{ "HC_YIELD", HC_YIELD },         { "HC_LOG", HC_LOG },
	{ "HC_EXIT", HC_EXIT },           { "HC_CRASH", HC_CRASH },
	{ "HC_POST", HC_POST },           { "HC_WAIT", HC_WAIT },
	{ "HC_SET_TRAPS", HC_SET_TRAPS }, { "HC_SET_CR3", HC_SET_CR3 },
	{ "HC_SET_KSTACK", HC_SET_KSTACK }, { "HC_TIMER", HC_TIMER },
	{ "HC_STATS", HC_STATS },         { "HC_INVLPG", HC_INVLPG },
	{ "HC_FLUSH", HC_FLUSH },         { "HC_SET_SEGBASE", HC_SET_SEGBASE },
};
#define NCALLS (sizeof(calls) / sizeof(calls[0]))

/* The index of name in calls[], or -1. */
static int call_index(const char *name)
{
	for (unsigned i = 0; i < NCALLS; i++)
		if (strcmp(name, calls[i].name) == 0)
			return (int)i;
	return -1;
}

/* The list above is the header's: numbers 0..HC_NCALLS-1, each once. */
TEST(abi_call_list_covers_every_number_once)
{
	unsigned seen = 0;

	EXPECT_EQ(NCALLS, HC_NCALLS);
	for (unsigned i = 0; i < NCALLS; i++) {
		EXPECT(calls[i].value >= 0 && calls[i].value < HC_NCALLS);
		seen |= 1u << calls[i].value;
	}
	EXPECT_EQ(seen, (1u << HC_NCALLS) - 1);
}

/* A copy's row: 1 and the call's name and number when line is one, else 0. */
typedef int row_fn(const char *line, char *name, long *v);

/* Every call row of the file at path agrees with the header, and every call
 * has one; strict: a row naming a call the header lacks fails too. */
static void check_copy(const char *path, row_fn *row, int strict)
{
	char line[1024], name[64];
	unsigned found = 0;
	unsigned char seen[NCALLS] = { 0 };
	FILE *f = fopen(path, "r");
	long v;

	EXPECT(f != NULL);
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		int i;

		if (!row(line, name, &v))
			continue;
		i = call_index(name);
		if (i < 0) {
			if (strict)
				unit_fail(__FILE__, __LINE__, "%s names %s, which hypercall.h does not",
					  path, name);
			continue;
		}
		found++;
		seen[i] = 1;
		if (v != calls[i].value)
			unit_fail(__FILE__, __LINE__, "%s: hypercall.h says %ld, %s says %ld", name,
				  calls[i].value, path, v);
	}
	fclose(f);
	for (unsigned i = 0; i < NCALLS; i++)
		if (!seen[i])
			unit_fail(__FILE__, __LINE__, "%s (%ld) is missing from %s", calls[i].name,
				  calls[i].value, path);
	EXPECT_EQ(found, NCALLS);
}

/* proto/hypercall.inc: "%define HC_NAME N" (and the gate's vector). */
static long inc_vector = -1;

static int inc_row(const char *line, char *name, long *v)
{
	if (sscanf(line, "%%define %63s %li", name, v) != 2)
		return 0;
	if (strcmp(name, "HCABI_VECTOR") == 0) {
		inc_vector = *v;
		return 0;
	}
	if (strcmp(name, "HCABI_SYSCALL_VECTOR") == 0)
		return *v == HCABI_SYSCALL_VECTOR ? 0 : (inc_vector = -2, 0);
	return 1;
}

/* docs/ABI.md's table of calls: "| N | `HC_NAME` | ...". */
static int doc_row(const char *line, char *name, long *v)
{
	return sscanf(line, "| %li | `%63[A-Z0-9_]`", v, name) == 2 && !strncmp(name, "HC_", 3);
}

TEST(abi_numbers_agree_between_c_and_assembly)
{
	check_copy("proto/hypercall.inc", inc_row, 0);
	EXPECT_EQ(inc_vector, HCABI_VECTOR);
}

TEST(abi_numbers_agree_between_header_and_docs)
{
	check_copy("docs/ABI.md", doc_row, 1);
}
