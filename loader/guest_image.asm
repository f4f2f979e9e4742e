; The guest kernel, embedded in the monitor (docs/ARCHITECTURE.md: each monitor binary
; carries its guest). build/guest.elf is found through nasm's -I.
section .rodata
align 16
global guest_image_start, guest_image_end
guest_image_start:
	incbin "guest.elf"
guest_image_end:
