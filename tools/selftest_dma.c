/* Step 5 (edu): host memory mapped for the function's DMA through the
 * backend, edu's DMA engine copies RAM -> device buffer -> RAM, the bytes
 * come back, the mapping goes away. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "tools/selftest.h"

/* edu's DMA engine: source, destination, count, command (QEMU
 * hw/misc/edu.c). The device buffer sits at 0x40000 in its own space. */
#define EDU_DMA_SRC 0x80
#define EDU_DMA_DST 0x88
#define EDU_DMA_CNT 0x90
#define EDU_DMA_CMD 0x98
#define EDU_DMA_RUN 0x1u
#define EDU_DMA_TO_RAM 0x2u
#define EDU_BUFFER 0x40000u
/* QEMU 7.2's edu: 28-bit DMA mask, and a full 4096-byte transfer trips an
 * off-by-one that aborts QEMU. Each transfer takes ~100 ms (a timer). */
#define EDU_IOVA 0x100000u
#define EDU_BYTES 2048u
#define EDU_DMA_MS 5000

/* Start one transfer and poll the busy bit, bounded. */
static int edu_transfer(struct selftest *st, uint32_t src, uint32_t dst,
			uint32_t cmd)
{
	double t0 = st_now_ms();

	st_bar_write32(st, 0, EDU_DMA_SRC, src);
	st_bar_write32(st, 0, EDU_DMA_DST, dst);
	st_bar_write32(st, 0, EDU_DMA_CNT, EDU_BYTES);
	st_bar_write32(st, 0, EDU_DMA_CMD, EDU_DMA_RUN | cmd);
	while (st_bar_read32(st, 0, EDU_DMA_CMD) & EDU_DMA_RUN) {
		if (st_now_ms() - t0 > EDU_DMA_MS)
			return -ETIMEDOUT;
		usleep(1000);
	}
	return 0;
}

static enum st_result edu_dma(struct selftest *st, uint8_t *mem)
{
	uint64_t unmapped = 0;
	double t0;
	unsigned i;
	int err;

	for (i = 0; i < EDU_BYTES; i++)
		mem[i] = (uint8_t)(i * 7 + 3);
	memset(mem + 4096, 0, 4096);
	err = st->be->ops->dma_map(st->be->opaque, EDU_IOVA, 2 * 4096, mem,
				   VFIO_DMA_MAP_FLAG_READ |
					   VFIO_DMA_MAP_FLAG_WRITE);
	if (err)
		return st_fail(st, "dma_map of 8 KiB at IOVA %#x: %s", EDU_IOVA,
			       strerror(-err));
	t0 = st_now_ms();
	err = edu_transfer(st, EDU_IOVA, EDU_BUFFER, 0);
	if (!err)
		err = edu_transfer(st, EDU_BUFFER, EDU_IOVA + 4096,
				   EDU_DMA_TO_RAM);
	t0 = st_now_ms() - t0;
	if (err) {
		st->be->ops->dma_unmap(st->be->opaque, EDU_IOVA, 2 * 4096, NULL);
		return st_fail(st, "edu DMA still busy after %d ms", EDU_DMA_MS);
	}
	if (memcmp(mem, mem + 4096, EDU_BYTES)) {
		for (i = 0; i < EDU_BYTES && mem[i] == mem[4096 + i]; i++)
			;
		st->be->ops->dma_unmap(st->be->opaque, EDU_IOVA, 2 * 4096, NULL);
		return st_fail(st, "byte %u came back %#x, sent %#x", i,
			       mem[4096 + i], mem[i]);
	}
	err = st->be->ops->dma_unmap(st->be->opaque, EDU_IOVA, 2 * 4096,
				     &unmapped);
	if (err || unmapped != 2 * 4096)
		return st_fail(st, "dma_unmap: %s, %llu bytes", strerror(-err),
			       (unsigned long long)unmapped);
	return st_pass(st, "%u bytes RAM -> edu -> RAM through IOVA %#x in %.0f ms, bytes match, unmapped",
		       EDU_BYTES, EDU_IOVA, t0);
}

enum st_result st_step_dma(struct selftest *st)
{
	enum st_result r;
	uint8_t *mem;

	if (st->recipe != ST_EDU)
		return st_skip(st, "no DMA recipe for this function (edu only)%s",
			       st->recipe == ST_NVME
				       ? "; nvme's Identify in the interrupt step DMAs through a mapping"
				       : "");
	if (!st->dev || !st->enumerated)
		return st_fail(st, "not enumerated");
	mem = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return st_fail(st, "mmap: %s", strerror(errno));
	r = edu_dma(st, mem);
	munmap(mem, 2 * 4096);
	return r;
}
