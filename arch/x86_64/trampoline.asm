; Application processor start-up code. The boot CPU copies this blob to
; TRAMPOLINE (a page below 1 MiB that the frame allocator never hands out),
; fills in the parameter block at its end, and sends INIT-SIPI-SIPI with
; vector TRAMPOLINE >> 12. The AP starts in 16-bit real mode at
; TRAMPOLINE:0, and walks real mode -> protected mode -> long mode on the
; page tables in `tr_cr3` (identity map of the low 1 GiB plus the kernel
; half), then jumps to ap_entry(struct cpu *) on its own stack.
;
; All addresses inside the blob are computed relative to its start, since it
; runs at TRAMPOLINE, not where it was linked.

%include "asm_defs.inc"

TRAMPOLINE      equ 0x8000
%define TR(x)   ((x) - trampoline_start + TRAMPOLINE)

global trampoline_start, trampoline_end
global tr_cr3, tr_stack, tr_entry, tr_cpu, tr_ready

section .rodata
align 16
bits 16
trampoline_start:
	cli
	cld
	xor ax, ax
	mov ds, ax
	mov es, ax
	mov ss, ax
	lgdt [TR(tr_gdt_ptr)]
	mov eax, cr0
	or eax, CR0_PE
	mov cr0, eax
	jmp dword 0x08:TR(.pm32)

bits 32
.pm32:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov eax, cr4
	or eax, CR4_PAE | CR4_PGE
	mov cr4, eax
	mov eax, [TR(tr_cr3)]
	mov cr3, eax
	mov ecx, MSR_EFER
	rdmsr
	or eax, EFER_LME | EFER_NXE | EFER_SCE
	wrmsr
	mov eax, cr0
	or eax, CR0_PG | CR0_WP
	mov cr0, eax
	jmp 0x18:TR(.lm64)

bits 64
.lm64:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov rsp, [TR(tr_stack)]
	mov rdi, [TR(tr_cpu)]
	xor ebp, ebp
	mov rax, [TR(tr_entry)]
	call rax                        ; never returns
.hang:
	cli
	hlt
	jmp .hang

align 16
tr_gdt:
	dq 0
	dq 0x00cf9a000000ffff           ; 0x08 32-bit code
	dq 0x00cf92000000ffff           ; 0x10 data
	dq 0x00af9a000000ffff           ; 0x18 64-bit code
tr_gdt_end:
tr_gdt_ptr:
	dw tr_gdt_end - tr_gdt - 1
	dd TR(tr_gdt)

; Parameter block, filled in by the boot CPU for each AP in turn.
align 8
tr_cr3:   dq 0                      ; page tables (below 4 GiB)
tr_stack: dq 0                      ; initial stack top (kernel virtual)
tr_entry: dq 0                      ; ap_entry
tr_cpu:   dq 0                      ; struct cpu *
tr_ready: dq 0                      ; unused by the AP: ap_entry reports
trampoline_end:
