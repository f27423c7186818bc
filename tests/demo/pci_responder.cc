#include "tests/demo/pci_responder.h"

#include <errno.h>
#include <gtest/gtest.h>
#include <linux/kvm.h>
#include <linux/pci_regs.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>

namespace {

constexpr uint16_t kConfigAddress = 0xcf8;
constexpr uint16_t kConfigData = 0xcfc;
constexpr uint32_t kConfigEnable = 0x80000000u;
constexpr uint64_t kPage = 0x1000;

uint32_t Le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

// Store the low `n` bytes of `v` little-endian at `off`.
void SetBytes(std::array<uint8_t, 4096> &a, size_t off, uint32_t v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		a[off + i] = (uint8_t)(v >> (8 * i));
}

// Config offset of the MSI-X capability, 0 if the list has none.
size_t FindMsix(const std::array<uint8_t, 4096> &config)
{
	size_t pos = config[PCI_CAPABILITY_LIST] & ~3u;

	for (int i = 0; i < 48 && pos >= PCI_STD_HEADER_SIZEOF; i++) {
		if (config[pos + PCI_CAP_LIST_ID] == PCI_CAP_ID_MSIX)
			return pos;
		pos = config[pos + PCI_CAP_LIST_NEXT] & ~3u;
	}
	return 0;
}

} // namespace

const demo_vm_ops PciResponder::kOps = {
	PciResponder::PioThunk,
	PciResponder::MmioThunk,
	PciResponder::LogThunk,
};

int PciResponder::PioThunk(void *opaque, uint16_t port, uint8_t size,
			   bool is_write, uint32_t *data)
{
	return static_cast<PciResponder *>(opaque)->Pio(port, size, is_write,
							 data);
}

int PciResponder::MmioThunk(void *opaque, uint64_t gpa, uint8_t size,
			    bool is_write, uint64_t *data)
{
	return static_cast<PciResponder *>(opaque)->Mmio(gpa, size, is_write,
							  data);
}

void PciResponder::LogThunk(void *, const char *msg)
{
	fprintf(stderr, "demo_vm: %s\n", msg);
}

void PciResponder::AddFunction(uint8_t devfn, uint16_t vendor, uint16_t device,
			       uint32_t class_code, uint8_t header_type)
{
	Function f{devfn, {}, {}};

	SetBytes(f.config, PCI_VENDOR_ID, vendor, 2);
	SetBytes(f.config, PCI_DEVICE_ID, device, 2);
	SetBytes(f.config, PCI_CLASS_PROG, class_code, 3);
	f.config[PCI_HEADER_TYPE] = header_type;
	functions_.push_back(f);
}

void PciResponder::AddEndpoint(uint8_t devfn, const std::string &config_path,
			       uint64_t bar0_size)
{
	Function f{devfn, {}, {}};
	std::ifstream in(config_path, std::ios::binary);
	size_t msix;

	in.read(reinterpret_cast<char *>(f.config.data()), f.config.size());
	ASSERT_GE(in.gcount(), 256) << config_path;
	msix = FindMsix(f.config);
	ASSERT_NE(msix, 0u) << config_path;

	f.writable[PCI_COMMAND] = 0xff;
	f.writable[PCI_COMMAND + 1] = 0x07; // SERR, fast b2b, INTx disable
	SetBytes(f.writable, PCI_BASE_ADDRESS_0,
		 (uint32_t)~(bar0_size - 1) & PCI_BASE_ADDRESS_MEM_MASK, 4);
	SetBytes(f.writable, PCI_BASE_ADDRESS_1, 0xffffffff, 4);
	f.writable[msix + PCI_MSIX_FLAGS + 1] =
		(PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL) >> 8;
	endpoint_ = functions_.size();
	functions_.push_back(f);

	// Vector Control of every entry starts masked (PCIe 6.0, 6.1.4.2).
	for (size_t e = 0; e < msix_table.size(); e += PCI_MSIX_ENTRY_SIZE)
		msix_table[e + PCI_MSIX_ENTRY_VECTOR_CTRL] =
			PCI_MSIX_ENTRY_CTRL_MASKBIT;

	bar0_size_ = bar0_size;
	memfd_ = memfd_create("bar0", MFD_CLOEXEC);
	ASSERT_GE(memfd_, 0);
	ASSERT_EQ(ftruncate(memfd_, (off_t)bar0_size), 0);
	void *p = mmap(nullptr, bar0_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       memfd_, 0);
	ASSERT_NE(p, MAP_FAILED);
	bar_mem_ = static_cast<uint8_t *>(p);
	for (uint32_t off = 0; off < bar0_size; off += 4) {
		uint32_t v = Pattern(off);
		memcpy(bar_mem_ + off, &v, sizeof(v));
	}
}

PciResponder::~PciResponder()
{
	if (bar_mem_)
		munmap(bar_mem_, bar0_size_);
	if (memfd_ >= 0)
		close(memfd_);
}

PciResponder::Function *PciResponder::Find(uint8_t devfn)
{
	for (Function &f : functions_)
		if (f.devfn == devfn)
			return &f;
	return nullptr;
}

uint64_t PciResponder::Bar0Address() const
{
	const uint8_t *c = functions_[endpoint_].config.data();

	return (uint64_t)Le32(c + PCI_BASE_ADDRESS_1) << 32 |
	       (Le32(c + PCI_BASE_ADDRESS_0) & PCI_BASE_ADDRESS_MEM_MASK);
}

// Keep BAR0's mapped part (the pages before the MSI-X table) in a memory
// slot at the BAR's address while memory decode is on, as a VMM does when
// the guest moves or enables a BAR.
int PciResponder::UpdateBarSlot()
{
	const Function &f = functions_[endpoint_];
	uint64_t want = (f.config[PCI_COMMAND] & PCI_COMMAND_MEMORY) ?
				Bar0Address() : 0;
	kvm_userspace_memory_region region = {};

	if (want == mapped_at_)
		return 0;
	region.slot = kBarSlot;
	if (mapped_at_) {
		// Size 0 deletes the slot.
		region.guest_phys_addr = mapped_at_;
		if (ioctl(vm_fd_, KVM_SET_USER_MEMORY_REGION, &region) < 0)
			return -errno;
		mapped_at_ = 0;
	}
	if (want) {
		region.guest_phys_addr = want;
		region.memory_size = kTableOffset;
		region.userspace_addr = (uintptr_t)bar_mem_;
		if (ioctl(vm_fd_, KVM_SET_USER_MEMORY_REGION, &region) < 0)
			return -errno;
		mapped_at_ = want;
	}
	return 0;
}

int PciResponder::Pio(uint16_t port, uint8_t size, bool is_write,
		      uint32_t *data)
{
	if (port == kConfigAddress && size == 4) {
		if (is_write)
			config_address_ = *data;
		else
			*data = config_address_;
		return 0;
	}
	if (port < kConfigData || port > kConfigData + 3)
		return -EINVAL; // the guest touches no other port

	uint8_t devfn = (uint8_t)(config_address_ >> 8);
	uint32_t bus = (config_address_ >> 16) & 0xff;
	size_t off = (config_address_ & 0xfc) + (port - kConfigData);
	Function *f = (config_address_ & kConfigEnable) && bus == 0 ?
			      Find(devfn) : nullptr;

	if (!f) {
		if (!is_write)
			*data = 0xffffffff; // no function: master abort
		return 0;
	}
	if (!is_write) {
		*data = 0;
		for (size_t i = 0; i < size; i++)
			*data |= (uint32_t)f->config[off + i] << (8 * i);
		return 0;
	}
	for (size_t i = 0; i < size; i++) {
		uint8_t v = (uint8_t)(*data >> (8 * i));
		uint8_t w = f->writable[off + i];

		f->config[off + i] = (uint8_t)((f->config[off + i] & ~w) |
					       (v & w));
	}
	if (size == 2)
		config_writes16.emplace_back((uint16_t)off, (uint16_t)*data);
	return f == &functions_[endpoint_] ? UpdateBarSlot() : 0;
}

int PciResponder::Mmio(uint64_t gpa, uint8_t size, bool is_write,
		       uint64_t *data)
{
	int err = ServeBar0(gpa, size, is_write, data);

	mmio_log.push_back({ gpa, size, is_write, *data });
	return err;
}

// Trapped BAR0 space: the MSI-X table page and the PBA page.
int PciResponder::ServeBar0(uint64_t gpa, uint8_t size, bool is_write,
			    uint64_t *data)
{
	uint64_t bar = bar0_size_ ? Bar0Address() : 0;
	uint64_t off = gpa - bar;

	if (!mapped_at_ || gpa < bar || off + size > bar0_size_ ||
	    off < kTableOffset)
		return -EINVAL; // not trapped BAR0 space: a guest bug
	if (off >= kPbaOffset) {
		if (!is_write)
			*data = 0; // nothing pending: no vector fired masked
		return 0;
	}
	if (off + size > kPbaOffset)
		return -EINVAL; // straddles table and PBA
	off -= kTableOffset;
	if (is_write) {
		memcpy(&msix_table[off], data, size);
	} else {
		*data = 0;
		memcpy(data, &msix_table[off], size);
	}
	return 0;
}
