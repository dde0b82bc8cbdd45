/*
 * A radix tree from 64-bit indexes to pointers: 64 slots a node, as deep as
 * the largest index needs (a file of 1 GiB in pages needs three levels).
 * The page cache keeps a file's pages in one, because it must find a page
 * by index and walk them in order (write-back, truncation). It takes no
 * locks and allocates through the functions it is given, so the kernel
 * uses it under a spinlock and the host tests it with calloc.
 */
#ifndef ALTO_RADIX_H
#define ALTO_RADIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RADIX_BITS  6
#define RADIX_SLOTS (1u << RADIX_BITS)

struct radix_node {
	void *slots[RADIX_SLOTS];
	unsigned int count; /* slots in use */
};

struct radix_tree {
	struct radix_node *root;
	unsigned int height; /* 0: empty; n: indexes below 2^(6n) */
	/* A zeroed node of sizeof(struct radix_node), or NULL; and its release. */
	void *(*alloc)(void);
	void (*free)(void *node);
};

void radix_init(struct radix_tree *t, void *(*alloc)(void), void (*free)(void *node));
void *radix_lookup(const struct radix_tree *t, uint64_t index);
/* Store item (not NULL) at index: 0, -EEXIST when taken, -ENOMEM. */
int radix_insert(struct radix_tree *t, uint64_t index, void *item);
/* Remove and return the item at index (NULL when none), freeing empty nodes. */
void *radix_delete(struct radix_tree *t, uint64_t index);
/* The first item at an index >= *index, which is set to its index; NULL when none. */
void *radix_next(const struct radix_tree *t, uint64_t *index);
bool radix_empty(const struct radix_tree *t);

#endif
