/* perf_data_read.c - reading Linux's perf.data from memory (file and pipe
 * mode): the header, attrs with their ids and EVENT_DESC names, the data
 * records and PERF_RECORD_SAMPLE fields. Every offset and size in the
 * file is checked before use: a damaged or truncated file is an error
 * with a reason, never a crash. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "perf_data.h"

static int fail(char *err, size_t n, const char *why)
{
	if (err && n)
		snprintf(err, n, "%s", why);
	return -1;
}

static bool in_file(const struct pd_reader *r, u64 off, u64 size)
{
	return off <= r->len && size <= r->len - off;
}

/* EVENT_DESC: u32 nr, u32 attr_size, then per event the attr, u32 nr_ids,
 * a header string (the name) and the ids. Names are matched to attrs by
 * their first id. */
static void read_event_desc(struct pd_reader *r)
{
	u64 size, pos = 8;
	const u8 *p = pd_reader_feature(r, PD_FEAT_EVENT_DESC, &size);
	if (!p || size < 8)
		return;
	u32 nr, asz;
	memcpy(&nr, p, 4);
	memcpy(&asz, p + 4, 4);
	r->names = calloc(1, size);
	if (!r->names)
		return;
	char *out = r->names;
	for (u32 i = 0; i < nr; i++) {
		u32 nids, slen;
		if (pos + asz + 8 > size)
			return;
		pos += asz;
		memcpy(&nids, p + pos, 4);
		memcpy(&slen, p + pos + 4, 4);
		pos += 8;
		if (slen > size - pos || (u64)nids * 8 > size - pos - slen)
			return;
		memcpy(out, p + pos, slen);
		out[slen ? slen - 1 : 0] = 0;
		pos += slen;
		u64 id0 = 0;
		if (nids)
			memcpy(&id0, p + pos, 8);
		for (int a = 0; a < r->nattr; a++)
			if (!r->attr[a].name && (r->nattr == (int)nr ? a == (int)i
					: r->attr[a].nr_ids && r->attr[a].ids[0] == id0))
				r->attr[a].name = out;
		out += slen + 1;
		pos += (u64)nids * 8;
	}
}

static int open_pipe(struct pd_reader *r, char *err, size_t n)
{
	/* HEADER_ATTR and HEADER_FEATURE records come before the data; the
	 * data section is the whole stream after the pipe header. */
	r->pipe = true;
	r->data_start = PD_PIPE_HEADER_SIZE;
	r->data_end = r->len;
	u64 pos = 0, nids = 0;
	bool bad = false;
	const struct perf_event_header *h;
	while ((h = pd_reader_next(r, &pos, &bad)))
		if (h->type == PD_RECORD_HEADER_ATTR && h->size >= 8 + PD_ATTR_SIZE)
			nids += (h->size - 8 - PD_ATTR_SIZE) / 8;
	if (bad)
		return fail(err, n, "a record runs past the end of the stream");
	r->id_store = calloc(nids + 1, 8);
	if (!r->id_store)
		return fail(err, n, "out of memory");
	pos = 0;
	u64 used = 0;
	while ((h = pd_reader_next(r, &pos, &bad))) {
		if (h->type == PD_RECORD_HEADER_FEATURE && h->size >= 16) {
			u64 f;
			memcpy(&f, h + 1, 8);
			if (f < PD_FEAT_BITS) {
				r->feat[f].offset = (u64)((const u8 *)h - r->buf) + 16;
				r->feat[f].size = h->size - 16;
			}
		}
		if (h->type != PD_RECORD_HEADER_ATTR || h->size < 8 + PD_ATTR_SIZE)
			continue;
		if (r->nattr == PD_MAX_ATTRS)
			return fail(err, n, "too many attrs");
		struct pd_attr *a = &r->attr[r->nattr++];
		memcpy(&a->attr, h + 1, PD_ATTR_SIZE);
		a->nr_ids = (u32)((h->size - 8 - PD_ATTR_SIZE) / 8);
		memcpy(r->id_store + used, (const u8 *)(h + 1) + PD_ATTR_SIZE, 8ULL * a->nr_ids);
		a->ids = r->id_store + used;
		used += a->nr_ids;
	}
	read_event_desc(r);
	return 0;
}

int pd_reader_open(struct pd_reader *r, const void *buf, size_t len, char *err, size_t n)
{
	memset(r, 0, sizeof(*r));
	r->buf = buf;
	r->len = len;
	if (len < PD_PIPE_HEADER_SIZE)
		return fail(err, n, "too short for a perf.data header");
	memcpy(&r->h, buf, len < sizeof(r->h) ? len : sizeof(r->h));
	if (r->h.magic != PD_MAGIC)
		return fail(err, n, "not a perf.data file (no PERFILE2 magic)");
	if (r->h.size == PD_PIPE_HEADER_SIZE)
		return open_pipe(r, err, n);
	if (len < PD_HEADER_SIZE || r->h.size != PD_HEADER_SIZE)
		return fail(err, n, "bad header size");
	u64 asz = r->h.attr_size;
	if (asz < PERF_ATTR_SIZE_VER0 + sizeof(struct pd_section) || asz > 4096)
		return fail(err, n, "bad attr size");
	if (!in_file(r, r->h.attrs.offset, r->h.attrs.size) || r->h.attrs.size % asz ||
	    r->h.attrs.size / asz > PD_MAX_ATTRS)
		return fail(err, n, "attrs section outside the file");
	if (!in_file(r, r->h.data.offset, r->h.data.size))
		return fail(err, n, "data section outside the file (truncated?)");
	r->nattr = (int)(r->h.attrs.size / asz);
	for (int i = 0; i < r->nattr; i++) {
		const u8 *p = r->buf + r->h.attrs.offset + i * asz;
		struct pd_section ids;
		size_t an = asz - sizeof(ids);
		memcpy(&r->attr[i].attr, p, an < sizeof(r->attr[i].attr) ? an : sizeof(r->attr[i].attr));
		memcpy(&ids, p + an, sizeof(ids));
		if (!in_file(r, ids.offset, ids.size) || ids.size % 8 || ids.offset % 8)
			return fail(err, n, "attr ids outside the file");
		r->attr[i].ids = (const u64 *)(r->buf + ids.offset);
		r->attr[i].nr_ids = (u32)(ids.size / 8);
	}
	r->data_start = r->h.data.offset;
	r->data_end = r->h.data.offset + r->h.data.size;
	/* The feature table follows the data: one section per bit set. */
	u64 pos = r->data_end;
	for (int f = 0; f < PD_FEAT_BITS; f++) {
		if (!(r->h.features[f / 64] >> (f % 64) & 1))
			continue;
		struct pd_section s;
		if (!in_file(r, pos, sizeof(s)))
			return fail(err, n, "feature table outside the file (truncated?)");
		memcpy(&s, r->buf + pos, sizeof(s));
		if (!in_file(r, s.offset, s.size))
			return fail(err, n, "a feature section is outside the file (truncated?)");
		r->feat[f] = s;
		pos += sizeof(s);
	}
	read_event_desc(r);
	return 0;
}

void pd_reader_close(struct pd_reader *r)
{
	free(r->id_store);
	free(r->names);
	r->id_store = NULL;
	r->names = NULL;
}

const u8 *pd_reader_feature(const struct pd_reader *r, int feat, u64 *size)
{
	*size = 0;
	if (feat <= 0 || feat >= PD_FEAT_BITS || !r->feat[feat].size)
		return NULL;
	*size = r->feat[feat].size;
	return r->buf + r->feat[feat].offset;
}

const struct perf_event_header *pd_reader_next(const struct pd_reader *r, u64 *pos, bool *bad)
{
	u64 p = *pos ? *pos : r->data_start;
	if (p >= r->data_end)
		return NULL;
	const struct perf_event_header *h = (const void *)(r->buf + p);
	if (r->data_end - p < sizeof(*h) || h->size < sizeof(*h) || h->size > r->data_end - p) {
		*bad = true;
		return NULL;
	}
	*pos = p + h->size;
	if (r->pipe && h->type == PD_RECORD_HEADER_TRACING_DATA && h->size == 12) {
		/* pipe mode: the tracing data follows its 12-byte record */
		u32 extra;
		memcpy(&extra, h + 1, 4);
		if (extra > r->data_end - *pos) {
			*bad = true;
			return NULL;
		}
		*pos += extra;
	}
	return h;
}

/* --- samples ------------------------------------------------------------------- */

/* Where the id sits: right after the header in samples with IDENTIFIER,
 * else after IP/TID/TIME/ADDR; at the end of sample_id_all trailers with
 * IDENTIFIER, else before STREAM_ID/CPU. */
static bool record_id(const struct pd_reader *r, const struct perf_event_header *h, u64 *id)
{
	u64 st = r->attr[0].attr.sample_type;
	const u64 *w = (const u64 *)(h + 1);
	size_t nw = (h->size - sizeof(*h)) / 8;
	if (h->type == PERF_RECORD_SAMPLE) {
		size_t i = 0;
		if (!(st & PERF_SAMPLE_IDENTIFIER)) {
			if (!(st & PERF_SAMPLE_ID))
				return false;
			i = !!(st & PERF_SAMPLE_IP) + !!(st & PERF_SAMPLE_TID) +
			    !!(st & PERF_SAMPLE_TIME) + !!(st & PERF_SAMPLE_ADDR);
		}
		if (i >= nw)
			return false;
		*id = w[i];
		return true;
	}
	if (h->type >= PD_RECORD_HEADER_ATTR || !r->attr[0].attr.sample_id_all)
		return false;
	size_t back = 1;
	if (!(st & PERF_SAMPLE_IDENTIFIER)) {
		if (!(st & PERF_SAMPLE_ID))
			return false;
		back = 1 + !!(st & PERF_SAMPLE_STREAM_ID) + !!(st & PERF_SAMPLE_CPU);
	}
	if (back > nw)
		return false;
	*id = w[nw - back];
	return true;
}

const struct pd_attr *pd_reader_attr_of(const struct pd_reader *r, const struct perf_event_header *h)
{
	u64 id;
	if (r->nattr == 1)
		return &r->attr[0];
	if (!r->nattr || !record_id(r, h, &id))
		return NULL;
	for (int a = 0; a < r->nattr; a++)
		for (u32 i = 0; i < r->attr[a].nr_ids; i++)
			if (r->attr[a].ids[i] == id)
				return &r->attr[a];
	return NULL;
}

static u64 read_words(u64 rf)
{
	return 1 + !!(rf & PERF_FORMAT_TOTAL_TIME_ENABLED) + !!(rf & PERF_FORMAT_TOTAL_TIME_RUNNING) +
	       !!(rf & PERF_FORMAT_ID) + !!(rf & PERF_FORMAT_LOST);
}

int pd_parse_sample(const struct perf_event_header *h, const struct perf_event_attr *a,
		    struct pd_sample *s)
{
	const u8 *p = (const u8 *)(h + 1), *end = (const u8 *)h + h->size;
	u64 st = a->sample_type;
	memset(s, 0, sizeof(*s));
#define TAKE(dst) do { if (end - p < 8) return -1; memcpy(&(dst), p, 8); p += 8; } while (0)
	if (st & PERF_SAMPLE_IDENTIFIER) TAKE(s->identifier);
	if (st & PERF_SAMPLE_IP) TAKE(s->ip);
	if (st & PERF_SAMPLE_TID) {
		if (end - p < 8)
			return -1;
		memcpy(&s->pid, p, 4);
		memcpy(&s->tid, p + 4, 4);
		p += 8;
	}
	if (st & PERF_SAMPLE_TIME) TAKE(s->time);
	if (st & PERF_SAMPLE_ADDR) TAKE(s->addr);
	if (st & PERF_SAMPLE_ID) TAKE(s->id);
	if (st & PERF_SAMPLE_STREAM_ID) TAKE(s->stream_id);
	if (st & PERF_SAMPLE_CPU) {
		if (end - p < 8)
			return -1;
		memcpy(&s->cpu, p, 4);
		p += 8;
	}
	if (st & PERF_SAMPLE_PERIOD) TAKE(s->period);
	if (st & PERF_SAMPLE_READ) {
		if (a->read_format & PERF_FORMAT_GROUP)
			return -1;      /* not used by rtperf */
		u64 n = read_words(a->read_format) * 8;
		if ((u64)(end - p) < n)
			return -1;
		p += n;
	}
	if (st & PERF_SAMPLE_CALLCHAIN) {
		TAKE(s->nr);
		if ((u64)(end - p) / 8 < s->nr)
			return -1;
		s->ips = (const u64 *)p;
		p += s->nr * 8;
	}
	if (st & PERF_SAMPLE_RAW) {
		if (end - p < 4)
			return -1;
		memcpy(&s->raw_size, p, 4);
		if ((u64)(end - p - 4) < s->raw_size)
			return -1;
		s->raw = p + 4;
		p += (4 + s->raw_size + 7) & ~7u;
	}
#undef TAKE
	return p == end ? 0 : -1;
}

int pd_parse_sample_id(const struct perf_event_header *h, const struct perf_event_attr *a,
		       u32 *pid, u32 *tid, u64 *time, u32 *cpu)
{
	u64 st = a->sample_type;
	size_t n = !!(st & PERF_SAMPLE_TID) + !!(st & PERF_SAMPLE_TIME) + !!(st & PERF_SAMPLE_ID) +
		   !!(st & PERF_SAMPLE_STREAM_ID) + !!(st & PERF_SAMPLE_CPU) +
		   !!(st & PERF_SAMPLE_IDENTIFIER);
	*pid = *tid = *cpu = 0;
	*time = 0;
	if (!a->sample_id_all || h->size < sizeof(*h) + n * 8)
		return -1;
	const u8 *p = (const u8 *)h + h->size - n * 8;
	if (st & PERF_SAMPLE_TID) {
		memcpy(pid, p, 4);
		memcpy(tid, p + 4, 4);
		p += 8;
	}
	if (st & PERF_SAMPLE_TIME) {
		memcpy(time, p, 8);
		p += 8;
	}
	p += 8 * (!!(st & PERF_SAMPLE_ID) + !!(st & PERF_SAMPLE_STREAM_ID));
	if (st & PERF_SAMPLE_CPU)
		memcpy(cpu, p, 4);
	return 0;
}
