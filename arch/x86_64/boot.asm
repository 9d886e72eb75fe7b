; Boot entry: Multiboot headers, then 32-bit protected mode -> long mode ->
; the higher half -> kmain(magic, info_phys).
;
; GRUB (Multiboot2) and QEMU -kernel (Multiboot1, via the address fields) both
; enter _start in 32-bit protected mode with paging off, EAX = loader magic,
; EBX = physical address of the boot information. Until paging is enabled
; every address must be physical: PHYS(sym) = sym - KERNEL_VMA.

%include "asm_defs.inc"

extern kmain
extern __kernel_start, __data_end, __kernel_end, __bss_start, __bss_end

global _start
global boot_pml4, boot_stack_top, boot_stack_bottom
global gdt64_boot_ptr

MB2_MAGIC       equ 0xe85250d6
MB2_ARCH_I386   equ 0
MB1_MAGIC       equ 0x1badb002
MB1_FLAGS       equ (1 << 0) | (1 << 1) | (1 << 16) ; align mods, mem info, addresses

BOOT_STACK_SIZE equ 16384

section .multiboot progbits alloc noexec nowrite align=8
mb2_header:
	dd MB2_MAGIC
	dd MB2_ARCH_I386
	dd mb2_header_end - mb2_header
	dd 0x100000000 - (MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	align 8
	; entry address tag: the physical entry, independent of ELF e_entry
	dw 3, 0
	dd 12
	dd PHYS(_start)
	align 8
	dw 0, 0                 ; end tag
	dd 8
mb2_header_end:

	align 4
mb1_header:
	dd MB1_MAGIC
	dd MB1_FLAGS
	dd 0x100000000 - (MB1_MAGIC + MB1_FLAGS)
	dd PHYS(mb1_header)      ; header_addr
	dd PHYS(__kernel_start)  ; load_addr
	dd PHYS(__data_end)      ; load_end_addr
	dd PHYS(__kernel_end)    ; bss_end_addr
	dd PHYS(_start)          ; entry_addr

section .boot.text progbits alloc exec nowrite align=16
bits 32
_start:
	cli
	cld
	mov esi, eax                    ; loader magic
	mov ebp, ebx                    ; boot info physical address
	; Zero .bss ourselves: not every loader does (QEMU's Multiboot1 path
	; copies the image but leaves the rest of memory as it was).
	mov edi, PHYS(__bss_start)
	mov ecx, PHYS(__bss_end)
	sub ecx, edi
	shr ecx, 2
	xor eax, eax
	rep stosd
	mov esp, PHYS(boot_stack_top)
	push esi                        ; [esp+4]: loader magic, for kmain
	push ebp                        ; [esp+0]: boot info physical address

	; Long mode needs CPUID leaf 0x80000001 EDX bit 29.
	mov eax, 0x80000000
	cpuid
	cmp eax, 0x80000001
	jb .no_long_mode
	mov eax, 0x80000001
	cpuid
	test edx, 1 << 29
	jz .no_long_mode
	mov ebp, edx                    ; keep bit 20 (NX) for EFER below

	; Boot page tables (zeroed with .bss), all 2 MiB pages over 4 GiB:
	;   identity            PML4[0]   -> pdpt_low
	;   direct map          PML4[256] -> pdpt_low   (0xffff800000000000)
	;   kernel image        PML4[511] -> pdpt_high  (0xffffffff80000000)
	; kmain replaces these with the final tables (arch/x86_64/mmu.c).

	mov eax, PHYS(boot_pdpt_low) + 3
	mov [PHYS(boot_pml4) + 0 * 8], eax
	mov [PHYS(boot_pml4) + 256 * 8], eax
	mov eax, PHYS(boot_pdpt_high) + 3
	mov [PHYS(boot_pml4) + 511 * 8], eax

	mov ecx, 0                      ; pdpt_low[0..3] -> pd[0..3]
.fill_pdpt:
	mov eax, ecx
	shl eax, 12
	add eax, PHYS(boot_pd) + 3
	mov [PHYS(boot_pdpt_low) + ecx * 8], eax
	inc ecx
	cmp ecx, 4
	jb .fill_pdpt
	mov eax, PHYS(boot_pd) + 3      ; -2 GiB .. -1 GiB -> first GiB
	mov [PHYS(boot_pdpt_high) + 510 * 8], eax
	mov eax, PHYS(boot_pd) + 4096 + 3
	mov [PHYS(boot_pdpt_high) + 511 * 8], eax

	mov ecx, 0                      ; 2048 PDEs = 4 GiB
.fill_pd:
	mov eax, ecx
	shl eax, 21
	or eax, 0x83                    ; present, writable, 2 MiB
	mov [PHYS(boot_pd) + ecx * 8], eax
	mov eax, ecx
	shr eax, 11                     ; high dword of the 2 MiB frame
	mov [PHYS(boot_pd) + ecx * 8 + 4], eax
	inc ecx
	cmp ecx, 2048
	jb .fill_pd

	mov eax, PHYS(boot_pml4)
	mov cr3, eax
	mov eax, cr4
	or eax, CR4_PAE | CR4_PGE
	mov cr4, eax

	mov ecx, MSR_EFER
	rdmsr
	or eax, EFER_LME
	test ebp, 1 << 20
	jz .no_nx
	or eax, EFER_NXE
.no_nx:
	wrmsr

	mov eax, cr0
	or eax, CR0_PG | CR0_WP | CR0_PE
	mov cr0, eax

	lgdt [PHYS(gdt64_boot_ptr32)]
	jmp GDT_KERNEL_CS:PHYS(.long_mode)

.no_long_mode:
	; Say why on COM1 (no console driver yet), then stop.
	mov esi, PHYS(no_lm_msg)
.next_char:
	lodsb
	test al, al
	jz .halt
	mov dx, 0x3f8
	out dx, al
	jmp .next_char
.halt:
	hlt
	jmp .halt

bits 64
.long_mode:
	mov ax, GDT_KERNEL_DS
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor eax, eax
	mov fs, ax
	mov gs, ax
	mov esi, [rsp]                  ; info (the 32-bit pushes above)
	mov edi, [rsp + 4]              ; magic
	mov rax, .higher_half
	jmp rax

section .text
.higher_half:
	lgdt [gdt64_boot_ptr]           ; same GDT, now through its virtual address
	mov rsp, boot_stack_top
	xor ebp, ebp                    ; terminates frame-pointer backtraces
	; edi = magic, esi = info physical address (32-bit movs zero-extend)
	call kmain
.hang:
	cli
	hlt
	jmp .hang

section .rodata
no_lm_msg: db "Ringtail: this CPU has no long mode (x86_64); halting.", 13, 10, 0

align 16
gdt64_boot:
	dq 0                            ; null
	dq 0x00af9a000000ffff           ; 0x08 kernel code, 64-bit
	dq 0x00cf92000000ffff           ; 0x10 kernel data
gdt64_boot_end:

align 8
gdt64_boot_ptr32:                       ; used in 32-bit mode (physical base)
	dw gdt64_boot_end - gdt64_boot - 1
	dd PHYS(gdt64_boot)
align 8
gdt64_boot_ptr:                         ; used in 64-bit mode (virtual base)
	dw gdt64_boot_end - gdt64_boot - 1
	dq gdt64_boot

section .bss nobits alloc noexec write align=4096
boot_tables_start:
boot_pml4:      resb 4096
boot_pdpt_low:  resb 4096
boot_pdpt_high: resb 4096
boot_pd:        resb 4096 * 4
boot_tables_end:
boot_stack_bottom:
	resb BOOT_STACK_SIZE
boot_stack_top:
