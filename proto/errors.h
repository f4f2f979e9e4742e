/* Error codes of the cokernel ABI: every hypercall and every descriptor status
 * returns one of these, negated (-HCERR_FAULT), or zero / a count for success.
 * The monitor core uses the same codes internally so a message can always name
 * the error (hc_strerror in loader/errors.c). */
#ifndef PROTO_ERRORS_H
#define PROTO_ERRORS_H

#define HCERR_NONE 0
#define HCERR_NOSYS 1 /* unknown hypercall number */
#define HCERR_INVAL 2 /* an argument has a value the call does not accept */
#define HCERR_FAULT 3 /* a guest address range is not inside the pool (or wraps) */
#define HCERR_2BIG 4  /* a length is larger than the call allows */
#define HCERR_NOMEM 5 /* the host could not give memory (monitor-internal) */
#define HCERR_EXIST 6 /* a page-table slot is already mapped (monitor-internal) */
#define HCERR_RANGE 7 /* outside its allowed range: a sector past the disk's end, an
		      * address outside its window (monitor-internal) */
#define HCERR_NODEV 8   /* no such device (or the host has none behind it) */
#define HCERR_ROFS 9    /* write to a read-only disk */
#define HCERR_IO 10     /* the host's backend failed */
#define HCERR_BADRING 11 /* the ring's prod claims more entries than it holds */
#define HCERR_AGAIN 12   /* not now: do what the caller was told, then again
			* (monitor-internal) */
#define HCERR_COUNT 13

#endif
