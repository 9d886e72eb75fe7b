; SYSCALL entry and exit.
;
; SYSCALL leaves the user RIP in RCX and RFLAGS in R11, masks RFLAGS with
; MSR_FMASK (IF, TF, DF, AC, NT off) and does not switch stacks. We switch to
; this thread's kernel stack (struct cpu.kernel_rsp), build the same
; struct trap_frame an interrupt from user mode would have, and call
; syscall_dispatch(frame). The result goes back in the frame's RAX.
;
; Exit uses SYSRET only when the frame is the plain expected one (user CS
; and SS, a canonical user RIP below TASK_SIZE, no TF/RF/NT): SYSRET with a
; non-canonical RCX faults in ring 0 on the user's stack on Intel CPUs, and
; a frame changed by a signal or clone may need IRET anyway.

%include "asm_defs.inc"

extern syscall_dispatch
extern trap_return_to
global syscall_entry

SYSCALL_VECTOR  equ 0x100
TASK_SIZE       equ 0x00007ffffffff000
BAD_FLAGS       equ (1 << 8) | (1 << 14) | (1 << 16) | (1 << 17)   ; TF NT RF VM

section .text
syscall_entry:
	swapgs
	mov [gs:CPU_USER_RSP], rsp
	mov rsp, [gs:CPU_KERNEL_RSP]
	push GDT_USER_DS                ; ss
	push qword [gs:CPU_USER_RSP]    ; rsp
	push r11                        ; rflags
	push GDT_USER_CS                ; cs
	push rcx                        ; rip
	push rax                        ; error_code slot: the syscall number
	push SYSCALL_VECTOR             ; vector
	PUSH_REGS
	xor ebp, ebp                    ; user RBP is not a kernel frame
	mov rdi, rsp
	cld
	call syscall_dispatch           ; returns with interrupts disabled

	; Can this return use SYSRET?
	cmp qword [rsp + 18 * 8], GDT_USER_CS
	jne .use_iret
	cmp qword [rsp + 21 * 8], GDT_USER_DS
	jne .use_iret
	mov rcx, TASK_SIZE
	cmp [rsp + 17 * 8], rcx
	jae .use_iret
	test qword [rsp + 19 * 8], BAD_FLAGS
	jnz .use_iret

	POP_REGS
	; [rsp]: vector, error, rip, cs, rflags, rsp, ss
	mov rcx, [rsp + 2 * 8]          ; SYSRET takes RIP from RCX ...
	mov r11, [rsp + 4 * 8]          ; ... and RFLAGS from R11
	mov rsp, [rsp + 5 * 8]
	swapgs
	o64 sysret

.use_iret:
	jmp trap_return_to
