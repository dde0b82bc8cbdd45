/*
 * The host's requests. The host tool gives the VM a second UART (COM2)
 * whose input is a pipe it holds, and writes POWER_STOP_REQUEST there when
 * it gets SIGTERM, SIGINT or SIGHUP: every process gets SIGTERM, as `docker
 * stop` gives it to a container (sending only queues it, which an interrupt
 * handler may do), and may end cleanly; the tool stops the VM itself if it
 * has not ended after the grace period (--stop-timeout). With no program
 * running (self tests, a bare boot) the VM powers off at once, with the
 * status a SIGTERM gives. A UART of its own keeps this apart from the
 * console's input, which may be a terminal handed to QEMU as it is. The
 * same UART says when the reader of the tool's stdout or stderr (a pipe) is
 * gone: the program's writes to that stream then fail with EPIPE and raise
 * SIGPIPE (console_stream_gone), so `alto run prog | head` ends as it does
 * natively.
 */
#include <alto/console.h>
#include <alto/interrupt.h>
#include <alto/power.h>
#include <alto/printk.h>
#include <alto/process.h>
#include <alto/signal.h>
#include <alto/x86.h>
#include <uapi/errno.h>

#define STOP_IRQ 3 /* COM2's */

#define UART_DATA      0
#define UART_IER       1
#define UART_MCR       4
#define UART_LSR       5
#define LSR_DATA_READY 0x01

static void stop_request(void)
{
	if (process_signal_all(SIGTERM) == -ESRCH) {
		printk("alto: stopped by the host\n");
		power_off(128 + SIGTERM);
	}
}

static void stop_irq(void *arg)
{
	(void)arg;
	while (inb(POWER_STOP_PORT + UART_LSR) & LSR_DATA_READY) {
		uint8_t request = inb(POWER_STOP_PORT + UART_DATA);
		if (request == POWER_STOP_REQUEST)
			stop_request();
		else if (request == POWER_STDOUT_GONE)
			console_stream_gone(CONSOLE_STDOUT);
		else if (request == POWER_STDERR_GONE)
			console_stream_gone(CONSOLE_STDERR);
	}
}

void stop_request_init(void)
{
	if (inb(POWER_STOP_PORT + UART_LSR) == 0xff)
		return;				/* no second UART: nobody will ask */
	outb(POWER_STOP_PORT + UART_MCR, 0x0b); /* DTR, RTS, OUT2 (the interrupt line) */
	irq_route_isa(STOP_IRQ, stop_irq, NULL);
	outb(POWER_STOP_PORT + UART_IER, 0x01); /* received data available */
	stop_irq(NULL);				/* a request that came before */
}
