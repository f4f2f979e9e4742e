; The bare-metal host's exception stubs: any exception in the monitor itself is
; a monitor bug; mb2_trap prints the register dump and ends the run.
bits 64
default rel
%include "proto/trapframe.inc"
TRAP_STUBS mb2_trap
