/* lwIP includes <stdlib.h> for atoi (netif_find's interface number). */
#ifndef ALTO_LWIP_COMPAT_STDLIB_H
#define ALTO_LWIP_COMPAT_STDLIB_H

static inline int atoi(const char *s)
{
	int v = 0;

	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	return v;
}

#endif
