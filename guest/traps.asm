; The guest's exception stubs (vectors 0-31), calling guest_trap in guest/trap.c.
bits 64
default rel
%include "proto/trapframe.inc"
TRAP_STUBS guest_trap
