/* The monitor's command line: defaults, good values, and a clear refusal that
 * names the word for every bad one. */
#include "unit.h"
#include "../../loader/cmdline.h"
#include "../../proto/errors.h"

static struct mon_config cfg;
static char err[160];

static int parse(const char *line)
{
	err[0] = 0;
	return cmdline_parse(line, &cfg, err, sizeof(err));
}

TEST(cmdline_defaults)
{
	EXPECT_EQ(parse(""), 0);
	EXPECT_STR(cfg.guest, "hello");
	EXPECT_EQ(cfg.pool_bytes, 32 << 20);
	EXPECT_EQ(cfg.scatter, 0);
	EXPECT_EQ(cfg.disk_ro, 0);
	EXPECT_EQ(cfg.core, 0);
}

TEST(cmdline_good_values_and_other_words_passed_over)
{
	EXPECT_EQ(parse("  guest=selftest\tpool=16M scatter=1 disk=ro foo=bar quiet"), 0);
	EXPECT_STR(cfg.guest, "selftest");
	EXPECT_EQ(cfg.pool_bytes, 16 << 20);
	EXPECT_EQ(cfg.scatter, 1);
	EXPECT_EQ(cfg.disk_ro, 1);
	EXPECT_EQ(parse("pool=4096K"), 0);
	EXPECT_EQ(cfg.pool_bytes, 4 << 20);
	EXPECT_EQ(parse("pool=1G"), 0);
	EXPECT_EQ(cfg.pool_bytes, 1 << 30);
	EXPECT_EQ(parse("pool=64G"), 0);
	EXPECT_EQ(cfg.pool_bytes, 64ull << 30);
	EXPECT_EQ(parse("pool=1048576"), 0);
	EXPECT_EQ(parse("core=1 scatter=0"), 0);
	EXPECT_EQ(cfg.core, 1);
	EXPECT_EQ(cfg.scatter, 0);
	EXPECT_EQ(parse("guest=a_b-9 disk=rw"), 0);
	EXPECT_STR(cfg.guest, "a_b-9");
	EXPECT_EQ(cfg.disk_ro, 0);
}

TEST(cmdline_refuses_bad_sizes_naming_them)
{
	static const char *bad[] = { "pool=0", "pool=1000", "pool=512K", "pool=65G", "pool=12Q",
				     "pool=", "pool=M", "pool=1MM", "pool=99999999999999999999G",
				     "pool=18446744073709551615G" };

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(parse(bad[i]), -HCERR_INVAL);
		EXPECT(strstr(err, bad[i]) == err); /* the message starts with the word */
	}
}

TEST(cmdline_shadow_and_timeout_take_numbers_in_their_range)
{
	static const char *bad[] = { "shadow=17", "shadow=65537", "shadow=x", "shadow=",
				     "timeout=86401", "timeout=1s", "timeout=" };

	EXPECT_EQ(parse("shadow=18 timeout=0"), 0);
	EXPECT_EQ(cfg.shadow_pages, 18);
	EXPECT_EQ(cfg.timeout_s, 0);
	EXPECT_EQ(parse("shadow=65536 timeout=86400"), 0);
	EXPECT_EQ(cfg.shadow_pages, 65536);
	EXPECT_EQ(cfg.timeout_s, 86400);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(parse(bad[i]), -HCERR_INVAL);
		EXPECT(strncmp(err, bad[i], 6) == 0); /* the message names the word */
	}
}

TEST(cmdline_refuses_bad_names_and_flags)
{
	EXPECT_EQ(parse("guest=Hello"), -HCERR_INVAL);
	EXPECT(strstr(err, "guest=Hello") != NULL);
	EXPECT_EQ(parse("guest="), -HCERR_INVAL);
	EXPECT_EQ(parse("guest=abcdefghijklmnopqrstuvwxyz012345"), -HCERR_INVAL); /* 32 */
	EXPECT_EQ(parse("guest=abcdefghijklmnopqrstuvwxyz01234"), 0);          /* 31 */
	EXPECT_STR(cfg.guest, "abcdefghijklmnopqrstuvwxyz01234");
	EXPECT_EQ(parse("scatter=2"), -HCERR_INVAL);
	EXPECT(strstr(err, "scatter=2") != NULL);
	EXPECT_EQ(parse("core=yes"), -HCERR_INVAL);
	EXPECT(strstr(err, "core=yes: expected 0 or 1") == err);
	EXPECT_EQ(parse("disk=maybe"), -HCERR_INVAL);
	EXPECT(strstr(err, "expected ro or rw") != NULL);
}

TEST(cmdline_refuses_a_line_longer_than_the_boot_info_holds)
{
	char line[300];

	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = 0;
	EXPECT_EQ(parse(line), -HCERR_INVAL);
	EXPECT(strstr(err, "at most 255") != NULL);
	line[255] = 0;
	EXPECT_EQ(parse(line), 0);
}

/* A host's own option (image=PATH): found as a whole word, its value copied
 * whole or refused when it does not fit, and absent words are no error. */
TEST(cmdline_value_finds_a_host_option)
{
	char v[16];

	EXPECT_EQ(cmdline_value("guest=x image=\\a\\b.elf pool=8M", "image", v, sizeof(v)), 8);
	EXPECT_STR(v, "\\a\\b.elf");
	EXPECT_EQ(cmdline_value("myimage=no image=/yes", "image", v, sizeof(v)), 4);
	EXPECT_STR(v, "/yes");
	EXPECT_EQ(cmdline_value("guest=x imagefoo image", "image", v, sizeof(v)), 0);
	EXPECT_EQ(cmdline_value("", "image", v, sizeof(v)), 0);
	EXPECT_EQ(cmdline_value("image=", "image", v, sizeof(v)), 0);
	EXPECT_EQ(cmdline_value("image=0123456789abcdef", "image", v, sizeof(v)), -HCERR_2BIG);
	EXPECT_EQ(cmdline_value("image=0123456789abcde", "image", v, sizeof(v)), 15);
	EXPECT_STR(v, "0123456789abcde");
}

/* timer_hz=N, a storm's rate for the host's timer: in range or nothing (the
 * host keeps its rate), never a clamp nor a number read past a bad digit. */
TEST(cmdline_timer_hz_takes_19_to_100000_and_nothing_else)
{
	EXPECT_EQ(cmdline_timer_hz("guest=preempt timer_hz=10000 seconds=3"), 10000);
	EXPECT_EQ(cmdline_timer_hz("timer_hz=19"), 19);
	EXPECT_EQ(cmdline_timer_hz("timer_hz=100000"), 100000);
	EXPECT_EQ(cmdline_timer_hz("timer_hz=18"), 0);
	EXPECT_EQ(cmdline_timer_hz("timer_hz=100001"), 0);
	EXPECT_EQ(cmdline_timer_hz("timer_hz=12345678"), 0); /* too long for its buffer */
	EXPECT_EQ(cmdline_timer_hz("timer_hz=1000x"), 0);
	EXPECT_EQ(cmdline_timer_hz("timer_hz=-100"), 0);
	EXPECT_EQ(cmdline_timer_hz("timer_hz="), 0);
	EXPECT_EQ(cmdline_timer_hz("guest=x"), 0);
	EXPECT_EQ(cmdline_timer_hz("xtimer_hz=1000"), 0);
}

TEST(cmdline_verdict_token_is_checked_and_hidden_from_the_guest)
{
	static const char *bad[] = { "verdict=", "verdict=ab-cd", "verdict=a.b",
				     "verdict=123456789012345678901234567890123" };
	char out[64];

	EXPECT_EQ(parse("guest=selftest verdict=0123456789abcdefABCDEF0123456789"), 0);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(parse(bad[i]), -HCERR_INVAL);
		EXPECT(strstr(err, "verdict=") != NULL);
	}
	cmdline_for_guest("  guest=fault verdict=s3cret\top=x verdict=again y ", out, sizeof(out));
	EXPECT_STR(out, "guest=fault op=x y");
	cmdline_for_guest("verdict=s3cret", out, sizeof(out));
	EXPECT_STR(out, "");
	/* verdictx= and verdict (no value) are the guest's words */
	cmdline_for_guest("verdictx=1 verdict", out, sizeof(out));
	EXPECT_STR(out, "verdictx=1 verdict");
	/* a word that does not fit is left out, never cut */
	cmdline_for_guest("aaaa bbbbbbbb", out, 8);
	EXPECT_STR(out, "aaaa");
}
