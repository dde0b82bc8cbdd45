/*
 * POSIX message queues (fs/mqueue.c): the calls' logic, on the current
 * process's descriptors. Each returns the Linux result or -errno; the
 * system call layer (sys/mqueue.c) copies arguments in and out.
 */
#ifndef ALTO_MQUEUE_H
#define ALTO_MQUEUE_H

#include <stddef.h>
#include <stdint.h>
#include <alto/uaccess.h>
#include <uapi/time.h>

/* struct mq_attr of the ABI. */
struct mq_attr_k {
	long mq_flags; /* O_NONBLOCK */
	long mq_maxmsg;
	long mq_msgsize;
	long mq_curmsgs;
	long reserved[4];
};
_Static_assert(sizeof(struct mq_attr_k) == 64, "struct mq_attr is 64 bytes");

#define MQ_PRIO_MAX	   32768
#define MQ_MSG_DEFAULT	   10	 /* fs.mqueue.msg_default */
#define MQ_MSGSIZE_DEFAULT 8192	 /* fs.mqueue.msgsize_default */
#define MQ_MSG_MAX	   10	 /* fs.mqueue.msg_max: the most without CAP_SYS_RESOURCE */
#define MQ_MSGSIZE_MAX	   8192	 /* fs.mqueue.msgsize_max */
#define MQ_HARD_MSGMAX	   65536 /* the most with it */
#define MQ_HARD_MSGSIZEMAX (16 << 20)
#define MQ_QUEUES_MAX	   256 /* fs.mqueue.queues_max */

/* Make the mqueue file system and mount it on /dev/mqueue. */
void mqueue_init(void);

/* name without its leading slash (the C library strips it); attr NULL for the defaults. */
long mqueue_open(const char *name, int oflag, unsigned int mode, const struct mq_attr_k *attr);
long mqueue_unlink(const char *name);
/* deadline: absolute monotonic ns, 0 for none. */
long mqueue_send(int fd, const char __user *text, size_t len, unsigned int prio, uint64_t deadline);
long mqueue_receive(int fd, char __user *text, size_t len, unsigned int __user *prio,
		    uint64_t deadline);
/* ev NULL: end the caller's registration. SIGEV_NONE or SIGEV_SIGNAL, checked by the caller. */
/*
 * SIGEV_THREAD's cookie, as Linux's NOTIFY_COOKIE_LEN: the C library's
 * 32 bytes, the last one replaced by why the cookie comes back.
 */
#define MQ_COOKIE_LEN	  32
#define MQ_NOTIFY_WOKENUP 1
#define MQ_NOTIFY_REMOVED 2
struct file;
/* ev NULL: end the caller's registration. sock (SIGEV_THREAD's, with cookie): taken over. */
long mqueue_notify(int fd, const struct ksigevent *ev, struct file *sock, const uint8_t *cookie);
long mqueue_getsetattr(int fd, const struct mq_attr_k *set, struct mq_attr_k *old);

#endif
