; uint64_t fpu_regs_survive(const void *in, uint64_t rounds, uint64_t wide, void *out):
; load the 16 vector registers (YMM when wide, else XMM) and two x87 registers
; from in, make `rounds` HC_YIELD hypercalls, and store them to out, in the same
; layout: 16 x 32 bytes, then the two x87 values (8 bytes each, as doubles).
; Between the loads and the stores only the world switch runs: whatever
; differs, the switch lost. Returns rounds.
bits 64
default rel
%include "proto/hypercall.inc"
section .text
global fpu_regs_survive
fpu_regs_survive:
	push rbx
	test rdx, rdx
	jnz .load_wide
%assign r 0
%rep 16
	movdqu xmm %+ r, [rdi + r * 32]
%assign r r + 1
%endrep
	jmp .loaded
.load_wide:
%assign r 0
%rep 16
	vmovdqu ymm %+ r, [rdi + r * 32]
%assign r r + 1
%endrep
.loaded:
	fld qword [rdi + 512]
	fld qword [rdi + 520]
	mov rbx, rsi
.again:
	mov eax, HC_YIELD
	int HCABI_VECTOR           ; preserves every register but RAX
	dec rbx
	jnz .again
	fstp qword [rcx + 520]  ; the x87 stack gives them back in reverse
	fstp qword [rcx + 512]
	test rdx, rdx
	jnz .store_wide
%assign r 0
%rep 16
	movdqu [rcx + r * 32], xmm %+ r
%assign r r + 1
%endrep
	jmp .stored
.store_wide:
%assign r 0
%rep 16
	vmovdqu [rcx + r * 32], ymm %+ r
%assign r r + 1
%endrep
	vzeroupper
.stored:
	mov rax, rsi
	pop rbx
	ret
