/* The errno names and texts (as glibc's strerror words them) for messages. */
#include <stddef.h>
#include <stdint.h>
#include <alto/errno_names.h>
#include <alto/string.h>
#include <uapi/errno.h>

/*
 * The list once, as X(value, name, text); it makes the values (a 16-bit
 * array) and one block of strings, "EPERM\0Operation not permitted\0...",
 * in the same order: an int and two pointers per entry took 1.6 KiB more.
 */
#define ERRNOS(X)                                                                   \
	X(EPERM, "EPERM", "Operation not permitted")                                \
	X(ENOENT, "ENOENT", "No such file or directory")                            \
	X(ESRCH, "ESRCH", "No such process")                                        \
	X(EINTR, "EINTR", "Interrupted system call")                                \
	X(EIO, "EIO", "Input/output error")                                         \
	X(ENXIO, "ENXIO", "No such device or address")                              \
	X(E2BIG, "E2BIG", "Argument list too long")                                 \
	X(ENOEXEC, "ENOEXEC", "Exec format error")                                  \
	X(EBADF, "EBADF", "Bad file descriptor")                                    \
	X(ECHILD, "ECHILD", "No child processes")                                   \
	X(EAGAIN, "EAGAIN", "Resource temporarily unavailable")                     \
	X(ENOMEM, "ENOMEM", "Cannot allocate memory")                               \
	X(EACCES, "EACCES", "Permission denied")                                    \
	X(EFAULT, "EFAULT", "Bad address")                                          \
	X(EBUSY, "EBUSY", "Device or resource busy")                                \
	X(EEXIST, "EEXIST", "File exists")                                          \
	X(EXDEV, "EXDEV", "Invalid cross-device link")                              \
	X(ENODEV, "ENODEV", "No such device")                                       \
	X(ENOTDIR, "ENOTDIR", "Not a directory")                                    \
	X(EISDIR, "EISDIR", "Is a directory")                                       \
	X(EINVAL, "EINVAL", "Invalid argument")                                     \
	X(ENFILE, "ENFILE", "Too many open files in system")                        \
	X(EMFILE, "EMFILE", "Too many open files")                                  \
	X(ENOTTY, "ENOTTY", "Inappropriate ioctl for device")                       \
	X(ETXTBSY, "ETXTBSY", "Text file busy")                                     \
	X(EFBIG, "EFBIG", "File too large")                                         \
	X(ENOSPC, "ENOSPC", "No space left on device")                              \
	X(ESPIPE, "ESPIPE", "Illegal seek")                                         \
	X(EROFS, "EROFS", "Read-only file system")                                  \
	X(EMLINK, "EMLINK", "Too many links")                                       \
	X(EPIPE, "EPIPE", "Broken pipe")                                            \
	X(EDOM, "EDOM", "Numerical argument out of domain")                         \
	X(ERANGE, "ERANGE", "Numerical result out of range")                        \
	X(EDEADLK, "EDEADLK", "Resource deadlock avoided")                          \
	X(ENAMETOOLONG, "ENAMETOOLONG", "File name too long")                       \
	X(ENOLCK, "ENOLCK", "No locks available")                                   \
	X(ENOSYS, "ENOSYS", "Function not implemented")                             \
	X(ENOTEMPTY, "ENOTEMPTY", "Directory not empty")                            \
	X(ELOOP, "ELOOP", "Too many levels of symbolic links")                      \
	X(ENOMSG, "ENOMSG", "No message of desired type")                           \
	X(ENODATA, "ENODATA", "No data available")                                  \
	X(ETIME, "ETIME", "Timer expired")                                          \
	X(EOVERFLOW, "EOVERFLOW", "Value too large for defined data type")          \
	X(EILSEQ, "EILSEQ", "Invalid or incomplete multibyte or wide character")    \
	X(ENOTSOCK, "ENOTSOCK", "Socket operation on non-socket")                   \
	X(EDESTADDRREQ, "EDESTADDRREQ", "Destination address required")             \
	X(EMSGSIZE, "EMSGSIZE", "Message too long")                                 \
	X(EPROTOTYPE, "EPROTOTYPE", "Protocol wrong type for socket")               \
	X(ENOPROTOOPT, "ENOPROTOOPT", "Protocol not available")                     \
	X(EPROTONOSUPPORT, "EPROTONOSUPPORT", "Protocol not supported")             \
	X(EOPNOTSUPP, "EOPNOTSUPP", "Operation not supported")                      \
	X(EAFNOSUPPORT, "EAFNOSUPPORT", "Address family not supported by protocol") \
	X(EADDRINUSE, "EADDRINUSE", "Address already in use")                       \
	X(EADDRNOTAVAIL, "EADDRNOTAVAIL", "Cannot assign requested address")        \
	X(ENETDOWN, "ENETDOWN", "Network is down")                                  \
	X(ENETUNREACH, "ENETUNREACH", "Network is unreachable")                     \
	X(ECONNABORTED, "ECONNABORTED", "Software caused connection abort")         \
	X(ECONNRESET, "ECONNRESET", "Connection reset by peer")                     \
	X(ENOBUFS, "ENOBUFS", "No buffer space available")                          \
	X(EISCONN, "EISCONN", "Transport endpoint is already connected")            \
	X(ENOTCONN, "ENOTCONN", "Transport endpoint is not connected")              \
	X(ETIMEDOUT, "ETIMEDOUT", "Connection timed out")                           \
	X(ECONNREFUSED, "ECONNREFUSED", "Connection refused")                       \
	X(EHOSTUNREACH, "EHOSTUNREACH", "No route to host")                         \
	X(EALREADY, "EALREADY", "Operation already in progress")                    \
	X(EINPROGRESS, "EINPROGRESS", "Operation now in progress")                  \
	X(ECANCELED, "ECANCELED", "Operation canceled")                             \
	X(512, "ERESTARTSYS", "To be restarted if SA_RESTART is set")               \
	X(513, "ERESTARTNOINTR", "To be restarted")                                 \
	X(514, "ERESTARTNOHAND", "To be restarted if no handler")                   \
	X(516, "ERESTART_RESTARTBLOCK", "Interrupted by signal")

static const uint16_t values[] = {
#define VALUE(err, name, text) err,
	ERRNOS(VALUE)
#undef VALUE
};

static const char strings[] =
#define STRINGS(err, name, text) name "\0" text "\0"
	ERRNOS(STRINGS)
#undef STRINGS
	;

/* The name of the entry for err (its text follows), or NULL. */
static const char *find(int err)
{
	const char *s = strings;

	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		if (values[i] == err)
			return s;
		s += strlen(s) + 1;
		s += strlen(s) + 1;
	}
	return NULL;
}

const char *errno_name(int err)
{
	return find(err);
}

const char *errno_text(int err)
{
	const char *name = find(err);

	return name ? name + strlen(name) + 1 : "Unknown error";
}
