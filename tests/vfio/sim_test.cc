// What the simulated backend adds to vfio-pci's behaviour for tests: the
// fire hook, recorded BAR writes and SET_IRQS state, configurable region
// capabilities, and input validation.
#include <gtest/gtest.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <string>

#include "tests/shim/vmpci_c.h"
#include "tests/support/fixtures.h"

namespace {

uint64_t Take(int fd) {
  uint64_t v = 0;
  return read(fd, &v, sizeof(v)) == sizeof(v) ? v : 0;
}

class SimTest : public ::testing::Test {
 protected:
  void Open(const char *base) {
    ASSERT_EQ(0, vmpci_vfio_sim_new_from_files(base, nullptr,
                                               &sim_));
    be_ = vmpci_vfio_sim_backend(sim_);
  }
  void TearDown() override {
    vmpci_vfio_sim_free(sim_);
    for (int fd : {fd0_, fd1_}) close(fd);
  }
  uint32_t Cfg(uint32_t off, uint32_t size = 4) {
    uint32_t v = 0;
    EXPECT_EQ(0, be_->ops->region_read(be_->opaque, VFIO_PCI_CONFIG_REGION_INDEX,
                                       off, &v, size));
    return v;
  }
  void SetCfg(uint32_t off, uint32_t v, uint32_t size = 4) {
    EXPECT_EQ(0, be_->ops->region_write(be_->opaque,
                                        VFIO_PCI_CONFIG_REGION_INDEX, off, &v,
                                        size));
  }

  vmpci_vfio_sim *sim_ = nullptr;
  const vmpci_vfio_backend *be_ = nullptr;
  int fd0_ = eventfd(0, EFD_NONBLOCK), fd1_ = eventfd(0, EFD_NONBLOCK);
};

TEST_F(SimTest, FireSignalsTheEventfdOfThatMsixVector) {
  Open(VMPCI_TEST_NVME);  // nvme, 65 MSI-X vectors
  int32_t fds[2] = {fd0_, fd1_};
  ASSERT_EQ(0, vmpci_vfio_irq_set_eventfds(be_, VFIO_PCI_MSIX_IRQ_INDEX, 0, 2,
                                           fds));
  EXPECT_EQ(0, vmpci_vfio_sim_fire(sim_, VFIO_PCI_MSIX_IRQ_INDEX, 1));
  EXPECT_EQ(0u, Take(fd0_));
  EXPECT_EQ(1u, Take(fd1_));
  EXPECT_EQ(-ENOENT, vmpci_vfio_sim_fire(sim_, VFIO_PCI_MSIX_IRQ_INDEX, 2));
  EXPECT_EQ(-EINVAL, vmpci_vfio_sim_fire(sim_, VFIO_PCI_MSIX_IRQ_INDEX, 65));
  int32_t fd = -2;
  EXPECT_EQ(0, vmpci_vfio_sim_irq_eventfd(sim_, VFIO_PCI_MSIX_IRQ_INDEX, 1, &fd));
  EXPECT_EQ(fd1_, fd);
  struct vmpci_vfio_sim_irq_state st;  // "struct": the getter has its name
  ASSERT_EQ(0, vmpci_vfio_sim_irq_state_get(sim_, VFIO_PCI_MSIX_IRQ_INDEX, &st));
  EXPECT_TRUE(st.enabled);
  EXPECT_EQ(2u, st.count);
  EXPECT_EQ(1u, st.set_calls);
  ASSERT_EQ(0, vmpci_vfio_irq_disable(be_, VFIO_PCI_MSIX_IRQ_INDEX));
  EXPECT_EQ(-ENOENT, vmpci_vfio_sim_fire(sim_, VFIO_PCI_MSIX_IRQ_INDEX, 0));
}

TEST_F(SimTest, IntxAutoMasksAndFiresAgainOnUnmaskWhilePending) {
  Open(VMPCI_TEST_EDU);  // edu
  ASSERT_EQ(0, vmpci_vfio_irq_set_eventfds(be_, VFIO_PCI_INTX_IRQ_INDEX, 0, 1,
                                           &fd0_));
  ASSERT_EQ(0, vmpci_vfio_sim_fire(sim_, VFIO_PCI_INTX_IRQ_INDEX, 0));
  EXPECT_EQ(1u, Take(fd0_));
  ASSERT_EQ(0, vmpci_vfio_sim_fire(sim_, VFIO_PCI_INTX_IRQ_INDEX, 0));
  EXPECT_EQ(0u, Take(fd0_));
  struct vmpci_vfio_sim_irq_state st;  // "struct": the getter has its name
  ASSERT_EQ(0, vmpci_vfio_sim_irq_state_get(sim_, VFIO_PCI_INTX_IRQ_INDEX, &st));
  EXPECT_TRUE(st.masked);
  EXPECT_TRUE(st.pending);
  ASSERT_EQ(0, vmpci_vfio_irq_mask(be_, VFIO_PCI_INTX_IRQ_INDEX, 0, false));
  EXPECT_EQ(1u, Take(fd0_));
  ASSERT_EQ(0, vmpci_vfio_sim_irq_state_get(sim_, VFIO_PCI_INTX_IRQ_INDEX, &st));
  EXPECT_TRUE(st.masked);
  EXPECT_FALSE(st.pending);
}

TEST_F(SimTest, IntxResampleEventfdUnmasks) {
  Open(VMPCI_TEST_EDU);
  ASSERT_EQ(0, vmpci_vfio_irq_set_eventfds(be_, VFIO_PCI_INTX_IRQ_INDEX, 0, 1,
                                           &fd0_));
  ASSERT_EQ(0, vmpci_vfio_irq_unmask_eventfd(be_, VFIO_PCI_INTX_IRQ_INDEX, fd1_));
  ASSERT_EQ(0, vmpci_vfio_sim_fire(sim_, VFIO_PCI_INTX_IRQ_INDEX, 0));
  EXPECT_EQ(1u, Take(fd0_));
  uint64_t one = 1;
  ASSERT_EQ(8, write(fd1_, &one, 8));  // the guest's EOI
  ASSERT_EQ(0, vmpci_vfio_sim_fire(sim_, VFIO_PCI_INTX_IRQ_INDEX, 0));
  EXPECT_EQ(1u, Take(fd0_));
  struct vmpci_vfio_sim_irq_state st;  // "struct": the getter has its name
  ASSERT_EQ(0, vmpci_vfio_sim_irq_state_get(sim_, VFIO_PCI_INTX_IRQ_INDEX, &st));
  EXPECT_EQ(fd1_, st.unmask_fd);
  EXPECT_EQ(0u, Take(fd1_));
}

TEST_F(SimTest, RecordsBarRegisterWritesBeforeTheSizeMask) {
  Open(VMPCI_TEST_NVME);  // nvme BAR0: 16 KiB, 64-bit
  SetCfg(PCI_BASE_ADDRESS_0, 0xffffffff);
  SetCfg(PCI_BASE_ADDRESS_1, 0xffffffff);
  EXPECT_EQ(0xffffc004u, Cfg(PCI_BASE_ADDRESS_0));
  EXPECT_EQ(0xffffffffu, Cfg(PCI_BASE_ADDRESS_1));
  SetCfg(PCI_BASE_ADDRESS_0 + 2, 0x1234, 2);
  uint64_t writes = 0;
  uint32_t last = 0;
  ASSERT_EQ(0, vmpci_vfio_sim_bar_writes(sim_, 0, &writes, &last));
  EXPECT_EQ(2u, writes);
  EXPECT_EQ(0x1234ffffu, last);
  EXPECT_EQ(0x1234c004u, Cfg(PCI_BASE_ADDRESS_0));
  ASSERT_EQ(0, vmpci_vfio_sim_bar_writes(sim_, 1, &writes, &last));
  EXPECT_EQ(1u, writes);
  ASSERT_EQ(0, vmpci_vfio_sim_bar_writes(sim_, 2, &writes, nullptr));
  EXPECT_EQ(0u, writes);
  EXPECT_EQ(-EINVAL, vmpci_vfio_sim_bar_writes(sim_, 7, &writes, &last));
}

TEST_F(SimTest, SixtyFourBitPrefetchableBarSizesAsTheKernelReports) {
  Open(VMPCI_TEST_VIRTIO_NET);  // virtio-net BAR4: 16 KiB, 64-bit pref
  SetCfg(PCI_BASE_ADDRESS_4, 0xffffffff);
  SetCfg(PCI_BASE_ADDRESS_5, 0xffffffff);
  EXPECT_EQ(0xffffc00cu, Cfg(PCI_BASE_ADDRESS_4));
  EXPECT_EQ(0xffffffffu, Cfg(PCI_BASE_ADDRESS_5));
  SetCfg(PCI_BASE_ADDRESS_0, 0xffffffff);  // legacy I/O BAR, 32 bytes
  EXPECT_EQ(0xffffffe1u, Cfg(PCI_BASE_ADDRESS_0));
}

TEST_F(SimTest, MsiControlClampsQueueSizeAndKeepsEnableClearUnlessMsiIsOn) {
  Open(VMPCI_TEST_EDU);  // edu: MSI at 0x40, 1 vector
  const uint32_t ctl = 0x40 + PCI_MSI_FLAGS;
  EXPECT_EQ(0x0080u, Cfg(ctl, 2));
  SetCfg(ctl, 0x0071, 2);  // enable, 128 vectors
  EXPECT_EQ(0x0080u, Cfg(ctl, 2));
  ASSERT_EQ(0, vmpci_vfio_irq_set_eventfds(be_, VFIO_PCI_MSI_IRQ_INDEX, 0, 1,
                                           &fd0_));
  SetCfg(ctl, 0x0081, 2);
  EXPECT_EQ(0x0081u, Cfg(ctl, 2));
  SetCfg(0x44, 0xfee00000);  // address is plainly writable
  EXPECT_EQ(0xfee00000u, Cfg(0x44));
}

TEST_F(SimTest, ReadOnlyConfigBytesIgnoreWrites) {
  Open(VMPCI_TEST_EDU);
  SetCfg(PCI_VENDOR_ID, 0xdeadbeef);
  EXPECT_EQ(0x11e81234u, Cfg(PCI_VENDOR_ID));
  SetCfg(PCI_CACHE_LINE_SIZE, 0x10, 1);
  EXPECT_EQ(0x10u, Cfg(PCI_CACHE_LINE_SIZE, 1));
  uint32_t v;
  EXPECT_EQ(-EINVAL, be_->ops->region_read(be_->opaque,
                                           VFIO_PCI_CONFIG_REGION_INDEX, 254,
                                           &v, 4));
}

TEST_F(SimTest, ConfiguredSparseAreasAndMsixMappableReachRegionInfo) {
  std::string image, resource;
  {
    FILE *f = fopen(VMPCI_TEST_NVME ".bin", "rb");
    ASSERT_NE(nullptr, f);
    char buf[4096];
    image.assign(buf, fread(buf, 1, sizeof(buf), f));
    fclose(f);
    f = fopen(VMPCI_TEST_NVME ".resource", "rb");
    ASSERT_NE(nullptr, f);
    resource.assign(buf, fread(buf, 1, sizeof(buf), f));
    fclose(f);
  }
  vmpci_vfio_sim_params cfg;
  vmpci_vfio_sim_params_init(&cfg, image.data(), image.size(),
                             resource.c_str());
  cfg.msix_mappable = false;
  cfg.sparse[0].nr = 1;
  cfg.sparse[0].areas[0] = {0, 0x2000};
  ASSERT_EQ(0, vmpci_vfio_sim_new(&cfg, &sim_));
  be_ = vmpci_vfio_sim_backend(sim_);
  vmpci_vfio_region r;
  ASSERT_EQ(0, be_->ops->region_info(be_->opaque, 0, &r));
  EXPECT_EQ(uint32_t(VMPCI_VFIO_CAP_SPARSE_MMAP), r.caps);
  EXPECT_TRUE(r.flags & VFIO_REGION_INFO_FLAG_CAPS);
  ASSERT_EQ(1u, r.nr_sparse);
  EXPECT_EQ(0x2000u, r.sparse[0].size);
}

TEST_F(SimTest, ResetIsCountedWhereTheFunctionSupportsIt) {
  Open(VMPCI_TEST_E1000E);  // e1000e: PM reset
  EXPECT_EQ(0, be_->ops->reset(be_->opaque));
  EXPECT_EQ(1u, vmpci_vfio_sim_resets(sim_));
}

TEST_F(SimTest, DmaStatsFollowLiveMappings) {
  Open(VMPCI_TEST_EDU);
  alignas(4096) static uint8_t buf[3 * 4096];
  const uint32_t rw = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
  ASSERT_EQ(0, be_->ops->dma_map(be_->opaque, 0x10000, 8192, buf, rw));
  ASSERT_EQ(0, be_->ops->dma_map(be_->opaque, 0x20000, 4096, buf, rw));
  EXPECT_EQ(-EINVAL, be_->ops->dma_map(be_->opaque, 0x30001, 4096, buf, rw));
  uint32_t n = 0;
  uint64_t bytes = 0;
  vmpci_vfio_sim_dma_stats(sim_, &n, &bytes);
  EXPECT_EQ(2u, n);
  EXPECT_EQ(12288u, bytes);
  uint64_t gone = 0;
  ASSERT_EQ(0, be_->ops->dma_unmap(be_->opaque, 0, 0x100000, &gone));
  EXPECT_EQ(12288u, gone);
  vmpci_vfio_sim_dma_stats(sim_, &n, &bytes);
  EXPECT_EQ(0u, n);
}

TEST_F(SimTest, BadInputIsRejected) {
  static const char res[] = "0x0 0x0 0x0\n";
  uint8_t image[300] = {};
  vmpci_vfio_sim_params cfg;
  vmpci_vfio_sim_params_init(&cfg, image, sizeof(image), res);
  EXPECT_EQ(-EINVAL, vmpci_vfio_sim_new(&cfg, &sim_));
  cfg.config_size = 256;
  EXPECT_EQ(-EINVAL, vmpci_vfio_sim_new(&cfg, &sim_));  // 1 line, not 7
  std::string three;
  for (int i = 0; i < 7; i++)
    three += i ? "0x0 0x0 0x0\n" : "0x1000 0x3fff 0x40200\n";  // 12 KiB
  cfg.resource = three.c_str();
  EXPECT_EQ(-EINVAL, vmpci_vfio_sim_new(&cfg, &sim_));
  EXPECT_EQ(-ENOENT, vmpci_vfio_sim_new_from_files("/nonexistent/x", nullptr,
                                                   &sim_));
  EXPECT_EQ(nullptr, sim_);
}

}  // namespace
