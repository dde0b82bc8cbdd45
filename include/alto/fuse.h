/*
 * The FUSE client (fs/fuse/) and the transports that carry its requests to
 * a server on the host: virtio-fs (drivers/virtio/fs.c) registers one per
 * device, named by the device's tag, and the file system type "virtiofs"
 * mounts the transport whose tag is the mount's source.
 *
 * A request is a list of segments (each physically contiguous: kmalloc'd or
 * whole pages): the first nin the server reads (the request's header and
 * arguments), then nout it writes (the reply's header and data).
 */
#ifndef ALTO_FUSE_H
#define ALTO_FUSE_H

#include <stdbool.h>
#include <stdint.h>
#include <alto/list.h>

#define FUSE_MAX_SEGS 72 /* headers, arguments, names, and 64 pages of data */

struct fuse_seg {
	void *buf;
	uint32_t len;
};

struct fuse_req {
	struct fuse_seg segs[FUSE_MAX_SEGS];
	unsigned int nin, nout;
	uint32_t written; /* bytes the server wrote, when done */
	bool no_reply;	  /* FORGET: the server answers nothing */
};

struct fuse_transport {
	char tag[40];
	/*
	 * Carry req to the server and wait for its reply (not for a
	 * no_reply request): 0, or -errno when it could not be carried.
	 */
	int (*send)(struct fuse_transport *t, struct fuse_req *req);
	/* FORGET (no reply), which may go on a queue of its own; it waits the same. */
	int (*send_forget)(struct fuse_transport *t, struct fuse_req *req);
	unsigned int max_segs; /* segments one request may have */
	struct list link;
	bool in_use; /* mounted */
};

int fuse_transport_register(struct fuse_transport *t);
/* The transport named tag, or NULL. */
struct fuse_transport *fuse_transport_find(const char *tag);
void fuse_transports_for_each(void (*fn)(struct fuse_transport *t, void *arg), void *arg);

#endif
