; Interrupt and exception entry.
;
; Every vector gets a small stub that makes the stack look the same (an error
; code slot, the vector number) and jumps to a common path that saves all
; general registers as a struct trap_frame (arch/x86_64/include/arch/trap.h)
; and calls trap_dispatch(frame).
;
; GS: in kernel mode GS_BASE points at this CPU's struct cpu. Ordinary
; vectors can only arrive from user mode or from kernel code running with the
; kernel GS, so the saved CS says whether to SWAPGS. NMI, #MC, #DF and #DB can
; also hit the few instructions around SWAPGS in the SYSCALL path, so they
; ("paranoid" entries) read MSR_GS_BASE instead: a kernel pointer is negative.

%include "asm_defs.inc"

extern trap_dispatch
extern nmi_dispatch
global isr_stub_table
global trap_return_to


; Vectors for which the CPU pushes an error code.
%define HAS_ERR(v) ((v) == 8 || (v) == 10 || (v) == 11 || (v) == 12 || (v) == 13 || (v) == 14 || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)
; Vectors that take the paranoid path: #DB, NMI, #DF, #MC.
%define PARANOID(v) ((v) == 1 || (v) == 2 || (v) == 8 || (v) == 18)

section .text

%macro ISR_STUB 1
align 16
isr_stub_%1:
%if !HAS_ERR(%1)
	push 0
%endif
	push %1
%if PARANOID(%1)
	jmp paranoid_common
%else
	jmp trap_common
%endif
%endmacro

%assign v 0
%rep 256
	ISR_STUB v
%assign v v + 1
%endrep

; Frame offsets once the registers are pushed: vector at 15*8, error at
; 16*8, then the CPU's frame: rip 17*8, cs 18*8.
FRAME_CS equ 18 * 8

trap_common:
	PUSH_REGS
	test qword [rsp + FRAME_CS], 3
	jz .kernel_gs
	swapgs
.kernel_gs:
	cld
	mov rdi, rsp
	; Link a frame record so backtraces continue into the interrupted code.
	push qword [rsp + 17 * 8]   ; interrupted rip
	push rbp
	mov rbp, rsp
	call trap_dispatch
	add rsp, 16
; Also the first return of a new thread (kernel/thread.c builds a frame).
trap_return_to:
	test qword [rsp + FRAME_CS], 3
	jz .kernel_ret
	swapgs
.kernel_ret:
	POP_REGS
	add rsp, 16                 ; vector and error code
	iretq

paranoid_common:
	PUSH_REGS
	cld
	xor ebx, ebx                ; rbx (callee-saved): 1 if we swapped GS
	mov ecx, MSR_GS_BASE
	rdmsr
	test edx, edx
	js .gs_ok
	swapgs
	mov ebx, 1
.gs_ok:
	mov rdi, rsp
	push qword [rsp + 17 * 8]
	push rbp
	mov rbp, rsp
	cmp qword [rdi + 15 * 8], 2
	jne .not_nmi
	call nmi_dispatch
	jmp .paranoid_done
.not_nmi:
	call trap_dispatch
.paranoid_done:
	add rsp, 16
	test ebx, ebx
	jz .no_swap
	swapgs
.no_swap:
	POP_REGS
	add rsp, 16
	iretq

section .rodata
align 8
isr_stub_table:
%assign v 0
%rep 256
	dq isr_stub_ %+ v
%assign v v + 1
%endrep
