/*
 * The radix tree of alto/radix.h. Indexes are split into 6-bit digits, the
 * most significant first; the tree grows a level on top when an index does
 * not fit, and nodes left empty by a deletion are freed on the way back up
 * (the root shrinks back to nothing when the last item goes).
 */
#include <alto/radix.h>
#include <uapi/errno.h>

#define MAX_HEIGHT ((64 + RADIX_BITS - 1) / RADIX_BITS)

void radix_init(struct radix_tree *t, void *(*alloc)(void), void (*free)(void *node))
{
	t->root = NULL;
	t->height = 0;
	t->alloc = alloc;
	t->free = free;
}

bool radix_empty(const struct radix_tree *t)
{
	return t->root == NULL;
}

/* The largest index a tree of that height holds. */
static uint64_t max_index(unsigned int height)
{
	unsigned int bits = height * RADIX_BITS;

	return bits >= 64 ? UINT64_MAX : (1ull << bits) - 1;
}

static unsigned int digit(uint64_t index, unsigned int level)
{
	unsigned int shift = level * RADIX_BITS;

	return shift >= 64 ? 0 : (unsigned int)(index >> shift) & (RADIX_SLOTS - 1);
}

void *radix_lookup(const struct radix_tree *t, uint64_t index)
{
	struct radix_node *n = t->root;

	if (!n || index > max_index(t->height))
		return NULL;
	for (unsigned int level = t->height - 1; n; level--) {
		void *slot = n->slots[digit(index, level)];
		if (level == 0)
			return slot;
		n = slot;
	}
	return NULL;
}

/* Add levels on top until index fits. */
static int grow(struct radix_tree *t, uint64_t index)
{
	while (index > max_index(t->height)) {
		if (!t->root) {
			t->height++;
			continue;
		}
		struct radix_node *top = t->alloc();
		if (!top)
			return -ENOMEM;
		top->slots[0] = t->root;
		top->count = 1;
		t->root = top;
		t->height++;
	}
	return 0;
}

/*
 * An insertion ran out of memory with the nodes of index's path made down
 * to level: free those of them that hold nothing, from the bottom up.
 */
static void prune(struct radix_tree *t, uint64_t index, unsigned int level)
{
	struct radix_node *path[MAX_HEIGHT];
	struct radix_node *n = t->root;
	unsigned int l = t->height - 1, deepest;

	for (;;) {
		path[l] = n;
		if (l == level)
			break;
		n = n->slots[digit(index, l)];
		l--;
	}
	deepest = l;
	for (l = deepest; l < t->height - 1 && path[l]->count == 0; l++) {
		t->free(path[l]);
		path[l + 1]->slots[digit(index, l + 1)] = NULL;
		path[l + 1]->count--;
	}
	if (l == t->height - 1 && path[l]->count == 0) {
		t->free(path[l]);
		t->root = NULL;
		t->height = 0;
	}
}

int radix_insert(struct radix_tree *t, uint64_t index, void *item)
{
	if (t->height == 0)
		t->height = 1;
	int err = grow(t, index);
	if (err)
		return err;
	if (!t->root && !(t->root = t->alloc()))
		return -ENOMEM;
	struct radix_node *n = t->root;
	for (unsigned int level = t->height - 1; level > 0; level--) {
		void **slot = &n->slots[digit(index, level)];
		if (!*slot) {
			if (!(*slot = t->alloc())) {
				prune(t, index, level);
				return -ENOMEM;
			}
			n->count++;
		}
		n = *slot;
	}
	void **slot = &n->slots[digit(index, 0)];
	if (*slot)
		return -EEXIST;
	*slot = item;
	n->count++;
	return 0;
}

void *radix_delete(struct radix_tree *t, uint64_t index)
{
	struct radix_node *path[MAX_HEIGHT];
	struct radix_node *n = t->root;
	unsigned int level;

	if (!n || index > max_index(t->height))
		return NULL;
	for (level = t->height - 1; level > 0; level--) {
		path[level] = n;
		n = n->slots[digit(index, level)];
		if (!n)
			return NULL;
	}
	void *item = n->slots[digit(index, 0)];
	if (!item)
		return NULL;
	n->slots[digit(index, 0)] = NULL;
	n->count--;
	/* Free the nodes this left empty, from the bottom up. */
	for (level = 0; level < t->height && n->count == 0; level++) {
		t->free(n);
		if (level + 1 == t->height) {
			t->root = NULL;
			t->height = 0;
			break;
		}
		n = path[level + 1];
		n->slots[digit(index, level + 1)] = NULL;
		n->count--;
	}
	return item;
}

/*
 * Depth-first from *index in the subtree n at level: the first item, with
 * *index moved to its index. Past a slot, *index becomes the first index
 * of the next slot's range.
 */
static void *next_in(const struct radix_node *n, unsigned int level, uint64_t *index)
{
	unsigned int shift = level * RADIX_BITS;
	uint64_t below = (1ull << shift) - 1; /* the bits of the levels under this one */

	for (unsigned int i = digit(*index, level); i < RADIX_SLOTS; i++) {
		void *slot = n->slots[i];
		if (slot && level == 0) {
			*index = (*index & ~(uint64_t)(RADIX_SLOTS - 1)) | i;
			return slot;
		}
		if (slot) {
			void *found = next_in(slot, level - 1, index);
			if (found)
				return found;
		}
		*index = (*index & ~below & ~((uint64_t)(RADIX_SLOTS - 1) << shift)) |
			 ((uint64_t)(i + 1) << shift);
	}
	return NULL;
}

void *radix_next(const struct radix_tree *t, uint64_t *index)
{
	if (!t->root || *index > max_index(t->height))
		return NULL;
	return next_in(t->root, t->height - 1, index);
}
