/*
 * Ending the VM. power_off() tries, in order: QEMU's isa-debug-exit port
 * (which carries the status: QEMU exits with status*2+1), ACPI S5 from the
 * FADT, the i8042 reset line (Firecracker stops on it), and a triple fault.
 */
#ifndef ALTO_POWER_H
#define ALTO_POWER_H

#include <alto/compiler.h>

/*
 * Exit status for a kernel panic or an unexpected kernel fault; the status
 * port also gets POWER_PANIC_TAG first, so that the host tool tells a panic
 * from a program that exits with the same number.
 */
#define EXIT_PANIC 126

/*
 * The exit status also goes, as text, to this I/O port: the host tool
 * attaches an isa-debugcon there and reads "ALTO-EXIT <status>" back, since a
 * process exit code cannot carry isa-debug-exit's status*2+1 beyond 127.
 */
#define POWER_STATUS_PORT 0x4f0
#define POWER_STATUS_TAG  "ALTO-EXIT "
#define POWER_PANIC_TAG	  "ALTO-PANIC"
/* Each way out is noted there before it is tried ("ALTO-POWER acpi-s5"). */
#define POWER_METHOD_TAG "ALTO-POWER "

/*
 * The host's requests (drivers/stop.c), bytes the host tool writes to a
 * second UART at this port: POWER_STOP_REQUEST when it gets SIGTERM, SIGINT
 * or SIGHUP (the program gets SIGTERM); POWER_STDOUT_GONE and
 * POWER_STDERR_GONE when the reader of its stdout or stderr (a pipe) is gone
 * (the program's writes there fail with EPIPE and raise SIGPIPE).
 */
#define POWER_STOP_PORT	   0x2f8
#define POWER_STOP_REQUEST 'T'
#define POWER_STDOUT_GONE  'O'
#define POWER_STDERR_GONE  'E'

__noreturn void power_off(int status);
/* Power off after a panic or a fatal kernel fault: EXIT_PANIC, marked as a panic. */
__noreturn void power_off_panic(void);

#ifndef __HOST_TOOL__
/* Listen for the host's stop request (after interrupts are on). */
void stop_request_init(void);
#endif

#endif
