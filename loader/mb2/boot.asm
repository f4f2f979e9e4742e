; The bare-metal host's first instructions: the Multiboot2 header, the 32-bit
; entry GRUB jumps to, and the switch to long mode with an identity map of the
; first 4 GiB (2 MiB pages). Then mb2_main(magic, mbi) in C.
%define MB2_HEADER_MAGIC 0xe85250d6   ; Multiboot2 spec 3.1.1
%define MB2_ARCH_I386 0               ; spec 3.1.2: 32-bit protected mode entry
%define MB2_BOOTLOADER_MAGIC 0x36d76289

section .multiboot2 progbits alloc noexec nowrite align=8
mb2_header:                           ; spec 3.1: within the first 32 KiB, 8-aligned
	dd MB2_HEADER_MAGIC
	dd MB2_ARCH_I386
	dd mb2_header_end - mb2_header
	dd -(MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	dw 0, 0                           ; end tag: type 0, flags 0, size 8
	dd 8
mb2_header_end:

section .boot.text progbits alloc exec nowrite align=16
bits 32
global _start
extern mb2_main
_start:                               ; spec 3.3: EAX magic, EBX info, protected mode,
	cli                               ; paging off, interrupts off, no valid stack
	mov esp, boot_stack_top
	mov edi, eax                      ; keep magic and info for mb2_main
	mov esi, ebx
	mov eax, 0x80000001               ; SDM Vol.2 CPUID leaf 80000001H:
	cpuid                             ; EDX bit 29 long mode, bit 20 NX
	bt edx, 29
	jnc no_long_mode

	; Identity map 0-4 GiB: PML4[0] -> PDPT, PDPT[0..3] -> four PDs of 2 MiB pages.
	; SDM Vol.3 4.5.4: PDE with PS=1 maps 2 MiB. The tables are zeroed first.
	mov edx, edi                      ; rep stosd uses edi: park the magic
	mov edi, boot_pml4
	mov ecx, 6 * 4096 / 4
	xor eax, eax
	rep stosd
	mov edi, edx
	mov dword [boot_pml4], boot_pdpt + 3        ; present, writable
	mov dword [boot_pdpt + 0], boot_pd + 0x0000 + 3
	mov dword [boot_pdpt + 8], boot_pd + 0x1000 + 3
	mov dword [boot_pdpt + 16], boot_pd + 0x2000 + 3
	mov dword [boot_pdpt + 24], boot_pd + 0x3000 + 3
	mov ecx, 0                        ; 2048 PDEs: 2 MiB * i | PS | W | P
.pde:
	mov eax, ecx
	shl eax, 21
	or eax, 0x83
	mov [boot_pd + ecx * 8], eax
	mov eax, ecx
	shr eax, 11                       ; bits 32+ of the address
	mov [boot_pd + ecx * 8 + 4], eax
	inc ecx
	cmp ecx, 2048
	jne .pde

	mov eax, cr4
	or eax, 1 << 5                    ; SDM Vol.3 2.5: CR4.PAE, required for IA-32e
	mov cr4, eax
	mov eax, boot_pml4
	mov cr3, eax
	mov ecx, 0xc0000080               ; IA32_EFER
	rdmsr
	or eax, (1 << 8) | (1 << 11)      ; SDM Vol.3 2.2.1: LME, and NXE for the guest's NX
	wrmsr
	mov eax, cr0
	or eax, (1 << 31) | (1 << 16) | 1 ; PG, WP (ring 0 honours read-only pages), PE
	mov cr0, eax                      ; SDM Vol.3 10.8.5: IA-32e mode is now active
	lgdt [boot_gdt_ptr]
	jmp 0x08:long_entry               ; a 64-bit CS ends compatibility mode

no_long_mode:                         ; say so on COM1 and stop
	mov esi, no_lm_msg
.putc:
	lodsb
	test al, al
	jz .halt
	mov dx, 0x3f8
	out dx, al
	jmp .putc
.halt:
	hlt
	jmp .halt

bits 64
long_entry:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor eax, eax
	mov fs, ax
	mov gs, ax
	mov rsp, boot_stack_top
	mov edi, edi                      ; zero-extend magic and info pointer
	mov esi, esi
	call mb2_main
.hang:
	cli
	hlt
	jmp .hang

section .rodata
no_lm_msg: db "cokernel: this CPU has no long mode", 13, 10, 0
align 16
boot_gdt:                             ; SDM Vol.3 3.4.5: null, 64-bit code, data
	dq 0
	dq 0x00209a0000000000             ; 0x08: P, DPL0, code exec/read, L=1
	dq 0x0000920000000000             ; 0x10: P, DPL0, data read/write
boot_gdt_ptr:
	dw boot_gdt_ptr - boot_gdt - 1
	dq boot_gdt

section .bss
align 4096
boot_pml4: resb 4096
boot_pdpt: resb 4096
boot_pd: resb 4 * 4096
boot_stack: resb 32768
boot_stack_top:
