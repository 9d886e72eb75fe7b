; void nmi_regs_probe(u64 *out, volatile u32 *icr_lo)
; Fill 14 general registers with known patterns, send a self-NMI by writing
; NMI delivery | assert (0x4400, no shorthand) to ICR_LO (the caller set
; ICR_HI to this CPU's APIC ID), spin long enough for it to arrive, then
; store the registers: the NMI must have left every one of them intact.

global nmi_regs_probe
global nmi_regs_probe_end

section .text
nmi_regs_probe:
	push rbp
	mov rbp, rsp
	push rbx
	push r12
	push r13
	push r14
	push r15
	push rdi                        ; out
	mov rax, rsi                    ; ICR address, the only scratch register
	mov rbx, 0x1111111111111111
	mov rcx, 0x2222222222222222
	mov rdx, 0x3333333333333333
	mov rsi, 0x4444444444444444
	mov rdi, 0x5555555555555555
	mov rbp, 0x6666666666666666
	mov r8,  0x7777777777777777
	mov r9,  0x8888888888888888
	mov r10, 0x9999999999999999
	mov r11, 0xaaaaaaaaaaaaaaaa
	mov r12, 0xbbbbbbbbbbbbbbbb
	mov r13, 0xcccccccccccccccc
	mov r14, 0xdddddddddddddddd
	mov r15, 0xeeeeeeeeeeeeeeee
	mov dword [rax], 0x4400         ; the ICR write: the NMI fires now
	mov eax, 2000000
.spin:
	pause
	dec eax
	jnz .spin
	mov rax, [rsp]                  ; out
	mov [rax + 0 * 8], rbx
	mov [rax + 1 * 8], rcx
	mov [rax + 2 * 8], rdx
	mov [rax + 3 * 8], rsi
	mov [rax + 4 * 8], rdi
	mov [rax + 5 * 8], rbp
	mov [rax + 6 * 8], r8
	mov [rax + 7 * 8], r9
	mov [rax + 8 * 8], r10
	mov [rax + 9 * 8], r11
	mov [rax + 10 * 8], r12
	mov [rax + 11 * 8], r13
	mov [rax + 12 * 8], r14
	mov [rax + 13 * 8], r15
	pop rdi
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret
nmi_regs_probe_end:
