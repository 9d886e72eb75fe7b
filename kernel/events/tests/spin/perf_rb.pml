/* Promela model of the perf ring buffer protocol in
 * kernel/events/ring_buffer.c: one CPU running a producer that an
 * interrupt may enter between any two of its steps (the interrupt writes
 * records too, and is not itself interrupted), and a consumer on another
 * CPU. Spin explores every interleaving (sequentially consistent: the
 * barriers A-D are assumed, the algorithm is what is checked).
 *
 * Units: a record is one slot; the buffer has N slots; positions count
 * records and never wrap within a run (they stay far below 256).
 *
 * Checked:
 *   - data_head as read by the consumer never decreases;
 *   - normal mode: a writer never overwrites a slot the consumer has not
 *     finished reading;
 *   - normal mode: every record below data_head is complete when read;
 *   - at the end: data_head == head, nest == 0, and normal mode accounts
 *     for every record (delivered + lost == produced).
 *
 * Build switches (kernel/events/tests/spin/run_spin.sh):
 *   OVERWRITE         overwrite mode: no space check, consumer reads only
 *                     data_head (its records may legitimately be overwritten)
 *   OLD_ORDER         pre-2019 end: drop nest before publishing head; spin
 *                     must find data_head going backwards
 *   NESTED_PUBLISHES  nested ends publish too; spin must find a record
 *                     read before it was complete
 *   NO_SPACE_CHECK    normal mode without the check against data_tail;
 *                     spin must find unread data overwritten
 */
#ifndef N
#define N 4
#endif
#define PROD_RECORDS 3
#define IRQ_MAX 2

byte head = 0;          /* reservation point */
byte data_head = 0;     /* published by the outermost end */
byte data_tail = 0;     /* written by the consumer */
byte nest = 0;
byte lost = 0;
byte produced = 0;
byte delivered = 0;
byte irq_left = IRQ_MAX;
bool cpu_done = false;
byte rec_first[N];      /* position + 1 of the record whose first half is here */
byte rec_last[N];       /* position + 1 of the record whose second half is here */
bool unread[N];         /* slot holds a record the consumer has not finished */

/* Interrupt-side locals (an interrupt keeps its own registers). */
byte i_off, i_tail, i_head, i_res;

#define NOSTEP skip

/* The interrupt may come in here, at most IRQ_MAX times in a run. */
#define IRQ_POINT                                                      \
	if                                                             \
	:: (irq_left > 0) -> irq_left--; produced++;                   \
	   WRITER(i_off, i_tail, i_head, i_res, NOSTEP)                \
	:: true -> skip                                                \
	fi

#ifdef OVERWRITE
#define NO_ROOM(off, tail) false
#elif defined(NO_SPACE_CHECK)
#define NO_ROOM(off, tail) false
#else
/* Free slots (tail - (off + 1)) mod N, one always kept free. */
#define NO_ROOM(off, tail) ((off) - (tail) >= N - 1)
#endif

#ifdef OVERWRITE
#define CHECK_SLOT_FREE(s) skip
#else
#define CHECK_SLOT_FREE(s) assert(!unread[s])
#endif

#ifdef OLD_ORDER
/* Before 2019: read head, drop nest, publish, re-take nest if head moved. */
#define PUT_HANDLE(h, STEP)                                            \
	do                                                             \
	:: h = head; STEP;                                             \
	   nest--; STEP;                                               \
	   if                                                          \
	   :: nest != 0 -> break                                       \
	   :: else -> data_head = h; STEP;                             \
	      if                                                       \
	      :: head != h -> nest++                                   \
	      :: else -> break                                         \
	      fi                                                       \
	   fi                                                          \
	od
#else
#ifdef NESTED_PUBLISHES
#define NESTED_LIMIT 255
#else
#define NESTED_LIMIT 1
#endif
/* Now: only the outermost publishes, and publishes before dropping nest. */
#define PUT_HANDLE(h, STEP)                                            \
	if                                                             \
	:: nest > NESTED_LIMIT -> nest--                               \
	:: else ->                                                     \
	   do                                                          \
	   :: h = head; STEP;                                          \
	      data_head = h; STEP;                                     \
	      nest = (nest > 1 -> nest - 1 : 0); STEP;                 \
	      if                                                       \
	      :: head != h -> nest = 1                                 \
	      :: else -> break                                         \
	      fi                                                       \
	   od                                                          \
	fi
#endif

/* One record: begin (nest, reserve by compare-and-swap on head), write
 * it in two halves, end. res: 0 retry, 1 reserved, 2 no room. */
#define WRITER(off, tail, h, res, STEP)                                \
	nest++; STEP;                                                  \
	off = head; STEP;                                              \
	do                                                             \
	:: tail = data_tail; STEP;                                     \
	   if                                                          \
	   :: NO_ROOM(off, tail) -> res = 2; break                     \
	   :: else -> skip                                             \
	   fi;                                                         \
	   atomic {                                                    \
		if                                                     \
		:: head == off -> head = off + 1; res = 1              \
		:: else -> off = head; res = 0                         \
		fi                                                     \
	   }; STEP;                                                    \
	   if                                                          \
	   :: res == 1 -> break                                        \
	   :: else -> skip                                             \
	   fi                                                          \
	od;                                                            \
	if                                                             \
	:: res == 1 ->                                                 \
	   CHECK_SLOT_FREE(off % N);                                   \
	   unread[off % N] = true;                                     \
	   rec_first[off % N] = off + 1; STEP;                         \
	   rec_last[off % N] = off + 1; STEP                           \
	:: else -> lost++                                              \
	fi;                                                            \
	PUT_HANDLE(h, STEP)

active proctype cpu()
{
	byte off, tail, h, res;
	byte n = 0;

	do
	:: n < PROD_RECORDS ->
		produced++;
		WRITER(off, tail, h, res, IRQ_POINT);
		n++
	:: else -> break
	od;
	assert(nest == 0);
	assert(data_head == head);
	cpu_done = true
}

active proctype consumer()
{
	byte last = 0;
	byte dh;
	byte pos = 0;

	do
	:: dh = data_head;
	   assert(dh >= last);
	   last = dh;
#ifndef OVERWRITE
	   do
	   :: pos < dh ->
		assert(rec_first[pos % N] == pos + 1 && rec_last[pos % N] == pos + 1);
		unread[pos % N] = false;
		delivered++;
		pos++
	   :: else -> break
	   od;
	   data_tail = pos;
#endif
	   if
	   :: cpu_done && last == data_head -> break
	   :: else -> skip
	   fi
	od;
#ifndef OVERWRITE
	assert(delivered + lost == produced);
#endif
}
