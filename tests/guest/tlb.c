/*
 * Stale translations across CPUs: a thread pinned to another CPU reads a
 * page (caching its translation), then sleeps, so that CPU idles. The main
 * thread replaces the mapping (mremap of a new page over it, and on odd
 * rounds mprotect to read-only and back) and wakes the reader, which must see
 * the new page. An idle CPU that skipped the shootdown must flush before it
 * runs the reader again.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define ROUNDS 200

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
	return bad != 0;
}
