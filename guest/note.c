/* The guest's identity card (proto/note.h): the monitor reads it before it runs
 * a single instruction of ours and refuses another ABI version. Global, so the
 * linker script's EXTERN pulls it out of libcokernel.a into every guest. */
#include "../proto/hypercall.h"
#include "../proto/note.h"

const struct {
	uint32_t namesz, descsz, type;
	char name[12]; /* "cokernel\0" padded to 4 bytes (gABI note format) */
	struct cokernel_note_desc desc;
} cokernel_note __attribute__((section(".note.cokernel"), aligned(4), used)) = {
	.namesz = sizeof(COKERNEL_NOTE_NAME),
	.descsz = sizeof(struct cokernel_note_desc),
	.type = COKERNEL_NOTE_TYPE,
	.name = COKERNEL_NOTE_NAME,
	.desc = { .magic = COKERNEL_NOTE_MAGIC, .abi_version = HCABI_VERSION },
};
