/* tracing.c - the TRACING_DATA feature: what perf needs to decode the raw
 * data of tracepoint samples, in the layout perf's trace-event-read.c
 * reads: magic 23 8 68 "tracing", version "0.6", endianness, long size,
 * page size; tracefs's header_page and header_event files; no ftrace
 * formats; per system the format files of the events used; then empty
 * kallsyms, printk formats and saved cmdlines. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "rtperf.h"

static const char *const roots[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };

static char *tracefs_file(const char *rel, size_t *len)
{
	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		char path[256];
		snprintf(path, sizeof(path), "%s/%s", roots[i], rel);
		char *t = slurp(path, len);
		if (t)
			return t;
	}
	return NULL;
}

/* A tracefs file as "NAME\0", u64 size, the bytes. */
static int put_header_file(struct pd_buf *b, const char *name)
{
	char rel[64];
	size_t len;
	snprintf(rel, sizeof(rel), "events/%s", name);
	char *t = tracefs_file(rel, &len);
	if (!t)
		return -1;
	pd_put(b, name, strlen(name) + 1);
	pd_put_u64(b, len);
	pd_put(b, t, len);
	free(t);
	return 0;
}

int tracing_data(struct pd_buf *b, const struct rt_event *ev, int nev)
{
	static const u8 magic[] = { 23, 8, 68, 't', 'r', 'a', 'c', 'i', 'n', 'g' };
	u8 byte;
	pd_put(b, magic, sizeof(magic));
	pd_put(b, "0.6", 4);
	byte = 0;                               /* little endian */
	pd_put(b, &byte, 1);
	byte = sizeof(long);
	pd_put(b, &byte, 1);
	pd_put_u32(b, (u32)sysconf(_SC_PAGESIZE));
	if (put_header_file(b, "header_page") || put_header_file(b, "header_event"))
		return -1;
	pd_put_u32(b, 0);                       /* ftrace's own events: none */
	/* Systems in order of first use, each with its events. */
	const char *systems[RT_MAX_EVENTS];
	int nsys = 0;
	for (int i = 0; i < nev; i++) {
		if (!ev[i].tracepoint)
			continue;
		bool seen = false;
		for (int k = 0; k < nsys; k++)
			seen |= !strcmp(systems[k], ev[i].tp_system);
		if (!seen)
			systems[nsys++] = ev[i].tp_system;
	}
	pd_put_u32(b, (u32)nsys);
	for (int k = 0; k < nsys; k++) {
		u32 count = 0;
		for (int i = 0; i < nev; i++)
			count += ev[i].tracepoint && !strcmp(ev[i].tp_system, systems[k]);
		pd_put(b, systems[k], strlen(systems[k]) + 1);
		pd_put_u32(b, count);
		for (int i = 0; i < nev; i++) {
			if (!ev[i].tracepoint || strcmp(ev[i].tp_system, systems[k]))
				continue;
			char rel[160];
			size_t len;
			snprintf(rel, sizeof(rel), "events/%s/%s/format", ev[i].tp_system, ev[i].tp_name);
			char *t = tracefs_file(rel, &len);
			if (!t)
				return -1;
			pd_put_u64(b, len);
			pd_put(b, t, len);
			free(t);
		}
	}
	pd_put_u32(b, 0);                       /* kallsyms: perf uses its own */
	pd_put_u32(b, 0);                       /* printk formats */
	pd_put_u64(b, 0);                       /* saved cmdlines */
	return b->err ? -1 : 0;
}
