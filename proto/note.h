/* How a guest image says what it is: an ELF note (PT_NOTE), as Solo5 does.
 * The monitor refuses an image without it or built for another ABI version. */
#ifndef PROTO_NOTE_H
#define PROTO_NOTE_H

#include <stdint.h>

#define COKERNEL_NOTE_NAME "cokernel" /* n_namesz = 9 with the NUL */
#define COKERNEL_NOTE_TYPE 0x434b0001u
#define COKERNEL_NOTE_MAGIC 0x4b524e4cu /* "LNRK" */

struct cokernel_note_desc {
	uint32_t magic;       /* COKERNEL_NOTE_MAGIC */
	uint32_t abi_version; /* HCABI_VERSION the guest was built for */
};
_Static_assert(sizeof(struct cokernel_note_desc) == 8, "note size");

#endif
