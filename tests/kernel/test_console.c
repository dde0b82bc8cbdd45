/*
 * Console input: --selftest=console_echo reads one line from the UART, which
 * arrives by interrupt through the IOAPIC, and prints it back. The test
 * runner pipes a line into QEMU's stdin and looks for it.
 */
#include <alto/console.h>
#include <alto/selftest.h>

SELFTEST_MANUAL(console_echo)
{
	char line[128];
	size_t n = 0;

	printk("console_echo: waiting for a line\n");
	while (n < sizeof(line) - 1) {
		char c;
		if (console_read(&c, 1) != 1)
			return -1;
		if (c == '\n' || c == '\r')
			break;
		line[n++] = c;
	}
	line[n] = 0;
	printk("console_echo: got \"%s\"\n", line);
	return 0;
}
