/*
 * Arguments and environment as the program receives them: every argv word
 * (escaped so that blanks and quotes show) and every environment entry, in
 * order. The runner passes the same words and variables natively and to
 * alto run.
 */
#include "common.h"

extern char **environ;

int main(int argc, char **argv)
{
	setup();
	printf("argc: %d\n", argc);
	for (int i = 0; i < argc; i++) {
		char what[32];
		snprintf(what, sizeof(what), "argv[%d]", i);
		show(what, argv[i], strlen(argv[i]));
	}
	int n = 0;
	for (char **e = environ; *e; e++, n++) {
		char what[32];
		snprintf(what, sizeof(what), "env[%d]", n);
		show(what, *e, strlen(*e));
	}
	printf("environment entries: %d\n", n);
	const char *home = getenv("HOME");
	printf("getenv HOME: %s\n", home ? home : "(unset)");
	return 0;
}
