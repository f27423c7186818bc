#!/bin/busybox sh
# shellcheck shell=dash
# /init of the nested guest (L2) that `vmpci run` boots in the run tests:
# reports what the guest sees on the console, then powers off, or reboots
# when the command line says vmpci_test=reboot; with vmpci_test=wait it
# first waits for a line on the console (COM1's receiver) and echoes it.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
bridge=/sys/bus/pci/devices/0000:00:00.0
# The host bridge proves the config mechanism; the CPUs the MADT and SMP
# bring-up. The line is matched whole by boot_guest.sh.
echo "L2-BOOTED cpus-online=$(cat /sys/devices/system/cpu/online)" \
	"host-bridge=$(cat $bridge/vendor 2>/dev/null):$(cat $bridge/device 2>/dev/null)"
case " $(cat /proc/cmdline) " in
*" vmpci_test=wait "*)
	stty -echo
	echo "L2-WAITING"
	read -r line
	echo "L2-GOT $line"
	;;
*" vmpci_test=reboot "*)
	echo "L2-REBOOTING"
	reboot -n -f
	;;
esac
echo "L2-POWERING-OFF"
# -n: no sync, nothing to sync and nothing to wait for (nested-kvm.md).
poweroff -n -f
