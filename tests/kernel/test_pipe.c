/*
 * Self tests of pipes, FIFOs and poll: a blocked reader is woken by a write
 * from another thread, large transfers wrap the ring with both sides
 * blocking, ends see EOF, EPIPE and EAGAIN, FIFO opens meet, and vfs_poll
 * wakes on a write or times out.
 */
#include <alto/mm.h>
#include <alto/sched.h>
#include <alto/selftest.h>
#include <alto/string.h>
#include <alto/time.h>
#include <alto/vfs.h>
#include <uapi/fcntl.h>
#include <uapi/poll.h>
#include <uapi/stat.h>

#define STREAM (200 * 1024)

struct reader {
	struct file *f;
	long got;   /* bytes read */
	long bad;   /* bytes that did not match */
	long first; /* the first read's result */
};

static void read_one(void *arg)
{
	struct reader *r = arg;
	char buf[16];

	r->first = vfs_kread(r->f, buf, sizeof(buf));
	r->got = r->first == 5 && !memcmp(buf, "hello", 5);
}

static void read_stream(void *arg)
{
	struct reader *r = arg;
	char buf[3001];
	long n;

	while ((n = vfs_kread(r->f, buf, sizeof(buf))) > 0) {
		for (long i = 0; i < n; i++)
			r->bad += buf[i] != (char)((r->got + i) % 251);
		r->got += n;
	}
	r->first = n;
}

static int blocking_reader(struct file *rd, struct file *wr)
{
	struct reader r = { .f = rd };
	struct thread *t = thread_create(read_one, &r, "pipe-reader");

	ST_ASSERT(!IS_ERR(t));
	thread_sleep_ns(5 * NSEC_PER_MSEC); /* let it block */
	ST_ASSERT_EQ(r.got, 0);
	ST_ASSERT_EQ(vfs_kwrite(wr, "hello", 5), 5);
	thread_join(t);
	ST_ASSERT_EQ(r.first, 5);
	ST_ASSERT_EQ(r.got, 1);
	return 0;
}

/* More than the ring holds, in odd pieces: the writer blocks, the reader keeps up. */
static int stream(struct file *rd, struct file *wr)
{
	struct reader r = { .f = rd };
	struct thread *t = thread_create(read_stream, &r, "pipe-stream");
	char buf[4099];
	long sent = 0;

	ST_ASSERT(!IS_ERR(t));
	while (sent < STREAM) {
		long n = MIN((long)sizeof(buf), STREAM - sent);
		for (long i = 0; i < n; i++)
			buf[i] = (char)((sent + i) % 251);
		ST_ASSERT_EQ(vfs_kwrite(wr, buf, n), n);
		sent += n;
	}
	file_put(wr); /* the reader sees EOF */
	thread_join(t);
	ST_ASSERT_EQ(r.got, STREAM);
	ST_ASSERT_EQ(r.bad, 0);
	ST_ASSERT_EQ(r.first, 0);
	return 0;
}

SELFTEST(pipe)
{
	vfs_init();
	size_t heap = heap_bytes_in_use();
	struct file *rd, *wr;
	char c;

	ST_ASSERT_EQ(pipe_create(&rd, &wr, 0), 0);
	ST_ASSERT_EQ(blocking_reader(rd, wr), 0);
	ST_ASSERT_EQ(vfs_lseek(rd, 0, SEEK_SET), -ESPIPE);
	ST_ASSERT_EQ(vfs_pread(rd, &c, 1, 0), -ESPIPE);
	ST_ASSERT_EQ(vfs_kwrite(rd, "x", 1), -EBADF);
	ST_ASSERT_EQ(pipe_get_size(wr), PIPE_DEF_SIZE);
	ST_ASSERT_EQ(stream(rd, wr), 0);
	file_put(rd);

	/* No readers: EPIPE (a kernel writer gets no SIGPIPE). */
	ST_ASSERT_EQ(pipe_create(&rd, &wr, O_NONBLOCK), 0);
	ST_ASSERT_EQ(vfs_kread(rd, &c, 1), -EAGAIN);
	ST_ASSERT_EQ(pipe_set_size(wr, 4096), 4096);
	char *big = kzalloc(8192);
	ST_ASSERT(big);
	ST_ASSERT_EQ(vfs_kwrite(wr, big, 8192), 4096); /* non-blocking: what fits */
	ST_ASSERT_EQ(vfs_kwrite(wr, big, 1), -EAGAIN);
	kfree(big);
	file_put(rd);
	ST_ASSERT_EQ(vfs_kwrite(wr, "x", 1), -EPIPE);
	file_put(wr);
	ST_ASSERT_EQ(heap_bytes_in_use(), heap);
	return 0;
}

struct poll_one {
	struct file *f;
	unsigned int events, revents;
};

static int scan_one(void *ctx, struct poll_table *pt)
{
	struct poll_one *p = ctx;

	p->revents = vfs_poll_file(p->f, pt) & (p->events | POLLERR | POLLHUP);
	return p->revents != 0;
}

static void write_later(void *arg)
{
	thread_sleep_ns(10 * NSEC_PER_MSEC);
	vfs_kwrite(arg, "!", 1);
}

SELFTEST(poll)
{
	vfs_init();
	size_t heap = heap_bytes_in_use();
	struct file *rd, *wr;
	struct poll_one p;
	uint64_t start;

	ST_ASSERT_EQ(pipe_create(&rd, &wr, 0), 0);
	p = (struct poll_one){ .f = rd, .events = POLLIN };
	ST_ASSERT_EQ(vfs_poll(scan_one, &p, POLL_NO_WAIT), 0);
	start = time_now_ns();
	ST_ASSERT_EQ(vfs_poll(scan_one, &p, start + 20 * NSEC_PER_MSEC), 0);
	ST_ASSERT(time_now_ns() - start >= 20 * NSEC_PER_MSEC);

	/* A write from another thread wakes the poller well before its deadline. */
	struct thread *t = thread_create(write_later, wr, "poll-writer");
	ST_ASSERT(!IS_ERR(t));
	start = time_now_ns();
	ST_ASSERT_EQ(vfs_poll(scan_one, &p, start + 5 * NSEC_PER_SEC), 1);
	ST_ASSERT(p.revents & POLLIN);
	ST_ASSERT(time_now_ns() - start < 4 * NSEC_PER_SEC);
	thread_join(t);

	p = (struct poll_one){ .f = wr, .events = POLLOUT };
	ST_ASSERT_EQ(vfs_poll(scan_one, &p, 0), 1);
	ST_ASSERT_EQ(p.revents, POLLOUT);
	file_put(rd);
	ST_ASSERT_EQ(vfs_poll(scan_one, &p, 0), 1);
	ST_ASSERT(p.revents & POLLERR);
	file_put(wr);

	/* Files without a poll op are always ready. */
	struct file *f = vfs_open_kernel("/dev/null", O_RDWR, 0);
	ST_ASSERT(!IS_ERR(f));
	ST_ASSERT_EQ(vfs_poll_file(f, NULL) & (POLLIN | POLLOUT), POLLIN | POLLOUT);
	file_put(f);
	ST_ASSERT_EQ(heap_bytes_in_use(), heap);
	return 0;
}

static void open_reader(void *arg)
{
	struct reader *r = arg;

	r->f = vfs_open_kernel("/tmp/fifo", O_RDONLY, 0); /* blocks until a writer opens */
	if (!IS_ERR(r->f))
		read_one(r);
}

/* A blocking open of the read end waits for the writer, then reads what it wrote. */
static int fifo_rendezvous(void)
{
	struct reader r = { 0 };
	struct thread *t = thread_create(open_reader, &r, "fifo-reader");
	struct file *wr;

	ST_ASSERT(!IS_ERR(t));
	thread_sleep_ns(5 * NSEC_PER_MSEC);
	wr = vfs_open_kernel("/tmp/fifo", O_WRONLY, 0);
	ST_ASSERT(!IS_ERR(wr));
	ST_ASSERT_EQ(vfs_kwrite(wr, "hello", 5), 5);
	thread_join(t);
	ST_ASSERT(!IS_ERR(r.f));
	ST_ASSERT_EQ(r.got, 1);
	file_put(wr);
	char c;
	ST_ASSERT_EQ(vfs_kread(r.f, &c, 1), 0); /* no writers left */
	file_put(r.f);
	return 0;
}

SELFTEST(fifo)
{
	vfs_init();
	size_t heap = heap_bytes_in_use();
	struct file *rd, *wr;
	struct kstat st;
	char buf[8];

	ST_ASSERT_EQ(vfs_mknod(NULL, "/tmp/fifo", S_IFIFO | 0600, 0), 0);
	ST_ASSERT_EQ(vfs_stat(NULL, "/tmp/fifo", 0, &st), 0);
	ST_ASSERT(S_ISFIFO(st.mode));
	ST_ASSERT_EQ(PTR_ERR(vfs_open_kernel("/tmp/fifo", O_WRONLY | O_NONBLOCK, 0)), -ENXIO);
	rd = vfs_open_kernel("/tmp/fifo", O_RDONLY | O_NONBLOCK, 0);
	ST_ASSERT(!IS_ERR(rd));
	wr = vfs_open_kernel("/tmp/fifo", O_WRONLY | O_NONBLOCK, 0);
	ST_ASSERT(!IS_ERR(wr));
	ST_ASSERT_EQ(vfs_kwrite(wr, "abc", 3), 3);
	ST_ASSERT_EQ(vfs_kread(rd, buf, sizeof(buf)), 3);
	ST_ASSERT_EQ(pipe_get_size(rd), PIPE_DEF_SIZE);
	file_put(wr);
	file_put(rd);
	ST_ASSERT_EQ(fifo_rendezvous(), 0);
	/* O_RDWR never waits, and data written before closing is gone with the pipe. */
	rd = vfs_open_kernel("/tmp/fifo", O_RDWR, 0);
	ST_ASSERT(!IS_ERR(rd));
	ST_ASSERT_EQ(vfs_kwrite(rd, "xy", 2), 2);
	file_put(rd);
	rd = vfs_open_kernel("/tmp/fifo", O_RDWR | O_NONBLOCK, 0);
	ST_ASSERT_EQ(vfs_kread(rd, buf, sizeof(buf)), -EAGAIN);
	file_put(rd);
	ST_ASSERT_EQ(vfs_unlink(NULL, "/tmp/fifo"), 0);
	ST_ASSERT_EQ(heap_bytes_in_use(), heap);
	return 0;
}
