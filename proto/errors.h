/* Error codes of the cokernel ABI: every hypercall and every descriptor status
 * returns one of these, negated (-HC_EFAULT), or zero / a count for success.
 * The monitor core uses the same codes internally so a message can always name
 * the error (hc_strerror in loader/errors.c). */
#ifndef PROTO_ERRORS_H
#define PROTO_ERRORS_H

#define HC_OK 0
#define HC_ENOSYS 1 /* unknown hypercall number */
#define HC_EINVAL 2 /* an argument has a value the call does not accept */
#define HC_EFAULT 3 /* a guest address range is not inside the pool (or wraps) */
#define HC_E2BIG 4  /* a length is larger than the call allows */
#define HC_ENOMEM 5 /* the host could not give memory (monitor-internal) */
#define HC_EEXIST 6 /* a page-table slot is already mapped (monitor-internal) */
#define HC_ERANGE 7 /* outside its allowed range: a sector past the disk's end, an
		      * address outside its window (monitor-internal) */
#define HC_ENODEV 8   /* no such device (or the host has none behind it) */
#define HC_EROFS 9    /* write to a read-only disk */
#define HC_EIO 10     /* the host's backend failed */
#define HC_EBADRING 11 /* the ring's prod claims more entries than it holds */
#define HC_EAGAIN 12   /* not now: do what the caller was told, then again
			* (monitor-internal) */
#define HC_NERRORS 13

#endif
