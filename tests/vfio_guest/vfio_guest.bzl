"""vfio_guest_test: a test that runs a program against the real Linux vfio-pci
driver, as root in a QEMU guest that owns emulated PCI devices
(tests/vfio_guest/run-in-guest.sh). Needs tests/vfio_guest/setup.sh once per
machine; without it the test fails and says so."""

# run-in-guest.sh's own limit stays under Bazel's, so a hung guest ends with
# the harness's "time limit hit" message instead of a bare Bazel TIMEOUT.
_GUEST_SECONDS = {"short": 30, "moderate": 270, "long": 870, "eternal": 3570}

_HARNESS = "//tests/vfio_guest:run-in-guest.sh"

# Every device type run-in-guest.sh knows by name, for tests that cover them all.
ALL_DEVICES = ["edu", "nvme", "e1000e", "virtio-net", "ivshmem"]

def vfio_guest_test(name, binary, devices, args = [], files = [], runfiles = {}, kvm = False, memory = None, timeout = "moderate", tags = [], kernel_cache = None, **kwargs):
    """Runs `binary` in the guest with `devices` bound to vfio-pci.

    Args:
      name: the test's name.
      binary: label of an executable (cc_binary or script). Its shared
        libraries (ldd closure) are copied into the guest.
      devices: device types in slot order: "edu", "nvme", "e1000e",
        "virtio-net", "ivshmem" or any QEMU -device name, each optionally
        followed by ",prop=value,...". The program finds them in $VFIO_BDFS
        (0000:00:03.0 first) and their types in $VFIO_DEVICES.
      args: arguments for the program (Bazel $(location) expansion and
        shell-style word splitting apply).
      files: labels of single files copied next to the program (/test).
      runfiles: {path: label}: the file or folder at runfiles path `path`
        (e.g. "tests/data/pci-config"), which `label` (a file or filegroup)
        provides, is copied to /test/path, where programs that open
        fixtures by that relative path find them.
      kvm: True gives the guest a real KVM (run-in-guest.sh -K): -cpu max
        and the kvm modules, checked before the program runs; a guest
        without a working /dev/kvm fails the test (exit 125), never skips.
      memory: guest memory as QEMU takes it ("2G"); default 512M.
      timeout: Bazel test timeout; the guest gets 30 s less.
      tags: extra tags; "vfio_guest", "local" and "exclusive" are always set.
      kernel_cache: the cache folder under ~/.cache whose kernel the guest
        boots (default: vmpci-guest, setup.sh's), e.g. "vmpci-guest-6.12"
        as tests/run.sh prepares it.
      **kwargs: passed to sh_test (size, flaky, visibility, ...).
    """
    device_args = []
    for device in devices:
        device_args += ["-d", device]
    file_args = []
    for f in files:
        file_args += ["-f", "$(rootpath %s)" % f]
    for path in runfiles:
        file_args += ["-r", path]
    option_args = (["-K"] if kvm else []) + (["-m", memory] if memory else [])
    native.sh_test(
        name = name,
        srcs = ["//tests/vfio_guest:guest_test.sh"],
        args = ["$(rootpath %s)" % _HARNESS, "-t", str(_GUEST_SECONDS[timeout])] +
               option_args + device_args + file_args + ["$(rootpath %s)" % binary] + args,
        data = [
            binary,
            _HARNESS,
            "//tests/vfio_guest:guest-init.sh",
            "//tests/vfio_guest:kvm-check.c",
        ] + files + runfiles.values(),
        timeout = timeout,
        # local: QEMU and the kernel cache live outside the sandbox;
        # exclusive: a TCG guest wants both cores and a quiet machine.
        tags = ["vfio_guest", "local", "exclusive"] + tags,
        env = {"VMPCI_GUEST_CACHE_NAME": kernel_cache} if kernel_cache else {},
        **kwargs
    )
