; Thread switching (see kernel/sched.c for the locking protocol).
;
; switch_stacks(prev, next): push the callee-saved registers on prev's
; kernel stack, save RSP in prev->ksp (offset 0 of struct thread), load
; next->ksp, pop next's registers, then call sched_finish_switch(prev) on
; next's stack before returning into next's code. A new thread's stack is
; prepared (arch/x86_64/thread.c) to look as if it had called us, with a
; trampoline as the return address.

extern sched_finish_switch
extern kthread_entry
extern trap_return_to
global switch_stacks
global thread_trampoline_kernel
global thread_trampoline_user

section .text
switch_stacks:
	push rbp
	push rbx
	push r12
	push r13
	push r14
	push r15
	mov [rdi], rsp
	mov rsp, [rsi]
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	; rdi is still prev
	call sched_finish_switch
	ret

; First run of a kernel thread: kthread_entry() runs current->kfn.
thread_trampoline_kernel:
	xor ebp, ebp
	call kthread_entry
	ud2                             ; kthread_entry never returns

; First run of a user thread: the trap frame is right above us.
thread_trampoline_user:
	jmp trap_return_to
