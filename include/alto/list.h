/*
 * Intrusive circular doubly linked lists: the node lives inside the object,
 * so queues of threads, timers and free blocks need no allocation.
 */
#ifndef ALTO_LIST_H
#define ALTO_LIST_H

#include <stdbool.h>
#include <alto/compiler.h>

struct list {
	struct list *next, *prev;
};

#define LIST_INIT(name)          \
	{                        \
		&(name), &(name) \
	}

static inline void list_init(struct list *l)
{
	l->next = l;
	l->prev = l;
}

static inline bool list_empty(const struct list *l)
{
	return l->next == l;
}

static inline void list_insert_between(struct list *n, struct list *prev, struct list *next)
{
	n->next = next;
	n->prev = prev;
	prev->next = n;
	next->prev = n;
}

/* Insert n at the front of the list. */
static inline void list_push(struct list *head, struct list *n)
{
	list_insert_between(n, head, head->next);
}

/* Insert n at the end of the list. */
static inline void list_append(struct list *head, struct list *n)
{
	list_insert_between(n, head->prev, head);
}

/* Insert n just before pos. */
static inline void list_insert_before(struct list *pos, struct list *n)
{
	list_insert_between(n, pos->prev, pos);
}

static inline void list_remove(struct list *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->next = n;
	n->prev = n;
}

#define list_entry(ptr, type, member)	     container_of(ptr, type, member)
#define list_first_entry(head, type, member) list_entry((head)->next, type, member)

#define list_for_each(pos, head) for (pos = (head)->next; pos != (head); pos = pos->next)
#define list_for_each_safe(pos, tmp, head) \
	for (pos = (head)->next, tmp = pos->next; pos != (head); pos = tmp, tmp = pos->next)

#endif
