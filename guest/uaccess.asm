; Copies between the kernel and the running process's user memory (the
; guest kernel sees its user pages: SMAP is off in the guest world). A fault
; at the one instruction that touches user memory is known to the kit's trap
; handler (guest/proc.c): fixable (a lazy page, a copy-on-write page), it is
; fixed and the copy resumes; else the copy stops at uaccess_fixup with
; RAX = -1, as Linux's exception table does for its user copies.
bits 64
default rel
section .text
global uaccess_copy, uaccess_insn, uaccess_fixup

; int64_t uaccess_copy(void *dst, const void *src, uint64_t n): n, or -1.
uaccess_copy:
	mov rcx, rdx
	mov rax, rdx
	cld
uaccess_insn:
	rep movsb               ; SDM Vol.2 MOVS: RCX, RSI, RDI stay exact on a fault
	ret
uaccess_fixup:
	mov rax, -1
	ret
