#include "tests/support/fixtures.h"

#define FC VMPCI_TEST_FIXTURE_DIR "firecracker-virtio/"

const struct vmpci_test_fixture vmpci_test_fixtures[VMPCI_TEST_FIXTURE_COUNT] = {
	{ VMPCI_TEST_NVME, 0x1b36, 0x0010 },
	{ VMPCI_TEST_EDU, 0x1234, 0x11e8 },
	{ VMPCI_TEST_E1000E, 0x8086, 0x10d3 },
	{ VMPCI_TEST_VIRTIO_NET, 0x1af4, 0x1000 },
	{ VMPCI_TEST_IVSHMEM, 0x1af4, 0x1110 },
	{ FC "1af4-1041-0000_00_03.0", 0x1af4, 0x1041 },
	{ FC "1af4-1042-0000_00_02.0", 0x1af4, 0x1042 },
	{ FC "1af4-1044-0000_00_05.0", 0x1af4, 0x1044 },
	{ FC "1af4-1045-0000_00_01.0", 0x1af4, 0x1045 },
	{ FC "1af4-1053-0000_00_04.0", 0x1af4, 0x1053 },
	{ FC "8086-0d57-0000_00_00.0", 0x8086, 0x0d57 }, /* host bridge */
};

/* A list that grew without the count would leave zeroed entries. */
_Static_assert(sizeof(vmpci_test_fixtures) / sizeof(vmpci_test_fixtures[0]) ==
		       VMPCI_TEST_FIXTURE_COUNT,
	       "VMPCI_TEST_FIXTURE_COUNT");

const struct vmpci_test_fixture *vmpci_test_fixture_find(uint16_t vendor,
							 uint16_t device)
{
	for (size_t i = 0; i < VMPCI_TEST_FIXTURE_COUNT; i++)
		if (vmpci_test_fixtures[i].vendor == vendor &&
		    vmpci_test_fixtures[i].device == device)
			return &vmpci_test_fixtures[i];
	return NULL;
}
