/*
 * ext2 directories: blocks of variable-length entries (inode, record
 * length, name length, type, name), read and changed through the
 * directory's own page cache. A removed entry is folded into the one
 * before it in its block (or, first in its block, keeps its space with
 * inode 0); a new one takes the slack after an entry or a new block at the
 * end. Directories indexed by Linux (dir_index) are read as the plain
 * lists they also are, and lose their index flag when Alto changes them.
 * A listing's position is a byte offset, as Linux's ext2 gives.
 */
#include <alto/string.h>
#include <uapi/dirent.h>
#include <uapi/errno.h>
#include "internal.h"

/* Where an entry was found: its page (referenced), and its offsets. */
struct slot {
	struct pc_page *ref;
	char *page;
	size_t off; /* of the entry in the page */
	long prev;  /* of the entry before it in its block, -1 when first */
};

static uint8_t file_type(const struct ext2_fs *fs, uint32_t mode)
{
	static const uint8_t types[16] = {
		[S_IFREG >> 12] = EXT2_FT_REG_FILE, [S_IFDIR >> 12] = EXT2_FT_DIR,
		[S_IFCHR >> 12] = EXT2_FT_CHRDEV,   [S_IFBLK >> 12] = EXT2_FT_BLKDEV,
		[S_IFIFO >> 12] = EXT2_FT_FIFO,	    [S_IFSOCK >> 12] = EXT2_FT_SOCK,
		[S_IFLNK >> 12] = EXT2_FT_SYMLINK,
	};
	return fs->filetype ? types[(mode & S_IFMT) >> 12] : 0;
}

static unsigned int dtype(const struct ext2_fs *fs, const struct ext2_dirent *de)
{
	static const unsigned char types[] = { DT_UNKNOWN, DT_REG,  DT_DIR,  DT_CHR,
					       DT_BLK,	   DT_FIFO, DT_SOCK, DT_LNK };
	return fs->filetype && de->file_type < sizeof(types) ? types[de->file_type] : DT_UNKNOWN;
}

static size_t name_len(const struct ext2_fs *fs, const struct ext2_dirent *de)
{
	/* Without the filetype feature the type byte is the name length's high half. */
	return fs->filetype ? de->name_len : (size_t)(de->name_len | de->file_type << 8);
}

static int bad_entry(struct ext2_inode_info *dir)
{
	return ext2_corrupt(dir->fs, "bad directory entry in inode", dir->v.ino);
}

/* Is the entry at off of its block sound? */
static bool entry_ok(struct ext2_fs *fs, const struct ext2_dirent *de, size_t off)
{
	return de->rec_len >= EXT2_DIRENT_HEADER && de->rec_len % 4 == 0 &&
	       off + de->rec_len <= fs->block_size &&
	       name_len(fs, de) + EXT2_DIRENT_HEADER <= de->rec_len;
}

/*
 * Call fn for each entry from the directory's start, block by block, with
 * the page and offsets; fn returns 0 to go on, 1 to stop holding the page
 * (its slot filled), or -errno. Returns what stopped it, or 0 at the end.
 */
static int walk(struct ext2_inode_info *dir, uint64_t from,
		int (*fn)(struct ext2_inode_info *dir, struct ext2_dirent *de, uint64_t pos,
			  void *arg),
		void *arg, struct slot *slot)
{
	struct ext2_fs *fs = dir->fs;
	uint64_t size = dir->v.size;

	for (uint64_t index = from / PAGE_SIZE; index * PAGE_SIZE < size; index++) {
		int err = 0;
		struct pc_page *ref;
		char *page = ext2_get_page(dir, index, &ref, &err);
		if (!page)
			return err;
		for (size_t b = 0; b < PAGE_SIZE && index * PAGE_SIZE + b < size;
		     b += fs->block_size) {
			if (index * PAGE_SIZE + b + fs->block_size <= from)
				continue;
			long prev = -1;
			for (size_t off = 0; off < fs->block_size;) {
				struct ext2_dirent *de = (void *)(page + b + off);
				if (!entry_ok(fs, de, off)) {
					pcache_put_page(ref);
					return bad_entry(dir);
				}
				uint64_t pos = index * PAGE_SIZE + b + off;
				int r = pos >= from ? fn(dir, de, pos, arg) : 0;
				if (r == 1 && slot) {
					*slot = (struct slot){ ref, page, b + off,
							       prev < 0 ? -1 : (long)(b + prev) };
					return 1;
				}
				if (r) {
					pcache_put_page(ref);
					return r;
				}
				prev = (long)off;
				off += de->rec_len;
			}
		}
		pcache_put_page(ref);
	}
	return 0;
}

struct name {
	const char *s;
	size_t len;
};

static int match(struct ext2_inode_info *dir, struct ext2_dirent *de, uint64_t pos, void *arg)
{
	const struct name *n = arg;

	return de->inode && name_len(dir->fs, de) == n->len && !memcmp(de->name, n->s, n->len);
}

static int find(struct ext2_inode_info *dir, const char *s, size_t len, struct slot *slot)
{
	struct name n = { s, len };
	int r = walk(dir, 0, match, &n, slot);

	return r == 1 ? 0 : r ? r : -ENOENT;
}

int ext2_dir_lookup(struct ext2_inode_info *dir, const char *name, size_t len, uint32_t *ino)
{
	struct slot slot;
	int err = find(dir, name, len, &slot);

	if (err)
		return err;
	*ino = ((struct ext2_dirent *)(slot.page + slot.off))->inode;
	pcache_put_page(slot.ref);
	return 0;
}

/* A directory Linux indexed stops being indexed when Alto changes it. */
static void unindex(struct ext2_inode_info *dir)
{
	if (!(dir->i_flags & EXT2_INDEX_FL))
		return;
	mutex_lock(&dir->fs->lock);
	dir->i_flags &= ~EXT2_INDEX_FL;
	ext2_write_inode(dir);
	mutex_unlock(&dir->fs->lock);
}

static void fill(struct ext2_fs *fs, struct ext2_dirent *de, const char *name, size_t len,
		 struct ext2_inode_info *ei)
{
	de->inode = (uint32_t)ei->v.ino;
	de->name_len = (uint8_t)len;
	de->file_type = file_type(fs, ei->v.mode);
	memcpy(de->name, name, len);
}

struct room {
	size_t need;
};

/* An entry with room for a new one: unused and large enough, or with slack after it. */
static int has_room(struct ext2_inode_info *dir, struct ext2_dirent *de, uint64_t pos, void *arg)
{
	const struct room *r = arg;
	size_t used = de->inode ? EXT2_DIRENT_LEN(name_len(dir->fs, de)) : 0;

	return de->rec_len >= used + r->need;
}

/* A new last block for the directory, whose whole space is one unused entry. */
static int grow(struct ext2_inode_info *dir, struct slot *slot)
{
	struct ext2_fs *fs = dir->fs;
	uint64_t size = dir->v.size, block;
	int err;

	mutex_lock(&fs->lock);
	err = ext2_bmap(dir, size / fs->block_size, true, &block);
	mutex_unlock(&fs->lock);
	if (err)
		return err;
	/* A page that starts here has nothing to read; one already begun is read in. */
	void *page =
		pcache_get_page(&dir->v, size / PAGE_SIZE, size % PAGE_SIZE != 0, &slot->ref, &err);
	if (!page)
		return err;
	slot->page = page;
	slot->off = size % PAGE_SIZE;
	slot->prev = -1;
	struct ext2_dirent *de = (void *)(slot->page + slot->off);
	memset(de, 0, fs->block_size);
	de->rec_len = (uint16_t)fs->block_size;
	rw_write_lock(&dir->v.lock);
	dir->v.size = size + fs->block_size;
	mutex_lock(&fs->lock);
	ext2_write_inode(dir);
	mutex_unlock(&fs->lock);
	rw_write_unlock(&dir->v.lock);
	return 0;
}

int ext2_dir_add(struct ext2_inode_info *dir, const char *name, size_t len,
		 struct ext2_inode_info *ei)
{
	struct ext2_fs *fs = dir->fs;
	struct room room = { EXT2_DIRENT_LEN(len) };
	struct slot slot;

	unindex(dir);
	int r = walk(dir, 0, has_room, &room, &slot);
	if (r < 0)
		return r;
	if (r == 0 && (r = grow(dir, &slot)))
		return r;
	struct ext2_dirent *de = (void *)(slot.page + slot.off);
	if (de->inode) {
		/* Split: the old entry keeps what it uses, the new one the rest. */
		size_t used = EXT2_DIRENT_LEN(name_len(fs, de));
		struct ext2_dirent *n = (void *)((char *)de + used);
		n->rec_len = (uint16_t)(de->rec_len - used);
		de->rec_len = (uint16_t)used;
		de = n;
	}
	fill(fs, de, name, len, ei);
	pcache_mark_dirty(slot.ref);
	pcache_put_page(slot.ref);
	return 0;
}

int ext2_dir_remove(struct ext2_inode_info *dir, const char *name, size_t len)
{
	struct slot slot;
	int err = find(dir, name, len, &slot);

	if (err)
		return err;
	unindex(dir);
	struct ext2_dirent *de = (void *)(slot.page + slot.off);
	if (slot.prev >= 0)
		((struct ext2_dirent *)(slot.page + slot.prev))->rec_len += de->rec_len;
	else
		de->inode = 0;
	pcache_mark_dirty(slot.ref);
	pcache_put_page(slot.ref);
	return 0;
}

int ext2_dir_set(struct ext2_inode_info *dir, const char *name, size_t len,
		 struct ext2_inode_info *ei)
{
	struct slot slot;
	int err = find(dir, name, len, &slot);

	if (err)
		return err;
	struct ext2_dirent *de = (void *)(slot.page + slot.off);
	de->inode = (uint32_t)ei->v.ino;
	de->file_type = file_type(dir->fs, ei->v.mode);
	pcache_mark_dirty(slot.ref);
	pcache_put_page(slot.ref);
	return 0;
}

static int not_dots(struct ext2_inode_info *dir, struct ext2_dirent *de, uint64_t pos, void *arg)
{
	size_t n = name_len(dir->fs, de);
	bool dots = (n == 1 && de->name[0] == '.') ||
		    (n == 2 && de->name[0] == '.' && de->name[1] == '.');

	return de->inode && !dots ? -ENOTEMPTY : 0;
}

bool ext2_dir_empty(struct ext2_inode_info *dir)
{
	return walk(dir, 0, not_dots, NULL, NULL) == 0;
}

int ext2_dir_init(struct ext2_inode_info *dir, struct ext2_inode_info *parent)
{
	struct ext2_fs *fs = dir->fs;
	struct slot slot;
	int err = grow(dir, &slot);

	if (err)
		return err;
	struct ext2_dirent *dot = (void *)(slot.page + slot.off);
	dot->inode = (uint32_t)dir->v.ino;
	dot->rec_len = EXT2_DIRENT_LEN(1);
	dot->name_len = 1;
	dot->file_type = file_type(fs, S_IFDIR);
	dot->name[0] = '.';
	struct ext2_dirent *dotdot = (void *)((char *)dot + dot->rec_len);
	dotdot->inode = (uint32_t)parent->v.ino;
	dotdot->rec_len = (uint16_t)(fs->block_size - dot->rec_len);
	dotdot->name_len = 2;
	dotdot->file_type = file_type(fs, S_IFDIR);
	dotdot->name[0] = dotdot->name[1] = '.';
	pcache_mark_dirty(slot.ref);
	pcache_put_page(slot.ref);
	return 0;
}

int ext2_dir_set_parent(struct ext2_inode_info *dir, uint32_t parent_ino)
{
	struct slot slot;
	int err = find(dir, "..", 2, &slot);

	if (err)
		return err;
	((struct ext2_dirent *)(slot.page + slot.off))->inode = parent_ino;
	pcache_mark_dirty(slot.ref);
	pcache_put_page(slot.ref);
	return 0;
}

struct listing {
	vfs_dirent_fn fn;
	void *ctx;
	uint64_t *cookie;
};

static int emit(struct ext2_inode_info *dir, struct ext2_dirent *de, uint64_t pos, void *arg)
{
	struct listing *l = arg;
	uint64_t next = pos + de->rec_len;

	if (de->inode &&
	    l->fn(l->ctx, de->name, name_len(dir->fs, de), de->inode, dtype(dir->fs, de), next))
		return 2; /* the reader is full: stop before this entry */
	*l->cookie = next;
	return 0;
}

int ext2_readdir(struct vnode *v, uint64_t *cookie, vfs_dirent_fn fn, void *ctx)
{
	struct listing l = { fn, ctx, cookie };

	if (v->nlink == 0)
		return -ENOENT;
	int r = walk(EI(v), *cookie, emit, &l, NULL);
	return r < 0 ? r : 0;
}

struct child {
	uint64_t ino;
	char *buf;
	size_t size;
	int len;
};

static int is_child(struct ext2_inode_info *dir, struct ext2_dirent *de, uint64_t pos, void *arg)
{
	struct child *c = arg;
	size_t n = name_len(dir->fs, de);

	if (de->inode != c->ino || (n == 1 && de->name[0] == '.') ||
	    (n == 2 && de->name[0] == '.' && de->name[1] == '.') || n >= c->size)
		return 0;
	memcpy(c->buf, de->name, n);
	c->len = (int)n;
	return 2;
}

int ext2_name_of(struct vnode *dir, struct vnode *child, char *buf, size_t size)
{
	struct child c = { child->ino, buf, size, -ENOENT };
	int r = walk(EI(dir), 0, is_child, &c, NULL);

	return r < 0 ? r : c.len;
}
