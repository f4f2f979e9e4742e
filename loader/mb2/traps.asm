; The bare-metal host's exception stubs: any exception in the monitor itself is
; a monitor bug; mb2_trap prints the register dump and ends the run.
bits 64
default rel
%include "proto/trapframe.inc"
TRAP_STUBS mb2_trap

; The timer's interrupt (IRQ 0 on vector 0x20, loader/mb2/timer.c): count it
; and acknowledge it at the master 8259A (non-specific EOI, 8259A data sheet).
section .text
global mb2_timer_stub
extern mb2_ticks
mb2_timer_stub:
	push rax
	lock inc qword [mb2_ticks]
	mov al, 0x20
	out 0x20, al
	pop rax
	iretq
