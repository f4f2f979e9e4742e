; The guest's first instructions. The monitor enters here in ring 1 with RDI =
; the boot info (direct-map address), RSP = the top of the boot stack,
; interrupts off and no exception handler yet (guest_main registers them).
bits 64
section .text.entry
global guest_entry, guest_entry_tsc
extern guest_main
guest_entry:
	rdtsc                   ; first: when did we start (the bench program reports it)
	mov [rel guest_entry_tsc], eax
	mov [rel guest_entry_tsc + 4], edx
	call guest_main         ; does not return: it ends with HC_EXIT
	ud2

section .bss
guest_entry_tsc: resq 1
