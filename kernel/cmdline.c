/* The kernel command line: space-separated words, "key=value" or "flag".
 * Words after a lone "--" are not options; they are the arguments of the
 * program named by prog= (see kernel/init.c). */
#include <lib/string.h>
#include <kernel/bootinfo.h>
#include <kernel/cmdline.h>

static char cmdline[BOOT_CMDLINE_MAX];
static const char *tail = "";

void cmdline_init(const char *s)
{
	strlcpy(cmdline, s, sizeof(cmdline));
	for (char *p = cmdline; (p = strstr(p, "--"));) {
		bool start = p == cmdline || p[-1] == ' ';
		bool end = p[2] == 0 || p[2] == ' ';
		if (start && end) {
			*p = 0;         /* options end here */
			tail = p[2] ? p + 3 : "";
			break;
		}
		p += 2;
	}
}

const char *cmdline_raw(void) { return cmdline; }
const char *cmdline_tail(void) { return tail; }

/* Find word `key` (followed by '=' or the end of the word). */
static const char *find_word(const char *key, bool want_value)
{
	size_t n = strlen(key);
	for (const char *p = cmdline; *p;) {
		while (*p == ' ')
			p++;
		if (strncmp(p, key, n) == 0) {
			char c = p[n];
			if (want_value && c == '=')
				return p + n + 1;
			if (!want_value && (c == ' ' || c == 0))
				return p;
		}
		while (*p && *p != ' ')
			p++;
	}
	return NULL;
}

bool cmdline_get(const char *key, char *buf, size_t size)
{
	const char *v = find_word(key, true);
	if (!v)
		return false;
	size_t n = 0;
	while (v[n] && v[n] != ' ')
		n++;
	if (size) {
		size_t k = n < size - 1 ? n : size - 1;
		memcpy(buf, v, k);
		buf[k] = 0;
	}
	return true;
}

bool cmdline_has(const char *flag)
{
	return find_word(flag, false) != NULL;
}
