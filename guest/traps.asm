; The guest's exception entry: the monitor starts it with RSP = RDI = a
; struct hc_trap_frame it wrote on our stack (proto/hypercall.h, HC_SET_TRAPS),
; one entry for every vector (the frame says which). guest_trap may change the
; frame; HC_IRET resumes from it.
bits 64
default rel
%include "proto/hypercall.inc"
section .text
global guest_trap_entry
extern guest_trap
guest_trap_entry:
	cld                     ; SysV ABI: DF clear on function entry
	call guest_trap         ; RSP is 16-byte aligned here, as the ABI wants
	mov eax, HC_IRET
	int HC_VECTOR
	ud2                     ; HC_IRET does not return while a handler runs
