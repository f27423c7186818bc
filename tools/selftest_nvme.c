/* The nvme recipe: a real device interrupt needs a real command. Enable
 * the controller with an admin queue pair in host memory mapped for DMA,
 * submit Identify Controller; its completion raises MSI-X vector 0. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "tools/selftest.h"

/* Controller registers (NVMe 1.4, section 3.1). */
#define NVME_CAP 0x00
#define NVME_CC 0x14
#define NVME_CSTS 0x1c
#define NVME_AQA 0x24
#define NVME_ASQ 0x28
#define NVME_ACQ 0x30
#define NVME_SQ0TDBL 0x1000
#define NVME_CSTS_RDY 0x1u
/* CC: I/O CQ entry 16 B (2^4), SQ entry 64 B (2^6), 4 KiB pages, enable. */
#define NVME_CC_ENABLE ((4u << 20) | (6u << 16) | 1u)
#define NVME_QUEUE_ENTRIES 16
#define NVME_ADMIN_IDENTIFY 0x06
#define NVME_CNS_CONTROLLER 1
#define NVME_CID 0x42
#define NVME_CQE_PHASE 0x10000u

/* Where the queues and the Identify buffer sit in the device's IOVA
 * space: below 4 GiB, clear of anything else selftest maps. */
#define NVME_IOVA 0x200000u
#define NVME_DMA_BYTES (3 * 4096)
#define NVME_READY_MS 5000
#define NVME_IRQ_MS 5000

static bool wait_ready(struct selftest *st, bool ready)
{
	double t0 = st_now_ms();

	while (st_now_ms() - t0 < NVME_READY_MS) {
		if (!!(st_bar_read32(st, 0, NVME_CSTS) & NVME_CSTS_RDY) == ready)
			return true;
		usleep(100);
	}
	return false;
}

static int why_fail(char *why, size_t len, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int why_fail(char *why, size_t len, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return err;
}

static void write64(struct selftest *st, uint64_t off, uint64_t v)
{
	st_bar_write32(st, 0, off, (uint32_t)v);
	st_bar_write32(st, 0, off + 4, (uint32_t)(v >> 32));
}

static int run_identify(struct selftest *st, int fd, uint8_t *mem,
			double *ms, char *why, size_t len)
{
	volatile uint32_t *sq = (volatile uint32_t *)mem;
	volatile uint32_t *cq = (volatile uint32_t *)(mem + 4096);
	const volatile uint8_t *id = mem + 8192;
	uint32_t dstrd = st_bar_read32(st, 0, NVME_CAP + 4) & 0xf, dw3;
	uint64_t buf = NVME_IOVA + 8192;
	double t0;
	int got;

	st_bar_write32(st, 0, NVME_CC, 0);
	if (!wait_ready(st, false))
		return why_fail(why, len, -EIO, "controller stays ready after disable");
	st_bar_write32(st, 0, NVME_AQA, (NVME_QUEUE_ENTRIES - 1) << 16 |
					(NVME_QUEUE_ENTRIES - 1));
	write64(st, NVME_ASQ, NVME_IOVA);
	write64(st, NVME_ACQ, NVME_IOVA + 4096);
	st_bar_write32(st, 0, NVME_CC, NVME_CC_ENABLE);
	if (!wait_ready(st, true))
		return why_fail(why, len, -EIO, "controller not ready (CSTS %#x)",
				st_bar_read32(st, 0, NVME_CSTS));
	sq[0] = NVME_ADMIN_IDENTIFY | NVME_CID << 16;
	sq[6] = (uint32_t)buf;
	sq[7] = (uint32_t)(buf >> 32);
	sq[10] = NVME_CNS_CONTROLLER;
	__sync_synchronize();
	st_drain_eventfd(fd);
	t0 = st_now_ms();
	st_bar_write32(st, 0, NVME_SQ0TDBL, 1);
	got = st_wait_eventfd(fd, NVME_IRQ_MS, NULL);
	*ms = st_now_ms() - t0;
	if (got != 1)
		return why_fail(why, len, -ETIMEDOUT,
				"no interrupt (CQE dw3 %#x)", cq[3]);
	/* The controller writes the completion entry before it interrupts. */
	dw3 = cq[3];
	if (!(dw3 & NVME_CQE_PHASE) || (dw3 & 0xffff) != NVME_CID ||
	    (dw3 >> 17) != 0)
		return why_fail(why, len, -EIO, "completion dw3 %#x", dw3);
	if ((id[0] | id[1] << 8) != st->sysfs_id.vendor)
		return why_fail(why, len, -EIO, "Identify data VID %#x",
				id[0] | id[1] << 8);
	/* Consume the entry and stop the controller. */
	st_bar_write32(st, 0, NVME_SQ0TDBL + (4u << dstrd), 1);
	st_bar_write32(st, 0, NVME_CC, 0);
	wait_ready(st, false);
	return 0;
}

int st_nvme_identify(struct selftest *st, int fd, double *ms, char *why,
		     size_t len)
{
	uint64_t unmapped = 0;
	uint8_t *mem;
	int err, uerr;

	mem = mmap(NULL, NVME_DMA_BYTES, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return why_fail(why, len, -ENOMEM, "mmap: %s", strerror(errno));
	memset(mem, 0, NVME_DMA_BYTES);
	err = st->be->ops->dma_map(st->be->opaque, NVME_IOVA, NVME_DMA_BYTES,
				   mem, VFIO_DMA_MAP_FLAG_READ |
					VFIO_DMA_MAP_FLAG_WRITE);
	if (err) {
		snprintf(why, len, "dma_map: %s", strerror(-err));
	} else {
		err = run_identify(st, fd, mem, ms, why, len);
		uerr = st->be->ops->dma_unmap(st->be->opaque, NVME_IOVA,
					      NVME_DMA_BYTES, &unmapped);
		if (!err && (uerr || unmapped != NVME_DMA_BYTES)) {
			snprintf(why, len, "dma_unmap: %s, %llu bytes",
				 strerror(-uerr), (unsigned long long)unmapped);
			err = uerr ? uerr : -EIO;
		}
	}
	munmap(mem, NVME_DMA_BYTES);
	return err;
}
