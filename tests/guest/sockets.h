/*
 * Helpers for the socket test programs: the names of the errors sockets
 * add to threads.h's, and sresult(), which prints with them.
 */
#ifndef GUEST_SOCKETS_H
#define GUEST_SOCKETS_H

#include "threads.h"
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

static inline const char *sename(int e)
{
	switch (e) {
	case EAFNOSUPPORT:
		return "EAFNOSUPPORT";
	case EPROTONOSUPPORT:
		return "EPROTONOSUPPORT";
	case ESOCKTNOSUPPORT:
		return "ESOCKTNOSUPPORT";
	case EADDRINUSE:
		return "EADDRINUSE";
	case ECONNREFUSED:
		return "ECONNREFUSED";
	case ECONNRESET:
		return "ECONNRESET";
	case ENOTCONN:
		return "ENOTCONN";
	case EISCONN:
		return "EISCONN";
	case EPROTOTYPE:
		return "EPROTOTYPE";
	case ENOTSOCK:
		return "ENOTSOCK";
	case EMSGSIZE:
		return "EMSGSIZE";
	case EDESTADDRREQ:
		return "EDESTADDRREQ";
	case ENOPROTOOPT:
		return "ENOPROTOOPT";
	case EINPROGRESS:
		return "EINPROGRESS";
	case EALREADY:
		return "EALREADY";
	case ENXIO:
		return "ENXIO";
	case EDOM:
		return "EDOM";
	default:
		return ename(e);
	}
}

static inline void sresult(const char *what, long r)
{
	if (r < 0)
		printf("%s: -1 %s\n", what, sename(errno));
	else
		printf("%s: %ld\n", what, r);
}

#endif
