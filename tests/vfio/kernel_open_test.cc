// Opening the kernel backend fails with a diagnosis: each case builds the
// sysfs / /dev/vfio shape of one host misconfiguration in a temporary
// directory and checks the errno and the logged reason.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "tests/shim/vmpci_c.h"
#include "tests/support/recording_host.h"

namespace {

const char kBdf[] = "0000:01:00.0";

class KernelOpenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vmpci-vfio-XXXXXX";
    ASSERT_NE(nullptr, mkdtemp(tmpl));
    root_ = tmpl;
    sysfs_ = root_ + "/sys";
    dev_ = root_ + "/dev";
    Mkdir(sysfs_);
    Mkdir(sysfs_ + "/bus");
    Mkdir(sysfs_ + "/bus/pci");
    Mkdir(sysfs_ + "/bus/pci/devices");
    Mkdir(dev_);
    vmpci_vfio_kernel_params_init(&cfg_, kBdf);
    cfg_.host = host_.host();
    cfg_.sysfs_dir = sysfs_.c_str();
    cfg_.dev_dir = dev_.c_str();
  }
  void TearDown() override {
    std::string cmd = "rm -rf '" + root_ + "'";
    ASSERT_EQ(0, system(cmd.c_str()));
  }
  static void Mkdir(const std::string &p) { ASSERT_EQ(0, mkdir(p.c_str(), 0755)); }
  std::string Device() { return sysfs_ + "/bus/pci/devices/" + kBdf; }
  void AddDevice(const char *driver, const char *group) {
    Mkdir(Device());
    if (driver) {
      ASSERT_EQ(0, symlink((std::string("../../../bus/pci/drivers/") + driver)
                               .c_str(),
                           (Device() + "/driver").c_str()));
    }
    if (group) {
      ASSERT_EQ(0, symlink((std::string("../../../kernel/iommu_groups/") +
                            group).c_str(),
                           (Device() + "/iommu_group").c_str()));
    }
  }
  bool Logged(const std::string &what) {
    for (const auto &l : host_.log)
      if (l.find(what) != std::string::npos) return true;
    return false;
  }
  int Open() {
    vmpci_vfio_kernel *k = nullptr;
    int err = vmpci_vfio_kernel_open(&cfg_, &k);
    EXPECT_EQ(nullptr, k);
    vmpci_vfio_kernel_free(k);
    return err;
  }

  std::string root_, sysfs_, dev_;
  vmpci_test::RecordingHost host_;
  vmpci_vfio_kernel_params cfg_;
};

TEST_F(KernelOpenTest, MissingFunctionIsEnodev) {
  EXPECT_EQ(-ENODEV, Open());
  EXPECT_TRUE(Logged("vfio 0000:01:00.0: no PCI device"));
}

TEST_F(KernelOpenTest, FunctionBoundToAHostDriverIsNamed) {
  AddDevice("nvme", "7");
  EXPECT_EQ(-ENODEV, Open());
  EXPECT_TRUE(Logged("not bound to vfio-pci (driver: nvme)"));
}

TEST_F(KernelOpenTest, UnboundFunctionIsNamed) {
  AddDevice(nullptr, "7");
  EXPECT_EQ(-ENODEV, Open());
  EXPECT_TRUE(Logged("not bound to vfio-pci (driver: none)"));
}

TEST_F(KernelOpenTest, NoIommuGroupMeansNoIommu) {
  AddDevice("vfio-pci", nullptr);
  EXPECT_EQ(-ENODEV, Open());
  EXPECT_TRUE(Logged("no IOMMU group"));
  EXPECT_TRUE(Logged("intel_iommu=on"));
}

TEST_F(KernelOpenTest, MissingVfioContainerNodeIsEnodev) {
  AddDevice("vfio-pci", "7");
  EXPECT_EQ(-ENODEV, Open());
  EXPECT_TRUE(Logged("/dev/vfio: No such file or directory (vfio module "
                     "not loaded?)"));
}

TEST_F(KernelOpenTest, ContainerOnANonVfioNodeIsEnodev) {
  // A regular file answers no VFIO ioctl: the API version check fails.
  int fd = open((dev_ + "/vfio").c_str(), O_CREAT | O_RDWR, 0600);
  ASSERT_GE(fd, 0);
  close(fd);
  vmpci_vfio_container *c = nullptr;
  EXPECT_EQ(-ENODEV, vmpci_vfio_container_new(host_.host(), dev_.c_str(), &c));
  EXPECT_EQ(nullptr, c);
  EXPECT_TRUE(Logged("VFIO API version -1"));
  vmpci_vfio_container_free(nullptr);
}

TEST_F(KernelOpenTest, PassedFdThatIsNotAVfioDeviceIsRejected) {
  int fd = open("/dev/null", O_RDWR);
  ASSERT_GE(fd, 0);
  cfg_.device_fd = fd;
  EXPECT_EQ(-ENOTTY, Open());
  EXPECT_TRUE(Logged("VFIO_DEVICE_GET_INFO"));
  // The caller's fd stays open: the backend worked on a duplicate.
  EXPECT_EQ(0, fcntl(fd, F_GETFD) < 0 ? -1 : 0);
  close(fd);
}

TEST_F(KernelOpenTest, BadConfigsAreEinval) {
  cfg_.bdf = nullptr;
  EXPECT_EQ(-EINVAL, Open());
  cfg_.bdf = "../../etc";
  EXPECT_EQ(-EINVAL, Open());
  cfg_.bdf = kBdf;
  cfg_.device_fd = 0;
  cfg_.group_fd = 0;
  EXPECT_EQ(-EINVAL, Open());
  EXPECT_EQ(-EINVAL, vmpci_vfio_kernel_open(nullptr, nullptr));
  EXPECT_EQ(nullptr, vmpci_vfio_kernel_backend(nullptr));
}

}  // namespace
