/* lwIP includes <string.h>: the kernel's own string functions. */
#include <alto/string.h>
