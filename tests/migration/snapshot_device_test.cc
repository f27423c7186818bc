// vmpci_snapshot_save / vmpci_snapshot_restore on real device objects over
// simulated functions: the guest sees the same device after a round trip
// through the document, and a refused document changes nothing.
#include <cjson/cJSON.h>
#include <errno.h>
#include <gtest/gtest.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "tests/migration/mig_double.h"
#include "tests/shim/vmpci_c.h"
#include "tests/support/fixtures.h"
#include "tests/support/recording_host.h"

namespace {

constexpr const char *kNvme = VMPCI_TEST_NVME;
constexpr const char *kEdu = VMPCI_TEST_EDU;

// One simulated function with a device on it, and the pools it uses.
class Rig {
 public:
  // `with_migration`: the function gets a migration v2 double streaming
  // `data` on STOP_COPY.
  Rig(const char *fixture, bool with_migration,
      const std::vector<uint8_t> &data = {}) {
    EXPECT_EQ(vmpci_alloc_new(0xc000, 0x4000, &io_), 0);
    EXPECT_EQ(vmpci_alloc_new(0xc0000000, 0x20000000, &mmio32_), 0);
    EXPECT_EQ(vmpci_alloc_new(0x100000000ull, 0x100000000ull, &mmio64_), 0);
    EXPECT_EQ(vmpci_vfio_sim_new_from_files(fixture, host_.host(), &sim_), 0);
    if (!sim_) return;
    const vmpci_vfio_backend *be = vmpci_vfio_sim_backend(sim_);
    if (with_migration) {
      mig = std::make_unique<MigDouble>(be);
      mig->device_data = data;
      be = mig->backend();
    }
    vmpci_device_params c;
    vmpci_device_params_init(&c, be, host_.host());
    c.name = "mig0";
    c.pools = {io_, mmio32_, mmio64_};
    c.page_size = 4096;
    EXPECT_EQ(vmpci_device_new(&c, &dev), 0);
  }
  ~Rig() {
    vmpci_device_free(dev);
    vmpci_vfio_sim_free(sim_);
    vmpci_alloc_free(io_);
    vmpci_alloc_free(mmio32_);
    vmpci_alloc_free(mmio64_);
  }

  std::vector<uint8_t> Dump() {
    struct vmpci_device_identity id;
    vmpci_device_identity_get(dev, &id);
    std::vector<uint8_t> b(id.config_size);
    EXPECT_EQ(vmpci_device_config_dump(dev, b.data(), b.size()), 0);
    return b;
  }

  std::string Save() {
    char *json = nullptr;
    EXPECT_EQ(vmpci_snapshot_save(dev, &json), 0);
    std::string s = json ? json : "";
    free(json);
    return s;
  }

  int Restore(const std::string &json, std::string *err) {
    int rc = vmpci_snapshot_restore(dev, json.data(), json.size());
    *err = vmpci_device_errmsg(dev);
    return rc;
  }

  unsigned Slots() const { return host_.LiveSlots(); }

  vmpci_device *dev = nullptr;
  std::unique_ptr<MigDouble> mig;

 private:
  vmpci_test::RecordingHost host_;
  vmpci_vfio_sim *sim_ = nullptr;
  vmpci_alloc *io_ = nullptr, *mmio32_ = nullptr, *mmio64_ = nullptr;
};

// Place the nvme's BARs, enable decode and bus mastering, program two
// MSI-X vectors (the table is at 0x2000 in BAR0) and enable MSI-X.
void PlayGuest(Rig &r) {
  ASSERT_EQ(vmpci_device_place_bars(r.dev), 0);
  ASSERT_EQ(vmpci_device_config_write(r.dev, PCI_COMMAND, 2,
                                      PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER),
            0);
  ASSERT_EQ(vmpci_device_config_write(r.dev, PCI_INTERRUPT_LINE, 1, 11), 0);
  const uint32_t entries[2][4] = {{0xfee00000u, 0, 0x41, 0},
                                  {0xfee01000u, 0, 0x42, 1}};
  for (unsigned v = 0; v < 2; v++)
    for (unsigned w = 0; w < 4; w++)
      ASSERT_EQ(vmpci_device_bar_write(r.dev, 0, 0x2000 + v * 16 + w * 4, 4,
                                       &entries[v][w]),
                0);
  ASSERT_EQ(vmpci_device_config_write(r.dev, 0x40 + PCI_MSIX_FLAGS, 2,
                                      PCI_MSIX_FLAGS_ENABLE),
            0);
}

std::string EditVfio(const std::string &json, bool supported,
                     const char *data) {
  cJSON *root = cJSON_ParseWithLength(json.data(), json.size());
  EXPECT_NE(root, nullptr);
  if (!root) return std::string();
  cJSON *v = cJSON_CreateObject();
  cJSON_AddBoolToObject(v, "supported", supported);
  if (data) cJSON_AddStringToObject(v, "data", data);
  cJSON_ReplaceItemInObjectCaseSensitive(root, "vfio_migration", v);
  char *out = cJSON_PrintUnformatted(root);
  std::string s(out);
  free(out);
  cJSON_Delete(root);
  return s;
}

TEST(SnapshotDeviceTest, RestoreIntoAFreshDeviceShowsTheGuestTheSameDevice) {
  std::string json;
  std::vector<uint8_t> config;
  {
    Rig from(kNvme, false);
    ASSERT_NE(from.dev, nullptr);
    PlayGuest(from);
    json = from.Save();
    config = from.Dump();
  }
  ASSERT_FALSE(json.empty());
  Rig to(kNvme, false);
  ASSERT_NE(to.dev, nullptr);
  std::string err;
  ASSERT_EQ(to.Restore(json, &err), 0) << err;
  EXPECT_EQ(to.Dump(), config);
  EXPECT_EQ(to.Save(), json);
  EXPECT_NE(json.find("\"vfio_migration\":{\"supported\":false}"),
            std::string::npos);
}

TEST(SnapshotDeviceTest, RefusedDocumentNeverReachesTheDevice) {
  Rig from(kNvme, false);
  ASSERT_NE(from.dev, nullptr);
  PlayGuest(from);
  std::string json = from.Save();
  json.replace(json.find("\"version\":2"), 11, "\"version\":7");
  Rig to(kNvme, false);
  ASSERT_NE(to.dev, nullptr);
  std::vector<uint8_t> before = to.Dump();
  std::string err;
  EXPECT_EQ(to.Restore(json, &err), -EPROTO);
  EXPECT_NE(err.find("snapshot refused: version: 7 is not supported"), std::string::npos) << err;
  EXPECT_EQ(to.Dump(), before);
  EXPECT_EQ(to.Slots(), 0u);
}

TEST(SnapshotDeviceTest, SnapshotOfAnotherFunctionIsRefusedByTheDevice) {
  Rig edu(kEdu, false);
  ASSERT_NE(edu.dev, nullptr);
  std::string json = edu.Save();
  Rig nvme(kNvme, false);
  ASSERT_NE(nvme.dev, nullptr);
  std::vector<uint8_t> before = nvme.Dump();
  std::string err;
  EXPECT_EQ(nvme.Restore(json, &err), -ENODEV);
  EXPECT_NE(err.find("restore refused: "), std::string::npos) << err;
  EXPECT_EQ(nvme.Dump(), before);
}

TEST(SnapshotDeviceTest, DeviceDataForAFunctionWithoutMigrationIsRefused) {
  Rig from(kNvme, false);
  ASSERT_NE(from.dev, nullptr);
  std::string json = EditVfio(from.Save(), true, "AAECAw==");
  Rig to(kNvme, false);
  ASSERT_NE(to.dev, nullptr);
  std::vector<uint8_t> before = to.Dump();
  std::string err;
  EXPECT_EQ(to.Restore(json, &err), -EOPNOTSUPP);
  EXPECT_NE(err.find("restore refused: "), std::string::npos) << err;
  EXPECT_EQ(to.Dump(), before);
}

TEST(SnapshotDeviceTest, DeviceDataTravelsThroughTheDocumentIntoResuming) {
  std::vector<uint8_t> data(3000);
  for (size_t i = 0; i < data.size(); i++) data[i] = (uint8_t)(i ^ 0x5a);
  Rig from(kNvme, true, data);
  ASSERT_NE(from.dev, nullptr);
  PlayGuest(from);
  std::string json = from.Save();
  EXPECT_EQ(from.mig->transitions,
            (std::vector<uint32_t>{VFIO_DEVICE_STATE_STOP_COPY,
                                   VFIO_DEVICE_STATE_STOP}));
  EXPECT_NE(json.find("\"vfio_migration\":{\"supported\":true,\"data\":\"WltYWV5fXF1S"),
            std::string::npos);

  Rig to(kNvme, true);
  ASSERT_NE(to.dev, nullptr);
  std::string err;
  ASSERT_EQ(to.Restore(json, &err), 0) << err;
  EXPECT_EQ(to.mig->transitions,
            (std::vector<uint32_t>{VFIO_DEVICE_STATE_RESUMING}));
  EXPECT_EQ(to.mig->Loaded(), data);
}

TEST(SnapshotDeviceTest, ResumeRunsTheFunctionAgainAfterSaveAndRestore) {
  std::vector<uint8_t> data(64, 0x11);
  Rig from(kNvme, true, data);
  ASSERT_NE(from.dev, nullptr);
  std::string json = from.Save();
  ASSERT_EQ(vmpci_device_resume(from.dev), 0);
  EXPECT_EQ(from.mig->transitions.back(), (uint32_t)VFIO_DEVICE_STATE_RUNNING);

  Rig to(kNvme, true);
  ASSERT_NE(to.dev, nullptr);
  std::string err;
  ASSERT_EQ(to.Restore(json, &err), 0) << err;
  ASSERT_EQ(vmpci_device_resume(to.dev), 0);
  EXPECT_EQ(to.mig->transitions,
            (std::vector<uint32_t>{VFIO_DEVICE_STATE_RESUMING,
                                   VFIO_DEVICE_STATE_RUNNING}));
}

// The options a state carries follow one rule, at creation too: a device
// no snapshot of could be restored is never made.
TEST(SnapshotDeviceTest, OptionsNoStateCouldCarryAreRefusedAtCreation) {
  vmpci_test::RecordingHost host;
  vmpci_vfio_sim *sim = nullptr;
  ASSERT_EQ(vmpci_vfio_sim_new_from_files(kEdu, host.host(), &sim), 0);
  vmpci_device_params c;
  vmpci_device_params_init(&c, vmpci_vfio_sim_backend(sim), host.host());
  vmpci_device *dev = nullptr;
  c.no_mmap_bars = 1u << VMPCI_BAR_COUNT;
  EXPECT_EQ(vmpci_device_new(&c, &dev), -EINVAL);
  c.no_mmap_bars = 0;
  c.page_size = 0x3000;
  EXPECT_EQ(vmpci_device_new(&c, &dev), -EINVAL);
  EXPECT_EQ(dev, nullptr);
  vmpci_vfio_sim_free(sim);
}

// A state whose MSI-X table size is not the function's: the device refuses
// it before the function sees any of it, device data included.
TEST(SnapshotDeviceTest, RefusedRestoreLoadsNoDeviceDataIntoTheFunction) {
  Rig from(kNvme, true, std::vector<uint8_t>(64, 0x22));
  ASSERT_NE(from.dev, nullptr);
  PlayGuest(from);
  vmpci_device_state st;
  ASSERT_EQ(vmpci_device_state_get(from.dev, &st), 0);
  st.msix.control ^= 1;
  Rig to(kNvme, true);
  ASSERT_NE(to.dev, nullptr);
  std::vector<uint8_t> before = to.Dump();
  EXPECT_EQ(vmpci_device_state_set(to.dev, &st), -EINVAL);
  // The model's reason, named as the document names the field.
  EXPECT_EQ(std::string(vmpci_device_errmsg(to.dev))
                .find("mig0: restore refused: msix.control: "),
            0u)
      << vmpci_device_errmsg(to.dev);
  EXPECT_TRUE(to.mig->transitions.empty());
  EXPECT_EQ(to.Dump(), before);
  EXPECT_EQ(to.Slots(), 0u);
  vmpci_device_state_release(&st);
}

// The snapshot checker asks the MSI model: a document whose MSI control
// claims per-vector masking edu's capability lacks is refused before it
// reaches the device.
TEST(SnapshotDeviceTest, DocumentWhoseMsiDoesNotFitTheCapabilityIsRefused) {
  Rig from(kEdu, false);
  ASSERT_NE(from.dev, nullptr);
  std::string json = from.Save();
  const std::string msi = "\"msi\":{\"control\":\"0x80\"";
  size_t at = json.find(msi);
  ASSERT_NE(at, std::string::npos) << json;
  json.replace(at, msi.size(), "\"msi\":{\"control\":\"0x180\"");
  Rig to(kEdu, false);
  ASSERT_NE(to.dev, nullptr);
  std::vector<uint8_t> before = to.Dump();
  std::string err;
  EXPECT_EQ(to.Restore(json, &err), -EINVAL);
  EXPECT_NE(err.find("snapshot refused: msi.control: 0x0180, but the capability's read-only bits are 0x0080"), std::string::npos) << err;
  EXPECT_EQ(to.Dump(), before);
  EXPECT_EQ(to.Slots(), 0u);
}

// nvme's PM (0x60) and PCI Express (0x80) capabilities.
constexpr uint16_t kPmcsr = 0x60 + PCI_PM_CTRL;
constexpr uint16_t kDevctl = 0x80 + PCI_EXP_DEVCTL;

struct GuestRegs {
  uint32_t cls, lat, pmcsr, devctl;
  bool operator==(const GuestRegs &o) const {
    return cls == o.cls && lat == o.lat && pmcsr == o.pmcsr && devctl == o.devctl;
  }
};

GuestRegs ReadRegs(Rig &r) {
  GuestRegs g{};
  vmpci_device_config_read(r.dev, PCI_CACHE_LINE_SIZE, 1, &g.cls);
  vmpci_device_config_read(r.dev, PCI_LATENCY_TIMER, 1, &g.lat);
  vmpci_device_config_read(r.dev, kPmcsr, 2, &g.pmcsr);
  vmpci_device_config_read(r.dev, kDevctl, 2, &g.devctl);
  return g;
}

// What a guest driver programs that the function keeps: a cache line
// size, a latency timer, PME enable, and Device Control (max payload and
// read request sizes, relaxed ordering, no snoop).
void WriteRegs(Rig &r) {
  ASSERT_EQ(vmpci_device_config_write(r.dev, PCI_CACHE_LINE_SIZE, 1, 0x10), 0);
  ASSERT_EQ(vmpci_device_config_write(r.dev, PCI_LATENCY_TIMER, 1, 0x40), 0);
  ASSERT_EQ(vmpci_device_config_write(r.dev, kPmcsr, 2, PCI_PM_CTRL_PME_ENABLE), 0);
  ASSERT_EQ(vmpci_device_config_write(r.dev, kDevctl, 2, 0x2830), 0);
}

TEST(SnapshotDeviceTest, GuestWrittenPassThroughRegistersComeBackInAFreshDevice) {
  Rig from(kNvme, false);
  ASSERT_NE(from.dev, nullptr);
  PlayGuest(from);
  WriteRegs(from);
  GuestRegs want = ReadRegs(from);
  ASSERT_EQ(want.devctl, 0x2830u);
  std::string json = from.Save();
  EXPECT_NE(json.find("\"registers\":{\"cache_line_size\":\"0x10\",\"latency_timer\":\"0x40\","),
            std::string::npos);
  Rig to(kNvme, false);
  ASSERT_NE(to.dev, nullptr);
  ASSERT_FALSE(ReadRegs(to) == want);
  std::string err;
  ASSERT_EQ(to.Restore(json, &err), 0) << err;
  EXPECT_TRUE(ReadRegs(to) == want);
  EXPECT_EQ(to.Save(), json);
}

// A version 1 document (before registers were kept) still loads; the
// function keeps the registers it has.
TEST(SnapshotDeviceTest, Version1DocumentStillRestores) {
  Rig from(kNvme, false);
  ASSERT_NE(from.dev, nullptr);
  PlayGuest(from);
  std::vector<uint8_t> config = from.Dump();
  cJSON *root = cJSON_Parse(from.Save().c_str());
  ASSERT_NE(root, nullptr);
  cJSON_ReplaceItemInObjectCaseSensitive(root, "version", cJSON_CreateNumber(1));
  cJSON_DeleteItemFromObjectCaseSensitive(root, "registers");
  char *v1 = cJSON_PrintUnformatted(root);
  std::string json(v1);
  free(v1);
  cJSON_Delete(root);
  Rig to(kNvme, false);
  ASSERT_NE(to.dev, nullptr);
  GuestRegs fresh = ReadRegs(to);
  std::string err;
  ASSERT_EQ(to.Restore(json, &err), 0) << err;
  EXPECT_EQ(to.Dump(), config);
  EXPECT_TRUE(ReadRegs(to) == fresh);
}

}  // namespace
