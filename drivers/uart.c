/*
 * 8250/16550 UART on COM1, the console. Output polls the transmitter so it
 * works anywhere, even in a panic. Input is interrupt driven: the handler puts
 * bytes in a ring and wakes readers; a full ring pauses reception rather
 * than dropping bytes. A break on the line asks for a trace dump. The
 * interrupt is routed with the late work (alto/late.h), after the program
 * has started: a reader that blocks first lets the CPU idle, which starts
 * it, and the bytes that came before are taken then (the host holds what
 * the FIFO cannot).
 */
#include <alto/console.h>
#include <alto/interrupt.h>
#include <alto/late.h>
#include <alto/sync.h>
#include <alto/x86.h>
#include <uapi/errno.h>
#include <uapi/poll.h>
#include <alto/trace.h>

#define COM1 0x3f8

#define UART_DATA 0
#define UART_IER  1
#define UART_FCR  2
#define UART_LCR  3
#define UART_MCR  4
#define UART_LSR  5

#define LSR_DATA_READY 0x01
#define LSR_BREAK      0x10
#define LSR_THR_EMPTY  0x20

#define COM1_IRQ 4
#define RX_RING	 1024

static bool present;
static char rx_ring[RX_RING];
static unsigned int rx_head, rx_tail; /* head: next write, tail: next read */
static struct waitq rx_wq = WAITQ_INIT(rx_wq);
static bool rx_stalled;	 /* the ring filled up: the receive interrupt is off */
static uint8_t rx_break; /* LSR_BREAK: seen by a read of LSR, its NUL not read yet (atomic) */

bool (*console_input_hook)(char c);

void uart_init(void)
{
	/* A missing UART reads as all ones. */
	present = inb(COM1 + UART_LSR) != 0xff;
	if (!present)
		return;
	outb(COM1 + UART_IER, 0x00);
	outb(COM1 + UART_LCR, 0x80);  /* divisor latch */
	outb(COM1 + UART_DATA, 0x01); /* 115200 baud */
	outb(COM1 + UART_IER, 0x00);
	outb(COM1 + UART_LCR, 0x03); /* 8N1 */
	/*
	 * FIFOs stay off: turning them on clears them, losing what the host sent
	 * before boot, and without them QEMU hands over one byte at a time and
	 * never drops any.
	 */
	outb(COM1 + UART_FCR, 0x00);
	outb(COM1 + UART_MCR, 0x0b); /* DTR, RTS, OUT2 (interrupt line) */
}

/*
 * LSR. Reading it clears its break bit, which comes with the NUL received
 * at the break: a read made for output (which may run on another CPU, or
 * just before the receive interrupt) keeps the bit for reception, or the
 * break would reach the program as a NUL.
 */
static uint8_t lsr_read(void)
{
	uint8_t lsr = inb(COM1 + UART_LSR);

	if (lsr & LSR_BREAK)
		__atomic_store_n(&rx_break, LSR_BREAK, __ATOMIC_RELAXED);
	return lsr;
}

void uart_write(const char *s, size_t len)
{
	if (!present)
		return;
	for (size_t i = 0; i < len; i++) {
		while (!(lsr_read() & LSR_THR_EMPTY))
			cpu_relax();
		outb(COM1 + UART_DATA, (uint8_t)s[i]);
	}
}

/*
 * Move received bytes into the ring (rx_wq.lock held); true if any arrived.
 * When the ring is full the byte stays in the UART, which holds the sender
 * back (QEMU stops reading its input) instead of losing data, and the
 * receive interrupt stays off until a reader makes room.
 */
static bool rx_drain_locked(void)
{
	bool got = false;
	uint8_t lsr;

	while ((lsr = lsr_read()) & LSR_DATA_READY) {
		unsigned int next = (rx_head + 1) % RX_RING;
		if (next == rx_tail) {
			rx_stalled = true;
			outb(COM1 + UART_IER, 0x00);
			break;
		}
		char c = (char)inb(COM1 + UART_DATA);
		if (__atomic_exchange_n(&rx_break, 0, __ATOMIC_RELAXED)) {
			trace_request_dump(); /* a break comes with a NUL that is no input */
			continue;
		}
		if (console_input_hook && console_input_hook(c))
			continue;
		rx_ring[rx_head] = c;
		rx_head = next;
		got = true;
	}
	return got;
}

/* A reader took bytes (rx_wq.lock held): receive again if the ring had filled. */
static bool rx_resume_locked(void)
{
	if (!rx_stalled)
		return false;
	rx_stalled = false;
	outb(COM1 + UART_IER, 0x01);
	return rx_drain_locked();
}

static void uart_irq(void *arg)
{
	(void)arg;
	unsigned long flags = spin_lock(&rx_wq.lock);
	bool got = rx_drain_locked();

	spin_unlock(&rx_wq.lock, flags);
	if (got)
		waitq_notify(&rx_wq, POLLIN | POLLRDNORM);
}

static void uart_enable_input(void)
{
	if (!present)
		return;
	irq_route_isa(COM1_IRQ, uart_irq, NULL);
	outb(COM1 + UART_IER, 0x01); /* received data available */
	uart_irq(NULL);		     /* bytes that arrived before the interrupt was routed */
}
LATE_INIT(uart_enable_input);

bool console_input_ready(void)
{
	return READ_ONCE(rx_head) != READ_ONCE(rx_tail);
}

long console_read(char *buf, size_t len)
{
	size_t n = 0;
	unsigned long flags = spin_lock(&rx_wq.lock);

	while (rx_head == rx_tail)
		waitq_wait_locked(&rx_wq, &flags, 0);
	while (n < len && rx_head != rx_tail) {
		buf[n++] = rx_ring[rx_tail];
		rx_tail = (rx_tail + 1) % RX_RING;
	}
	bool more = rx_resume_locked();
	spin_unlock(&rx_wq.lock, flags);
	if (more)
		waitq_notify(&rx_wq, POLLIN | POLLRDNORM);
	return (long)n;
}

long console_read_nonblock(char *buf, size_t len)
{
	size_t n = 0;
	unsigned long flags = spin_lock(&rx_wq.lock);

	while (n < len && rx_head != rx_tail) {
		buf[n++] = rx_ring[rx_tail];
		rx_tail = (rx_tail + 1) % RX_RING;
	}
	bool more = rx_resume_locked();
	spin_unlock(&rx_wq.lock, flags);
	if (more)
		waitq_notify(&rx_wq, POLLIN | POLLRDNORM);
	return (long)n;
}

int console_wait_input(void)
{
	unsigned long flags = spin_lock(&rx_wq.lock);
	int r = 0;

	while (rx_head == rx_tail && !r)
		r = waitq_wait_interruptible_locked(&rx_wq, &flags, 0);
	spin_unlock(&rx_wq.lock, flags);
	return r;
}

struct waitq *console_input_waitq(void)
{
	return &rx_wq;
}
