/*
 * setsockopt and getsockopt. SOL_SOCKET options that every family shares
 * are kept in struct socket here, with Linux's rules (buffer sizes doubled
 * and bounded, boolean options as bits, time-outs as timevals, EDOM for a
 * bad one); the family then hears of the change, or is asked first on a
 * get, so that a stack can apply SO_KEEPALIVE or answer SO_PEERCRED. Other
 * levels belong to the family alone.
 */
#include <alto/string.h>
#include <alto/time.h>
#include <uapi/errno.h>
#include "internal.h"

#define OPT_MAX 256 /* the largest option value the layer copies */

/* Options that are one bit in s->flags. */
#define BOOL_OPTS                                                                   \
	((1ull << SO_DEBUG) | (1ull << SO_REUSEADDR) | (1ull << SO_DONTROUTE) |     \
	 (1ull << SO_BROADCAST) | (1ull << SO_KEEPALIVE) | (1ull << SO_OOBINLINE) | \
	 (1ull << SO_NO_CHECK) | (1ull << SO_REUSEPORT) | (1ull << SO_PASSCRED) |   \
	 (1ull << SO_TIMESTAMP) | (1ull << SO_PASSSEC))

static bool is_bool_opt(int name)
{
	return name >= 0 && name < 64 && (BOOL_OPTS & (1ull << name));
}

static int set_timeout(uint64_t *ns, const void *val, unsigned int len)
{
	struct timeval tv;

	if (len < sizeof(tv))
		return -EINVAL;
	memcpy(&tv, val, sizeof(tv));
	if (tv.tv_usec < 0 || tv.tv_usec >= 1000000)
		return -EDOM;
	if (tv.tv_sec < 0)
		*ns = 1; /* Linux: a negative time-out does not wait at all */
	else if ((uint64_t)tv.tv_sec > UINT64_MAX / NSEC_PER_SEC / 4)
		*ns = 0;
	else
		*ns = (uint64_t)tv.tv_sec * NSEC_PER_SEC + (uint64_t)tv.tv_usec * NSEC_PER_USEC;
	return 0;
}

/* A buffer size as Linux sets it: bounded by the maximum (unless forced), doubled, floored. */
static int buf_size(int val, bool force, int floor)
{
	uint32_t v = (uint32_t)val;

	if (!force && v > SOCK_MAX_BUF)
		v = SOCK_MAX_BUF;
	if (v > INT32_MAX / 2)
		v = INT32_MAX / 2;
	return MAX((int)v * 2, floor);
}

/* The SOL_SOCKET options the layer keeps: 0, or -ENOPROTOOPT for one it does not know. */
static int set_generic(struct socket *s, int name, const void *val, unsigned int len)
{
	int v = 0;

	if (name == SO_LINGER) {
		if (len < sizeof(s->linger))
			return -EINVAL;
		memcpy(&s->linger, val, sizeof(s->linger));
		return 0;
	}
	if (name == SO_RCVTIMEO || name == SO_RCVTIMEO_NEW)
		return set_timeout(&s->rcvtimeo_ns, val, len);
	if (name == SO_SNDTIMEO || name == SO_SNDTIMEO_NEW)
		return set_timeout(&s->sndtimeo_ns, val, len);
	if (len < sizeof(int))
		return -EINVAL;
	memcpy(&v, val, sizeof(v));
	if (is_bool_opt(name)) {
		if (v)
			__atomic_fetch_or(&s->flags, 1ull << name, __ATOMIC_RELAXED);
		else
			__atomic_fetch_and(&s->flags, ~(1ull << name), __ATOMIC_RELAXED);
		return 0;
	}
	switch (name) {
	case SO_SNDBUF:
	case SO_SNDBUFFORCE:
		WRITE_ONCE(s->sndbuf, buf_size(v, name == SO_SNDBUFFORCE, SOCK_MIN_SNDBUF));
		return 0;
	case SO_RCVBUF:
	case SO_RCVBUFFORCE:
		WRITE_ONCE(s->rcvbuf, buf_size(v, name == SO_RCVBUFFORCE, SOCK_MIN_RCVBUF));
		return 0;
	case SO_RCVLOWAT:
		s->rcvlowat = v < 0 ? INT32_MAX : v ? v : 1;
		return 0;
	case SO_PRIORITY:
		s->priority = v;
		return 0;
	case SO_MARK:
		s->mark = v;
		return 0;
	}
	return -ENOPROTOOPT;
}

static int sock_set(struct socket *s, int level, int name, const void *val, unsigned int len)
{
	int err;

	if (level != SOL_SOCKET)
		return s->ops->setsockopt ? s->ops->setsockopt(s, level, name, val, len) :
					    -EOPNOTSUPP;
	err = set_generic(s, name, val, len);
	if (err && err != -ENOPROTOOPT)
		return err;
	/* The family hears of every SOL_SOCKET option, and may know ones the layer does not. */
	int ferr = s->ops->setsockopt ? s->ops->setsockopt(s, level, name, val, len) : -ENOPROTOOPT;
	if (!err)
		return ferr == -ENOPROTOOPT ? 0 : ferr;
	return ferr;
}

long sock_setsockopt(struct socket *s, int level, int name, const void __user *uval,
		     unsigned int len)
{
	char val[OPT_MAX];

	if ((int)len < 0)
		return -EINVAL;
	memset(val, 0, sizeof(val));
	if (len && copy_from_user(val, uval, MIN(len, (unsigned int)sizeof(val))))
		return -EFAULT;
	return sock_set(s, level, name, val, MIN(len, (unsigned int)sizeof(val)));
}

/* The layer's answer for a SOL_SOCKET option into val: its length, or -ENOPROTOOPT. */
static int get_generic(struct socket *s, int name, void *val)
{
	int v;

	if (name == SO_LINGER) {
		memcpy(val, &s->linger, sizeof(s->linger));
		return sizeof(s->linger);
	}
	if (name == SO_RCVTIMEO || name == SO_SNDTIMEO || name == SO_RCVTIMEO_NEW ||
	    name == SO_SNDTIMEO_NEW) {
		uint64_t ns = name == SO_RCVTIMEO || name == SO_RCVTIMEO_NEW ? s->rcvtimeo_ns :
									       s->sndtimeo_ns;
		struct timeval tv = { (int64_t)(ns / NSEC_PER_SEC),
				      (long)(ns % NSEC_PER_SEC / NSEC_PER_USEC) };
		memcpy(val, &tv, sizeof(tv));
		return sizeof(tv);
	}
	if (is_bool_opt(name)) {
		v = sock_flag(s, name);
	} else {
		switch (name) {
		case SO_TYPE:
			v = s->type;
			break;
		case SO_PROTOCOL:
			v = s->protocol;
			break;
		case SO_DOMAIN:
			v = s->family;
			break;
		case SO_ERROR:
			v = __atomic_exchange_n(&s->err, 0, __ATOMIC_RELAXED);
			break;
		case SO_SNDBUF:
			v = READ_ONCE(s->sndbuf);
			break;
		case SO_RCVBUF:
			v = READ_ONCE(s->rcvbuf);
			break;
		case SO_RCVLOWAT:
			v = s->rcvlowat;
			break;
		case SO_SNDLOWAT:
			v = 1;
			break;
		case SO_PRIORITY:
			v = s->priority;
			break;
		case SO_MARK:
			v = s->mark;
			break;
		case SO_ACCEPTCONN:
			v = READ_ONCE(s->listening);
			break;
		default:
			return -ENOPROTOOPT;
		}
	}
	memcpy(val, &v, sizeof(v));
	return sizeof(v);
}

long sock_getsockopt(struct socket *s, int level, int name, void __user *uval,
		     unsigned int __user *ulen)
{
	char val[OPT_MAX];
	unsigned int len, klen = sizeof(val);
	int r;

	if (get_user(len, ulen))
		return -EFAULT;
	if ((int)len < 0)
		return -EINVAL;
	memset(val, 0, sizeof(val));
	if (level != SOL_SOCKET) {
		if (!s->ops->getsockopt)
			return -EOPNOTSUPP;
		r = s->ops->getsockopt(s, level, name, val, &klen);
	} else {
		r = s->ops->getsockopt ? s->ops->getsockopt(s, level, name, val, &klen) :
					 -ENOPROTOOPT;
		if (r == -ENOPROTOOPT) {
			r = get_generic(s, name, val);
			klen = r > 0 ? (unsigned int)r : 0;
			r = r > 0 ? 0 : r;
		}
	}
	if (r)
		return r;
	len = MIN(len, klen);
	if (copy_to_user(uval, val, len) || put_user(len, ulen))
		return -EFAULT;
	return 0;
}
