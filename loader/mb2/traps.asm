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

; COM1's interrupt (IRQ 4 on vector 0x24, loader/mb2/serial.c): the C handler
; with the caller-saved registers kept, then the EOI. The CPU aligned RSP to
; 16 before pushing its 5-quadword frame (SDM Vol.3 6.14.2); with 9 more the
; call below is made on a 16-byte boundary, as the SysV ABI wants.
global mb2_com1_stub
extern serial_interrupt
mb2_com1_stub:
	PUSH_CALLER_SAVED
	cld
	call serial_interrupt
	mov al, 0x20
	out 0x20, al
	POP_CALLER_SAVED
	iretq
