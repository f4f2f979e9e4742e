; The guest's first instructions. The monitor enters here with RDI = the boot
; info (direct-map address), RSP = the top of the boot stack, interrupts off,
; the passage's boot GDT and no IDT: so the IDT comes first.
bits 64
section .text.entry
global guest_entry, guest_entry_tsc
extern guest_cpu_init, guest_main
guest_entry:
	rdtsc                   ; first: when did we start (the bench program reports it)
	mov [rel guest_entry_tsc], eax
	mov [rel guest_entry_tsc + 4], edx
	mov rbx, rdi            ; callee-saved across the C calls
	call guest_cpu_init     ; our own GDT and IDT
	mov rdi, rbx
	call guest_main         ; does not return: it ends with HC_EXIT
	ud2

section .bss
guest_entry_tsc: resq 1
