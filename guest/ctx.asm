; Two ways in and out for the kit's processes (guest/proc.c):
;   kctx_save/kctx_restore  the kernel's own context around proc_run, as
;                           setjmp/longjmp: the callee-saved registers, RSP
;                           and the return address
;   trap_frame_resume       start a context from a struct hc_trap_frame
;                           (proto/trapframe.h): its registers, then iretq
;                           through the hardware part of it (ring 3 or 1)
bits 64
default rel
section .text
global kctx_save, kctx_restore, trap_frame_resume

; int kctx_save(uint64_t ctx[8]): 0 now, the value of kctx_restore later.
kctx_save:
	mov [rdi], rbx
	mov [rdi + 8], rbp
	mov [rdi + 16], r12
	mov [rdi + 24], r13
	mov [rdi + 32], r14
	mov [rdi + 40], r15
	lea rax, [rsp + 8]      ; the caller's RSP after our return
	mov [rdi + 48], rax
	mov rax, [rsp]
	mov [rdi + 56], rax     ; where we return to
	xor eax, eax
	ret

; _Noreturn void kctx_restore(const uint64_t ctx[8], int value)
kctx_restore:
	mov rbx, [rdi]
	mov rbp, [rdi + 8]
	mov r12, [rdi + 16]
	mov r13, [rdi + 24]
	mov r14, [rdi + 32]
	mov r15, [rdi + 40]
	mov rsp, [rdi + 48]
	mov eax, esi
	jmp [rdi + 56]

; _Noreturn void trap_frame_resume(const struct hc_trap_frame *f)
trap_frame_resume:
	lea rsp, [rdi + 8]      ; past cr2: the frame's order is the pop order
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rbp
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
	add rsp, 16             ; vector, error code
	iretq                   ; RIP, CS, RFLAGS, RSP, SS (SDM Vol.3 6.14.3)
