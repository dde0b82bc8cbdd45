/*
 * The system's identity as uname(2), /proc/version and /proc/sys/kernel
 * report it (sys/info.c). Alto calls itself Linux: C libraries and programs
 * check the name and the release.
 */
#ifndef ALTO_UTS_H
#define ALTO_UTS_H

#include <stddef.h>

#define UTS_SYSNAME "Linux"
#define UTS_RELEASE "6.1.0-alto"
#define UTS_VERSION "#1 SMP Alto"
#define UTS_LEN	    65

/* The host name (sethostname sets it), NUL-terminated into buf. */
void uts_hostname(char *buf, size_t size);

#endif
