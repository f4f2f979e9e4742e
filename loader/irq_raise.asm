; Re-raising a host interrupt in the host world (loader/cpu.h
; cpu_raise_interrupt): the switch took it in the guest world through the
; monitor's gate, so the CPU has accepted it and the interrupt controller holds
; it in service; the host's own handler must run for it, EOI included. INT n
; takes it through the host's IDT like the real one (SDM Vol.3 6.4.2). The
; vector is only known at run time, and INT takes an immediate: one 8-byte
; stub per vector 32-255, each a valid indirect-branch target under IBT.
bits 64
section .text
global irq_raise_table
align 8
irq_raise_table:
%assign v 32
%rep 224
	endbr64
	int v
	ret
	align 8, int3
%assign v v + 1
%endrep
