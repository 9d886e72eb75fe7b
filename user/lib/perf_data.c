/* perf_data.c - writing Linux's perf.data (file and pipe mode); the format
 * is described in perf_data.h, the reader is perf_data_read.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "perf_data.h"

#define OUT_SIZE (256 * 1024)   /* records are written in batches this big */

/* --- payload buffers --------------------------------------------------------- */

void pd_put(struct pd_buf *b, const void *data, size_t n)
{
	if (b->err)
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n)
			cap *= 2;
		u8 *p = realloc(b->p, cap);
		if (!p) {
			b->err = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	if (data)
		memcpy(b->p + b->len, data, n);
	else
		memset(b->p + b->len, 0, n);
	b->len += n;
}

void pd_put_u32(struct pd_buf *b, u32 v) { pd_put(b, &v, sizeof(v)); }
void pd_put_u64(struct pd_buf *b, u64 v) { pd_put(b, &v, sizeof(v)); }

static u32 name_len(size_t n)
{
	return (u32)((n + PD_NAME_ALIGN - 1) & ~(size_t)(PD_NAME_ALIGN - 1));
}

void pd_put_string(struct pd_buf *b, const char *s)
{
	size_t n = strlen(s) + 1;
	u32 len = name_len(n);
	pd_put_u32(b, len);
	pd_put(b, s, n);
	pd_put(b, NULL, len - n);
}

void pd_buf_free(struct pd_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* perf's struct perf_record_header_build_id: header, pid, 20 id bytes, the
 * id's size, 3 reserved bytes, then the file name padded to 64 (36 bytes
 * before the name: the struct has 4-byte alignment). */
void pd_put_build_id(struct pd_buf *b, u16 type, s32 pid, u16 misc, const u8 *id, u32 id_size,
		     const char *filename)
{
	u8 idbuf[24] = { 0 };
	size_t n = strlen(filename) + 1;
	u32 len = name_len(n);
	if (id_size > PD_BUILD_ID_MAX)
		id_size = PD_BUILD_ID_MAX;
	memcpy(idbuf, id, id_size);
	idbuf[20] = (u8)id_size;
	struct perf_event_header h = { type, (u16)(misc | PD_MISC_BUILD_ID_SIZE), (u16)(36 + len) };
	pd_put(b, &h, sizeof(h));
	pd_put(b, &pid, sizeof(pid));
	pd_put(b, idbuf, sizeof(idbuf));
	pd_put(b, filename, n);
	pd_put(b, NULL, len - n);
}

/* --- low-level output ---------------------------------------------------------- */

/* Write all of buf; returns the bytes written and sets w->err on failure. */
static size_t write_all(struct pd_writer *w, const void *buf, size_t n)
{
	size_t done = 0;
	while (done < n) {
		ssize_t k = write(w->fd, (const u8 *)buf + done, n - done);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			if (!w->err)
				w->err = k < 0 ? errno : ENOSPC;
			break;
		}
		done += (size_t)k;
	}
	return done;
}

static int pwrite_all(struct pd_writer *w, const void *buf, size_t n, u64 off)
{
	size_t done = 0;
	while (done < n) {
		ssize_t k = pwrite(w->fd, (const u8 *)buf + done, n - done, (off_t)(off + done));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k < 0 ? -errno : -ENOSPC;
		done += (size_t)k;
	}
	return 0;
}

/* Write the batched records. A short write keeps only the records that
 * were written whole: the file is cut after the last of them (a pipe
 * cannot be cut; a reader sees the stream end mid-record, as when perf
 * record is killed). */
static void flush_out(struct pd_writer *w)
{
	if (!w->out_len || w->err) {
		w->out_len = 0;
		return;
	}
	size_t done = write_all(w, w->out, w->out_len), whole = 0;
	while (whole < w->out_len) {
		const struct perf_event_header *h = (const void *)(w->out + whole);
		if (whole + h->size > done)
			break;
		whole += h->size;
		w->records++;
	}
	w->data_size += whole;
	if (done != whole && !w->pipe)
		(void)!ftruncate(w->fd, (off_t)(w->data_offset + w->data_size));
	w->out_len = 0;
}

static void emit(struct pd_writer *w, const void *rec)
{
	const struct perf_event_header *h = rec;
	if (w->out_len + h->size > OUT_SIZE)
		flush_out(w);
	if (w->err)
		return;
	memcpy(w->out + w->out_len, rec, h->size);
	w->out_len += h->size;
}

/* --- the writer ---------------------------------------------------------------- */

static void attr_copy(struct perf_event_attr *dst, const struct perf_event_attr *src)
{
	memset(dst, 0, sizeof(*dst));
	memcpy(dst, src, PD_ATTR_SIZE < sizeof(*src) ? PD_ATTR_SIZE : sizeof(*src));
	dst->size = PD_ATTR_SIZE;
}

static void file_header(const struct pd_writer *w, struct pd_header *h, bool features)
{
	memset(h, 0, sizeof(*h));
	h->magic = PD_MAGIC;
	h->size = PD_HEADER_SIZE;
	h->attr_size = PD_ATTR_SIZE + sizeof(struct pd_section);
	h->attrs.offset = PD_HEADER_SIZE;
	h->attrs.size = (u64)w->nev * h->attr_size;
	h->data.offset = w->data_offset;
	h->data.size = w->data_size;
	for (int f = 0; features && f < PD_FEAT_BITS; f++)
		if (w->feat[f].len)
			h->features[f / 64] |= 1ULL << (f % 64);
}

int pd_writer_start(struct pd_writer *w, int fd, bool pipe, const struct pd_event *ev, int nev)
{
	memset(w, 0, sizeof(*w));
	w->fd = fd;
	w->pipe = pipe;
	w->ev = ev;
	w->nev = nev;
	w->out = malloc(OUT_SIZE);
	if (!w->out)
		return -ENOMEM;
	if (pipe) {
		u64 ph[2] = { PD_MAGIC, PD_PIPE_HEADER_SIZE };
		write_all(w, ph, sizeof(ph));
		for (int i = 0; i < nev && !w->err; i++) {
			/* HEADER_ATTR: the attr, then its ids. */
			size_t size = sizeof(struct perf_event_header) + PD_ATTR_SIZE + 8 * ev[i].nr_ids;
			u8 *rec = calloc(1, size);
			if (!rec)
				return -ENOMEM;
			struct perf_event_header h = { PD_RECORD_HEADER_ATTR, 0, (u16)size };
			memcpy(rec, &h, sizeof(h));
			attr_copy((void *)(rec + sizeof(h)), &ev[i].attr);
			memcpy(rec + sizeof(h) + PD_ATTR_SIZE, ev[i].ids, 8 * ev[i].nr_ids);
			write_all(w, rec, size);
			free(rec);
		}
		return w->err ? -w->err : 0;
	}
	/* File mode: header placeholder, attrs (each attr + its ids' section),
	 * the ids, then the data. */
	struct pd_header h;
	u64 ids_off = PD_HEADER_SIZE + (u64)nev * (PD_ATTR_SIZE + sizeof(struct pd_section)), n = 0;
	for (int i = 0; i < nev; i++)
		n += ev[i].nr_ids;
	w->data_offset = ids_off + 8 * n;
	file_header(w, &h, false);
	write_all(w, &h, sizeof(h));
	for (int i = 0; i < nev; i++) {
		struct perf_event_attr a;
		struct pd_section ids = { ids_off, 8ULL * ev[i].nr_ids };
		attr_copy(&a, &ev[i].attr);
		write_all(w, &a, PD_ATTR_SIZE);
		write_all(w, &ids, sizeof(ids));
		ids_off += ids.size;
	}
	for (int i = 0; i < nev; i++)
		write_all(w, ev[i].ids, 8 * ev[i].nr_ids);
	return w->err ? -w->err : 0;
}

void pd_writer_feature(struct pd_writer *w, int feat, struct pd_buf *b)
{
	if (feat <= 0 || feat >= PD_FEAT_BITS || b->err) {
		pd_buf_free(b);
		return;
	}
	if (w->pipe && w->data_started) {
		/* Too late for HEADER_FEATURE; build ids still count as records. */
		if (feat == PD_FEAT_BUILD_ID)
			for (size_t off = 0; off + 8 <= b->len; ) {
				struct perf_event_header *h = (void *)(b->p + off);
				if (h->size < 8 || off + h->size > b->len)
					break;
				u8 rec[65536];
				memcpy(rec, h, h->size);
				((struct perf_event_header *)rec)->type = PD_RECORD_HEADER_BUILD_ID;
				emit(w, rec);
				off += h->size;
			}
		pd_buf_free(b);
		return;
	}
	pd_buf_free(&w->feat[feat]);
	w->feat[feat] = *b;
	memset(b, 0, sizeof(*b));
}

/* Pipe mode: the features as HEADER_FEATURE records (header, u64 feature
 * number, payload padded to 8), the tracing data as its own record followed
 * by the raw bytes, before the first data record. */
static void stream_features(struct pd_writer *w)
{
	w->data_started = true;
	for (int f = 1; f < PD_FEAT_BITS && !w->err; f++) {
		struct pd_buf *b = &w->feat[f];
		if (!b->len)
			continue;
		if (f == PD_FEAT_TRACING_DATA) {
			/* perf's perf_record_header_tracing_data is 12 bytes:
			 * the header and the u32 size of what follows it. */
			size_t pad = (8 - b->len % 8) % 8;
			struct perf_event_header th = { PD_RECORD_HEADER_TRACING_DATA, 0, 12 };
			u32 tsize = (u32)(b->len + pad);
			static const u8 zero[8];
			flush_out(w);
			write_all(w, &th, sizeof(th));
			write_all(w, &tsize, sizeof(tsize));
			write_all(w, b->p, b->len);
			write_all(w, zero, pad);
			continue;
		}
		if (f == PD_FEAT_BUILD_ID)
			continue;       /* HEADER_BUILD_ID records at the end */
		size_t size = 16 + ((b->len + 7) & ~(size_t)7);
		if (size > 0xffff)
			continue;       /* does not fit a record: perf leaves it out too */
		u8 rec[0x10000];
		memset(rec, 0, size);
		struct perf_event_header h = { PD_RECORD_HEADER_FEATURE, 0, (u16)size };
		u64 fnr = (u64)f;
		memcpy(rec, &h, 8);
		memcpy(rec + 8, &fnr, 8);
		memcpy(rec + 16, b->p, b->len);
		emit(w, rec);
	}
}

int pd_writer_add(struct pd_writer *w, const struct perf_event_header *rec)
{
	if (w->err)
		return -w->err;
	if (rec->size < sizeof(*rec) || rec->size % 8)
		return -EINVAL;
	if (w->pipe && !w->data_started)
		stream_features(w);
	emit(w, rec);
	return w->err ? -w->err : 0;
}

int pd_writer_flush(struct pd_writer *w)
{
	flush_out(w);
	return w->err ? -w->err : 0;
}

int pd_writer_finish(struct pd_writer *w)
{
	int first = 0;
	if (w->pipe && !w->data_started)
		stream_features(w);
	if (w->pipe) {
		struct pd_buf *b = &w->feat[PD_FEAT_BUILD_ID];
		if (b->len) {
			struct pd_buf ids = *b;
			memset(b, 0, sizeof(*b));
			pd_writer_feature(w, PD_FEAT_BUILD_ID, &ids);
		}
	}
	flush_out(w);
	first = w->err;
	if (!w->pipe) {
		/* The feature table right after the data, then the payloads;
		 * if they do not fit, a header without features. */
		struct pd_header h;
		u64 off = w->data_offset + w->data_size;
		int nfeat = 0;
		for (int f = 0; f < PD_FEAT_BITS; f++)
			nfeat += w->feat[f].len != 0;
		struct pd_section *sec = calloc((size_t)nfeat + 1, sizeof(*sec));
		int rc = sec ? 0 : -ENOMEM;
		u64 pos = off + (u64)nfeat * sizeof(*sec);
		for (int f = 0, i = 0; f < PD_FEAT_BITS && !rc; f++) {
			if (!w->feat[f].len)
				continue;
			sec[i].offset = pos;
			sec[i].size = w->feat[f].len;
			rc = pwrite_all(w, w->feat[f].p, w->feat[f].len, pos);
			pos += w->feat[f].len;
			i++;
		}
		if (!rc)
			rc = pwrite_all(w, sec, (size_t)nfeat * sizeof(*sec), off);
		free(sec);
		if (rc) {
			if (!first)
				first = -rc;
			(void)!ftruncate(w->fd, (off_t)off);
		}
		file_header(w, &h, rc == 0);
		rc = pwrite_all(w, &h, sizeof(h), 0);
		if (rc && !first)
			first = -rc;
	}
	for (int f = 0; f < PD_FEAT_BITS; f++)
		pd_buf_free(&w->feat[f]);
	free(w->out);
	w->out = NULL;
	return first ? -first : 0;
}
