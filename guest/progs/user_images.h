/* The user programs built into the guest image (guest/progs/user_images.asm). */
#ifndef GUEST_PROGS_USER_IMAGES_H
#define GUEST_PROGS_USER_IMAGES_H

#include <stdint.h>

#define USER_IMAGE(name) extern const uint8_t user_image_##name[], user_image_##name##_end[]
#define USER_IMAGE_BYTES(name) ((uint64_t)(user_image_##name##_end - user_image_##name))

USER_IMAGE(hello);
USER_IMAGE(fault);
USER_IMAGE(bench);
USER_IMAGE(lazy);
USER_IMAGE(cow);
USER_IMAGE(hostile);
USER_IMAGE(lab_syscall); /* labs/syscall/user/lab_syscall.c */
USER_IMAGE(lab_lazy);    /* labs/lazy/user/lab_lazy.c */
USER_IMAGE(spinner);

#endif
