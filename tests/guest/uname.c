/*
 * uname: what programs test (sysname Linux, machine x86_64, a release that
 * starts with a digit); the release text, version and node name differ
 * between hosts and are not printed.
 */
#include "common.h"
#include <ctype.h>
#include <sys/utsname.h>

int main(void)
{
	struct utsname u;
	char host[256] = "";

	setup();
	result("uname", uname(&u));
	printf("sysname: %s\n", u.sysname);
	printf("machine: %s\n", u.machine);
	check("release starts with a digit", isdigit((unsigned char)u.release[0]));
	check("release has a dot", strchr(u.release, '.') != NULL);
	check("version is not empty", u.version[0] != 0);
	check("nodename is not empty", u.nodename[0] != 0);
	result("gethostname", gethostname(host, sizeof(host)));
	check("gethostname is the nodename", !strcmp(host, u.nodename));
	return 0;
}
