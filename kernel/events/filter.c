/* Tracepoint filters (PERF_EVENT_IOC_SET_FILTER) in Linux's syntax for
 * numeric fields: predicates "field OP value" with OP one of == != < <=
 * > >= & (bits in common), joined by && and || (&& binds tighter), with
 * parentheses and ! for negation. The fields are those the tracepoint's
 * format file lists (tracefs.c). A filter is compiled once into postfix
 * order and evaluated against the record being written. As on Linux an
 * event takes one filter for good (a second is EEXIST), and a bad one is
 * EINVAL and leaves the event unfiltered. */
#include <lib/errno.h>
#include <lib/string.h>
#include <kernel/heap.h>
#include <kernel/syscall.h>
#include <kernel/usermem.h>
#include <ringtail/tracepoints.h>
#include "internal.h"

#define MAX_FILTER 4096         /* Linux copies at most a page */
#define MAX_STACK 256           /* evaluation depth: bits in a u64[4] */

enum { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_AND_BITS };
enum { N_PRED, N_AND, N_OR, N_NOT };

struct node {
	u8 kind, op, size;
	bool is_signed;
	u16 off;
	u64 val;
};

struct perf_filter {
	int n;
	struct node prog[];
};

/* A field of tracepoint id by name: its offset, size and signedness in
 * the raw record (the layouts tracefs.c describes). */
static bool field_of(u64 id, const char *name, size_t len, struct node *out)
{
	static const struct { const char *name; u16 off; u8 size; bool is_signed; } common[] = {
		{ "common_type", 0, 2, false }, { "common_flags", 2, 1, false },
		{ "common_preempt_count", 3, 1, false }, { "common_pid", 4, 4, true },
	};
	for (size_t k = 0; k < ARRAY_SIZE(common); k++)
		if (strlen(common[k].name) == len && !memcmp(common[k].name, name, len)) {
			out->off = common[k].off;
			out->size = common[k].size;
			out->is_signed = common[k].is_signed;
			return true;
		}
#define IS(s) (len == sizeof(s) - 1 && !memcmp(name, s, len))
	out->size = 8;
	out->is_signed = true;
	if (id == RT_TP_RAW_SYSCALLS_SYS_ENTER || id == RT_TP_RAW_SYSCALLS_SYS_EXIT) {
		if (IS("id")) {
			out->off = 8;
			return true;
		}
		if (id == RT_TP_RAW_SYSCALLS_SYS_EXIT && IS("ret")) {
			out->off = 16;
			return true;
		}
		return false;           /* args[6] is an array: not filterable */
	}
	if (IS("__syscall_nr")) {
		out->off = 8;
		out->size = 4;
		return true;
	}
	if (id >= RT_TP_SYS_EXIT_BASE) {
		out->off = 16;
		return IS("ret");
	}
	int nr = (int)(id - RT_TP_SYS_ENTER_BASE), k = 0;
	if (len < 4 || memcmp(name, "arg", 3))
		return false;
	for (size_t i = 3; i < len; i++) {
		if (name[i] < '0' || name[i] > '9' || k > 5)
			return false;
		k = k * 10 + (name[i] - '0');
	}
	if (k >= syscall_nargs(nr))
		return false;
	out->off = (u16)(16 + 8 * k);
	out->is_signed = false;
	return true;
#undef IS
}

/* The parser is a shunting yard with its operator stack on the heap, so
 * nesting costs no kernel stack; every node consumes at least one byte of
 * the text, which bounds the program's length. */
struct parser {
	const char *s;
	u64 id;
	struct perf_filter *f;
	int cap;                /* nodes the program has room for */
	int nops;
	u8 ops[MAX_FILTER];     /* '(' or an N_* operator */
};

static void skip(struct parser *p)
{
	while (*p->s == ' ' || *p->s == '\t' || *p->s == '\n')
		p->s++;
}

static void emit(struct parser *p, struct node n)
{
	if (p->f->n < p->cap)
		p->f->prog[p->f->n++] = n;
}

/* A number for a field: negative ones only for signed fields (Linux
 * parses unsigned fields with kstrtoull, which refuses a sign). */
static bool number(struct parser *p, struct node *n)
{
	skip(p);
	bool neg = *p->s == '-';
	if (neg && !n->is_signed)
		return false;
	if (neg)
		p->s++;
	int base = 10;
	if (p->s[0] == '0' && (p->s[1] == 'x' || p->s[1] == 'X')) {
		base = 16;
		p->s += 2;
	} else if (p->s[0] == '0' && p->s[1] >= '0' && p->s[1] <= '7') {
		base = 8;
	}
	u64 v = 0;
	int digits = 0;
	for (;; p->s++, digits++) {
		char c = *p->s;
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10 : 99;
		if (d >= base)
			break;
		if (v > (~0ull - (u64)d) / (u64)base)
			return false;   /* overflow */
		v = v * (u64)base + (u64)d;
	}
	n->val = neg ? (u64)-(s64)v : v;
	return digits > 0;
}

static bool predicate(struct parser *p)
{
	const char *name = p->s;
	while ((*p->s >= 'a' && *p->s <= 'z') || (*p->s >= 'A' && *p->s <= 'Z') ||
	       (*p->s >= '0' && *p->s <= '9') || *p->s == '_')
		p->s++;
	struct node n = { .kind = N_PRED };
	if (p->s == name || !field_of(p->id, name, (size_t)(p->s - name), &n))
		return false;   /* no such field */
	skip(p);
	static const struct { const char *text; u8 op; } ops[] = {
		{ "==", OP_EQ }, { "!=", OP_NE }, { "<=", OP_LE }, { ">=", OP_GE },
		{ "<", OP_LT }, { ">", OP_GT }, { "&", OP_AND_BITS },
	};
	size_t k = 0;
	for (; k < ARRAY_SIZE(ops); k++)
		if (!strncmp(p->s, ops[k].text, strlen(ops[k].text)) &&
		    !(ops[k].op == OP_AND_BITS && p->s[1] == '&'))
			break;
	if (k == ARRAY_SIZE(ops))
		return false;
	p->s += strlen(ops[k].text);
	n.op = ops[k].op;
	if (!number(p, &n))
		return false;
	emit(p, n);
	return true;
}

/* An operand just ended: the negations waiting for it apply now. */
static void operand_done(struct parser *p)
{
	while (p->nops && p->ops[p->nops - 1] == N_NOT)
		emit(p, (struct node){ .kind = p->ops[--p->nops] });
}

/* Linux checks the parentheses before anything else: one ')' too many
 * is EPERM there, an unclosed '(' ENOENT (as measured on 6.1). */
static long check_parens(const char *s)
{
	int level = 0;
	for (; *s; s++) {
		if (*s == '(')
			level++;
		else if (*s == ')' && --level < 0)
			return -EPERM;
	}
	return level ? -ENOENT : 0;
}

static long parse(struct parser *p)
{
	long rc = check_parens(p->s);
	if (rc)
		return rc;
	bool want_operand = true;
	for (skip(p); *p->s || want_operand; skip(p)) {
		if (want_operand) {
			if (p->s[0] == '!' && p->s[1] != '=') {
				p->ops[p->nops++] = N_NOT;
				p->s++;
			} else if (*p->s == '(') {
				p->ops[p->nops++] = '(';
				p->s++;
			} else if (predicate(p)) {
				operand_done(p);
				want_operand = false;
			} else {
				return -EINVAL;
			}
			continue;
		}
		if (*p->s == ')') {
			while (p->ops[p->nops - 1] != '(')      /* balanced: check_parens */
				emit(p, (struct node){ .kind = p->ops[--p->nops] });
			p->nops--;
			p->s++;
			operand_done(p);
			continue;
		}
		u8 op;
		if (p->s[0] == '&' && p->s[1] == '&')
			op = N_AND;
		else if (p->s[0] == '|' && p->s[1] == '|')
			op = N_OR;
		else
			return -EINVAL;
		p->s += 2;
		/* && binds tighter than ||; both associate to the left. */
		while (p->nops && p->ops[p->nops - 1] != '(' &&
		       (p->ops[p->nops - 1] == N_AND || op == N_OR))
			emit(p, (struct node){ .kind = p->ops[--p->nops] });
		p->ops[p->nops++] = op;
		want_operand = true;
	}
	while (p->nops)
		emit(p, (struct node){ .kind = p->ops[--p->nops] });
	return 0;
}

static bool pred_true(const struct node *n, const u8 *raw)
{
	u64 v = 0;
	__builtin_memcpy(&v, raw + n->off, n->size);
	if (n->is_signed && n->size < 8 && (v >> (n->size * 8 - 1)) & 1)
		v |= ~0ull << (n->size * 8);            /* sign-extend */
	bool s = n->is_signed;
	switch (n->op) {
	case OP_EQ: return v == n->val;
	case OP_NE: return v != n->val;
	case OP_LT: return s ? (s64)v < (s64)n->val : v < n->val;
	case OP_LE: return s ? (s64)v <= (s64)n->val : v <= n->val;
	case OP_GT: return s ? (s64)v > (s64)n->val : v > n->val;
	case OP_GE: return s ? (s64)v >= (s64)n->val : v >= n->val;
	default: return (v & n->val) != 0;
	}
}

/* Runs in the tracepoint, maybe in an NMI: no locks, no allocation; the
 * stack of truth values is bits, its depth checked by stack_depth(). */
bool perf_filter_match(const struct perf_filter *f, const u8 *raw)
{
	u64 stack[MAX_STACK / 64] = { 0 };
	int sp = 0;
	for (int i = 0; i < f->n; i++) {
		const struct node *n = &f->prog[i];
		bool top = sp && (stack[(sp - 1) / 64] >> ((sp - 1) % 64)) & 1;
		bool below = sp > 1 && (stack[(sp - 2) / 64] >> ((sp - 2) % 64)) & 1;
		bool v;
		switch (n->kind) {
		case N_PRED:
			v = pred_true(n, raw);
			sp++;
			break;
		case N_NOT:
			v = !top;
			break;
		case N_AND:
			v = below && top;
			sp--;
			break;
		default:
			v = below || top;
			sp--;
			break;
		}
		u64 bit = 1ull << ((sp - 1) % 64);
		stack[(sp - 1) / 64] = v ? stack[(sp - 1) / 64] | bit : stack[(sp - 1) / 64] & ~bit;
	}
	return sp == 1 && (stack[0] & 1);
}

/* The deepest the evaluation stack gets, or -1 for a malformed program. */
static int stack_depth(const struct perf_filter *f)
{
	int sp = 0, max = 0;
	for (int i = 0; i < f->n; i++) {
		int k = f->prog[i].kind;
		if ((k == N_NOT && sp < 1) || ((k == N_AND || k == N_OR) && sp < 2))
			return -1;
		sp += k == N_PRED ? 1 : k == N_NOT ? 0 : -1;
		max = sp > max ? sp : max;
	}
	return sp == 1 ? max : -1;
}

long perf_set_filter(struct perf_event *e, u64 ustr)
{
	if (e->attr.type != PERF_TYPE_TRACEPOINT)
		return -EINVAL;
	struct parser *p = kmalloc(sizeof(*p));
	char *text = kmalloc(MAX_FILTER);
	long rc = p && text ? 0 : -ENOMEM;
	long len = rc ? 0 : strncpy_from_user(text, ustr, MAX_FILTER);
	if (len < 0)
		rc = len == -ENAMETOOLONG ? -EINVAL : len;
	struct perf_filter *f = NULL;
	if (!rc && READ_ONCE(e->filter)) {
		rc = -EEXIST;
	} else if (!rc) {
		f = kzalloc(sizeof(*f) + (size_t)(len + 1) * sizeof(struct node));
		if (!f) {
			rc = -ENOMEM;
		} else {
			*p = (struct parser){ .s = text, .id = e->attr.config, .f = f,
					      .cap = (int)len + 1 };
			rc = parse(p);
			int depth = rc ? 0 : stack_depth(f);
			if (!rc && (depth < 0 || depth > MAX_STACK || f->n >= p->cap))
				rc = -EINVAL;
		}
	}
	kfree(text);
	kfree(p);
	if (rc) {
		kfree(f);
		return rc;
	}
	/* Two racing setters: one wins, the other is EEXIST as if it came
	 * second. Set once, a filter is freed only with its event. */
	struct perf_filter *none = NULL;
	if (!__atomic_compare_exchange_n(&e->filter, &none, f, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_RELAXED)) {
		kfree(f);
		return -EEXIST;
	}
	return 0;
}

void perf_filter_free(struct perf_event *e)
{
	kfree(e->filter);
	e->filter = NULL;
}
