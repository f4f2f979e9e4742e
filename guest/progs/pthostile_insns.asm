; pthostile's instructions that C cannot write: `int N` for every N, an iretq
; of a frame the caller chooses, a far jmp or call to any selector, and the
; jump onto the one-page stack of the #PF-handler case. Those that may fault
; have a fixup the trap hook of guest/progs/pthostile_traps.c resumes at, as
; guest/probe.asm's probes do.
bits 64
default rel
section .text
global pth_int_table, pth_iret, pth_iret_at, pth_iret_fixup, pth_nest
global pth_far, pth_far_jmp_at, pth_far_call_at

; pth_int_table + N * 8: `int N; ret` (SDM Vol.2 INT n: CD ib, two bytes;
; NASM writes `int 3` as CD 03 too, not the one-byte INT3). A #GP for the
; `int` leaves RIP at it: the hook resumes 2 bytes on.
align 8
pth_int_table:
%assign n 0
%rep 256
	int n
	ret
	align 8, int3
%assign n n + 1
%endrep

; int64_t pth_iret(uint64_t cs, uint64_t ss, uint64_t rflags, uint64_t or_now):
; iretq to the next instruction with this CS, SS and RFLAGS (and RSP as it
; is), the bits of or_now set in RFLAGS itself just before (NT: SDM Vol.2
; IRET, a #GP in 64-bit mode), and 0; or -1 if the iretq faulted (the hook
; moved RIP to pth_iret_fixup; RSP comes back from rsp_saved, the frame on
; the stack abandoned).
pth_iret:
	mov [rsp_saved], rsp
	mov rax, rsp
	push rsi                        ; SS
	push rax                        ; RSP: the caller's, as on entry
	push rdx                        ; RFLAGS
	push rdi                        ; CS
	lea rax, [pth_iret_back]
	push rax                        ; RIP
	pushfq
	or [rsp], rcx                   ; RFLAGS now (POPFQ sets NT in any ring)
	popfq
pth_iret_at:
	iretq                           ; SDM Vol.3 6.14.3: pops RIP, CS, RFLAGS, RSP, SS
pth_iret_back:
	xor eax, eax
	ret
pth_iret_fixup:
	mov rsp, [rsp_saved]
	mov rax, -1
	ret

; int64_t pth_far(uint64_t sel, uint64_t call): a far jmp (or, with call, a far
; call) through a 16:32 pointer (the form every 64-bit CPU has, SDM Vol.2
; JMP, CALL) to sel; -1 if it faulted (the hook moved RIP to pth_iret_fixup,
; which restores RSP). The offset is the low half of pth_far_back's: a
; selector that let the jump through would land nowhere, so none is asked.
pth_far:
	mov [rsp_saved], rsp
	mov [far_ptr + 4], di           ; the selector
	lea rax, [pth_far_back]
	mov [far_ptr], eax
	test rsi, rsi
	jnz pth_far_call_at
pth_far_jmp_at:
	jmp far dword [far_ptr]         ; FF /5 m16:32 (no REX.W: AMD has no m16:64)
pth_far_call_at:
	call far dword [far_ptr]        ; FF /3 m16:32
pth_far_back:
	xor eax, eax
	ret

; void pth_nest(uint64_t stack_top, uint64_t fault_va): RSP = stack_top, then
; a read of fault_va. Never returns: the #PF handler it raises cannot be
; fetched, and every #PF it raises nests on this stack until it is full.
pth_nest:
	mov rsp, rdi
	mov al, [rsi]
	ud2

section .bss
rsp_saved: resq 1
far_ptr: resb 6
