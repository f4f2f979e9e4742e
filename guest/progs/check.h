/* Check lines for the test programs: one line per check ("ok" or "FAIL" with
 * what was expected and what came), and a verdict at the end. */
#ifndef GUEST_CHECK_H
#define GUEST_CHECK_H

#include <stdint.h>

void check_begin(const char *program);
void check(const char *what, int ok);
void check_eq(const char *what, uint64_t got, uint64_t want);
/* A probe that must fault with #PF and these error-code bits (P, W, I). */
void check_fault(const char *what, int64_t probe_ret, uint64_t err_bits);
/* Print the totals; 0 if every check passed, else prints ABORT and returns 1. */
int check_end(void);

#endif
