#include "tests/migration/state_builder.h"

#include "tests/support/fixtures.h"

#include <gtest/gtest.h>
#include <linux/pci_regs.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

namespace {

// sysfs resource flags (include/linux/ioport.h).
constexpr uint64_t kIoresourceIo = 0x100;
constexpr uint64_t kIoresourcePrefetch = 0x2000;
constexpr uint64_t kIoresourceMem64 = 0x100000;

std::vector<uint8_t> ReadFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

struct Resource {
  uint64_t start = 0, end = 0, flags = 0;
  uint64_t size() const { return end > start ? end - start + 1 : 0; }
};

std::vector<Resource> ReadResources(const std::string &path) {
  std::vector<Resource> out;
  FILE *f = fopen(path.c_str(), "r");
  if (!f) return out;
  unsigned long long s, e, fl;
  while (out.size() < VMPCI_BAR_COUNT &&
         fscanf(f, "%llx %llx %llx", &s, &e, &fl) == 3)
    out.push_back({s, e, fl});
  fclose(f);
  return out;
}

uint32_t BarType(const Resource &r, unsigned index) {
  if (index == VMPCI_BAR_ROM_INDEX) return VMPCI_BAR_ROM;
  if (r.flags & kIoresourceIo) return VMPCI_BAR_IO;
  uint32_t t = (r.flags & kIoresourceMem64) ? VMPCI_BAR_MEM64 : VMPCI_BAR_MEM32;
  if (r.flags & kIoresourcePrefetch) t |= VMPCI_BAR_PREFETCH;
  return t;
}

uint32_t Le(const uint8_t *p, unsigned n) {
  uint32_t v = 0;
  while (n--) v = v << 8 | p[n];
  return v;
}

// The config state of the fixture with its BARs placed, the first standard
// capability hidden and a virtual vendor capability added where it fits.
void BuildConfig(const std::string &base, unsigned variant,
                 vmpci_device_state *st) {
  std::vector<uint8_t> bytes = ReadFile(base + ".bin");
  ASSERT_TRUE(bytes.size() == 256 || bytes.size() == 4096) << base;
  vmpci_config *cfg = nullptr;
  ASSERT_EQ(vmpci_config_new_emulated(bytes.data(), bytes.size(), &cfg), 0);
  std::vector<Resource> res = ReadResources(base + ".resource");
  for (unsigned i = 0; i < res.size(); i++) {
    if (!res[i].size()) continue;
    uint32_t type = BarType(res[i], i);
    EXPECT_EQ(vmpci_config_bar_declare(cfg, i, res[i].size(), type), 0) << i;
    EXPECT_EQ(vmpci_config_bar_set_addr(cfg, i, res[i].start), 0) << i;
    st->placed[i] = (i + variant) % 2 == 0;
    if (type & VMPCI_BAR_MEM64) i++;
  }
  vmpci_cap cap;
  if (vmpci_config_cap_get(cfg, 0, &cap) == 0 &&
      !(cap.flags & VMPCI_CAP_EXTENDED) && cap.id != PCI_CAP_ID_MSI &&
      cap.id != PCI_CAP_ID_MSIX) {
    EXPECT_EQ(vmpci_config_cap_hide(cfg, (uint8_t)cap.id), 0);
  }
  const uint8_t body[6] = {8, 'v', 'm', 'p', 'c', 'i'};
  int rc = vmpci_config_cap_add(cfg, PCI_CAP_ID_VNDR, body, sizeof(body),
                                nullptr);
  EXPECT_TRUE(rc == 0 || rc == -ENOSPC) << rc;
  EXPECT_EQ(vmpci_config_state_get(cfg, &st->config), 0);
  st->config.command = (uint16_t)(PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
                                  (variant ? PCI_COMMAND_INTX_DISABLE : 0));
  vmpci_config_free(cfg);
}

// The first visible capability `id` in the exported state, or nullptr.
const vmpci_cap *FindCap(const vmpci_config_state &cs, uint16_t id) {
  for (unsigned i = 0; i < cs.cap_count; i++)
    if (cs.caps[i].id == id &&
        !(cs.caps[i].flags & (VMPCI_CAP_EXTENDED | VMPCI_CAP_HIDDEN)))
      return &cs.caps[i];
  return nullptr;
}

void FillMsi(uint16_t cap_control, unsigned variant, vmpci_msi_state *m) {
  unsigned mmc = (cap_control & PCI_MSI_FLAGS_QMASK) >> 1;
  unsigned mme = variant % (mmc + 1);
  m->control = (uint16_t)((cap_control & ~(PCI_MSI_FLAGS_QSIZE |
                                           PCI_MSI_FLAGS_ENABLE)) |
                          mme << 4 | (variant & 1));
  m->address = 0xfee00000u + 0x1000u * variant;
  if (cap_control & PCI_MSI_FLAGS_64BIT) m->address |= 0x1ull << 32;
  m->data = (uint16_t)(0x4020 + variant);
  if (cap_control & PCI_MSI_FLAGS_MASKBIT) {
    uint32_t all = mmc == 5 ? 0xffffffffu : (1u << (1u << mmc)) - 1;
    m->mask = 0xa5a5a5a5u & all;
    m->pending = 0x1u & all;
  }
}

void FillMsix(uint16_t cap_control, unsigned variant, vmpci_msix_state *x) {
  x->nr_entries = (cap_control & PCI_MSIX_FLAGS_QSIZE) + 1u;
  x->control = (uint16_t)((cap_control & PCI_MSIX_FLAGS_QSIZE) |
                          (variant == 1 ? PCI_MSIX_FLAGS_ENABLE : 0) |
                          (variant == 2 ? PCI_MSIX_FLAGS_MASKALL : 0));
  for (uint32_t i = 0; i < x->nr_entries; i++) {
    x->entries[i].address = 0xfee00000ull + (uint64_t)(i + variant) * 0x1004;
    x->entries[i].data = 0x4000u + i * 7u + variant;
    x->entries[i].control = (i + variant) % 3 == 0 ? 1u : 0u;
    if ((i + variant) % 5 == 0) x->pba[i / 64] |= 1ull << (i % 64);
  }
}

}  // namespace

StatePtr NewState() {
  return StatePtr(
      static_cast<vmpci_device_state *>(calloc(1, sizeof(vmpci_device_state))));
}

const std::vector<std::string> &FixtureBases() {
  static const std::vector<std::string> bases = [] {
    std::vector<std::string> v;
    const size_t dir = strlen(VMPCI_TEST_FIXTURE_DIR);
    for (const vmpci_test_fixture &f : vmpci_test_fixtures)
      v.push_back(f.path + dir);
    return v;
  }();
  return bases;
}

StatePtr StateFromFixture(const std::string &base, unsigned variant) {
  StatePtr st = NewState();
  std::string path = VMPCI_TEST_FIXTURE_DIR + base;
  BuildConfig(path, variant, st.get());
  if (testing::Test::HasFatalFailure()) return nullptr;

  const uint8_t *img = st->config.image;
  std::string bdf = base.substr(base.size() - 12);  // "0000_00_03.0"
  for (char &c : bdf)
    if (c == '_') c = ':';
  snprintf(st->name, sizeof(st->name), "%s", bdf.c_str());
  st->identity.vendor = (uint16_t)Le(img + PCI_VENDOR_ID, 2);
  st->identity.device = (uint16_t)Le(img + PCI_DEVICE_ID, 2);
  st->identity.revision = img[PCI_REVISION_ID];
  st->identity.class_code = Le(img + PCI_CLASS_PROG, 3);
  st->identity.subsystem_vendor = (uint16_t)Le(img + PCI_SUBSYSTEM_VENDOR_ID, 2);
  st->identity.subsystem = (uint16_t)Le(img + PCI_SUBSYSTEM_ID, 2);
  st->identity.config_size = st->config.size;
  st->page_size = variant == 2 ? 0x10000 : 0x1000;
  st->no_mmap_bars = variant == 1 ? 0x41 : 0;
  st->devid = 0x18 + variant;

  if (const vmpci_cap *c = FindCap(st->config, PCI_CAP_ID_MSI)) {
    st->has_msi = true;
    FillMsi((uint16_t)Le(img + c->offset + PCI_MSI_FLAGS, 2), variant,
            &st->msi);
  }
  if (const vmpci_cap *c = FindCap(st->config, PCI_CAP_ID_MSIX)) {
    st->has_msix = true;
    FillMsix((uint16_t)Le(img + c->offset + PCI_MSIX_FLAGS, 2), variant,
             &st->msix);
  }
  if (img[PCI_INTERRUPT_PIN]) {
    st->has_intx = true;
    st->intx.enabled = variant != 1;
    st->intx.masked = variant == 2;
    st->intx.pending = variant == 2;
  }
  st->vfio.supported = variant != 0;
  if (variant == 2) {
    st->vfio.size = 1000 + base.size();
    st->vfio.data = static_cast<uint8_t *>(malloc(st->vfio.size));
    for (size_t i = 0; i < st->vfio.size; i++)
      st->vfio.data[i] = (uint8_t)(i * 31 + 7);
  }
  return st;
}

StatePtr LargestMsixState() {
  StatePtr st = StateFromFixture("qemu-emulated/1b36-0010-0000_00_04.0", 1);
  if (!st) return nullptr;
  vmpci_msix_state *x = &st->msix;
  st->has_msix = true;
  x->nr_entries = VMPCI_MSIX_MAX_VECTORS;
  x->control = PCI_MSIX_FLAGS_ENABLE | (VMPCI_MSIX_MAX_VECTORS - 1);
  // The capability in the image says so too, as a function with that
  // table would (restore checks the state against it).
  for (unsigned i = 0; i < st->config.cap_count; i++)
    if (st->config.caps[i].id == PCI_CAP_ID_MSIX &&
        !(st->config.caps[i].flags & VMPCI_CAP_EXTENDED)) {
      uint8_t *ctl = st->config.image + st->config.caps[i].offset + PCI_MSIX_FLAGS;
      ctl[0] = (VMPCI_MSIX_MAX_VECTORS - 1) & 0xff;
      ctl[1] = (uint8_t)((ctl[1] & 0xf8) | (VMPCI_MSIX_MAX_VECTORS - 1) >> 8);
    }
  for (uint32_t i = 0; i < x->nr_entries; i++) {
    x->entries[i].address = 0xfffffffffffffffcull - 4ull * i;
    x->entries[i].data = 0xffffffffu - i;
    x->entries[i].control = 1;
  }
  for (auto &w : x->pba) w = ~0ull;
  return st;
}

StatePtr MinimalState() {
  StatePtr st = NewState();
  uint8_t *img = st->config.image;
  img[0] = 0x34;  // vendor 0x1234, device 0x11e8, class 0x00ff00, rev 0x10
  img[1] = 0x12;
  img[2] = 0xe8;
  img[3] = 0x11;
  img[PCI_REVISION_ID] = 0x10;
  img[PCI_CLASS_DEVICE] = 0xff;
  snprintf(st->name, sizeof(st->name), "min");
  st->identity.vendor = 0x1234;
  st->identity.device = 0x11e8;
  st->identity.revision = 0x10;
  st->identity.class_code = 0x00ff00;
  st->identity.config_size = 256;
  st->config.size = 256;
  st->page_size = 4096;
  return st;
}

std::string Write(const vmpci_device_state &st) {
  char *json = nullptr;
  size_t len = 0;
  char err[VMPCI__SNAPSHOT_ERR_MAX] = "";
  EXPECT_EQ(vmpci__snapshot_write(&st, &json, &len, err, sizeof(err)), 0)
      << err;
  std::string out = json ? std::string(json, len) : std::string();
  free(json);
  return out;
}

bool StatesEqual(const vmpci_device_state &a, const vmpci_device_state &b) {
  if (a.vfio.size != b.vfio.size ||
      (a.vfio.size && memcmp(a.vfio.data, b.vfio.data, a.vfio.size)))
    return false;
  // Compare everything else byte for byte, the data pointers aside.
  StatePtr ca = NewState(), cb = NewState();
  memcpy(ca.get(), &a, sizeof(a));
  memcpy(cb.get(), &b, sizeof(b));
  ca->vfio.data = cb->vfio.data = nullptr;
  return memcmp(ca.get(), cb.get(), sizeof(a)) == 0;
}
