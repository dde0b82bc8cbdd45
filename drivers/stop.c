/*
 * The host's stop request. The host tool gives the VM a second UART (COM2)
 * whose input is a pipe it holds, and writes POWER_STOP_REQUEST there when
 * it gets SIGTERM, SIGINT or SIGHUP: every process gets SIGTERM, as `docker
 * stop` gives it to a container (sending only queues it, which an interrupt
 * handler may do), and may end cleanly; the tool stops the VM itself if it
 * has not ended after the grace period (--stop-timeout). With no program
 * running (self tests, a bare boot) the VM powers off at once, with the
 * status a SIGTERM gives. A UART of its own keeps this apart from the
 * console's input, which may be a terminal handed to QEMU as it is.
 */
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

static void stop_irq(void *arg)
{
	(void)arg;
	while (inb(POWER_STOP_PORT + UART_LSR) & LSR_DATA_READY) {
		if (inb(POWER_STOP_PORT + UART_DATA) != POWER_STOP_REQUEST)
			continue;
		if (process_signal_all(SIGTERM) == -ESRCH) {
			printk("alto: stopped by the host\n");
			power_off(128 + SIGTERM);
		}
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
