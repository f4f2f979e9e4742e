; A function of one's own in assembly, built by the kit's NASM rule
; (cokernel.mk): HC_YIELD n times, the call numbers from proto/hypercall.inc.
; SysV ABI: RDI = n; RAX, RCX, RDX, RSI, R8-R11 are ours to change.
bits 64
default rel
%include "proto/hypercall.inc"
section .text
global yield_n
yield_n:                        ; uint64_t yield_n(uint64_t n): how many came back 0
	xor ecx, ecx
	mov rsi, rdi
.loop:
	test rsi, rsi
	jz .done
	mov eax, HC_YIELD
	int HCABI_VECTOR        ; every register but RAX preserved (proto/hypercall.h)
	test rax, rax
	jnz .next
	inc rcx
.next:
	dec rsi
	jmp .loop
.done:
	mov rax, rcx
	ret
