/* COM1 as a 16550A: enough of the register set for Linux's 8250 driver to
 * detect it (scratch, loopback, FIFO) and to run it on interrupts. The
 * interrupt line follows "an interrupt is pending" (like kvmtool's), on
 * ISA IRQ 4 through the in-kernel PIC and IOAPIC. */
#include "tools/run/uart.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>
#include <linux/serial_reg.h>

#define UART_FIFO_SIZE	64

struct run_uart {
	struct run_vm *vm;
	pthread_mutex_t lock;	/* several vCPUs and the stdin reader */
	uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
	bool thr_pending;	/* THR empty interrupt not yet taken */
	bool irq_level;
	uint8_t rx[UART_FIFO_SIZE];
	size_t rx_head, rx_len;
};

/* The highest-priority pending interrupt, as IIR reports it. */
static uint8_t pending_iir(const struct run_uart *u)
{
	if ((u->ier & UART_IER_RDI) && u->rx_len)
		return UART_IIR_RDI;
	if ((u->ier & UART_IER_THRI) && u->thr_pending)
		return UART_IIR_THRI;
	return UART_IIR_NO_INT;
}

static void update_irq(struct run_uart *u)
{
	bool level = pending_iir(u) != UART_IIR_NO_INT;
	struct kvm_irq_level irq = { .irq = RUN_COM1_IRQ, .level = level };

	if (level == u->irq_level)
		return;
	u->irq_level = level;
	if (ioctl(run_vm_fd(u->vm), KVM_IRQ_LINE, &irq) < 0)
		run_vm_log(u->vm, "COM1: KVM_IRQ_LINE: %s", strerror(errno));
}

static void transmit(struct run_uart *u, uint8_t c)
{
	if (u->mcr & UART_MCR_LOOP) {
		/* Loopback: what is sent comes back (Linux's probe checks
		 * the modem lines only, but keep it honest). */
		if (u->rx_len < UART_FIFO_SIZE)
			u->rx[(u->rx_head + u->rx_len++) % UART_FIFO_SIZE] = c;
	} else if (write(STDOUT_FILENO, &c, 1) < 0) {
		/* The console is gone (closed pipe): the guest runs on. */
	}
	u->thr_pending = true;
}

static uint8_t modem_status(const struct run_uart *u)
{
	uint8_t msr = 0;

	if (!(u->mcr & UART_MCR_LOOP))
		return UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
	/* Loopback wires the outputs to the inputs (16550 datasheet). */
	if (u->mcr & UART_MCR_RTS)
		msr |= UART_MSR_CTS;
	if (u->mcr & UART_MCR_DTR)
		msr |= UART_MSR_DSR;
	if (u->mcr & UART_MCR_OUT1)
		msr |= UART_MSR_RI;
	if (u->mcr & UART_MCR_OUT2)
		msr |= UART_MSR_DCD;
	return msr;
}

static uint8_t uart_read(struct run_uart *u, unsigned reg)
{
	bool dlab = u->lcr & UART_LCR_DLAB;
	uint8_t v;

	switch (reg) {
	case UART_RX:
		if (dlab)
			return u->dll;
		if (!u->rx_len)
			return 0;
		v = u->rx[u->rx_head];
		u->rx_head = (u->rx_head + 1) % UART_FIFO_SIZE;
		u->rx_len--;
		return v;
	case UART_IER:
		return dlab ? u->dlm : u->ier;
	case UART_IIR:
		v = pending_iir(u);
		/* Reading IIR while it reports THRE clears that source. */
		if (v == UART_IIR_THRI)
			u->thr_pending = false;
		return v | ((u->fcr & UART_FCR_ENABLE_FIFO) ? 0xc0 : 0);
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		/* The transmitter is always empty: output is synchronous. */
		return UART_LSR_TEMT | UART_LSR_THRE |
		       (u->rx_len ? UART_LSR_DR : 0);
	case UART_MSR:
		return modem_status(u);
	default:
		return u->scr;
	}
}

static void uart_write(struct run_uart *u, unsigned reg, uint8_t v)
{
	bool dlab = u->lcr & UART_LCR_DLAB;

	switch (reg) {
	case UART_TX:
		if (dlab)
			u->dll = v;
		else
			transmit(u, v);
		break;
	case UART_IER:
		if (dlab) {
			u->dlm = v;
		} else {
			/* Enabling THRI with the holding register empty
			 * raises it at once: Linux's serial core counts on
			 * it to start transmitting. */
			if ((v & UART_IER_THRI) && !(u->ier & UART_IER_THRI))
				u->thr_pending = true;
			u->ier = v & 0x0f;
		}
		break;
	case UART_FCR:
		if (v & UART_FCR_CLEAR_RCVR)
			u->rx_len = 0;
		u->fcr = v & (uint8_t)~(UART_FCR_CLEAR_RCVR |
					UART_FCR_CLEAR_XMIT);
		break;
	case UART_LCR:
		u->lcr = v;
		break;
	case UART_MCR:
		u->mcr = v & 0x1f;
		break;
	case UART_LSR:
	case UART_MSR:
		break; /* read-only on a 16550 */
	default:
		u->scr = v;
		break;
	}
}

static void uart_io(void *opaque, uint64_t addr, uint8_t *data, uint32_t len,
		    bool is_write)
{
	struct run_uart *u = opaque;

	pthread_mutex_lock(&u->lock);
	for (uint32_t i = 0; i < len; i++) {
		unsigned reg = (unsigned)(addr - RUN_COM1_PORT + i) %
			       RUN_COM1_LEN;

		if (is_write)
			uart_write(u, reg, data[i]);
		else
			data[i] = uart_read(u, reg);
	}
	update_irq(u);
	pthread_mutex_unlock(&u->lock);
}

size_t run_uart_rx_room(struct run_uart *u)
{
	size_t room;

	pthread_mutex_lock(&u->lock);
	room = UART_FIFO_SIZE - u->rx_len;
	pthread_mutex_unlock(&u->lock);
	return room;
}

size_t run_uart_rx(struct run_uart *u, const uint8_t *data, size_t len)
{
	size_t n = 0;

	pthread_mutex_lock(&u->lock);
	while (n < len && u->rx_len < UART_FIFO_SIZE)
		u->rx[(u->rx_head + u->rx_len++) % UART_FIFO_SIZE] = data[n++];
	update_irq(u);
	pthread_mutex_unlock(&u->lock);
	return n;
}

int run_uart_attach(struct run_vm *vm)
{
	struct run_uart *u = calloc(1, sizeof(*u));
	int ret;

	if (!u)
		return -ENOMEM;
	u->vm = vm;
	u->lcr = UART_LCR_WLEN8;
	pthread_mutex_init(&u->lock, NULL);
	ret = run_vm_add_io(vm, RUN_SPACE_PIO, RUN_COM1_PORT, RUN_COM1_LEN,
			    uart_io, u);
	if (ret) {
		run_uart_free(u);
		return ret;
	}
	vm->uart = u;
	return 0;
}

void run_uart_free(struct run_uart *u)
{
	if (!u)
		return;
	pthread_mutex_destroy(&u->lock);
	free(u);
}
