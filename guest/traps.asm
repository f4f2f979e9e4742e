; The guest's exception and upcall entry: the monitor starts it with RSP = RDI
; = a struct hc_trap_frame it wrote on our stack (proto/hypercall.h,
; HC_SET_TRAPS; proto/vintr.h, upcalls), one entry for every vector (the frame
; says which). guest_trap may change the frame; HC_IRET resumes from it.
; HC_IRET gives back the general registers only, so the x87/SSE state that the
; C handler (built with SSE) may use is saved here around it: the interrupted
; code may hold values in XMM registers at any instruction (SDM Vol.1 10.5:
; FXSAVE/FXRSTOR, x87 and SSE; the compiler emits no AVX, and legacy SSE
; instructions leave the upper halves of the YMM registers alone).
bits 64
default rel
%include "proto/hypercall.inc"
section .text
global guest_trap_entry
extern guest_trap
guest_trap_entry:
	cld                     ; SysV ABI: DF clear on function entry
	sub rsp, 512            ; the FXSAVE area, 16-byte aligned as the frame is
	fxsave64 [rsp]
	call guest_trap         ; RDI = the frame; RSP is 16-byte aligned here
	fxrstor64 [rsp]
	add rsp, 512
	mov eax, HC_IRET
	int HCABI_VECTOR
	ud2                     ; HC_IRET does not return while a handler runs
