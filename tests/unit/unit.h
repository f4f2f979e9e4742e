/* A very small unit-test framework: TEST(name) { ... } registers a test, the
 * EXPECT macros record failures with what was expected and what came instead,
 * and unit_main.c runs every test and ends with "N passed, N failed". */
#ifndef TESTS_UNIT_H
#define TESTS_UNIT_H

#include <stdint.h>
#include <string.h>

void unit_register(const char *name, void (*fn)(void));
void unit_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define TEST(name)                                                                                 \
	static void name(void);                                                                    \
	__attribute__((constructor)) static void register_##name(void)                             \
	{                                                                                          \
		unit_register(#name, name);                                                        \
	}                                                                                          \
	static void name(void)

#define EXPECT(cond)                                                                               \
	do {                                                                                       \
		if (!(cond))                                                                       \
			unit_fail(__FILE__, __LINE__, "expected %s", #cond);                       \
	} while (0)

#define EXPECT_EQ(got, want)                                                                       \
	do {                                                                                       \
		uint64_t got_ = (uint64_t)(got), want_ = (uint64_t)(want);                         \
		if (got_ != want_)                                                                 \
			unit_fail(__FILE__, __LINE__,                                              \
				  "%s: expected %lld (0x%llx), got %lld (0x%llx)", #got,           \
				  (long long)want_, (unsigned long long)want_, (long long)got_,    \
				  (unsigned long long)got_);                                       \
	} while (0)

#define EXPECT_STR(got, want)                                                                      \
	do {                                                                                       \
		const char *got_ = (got), *want_ = (want);                                         \
		if (strcmp(got_, want_) != 0)                                                      \
			unit_fail(__FILE__, __LINE__, "%s: expected \"%s\", got \"%s\"", #got,     \
				  want_, got_);                                                    \
	} while (0)

#endif
