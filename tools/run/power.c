/* The ACPI fixed-hardware sleep registers and the reset register. */
#include "tools/run/power.h"

/* PM1 control (ACPI 6.4, 4.8.3.2.1). */
#define PM1_CNT_SCI_EN		0x0001u	/* reads 1: always in ACPI mode */
#define PM1_CNT_SLP_TYP_SHIFT	10
#define PM1_CNT_SLP_TYP_MASK	0x7u
#define PM1_CNT_SLP_EN		0x2000u
#define RESET_RST_CPU		0x04u	/* with SYS_RST (0x02) or alone */

/* PM1 status (2 bytes) reads 0: no fixed event is ever raised (no power
 * button, no timer). PM1 enable (2 bytes) keeps what is written: ACPICA
 * reads an enable bit back to check that it took. */
static void pm1_evt_io(void *opaque, uint64_t addr, uint8_t *data,
		       uint32_t len, bool is_write)
{
	struct run_power *pm = opaque;

	pthread_mutex_lock(&pm->lock);
	for (uint32_t i = 0; i < len; i++) {
		uint64_t reg = addr - RUN_PM1A_EVT_PORT + i;
		uint8_t *byte = reg >= 2 ? &pm->enable[reg - 2] : NULL;

		if (!is_write)
			data[i] = byte ? *byte : 0;
		else if (byte)
			*byte = data[i];
	}
	pthread_mutex_unlock(&pm->lock);
}

static void pm1_cnt_io(void *opaque, uint64_t addr, uint8_t *data,
		       uint32_t len, bool is_write)
{
	struct run_power *pm = opaque;
	uint16_t val = 0;

	if (!is_write) {
		/* SCI_EN set: the OS never needs an SMI to enter ACPI mode
		 * (and the FADT has no SMI_CMD port to ask with). */
		for (uint32_t i = 0; i < len; i++)
			data[i] = addr - RUN_PM1A_CNT_PORT + i == 0 ?
				  PM1_CNT_SCI_EN : 0;
		return;
	}
	for (uint32_t i = 0; i < len; i++)
		val |= (uint16_t)(data[i] << 8 * (addr - RUN_PM1A_CNT_PORT + i));
	if ((val & PM1_CNT_SLP_EN) &&
	    ((val >> PM1_CNT_SLP_TYP_SHIFT) & PM1_CNT_SLP_TYP_MASK) ==
		    RUN_S5_SLP_TYP)
		run_vm_request_stop(pm->vm, RUN_STOP_POWEROFF);
}

int run_power_attach(struct run_vm *vm)
{
	struct run_power *pm = &vm->power;
	int ret;

	pm->vm = vm;
	ret = run_vm_add_io(vm, RUN_SPACE_PIO, RUN_PM1A_EVT_PORT,
			    RUN_PM1A_EVT_LEN, pm1_evt_io, pm);
	if (!ret)
		ret = run_vm_add_io(vm, RUN_SPACE_PIO, RUN_PM1A_CNT_PORT,
				    RUN_PM1A_CNT_LEN, pm1_cnt_io, pm);
	return ret;
}

void run_power_reset_write(struct run_vm *vm, uint8_t val)
{
	/* Only a write with a reset bit resets; Linux's ACPI reset writes
	 * RUN_RESET_VALUE, the kernel's "reboot=pci" writes 2 then 6. */
	if (val & RESET_RST_CPU)
		run_vm_request_stop(vm, RUN_STOP_REBOOT);
}
