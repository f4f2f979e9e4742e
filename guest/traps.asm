; The guest kernel's trap entry: one stub per vector, as an x86-64 kernel has
; (xv6's vectors.S). The monitor, or the CPU itself for the system-call gate,
; enters a stub in ring 1 with RSP at a hardware frame: [error code,] RIP, CS,
; RFLAGS, RSP, SS (proto/hypercall.h, HC_SET_TRAPS). The stub pushes an error
; code where the CPU pushed none and its vector; trap_common pushes the
; general registers and CR2 (the vcpu page holds it, proto/vintr.h), which
; makes a struct hc_trap_frame (proto/trapframe.h), saves the x87/SSE state
; below it (the C handler is built with SSE and the interrupted code may hold
; values in any XMM register: SDM Vol.1 10.5, FXSAVE), and calls
; guest_trap(frame). Back from it: everything restored from the frame (a
; handler may change it: another thread's context, a fixed-up RIP), and a
; plain iretq. An upcall's way out unmasks first, inside the window the vcpu
; page names, so that an event pending then is handled on the same frame
; instead of waiting for the next exit (proto/vintr.h, resume_start).
bits 64
default rel
%include "proto/hypercall.inc"

; SDM Vol.3 6.3.1 table 6-1: the vectors for which the CPU pushes an error code.
%define HAS_ERRCODE(v) ((v) == 8 || (v) == 10 || (v) == 11 || (v) == 12 || \
                        (v) == 13 || (v) == 14 || (v) == 17 || (v) == 21 || \
                        (v) == 29 || (v) == 30)
%define UPCALL_VECTOR 32
%define VCPU_MASK 0         ; struct hc_vcpu, proto/vintr.h
%define VCPU_EVENTS 4
%define VCPU_CR2 16
%define FPU_BELOW 520       ; the FXSAVE area: 16-byte aligned below the frame

section .text
global trap_vectors, guest_trap_resume_start, guest_trap_resume_end
extern guest_trap, vcpu

; trap_vectors: vector v's stub at trap_vectors + v * 16 (v < 33), then the
; system-call vector's at + 33 * 16. The trap code has its pages to itself
; (aligned and padded to 4 KiB): a kernel can unmap or protect them without
; taking the code around them along (pthostile op=pfnest unmaps the stubs'
; page and must still run the CR3 load that comes before the fault).
align 4096, int3
trap_vectors:
%assign v 0
%rep 33
%if !HAS_ERRCODE(v)
	push qword 0            ; no CPU error code: keep the frame's shape
%endif
	push qword v
	jmp trap_common
	align 16, int3
%assign v v + 1
%endrep
	push qword 0            ; the system-call gate (HCABI_SYSCALL_VECTOR)
	push qword HCABI_SYSCALL_VECTOR
	jmp trap_common
	align 16, int3

trap_common:
	push rax                ; frame order: rax highest ... r15 lowest
	push rbx
	push rcx
	push rdx
	push rsi
	push rdi
	push rbp
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
	xor eax, eax
	cmp qword [rsp + 15 * 8], 14
	jne .no_cr2
	mov rax, [vcpu + VCPU_CR2] ; SDM Vol.3 4.7: what CR2 would hold
.no_cr2:
	push rax
	mov rdi, rsp            ; the frame: 8 bytes off 16 (the CPU aligned its part)
	mov rax, [rsp + 16 * 8] ; its vector, kept where the handler cannot change it
	sub rsp, FPU_BELOW      ; (it may rewrite the frame: another thread's context)
	mov [rsp + 512], rax
	fxsave64 [rsp]
	cld                     ; SysV ABI: DF clear on function entry
	call guest_trap         ; RSP is 16-byte aligned here
	fxrstor64 [rsp]
	cmp qword [rsp + 512], UPCALL_VECTOR ; the flags survive the LEAs and POPs below
	lea rsp, [rsp + FPU_BELOW + 8] ; and cr2
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
	lea rsp, [rsp + 16]     ; vector and error code
	je upcall_return
	iretq

; The end of an upcall: virtual interrupts on again (`sti`), then iretq, or
; the handler once more on this very frame if an event came meanwhile. An
; upcall the monitor finds due inside [resume_start, resume_end) restarts the
; handler the same way (loader/vintr.c), so nothing nests here.
upcall_return:
	mov dword [vcpu + VCPU_MASK], 0
guest_trap_resume_start:
	cmp dword [vcpu + VCPU_EVENTS], 0
	jne upcall_again
	iretq
guest_trap_resume_end:
upcall_again:
	mov dword [vcpu + VCPU_MASK], 1
	jmp trap_vectors + UPCALL_VECTOR * 16
	align 4096, int3      ; the next file's code starts on a page of its own
