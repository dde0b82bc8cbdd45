/*
 * Names and descriptions of errno values, for --strace ("ENOENT (No such file
 * or directory)") and for the kernel's messages about the program.
 */
#ifndef ALTO_ERRNO_NAMES_H
#define ALTO_ERRNO_NAMES_H

/* "ENOENT", or NULL for a value without a name here. */
const char *errno_name(int err);
/* "No such file or directory", or "Unknown error". */
const char *errno_text(int err);

#endif
