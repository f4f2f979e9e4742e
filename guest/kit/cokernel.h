/* cokernel.h: everything a kit guest uses (docs/KIT.md). A guest is a
 * program with a main; libcokernel.a brings the rest: the entry point, the
 * exception handlers, printf over HC_LOG, the hypercalls, the request ring
 * (console and block device), the virtual timer and upcalls, the ABI note
 * the monitor checks, and the few C library functions below.
 *
 *   int main(int argc, char **argv)
 *       argv[0] is "guest", then the words of the command line; the global
 *       `boot` (struct bootinfo, proto/bootinfo.h) has the rest: pool size,
 *       host, the TSC rate. main's return value is the exit code (0-99).
 *
 * The headers below are the guest kernel's own (guest/), as the in-tree
 * programs use them; their comments are the reference. */
#ifndef COKERNEL_H
#define COKERNEL_H

#include <stddef.h>
#include <stdint.h>
#include "guest/kernel.h"    /* boot, printf, guest_exit, virt_to_gpa, traps, timer, upcalls */
#include "guest/hypercall.h" /* hypercall(HC_..., a0, a1, a2) and proto/hypercall.h */
#include "guest/ring.h"      /* the request ring: ring_next, ring_publish, ring_post, ring_call */
#include "guest/blk.h"       /* blk_read, blk_write, blk_flush, blk_geometry */
#include "guest/palloc.h"    /* palloc, palloc_ref, palloc_unref: pages with counts */
#include "guest/pt.h"        /* page tables: pt_new, pt_map, cr3_load, invlpg, ... */
#include "guest/proc.h"      /* ring-3 processes: proc_spawn, proc_run, system calls */
#include "lib/fmt.h"         /* fmt_snprintf, fmt_vsnprintf */

int main(int argc, char **argv);

/* The C library that there is (lib/string.c): GCC may call the first four
 * itself, even in freestanding code. */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);

#endif
