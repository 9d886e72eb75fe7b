/* Instruction builders for host tests and the fuzzer: one macro per
 * encoding, named after what it encodes (Linux's selftests use the same
 * idea; these are Ringtail's own). Each expands to a struct bpf_insn
 * initializer; I_LD_IMM64 and I_LD_MAP* expand to two. */
#pragma once
#include <linux/bpf.h>

#define I_RAW(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })

#define I_ALU64_IMM(op, d, i)  I_RAW(BPF_ALU64 | (op) | BPF_K, d, 0, 0, i)
#define I_ALU64_REG(op, d, s)  I_RAW(BPF_ALU64 | (op) | BPF_X, d, s, 0, 0)
#define I_ALU32_IMM(op, d, i)  I_RAW(BPF_ALU | (op) | BPF_K, d, 0, 0, i)
#define I_ALU32_REG(op, d, s)  I_RAW(BPF_ALU | (op) | BPF_X, d, s, 0, 0)
#define I_MOV64_IMM(d, i)      I_ALU64_IMM(BPF_MOV, d, i)
#define I_MOV64_REG(d, s)      I_ALU64_REG(BPF_MOV, d, s)
#define I_MOV32_IMM(d, i)      I_ALU32_IMM(BPF_MOV, d, i)
#define I_MOV32_REG(d, s)      I_ALU32_REG(BPF_MOV, d, s)
#define I_MOVSX64(d, s, bits)  I_RAW(BPF_ALU64 | BPF_MOV | BPF_X, d, s, bits, 0)
#define I_MOVSX32(d, s, bits)  I_RAW(BPF_ALU | BPF_MOV | BPF_X, d, s, bits, 0)
#define I_SDIV64_IMM(d, i)     I_RAW(BPF_ALU64 | BPF_DIV | BPF_K, d, 0, 1, i)
#define I_SDIV64_REG(d, s)     I_RAW(BPF_ALU64 | BPF_DIV | BPF_X, d, s, 1, 0)
#define I_SMOD64_REG(d, s)     I_RAW(BPF_ALU64 | BPF_MOD | BPF_X, d, s, 1, 0)
#define I_SDIV32_REG(d, s)     I_RAW(BPF_ALU | BPF_DIV | BPF_X, d, s, 1, 0)
#define I_SMOD32_REG(d, s)     I_RAW(BPF_ALU | BPF_MOD | BPF_X, d, s, 1, 0)
#define I_NEG64(d)             I_RAW(BPF_ALU64 | BPF_NEG, d, 0, 0, 0)
#define I_NEG32(d)             I_RAW(BPF_ALU | BPF_NEG, d, 0, 0, 0)
#define I_END(src, d, bits)    I_RAW(BPF_ALU | BPF_END | (src), d, 0, 0, bits)
#define I_BSWAP(d, bits)       I_RAW(BPF_ALU64 | BPF_END, d, 0, 0, bits)

#define I_LD_IMM64(d, v)                                                           \
	I_RAW(BPF_LD | BPF_IMM | BPF_DW, d, 0, 0, (__s32)(__u32)(__u64)(v)),       \
	I_RAW(0, 0, 0, 0, (__s32)(__u32)((__u64)(v) >> 32))
#define I_LD_MAP_FD(d, fd)                                                         \
	I_RAW(BPF_LD | BPF_IMM | BPF_DW, d, BPF_PSEUDO_MAP_FD, 0, fd), I_RAW(0, 0, 0, 0, 0)
#define I_LD_MAP_VALUE(d, fd, off)                                                 \
	I_RAW(BPF_LD | BPF_IMM | BPF_DW, d, BPF_PSEUDO_MAP_VALUE, 0, fd),          \
	I_RAW(0, 0, 0, 0, off)
#define I_LD_FUNC(d, rel)                                                          \
	I_RAW(BPF_LD | BPF_IMM | BPF_DW, d, BPF_PSEUDO_FUNC, 0, rel), I_RAW(0, 0, 0, 0, 0)

#define I_LDX(sz, d, s, o)     I_RAW(BPF_LDX | (sz) | BPF_MEM, d, s, o, 0)
#define I_LDSX(sz, d, s, o)    I_RAW(BPF_LDX | (sz) | BPF_MEMSX, d, s, o, 0)
#define I_STX(sz, d, s, o)     I_RAW(BPF_STX | (sz) | BPF_MEM, d, s, o, 0)
#define I_ST(sz, d, o, i)      I_RAW(BPF_ST | (sz) | BPF_MEM, d, 0, o, i)
#define I_ATOMIC(sz, op, d, s, o) I_RAW(BPF_STX | (sz) | BPF_ATOMIC, d, s, o, op)

#define I_JA(o)                I_RAW(BPF_JMP | BPF_JA, 0, 0, o, 0)
#define I_JA32(i)              I_RAW(BPF_JMP32 | BPF_JA, 0, 0, 0, i)
#define I_JMP_IMM(op, d, i, o) I_RAW(BPF_JMP | (op) | BPF_K, d, 0, o, i)
#define I_JMP_REG(op, d, s, o) I_RAW(BPF_JMP | (op) | BPF_X, d, s, o, 0)
#define I_JMP32_IMM(op, d, i, o) I_RAW(BPF_JMP32 | (op) | BPF_K, d, 0, o, i)
#define I_JMP32_REG(op, d, s, o) I_RAW(BPF_JMP32 | (op) | BPF_X, d, s, o, 0)
#define I_CALL(id)             I_RAW(BPF_JMP | BPF_CALL, 0, 0, 0, id)
#define I_CALL_REL(rel)        I_RAW(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, rel)
#define I_EXIT()               I_RAW(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
