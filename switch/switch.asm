; The world switch and the guest world's gates (docs/ARCHITECTURE.md, "The
; world switch"). Assembled flat (-f bin) and copied into page 0 of the
; passage (switch/passage.h), which both address spaces map at the same
; virtual address; every data access is RIP-relative, so the code runs
; wherever the host put the passage.
;
;   enter         host -> guest: save the host, the guest's x87/SSE/AVX state,
;                 the guest world's tables, IRETQ to ring 1 or 3 (interrupts on)
;   gate_N        the guest world's IDT: vectors 0-31 and the hypercall gate
;   irq_stubs     vectors 32-255: the host's interrupts, taken while the guest runs
;   guest_exit    an exception gate taken from ring 1: save the guest, then to_host
;   gate_hc       the hypercall gate: the same, on the shortest path
;   to_host       back to the host world, save the guest's x87/SSE/AVX state,
;                 re-raise an NMI, return from enter (monitor_step re-raises
;                 an interrupt or a machine check)
;
; Rules the code keeps (each is argued in docs/ARCHITECTURE.md):
; - The guest world's IDT and GDT are loaded before the guest's CR3 and
;   unloaded after the host's CR3: every gate works under either CR3 and
;   either GDT (the gates use the host's own kernel CS selector, which the
;   guest world's GDT also holds), so an NMI or #MC taken anywhere in the
;   switch lands in a gate that works.
; - A gate that interrupts the switch itself (CPL 0) never switches worlds:
;   an NMI sets RFLAGS.NT in the interrupted context and returns. The CPU
;   clears NT on every gate entry (SDM Vol.3 6.12.1.2), so only that NMI gate
;   can have set it; the exit path re-raises it with INT 2 once the host's IDT
;   is back; in enter (from its LIDT to its IRETQ) the gate makes the CPU return
;   to enter_abort instead, which goes home rather than run the guest with an
;   NMI held back. A machine check is re-raised by monitor_step, in C.
; - Nothing enter loads from the guest-writable page decides privilege: CS
;   and SS are one of two constant pairs (ring 1 or ring 3, by the RPL of the
;   CS a gate saved or the monitor wrote), RFLAGS is masked, CR3 comes from
;   page 1. The guest cannot run between an exit and the next enter.
bits 64
default rel
%include "passage_offsets.inc"

%define W(f) passage_base + PASSAGE_WORLD_PAGE + PW_ %+ f
%define H(f) passage_base + PASSAGE_HOST_PAGE + PH_ %+ f
%define G(f) passage_base + PASSAGE_GUEST_PAGE + PG_ %+ f

%define CR4_VMXE (1 << 13)    ; SDM Vol.3 2.5: VMX enabled
%define EFER_SVME (1 << 12)   ; AMD APM Vol.2 3.1.7: SVM enabled
%define RFLAGS_RF (1 << 16)   ; SDM Vol.1 3.4.3: resume flag
%define RFLAGS_NT (1 << 14)   ; nested task: here, "an NMI is waiting"
; SDM Vol.1 3.4.3: the RFLAGS bits a ring-1 guest keeps across a switch:
; CF PF AF ZF SF TF DF OF, AC and ID; never IF, IOPL, NT, RF, VM, VIF, VIP.
%define GUEST_RFLAGS_KEEP 0x240dd5
%define MSR_EFER 0xc0000080           ; SDM Vol.4 2.1: IA32_EFER
%define MSR_SYSENTER_CS 0x174         ; IA32_SYSENTER_CS
%define MSR_FS_BASE 0xc0000100        ; IA32_FS_BASE
%define MSR_GS_BASE 0xc0000101        ; IA32_GS_BASE
%define GUEST_CS (PASSAGE_GDT_GUEST_CODE * 8 + 1) ; RPL 1: the guest kernel
%define GUEST_DS (PASSAGE_GDT_GUEST_DATA * 8 + 1)
%define USER_CS (PASSAGE_GDT_USER_CODE * 8 + 3)   ; RPL 3: its user programs
%define USER_DS (PASSAGE_GDT_USER_DATA * 8 + 3)

; SDM Vol.3 6.3.1 table 6-1: the vectors for which the CPU pushes an error code.
%define HAS_ERRCODE(v) ((v) == 8 || (v) == 10 || (v) == 11 || (v) == 12 || \
                        (v) == 13 || (v) == 14 || (v) == 17 || (v) == 21 || \
                        (v) == 29 || (v) == 30)

passage_base:
	dd PASSAGE_MAGIC                ; struct passage_code_hdr
	dw enter - passage_base
	dw gate_table - passage_base
	dd code_end - passage_base
	dw to_host.fpu_save + 3 - passage_base ; the ModRM bytes, after REX.W 0F AE
	dw enter.fpu_restore + 3 - passage_base
	dw irq_stubs - passage_base     ; vector 32's stub; vector v's at + (v - 32) * 8
	dw 0

; ---------------------------------------------------------------------------
; void enter(void): called by the monitor (SysV ABI) once passage_host_prepare
; has run on this CPU. "Returns" when the guest world is left again; the
; passage_guest page says why (exit).
enter:
	endbr64                         ; called through a pointer: a valid IBT target
	mov [H(rbx)], rbx               ; callee-saved registers of the C caller
	mov [H(rbp)], rbp
	mov [H(r12)], r12
	mov [H(r13)], r13
	mov [H(r14)], r14
	mov [H(r15)], r15
	pushfq
	pop qword [H(rflags)]           ; host IF: restored by host_return's POPFQ
	push 2                          ; RFLAGS = 2: IF, TF, NT, AC, DF, ID clear
	popfq                           ; (bit 1 is reserved as 1, SDM Vol.1 3.4.3)
	mov [H(rsp)], rsp               ; points at our return address
	mov eax, [H(xsave_mask)]        ; the guest's x87/SSE/AVX registers, in the host
	mov edx, [H(xsave_mask) + 4]    ; world (the area is not the guest's to see);
.fpu_restore:                           ; the host's own are saved by then (passage.h)
	xrstor64 [rel passage_base + PASSAGE_FPU_PAGE] ; patched: FXRSTOR64 without XSAVE
	mov ecx, MSR_EFER               ; EFER and CR4 afresh on every entry: another
	rdmsr                           ; driver or an IPI may have changed them since
	test eax, EFER_SVME             ; the last one
	jnz .hypervisor
	mov rsi, cr4
	test esi, CR4_VMXE
	jnz .hypervisor
	mov [W(host_cr4)], rsi
	mov rdi, rsi
	and rdi, ~PASSAGE_CR4_CLEAR
	or rdi, [W(cr4_set)]            ; SMEP, UMIP where the CPU has them
	mov [W(guest_cr4)], rdi
	lidt [W(mon_idtr)]              ; from here an NMI lands in our gates, which
.window:                                ; turn it into enter_abort up to the IRETQ
	lgdt [W(mon_gdtr)]              ; (the host's CS and SS mean the same here)
	mov [H(efer)], eax
	mov [H(efer) + 4], edx
	test eax, PASSAGE_EFER_CLEAR    ; SCE on (Linux): off in the guest world, so
	jz .efer_same                   ; that SYSCALL is #UD there
	and eax, ~PASSAGE_EFER_CLEAR
	wrmsr
.efer_same:
	cmp qword [H(sysenter_cs)], 0
	je .sysenter_off
	mov ecx, MSR_SYSENTER_CS        ; SDM Vol.2 SYSENTER: #GP(0) when it is 0
	xor eax, eax
	xor edx, edx
	wrmsr
.sysenter_off:
	lea rsp, [G(gate_stack_top)]    ; the passage stack (mapped in both worlds)
	cmp rdi, rsi
	je .cr4_same
	mov cr4, rdi                    ; PGE off: SDM Vol.3 4.10.4.1, global entries flushed
.cr4_same:
	mov rax, [W(guest_cr3)]
	mov cr3, rax                    ; the guest's address space (its shadow tables)
	mov eax, USER_DS                ; DS, ES, FS, GS: the DPL-3 data selector in both
	mov ds, eax                     ; rings. A DPL-1 one would be nulled by the
	mov es, eax                     ; guest's own iretq to ring 3, and FS's and GS's
	mov fs, eax                     ; bases with it (SDM Vol.2 IRET); the loads make
	mov gs, eax                     ; both bases 0 (SDM Vol.3 3.4.4.1) until below
	mov r8d, GUEST_DS               ; SS and CS of the ring to return to, by the RPL
	mov r9d, GUEST_CS               ; of the CS the last gate saved (or the monitor
	test byte [G(cs)], 2            ; wrote): 3, or else 1
	jz .ring_chosen
	mov r8d, USER_DS
	mov r9d, USER_CS
.ring_chosen:
	cmp byte [W(segbase_set)], 0    ; the guest's own bases (HC_SET_SEGBASE), if any
	jne .segbase
.segbase_done:
	push r8                         ; IRETQ frame (SDM Vol.3 6.14.3): SS, RSP,
	push qword [G(rsp)]             ; RFLAGS, CS, RIP; to ring 1 or 3 (CS's RPL)
	mov rax, [G(rflags)]
	and eax, GUEST_RFLAGS_KEEP      ; IF 0 and IOPL 0: cli, sti, in, out, popf's IF
	or eax, 0x202                   ; all #GP or stay as they are in rings 1 and 3;
	                                ; IF 1: host interrupts reach our gates (irq_stubs)
	push rax
	push r9
	push qword [G(rip)]
	mov rax, [G(rax)]               ; every guest GPR: a hypercall's result in rax
	mov rbx, [G(rbx)]
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
.window_end:
	iretq

.segbase:                               ; off the hot path: two WRMSRs
	mov eax, [W(fs_base)]
	mov edx, [W(fs_base) + 4]
	mov ecx, MSR_FS_BASE
	wrmsr
	mov eax, [W(gs_base)]
	mov edx, [W(gs_base) + 4]
	mov ecx, MSR_GS_BASE
	wrmsr
	jmp .segbase_done

.hypervisor:                            ; nothing loaded yet: just return
	mov qword [G(exit)], PASSAGE_EXIT_HYPERVISOR
	jmp host_return

; An NMI arrived while enter was loading the guest world: leave the guest's
; saved context as it is, go back, and let the host take the NMI.
enter_abort:
	mov qword [G(exit)], PASSAGE_EXIT_ABORT
	jmp to_host

; ---------------------------------------------------------------------------
; The gates. Each exception gate pushes an error code (0 where the CPU pushes
; none) and its vector, so every frame is: vector, error, RIP, CS, RFLAGS,
; RSP, SS.
%macro SAVE_GUEST_GPRS 0
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
%endmacro

%assign v 0
%rep 32
gate_ %+ v:
%if !HAS_ERRCODE(v)
	push 0
%endif
	push v
%if v == 1 || v == 2 || v == 18
	jmp gate_async                  ; #DB, NMI, #MC
%else
	jmp gate_common
%endif
%assign v v + 1
%endrep

gate_common:
	test byte [rsp + 24], 3         ; the interrupted CS's RPL: 0 is the switch itself
	jz monitor_fault
	cmp rsp, [W(exc_rsp)]           ; from ring 1 or 3 the CPU switched to RSP0 (or
	je guest_exit                   ; IST1 for #DF): anything else is a guest that ran
	cmp rsp, [W(df_rsp)]            ; in ring 0 (QEMU's TCG after a null SS) and took
	jne bad_stack                   ; this gate without a stack switch
guest_exit:                             ; from ring 1: save the guest, go home
	SAVE_GUEST_GPRS
	pop qword [G(exit)]             ; the vector
	pop qword [G(error_code)]
	pop qword [G(rip)]
	pop qword [G(cs)]               ; GUEST_CS or USER_CS: which ring to return to
	pop qword [G(rflags)]
	pop qword [G(rsp)]              ; SS is left on the stack: to_host does not care
	mov rax, cr2                    ; SDM Vol.3 4.7: a #PF's linear address, read
	mov [G(cr2)], rax               ; before the host world can fault and change it
	jmp to_host

; #DB, NMI and #MC may also interrupt the switch itself (CPL 0).
gate_async:
	test byte [rsp + 24], 3
	jz .in_switch
	cmp rsp, [W(exc_rsp)]           ; as gate_common: from ring 1 or 3, on RSP0
	jne bad_stack
	cmp byte [rsp], 2
	jne guest_exit                  ; #DB for the guest's handler; #MC: monitor_step
	pushfq                          ; an NMI from the guest: NT says "owed" to to_host
	or dword [rsp], RFLAGS_NT       ; (the gate entry cleared NT: only we set it)
	popfq
	jmp guest_exit
.in_switch:
	cmp byte [rsp], 2
	je .nmi
	cmp byte [rsp], 1
	jne monitor_fault               ; #MC in the switch: the guest ends, host told
	or dword [rsp + 32], RFLAGS_RF  ; #DB (a host breakpoint): resume past it
	add rsp, 16
	iretq
.nmi:
	or dword [rsp + 32], RFLAGS_NT  ; the interrupted switch re-raises it
	push rax
	lea rax, [enter.window]
	cmp [rsp + 24], rax             ; interrupted RIP
	jb .resume
	lea rax, [enter.window_end]
	cmp [rsp + 24], rax
	ja .resume
	lea rax, [enter_abort]          ; enter is loading the guest world: give up the
	mov [rsp + 24], rax             ; entry instead of running the guest with it owed
.resume:
	pop rax
	add rsp, 16                     ; vector, error code
	iretq                           ; back into the switch (NMIs unblocked again)

; The host's interrupts, vectors 32-255 (but the hypercall gate's): the guest
; world runs with IF set, so each one that arrives while the guest runs comes
; here (interrupt gates: IF is clear in the switch itself). The guest is saved
; as for any exit; monitor_step re-raises the vector in the host world, where
; the host's own handler takes it, EOI included. One 8-byte stub per vector:
; PUSH imm8 (sign-extended, undone below), JMP rel32.
align 8
irq_stubs:
%assign v 32
%rep 224
	push byte (v < 128 ? v : v - 256)
	jmp near gate_irq
	align 8, int3
%assign v v + 1
%endrep

gate_irq:                               ; frame: vector, RIP, CS, RFLAGS, RSP, SS
	and qword [rsp], 0xff
	test byte [rsp + 16], 3
	jz .in_switch                   ; cannot happen (IF is clear there): a bug
	cmp rsp, [W(irq_rsp)]           ; as gate_common: from ring 1 or 3, on RSP0
	jne bad_stack
	SAVE_GUEST_GPRS
	pop qword [G(exit)]
	mov qword [G(error_code)], 0
	pop qword [G(rip)]
	pop qword [G(cs)]
	pop qword [G(rflags)]
	pop qword [G(rsp)]
	jmp to_host
.in_switch:
	push qword [rsp]                ; as the exception gates' frame: vector, error 0
	mov qword [rsp + 8], 0
	jmp monitor_fault

; An exit that came with no stack switch: the interrupted code ran in ring 0
; though its CS says ring 1 or 3 (QEMU's TCG takes CPL from SS's DPL, and a
; null SS loaded in ring 1 has DPL 0). Nothing here may trust that stack: the
; gate stack again, the guest's registers saved, the guest ended by name.
bad_stack:
	mov [G(bad_rsp)], rsp
	lea rsp, [G(gate_stack_top)]
	SAVE_GUEST_GPRS
	mov qword [G(exit)], PASSAGE_EXIT_BADSTACK
	jmp to_host

; Any other exception in the switch is a monitor bug: record it and go home.
monitor_fault:
	pop qword [G(mfault_vector)]
	pop qword [G(mfault_error)]
	pop qword [G(mfault_rip)]
	mov qword [G(exit)], PASSAGE_EXIT_MONITOR
	lea rsp, [G(gate_stack_top)]
	jmp to_host

; The hypercall gate (DPL 1: ring 1 only, never the switch or ring 3): the
; hot path, without the exception gates' vector and error code, into to_host.
gate_hc:
	cmp rsp, [W(hc_rsp)]            ; from ring 1 the CPU switched to RSP0: else the
	jne bad_stack                   ; guest ran in ring 0 (gate_common)
	SAVE_GUEST_GPRS
	mov qword [G(exit)], PASSAGE_HC_VECTOR
	pop qword [G(rip)]
	pop qword [G(cs)]
	pop qword [G(rflags)]
	pop qword [G(rsp)]
	; fall through

; ---------------------------------------------------------------------------
; Back to the host world, in the reverse order of enter. Idempotent: a fault
; inside it restarts it from the top (monitor_fault).
to_host:
	mov rax, [W(host_cr3)]
	mov cr3, rax                    ; the host's address space: page 5 is mapped again
	mov eax, [H(xsave_mask)]
	mov edx, [H(xsave_mask) + 4]
.fpu_save:                              ; patched: XSAVEOPT64 where the CPU has it,
	xsave64 [rel passage_base + PASSAGE_FPU_PAGE] ; FXSAVE64 where it has no XSAVE
	mov rax, [W(host_cr4)]
	cmp rax, [W(guest_cr4)]
	je .cr4_same
	mov cr4, rax                    ; PGE back (SDM Vol.3 4.10.4.1: flush)
.cr4_same:
	mov eax, [H(efer)]
	test eax, PASSAGE_EFER_CLEAR
	jz .efer_same
	mov edx, [H(efer) + 4]
	mov ecx, MSR_EFER
	wrmsr
.efer_same:
	cmp qword [H(sysenter_cs)], 0
	je .sysenter_same
	mov eax, [H(sysenter_cs)]
	mov ecx, MSR_SYSENTER_CS
	xor edx, edx
	wrmsr
.sysenter_same:
	lgdt [H(gdtr)]
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
	lidt [H(idtr)]                  ; the host's own handlers from here on
	pushfq
	pop rax                         ; NT: an NMI is owed to the host
	mov rsp, [H(rsp)]               ; the host stack: its handler may need room
	test eax, RFLAGS_NT
	jz host_return
	int 2                           ; SDM Vol.3 6.7: the NMI, re-raised in the host world
host_return:
	mov rbx, [H(rbx)]
	mov rbp, [H(rbp)]
	mov r12, [H(r12)]
	mov r13, [H(r13)]
	mov r14, [H(r14)]
	mov r15, [H(r15)]
	push qword [H(rflags)]
	popfq                           ; host interrupts back on if they were
	ret

align 2
gate_table:                             ; struct passage_code_hdr.gates_off
%assign v 0
%rep 32
	dw gate_ %+ v - passage_base
%assign v v + 1
%endrep
	dw gate_hc - passage_base
code_end:
