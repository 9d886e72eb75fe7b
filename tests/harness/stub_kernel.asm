; Stand-in kernel for the harness self-test: a Multiboot2 image that prints
; canned serial output chosen by the first letter of its command line, then
; ends the way a real kernel would (debug-exit code, hang, triple fault).
bits 32
section .text
align 8
mb2_start:
	dd 0xe85250d6, 0, mb2_end - mb2_start, -(0xe85250d6 + (mb2_end - mb2_start))
	dw 0, 0
	dd 8
mb2_end:

global _start
_start:
	mov esp, stack_top
	mov al, 'p'                 ; default mode if there is no command line
	lea esi, [ebx + 8]          ; first Multiboot2 info tag
.tag:	mov ecx, [esi]
	test ecx, ecx
	jz .mode
	cmp ecx, 1                  ; command line tag
	je .cmd
	mov ecx, [esi + 4]
	add ecx, 7
	and ecx, ~7
	add esi, ecx
	jmp .tag
.cmd:	mov al, [esi + 8]
.mode:	mov edi, modes
.find:	mov ah, [edi]
	test ah, ah
	jz .unknown
	cmp ah, al
	je .run
	add edi, 12
	jmp .find
.unknown:
	mov edi, modes              ; unknown letter: pass mode
.run:	mov esi, [edi + 4]
	call puts
	jmp [edi + 8]

puts:	lodsb
	test al, al
	jz .done
	mov ah, al
	mov dx, 0x3fd
.wait:	in al, dx
	test al, 0x20
	jz .wait
	mov al, ah
	mov dx, 0x3f8
	out dx, al
	jmp puts
.done:	ret

exit_ok:
	mov al, 0x10
	jmp do_exit
exit_fail:
	mov al, 0x11
do_exit:
	mov dx, 0xf4
	out dx, al
	jmp hang
hang:	cli
	hlt
	jmp hang
triple:
	lidt [null_idt]
	int3                        ; no IDT: #GP -> #DF -> triple fault

section .data
null_idt: dw 0
	dd 0
%define NL 13, 10
modes:	; letter, message, ending
	dd 'p', s_pass, exit_ok
	dd 'f', s_fail, exit_fail
	dd 'c', s_crash, exit_fail
	dd 'h', s_hang, hang
	dd 't', s_triple, triple
	dd 'i', s_incomplete, exit_ok
	dd 'n', s_noktap, exit_ok
	dd 0, 0, 0
s_pass:	db "Ringtail stub: pass", NL, "KTAP version 1", NL, "1..1", NL
	db "    KTAP version 1", NL, "    # Subtest: stub", NL, "    1..2", NL
	db "    ok 1 first", NL, "    ok 2 second", NL, "ok 1 stub", NL, 0
s_fail:	db "Ringtail stub: fail", NL, "KTAP version 1", NL, "1..1", NL
	db "    KTAP version 1", NL, "    # Subtest: stub", NL, "    1..2", NL
	db "    ok 1 first", NL, "    # stub.c:7: expected 1 == 2", NL
	db "    not ok 2 second", NL, "not ok 1 stub", NL, 0
s_crash: db "Ringtail stub: crash", NL, "KTAP version 1", NL, "1..2", NL, "ok 1 first", NL
	db "PANIC: page fault at 0x0000000000000000, RIP=0xffffffff80101234", NL, 0
s_hang:	db "Ringtail stub: hang", NL, "KTAP version 1", NL, "1..1", NL, 0
s_triple: db "Ringtail stub: triple", NL, "KTAP version 1", NL, "1..1", NL, 0
s_incomplete: db "Ringtail stub: incomplete", NL, "KTAP version 1", NL, "1..3", NL
	db "ok 1 first", NL, 0
s_noktap: db "Ringtail stub: no tests here", NL, 0

section .bss
align 16
	resb 4096
stack_top:
