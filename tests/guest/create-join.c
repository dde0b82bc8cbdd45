/*
 * Thread life cycles. "create-join [N]": N threads (default 10,000) created
 * and joined four at a time, return values and pthread_exit values, thread ids,
 * pthread_self and pthread_equal, 100 threads alive at once, detached
 * threads, threads creating threads, and stacks of the sizes asked for
 * (pthread_attr_setstacksize, pthread_attr_setstack), deeply used.
 * "create-join main-exits": main calls pthread_exit while threads still
 * run; the process lives on until the last one ends (status 0).
 * "create-join thread-exits N": a thread calls exit(N) while the others
 * are blocked; every thread dies and the status is N.
 */
#include "threads.h"
#include <semaphore.h>
#include <sys/mman.h>

static long total = 10000;
#define BATCH 4

static void *identity(void *arg)
{
	return arg;
}

static void *exit_with(void *arg)
{
	pthread_exit((char *)arg + 1);
}

static void lifecycles(void)
{
	pthread_t t[BATCH];
	long bad = 0, created = 0;

	phase("threads created and joined in batches");
	for (long n = 0; n < total; n += BATCH) {
		for (long i = 0; i < BATCH; i++) {
			must("pthread_create",
			     pthread_create(&t[i], NULL, (i & 1) ? exit_with : identity,
					    (void *)(n + i)));
			created++;
		}
		for (long i = 0; i < BATCH; i++) {
			long want = (i & 1) ? n + i + 1 : n + i;
			bad += (long)join(t[i]) != want;
		}
	}
	printf("threads created and joined: %ld\n", created);
	printf("wrong return values: %ld\n", bad);
}

static pid_t tids[BATCH];
static pid_t pids[BATCH];
static pthread_t selves[BATCH];
static pthread_barrier_t barrier;

static void *who(void *arg)
{
	long i = (long)arg;

	tids[i] = tid();
	pids[i] = getpid();
	selves[i] = pthread_self();
	pthread_barrier_wait(&barrier); /* all alive at once: the tids are distinct */
	return NULL;
}

static void identities(void)
{
	pthread_t t[BATCH];
	int distinct = 1, same_pid = 1, equal = 1;

	phase("identities");
	must("pthread_barrier_init", pthread_barrier_init(&barrier, NULL, BATCH));
	for (long i = 0; i < BATCH; i++)
		t[i] = spawn(who, (void *)i);
	for (int i = 0; i < BATCH; i++)
		join(t[i]);
	for (int i = 0; i < BATCH; i++) {
		same_pid &= pids[i] == getpid();
		distinct &= tids[i] != getpid() && tids[i] > 0;
		equal &=
			pthread_equal(selves[i], t[i]) && !pthread_equal(selves[i], pthread_self());
		for (int j = 0; j < i; j++)
			distinct &= tids[i] != tids[j];
	}
	check("main's thread id is the process id", tid() == getpid());
	check("every thread has its own id, none the process id", distinct);
	check("getpid() is the same in every thread", same_pid);
	check("pthread_self() in a thread equals what pthread_create gave", equal);
	pthread_barrier_destroy(&barrier);
}

#define ALIVE 100

static sem_t arrived, release;

static void *waiter(void *arg)
{
	sem_post(&arrived);
	sem_wait(&release);
	return arg;
}

static int detached_ran;

static void *detached(void *arg)
{
	__atomic_fetch_add(&detached_ran, 1, __ATOMIC_RELAXED);
	sem_post(&arrived);
	return NULL;
}

static void *parent(void *arg)
{
	long depth = (long)arg;

	if (depth == 0)
		return (void *)0L;
	return (void *)((long)join(spawn(parent, (void *)(depth - 1))) + 1);
}

static void crowds(void)
{
	pthread_t t[ALIVE];
	pthread_attr_t attr;
	long sum = 0;

	phase("100 threads alive at once");
	sem_init(&arrived, 0, 0);
	sem_init(&release, 0, 0);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	for (long i = 0; i < ALIVE; i++)
		must("pthread_create", pthread_create(&t[i], &attr, waiter, (void *)i));
	for (int i = 0; i < ALIVE; i++)
		sem_wait(&arrived);
	printf("threads alive at once: %d\n", ALIVE);
	for (int i = 0; i < ALIVE; i++)
		sem_post(&release);
	for (int i = 0; i < ALIVE; i++)
		sum += (long)join(t[i]);
	printf("sum of their return values: %ld\n", sum);

	phase("detached threads");
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (int i = 0; i < 150; i++) {
		pthread_t d;
		must("pthread_create detached", pthread_create(&d, &attr, detached, NULL));
	}
	for (int i = 0; i < 50; i++) {
		pthread_t d = spawn(detached, NULL);
		must("pthread_detach", pthread_detach(d));
	}
	for (int i = 0; i < 200; i++)
		sem_wait(&arrived);
	printf("detached threads that ran: %d\n", detached_ran);
	pthread_attr_destroy(&attr);

	phase("threads creating threads");
	printf("a chain of threads each creating and joining the next: depth %ld\n",
	       (long)join(spawn(parent, (void *)20L)));
}

struct stack_report {
	size_t want;
	int inside, big_enough, deep_ok;
};

/* Uses about N bytes of stack, in 4 KiB frames; returns a checksum. */
static long __attribute__((noinline)) use_stack(long n)
{
	volatile char frame[4000];

	frame[0] = (char)n;
	frame[3999] = (char)(n >> 8);
	if (n <= 4096)
		return frame[0];
	return use_stack(n - 4096) + frame[0] - frame[3999] + (char)(n >> 8);
}

static void *stack_check(void *arg)
{
	struct stack_report *r = arg;
	pthread_attr_t attr;
	void *addr;
	size_t size;
	char local;

	pthread_getattr_np(pthread_self(), &attr);
	pthread_attr_getstack(&attr, &addr, &size);
	pthread_attr_destroy(&attr);
	r->inside = &local >= (char *)addr && &local < (char *)addr + size;
	r->big_enough = size >= r->want;
	/* Three quarters of what was asked for must be usable. */
	r->deep_ok = use_stack((long)(r->want / 4 * 3)) == (char)(r->want / 4 * 3);
	return NULL;
}

static void stacks(void)
{
	static const size_t sizes[] = { 64 * 1024, 1024 * 1024, 16 * 1024 * 1024 };
	pthread_attr_t attr;
	struct stack_report r;
	size_t got;

	phase("stack sizes");
	for (int i = 0; i < 3; i++) {
		memset(&r, 0, sizeof(r));
		r.want = sizes[i];
		pthread_attr_init(&attr);
		presult("pthread_attr_setstacksize", pthread_attr_setstacksize(&attr, sizes[i]));
		pthread_attr_getstacksize(&attr, &got);
		pthread_t t;
		must("pthread_create", pthread_create(&t, &attr, stack_check, &r));
		join(t);
		pthread_attr_destroy(&attr);
		printf("stack of %zu KiB: local inside it: %s, at least that big: %s, "
		       "3/4 of it used: %s\n",
		       got / 1024, r.inside ? "yes" : "no", r.big_enough ? "yes" : "no",
		       r.deep_ok ? "yes" : "no");
	}

	size_t size = 512 * 1024;
	void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		die_setup("mmap");
	memset(&r, 0, sizeof(r));
	r.want = size;
	pthread_attr_init(&attr);
	presult("pthread_attr_setstack with our own memory",
		pthread_attr_setstack(&attr, mem, size));
	pthread_t t;
	must("pthread_create", pthread_create(&t, &attr, stack_check, &r));
	join(t);
	pthread_attr_destroy(&attr);
	printf("our own stack: local inside it: %s, 3/4 of it used: %s\n", r.inside ? "yes" : "no",
	       r.deep_ok ? "yes" : "no");
	munmap(mem, size);
}

static int finished;

static void *last_one(void *arg)
{
	sleep_ms(50 + 10 * (long)arg);
	if (__atomic_add_fetch(&finished, 1, __ATOMIC_ACQ_REL) == 3)
		printf("the last of the 3 threads ends, after main\n");
	return NULL;
}

static int pipe_fds[2];

static void *blocked_reader(void *arg)
{
	char c;

	read(pipe_fds[0], &c, 1);
	printf("the read returned: no\n");
	return NULL;
}

static void *exiter(void *arg)
{
	sleep_ms(50);
	printf("a thread calls exit(%d) while the others are blocked\n", (int)(long)arg);
	exit((int)(long)arg);
}

int main(int argc, char **argv)
{
	setup();
	if (argc > 1 && !strcmp(argv[1], "main-exits")) {
		/* No watchdog here: it would keep the process alive. */
		for (long i = 0; i < 3; i++)
			spawn(last_one, (void *)i);
		printf("main calls pthread_exit with 3 threads running\n");
		pthread_exit(NULL);
	}
	watchdog(60);
	if (argc > 2 && !strcmp(argv[1], "thread-exits")) {
		pipe(pipe_fds);
		pthread_t reader = spawn(blocked_reader, NULL);
		spawn(exiter, (void *)atol(argv[2]));
		join(reader);
		printf("main returned from join: no\n");
		return 1;
	}
	if (argc > 1)
		total = atol(argv[1]);
	lifecycles();
	identities();
	crowds();
	stacks();
	return 0;
}
