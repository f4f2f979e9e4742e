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
	{ "HC_SET_TRAPS", HC_SET_TRAPS }, { "HC_IRET", HC_IRET },
	{ "HC_SET_UPCALL", HC_SET_UPCALL }, { "HC_TIMER", HC_TIMER },
	{ "HC_STATS", HC_STATS },
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

/* Name each call of the list that a copy left out (seen[i] == 0). */
static void name_missing(const unsigned char *seen, const char *where)
{
	for (unsigned i = 0; i < NCALLS; i++)
		if (!seen[i])
			unit_fail(__FILE__, __LINE__, "%s (%ld) is missing from %s", calls[i].name,
				  calls[i].value, where);
}

TEST(abi_numbers_agree_between_c_and_assembly)
{
	char line[256], name[64];
	unsigned found = 0, vector_ok = 0;
	unsigned char seen[NCALLS] = { 0 };
	FILE *f = fopen("proto/hypercall.inc", "r");

	EXPECT(f != NULL);
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		long v;
		int i;

		if (sscanf(line, "%%define %63s %li", name, &v) != 2)
			continue;
		if (strcmp(name, "HCABI_VECTOR") == 0) {
			vector_ok = v == HCABI_VECTOR;
			continue;
		}
		i = call_index(name);
		if (i < 0)
			continue;
		found++;
		seen[i] = 1;
		if (v != calls[i].value)
			unit_fail(__FILE__, __LINE__, "%s: hypercall.h says %ld, hypercall.inc says %ld",
				  name, calls[i].value, v);
	}
	fclose(f);
	EXPECT(vector_ok);
	name_missing(seen, "proto/hypercall.inc");
	EXPECT_EQ(found, NCALLS);
}

/* docs/ABI.md's table has a row "| N | `HC_NAME` | ..." for every call. */
TEST(abi_numbers_agree_between_header_and_docs)
{
	char line[1024], name[64];
	unsigned found = 0;
	unsigned char seen[NCALLS] = { 0 };
	FILE *f = fopen("docs/ABI.md", "r");

	EXPECT(f != NULL);
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		long v;
		int i;

		if (sscanf(line, "| %li | `%63[A-Z_]`", &v, name) != 2 || strncmp(name, "HC_", 3))
			continue;
		i = call_index(name);
		if (i < 0) {
			unit_fail(__FILE__, __LINE__, "docs/ABI.md names %s, which hypercall.h does not",
				  name);
			continue;
		}
		found++;
		seen[i] = 1;
		if (v != calls[i].value)
			unit_fail(__FILE__, __LINE__, "%s: hypercall.h says %ld, docs/ABI.md says %ld",
				  name, calls[i].value, v);
	}
	fclose(f);
	name_missing(seen, "docs/ABI.md's table of calls");
	EXPECT_EQ(found, NCALLS);
}
