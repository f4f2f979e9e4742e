; The world switch: host -> guest (enter) and guest -> host (hc_entry).
; Assembled flat (-f bin) and copied into page 0 of the passage (switch/passage.h),
; which both address spaces map at the same virtual address; every data access
; is RIP-relative to the host page (+0x1000) or the guest page (+0x2000), so the
; code runs wherever the host put the passage.
;
; Ordering rule (DESIGN.md 4): nothing may fault between the first CR3/GDTR/IDTR
; load and the last. Interrupts are off (CLI) for the whole window, the stack is
; the passage's own (mapped in both worlds), and every operand is in the passage.
bits 64
default rel
%include "passage_offsets.inc"

%define H(f) passage_base + PASSAGE_HOST_PAGE + PH_ %+ f
%define G(f) passage_base + PASSAGE_GUEST_PAGE + PG_ %+ f

%define CR4_PGE (1 << 7)     ; SDM Vol.3 2.5: CR4.PGE, global pages
%define CR4_CET (1 << 23)    ; SDM Vol.3 2.5: CR4.CET, control-flow enforcement
%define RFLAGS_IF (1 << 9)   ; SDM Vol.1 3.4.3: interrupt enable
%define RFLAGS_NT (1 << 14)  ; SDM Vol.1 3.4.3: nested task (IRET with NT=1 in 64-bit mode #GPs)
%define MSR_FS_BASE 0xc0000100        ; SDM Vol.4 2.1: IA32_FS_BASE
%define MSR_GS_BASE 0xc0000101        ; IA32_GS_BASE
%define MSR_KERNEL_GS_BASE 0xc0000102 ; IA32_KERNEL_GS_BASE (SWAPGS target)

passage_base:
	dd PASSAGE_MAGIC                ; struct passage_code_hdr
	dw enter - passage_base
	dw hc_entry - passage_base
	dd code_end - passage_base

; ---------------------------------------------------------------------------
; void enter(void): called by the monitor (SysV ABI). Saves the host, loads
; the guest from the guest page, and IRETs into it. "Returns" when the guest
; next calls hc_entry.
enter:
	endbr64                         ; the monitor calls us through a pointer: a
	                                ; valid target under IBT (SDM Vol.1, chapter
	                                ; "Control-flow Enforcement Technology")
	mov [H(rbx)], rbx               ; callee-saved registers of the C caller
	mov [H(rbp)], rbp
	mov [H(r12)], r12
	mov [H(r13)], r13
	mov [H(r14)], r14
	mov [H(r15)], r15
	pushfq
	pop qword [H(rflags)]           ; host IF: restored by hc_entry's POPFQ
	cli                             ; no host interrupt may arrive in the guest world
	mov [H(rsp)], rsp               ; points at our return address
	cmp qword [H(saved)], 0         ; the rest cannot change within a run on
	jne .host_saved                 ; one CPU: save it once (passage.h)
	mov [H(cs)], cs
	mov [H(ss)], ss
	mov [H(ds)], ds
	mov [H(es)], es
	mov [H(fs)], fs
	mov [H(gs)], gs
	sgdt [H(gdtr)]                  ; SDM Vol.3 2.4.1: GDTR, base and limit
	sidt [H(idtr)]                  ; SDM Vol.3 2.4.3: IDTR
	mov ecx, MSR_FS_BASE            ; a segment load in the guest may clear the
	rdmsr                           ; FS/GS bases (SDM Vol.3 3.4.4.1), which a
	mov [H(fs_base)], eax           ; host such as Linux keeps per-CPU data in
	mov [H(fs_base) + 4], edx
	mov ecx, MSR_GS_BASE
	rdmsr
	mov [H(gs_base)], eax
	mov [H(gs_base) + 4], edx
	mov ecx, MSR_KERNEL_GS_BASE
	rdmsr
	mov [H(kernel_gs_base)], eax
	mov [H(kernel_gs_base) + 4], edx
	mov rax, cr3
	mov [H(cr3)], rax
	mov rax, cr4
	mov [H(cr4)], rax
	and rax, ~(CR4_PGE | CR4_CET)   ; the guest world's CR4, once: without PGE
	mov [H(guest_cr4)], rax         ; (SDM Vol.3 4.10.4.1: clearing it flushes global
	                                ; TLB entries, which a CR3 write keeps) and
	                                ; without CET (a host kernel's IBT would fault
	                                ; the guest, which has no ENDBR64s)
	mov qword [H(saved)], 1
.host_saved:

	lea rsp, [G(stack_top)]         ; from here on: the passage stack (both worlds)
	mov rax, [H(guest_cr4)]
	cmp rax, [H(cr4)]               ; the host's own CR4 (neither bit set): keep it
	je .cr4_same
	mov cr4, rax
.cr4_same:
	mov rax, [G(cr3)]
	mov cr3, rax                    ; now in the guest's address space (SDM 4.10.4.1:
	                                ; non-global TLB entries flushed)
	lgdt [G(gdtr)]
	lidt [G(idtr)]
	mov ds, [G(ds)]                 ; data segments from the guest GDT
	mov es, [G(es)]
	mov fs, [G(fs)]
	mov gs, [G(gs)]

	movzx eax, word [G(ss)]         ; IRETQ frame (SDM Vol.3 6.14.3): SS, RSP,
	push rax                        ; RFLAGS, CS, RIP; it loads CS and SS from
	push qword [G(rsp)]             ; the guest GDT in one instruction
	mov rax, [G(rflags)]
	and rax, ~(RFLAGS_IF | RFLAGS_NT) ; the guest runs with interrupts off (v1)
	push rax
	movzx eax, word [G(cs)]
	push rax
	push qword [G(rip)]
	mov rax, [G(rax)]               ; every guest GPR: hypercall result in rax,
	mov rbx, [G(rbx)]               ; the rest as the guest left them
	mov rcx, [G(rcx)]
	mov rdx, [G(rdx)]
	mov rsi, [G(rsi)]
	mov rdi, [G(rdi)]
	mov rbp, [G(rbp)]
	mov r8, [G(r8)]
	mov r9, [G(r9)]
	mov r10, [G(r10)]
	mov r11, [G(r11)]
	mov r12, [G(r12)]
	mov r13, [G(r13)]
	mov r14, [G(r14)]
	mov r15, [G(r15)]
	iretq

; ---------------------------------------------------------------------------
; The guest's hypercall entry: `call` here with RAX = number, RDI/RSI/RDX =
; arguments (proto/hypercall.h). Saves the guest, restores the host, and returns
; from the host's enter(). The next enter resumes the guest after its call.
hc_entry:
	mov [G(rax)], rax
	mov [G(rbx)], rbx
	mov [G(rcx)], rcx
	mov [G(rdx)], rdx
	mov [G(rsi)], rsi
	mov [G(rdi)], rdi
	mov [G(rbp)], rbp
	mov [G(r8)], r8
	mov [G(r9)], r9
	mov [G(r10)], r10
	mov [G(r11)], r11
	mov [G(r12)], r12
	mov [G(r13)], r13
	mov [G(r14)], r14
	mov [G(r15)], r15
	pushfq                          ; on the guest stack, one slot, popped at once
	pop qword [G(rflags)]
	cli
	pop qword [G(rip)]              ; the return address of the guest's call
	mov [G(rsp)], rsp               ; the guest stack as it was before the call
	mov [G(cs)], cs
	mov [G(ss)], ss
	mov [G(ds)], ds
	mov [G(es)], es
	mov [G(fs)], fs
	mov [G(gs)], gs
	sgdt [G(gdtr)]                  ; the guest may have loaded its own tables
	sidt [G(idtr)]
	mov rax, cr3
	mov [G(cr3)], rax

	lea rsp, [G(stack_top)]         ; the passage stack for the window
	mov rax, [H(cr3)]
	mov cr3, rax                    ; back in the host's address space
	mov rax, [H(cr4)]
	test eax, CR4_PGE | CR4_CET
	jz .cr4_same
	mov cr4, rax                    ; global pages (SDM 4.10.4.1: flush) and CET back
.cr4_same:
	lgdt [H(gdtr)]
	lidt [H(idtr)]
	mov ss, [H(ss)]
	mov ds, [H(ds)]
	mov es, [H(es)]
	mov fs, [H(fs)]                 ; selector first: loading it may reset the base
	mov gs, [H(gs)]
	mov ecx, MSR_FS_BASE
	mov eax, [H(fs_base)]
	mov edx, [H(fs_base) + 4]
	wrmsr
	mov ecx, MSR_GS_BASE
	mov eax, [H(gs_base)]
	mov edx, [H(gs_base) + 4]
	wrmsr
	mov ecx, MSR_KERNEL_GS_BASE
	mov eax, [H(kernel_gs_base)]
	mov edx, [H(kernel_gs_base) + 4]
	wrmsr
	movzx eax, word [H(cs)]         ; reload CS from the host GDT with a far return
	push rax                        ; (SDM Vol.2 RET: far return pops RIP then CS)
	lea rax, [.host_cs]
	push rax
	o64 retf
.host_cs:
	mov rsp, [H(rsp)]               ; the host stack: enter's return address on top
	mov rbx, [H(rbx)]
	mov rbp, [H(rbp)]
	mov r12, [H(r12)]
	mov r13, [H(r13)]
	mov r14, [H(r14)]
	mov r15, [H(r15)]
	push qword [H(rflags)]
	popfq                           ; host interrupts back on if they were: pending
	ret                             ; ones are taken now, in the host's world
code_end:
