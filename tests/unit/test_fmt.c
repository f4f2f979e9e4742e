/* The freestanding formatter both worlds print with. */
#include "unit.h"
#include "fmt.h"

static char buf[128];

#define FMT(want, ...)                                                                             \
	do {                                                                                       \
		EXPECT_EQ(fmt_snprintf(buf, sizeof(buf), __VA_ARGS__), strlen(want));              \
		EXPECT_STR(buf, want);                                                             \
	} while (0)

TEST(fmt_numbers)
{
	FMT("0 -1 42", "%d %d %u", 0, -1, 42u);
	FMT("-9223372036854775808", "%ld", (long)INT64_MIN);
	FMT("18446744073709551615", "%lu", UINT64_MAX);
	FMT("ff FF 0x10", "%x %X %p", 255u, 255u, (void *)16);
	FMT("00000000deadbeef", "%016lx", 0xdeadbeeful);
	FMT("  -7|-7  |", "%4d|%-4d|", -7, -7);
	FMT("00042", "%05zu", (size_t)42);
}

TEST(fmt_strings_and_chars)
{
	const char *volatile nul = 0; /* volatile: hidden from GCC's format check */

	FMT("ab|  ab|ab  |", "%s|%4s|%-4s|", "ab", "ab", "ab");
	FMT("hel", "%.3s", "hello");
	FMT("he", "%.*s", 2, "hello");
	FMT("(null) x %", "%s %c %%", nul, 'x');
}

TEST(fmt_truncates_but_reports_the_full_length)
{
	char small[5];

	EXPECT_EQ(fmt_snprintf(small, sizeof(small), "%s", "abcdefgh"), 8);
	EXPECT_STR(small, "abcd");
	EXPECT_EQ(fmt_snprintf(small, 0, "%d", 12345), 5);
}
