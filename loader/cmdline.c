/* Parsing the monitor's command-line words (loader/cmdline.h). */
#include "cmdline.h"
#include "fmt.h"
#include "../proto/bootinfo.h"
#include "../proto/errors.h"
#include "../proto/layout.h"

/* The word starting at s: its length up to the next space or the end. */
static size_t word_len(const char *s)
{
	size_t n = 0;

	while (s[n] && s[n] != ' ' && s[n] != '\t')
		n++;
	return n;
}

/* The next word at or after s (spaces skipped) and its length in *n; NULL at
 * the end. Loops: for (w = line; (w = next_word(w, &n)); w += n). */
static const char *next_word(const char *s, size_t *n)
{
	while (*s == ' ' || *s == '\t')
		s++;
	*n = word_len(s);
	return *n ? s : 0;
}

static int has_key(const char *w, size_t n, const char *key, const char **val, size_t *vlen)
{
	size_t k = __builtin_strlen(key);

	if (n <= k || __builtin_memcmp(w, key, k) != 0 || w[k] != '=')
		return 0;
	*val = w + k + 1;
	*vlen = n - k - 1;
	return 1;
}

/* SIZE: decimal digits and an optional K, M or G (powers of 1024). */
static int parse_size(const char *v, size_t n, uint64_t *out)
{
	uint64_t x = 0, mult = 1;
	size_t i = 0;

	if (n == 0)
		return -1;
	for (; i < n && v[i] >= '0' && v[i] <= '9'; i++) {
		if (x > (UINT64_MAX - 9) / 10)
			return -1;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	if (i == 0)
		return -1;
	if (i + 1 == n) {
		switch (v[i]) {
		case 'K': case 'k': mult = 1ull << 10; break;
		case 'M': case 'm': mult = 1ull << 20; break;
		case 'G': case 'g': mult = 1ull << 30; break;
		default: return -1;
		}
	} else if (i != n) {
		return -1;
	}
	if (x > UINT64_MAX / mult)
		return -1;
	*out = x * mult;
	return 0;
}

static int valid_name(const char *v, size_t n)
{
	if (n == 0 || n > CMDLINE_GUEST_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = v[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/* A verdict token: what a test harness knows and the guest does not. */
static int valid_token(const char *v, size_t n)
{
	if (n == 0 || n > CMDLINE_VERDICT_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = v[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			return 0;
	}
	return 1;
}

int cmdline_parse(const char *line, struct mon_config *cfg, char *err, size_t errlen)
{
	size_t total = __builtin_strlen(line);

	*cfg = (struct mon_config){ .pool_bytes = POOL_DEFAULT_BYTES };
	__builtin_memcpy(cfg->guest, "hello", 6);
	if (total >= BOOTINFO_CMDLINE_BYTES) {
		fmt_snprintf(err, errlen, "command line is %zu bytes; at most %d", total,
			     BOOTINFO_CMDLINE_BYTES - 1);
		return -HCERR_INVAL;
	}
	size_t n;

	for (const char *w = line; (w = next_word(w, &n)); w += n) {
		size_t vlen;
		const char *v;

		if (has_key(w, n, "guest", &v, &vlen)) {
			if (!valid_name(v, vlen)) {
				fmt_snprintf(err, errlen,
					     "guest=%.*s: a program name is 1 to %d characters "
					     "of a-z, 0-9, _ and -",
					     (int)vlen, v, CMDLINE_GUEST_MAX);
				return -HCERR_INVAL;
			}
			__builtin_memcpy(cfg->guest, v, vlen);
			cfg->guest[vlen] = 0;
		} else if (has_key(w, n, "pool", &v, &vlen)) {
			uint64_t b;

			if (parse_size(v, vlen, &b) != 0) {
				fmt_snprintf(err, errlen,
					     "pool=%.*s: expected a size such as 32M (digits, "
					     "then K, M or G)",
					     (int)vlen, v);
				return -HCERR_INVAL;
			}
			if (b % GUEST_PAGE_SIZE || b < POOL_MIN_BYTES || b > GUEST_DMAP_MAX_BYTES) {
				fmt_snprintf(err, errlen,
					     "pool=%.*s: the pool must be a multiple of 4K "
					     "between 1M and 64G",
					     (int)vlen, v);
				return -HCERR_INVAL;
			}
			cfg->pool_bytes = b;
		} else if (has_key(w, n, "scatter", &v, &vlen) ||
			   has_key(w, n, "core", &v, &vlen)) {
			if (vlen != 1 || (v[0] != '0' && v[0] != '1')) {
				fmt_snprintf(err, errlen, "%.*s: expected 0 or 1", (int)n, w);
				return -HCERR_INVAL;
			}
			if (w[0] == 's')
				cfg->scatter = v[0] == '1';
			else
				cfg->core = v[0] == '1';
		} else if (has_key(w, n, "shadow", &v, &vlen)) {
			uint64_t pages;

			if (parse_size(v, vlen, &pages) != 0 || pages < CMDLINE_SHADOW_MIN ||
			    pages > CMDLINE_SHADOW_MAX) {
				fmt_snprintf(err, errlen,
					     "shadow=%.*s: expected a number of shadow page-table "
					     "pages from %u to %u",
					     (int)vlen, v, CMDLINE_SHADOW_MIN, CMDLINE_SHADOW_MAX);
				return -HCERR_INVAL;
			}
			cfg->shadow_pages = pages;
		} else if (has_key(w, n, "timeout", &v, &vlen)) {
			uint64_t secs;

			if (parse_size(v, vlen, &secs) != 0 || secs > CMDLINE_TIMEOUT_MAX) {
				fmt_snprintf(err, errlen,
					     "timeout=%.*s: expected seconds, 0 (none) to %u",
					     (int)vlen, v, CMDLINE_TIMEOUT_MAX);
				return -HCERR_INVAL;
			}
			cfg->timeout_s = secs;
		} else if (has_key(w, n, "verdict", &v, &vlen)) {
			if (!valid_token(v, vlen)) {
				fmt_snprintf(err, errlen,
					     "verdict=%.*s: expected 1 to %d letters and digits",
					     (int)vlen, v, CMDLINE_VERDICT_MAX);
				return -HCERR_INVAL;
			}
		} else if (has_key(w, n, "disk", &v, &vlen)) {
			if (vlen != 2 || (__builtin_memcmp(v, "ro", 2) && __builtin_memcmp(v, "rw", 2))) {
				fmt_snprintf(err, errlen, "disk=%.*s: expected ro or rw", (int)vlen, v);
				return -HCERR_INVAL;
			}
			cfg->disk_ro = v[0] == 'r' && v[1] == 'o';
		}
	}
	return 0;
}

int cmdline_next_run(const char **rest, char *out, size_t size)
{
	const char *line = *rest;
	size_t n = 0;
	int err = 0;

	while (line[n] && !(line[n] == ' ' && line[n + 1] == '-' && line[n + 2] == '-' &&
			    (line[n + 3] == ' ' || line[n + 3] == 0)))
		n++;
	if (n < size) {
		__builtin_memcpy(out, line, n);
		out[n] = 0;
	} else {
		out[0] = 0;
		err = -HCERR_2BIG;
	}
	if (!line[n]) {
		*rest = 0;
		return err;
	}
	n += 3;
	while (line[n] == ' ')
		n++;
	*rest = line + n;
	return err;
}

int cmdline_value(const char *line, const char *key, char *out, size_t size)
{
	size_t n;

	for (const char *w = line; (w = next_word(w, &n)); w += n) {
		size_t vlen;
		const char *v;

		if (has_key(w, n, key, &v, &vlen)) {
			if (vlen >= size)
				return -HCERR_2BIG;
			__builtin_memcpy(out, v, vlen);
			out[vlen] = 0;
			return (int)vlen;
		}
	}
	return 0;
}

unsigned cmdline_timer_hz(const char *line)
{
	char v[8];
	unsigned hz = 0;
	int n = cmdline_value(line, "timer_hz", v, sizeof(v));

	for (int i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return 0;
		hz = hz * 10 + (unsigned)(v[i] - '0');
	}
	return hz >= CMDLINE_TIMER_HZ_MIN && hz <= CMDLINE_TIMER_HZ_MAX ? hz : 0;
}

void cmdline_for_guest(const char *line, char *out, size_t size)
{
	size_t n, at = 0;

	if (size == 0)
		return;
	for (const char *w = line; (w = next_word(w, &n)); w += n) {
		size_t vlen;
		const char *v;

		if (has_key(w, n, "verdict", &v, &vlen))
			continue;
		if (at + (at != 0) + n >= size)
			break;
		if (at)
			out[at++] = ' ';
		__builtin_memcpy(out + at, w, n);
		at += n;
	}
	out[at] = 0;
}
