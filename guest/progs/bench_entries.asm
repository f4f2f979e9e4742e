; The smallest handlers there can be, for the bench program, so that what it
; measures is the monitor's delivery (or the CPU's, for the system call) and
; the iretq back, not the kit's C trap path (proto/hypercall.h, HC_SET_TRAPS):
;   bench_upcall_entry   an upcall: its events cleared, virtual interrupts on
;                        again, iretq
;   bench_syscall_entry  the system-call gate: BENCH_SYS_NULL answered 0 at
;                        once; every other call to the kit's own stub
;   bench_pf_entry       a #PF: bench_pf_map(CR2) maps the page, iretq retries
bits 64
default rel
%include "proto/trapframe.inc"
%define BENCH_SYS_NULL 100  ; guest/progs/bench_vm.c
%define SYSCALL_STUB 33     ; guest/traps.asm: the system call's stub
section .text
global bench_upcall_entry, bench_syscall_entry, bench_pf_entry
extern vcpu, trap_vectors, bench_pf_map

bench_upcall_entry:
	mov dword [vcpu + 4], 0 ; events (struct hc_vcpu, proto/vintr.h)
	mov dword [vcpu + 0], 0 ; mask: the monitor set it to deliver
	iretq

bench_syscall_entry:            ; ring 3 -> 1 through the DPL-3 trap gate
	cmp eax, BENCH_SYS_NULL
	jne .kit
	xor eax, eax
	iretq
.kit:
	jmp trap_vectors + SYSCALL_STUB * 16

bench_pf_entry:                 ; [rsp]: the error code, then the CPU's frame
	PUSH_CALLER_SAVED       ; proto/trapframe.inc
	sub rsp, 8              ; 16-byte aligned at the call (frame + 10 pushes)
	mov rdi, [vcpu + 16]    ; CR2 (struct hc_vcpu.cr2)
	cld
	call bench_pf_map
	add rsp, 8
	POP_CALLER_SAVED
	add rsp, 8              ; the error code
	iretq
