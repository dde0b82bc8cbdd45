/*
 * The FUSE client's state, shared by the files of fs/fuse/: a connection
 * (struct fuse_conn, which embeds the mount) to a server on the host
 * through a transport (alto/fuse.h), and its nodes (struct fuse_node, which
 * embeds the vnode), each one the server counts lookups of until told to
 * forget them. Names looked up are remembered for as long as the server
 * says (entries, negative ones too); nodes stay cached after their last
 * user, with their pages, until too many are.
 *
 * Locks: fc->lock (a mutex) covers the node table and the name cache, and
 * is never held while a request is out.
 */
#ifndef FS_FUSE_INTERNAL_H
#define FS_FUSE_INTERNAL_H

#include <alto/fuse.h>
#include <alto/pagecache.h>
#include <alto/vfs.h>
#include <uapi/fuse.h>
#include "../internal.h"

#define FUSE_HASH	256
#define FUSE_NAMES	1024 /* name cache buckets */
#define FUSE_MAX_CACHED 8192

struct fuse_conn {
	struct mount mount;
	struct fuse_transport *t;
	struct mutex lock;
	uint64_t unique; /* atomic */
	unsigned int minor;
	uint32_t max_io; /* bytes one READ or WRITE carries */
	struct list nodes[FUSE_HASH];
	uint64_t nnodes, nunused;
	struct list names[FUSE_NAMES];
	unsigned int nnames;
	char source[48];
};

struct fuse_node {
	struct vnode v;
	struct fuse_conn *fc;
	uint64_t nodeid;
	uint64_t nlookup;      /* lookups the server counted: FORGET gives them back */
	uint64_t attr_expires; /* monotonic ns */
	struct mutex fh_lock;  /* the handles below */
	uint64_t fh, dir_fh;
	bool has_fh, fh_writable, has_dir_fh;
	bool unused; /* cached with no user (fc->lock) */
	struct list hash_link;
};

static inline struct fuse_node *FN(struct vnode *v)
{
	return container_of(v, struct fuse_node, v);
}

static inline struct fuse_conn *FC(struct mount *m)
{
	return container_of(m, struct fuse_conn, mount);
}

/* One request: arguments, names, a fixed reply, a variable reply, pages of data. */
struct fuse_args {
	uint32_t opcode;
	uint64_t nodeid;
	struct fuse_seg in[3]; /* copied: they may be on the stack */
	unsigned int nin;
	void *out; /* the fixed part of the reply */
	uint32_t out_len;
	void *var; /* the reply's variable part (a name, a listing, a value) */
	uint32_t var_len;
	struct pcache_io *pages; /* data sent (write) or received (read) */
	unsigned int npages;
	uint32_t data_len;
	bool pages_out; /* the pages receive the reply's data */
};

/* conn.c */
/* Send a request and wait: the reply's length past its header, or -errno. */
long fuse_send(struct fuse_conn *fc, struct fuse_args *a);
/* The server may drop nlookup lookups of nodeid. */
void fuse_forget(struct fuse_conn *fc, uint64_t nodeid, uint64_t nlookup);
/* The name cache: the node a name had (0: none) when it is still valid. */
bool fuse_name_cached(struct fuse_conn *fc, uint64_t dir, const char *name, size_t len,
		      uint64_t *nodeid);
void fuse_name_remember(struct fuse_conn *fc, uint64_t dir, const char *name, size_t len,
			uint64_t nodeid, uint64_t valid_ns);
void fuse_name_forget(struct fuse_conn *fc, uint64_t dir, const char *name, size_t len);
uint64_t fuse_valid_ns(uint64_t sec, uint32_t nsec);

/* node.c */
extern const struct vnode_ops fuse_file_vops, fuse_dir_vops, fuse_link_vops, fuse_special_vops;
/*
 * The node nodeid with these attributes, from the cache (one more lookup
 * counted) or new; referenced. ERR_PTR(-ENOMEM).
 */
struct fuse_node *fuse_node_get(struct fuse_conn *fc, uint64_t nodeid, const struct fuse_attr *attr,
				uint64_t attr_valid_ns);
/* The cached node nodeid, referenced (no lookup counted), or NULL. */
struct fuse_node *fuse_node_find(struct fuse_conn *fc, uint64_t nodeid);
/* A node the server just counted a lookup of (LOOKUP, CREATE, MKDIR...). */
struct fuse_node *fuse_node_from_entry(struct fuse_conn *fc, const struct fuse_entry_out *e);
void fuse_set_attr(struct fuse_node *n, const struct fuse_attr *attr, uint64_t valid_ns);
/* Refresh the attributes if they are out of date (or always, with force). */
int fuse_refresh(struct fuse_node *n, bool force);
void fuse_nodes_drop(struct fuse_conn *fc);
bool fuse_nodes_busy(struct fuse_conn *fc);

/* dir.c */
int fuse_lookup(struct vnode *dir, const char *name, size_t len, struct vnode **out);
int fuse_create(struct vnode *dir, const char *name, size_t len, uint32_t mode, uint64_t rdev,
		struct vnode **out);
int fuse_symlink(struct vnode *dir, const char *name, size_t len, const char *target,
		 struct vnode **out);
int fuse_link(struct vnode *dir, const char *name, size_t len, struct vnode *v);
int fuse_unlink(struct vnode *dir, const char *name, size_t len, bool rmdir);
int fuse_rename(struct vnode *odir, const char *oname, size_t olen, struct vnode *ndir,
		const char *nname, size_t nlen, unsigned int flags);
int fuse_readdir(struct vnode *dir, uint64_t *cookie, vfs_dirent_fn fn, void *ctx);
int fuse_name_of(struct vnode *dir, struct vnode *child, char *buf, size_t size);
/* The directory's handle for listings, opened at first need. */
int fuse_dir_handle(struct fuse_node *n, uint64_t *fh);

#endif
