; uint64_t hc_clobbered(void): make a HC_YIELD with every register
; but RAX and RSP set to a known pattern, and return a bit mask of the ones
; the hypercall changed (bit n = register n in the order below). The ABI says
; none may change (proto/hypercall.h).
bits 64
section .text
global hc_clobbered
%define PAT(n) (0x5a5a000000000000 + (n))
hc_clobbered:
	push rbx
	push rbp
	push r12
	push r13
	push r14
	push r15
	mov rbx, PAT(0)
	mov rcx, PAT(1)
	mov rdx, PAT(2)
	mov rsi, PAT(3)
	mov rdi, PAT(4)
	mov rbp, PAT(5)
	mov r8, PAT(6)
	mov r9, PAT(7)
	mov r10, PAT(8)
	mov r11, PAT(9)
	mov r12, PAT(10)
	mov r13, PAT(11)
	mov r14, PAT(12)
	mov r15, PAT(13)
	xor eax, eax            ; HC_YIELD
	int 0x81                ; HCABI_VECTOR
	xor eax, eax
%macro CHECK 2
	mov r11, PAT(%2)        ; r11 is checked last, so it is free until then
	cmp %1, r11
	je %%ok
	bts rax, %2
%%ok:
%endmacro
	push r11                ; the value r11 came back with
	CHECK rbx, 0
	CHECK rcx, 1
	CHECK rdx, 2
	CHECK rsi, 3
	CHECK rdi, 4
	CHECK rbp, 5
	CHECK r8, 6
	CHECK r9, 7
	CHECK r10, 8
	CHECK r12, 10
	CHECK r13, 11
	CHECK r14, 12
	CHECK r15, 13
	pop rcx
	mov r11, PAT(9)
	cmp rcx, r11
	je .r11ok
	bts rax, 9
.r11ok:
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbp
	pop rbx
	ret
