/*
 * The tree of an address space's areas: an AVL tree of non-overlapping
 * [start, end) ranges ordered by address, so that finding the area at an
 * address, inserting, removing and stepping to a neighbour take O(log n)
 * however many areas there are (Linux allows 65,530). Each node also keeps
 * what its subtree spans (lowest start, highest end) and the largest free
 * range between two of its areas; those depend on the subtree alone, so
 * rotations keep them right, and they let mmap find the highest free range
 * of a given length below a limit without walking every area.
 *
 * A plain data structure without locks or kernel calls: mm/vma.c embeds a
 * node in each struct vma and holds the mm lock; the host unit tests
 * (tests/unit/test_area_tree.c) link this file as it is.
 */
#include "internal.h"

static int height(const struct area_node *n)
{
	return n ? n->height : 0;
}

static uintptr_t max3(uintptr_t a, uintptr_t b, uintptr_t c)
{
	uintptr_t m = a > b ? a : b;
	return m > c ? m : c;
}

/* Recompute n's summary from its children. */
static void update(struct area_node *n)
{
	struct area_node *l = n->child[0], *r = n->child[1];
	int hl = height(l), hr = height(r);
	uintptr_t below = l ? n->start - l->last : 0, above = r ? r->first - n->end : 0;

	n->height = 1 + (hl > hr ? hl : hr);
	n->first = l ? l->first : n->start;
	n->last = r ? r->last : n->end;
	n->gap = max3(l ? l->gap : 0, r ? r->gap : 0, below > above ? below : above);
}

/* Make whatever pointed at old (its parent, or the root) point at new. */
static void replace_child(struct area_tree *t, struct area_node *parent, struct area_node *old,
			  struct area_node *new)
{
	if (!parent)
		t->root = new;
	else
		parent->child[parent->child[1] == old] = new;
	if (new)
		new->parent = parent;
}

/*
 * Lift x's child on side dir (0 left, 1 right) above x: a left rotation
 * for dir 1, a right one for dir 0. Returns the subtree's new root.
 */
static struct area_node *rotate(struct area_tree *t, struct area_node *x, int dir)
{
	struct area_node *y = x->child[dir];

	x->child[dir] = y->child[!dir];
	if (x->child[dir])
		x->child[dir]->parent = x;
	replace_child(t, x->parent, x, y);
	y->child[!dir] = x;
	x->parent = y;
	update(x);
	update(y);
	return y;
}

/* Restore the AVL balance at n (children balanced); returns the subtree's new root. */
static struct area_node *rebalance(struct area_tree *t, struct area_node *n)
{
	int balance = height(n->child[0]) - height(n->child[1]);

	int dir = balance < 0; /* the taller side */

	if (balance >= -1 && balance <= 1)
		return n;
	struct area_node *c = n->child[dir];
	if (height(c->child[dir]) < height(c->child[!dir]))
		rotate(t, c, !dir);
	return rotate(t, n, dir);
}

/* Everything from n up to the root may have changed: fix summaries and balance. */
static void fix_upwards(struct area_tree *t, struct area_node *n)
{
	while (n) {
		update(n);
		n = rebalance(t, n)->parent;
	}
}

void area_tree_init(struct area_tree *t)
{
	t->root = NULL;
	t->count = 0;
}

void area_insert(struct area_tree *t, struct area_node *n)
{
	struct area_node *parent = NULL, **link = &t->root;

	while (*link) {
		parent = *link;
		link = &parent->child[n->start > parent->start];
	}
	n->child[0] = n->child[1] = NULL;
	n->parent = parent;
	*link = n;
	t->count++;
	fix_upwards(t, n);
}

static struct area_node *leftmost(struct area_node *n)
{
	while (n && n->child[0])
		n = n->child[0];
	return n;
}

static struct area_node *rightmost(struct area_node *n)
{
	while (n && n->child[1])
		n = n->child[1];
	return n;
}

void area_remove(struct area_tree *t, struct area_node *n)
{
	struct area_node *fix;

	if (n->child[0] && n->child[1]) {
		/* The successor s takes n's place; s has no left child. */
		struct area_node *s = leftmost(n->child[1]);
		if (s->parent != n) {
			fix = s->parent;
			fix->child[0] = s->child[1];
			if (s->child[1])
				s->child[1]->parent = fix;
			s->child[1] = n->child[1];
			s->child[1]->parent = s;
		} else {
			fix = s;
		}
		s->child[0] = n->child[0];
		s->child[0]->parent = s;
		replace_child(t, n->parent, n, s);
	} else {
		fix = n->parent;
		replace_child(t, n->parent, n, n->child[0] ? n->child[0] : n->child[1]);
	}
	t->count--;
	fix_upwards(t, fix);
}

void area_changed(struct area_node *n)
{
	for (; n; n = n->parent)
		update(n);
}

struct area_node *area_find(const struct area_tree *t, uintptr_t addr)
{
	struct area_node *n = t->root, *best = NULL;

	while (n) {
		if (n->end > addr) {
			best = n;
			n = n->child[0];
		} else {
			n = n->child[1];
		}
	}
	return best;
}

struct area_node *area_first(const struct area_tree *t)
{
	return leftmost(t->root);
}

struct area_node *area_last(const struct area_tree *t)
{
	return rightmost(t->root);
}

struct area_node *area_next(const struct area_node *n)
{
	if (n->child[1])
		return leftmost(n->child[1]);
	while (n->parent && n->parent->child[1] == n)
		n = n->parent;
	return n->parent;
}

struct area_node *area_prev(const struct area_node *n)
{
	if (n->child[0])
		return rightmost(n->child[0]);
	while (n->parent && n->parent->child[0] == n)
		n = n->parent;
	return n->parent;
}

struct gap_search {
	size_t len;
	uintptr_t floor, top;
};

/*
 * The highest start s with [s, s + len) free, inside [lo, hi) (the free
 * range around n's subtree: lo is where the area before it ends, hi where
 * the one after it starts) and inside [floor, top). 0 when there is none.
 */
static uintptr_t search(const struct gap_search *g, const struct area_node *n, uintptr_t lo,
			uintptr_t hi)
{
	if (lo < g->floor)
		lo = g->floor;
	if (hi > g->top)
		hi = g->top;
	if (hi <= lo || hi - lo < g->len)
		return 0;
	if (!n)
		return hi - g->len;
	/* No free range in the subtree or at its edges is long enough. */
	if (max3(n->gap, n->first - lo, hi - n->last) < g->len)
		return 0;
	uintptr_t s = search(g, n->child[1], n->end, hi);
	return s ? s : search(g, n->child[0], lo, n->start);
}

uintptr_t area_gap_below(const struct area_tree *t, size_t len, uintptr_t floor, uintptr_t top)
{
	struct gap_search g = { len, floor, top };

	if (!len)
		return 0;
	return search(&g, t->root, floor, top);
}
