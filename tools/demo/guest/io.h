/* Guest-side hardware access: port I/O, MMIO and PCI configuration
 * mechanism #1 (CONFIG_ADDRESS at 0xCF8, CONFIG_DATA at 0xCFC-0xCFF), the way
 * an OS reaches PCI config space without ECAM.
 *
 * In the 32-bit image every access carries a "memory" clobber so the
 * compiler neither reorders mailbox stores across it nor caches device
 * registers. */
#ifndef DEMO_GUEST_IO_H
#define DEMO_GUEST_IO_H

#include <stdint.h>

#define PCI_CONFIG_ADDRESS	0xcf8
#define PCI_CONFIG_DATA		0xcfc
#define PCI_CONFIG_ENABLE	0x80000000u

#ifdef DEMO_GUEST_HOSTED
/* The hosted build (the demo without KVM, tools/demo/hosted_vm.h): the
 * driver runs on the VMM's own thread and every access is a call into the
 * VMM, where a vCPU would exit to it or reach mapped memory. */
uint32_t demo_hosted_in(uint16_t port, uint8_t size);
void demo_hosted_out(uint16_t port, uint8_t size, uint32_t v);
uint32_t demo_hosted_read32(uint32_t gpa);
void demo_hosted_write32(uint32_t gpa, uint32_t v);

static inline void outw(uint16_t port, uint16_t v)
{
	demo_hosted_out(port, 2, v);
}

static inline void outl(uint16_t port, uint32_t v)
{
	demo_hosted_out(port, 4, v);
}

static inline uint8_t inb(uint16_t port)
{
	return (uint8_t)demo_hosted_in(port, 1);
}

static inline uint16_t inw(uint16_t port)
{
	return (uint16_t)demo_hosted_in(port, 2);
}

static inline uint32_t inl(uint16_t port)
{
	return demo_hosted_in(port, 4);
}

static inline uint32_t mmio_read32(uint32_t addr)
{
	return demo_hosted_read32(addr);
}

static inline void mmio_write32(uint32_t addr, uint32_t v)
{
	demo_hosted_write32(addr, v);
}
#else
static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

static inline uint32_t mmio_read32(uint32_t addr)
{
	return *(volatile uint32_t *)addr;
}

static inline void mmio_write32(uint32_t addr, uint32_t v)
{
	*(volatile uint32_t *)addr = v;
}
#endif

/* Select bus 0, `devfn`, the dword holding `reg`; the data port for a
 * narrower access is 0xCFC plus the byte offset within that dword. */
static inline uint16_t cfg_select(uint32_t devfn, uint32_t reg)
{
	outl(PCI_CONFIG_ADDRESS, PCI_CONFIG_ENABLE | devfn << 8 | (reg & 0xfc));
	return (uint16_t)(PCI_CONFIG_DATA + (reg & 3));
}

static inline uint8_t cfg_read8(uint32_t devfn, uint32_t reg)
{
	return inb(cfg_select(devfn, reg));
}

static inline uint16_t cfg_read16(uint32_t devfn, uint32_t reg)
{
	return inw(cfg_select(devfn, reg));
}

static inline uint32_t cfg_read32(uint32_t devfn, uint32_t reg)
{
	return inl(cfg_select(devfn, reg));
}

static inline void cfg_write16(uint32_t devfn, uint32_t reg, uint16_t v)
{
	outw(cfg_select(devfn, reg), v);
}

static inline void cfg_write32(uint32_t devfn, uint32_t reg, uint32_t v)
{
	outl(cfg_select(devfn, reg), v);
}

#endif
