/*
 * Declarations shared by the socket layer's files: net/socket.c (sockets
 * as files, families, addresses, connections), net/msg.c (messages and
 * control messages) and net/sockopt.c (SOL_SOCKET options); then AF_UNIX's
 * own, shared by net/unix.c (names, connections) and net/unix_msg.c (data).
 */
#ifndef NET_INTERNAL_H
#define NET_INTERNAL_H

#include <alto/socket.h>

/* Linux's defaults (net.core.wmem_default and rmem_default) and floors. */
#define SOCK_DEFAULT_BUF 212992
#define SOCK_MIN_SNDBUF	 4608
#define SOCK_MIN_RCVBUF	 2304
#define SOCK_MAX_BUF	 212992

/* An address from the application: 0 (len bytes in *k, len 0: none) or -EINVAL, -EFAULT. */
int sockaddr_import(struct sockaddr_storage *k, const void __user *u, int len);
/* An address to the application, cut to its buffer; *ulen gets the full length. */
int sockaddr_export(const struct sockaddr_storage *k, int klen, void __user *u, int __user *ulen);

/* Send or receive m on s with the layer's flags: MSG_DONTWAIT, SIGPIPE unless MSG_NOSIGNAL. */
long sock_do_sendmsg(struct socket *s, struct sock_msg *m, int flags);
long sock_do_recvmsg(struct socket *s, struct sock_msg *m, int flags);

/*
 * Install received files in the current process's table and report them
 * as one SCM_RIGHTS message, as many as fit; takes over all n references
 * (what is not installed is put) and sets MSG_CTRUNC for what did not fit.
 */
int sock_put_rights(struct sock_msg *m, struct file **files, int n);

/* ---- AF_UNIX */

#define UNIX_RCV_SHUTDOWN   1
#define UNIX_SEND_SHUTDOWN  2
#define UNIX_SHUTDOWN_MASK  3
#define UNIX_MAX_DGRAM_QLEN 10 /* net.unix.max_dgram_qlen */

enum unix_state {
	UNIX_UNCONNECTED,
	UNIX_CONNECTING,
	UNIX_LISTENING,
	UNIX_CONNECTED,
};

/* A bound name, shared by a listener and the sockets it accepts. */
struct unix_addr {
	long refs;
	int len; /* what getsockname returns: the family and the name */
	struct sockaddr_un sun;
};

/* One message (or, on a stream, one piece of the byte stream) in a receive queue. */
struct unix_skb {
	struct list link;
	size_t len, off;	/* data[off..len) is unread */
	struct unix_addr *from; /* the sender's name, referenced, or NULL */
	struct ucred cred;	/* the sender's, at the time of sending */
	struct file **files;	/* SCM_RIGHTS, referenced */
	int nfiles;
	char data[];
};

/*
 * An AF_UNIX socket's state. Its lock guards everything below; no code
 * holds two of them at once. An embryo (a connection not yet accepted) has
 * no socket (s NULL) until accept gives it one; s goes back to NULL when the
 * socket is released, while peers and queues may still hold references.
 */
struct unix_sock {
	long refs;
	struct mutex lock;
	struct socket *s;
	int type;
	enum unix_state state;
	bool dead;
	unsigned int shutdown;
	int err; /* a pending error (ECONNRESET), taken by the next receive or SO_ERROR */
	struct unix_sock *peer; /* referenced: the other end, or a datagram socket's default */
	struct unix_addr *addr; /* referenced, or NULL */
	struct vnode *vnode;	/* the socket file of a path name, referenced */
	struct list name_link;
	struct list rcvq;
	size_t rcv_bytes;
	unsigned int rcv_count;
	struct list acceptq; /* embryos */
	struct list accept_link;
	unsigned int nacceptq;
	int backlog;
	struct ucred cred;     /* ours, as the other side's SO_PEERCRED will show it */
	struct ucred peercred; /* the other side's */
	bool has_peercred;
	/* Senders and connectors wait here for room in our queues (or our end). */
	struct waitq peer_wait;
	unsigned int peer_seq;
};

void unix_get(struct unix_sock *u);
void unix_put(struct unix_sock *u);
void unix_addr_put(struct unix_addr *a);
/* Tell u's socket (if it still has one) what changed; u->lock held. */
void unix_notify(struct unix_sock *u, unsigned int events);
/* Room in u's queues, or u is gone: wake who waits to send to or connect to it. */
void unix_wake_senders(struct unix_sock *u);
/* Sleep until u's peer_wait moves past seq: 0, -EAGAIN (deadline), or a restart code. */
int unix_wait_room(struct unix_sock *u, unsigned int seq, uint64_t deadline);
/* The socket bound to an address (referenced): -ECONNREFUSED, -ENOENT, -EINVAL... */
struct unix_sock *unix_find(const struct sockaddr_storage *addr, int len);
/* Give an unbound socket an abstract name of its own (u->lock held). */
int unix_autobind(struct unix_sock *u);
long unix_sendmsg(struct socket *s, struct sock_msg *m, int flags, bool nonblock);
long unix_recvmsg(struct socket *s, struct sock_msg *m, int flags, bool nonblock);
void unix_skb_free(struct unix_skb *skb);

#endif
