/* The monitor's part of the kernel command line: guest=NAME, pool=SIZE,
 * disk=ro|rw (refuse the guest's block writes), core=1 (a host with files
 * keeps an ELF core of a crash: docs/CRASHDUMP.md), shadow=PAGES (the
 * budget of the guest's shadow page tables, mm/vtlb.h), timeout=SECONDS (a
 * guest still running then is stopped with a report), verdict=TOKEN (a
 * test harness's secret, repeated in the line that ends each run and hidden
 * from the guest) and the debug option scatter=1. Every other word goes to
 * the guest untouched (the line is copied into the boot info, less
 * verdict=). Bad values are refused with a
 * message that names the word, what it wanted and what it got. */
#ifndef LOADER_CMDLINE_H
#define LOADER_CMDLINE_H

#include <stddef.h>
#include <stdint.h>

#define CMDLINE_GUEST_MAX 31
#define POOL_DEFAULT_BYTES (UINT64_C(32) << 20)
#define POOL_MIN_BYTES (UINT64_C(1) << 20)

struct mon_config {
	char guest[CMDLINE_GUEST_MAX + 1]; /* default "hello" */
	uint64_t pool_bytes;               /* default POOL_DEFAULT_BYTES */
	int scatter;                       /* default 0 */
	int disk_ro;                       /* default 0 */
	int core;                          /* default 0 */
	uint64_t shadow_pages;             /* 0: VTLB_DEFAULT_PAGES */
	uint64_t timeout_s;                /* 0: none; else the run ends after this long */
};
#define CMDLINE_TIMEOUT_MAX 86400u /* a day */
#define CMDLINE_SHADOW_MIN 18u    /* VTLB_MIN_PAGES */
#define CMDLINE_SHADOW_MAX 65536u /* 256 MiB of shadow tables */
#define CMDLINE_VERDICT_MAX 32    /* verdict=TOKEN: letters and digits */

/* Returns 0, or -HCERR_INVAL with a message in err[0, errlen). */
int cmdline_parse(const char *line, struct mon_config *cfg, char *err, size_t errlen);

/* Several guest runs on one host command line, separated by " -- " (the
 * bare-metal and UEFI hosts run them one after the other, in one boot): the
 * next run's line into out, *line moved to the rest, or NULL after the last.
 * 0, or -HCERR_2BIG if that run's line does not fit in size bytes. */
int cmdline_next_run(const char **line, char *out, size_t size);

/* The line the guest gets in its boot info: every word but verdict=TOKEN,
 * which only the monitor's own closing lines repeat (a test harness's proof
 * that a line is the monitor's: docs/ARCHITECTURE.md, "The test
 * harness's verdict"), one space between words,
 * cut at a word that does not fit in size bytes (none: a run's line fits). */
void cmdline_for_guest(const char *line, char *out, size_t size);

/* The value of the first KEY=VALUE word of line into out, NUL-terminated: a
 * host's own option (UEFI's and Linux's image=PATH), which the core does not
 * parse. Its length; 0 when there is no such word (or it is empty);
 * -HCERR_2BIG when it does not fit in size bytes. */
int cmdline_value(const char *line, const char *key, char *out, size_t size);

/* timer_hz=N, the host timer's rate a storm asks for (bare metal's PIT, the
 * UEFI firmware's timer): N if it is 19 (the PIT's slowest) to 100000, else 0
 * (absent or out of range: the host keeps its own rate). */
#define CMDLINE_TIMER_HZ_MIN 19u
#define CMDLINE_TIMER_HZ_MAX 100000u
unsigned cmdline_timer_hz(const char *line);

#endif
