/* printf-style formatter shared by the kernel and host tests. */
#include <lib/fmt.h>

struct spec {
	bool left, zero, plus, space, alt;
	int width;      /* -1: none */
	int prec;       /* -1: none */
	int len;        /* 0 int, 1 long, 2 long long/size_t/ptrdiff/intmax, -1 short, -2 char */
};

static void emit_pad(fmt_sink_fn sink, void *ctx, char c, int n, size_t *count)
{
	char buf[16];
	for (int i = 0; i < (int)sizeof(buf); i++)
		buf[i] = c;
	while (n > 0) {
		int k = n < (int)sizeof(buf) ? n : (int)sizeof(buf);
		sink(ctx, buf, k);
		*count += k;
		n -= k;
	}
}

static void emit(fmt_sink_fn sink, void *ctx, const char *s, size_t n, size_t *count)
{
	if (n) {
		sink(ctx, s, n);
		*count += n;
	}
}

static void format_str(fmt_sink_fn sink, void *ctx, const struct spec *sp,
		       const char *s, size_t *count)
{
	if (!s)
		s = "(null)";
	size_t n = 0;
	while (s[n] && (sp->prec < 0 || (int)n < sp->prec))
		n++;
	int pad = sp->width > (int)n ? sp->width - (int)n : 0;
	if (!sp->left)
		emit_pad(sink, ctx, ' ', pad, count);
	emit(sink, ctx, s, n, count);
	if (sp->left)
		emit_pad(sink, ctx, ' ', pad, count);
}

static void format_num(fmt_sink_fn sink, void *ctx, const struct spec *sp,
		       unsigned long long v, bool neg, unsigned base, bool upper,
		       bool is_ptr, size_t *count)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char buf[24];
	int n = 0;
	/* An explicit zero precision with a zero value prints no digits. */
	if (!(v == 0 && sp->prec == 0)) {
		do {
			buf[n++] = digits[v % base];
			v /= base;
		} while (v);
	}
	char prefix[3];
	int np = 0;
	if (neg)
		prefix[np++] = '-';
	else if (sp->plus && base == 10 && !is_ptr)
		prefix[np++] = '+';
	else if (sp->space && base == 10 && !is_ptr)
		prefix[np++] = ' ';
	if ((sp->alt || is_ptr) && base == 16 && (n > 0 && !(n == 1 && buf[0] == '0' && !is_ptr))) {
		prefix[np++] = '0';
		prefix[np++] = upper ? 'X' : 'x';
	}
	int zeros = 0;
	if (sp->alt && base == 8 && (n == 0 || buf[n - 1] != '0'))
		zeros = 1;
	if (sp->prec > n)
		zeros = sp->prec - n;
	int total = np + zeros + n;
	int pad = sp->width > total ? sp->width - total : 0;
	if (sp->zero && !sp->left && sp->prec < 0) {
		zeros += pad;
		pad = 0;
	}
	if (!sp->left)
		emit_pad(sink, ctx, ' ', pad, count);
	emit(sink, ctx, prefix, np, count);
	emit_pad(sink, ctx, '0', zeros, count);
	char rev[24];
	for (int i = 0; i < n; i++)
		rev[i] = buf[n - 1 - i];
	emit(sink, ctx, rev, n, count);
	if (sp->left)
		emit_pad(sink, ctx, ' ', pad, count);
}

size_t fmt_format(fmt_sink_fn sink, void *ctx, const char *fmt, va_list ap)
{
	size_t count = 0;
	while (*fmt) {
		const char *start = fmt;
		while (*fmt && *fmt != '%')
			fmt++;
		emit(sink, ctx, start, fmt - start, &count);
		if (!*fmt)
			break;
		fmt++; /* '%' */
		struct spec sp = { .width = -1, .prec = -1 };
		for (;; fmt++) {
			if (*fmt == '-') sp.left = true;
			else if (*fmt == '0') sp.zero = true;
			else if (*fmt == '+') sp.plus = true;
			else if (*fmt == ' ') sp.space = true;
			else if (*fmt == '#') sp.alt = true;
			else break;
		}
		if (*fmt == '*') {
			sp.width = va_arg(ap, int);
			if (sp.width < 0) {
				sp.left = true;
				sp.width = -sp.width;
			}
			fmt++;
		} else if (*fmt >= '0' && *fmt <= '9') {
			sp.width = 0;
			while (*fmt >= '0' && *fmt <= '9')
				sp.width = sp.width * 10 + (*fmt++ - '0');
		}
		if (*fmt == '.') {
			fmt++;
			sp.prec = 0;
			if (*fmt == '*') {
				sp.prec = va_arg(ap, int);
				if (sp.prec < 0)
					sp.prec = -1;
				fmt++;
			} else {
				while (*fmt >= '0' && *fmt <= '9')
					sp.prec = sp.prec * 10 + (*fmt++ - '0');
			}
		}
		if (*fmt == 'h') {
			sp.len = -1;
			if (*++fmt == 'h') { sp.len = -2; fmt++; }
		} else if (*fmt == 'l') {
			sp.len = 1;
			if (*++fmt == 'l') { sp.len = 2; fmt++; }
		} else if (*fmt == 'z' || *fmt == 't' || *fmt == 'j') {
			sp.len = 2;
			fmt++;
		}
		char c = *fmt;
		if (!c)
			break;
		fmt++;
		switch (c) {
		case 'd':
		case 'i': {
			long long v;
			if (sp.len >= 2) v = va_arg(ap, long long);
			else if (sp.len == 1) v = va_arg(ap, long);
			else v = va_arg(ap, int);
			if (sp.len == -1) v = (short)v;
			if (sp.len == -2) v = (signed char)v;
			unsigned long long u = v < 0 ? -(unsigned long long)v : (unsigned long long)v;
			format_num(sink, ctx, &sp, u, v < 0, 10, false, false, &count);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
		case 'o': {
			unsigned long long v;
			if (sp.len >= 2) v = va_arg(ap, unsigned long long);
			else if (sp.len == 1) v = va_arg(ap, unsigned long);
			else v = va_arg(ap, unsigned int);
			if (sp.len == -1) v = (unsigned short)v;
			if (sp.len == -2) v = (unsigned char)v;
			unsigned base = c == 'u' ? 10 : c == 'o' ? 8 : 16;
			format_num(sink, ctx, &sp, v, false, base, c == 'X', false, &count);
			break;
		}
		case 'p': {
			void *p = va_arg(ap, void *);
			if (!p) {
				format_str(sink, ctx, &sp, "(nil)", &count);
				break;
			}
			format_num(sink, ctx, &sp, (unsigned long long)(uintptr_t)p, false, 16,
				   false, true, &count);
			break;
		}
		case 'c': {
			char ch = (char)va_arg(ap, int);
			struct spec s2 = sp;
			s2.prec = 1;
			char tmp[2] = { ch, 0 };
			if (ch == 0) {
				/* a NUL character still counts as one character */
				int pad = sp.width > 1 ? sp.width - 1 : 0;
				if (!sp.left) emit_pad(sink, ctx, ' ', pad, &count);
				emit(sink, ctx, tmp, 1, &count);
				if (sp.left) emit_pad(sink, ctx, ' ', pad, &count);
			} else {
				format_str(sink, ctx, &s2, tmp, &count);
			}
			break;
		}
		case 's':
			format_str(sink, ctx, &sp, va_arg(ap, const char *), &count);
			break;
		case '%':
			emit(sink, ctx, "%", 1, &count);
			break;
		default:
			/* Unknown conversion: print it verbatim so the bug is visible. */
			emit(sink, ctx, "%", 1, &count);
			emit(sink, ctx, &c, 1, &count);
			break;
		}
	}
	return count;
}

struct buf_sink {
	char *buf;
	size_t size;
	size_t pos;
};

static void buf_sink_fn(void *ctx, const char *s, size_t n)
{
	struct buf_sink *b = ctx;
	for (size_t i = 0; i < n; i++, b->pos++)
		if (b->size && b->pos < b->size - 1)
			b->buf[b->pos] = s[i];
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct buf_sink b = { buf, size, 0 };
	size_t n = fmt_format(buf_sink_fn, &b, fmt, ap);
	if (size)
		buf[b.pos < size ? b.pos : size - 1] = 0;
	return (int)n;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
