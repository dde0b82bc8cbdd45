/*
 * Eight threads touch /sys for the first time at once: half open
 * /sys/devices/system/cpu/online, half list /sys/devices/system. Alto
 * builds the tree under /sys the first time its root is looked in
 * (fs/sysfs.c): every thread must find the file, and the listing must
 * name cpu and node exactly once (a tree built twice would list both
 * twice). Prints only what is the same on any Linux.
 */
#include <dirent.h>
#include <pthread.h>
#include "common.h"

#define THREADS 8

static pthread_barrier_t start;
static int opened[THREADS], cpus[THREADS], nodes[THREADS];

static void *toucher(void *arg)
{
	long i = (long)arg;

	pthread_barrier_wait(&start);
	if (i % 2 == 0) {
		char buf[64];
		int fd = open("/sys/devices/system/cpu/online", O_RDONLY);
		opened[i] = fd >= 0 && read(fd, buf, sizeof(buf)) > 0 && buf[0] == '0';
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	DIR *d = opendir("/sys/devices/system");
	struct dirent *e;
	opened[i] = d != NULL;
	while (d && (e = readdir(d))) {
		cpus[i] += !strcmp(e->d_name, "cpu");
		nodes[i] += !strcmp(e->d_name, "node");
	}
	if (d)
		closedir(d);
	return NULL;
}

int main(void)
{
	pthread_t t[THREADS];
	int all_opened = 1, once = 1;

	setup();
	pthread_barrier_init(&start, NULL, THREADS);
	for (long i = 0; i < THREADS; i++) {
		if (pthread_create(&t[i], NULL, toucher, (void *)i))
			die_setup("pthread_create");
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		all_opened &= opened[i];
		if (i % 2)
			once &= cpus[i] == 1 && nodes[i] == 1;
	}
	check("every thread read cpu/online or listed /sys/devices/system", all_opened);
	check("each listing named cpu and node exactly once", once);
	return 0;
}
