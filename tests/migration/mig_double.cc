#include "tests/migration/mig_double.h"

#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

namespace {

const vmpci_vfio_backend *Inner(void *opaque) {
  return static_cast<MigDouble *>(opaque)->inner();
}

// Forwarders to the wrapped backend, for the ops the double does not own.
int DeviceInfo(void *o, vmpci_vfio_device_info *out) {
  return Inner(o)->ops->device_info(Inner(o)->opaque, out);
}
int RegionInfo(void *o, uint32_t i, vmpci_vfio_region *out) {
  return Inner(o)->ops->region_info(Inner(o)->opaque, i, out);
}
int RegionRead(void *o, uint32_t i, uint64_t off, void *d, uint64_t n) {
  return Inner(o)->ops->region_read(Inner(o)->opaque, i, off, d, n);
}
int RegionWrite(void *o, uint32_t i, uint64_t off, const void *d, uint64_t n) {
  return Inner(o)->ops->region_write(Inner(o)->opaque, i, off, d, n);
}
int RegionMmapFd(void *o, uint32_t i, int *fd, uint64_t *off) {
  return Inner(o)->ops->region_mmap_fd(Inner(o)->opaque, i, fd, off);
}
int IrqInfo(void *o, uint32_t i, vmpci_vfio_irq_info *out) {
  return Inner(o)->ops->irq_info(Inner(o)->opaque, i, out);
}
int SetIrqs(void *o, uint32_t i, uint32_t f, uint32_t s, uint32_t c,
            const void *d) {
  return Inner(o)->ops->set_irqs(Inner(o)->opaque, i, f, s, c, d);
}
int DmaMap(void *o, uint64_t iova, uint64_t size, void *va, uint32_t f) {
  return Inner(o)->ops->dma_map(Inner(o)->opaque, iova, size, va, f);
}
int DmaUnmap(void *o, uint64_t iova, uint64_t size, uint64_t *unmapped) {
  return Inner(o)->ops->dma_unmap(Inner(o)->opaque, iova, size, unmapped);
}

}  // namespace

MigDouble::MigDouble(const vmpci_vfio_backend *inner) : inner_(inner) {
  if (inner_) {
    ops_.device_info = DeviceInfo;
    ops_.region_info = RegionInfo;
    ops_.region_read = RegionRead;
    ops_.region_write = RegionWrite;
    ops_.region_mmap_fd = RegionMmapFd;
    ops_.irq_info = IrqInfo;
    ops_.set_irqs = SetIrqs;
    ops_.dma_map = DmaMap;
    ops_.dma_unmap = DmaUnmap;
  }
  ops_.device_feature = &MigDouble::Feature;
  ops_.reset = &MigDouble::Reset;
  be_.ops = &ops_;
  be_.opaque = this;
}

MigDouble::~MigDouble() {
  if (keep_fd_ >= 0) close(keep_fd_);
}

std::vector<uint8_t> MigDouble::Loaded() {
  std::vector<uint8_t> out;
  if (keep_fd_ < 0) return out;
  if (use_memfd) lseek(keep_fd_, 0, SEEK_SET);
  uint8_t buf[4096];
  ssize_t n;
  while ((n = read(keep_fd_, buf, sizeof(buf))) > 0)
    out.insert(out.end(), buf, buf + n);
  return out;
}

int MigDouble::Reset(void *opaque) {
  auto *d = static_cast<MigDouble *>(opaque);
  d->resets++;
  if (d->inner_ && d->inner_->ops->reset)
    return d->inner_->ops->reset(d->inner_->opaque);
  return 0;
}

int MigDouble::Feature(void *opaque, uint32_t flags, void *data, size_t size) {
  return static_cast<MigDouble *>(opaque)->OnFeature(flags, data, size);
}

int MigDouble::OnFeature(uint32_t flags, void *data, size_t size) {
  uint32_t feature = flags & VFIO_DEVICE_FEATURE_MASK;
  if (!supported) return -ENOTTY;
  if (feature == VFIO_DEVICE_FEATURE_MIGRATION &&
      (flags & VFIO_DEVICE_FEATURE_GET)) {
    EXPECT_EQ(size, sizeof(vfio_device_feature_migration));
    static_cast<vfio_device_feature_migration *>(data)->flags =
        VFIO_MIGRATION_STOP_COPY;
    return 0;
  }
  if (feature != VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE ||
      !(flags & VFIO_DEVICE_FEATURE_SET))
    return -ENOTTY;
  EXPECT_EQ(size, sizeof(vfio_device_feature_mig_state));
  auto *mig = static_cast<vfio_device_feature_mig_state *>(data);
  transitions.push_back(mig->device_state);
  auto f = fail_set.find(mig->device_state);
  if (f != fail_set.end()) return -f->second;
  mig->data_fd = -1;
  if (mig->device_state == VFIO_DEVICE_STATE_STOP_COPY)
    mig->data_fd = StopCopyFd();
  if (mig->device_state == VFIO_DEVICE_STATE_RESUMING)
    mig->data_fd = ResumingFd();
  return 0;
}

int MigDouble::StopCopyFd() {
  if (use_memfd) {
    int fd = memfd_create("stop_copy", 0);
    EXPECT_EQ(write(fd, device_data.data(), device_data.size()),
              (ssize_t)device_data.size());
    lseek(fd, 0, SEEK_SET);
    return fd;
  }
  int p[2];
  EXPECT_EQ(pipe(p), 0);
  EXPECT_LE(device_data.size(), 65536u);  // fits the pipe unread
  EXPECT_EQ(write(p[1], device_data.data(), device_data.size()),
            (ssize_t)device_data.size());
  if (bad_data_fd) {  // the write end: read() fails with EBADF
    close(p[0]);
    return p[1];
  }
  close(p[1]);
  return p[0];
}

int MigDouble::ResumingFd() {
  if (keep_fd_ >= 0) close(keep_fd_);
  keep_fd_ = -1;
  if (use_memfd) {
    keep_fd_ = memfd_create("resuming", 0);
    return dup(keep_fd_);
  }
  int p[2];
  EXPECT_EQ(pipe2(p, O_NONBLOCK), 0);
  if (bad_data_fd) {  // the read end: write() fails with EBADF
    close(p[1]);
    return p[0];
  }
  keep_fd_ = p[0];
  return p[1];
}
