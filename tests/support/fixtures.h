/* Every config-space fixture of tests/data/pci-config/, in one list, for C
 * and C++ suites. A fixture is a path without extension: PATH.bin is the
 * config space, PATH.resource the sysfs resource file. */
#ifndef VMPCI_TESTS_SUPPORT_FIXTURES_H
#define VMPCI_TESTS_SUPPORT_FIXTURES_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VMPCI_TEST_FIXTURE_DIR "tests/data/pci-config/"
#define VMPCI_TEST_QEMU VMPCI_TEST_FIXTURE_DIR "qemu-emulated/"
/* The QEMU functions the suites name: what each one exercises. */
#define VMPCI_TEST_NVME VMPCI_TEST_QEMU "1b36-0010-0000_00_04.0" /* MSI-X, PCIe */
#define VMPCI_TEST_EDU VMPCI_TEST_QEMU "1234-11e8-0000_00_03.0"	 /* MSI */
#define VMPCI_TEST_E1000E VMPCI_TEST_QEMU "8086-10d3-0000_00_05.0" /* MSI + MSI-X */
#define VMPCI_TEST_VIRTIO_NET VMPCI_TEST_QEMU "1af4-1000-0000_00_06.0" /* legacy */
#define VMPCI_TEST_IVSHMEM VMPCI_TEST_QEMU "1af4-1110-0000_00_07.0" /* no caps */
/* Firecracker's: modern virtio, and its host bridge (no caps). */
#define VMPCI_TEST_FC VMPCI_TEST_FIXTURE_DIR "firecracker-virtio/"
#define VMPCI_TEST_FC_NET VMPCI_TEST_FC "1af4-1041-0000_00_03.0"
#define VMPCI_TEST_FC_BLOCK VMPCI_TEST_FC "1af4-1042-0000_00_02.0"
#define VMPCI_TEST_FC_RNG VMPCI_TEST_FC "1af4-1044-0000_00_05.0"
#define VMPCI_TEST_FC_BALLOON VMPCI_TEST_FC "1af4-1045-0000_00_01.0"
#define VMPCI_TEST_FC_VSOCK VMPCI_TEST_FC "1af4-1053-0000_00_04.0"
#define VMPCI_TEST_FC_HOST_BRIDGE VMPCI_TEST_FC "8086-0d57-0000_00_00.0"

struct vmpci_test_fixture {
	const char *path;
	uint16_t vendor, device;
};

/* All of them: the QEMU functions first, then Firecracker's virtio ones.
 * The order is fixed (fuzz corpora pick fixtures by index). A constant, so
 * that suites can size caches by it. */
#define VMPCI_TEST_FIXTURE_COUNT 11
extern const struct vmpci_test_fixture
	vmpci_test_fixtures[VMPCI_TEST_FIXTURE_COUNT];

/* The fixture of vendor:device, or NULL. */
const struct vmpci_test_fixture *vmpci_test_fixture_find(uint16_t vendor,
							 uint16_t device);

#ifdef __cplusplus
}
#endif

#endif
