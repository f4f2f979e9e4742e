; A user program's first instructions (ring 3): main(), then SYS_EXIT with
; what it returned. The kernel starts it with RSP 16-byte aligned.
bits 64
section .text.start
global _start
extern main
_start:
	xor ebp, ebp            ; the end of the frame chain, for a debugger
	call main
	mov edi, eax
	mov eax, 1              ; SYS_EXIT (guest/proc.h)
	int 0x80
	ud2
