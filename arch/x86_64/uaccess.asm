; Fault-tolerant copies between kernel and user memory. A fault on the
; marked instructions resumes at the fixup (exception table, see traps.c),
; which reports how many bytes were left. Demand paging of user memory
; happens first in the #PF handler, so only truly bad addresses reach the
; fixup.

global arch_copy_user
global arch_clear_user

section .text
; u64 arch_copy_user(void *dst, const void *src, u64 n): bytes NOT copied
arch_copy_user:
	mov rcx, rdx
.copy:
	rep movsb
	xor eax, eax
	ret
.fault:
	mov rax, rcx
	ret

; u64 arch_clear_user(void *dst, u64 n): bytes NOT cleared
arch_clear_user:
	mov rcx, rsi
	xor eax, eax
.clear:
	rep stosb
	xor eax, eax
	ret
.fault:
	mov rax, rcx
	ret

section __ex_table align=8
	dq arch_copy_user.copy, arch_copy_user.fault, 0
	dq arch_clear_user.clear, arch_clear_user.fault, 0
