/* COM1: an 8250/16550A UART whose transmitter is the process's stdout and
 * whose receiver is fed from stdin. */
#ifndef VMPCI_TOOLS_RUN_UART_H
#define VMPCI_TOOLS_RUN_UART_H

#include <stddef.h>
#include <stdint.h>

#include "tools/run/vm_internal.h"

#define RUN_COM1_PORT	0x3f8
#define RUN_COM1_LEN	8
#define RUN_COM1_IRQ	4

/* Create COM1 on the VM (vm->uart) and trap its ports. */
int run_uart_attach(struct run_vm *vm);
void run_uart_free(struct run_uart *uart);

/* Free room in the receive FIFO, and queue received bytes (at most that
 * many are taken; returns how many). From the main thread. */
size_t run_uart_rx_room(struct run_uart *uart);
size_t run_uart_rx(struct run_uart *uart, const uint8_t *data, size_t len);

#endif
