#include "tests/support/fixtures.h"

const struct vmpci_test_fixture vmpci_test_fixtures[VMPCI_TEST_FIXTURE_COUNT] = {
	{ VMPCI_TEST_NVME, 0x1b36, 0x0010 },
	{ VMPCI_TEST_EDU, 0x1234, 0x11e8 },
	{ VMPCI_TEST_E1000E, 0x8086, 0x10d3 },
	{ VMPCI_TEST_VIRTIO_NET, 0x1af4, 0x1000 },
	{ VMPCI_TEST_IVSHMEM, 0x1af4, 0x1110 },
	{ VMPCI_TEST_FC_NET, 0x1af4, 0x1041 },
	{ VMPCI_TEST_FC_BLOCK, 0x1af4, 0x1042 },
	{ VMPCI_TEST_FC_RNG, 0x1af4, 0x1044 },
	{ VMPCI_TEST_FC_BALLOON, 0x1af4, 0x1045 },
	{ VMPCI_TEST_FC_VSOCK, 0x1af4, 0x1053 },
	{ VMPCI_TEST_FC_HOST_BRIDGE, 0x8086, 0x0d57 },
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
