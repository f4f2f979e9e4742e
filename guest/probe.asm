; Probes: touch an address and report whether it faulted, instead of dying.
; guest/trap.c knows these instruction addresses (an exception table, as in
; Linux's extable): a fault at one of them resumes at its fixup with RAX = -1.
bits 64
default rel
section .text
global probe_read, probe_write, probe_exec
global probe_read_at, probe_write_read_at, probe_write_at, probe_fixup, probe_exec_target

; int64_t probe_read(uint64_t va): 0, or -1 if reading a byte at va faulted.
probe_read:
	xor eax, eax
probe_read_at:
	mov cl, [rdi]
	ret

; int64_t probe_write(uint64_t va): writes back the byte that is there.
probe_write:
	xor eax, eax
probe_write_read_at:
	mov cl, [rdi]           ; a read fault here is a probe too, reported as a read
probe_write_at:
	mov [rdi], cl
	ret

; int64_t probe_exec(uint64_t va): calls va, which must hold a RET (0xC3) if
; executable; a fetch fault is fixed up by trap.c from the return address.
probe_exec:
	mov [probe_exec_target], rdi
	xor eax, eax
	call rdi
	mov qword [probe_exec_target], 0
	ret

probe_fixup:
	mov rax, -1
	ret

section .bss
probe_exec_target: resq 1

section .text
global ret_in_text
ret_in_text:                    ; a RET in the text segment, for probe_exec
	ret
