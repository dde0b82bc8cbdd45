/*
 * The console: the 8250 UART on COM1. Output is polled (it must work in a
 * panic, with interrupts off); input arrives by interrupt into a ring buffer
 * that console_read() drains, blocking until a byte is there.
 */
#ifndef ALTO_CONSOLE_H
#define ALTO_CONSOLE_H

#include <stddef.h>
#include <stdbool.h>

void uart_init(void);
void uart_write(const char *s, size_t len);
/* Route the receive interrupt; called once interrupts and threads exist. */
void uart_enable_input(void);

/* Read up to len bytes of console input; blocks until at least one. */
long console_read(char *buf, size_t len);
/* True when console_read() would not block. */
bool console_input_ready(void);
/* A hook called from the interrupt handler for each received byte; the signal
 * layer uses it for Ctrl-C. Return true to drop the byte. */
extern bool (*console_input_hook)(char c);

#endif
