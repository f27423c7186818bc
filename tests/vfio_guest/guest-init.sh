#!/bin/busybox sh
# shellcheck shell=dash
# /init of the initramfs run-in-guest.sh builds. Loads the VFIO modules (and,
# for -K, the KVM modules, then checks KVM with /vmpci/kvm-check), binds
# every device listed in /vmpci/devices ("BDF TYPE" lines) to vfio-pci, runs
# /vmpci/command as root with VFIO_BDFS and VFIO_DEVICES set, prints its exit
# status as "VMPCI-GUEST-EXIT=<status>" and powers off. When a module, a
# device or (under -K) KVM fails, the command does not run and no status is
# printed: the host then exits 125 instead of letting a test pass without
# what it asked for.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
log() { echo "vmpci-guest: $*"; }
log "init at $(cut -d' ' -f1 /proc/uptime) s"

ok=1
for m in $(cat /vmpci/modules/order); do
	insmod "/vmpci/modules/$m.ko" || { log "FAIL insmod $m"; ok=0; }
done
# run-in-guest.sh -K: KVM after the VFIO set (kvm needs irqbypass), then a
# check that it can run a VM; a test that asked for KVM never runs without.
if [ -f /vmpci/modules/kvm-order ]; then
	for m in $(cat /vmpci/modules/kvm-order); do
		insmod "/vmpci/modules/$m.ko" || { log "FAIL kvm: insmod $m"; ok=0; }
	done
	/vmpci/kvm-check || ok=0
fi

bdfs=
types=
while read -r bdf type; do
	dev=/sys/bus/pci/devices/$bdf
	if [ ! -d "$dev" ]; then
		log "FAIL $type: no PCI device $bdf"
		ok=0
		continue
	fi
	[ -e "$dev/driver" ] && echo "$bdf" > "$dev/driver/unbind"
	echo vfio-pci > "$dev/driver_override"
	echo "$bdf" > /sys/bus/pci/drivers_probe
	driver=$(basename "$(readlink "$dev/driver")")
	group=$(basename "$(readlink "$dev/iommu_group")")
	if [ "$driver" != vfio-pci ] || [ ! -c "/dev/vfio/$group" ]; then
		log "FAIL $type $bdf: driver '$driver', iommu group '$group'"
		ok=0
		continue
	fi
	log "$type $bdf $(cat "$dev/vendor"):$(cat "$dev/device") vfio-pci, /dev/vfio/$group"
	bdfs="$bdfs $bdf"
	types="$types $type"
done < /vmpci/devices

if [ "$ok" = 1 ]; then
	log "running the test at $(cut -d' ' -f1 /proc/uptime) s"
	cd /test || exit 1
	# A VMM holds an eventfd per vector (2048 per MSI-X function): lift
	# the kernel's default of 1024 open files, as the hosts here do.
	ulimit -n 65536
	VFIO_BDFS=${bdfs# } VFIO_DEVICES=${types# } \
		LD_LIBRARY_PATH=$(cat /vmpci/library-path) sh /vmpci/command
	status=$?
	log "test ended at $(cut -d' ' -f1 /proc/uptime) s"
	echo "VMPCI-GUEST-EXIT=$status"
else
	log "harness setup failed, the test did not run"
fi
poweroff -f
