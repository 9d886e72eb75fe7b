; arch_call_catching_fault's low half: run fn(arg) and come back here with
; the stack as it was if the exception path abandons fn (arch/x86_64/traps.c
; resumes at catch_recover with the saved RSP). Callee-saved registers are
; restored from the stack, so fn may have clobbered them.

global catch_call
global catch_recover

section .text
; u64 catch_call(void (*fn)(void *), void *arg, u64 *saved_rsp)
;   returns 0 if fn returned, 1 if it faulted
catch_call:
	push rbp
	mov rbp, rsp
	push rbx
	push r12
	push r13
	push r14
	push r15
	sub rsp, 8                      ; keep the call 16-byte aligned
	mov [rdx], rsp
	mov rax, rdi
	mov rdi, rsi
	call rax
	xor eax, eax
	jmp catch_out
catch_recover:
	mov eax, 1
catch_out:
	add rsp, 8
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret
