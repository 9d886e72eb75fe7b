/* session.c - replaying a recording as perf report does: records in time
 * order (the synthesized ones, time 0, first), threads with their comm
 * (COMM, FORK), processes with their executable maps (MMAP, MMAP2; an
 * exec starts afresh), and every sample counted into a line keyed by
 * (event, command, binary, symbol) with its period and call chains. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "rtperf.h"

void session_init(struct session *s, const struct pd_attr *attrs, int nattr, const char **names)
{
	memset(s, 0, sizeof(*s));
	s->attrs = attrs;
	s->nattr = nattr;
	s->ev_names = names;
	s->first_time = ~0ULL;
}

static struct thread *thread_find(struct session *s, int pid, int tid, bool create)
{
	for (int i = 0; i < s->nthreads; i++)
		if (s->threads[i].tid == tid && (s->threads[i].pid == pid || pid < 0))
			return &s->threads[i];
	if (!create)
		return NULL;
	if (s->nthreads == s->cap) {
		struct thread *n = realloc(s->threads, (s->cap = s->cap ? 2 * s->cap : 64) * sizeof(*n));
		if (!n)
			return NULL;
		s->threads = n;
	}
	struct thread *t = &s->threads[s->nthreads++];
	memset(t, 0, sizeof(*t));
	t->pid = pid;
	t->tid = tid;
	/* perf names the idle task (and unknown threads) as it does. */
	snprintf(t->comm, sizeof(t->comm), "%s", tid == 0 ? "swapper" : ":-1");
	if (tid > 0)
		snprintf(t->comm, sizeof(t->comm), ":%d", tid);
	return t;
}

const char *session_comm(struct session *s, int pid, int tid)
{
	struct thread *t = thread_find(s, pid, tid, true);
	return t ? t->comm : "?";
}

/* Add [start, end) to the process, cutting what it overlaps (perf's
 * maps__fixup_overlappings). */
static void map_insert(struct thread *p, u64 start, u64 len, u64 pgoff, struct dso *d)
{
	u64 end = start + len;
	for (int i = 0; i < p->nmaps; i++) {
		struct map *m = &p->maps[i];
		if (m->end <= start || m->start >= end)
			continue;
		if (m->start < start && m->end > end && p->nmaps < p->cap) {
			/* split: the part after the new map becomes its own */
			struct map tail = { end, m->end, m->pgoff + (end - m->start), m->dso };
			m->end = start;
			p->maps[p->nmaps++] = tail;
		} else if (m->start < start) {
			m->end = start;
		} else if (m->end > end) {
			m->pgoff += end - m->start;
			m->start = end;
		} else {
			p->maps[i--] = p->maps[--p->nmaps];
		}
	}
	if (p->nmaps + 2 > p->cap) {
		struct map *n = realloc(p->maps, (p->cap = p->cap ? 2 * p->cap : 16) * sizeof(*n));
		if (!n)
			return;
		p->maps = n;
	}
	p->maps[p->nmaps++] = (struct map){ start, end, pgoff, d };
}

static void on_mmap(struct session *s, const struct perf_event_header *h)
{
	const u8 *p = (const u8 *)(h + 1);
	u32 pid;
	u64 start, len, pgoff;
	const char *name;
	memcpy(&pid, p, 4);
	memcpy(&start, p + 8, 8);
	memcpy(&len, p + 16, 8);
	memcpy(&pgoff, p + 24, 8);
	if (h->type == PERF_RECORD_MMAP) {
		name = (const char *)p + 32;
		if (h->misc & PERF_RECORD_MISC_MMAP_DATA)
			return;
	} else {
		u32 prot;
		memcpy(&prot, p + 56, 4);
		name = (const char *)p + 64;
		if (!(prot & PROT_EXEC))
			return;
	}
	if ((s32)pid == -1 || (h->misc & PERF_RECORD_MISC_CPUMODE_MASK) == PERF_RECORD_MISC_KERNEL)
		return;         /* the kernel map: addresses are the kernel's own */
	struct dso *d = dso_find(name, false);
	if (!d)
		return;
	if (h->type == PERF_RECORD_MMAP2 && (h->misc & PERF_RECORD_MISC_MMAP_BUILD_ID))
		dso_set_build_id(d, p + 36, p[32] <= 20 ? p[32] : 20);
	struct thread *t = thread_find(s, (int)pid, (int)pid, true);
	if (t)
		map_insert(t, start, len, pgoff, d);
}

void session_resolve(struct session *s, int pid, int tid, bool kernel, u64 ip,
		     struct dso **dso, const struct sym **sym)
{
	*dso = NULL;
	*sym = NULL;
	(void)tid;              /* threads share their process's maps */
	if (kernel) {
		*dso = dso_find("[kernel.kallsyms]", true);
		if (*dso)
			*sym = dso_lookup(*dso, ip);
		return;
	}
	struct thread *t = thread_find(s, pid, pid, false);
	for (int i = 0; t && i < t->nmaps; i++)
		if (ip >= t->maps[i].start && ip < t->maps[i].end) {
			*dso = t->maps[i].dso;
			*sym = dso_lookup(*dso, ip - t->maps[i].start + t->maps[i].pgoff);
			return;
		}
}

/* The callers of a sample, innermost first, as names ("[unknown]" for
 * addresses no symbol covers); the sampled function itself is left out. */
static int chain_names(struct session *s, const struct pd_sample *sm, char **names, int max)
{
	bool kernel = false;
	int n = 0;
	bool first = true;
	for (u64 i = 0; i < sm->nr && n < max; i++) {
		u64 ip = sm->ips[i];
		if (ip >= (u64)PERF_CONTEXT_MAX) {
			kernel = ip == (u64)PERF_CONTEXT_KERNEL;
			continue;
		}
		if (first) {            /* the sampled ip itself */
			first = false;
			continue;
		}
		struct dso *d;
		const struct sym *sym;
		session_resolve(s, (int)sm->pid, (int)sm->tid, kernel, ip, &d, &sym);
		names[n++] = (char *)(sym ? sym->name : "[unknown]");
	}
	return n;
}

static void add_chain(struct hist *h, char **names, int n)
{
	for (int i = 0; i < h->nchains; i++) {
		struct chain *c = &h->chains[i];
		if (c->n == n && !memcmp(c->names, names, n * sizeof(*names))) {
			c->count++;
			return;
		}
	}
	struct chain *nc = realloc(h->chains, (h->nchains + 1) * sizeof(*nc));
	if (!nc)
		return;
	h->chains = nc;
	struct chain *c = &h->chains[h->nchains];
	c->names = malloc(n * sizeof(*names) + 1);
	if (!c->names)
		return;
	memcpy(c->names, names, n * sizeof(*names));
	c->n = n;
	c->count = 1;
	h->nchains++;
}

static void on_sample(struct session *s, const struct perf_event_header *h, int ev,
		      const struct pd_attr *a)
{
	struct pd_sample sm;
	if (pd_parse_sample(h, &a->attr, &sm))
		return;
	bool kernel = (h->misc & PERF_RECORD_MISC_CPUMODE_MASK) == PERF_RECORD_MISC_KERNEL;
	struct dso *d;
	const struct sym *sym;
	session_resolve(s, (int)sm.pid, (int)sm.tid, kernel, sm.ip, &d, &sym);
	if (d)
		d->hit = true;
	const char *comm = session_comm(s, (int)sm.pid, (int)sm.tid);
	u64 period = (a->attr.sample_type & PERF_SAMPLE_PERIOD) ? sm.period : 1;
	s->samples[ev]++;
	s->periods[ev] += period;
	if (a->attr.sample_type & PERF_SAMPLE_TIME) {
		if (sm.time < s->first_time)
			s->first_time = sm.time;
		if (sm.time > s->last_time)
			s->last_time = sm.time;
	}
	struct hist *hi = NULL;
	for (int i = 0; i < s->nhists && !hi; i++) {
		struct hist *x = &s->hists[i];
		if (x->ev == ev && x->dso == d && x->sym == sym && x->cpumode == (kernel ? 'k' : '.') &&
		    !strcmp(x->comm, comm) && (sym || x->addr == sm.ip))
			hi = x;
	}
	if (!hi) {
		if (s->nhists == s->hcap) {
			struct hist *n = realloc(s->hists, (s->hcap = s->hcap ? 2 * s->hcap : 256) * sizeof(*n));
			if (!n)
				return;
			s->hists = n;
		}
		hi = &s->hists[s->nhists++];
		memset(hi, 0, sizeof(*hi));
		hi->ev = ev;
		hi->comm = strdup(comm);
		hi->dso = d;
		hi->sym = sym;
		hi->addr = sym ? 0 : sm.ip;
		hi->cpumode = kernel ? 'k' : '.';
	}
	hi->samples++;
	hi->period += period;
	if (sm.nr) {
		char *names[128];
		s->callchains = true;
		add_chain(hi, names, chain_names(s, &sm, names, 128));
	}
}

static void on_record(struct session *s, const struct pd_reader *r, const struct perf_event_header *h)
{
	const u8 *p = (const u8 *)(h + 1);
	if (h->type <= PD_RECORD_HEADER_FEATURE)
		s->records[h->type]++;
	switch (h->type) {
	case PERF_RECORD_COMM: {
		u32 pid, tid;
		memcpy(&pid, p, 4);
		memcpy(&tid, p + 4, 4);
		struct thread *t = thread_find(s, (int)pid, (int)tid, true);
		if (t) {
			snprintf(t->comm, sizeof(t->comm), "%.15s", (const char *)p + 8);
			if ((h->misc & PERF_RECORD_MISC_COMM_EXEC) && pid == tid)
				t->nmaps = 0;
		}
		break;
	}
	case PERF_RECORD_FORK: {
		u32 pid, ppid, tid, ptid;
		memcpy(&pid, p, 4);
		memcpy(&ppid, p + 4, 4);
		memcpy(&tid, p + 8, 4);
		memcpy(&ptid, p + 12, 4);
		struct thread *parent = thread_find(s, (int)ppid, (int)ptid, true);
		char comm[16];
		snprintf(comm, sizeof(comm), "%s", parent ? parent->comm : "");
		struct thread *t = thread_find(s, (int)pid, (int)tid, true);
		if (!t)
			break;
		snprintf(t->comm, sizeof(t->comm), "%s", comm);
		struct thread *pp = thread_find(s, (int)ppid, (int)ppid, false);
		if (pid != ppid && tid == pid && pp && pp->nmaps && !t->nmaps) {
			t->maps = malloc(pp->nmaps * sizeof(*t->maps));
			if (t->maps) {
				memcpy(t->maps, pp->maps, pp->nmaps * sizeof(*t->maps));
				t->nmaps = t->cap = pp->nmaps;
			}
		}
		break;
	}
	case PERF_RECORD_MMAP:
	case PERF_RECORD_MMAP2:
		on_mmap(s, h);
		break;
	case PERF_RECORD_LOST: {
		u64 lost;
		memcpy(&lost, p + 8, 8);
		s->lost += lost;
		break;
	}
	case PERF_RECORD_LOST_SAMPLES: {
		u64 lost;
		memcpy(&lost, p, 8);
		s->lost_samples += lost;
		break;
	}
	case PERF_RECORD_SAMPLE: {
		const struct pd_attr *a = pd_reader_attr_of(r, h);
		if (a)
			on_sample(s, h, (int)(a - r->attr), a);
		break;
	}
	}
}

struct timed {
	u64 time;
	const struct perf_event_header *h;
};

static int by_time(const void *a, const void *b)
{
	const struct timed *x = a, *y = b;
	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->h < y->h ? -1 : x->h > y->h;  /* file order (pointers into it) */
}

void session_replay(struct session *s, const struct pd_reader *r)
{
	u64 pos = 0, n = 0, cap = 4096;
	bool bad = false;
	struct timed *t = malloc(cap * sizeof(*t));
	const struct perf_event_header *h;
	while (t && (h = pd_reader_next(r, &pos, &bad))) {
		if (h->type >= PD_RECORD_HEADER_ATTR)
			continue;
		const struct pd_attr *a = pd_reader_attr_of(r, h);
		u64 time = 0;
		if (a && h->type == PERF_RECORD_SAMPLE) {
			struct pd_sample sm;
			if (!pd_parse_sample(h, &a->attr, &sm))
				time = sm.time;
		} else if (a) {
			u32 pid, tid, cpu;
			pd_parse_sample_id(h, &a->attr, &pid, &tid, &time, &cpu);
		}
		if (n == cap) {
			struct timed *nt = realloc(t, (cap *= 2) * sizeof(*t));
			if (!nt)
				break;
			t = nt;
		}
		t[n++] = (struct timed){ time, h };
	}
	if (!t)
		return;
	qsort(t, n, sizeof(*t), by_time);
	for (u64 i = 0; i < n; i++)
		on_record(s, r, t[i].h);
	free(t);
}

void session_free(struct session *s)
{
	for (int i = 0; i < s->nthreads; i++)
		free(s->threads[i].maps);
	for (int i = 0; i < s->nhists; i++) {
		for (int c = 0; c < s->hists[i].nchains; c++)
			free(s->hists[i].chains[c].names);
		free(s->hists[i].chains);
		free((char *)s->hists[i].comm);
	}
	free(s->threads);
	free(s->hists);
}
