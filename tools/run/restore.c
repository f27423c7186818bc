/* Live device restore, on SIGUSR1 with every vCPU paused: each function's
 * device object is saved to its snapshot document (a file), destroyed with
 * its VFIO function left open (so nothing resets the hardware), and a new
 * device object is created on the same function and restored from the
 * file. The guest's BARs, MSI/MSI-X programming and config space come back
 * as they were; its drivers keep running. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "device/device.h"
#include "device/state.h"
#include "migration/migration.h"
#include "pci/bus.h"
#include "tools/run/passthrough_internal.h"

void run_snapshot_path(const struct run_function *fn, char *buf, size_t len)
{
	snprintf(buf, len, "%s/vmpci-run-%d-slot%u.json",
		 fn->pt->snapshot_dir, (int)getpid(), fn->slot);
}

static int write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "w");
	int err = 0;

	if (!f)
		return -errno;
	if (fwrite(data, 1, len, f) != len)
		err = -EIO;
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

/* The whole file, NUL-terminated, in *data (malloc'ed). */
static int read_file(const char *path, char **data, size_t *len)
{
	FILE *f = fopen(path, "r");
	long size = 0;
	char *buf = NULL;
	int err = 0;

	if (!f)
		return -errno;
	if (fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET))
		err = -errno;
	if (!err && !(buf = malloc((size_t)size + 1)))
		err = -ENOMEM;
	if (!err && fread(buf, 1, (size_t)size, f) != (size_t)size)
		err = -EIO;
	fclose(f);
	if (err) {
		free(buf);
		return err;
	}
	buf[size] = '\0';
	*data = buf;
	*len = (size_t)size;
	return 0;
}

static int save(struct run_function *fn, const char *path)
{
	char *json = NULL;
	int err = vmpci_snapshot_save(fn->dev, &json);

	if (!err)
		err = write_file(path, json, strlen(json));
	free(json);
	if (err)
		run_vm_log(fn->pt->vm, "%s: saving to %s: %s", fn->name, path,
			   strerror(-err));
	return err;
}

/* Signal every MSI / MSI-X vector the guest has enabled once. Between the
 * old device turning MSI/MSI-X off in VFIO and the new one turning it back
 * on, the function's interrupts have nowhere to go: a completion in that
 * window would leave its driver waiting for a timeout. A spurious
 * interrupt is harmless (drivers check their own status: nvme its
 * completion queues, NICs their cause registers); a masked vector just
 * gets its pending bit, as the hardware would set it. */
static void kick_vectors(struct run_function *fn)
{
	static const uint32_t indexes[] = { VFIO_PCI_MSI_IRQ_INDEX,
					    VFIO_PCI_MSIX_IRQ_INDEX };
	const uint64_t one = 1;
	int fd;

	for (unsigned i = 0; i < 2; i++) {
		for (uint32_t v = 0;
		     (fd = vmpci_device_irq_eventfd(fn->dev, indexes[i], v)) >= 0;
		     v++) {
			if (write(fd, &one, sizeof(one)) != sizeof(one))
				run_vm_log(fn->pt->vm,
					   "%s: kicking vector %u: %s",
					   fn->name, v, strerror(errno));
		}
	}
}

/* A new device object on the open function, in the saved state. */
static int reborn(struct run_function *fn, const char *json, size_t len)
{
	int err = run_function_device_new(fn, true);

	if (err) {
		run_vm_log(fn->pt->vm, "%s: new device: %s", fn->name,
			   strerror(-err));
		return err;
	}
	err = vmpci_snapshot_restore(fn->dev, json, len);
	if (err) {
		run_vm_log(fn->pt->vm, "%s: restore: %s", fn->name,
			   vmpci_device_errmsg(fn->dev));
		return err;
	}
	err = vmpci_bus_add_function(run_vm_bus(fn->pt->vm), 0, fn->slot, 0,
				     vmpci_device_config_ops(), fn->dev);
	if (!err)
		err = vmpci_device_resume(fn->dev);
	return err;
}

static int restore_one(struct run_function *fn)
{
	char path[512], *json = NULL;
	size_t len = 0;
	int err;

	if (!fn->dev)
		return -ENODEV; /* lost in an earlier failed restore */
	run_snapshot_path(fn, path, sizeof(path));
	err = save(fn, path);
	if (!err)
		err = read_file(path, &json, &len);
	if (err)
		return err; /* the old device is still there, untouched */
	vmpci_bus_remove_function(run_vm_bus(fn->pt->vm), 0, fn->slot, 0);
	run_bars_forget(fn);
	vmpci_device_free(fn->dev);
	fn->dev = NULL;
	err = reborn(fn, json, len);
	free(json);
	if (err) {
		/* Nothing to give the guest back: the slot reads empty. */
		vmpci_bus_remove_function(run_vm_bus(fn->pt->vm), 0, fn->slot,
					  0);
		run_bars_forget(fn);
		vmpci_device_free(fn->dev);
		fn->dev = NULL;
		return err;
	}
	kick_vectors(fn);
	run_vm_log(fn->pt->vm, "%s: restored from %s (%zu bytes)", fn->name,
		   path, len);
	return 0;
}

int run_passthrough_restore(struct run_passthrough *pt)
{
	int err = 0, rc;

	for (size_t i = 0; i < pt->nr; i++) {
		rc = restore_one(pt->fns[i]);
		if (!err)
			err = rc;
	}
	return err;
}
