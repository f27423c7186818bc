/* Behavioural checks of a VFIO backend, shared by the host suite (on the
 * simulated backend built from the fixtures) and the guest program (on the
 * kernel's vfio-pci with the same QEMU devices). Whatever the kernel does
 * that the simulation does not is a simulation bug; this code is where the
 * two are held to one specification.
 *
 * Plain C over the public backend API, so it links into the static-ish
 * guest program and the GoogleTest suite alike. */
#ifndef VMPCI_TESTS_VFIO_BEHAVIOUR_H
#define VMPCI_TESTS_VFIO_BEHAVIOUR_H

#include <stdbool.h>
#include <stdint.h>

#include "vfio/backend.h"

/* Where check results go: one call per check, `what` says what was
 * checked, with the observed values on failure. */
struct vb_report {
	void (*result)(void *opaque, bool pass, const char *what);
	void *opaque;
	const char *device; /* prefix for messages, e.g. "edu" */
};

struct vb_region {
	uint64_t size;
	uint32_t flags; /* VFIO_REGION_INFO_FLAG_* */
	uint32_t caps;	/* VMPCI_VFIO_CAP_* */
};

/* What the kernel reports for one QEMU 7.2 device (measured in the guest,
 * notes/vfio-guest.md), and what vmpci must make of it. */
struct vb_expect {
	uint16_t vendor, device;
	const char *name;
	uint32_t config_size;
	bool reset;
	struct vb_region bar[7]; /* BAR0-5, ROM */
	int32_t irq_count[5];	 /* -1: GET_IRQ_INFO is -EINVAL */
	/* Sparse areas with 4 KiB pages, per BAR. */
	uint32_t nr_areas[6];
	struct vmpci_vfio_area areas[6][3];
	/* A BAR whose first page is plain RAM (safe to write), or -1. */
	int scratch_bar;
};

/* The expectation for vendor:device, NULL for an unknown function. */
const struct vb_expect *vb_expect_find(uint16_t vendor, uint16_t device);

/* Every fixture device the suites know, for iteration. */
extern const struct vb_expect vb_devices[];
extern const unsigned vb_nr_devices;

/* Read vendor and device ids through the config region. */
int vb_identify(const struct vmpci_vfio_backend *be, uint16_t *vendor,
		uint16_t *device);

/* The checks; each reports one or more results. They leave the function
 * as they found it (interrupts off, registers restored, no DMA mappings). */
void vb_check_device_info(struct vb_report *r, const struct vb_expect *e,
			  const struct vmpci_vfio_backend *be);
void vb_check_regions(struct vb_report *r, const struct vb_expect *e,
		      const struct vmpci_vfio_backend *be);
void vb_check_irq_info(struct vb_report *r, const struct vb_expect *e,
		       const struct vmpci_vfio_backend *be);
void vb_check_bar_sizing(struct vb_report *r, const struct vb_expect *e,
			 const struct vmpci_vfio_backend *be);
void vb_check_command(struct vb_report *r, const struct vb_expect *e,
		      const struct vmpci_vfio_backend *be);
void vb_check_msi(struct vb_report *r, const struct vb_expect *e,
		  const struct vmpci_vfio_backend *be);
void vb_check_msix(struct vb_report *r, const struct vb_expect *e,
		   const struct vmpci_vfio_backend *be);
void vb_check_intx(struct vb_report *r, const struct vb_expect *e,
		   const struct vmpci_vfio_backend *be);
void vb_check_sparse_map(struct vb_report *r, const struct vb_expect *e,
			 const struct vmpci_vfio_backend *be);
void vb_check_scratch(struct vb_report *r, const struct vb_expect *e,
		      const struct vmpci_vfio_backend *be);
void vb_check_reset(struct vb_report *r, const struct vb_expect *e,
		    const struct vmpci_vfio_backend *be);
void vb_check_dma(struct vb_report *r, const struct vb_expect *e,
		  const struct vmpci_vfio_backend *be);
void vb_check_features(struct vb_report *r, const struct vb_expect *e,
		       const struct vmpci_vfio_backend *be);

typedef void (*vb_check_fn)(struct vb_report *r, const struct vb_expect *e,
			    const struct vmpci_vfio_backend *be);

struct vb_check {
	const char *name;
	vb_check_fn fn;
};

/* All checks above, in a sensible order. */
extern const struct vb_check vb_checks[];
extern const unsigned vb_nr_checks;

/* printf-style result, for the checks and their callers. */
void vb_result(struct vb_report *r, bool pass, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
