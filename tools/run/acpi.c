/* ACPI tables (ACPI 6.4, chapter 5): laid out one after another from
 * RUN_ACPI_START, each built in an encoder buffer and then copied in. */
#include "tools/run/acpi.h"

#include <errno.h>
#include <string.h>

#include "tools/run/aml.h"
#include "tools/run/boot.h"
#include "tools/run/power.h"
#include "tools/run/uart.h"

#define ACPI_HEADER_LEN		36
#define ACPI_CHECKSUM_OFFSET	9
#define ACPI_OEM_ID		"VMPCI "
#define ACPI_OEM_TABLE_ID	"VMPCIRUN"
#define ACPI_ALIGN		16

/* FADT (5.2.9), revision 6 layout. */
#define FADT_LEN		276
#define FADT_REVISION		6
#define FADT_FLAG_WBINVD	(1u << 0)
#define FADT_FLAG_PWR_BUTTON	(1u << 4)	/* no fixed power button */
#define FADT_FLAG_SLP_BUTTON	(1u << 5)	/* no fixed sleep button */
#define FADT_FLAG_RESET_REG_SUP	(1u << 10)
/* IA-PC boot architecture flags: no VGA, no CMOS RTC (Linux then leaves
 * ports 0x70/0x71 alone), do not touch ASPM; no 8042 bit: no keyboard. */
#define FADT_BOOT_VGA_NOT_PRESENT	(1u << 2)
#define FADT_BOOT_ASPM_CONTROLS		(1u << 4)
#define FADT_BOOT_CMOS_RTC_NOT_PRESENT	(1u << 5)
#define GAS_SYSTEM_IO		1

/* MADT (5.2.12) structure types and flags. */
#define MADT_PCAT_COMPAT	1u	/* dual 8259s present (KVM's PIC) */
#define MADT_LAPIC		0
#define MADT_IOAPIC		1
#define MADT_ISO		2
#define MADT_LAPIC_ENABLED	1u
#define MPS_INTI_LEVEL_LOW	0x000fu	/* level-triggered, active low */

/* Write a table header; length and checksum are fixed up by finish(). */
static void header(struct run_aml *t, const char *sig, uint8_t revision)
{
	run_aml_bytes(t, sig, 4);
	run_aml_u32(t, 0);		/* length */
	run_aml_u8(t, revision);
	run_aml_u8(t, 0);		/* checksum */
	run_aml_bytes(t, ACPI_OEM_ID, 6);
	run_aml_bytes(t, ACPI_OEM_TABLE_ID, 8);
	run_aml_u32(t, 1);		/* OEM revision */
	run_aml_bytes(t, "VMPC", 4);	/* creator id */
	run_aml_u32(t, 1);		/* creator revision */
}

static uint8_t checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	while (len--)
		sum = (uint8_t)(sum + *p++);
	return (uint8_t)-sum;
}

struct acpi_writer {
	struct run_vm *vm;
	uint64_t next;	/* guest address of the next table */
	int err;
};

/* Fill in the length and checksum of a table in t. */
static void seal(struct run_aml *t)
{
	uint32_t len = (uint32_t)t->len;

	if (t->failed || t->len < ACPI_HEADER_LEN)
		return;
	memcpy(t->buf + 4, &len, sizeof(len));
	t->buf[ACPI_CHECKSUM_OFFSET] = checksum(t->buf, t->len);
}

/* Copy what t holds to the next free place, free t and return the guest
 * address (0 on failure, with w->err set). */
static uint64_t place(struct acpi_writer *w, struct run_aml *t)
{
	uint64_t gpa = w->next;
	uint8_t *dst = NULL;

	if (t->failed)
		w->err = -ENOMEM;
	else if (gpa + t->len > RUN_BIOS_END)
		w->err = -ENOSPC;
	else
		dst = run_guest_ptr(w->vm, gpa, t->len);
	if (dst) {
		memcpy(dst, t->buf, t->len);
		w->next = (gpa + t->len + ACPI_ALIGN - 1) &
			  ~(uint64_t)(ACPI_ALIGN - 1);
	} else if (!w->err) {
		w->err = -ENOMEM;
	}
	run_aml_free(t);
	return dst ? gpa : 0;
}

static uint64_t place_table(struct acpi_writer *w, struct run_aml *t)
{
	seal(t);
	return place(w, t);
}

/* \_SB.PCI0: the host bridge with its windows (vm.h) and _PRT. */
static void dsdt_pci0(struct run_aml *t)
{
	size_t dev = run_aml_device(t, "PCI0"), crs, prt;

	run_aml_name(t, "_HID");
	run_aml_eisaid(t, "PNP0A08");	/* PCI Express root bridge */
	run_aml_name(t, "_CID");
	run_aml_eisaid(t, "PNP0A03");	/* PCI root bridge */
	run_aml_name(t, "_SEG");
	run_aml_integer(t, 0);
	run_aml_name(t, "_BBN");
	run_aml_integer(t, 0);
	run_aml_name(t, "_UID");
	run_aml_integer(t, 0);
	run_aml_name(t, "_CRS");
	crs = run_aml_buffer(t);
	run_aml_res_bus(t, 0, 0);
	run_aml_res_io(t, VMPCI_BUS_PIO_BASE, VMPCI_BUS_PIO_SIZE);
	/* Legacy ports below the config mechanism and the BAR window. */
	run_aml_res_io_window(t, 0, VMPCI_BUS_PIO_BASE - 1);
	run_aml_res_io_window(t, RUN_PIO_BASE,
			      RUN_PIO_BASE + RUN_PIO_SIZE - 1);
	run_aml_res_mem32(t, RUN_MMIO32_BASE, RUN_MMIO32_SIZE);
	run_aml_res_mem64(t, RUN_MMIO64_BASE, RUN_MMIO64_SIZE);
	run_aml_res_end(t);
	run_aml_close(t, crs);
	/* _PRT: every slot's INTA-INTD on the GSI run_intx_gsi() gives, the
	 * same function the passthrough devices wire their INTx with. */
	run_aml_name(t, "_PRT");
	prt = run_aml_package(t, (VMPCI_BUS_SLOTS - 1) * 4);
	for (unsigned slot = 1; slot < VMPCI_BUS_SLOTS; slot++) {
		for (unsigned pin = 0; pin < 4; pin++) {
			size_t entry = run_aml_package(t, 4);

			run_aml_integer(t, ((uint64_t)slot << 16) | 0xffff);
			run_aml_integer(t, pin);
			run_aml_integer(t, 0);	/* a GSI, not a link device */
			run_aml_integer(t, run_intx_gsi(slot, pin));
			run_aml_close(t, entry);
		}
	}
	run_aml_close(t, prt);
	run_aml_close(t, dev);
}

static void dsdt_com1(struct run_aml *t)
{
	size_t dev = run_aml_device(t, "COM1"), crs;

	run_aml_name(t, "_HID");
	run_aml_eisaid(t, "PNP0501");	/* 16550A-compatible */
	run_aml_name(t, "_UID");
	run_aml_integer(t, 0);
	run_aml_name(t, "_CRS");
	crs = run_aml_buffer(t);
	run_aml_res_io(t, RUN_COM1_PORT, RUN_COM1_LEN);
	run_aml_res_irq(t, RUN_COM1_IRQ);
	run_aml_res_end(t);
	run_aml_close(t, crs);
	run_aml_close(t, dev);
}

static uint64_t write_dsdt(struct acpi_writer *w)
{
	struct run_aml t = { 0 };
	size_t s5, sb;

	header(&t, "DSDT", 2);	/* revision 2: 64-bit integers */
	/* \_S5: SLP_TYP for PM1a and PM1b, then two reserved values. */
	run_aml_name(&t, "\\_S5");
	s5 = run_aml_package(&t, 4);
	run_aml_integer(&t, RUN_S5_SLP_TYP);
	run_aml_integer(&t, RUN_S5_SLP_TYP);
	run_aml_integer(&t, 0);
	run_aml_integer(&t, 0);
	run_aml_close(&t, s5);
	sb = run_aml_scope(&t, "\\_SB");
	dsdt_pci0(&t);
	dsdt_com1(&t);
	run_aml_close(&t, sb);
	return place_table(w, &t);
}

/* A Generic Address Structure (5.2.3.2) for `bytes` I/O ports accessed
 * `access` bytes at a time (1 or 2; the field encodes 1 as 1, 2 as 2). */
static void gas_io(struct run_aml *t, uint16_t port, uint8_t bytes,
		   uint8_t access)
{
	run_aml_u8(t, GAS_SYSTEM_IO);
	run_aml_u8(t, (uint8_t)(bytes * 8));	/* bit width */
	run_aml_u8(t, 0);			/* bit offset */
	run_aml_u8(t, access);
	run_aml_u64(t, port);
}

static uint64_t write_fadt(struct acpi_writer *w, uint64_t dsdt)
{
	struct run_aml t = { 0 };
	uint8_t zeros[FADT_LEN] = { 0 };

	header(&t, "FACP", FADT_REVISION);
	run_aml_u32(&t, 0);			/* FIRMWARE_CTRL: no FACS */
	run_aml_u32(&t, (uint32_t)dsdt);
	run_aml_u8(&t, 0);			/* reserved */
	run_aml_u8(&t, 0);			/* profile: unspecified */
	run_aml_u16(&t, RUN_SCI_IRQ);
	run_aml_u32(&t, 0);			/* SMI_CMD: none */
	run_aml_bytes(&t, zeros, 4);		/* enable/disable/S4/PSTATE */
	run_aml_u32(&t, RUN_PM1A_EVT_PORT);
	run_aml_u32(&t, 0);			/* PM1b_EVT_BLK */
	run_aml_u32(&t, RUN_PM1A_CNT_PORT);
	run_aml_bytes(&t, zeros, 20);		/* PM1b_CNT .. GPE1_BLK */
	run_aml_u8(&t, RUN_PM1A_EVT_LEN);
	run_aml_u8(&t, RUN_PM1A_CNT_LEN);
	run_aml_bytes(&t, zeros, 19);		/* PM2_CNT_LEN .. CENTURY */
	run_aml_u16(&t, FADT_BOOT_VGA_NOT_PRESENT | FADT_BOOT_ASPM_CONTROLS |
			FADT_BOOT_CMOS_RTC_NOT_PRESENT);
	run_aml_u8(&t, 0);			/* reserved */
	run_aml_u32(&t, FADT_FLAG_WBINVD | FADT_FLAG_PWR_BUTTON |
			FADT_FLAG_SLP_BUTTON | FADT_FLAG_RESET_REG_SUP);
	gas_io(&t, RUN_RESET_PORT, 1, 1);
	run_aml_u8(&t, RUN_RESET_VALUE);
	run_aml_u16(&t, 0);			/* ARM boot flags */
	run_aml_u8(&t, 4);			/* minor version: 6.4 */
	run_aml_u64(&t, 0);			/* X_FIRMWARE_CTRL */
	run_aml_u64(&t, dsdt);			/* X_DSDT */
	gas_io(&t, RUN_PM1A_EVT_PORT, RUN_PM1A_EVT_LEN, 2);
	run_aml_bytes(&t, zeros, 12);		/* X_PM1b_EVT_BLK */
	gas_io(&t, RUN_PM1A_CNT_PORT, RUN_PM1A_CNT_LEN, 2);
	run_aml_bytes(&t, zeros, FADT_LEN - 184);	/* the rest: none */
	if (!t.failed && t.len != FADT_LEN)
		t.failed = true; /* a field list that lost count */
	return place_table(w, &t);
}

static uint64_t write_madt(struct acpi_writer *w, unsigned nr_cpus)
{
	struct run_aml t = { 0 };

	header(&t, "APIC", 5);
	run_aml_u32(&t, RUN_LAPIC_ADDR);
	run_aml_u32(&t, MADT_PCAT_COMPAT);
	for (unsigned i = 0; i < nr_cpus; i++) {
		run_aml_u8(&t, MADT_LAPIC);
		run_aml_u8(&t, 8);
		run_aml_u8(&t, (uint8_t)i);	/* processor UID */
		run_aml_u8(&t, (uint8_t)i);	/* APIC id = vCPU index */
		run_aml_u32(&t, MADT_LAPIC_ENABLED);
	}
	run_aml_u8(&t, MADT_IOAPIC);
	run_aml_u8(&t, 12);
	run_aml_u8(&t, 0);			/* IOAPIC id */
	run_aml_u8(&t, 0);
	run_aml_u32(&t, RUN_IOAPIC_ADDR);
	run_aml_u32(&t, 0);			/* GSI base */
	/* The PIT's IRQ0 arrives on IOAPIC pin 2, as on every PC. */
	run_aml_u8(&t, MADT_ISO);
	run_aml_u8(&t, 10);
	run_aml_u8(&t, 0);			/* ISA */
	run_aml_u8(&t, 0);
	run_aml_u32(&t, 2);
	run_aml_u16(&t, 0);			/* bus default: edge, high */
	/* The SCI is level-triggered, active low (ACPI 6.4, 5.2.9). */
	run_aml_u8(&t, MADT_ISO);
	run_aml_u8(&t, 10);
	run_aml_u8(&t, 0);
	run_aml_u8(&t, RUN_SCI_IRQ);
	run_aml_u32(&t, RUN_SCI_IRQ);
	run_aml_u16(&t, MPS_INTI_LEVEL_LOW);
	return place_table(w, &t);
}

static uint64_t write_mcfg(struct acpi_writer *w)
{
	struct run_aml t = { 0 };

	header(&t, "MCFG", 1);
	run_aml_u64(&t, 0);			/* reserved */
	run_aml_u64(&t, RUN_ECAM_BASE);
	run_aml_u16(&t, 0);			/* segment */
	run_aml_u8(&t, 0);			/* first bus */
	run_aml_u8(&t, (uint8_t)(RUN_ECAM_SIZE / (1u << 20) - 1));
	run_aml_u32(&t, 0);
	return place_table(w, &t);
}

static uint64_t write_xsdt(struct acpi_writer *w, const uint64_t *tables,
			   size_t n)
{
	struct run_aml t = { 0 };

	header(&t, "XSDT", 1);
	for (size_t i = 0; i < n; i++)
		run_aml_u64(&t, tables[i]);
	return place_table(w, &t);
}

/* RSDP (5.2.5.3), revision 2: the first checksum covers the first 20
 * bytes, the extended one all 36. */
static uint64_t write_rsdp(struct acpi_writer *w, uint64_t xsdt)
{
	struct run_aml t = { 0 };

	run_aml_bytes(&t, "RSD PTR ", 8);
	run_aml_u8(&t, 0);			/* checksum */
	run_aml_bytes(&t, ACPI_OEM_ID, 6);
	run_aml_u8(&t, 2);			/* revision */
	run_aml_u32(&t, 0);			/* RSDT: none */
	run_aml_u32(&t, 36);			/* length */
	run_aml_u64(&t, xsdt);
	run_aml_u8(&t, 0);			/* extended checksum */
	run_aml_bytes(&t, "\0\0\0", 3);
	/* The first checksum first: the extended one covers it. */
	if (!t.failed) {
		t.buf[8] = checksum(t.buf, 20);
		t.buf[32] = checksum(t.buf, 36);
	}
	return place(w, &t);
}

int run_acpi_write(struct run_vm *vm, unsigned nr_cpus, uint64_t *rsdp)
{
	/* The RSDP first: 16-byte aligned in 0xE0000-0xFFFFF, where the
	 * kernel's legacy scan would find it too. */
	struct acpi_writer w = { .vm = vm, .next = RUN_ACPI_START + 64 };
	uint64_t tables[3], xsdt, dsdt;

	dsdt = write_dsdt(&w);
	tables[0] = write_fadt(&w, dsdt);
	tables[1] = write_madt(&w, nr_cpus);
	tables[2] = write_mcfg(&w);
	xsdt = write_xsdt(&w, tables, 3);
	w.next = RUN_ACPI_START;
	*rsdp = write_rsdp(&w, xsdt);
	if (w.err)
		run_vm_log(vm, "cannot write the ACPI tables: %s",
			   w.err == -ENOSPC ? "they do not fit" :
			   "out of memory");
	return w.err;
}
