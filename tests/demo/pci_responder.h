// A test-only PCI bus for the demo VM: configuration mechanism #1 on ports
// 0xCF8/0xCFC over real config-space images, with just the device behaviour
// the demo guest exercises. Writable bits are per-byte masks (BAR0/BAR1,
// COMMAND, MSI-X Enable/Function Mask), the rest reads as the fixture.
//
// BAR0 of the endpoint behaves as vmpci's device will: the pages before the
// MSI-X table are a KVM memory slot over a memfd (mapped while memory decode
// is on, at wherever the guest placed the BAR), the table and PBA pages trap
// and are served from memory here. Every trapped BAR access is logged.
#ifndef VMPCI_TESTS_DEMO_PCI_RESPONDER_H
#define VMPCI_TESTS_DEMO_PCI_RESPONDER_H

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "tools/demo/kvm_vm.h"

struct MmioAccess {
	uint64_t gpa;
	uint8_t size;
	bool is_write;
	uint64_t data;
	bool operator==(const MmioAccess &o) const
	{
		return gpa == o.gpa && size == o.size &&
		       is_write == o.is_write && data == o.data;
	}
};

class PciResponder {
public:
	static constexpr uint32_t kBarSlot = 1; // slot 0 is the VM's RAM
	static constexpr uint64_t kTableOffset = 0x2000;
	static constexpr uint64_t kPbaOffset = 0x3000;
	static constexpr uint32_t kPatternBase = 0x5a000000;

	// The callbacks demo_vm_new wants, with the responder as opaque.
	static const demo_vm_ops kOps;

	// A function with only an identity: no BARs, no capabilities.
	void AddFunction(uint8_t devfn, uint16_t vendor, uint16_t device,
			 uint32_t class_code, uint8_t header_type);
	// A Q35-like host bridge (8086:29c0, class 0x060000).
	void AddHostBridge(uint8_t devfn)
	{
		AddFunction(devfn, 0x8086, 0x29c0, 0x060000, 0);
	}
	// An endpoint from a config-space fixture whose 64-bit BAR0 of
	// `bar0_size` bytes has its MSI-X table at kTableOffset and PBA at
	// kPbaOffset. Fails the test if the file cannot be read.
	void AddEndpoint(uint8_t devfn, const std::string &config_path,
			 uint64_t bar0_size);
	// The VM whose memory slots BAR0's mapped part goes into.
	void AttachVm(int vm_fd) { vm_fd_ = vm_fd; }
	~PciResponder();

	// Value of the mapped BAR0 dword at `offset`: kPatternBase | offset.
	static uint32_t Pattern(uint32_t offset)
	{
		return kPatternBase | offset;
	}

	std::vector<MmioAccess> mmio_log;
	// Every value the guest wrote to a 16-bit config register, in order.
	std::vector<std::pair<uint16_t, uint16_t>> config_writes16;
	// MSI-X table page (entries of 16 bytes), as the guest left it.
	std::array<uint8_t, 4096> msix_table{};

private:
	struct Function {
		uint8_t devfn;
		std::array<uint8_t, 4096> config;
		std::array<uint8_t, 4096> writable;
	};

	static int PioThunk(void *opaque, uint16_t port, uint8_t size,
			    bool is_write, uint32_t *data);
	static int MmioThunk(void *opaque, uint64_t gpa, uint8_t size,
			     bool is_write, uint64_t *data);
	static void LogThunk(void *opaque, const char *msg);
	int Pio(uint16_t port, uint8_t size, bool is_write, uint32_t *data);
	int Mmio(uint64_t gpa, uint8_t size, bool is_write, uint64_t *data);
	int ServeBar0(uint64_t gpa, uint8_t size, bool is_write,
		      uint64_t *data);
	Function *Find(uint8_t devfn);
	uint64_t Bar0Address() const;
	int UpdateBarSlot();

	std::vector<Function> functions_;
	size_t endpoint_ = 0; // index in functions_
	uint64_t bar0_size_ = 0;
	uint32_t config_address_ = 0;
	int vm_fd_ = -1;
	int memfd_ = -1;
	uint8_t *bar_mem_ = nullptr;
	uint64_t mapped_at_ = 0; // 0: slot not mapped
};

#endif
