; The smallest upcall handler there can be, for the bench program: the
; events it was sent for cleared, virtual interrupts on again, and the plain
; iretq that returns from the frame the monitor wrote (proto/hypercall.h,
; HC_SET_TRAPS). What delivering and returning from one upcall costs is then
; the monitor's delivery and these four instructions.
bits 64
default rel
section .text
global bench_upcall_entry
extern vcpu
bench_upcall_entry:
	mov dword [vcpu + 4], 0 ; events (struct hc_vcpu, proto/vintr.h)
	mov dword [vcpu + 0], 0 ; mask: the monitor set it to deliver
	iretq
