/* perf_data.h - Linux's perf.data file, written and read (perf_data.c).
 *
 * The layout Linux's perf tool reads (tools/perf/util/header.c): a 104-byte
 * header ("PERFILE2", sizes, the attrs/data sections and a 256-bit feature
 * bitmap), the attrs (each perf_event_attr followed by the section of its
 * u64 ids), the data section (records exactly as the kernel writes them,
 * plus the tool's own: FINISHED_ROUND ...), then one section descriptor
 * per feature bit set, in bit order, and the feature payloads.
 * Pipe mode (perf record -o -) streams the same content without seeking:
 * a 16-byte header, then HEADER_ATTR, HEADER_FEATURE and
 * HEADER_TRACING_DATA records before the data.
 *
 * Plain hosted C (musl in the guest, glibc in the host tests):
 *
 *	pd_writer_start(&w, fd, pipe, events, n);   // header and attrs
 *	pd_writer_feature(&w, PD_FEAT_HOSTNAME, &buf);  // before the data (pipe)
 *	pd_writer_add(&w, record);                  // whole records only
 *	pd_writer_feature(&w, PD_FEAT_BUILD_ID, &buf);  // file mode: any time
 *	pd_writer_finish(&w);                       // features, final header
 *
 * A write error (a full file system) stops the data at the last whole
 * record: the file is cut there (ftruncate) and finish still writes a
 * valid header, with the features if they fit, else with none.
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <lib/types.h>
#include <linux/perf_event.h>

#define PD_MAGIC        0x32454c4946524550ULL   /* "PERFILE2", little endian */
#define PD_HEADER_SIZE  104
#define PD_PIPE_HEADER_SIZE 16
/* The attr size perf 6.1 reads (it refuses larger ones). */
#define PD_ATTR_SIZE    PERF_ATTR_SIZE_VER7
#define PD_NAME_ALIGN   64                      /* header strings' padding */

/* Feature bits (perf's HEADER_*). */
enum {
	PD_FEAT_TRACING_DATA = 1, PD_FEAT_BUILD_ID = 2, PD_FEAT_HOSTNAME = 3,
	PD_FEAT_OSRELEASE = 4, PD_FEAT_VERSION = 5, PD_FEAT_ARCH = 6, PD_FEAT_NRCPUS = 7,
	PD_FEAT_CPUDESC = 8, PD_FEAT_CPUID = 9, PD_FEAT_TOTAL_MEM = 10, PD_FEAT_CMDLINE = 11,
	PD_FEAT_EVENT_DESC = 12, PD_FEAT_CPU_TOPOLOGY = 13, PD_FEAT_SAMPLE_TIME = 21,
	PD_FEAT_CLOCKID = 23, PD_FEAT_CLOCK_DATA = 29,
	PD_FEAT_BITS = 256,
};

/* Records the tool writes (perf's PERF_RECORD_USER_TYPE_START ...). */
enum {
	PD_RECORD_HEADER_ATTR = 64, PD_RECORD_HEADER_TRACING_DATA = 66,
	PD_RECORD_HEADER_BUILD_ID = 67, PD_RECORD_FINISHED_ROUND = 68,
	PD_RECORD_HEADER_FEATURE = 80,
};

/* Build-id entries (feature BUILD_ID, record HEADER_BUILD_ID). */
#define PD_MISC_BUILD_ID_SIZE (1u << 15)
#define PD_BUILD_ID_MAX 20
#define PD_KERNEL_PID   (-1)                    /* perf's HOST_KERNEL_ID */

struct pd_section {
	u64 offset, size;
};

struct pd_header {
	u64 magic, size, attr_size;
	struct pd_section attrs, data, event_types;
	u64 features[PD_FEAT_BITS / 64];
};

/* A growing byte buffer for payloads; err is set (and sticks) when memory
 * runs out, so builders need not check every call. */
struct pd_buf {
	u8 *p;
	size_t len, cap;
	bool err;
};
void pd_put(struct pd_buf *b, const void *data, size_t n);
void pd_put_u32(struct pd_buf *b, u32 v);
void pd_put_u64(struct pd_buf *b, u64 v);
/* perf_header_string: u32 length (with the NUL, padded to 64), bytes. */
void pd_put_string(struct pd_buf *b, const char *s);
void pd_buf_free(struct pd_buf *b);
/* One build-id entry (misc: PERF_RECORD_MISC_KERNEL or _USER). */
void pd_put_build_id(struct pd_buf *b, u16 type, s32 pid, u16 misc, const u8 *id, u32 id_size,
		     const char *filename);

/* One event of the file: its attr, name (EVENT_DESC) and the ids of its
 * instances (one per CPU or task it was opened on). */
struct pd_event {
	struct perf_event_attr attr;
	const char *name;
	const u64 *ids;
	u32 nr_ids;
};

struct pd_writer {
	int fd;
	bool pipe;
	const struct pd_event *ev;
	int nev;
	u64 data_offset;        /* file mode: where the data section starts */
	u64 data_size;          /* whole records written */
	u64 records;
	int err;                /* first write error (errno), 0 if none */
	bool data_started;      /* pipe: features were streamed */
	u8 *out;                /* records waiting to be written */
	size_t out_len;
	struct pd_buf feat[PD_FEAT_BITS];
};

/* Write the header (a placeholder in file mode) and the attrs. 0 or -errno. */
int pd_writer_start(struct pd_writer *w, int fd, bool pipe, const struct pd_event *ev, int nev);
/* Set a feature's payload (taken over; b is emptied). File mode: any time
 * before finish. Pipe mode: features set before the first record are
 * streamed before it; later only BUILD_ID (as HEADER_BUILD_ID records). */
void pd_writer_feature(struct pd_writer *w, int feat, struct pd_buf *b);
/* Append one whole record (header.size bytes). 0, or -errno once writing
 * failed (the data then ends at the last whole record written). */
int pd_writer_add(struct pd_writer *w, const struct perf_event_header *rec);
/* Write the records batched so far: 0 or -errno (w->records then counts
 * the records in the file). */
int pd_writer_flush(struct pd_writer *w);
/* Flush, write the features and the final header. 0 or the first -errno
 * (the file is still valid; features that did not fit are left out). */
int pd_writer_finish(struct pd_writer *w);

/* --- reading ------------------------------------------------------------------- */

struct pd_attr {
	struct perf_event_attr attr;
	const u64 *ids;         /* in the file's buffer (file mode) or copied */
	u32 nr_ids;
	const char *name;       /* from EVENT_DESC, or NULL */
};

#define PD_MAX_ATTRS 64

struct pd_reader {
	const u8 *buf;
	size_t len;
	bool pipe;
	struct pd_header h;
	struct pd_attr attr[PD_MAX_ATTRS];
	int nattr;
	u64 data_start, data_end;       /* the data section (pipe: to the end) */
	struct pd_section feat[PD_FEAT_BITS];   /* file mode; size 0 if absent */
	u64 *id_store;          /* pipe mode: ids copied out of HEADER_ATTR */
	char *names;            /* EVENT_DESC names */
};

/* Check the header, attrs and feature table of a whole file in memory.
 * 0, or -1 with a reason in err. */
int pd_reader_open(struct pd_reader *r, const void *buf, size_t len, char *err, size_t errlen);
void pd_reader_close(struct pd_reader *r);
/* The next record of the data section at *pos (start: *pos = 0), or NULL
 * at the end; *bad is set for a record that does not fit. */
const struct perf_event_header *pd_reader_next(const struct pd_reader *r, u64 *pos, bool *bad);
/* The attr a record belongs to (by its sample id), or NULL. */
const struct pd_attr *pd_reader_attr_of(const struct pd_reader *r, const struct perf_event_header *h);
/* A feature's payload, or NULL (and *size 0) if it is not there. */
const u8 *pd_reader_feature(const struct pd_reader *r, int feat, u64 *size);

/* A decoded PERF_RECORD_SAMPLE (fields absent from sample_type are 0). */
struct pd_sample {
	u64 identifier, ip;
	u32 pid, tid;
	u64 time, addr, id, stream_id;
	u32 cpu;
	u64 period;
	u64 nr;                 /* callchain */
	const u64 *ips;
	u32 raw_size;
	const u8 *raw;
};
/* 0, or -1 when the record's size does not match its sample_type. */
int pd_parse_sample(const struct perf_event_header *h, const struct perf_event_attr *a,
		    struct pd_sample *s);
/* The sample_id_all trailer of a non-sample record: pid/tid, time, cpu. */
int pd_parse_sample_id(const struct perf_event_header *h, const struct perf_event_attr *a,
		       u32 *pid, u32 *tid, u64 *time, u32 *cpu);
