; The user programs (guest/user/, built into build/user/ by the Makefile)
; inside the guest image, each between user_image_NAME and
; user_image_NAME_end (guest/progs/user_images.h), for guest/proc.h's
; proc_spawn.
bits 64
section .rodata

%macro USER_IMAGE 1
global user_image_%1, user_image_%1_end
align 16
user_image_%1:
	incbin %str(user/%1.elf)
user_image_%1_end:
%endmacro

USER_IMAGE hello
USER_IMAGE fault
USER_IMAGE bench
USER_IMAGE lazy
USER_IMAGE cow
USER_IMAGE hostile
USER_IMAGE lab_syscall ; labs/syscall/user/lab_syscall.c
USER_IMAGE lab_lazy ; labs/lazy/user/lab_lazy.c
USER_IMAGE spinner
