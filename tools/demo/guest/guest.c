/* The demo guest's entry point in the freestanding 32-bit image: the VMM
 * starts it at demo_guest_main in flat 32-bit protected mode with paging and
 * interrupts off and ESP at DEMO_GUEST_STACK_TOP. The work is in driver.c. */
#include <stdint.h>

#include "tools/demo/guest/driver.h"
#include "tools/demo/guest/io.h"

void demo_guest_main(void);

__attribute__((section(".text.entry"), noreturn)) void demo_guest_main(void)
{
	struct demo_mailbox *mb = (struct demo_mailbox *)DEMO_MAILBOX_GPA;
	uint32_t status = DEMO_STATUS_BAD_MAILBOX;

	if (mb->magic == DEMO_MAILBOX_MAGIC)
		status = demo_guest_drive(mb);
	mb->status = status;
	outl(DEMO_DONE_PORT, status);
	/* Not reached: the VMM stops running this vCPU at the done port. */
	for (;;)
		__asm__ volatile("hlt");
}
