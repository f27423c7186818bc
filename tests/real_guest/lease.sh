#!/bin/busybox sh
# udhcpc's event script in L2: report the lease; configuring the interface is
# not needed for the check.
[ "$1" = bound ] && echo "LEASE $ip"
exit 0
