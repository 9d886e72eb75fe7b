/* Intrusive circular doubly-linked lists (a head is a node pointing at
 * itself when empty). */
#pragma once
#include <lib/types.h>
#include <lib/compiler.h>

struct list_node {
	struct list_node *next, *prev;
};

#define LIST_INIT(name) { &(name), &(name) }

static inline void list_init(struct list_node *h) { h->next = h->prev = h; }
static inline bool list_empty(const struct list_node *h) { return h->next == h; }
static inline bool list_linked(const struct list_node *n) { return n->next && n->next != n; }

static inline void list_insert_between(struct list_node *n, struct list_node *prev,
				       struct list_node *next)
{
	n->prev = prev;
	n->next = next;
	prev->next = n;
	next->prev = n;
}

static inline void list_add_tail(struct list_node *h, struct list_node *n)
{
	list_insert_between(n, h->prev, h);
}

static inline void list_add_head(struct list_node *h, struct list_node *n)
{
	list_insert_between(n, h, h->next);
}

static inline void list_del(struct list_node *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->next = n->prev = n;
}

static inline struct list_node *list_pop_head(struct list_node *h)
{
	if (list_empty(h))
		return NULL;
	struct list_node *n = h->next;
	list_del(n);
	return n;
}

static inline size_t list_count(const struct list_node *h)
{
	size_t n = 0;
	for (const struct list_node *pos = h->next; pos != h; pos = pos->next)
		n++;
	return n;
}

#define list_entry(ptr, type, member) container_of(ptr, type, member)
#define list_for_each(pos, head) for (pos = (head)->next; pos != (head); pos = pos->next)
#define list_for_each_safe(pos, tmp, head) \
	for (pos = (head)->next, tmp = pos->next; pos != (head); pos = tmp, tmp = pos->next)
