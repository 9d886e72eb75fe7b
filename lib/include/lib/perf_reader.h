/* Reading a perf ring buffer from its mapping: the user-space side of the
 * protocol in kernel/events/ring_buffer.c (barriers C and D). Used by host
 * tests now and by user programs (musl) later; it is freestanding.
 *
 * Forward buffers, oldest record first:
 *
 *	perf_reader_init(&r, up, data, data_size, 0, scratch, sizeof(scratch));
 *	for (;;) {
 *		perf_reader_begin(&r);               // acquire data_head
 *		while ((hdr = perf_reader_next(&r)))  // whole records
 *			handle(hdr);
 *		perf_reader_consume(&r);             // release data_tail
 *	}
 *
 * Backward buffers (attr.write_backward) are read the same way but newest
 * record first, from data_head up to the head of the previous pass, at most
 * one buffer's length and stopping at a zero header (never-written space).
 * In overwrite mode (mapping without PROT_WRITE) data_tail is never written;
 * the writer should be paused (PAUSE_OUTPUT) while a pass runs.
 * A record that runs off the end of the data area is copied whole into the
 * scratch buffer; 64 KiB of scratch is always enough.
 */
#pragma once
#include <lib/types.h>
#include <linux/perf_event.h>

#define PERF_READER_BACKWARD  1u   /* attr.write_backward */
#define PERF_READER_OVERWRITE 2u   /* read-only mapping: never store data_tail */

enum perf_reader_error {
	PERF_READER_OK = 0,
	PERF_READER_BAD_HEADER,    /* size < 8, not a multiple of 8, or past head */
	PERF_READER_NO_SCRATCH,    /* wrapped record larger than the scratch buffer */
};

struct perf_reader {
	struct perf_event_mmap_page *up;
	const u8 *data;
	u64 size, mask;
	unsigned int flags;
	u64 prev;     /* forward: consumed up to here; backward: last pass's head */
	u64 head;     /* data_head loaded by the current pass */
	u64 start;    /* next record to return */
	u64 end;      /* end of the current window */
	u8 *scratch;
	u32 scratch_size;
	bool overrun; /* this pass skipped (forward) or cut off (backward) old data */
	int error;    /* enum perf_reader_error of the last perf_reader_next() */
};

/* data: the data area (mapping + data_offset), data_size bytes, a power of
 * two. Reading starts at the current data_tail. */
void perf_reader_init(struct perf_reader *r, struct perf_event_mmap_page *up, const void *data,
		      u64 data_size, unsigned int flags, void *scratch, u32 scratch_size);

/* Start a pass: load data_head (C) and set the window. Returns the bytes
 * in the window. If the writer got more than a buffer ahead, r->overrun is
 * set: forward passes then skip to data_head, backward passes keep the
 * newest whole records that fit in one buffer. */
u64 perf_reader_begin(struct perf_reader *r);

/* The next whole record of the window, or NULL at its end or on a bad
 * header (r->error says which). The pointer is valid until the next call
 * or perf_reader_consume(). */
const struct perf_event_header *perf_reader_next(struct perf_reader *r);

/* End the pass: forward gives back the records returned so far, backward
 * the whole window. Stores data_tail (D) unless PERF_READER_OVERWRITE. */
void perf_reader_consume(struct perf_reader *r);
