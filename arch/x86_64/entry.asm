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
global nmi_entry
global nmi_repeat
global nmi_last_window
global nmi_iret
global nmi_frame_lost


; Vectors for which the CPU pushes an error code.
%define HAS_ERR(v) ((v) == 8 || (v) == 10 || (v) == 11 || (v) == 12 || (v) == 13 || (v) == 14 || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)
; Vectors that take the paranoid path: #DB, #DF, #MC (NMI has its own).
%define PARANOID(v) ((v) == 1 || (v) == 8 || (v) == 18)

section .text

%macro ISR_STUB 1
align 16
isr_stub_%1:
%if (%1) == 2
	jmp nmi_entry               ; no pushes: see nmi_entry
%else
%if !HAS_ERR(%1)
	push 0
%endif
	push %1
%if PARANOID(%1)
	jmp paranoid_common
%else
	jmp trap_common
%endif
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
	call trap_dispatch
	add rsp, 16
	test ebx, ebx
	jz .no_swap
	swapgs
.no_swap:
	POP_REGS
	add rsp, 16
	iretq

; NMI. The CPU writes the NMI's frame at the top of the NMI IST stack (T)
; every time, so an NMI that nests inside another (possible once anything
; ends the hardware's NMI blocking early: an IRET inside the handler, and
; under load the emulator has been seen to let one in without any) would
; overwrite the outer one's frame, and the outer's IRET would then loop on
; its own exit code for ever. So the outer NMI copies its frame lower down
; first and returns through the copy; a nested NMI only writes the
; scratch area at the top, asks the outer to run the handlers once more,
; and returns at once. Layout below T (offsets from T):
;   -40..0    the frame the CPU writes (the outer's original, a nested one's)
;   -56..-40  a nested NMI's two scratch pushes
;   -64       "repeat": a nested NMI arrived; the outer runs nmi_dispatch again
;   -104..-64 the outer's copy of its frame, which its IRET uses
;   below     the outer's registers and C stack
NMI_REPEAT      equ -64
NMI_COPY        equ -104
nmi_entry:                          ; rsp = T - 40
	push rdx                    ; T - 48
	push rax                    ; T - 56
	mov rdx, [rsp + 16 + 24]    ; the interrupted RSP
	lea rax, [rsp + 56]         ; T
	cmp rdx, rax
	ja .first                   ; not on this stack: the first level
	sub rax, IST_STACK_SIZE
	cmp rdx, rax
	jbe .first
	; Nested: the outer NMI is somewhere between nmi_entry and its IRET.
	mov rdx, [rsp + 16]         ; where it was
	lea rax, [rel nmi_entry]
	cmp rdx, rax
	jb .mark
	lea rax, [rel nmi_copied]
	cmp rdx, rax
	jb nmi_frame_lost           ; before its copy was made: its frame is gone
	lea rax, [rel nmi_last_window]
	cmp rdx, rax
	je .restart
	lea rax, [rel nmi_iret]
	cmp rdx, rax
	je .restart
.mark:
	mov qword [rsp + 56 + NMI_REPEAT], 1
	pop rax
	pop rdx
	iretq                       ; back into the outer NMI
.restart:
	; The outer already looked at "repeat" and is about to return through
	; its copy: send it back to run the handlers again instead (its
	; registers are the interrupted code's again, its RSP is at the copy).
	lea rax, [rel nmi_repeat]
	mov [rsp + 16], rax
	pop rax
	pop rdx
	iretq
.first:
	mov qword [rsp + 56 + NMI_REPEAT], 0
%assign i 0
%rep 5
	mov rax, [rsp + 16 + i * 8]
	mov [rsp + 56 + NMI_COPY + i * 8], rax
%assign i i + 1
%endrep
	pop rax
	pop rdx
	lea rsp, [rsp + 40 + NMI_COPY]  ; rsp = T + NMI_COPY: the copy
nmi_copied:
nmi_repeat:
	push 0                      ; error code
	push 2                      ; vector
	PUSH_REGS
	cld
	xor ebx, ebx
	mov ecx, MSR_GS_BASE
	rdmsr
	test edx, edx
	js .nmi_gs_ok
	swapgs
	mov ebx, 1
.nmi_gs_ok:
	mov rdi, rsp
	push qword [rsp + 17 * 8]
	push rbp
	mov rbp, rsp
	call nmi_dispatch
	add rsp, 16
	test ebx, ebx
	jz .nmi_no_swap
	swapgs
.nmi_no_swap:
	POP_REGS
	add rsp, 16                 ; rsp = T + NMI_COPY
	cmp qword [rsp - NMI_COPY + NMI_REPEAT], 0
nmi_last_window:
	jne nmi_again
nmi_iret:
	iretq
nmi_again:
	mov qword [rsp - NMI_COPY + NMI_REPEAT], 0
	jmp nmi_repeat
nmi_frame_lost:
	ud2                         ; reported as #UD here: see nmi_entry

section .rodata
align 8
isr_stub_table:
%assign v 0
%rep 256
	dq isr_stub_ %+ v
%assign v v + 1
%endrep
