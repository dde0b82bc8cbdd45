/*
 * Stale translations across CPUs: a thread pinned to another CPU reads a
 * page (caching its translation), then sleeps, so that CPU idles. The main
 * thread replaces the mapping (mremap of a new page over it, and on odd
 * rounds mprotect to read-only and back) and wakes the reader, which must see
 * the new page. An idle CPU that skipped the shootdown must flush before it
 * runs the reader again. Then threads write into pages that the main
 * thread replaces with mmap(MAP_FIXED) over and over: until the other CPUs
 * flush, their writes may still reach the old pages, which the kernel must
 * not use for anything of its own meanwhile (it chained them through their
 * first word, and a write there made it free a program's value: a panic).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define ROUNDS	 200
#define REPLACES 300
#define PAGES	 64
#define WRITERS	 3

static volatile long *page;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int turn; /* odd: the reader's turn */
static long seen[ROUNDS];

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* Back to every CPU (the writers are spread over them). */
static void pin_all(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	for (int i = 0; i < CPU_SETSIZE; i++)
		CPU_SET(i, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void wait_turn(int t)
{
	pthread_mutex_lock(&lock);
	while (turn != t)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
}

static void give_turn(int t)
{
	pthread_mutex_lock(&lock);
	turn = t;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
}

static void *reader(void *arg)
{
	pin(sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 1 : 0);
	for (int r = 0; r < ROUNDS; r++) {
		wait_turn(2 * r + 1);
		seen[r] = *page; /* caches the translation on this CPU */
		give_turn(2 * r + 2);
	}
	return NULL;
}

static volatile int stop;
static char *region;

static void *writer(void *arg)
{
	while (!stop) {
		for (int i = 0; i < PAGES; i++)
			*(volatile long *)(region + i * 4096) = 0x41414140;
	}
	return arg;
}

/* Whole pages replaced under writers; only surviving it says anything. */
static void replace_under_writers(void)
{
	pthread_t t[WRITERS];
	size_t len = PAGES * 4096;

	region = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (int i = 0; i < WRITERS; i++)
		pthread_create(&t[i], NULL, writer, NULL);
	for (int r = 0; r < REPLACES; r++) {
		if (mmap(region, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != region)
			printf("mmap MAP_FIXED failed\n");
	}
	stop = 1;
	for (int i = 0; i < WRITERS; i++)
		pthread_join(t[i], NULL);
	printf("%d replacements of %d pages under %d writing threads: survived\n", REPLACES, PAGES,
	       WRITERS);
}

int main(void)
{
	pthread_t t;
	int bad = 0;

	pin(0);
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pthread_create(&t, NULL, reader, NULL);
	for (int r = 0; r < ROUNDS; r++) {
		/*
		 * A new page with new contents moved over the old one: both
		 * exist at once, so a stale translation would still reach the
		 * old page and its old value.
		 */
		long *fresh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				   -1, 0);
		*fresh = 1000 + r;
		if (mremap(fresh, 4096, 4096, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)page) !=
		    (void *)page)
			return 1;
		if (r % 2) { /* and a protection change in between, on odd rounds */
			mprotect((void *)page, 4096, PROT_READ);
			mprotect((void *)page, 4096, PROT_READ | PROT_WRITE);
		}
		usleep(200); /* the reader's CPU goes idle */
		give_turn(2 * r + 1);
		wait_turn(2 * r + 2);
		bad += seen[r] != 1000 + r;
	}
	pthread_join(t, NULL);
	printf("%d rounds, the other CPU saw the new page every time: %s\n", ROUNDS,
	       bad ? "no" : "yes");
	pin_all();
	replace_under_writers();
	return bad != 0;
}
