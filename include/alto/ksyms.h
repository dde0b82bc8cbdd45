/*
 * The kernel's own symbol table, embedded at build time (a second link adds
 * it; see tools/mkksyms.c), for symbolized backtraces. It is read only when
 * something goes wrong, so it is packed for size rather than speed: the
 * names are compressed with a table of 256 tokens and the addresses are
 * distances from the previous symbol, read in one pass (lib/ksyms.c).
 *
 * The .ksyms section, byte-packed, little-endian:
 *   u32 count                        entries, in address order
 *   u64 base                         address of the first entry
 *   u16 token_start[KSYMS_TOKENS + 1] where each token starts in the token
 *                                    bytes (the last: their end)
 *   the token bytes
 *   count entries, each:
 *     u16 distance from the previous entry's address (the first: 0)
 *     u8  length of the name in codes, then the codes (one byte each, a
 *         code standing for its token)
 * An entry with an empty name marks where a function ends and nothing
 * follows at once (addresses from there to the next entry have no name).
 * An empty table is the u32 0.
 */
#ifndef ALTO_KSYMS_H
#define ALTO_KSYMS_H

#include <stddef.h>
#include <stdint.h>

#define KSYMS_TOKENS	256
#define KSYM_NAME_MAX	128 /* longer names are cut */
#define KSYMS_MAX_STEP	0xffff
#define KSYMS_MAX_CODES 255

/*
 * In table (the .ksyms layout above), the name of the function holding
 * addr, written to name (KSYM_NAME_MAX bytes), with the offset into it;
 * NULL when no function holds addr.
 */
const char *ksyms_find(const uint8_t *table, uint64_t addr, uint64_t *offset, char *name);

/* ksyms_find() over the kernel's own table. */
const char *ksym_lookup(uintptr_t addr, uintptr_t *offset, char *name);
/* Print "  [n] addr name+0xoff" lines, walking frame pointers from rbp. */
void backtrace_print(uintptr_t rip, uintptr_t rbp);
/* Backtrace of the caller. */
void backtrace_here(void);

#endif
