/* `vmpci run`: boot a Linux guest on KVM. Builds the machine (RAM, bus,
 * COM1, power and reset registers, ACPI tables), loads the kernel, then
 * creates the KVM VM and its vCPUs and serves stdin, signals and the
 * guest's stop request from the main thread. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "tools/commands.h"
#include "tools/run/acpi.h"
#include "tools/run/boot.h"
#include "tools/run/options.h"
#include "tools/run/passthrough.h"
#include "tools/run/pci_host.h"
#include "tools/run/power.h"
#include "tools/run/uart.h"
#include "tools/run/vcpu.h"

/* The devices of the machine, trapped before any vCPU runs. */
static int attach_devices(struct run_vm *vm)
{
	int ret;

	ret = run_uart_attach(vm);
	if (!ret)
		ret = run_power_attach(vm);
	if (!ret)
		ret = run_pci_host_attach(vm);
	if (ret)
		run_vm_log(vm, "cannot set up the devices: %s", strerror(-ret));
	return ret;
}

/* The --vfio functions are opened first: a function that is missing or not
 * bound to vfio-pci is bad input, refused with its one line before anything
 * else is set up (KVM included). */
static int open_functions(struct run_vm *vm, const struct run_options *o,
			  struct run_passthrough **pt)
{
	int ret;

	if (!o->nr_vfio)
		return 0;
	ret = run_passthrough_new(vm, NULL, pt);
	for (unsigned i = 0; i < o->nr_vfio && !ret; i++)
		ret = run_passthrough_add_vfio(*pt, o->vfio[i]);
	return ret;
}

static int build(struct run_vm *vm, const struct run_options *o,
		 struct run_passthrough **pt)
{
	struct run_boot_files files = { .kernel = o->kernel,
					.initrd = o->initrd,
					.cmdline = o->append };
	struct run_boot boot;
	int ret;

	ret = attach_devices(vm);
	if (!ret)
		ret = run_acpi_write(vm, o->cpus, &files.rsdp);
	if (!ret)
		ret = run_boot_load(vm, &files, &boot);
	if (!ret)
		ret = open_functions(vm, o, pt);
	if (!ret)
		ret = run_vm_open_kvm(vm, o->kvm_path);
	/* On the bus with BARs and DMA in place before any vCPU runs. */
	if (!ret && *pt)
		ret = run_passthrough_start(*pt);
	if (!ret)
		ret = run_vcpus_create(vm, o->cpus, &boot);
	return ret;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* SIGUSR1: everything the device callback does happens with the guest
 * paused; how long it was paused is the number that matters. */
static void on_sigusr1(struct run_vm *vm)
{
	double start = now_ms();
	int ret = 0;

	run_vm_pause(vm);
	if (vm->sigusr1_fn)
		ret = vm->sigusr1_fn(vm->sigusr1_opaque);
	run_vm_resume(vm);
	if (ret)
		run_vm_log(vm, "SIGUSR1 handling failed: %s", strerror(-ret));
	run_vm_log(vm, "guest paused for %.3f ms", now_ms() - start);
}

/* Feed stdin to COM1 while its FIFO has room. False at end of input. */
static bool read_stdin(struct run_vm *vm)
{
	uint8_t buf[64];
	size_t room = run_uart_rx_room(vm->uart);
	ssize_t n;

	if (!room)
		return true;
	n = read(STDIN_FILENO, buf, room < sizeof(buf) ? room : sizeof(buf));
	if (n <= 0)
		return n < 0 && (errno == EINTR || errno == EAGAIN);
	run_uart_rx(vm->uart, buf, (size_t)n);
	return true;
}

/* A terminal on stdin goes character-at-a-time without local echo, so the
 * guest's line editing and echo are the only ones; Ctrl-C still ends the
 * VMM. Returns whether *saved holds settings to put back. */
static bool terminal_raw(struct termios *saved)
{
	struct termios raw;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, saved) < 0)
		return false;
	raw = *saved;
	raw.c_lflag &= (tcflag_t)~(ICANON | ECHO);
	raw.c_iflag &= (tcflag_t)~ICRNL; /* Enter is CR, as on a serial line */
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	return tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
}

/* Serve until the guest stops or a terminating signal comes. Returns the
 * exit status. */
static int serve(struct run_vm *vm, int sig_fd)
{
	bool stdin_open = true;

	for (;;) {
		/* A full FIFO: wait for the guest to drain it, without
		 * spinning on readable stdin. */
		bool want_stdin = stdin_open && run_uart_rx_room(vm->uart);
		struct pollfd fds[3] = {
			{ .fd = vm->stop_fd, .events = POLLIN },
			{ .fd = sig_fd, .events = POLLIN },
			{ .fd = want_stdin ? STDIN_FILENO : -1,
			  .events = POLLIN },
		};
		struct signalfd_siginfo si;

		if (poll(fds, 3, want_stdin || !stdin_open ? -1 : 10) < 0 &&
		    errno != EINTR)
			return 1;
		if (fds[0].revents) {
			switch (run_vm_stop_reason(vm)) {
			case RUN_STOP_POWEROFF:
				run_vm_log(vm, "the guest powered off");
				return 0;
			case RUN_STOP_REBOOT:
				run_vm_log(vm, "the guest rebooted");
				return 0;
			default:
				return 1;
			}
		}
		if (fds[1].revents &&
		    read(sig_fd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo != SIGUSR1) {
				run_vm_log(vm, "stopped by signal %u",
					   si.ssi_signo);
				return 128 + (int)si.ssi_signo;
			}
			on_sigusr1(vm);
		}
		if (fds[2].revents)
			stdin_open = read_stdin(vm);
	}
}

int vmpci_cmd_run(int argc, char **argv)
{
	struct run_options o;
	struct run_vm *vm = NULL;
	struct run_passthrough *pt = NULL;
	sigset_t sigs;
	int sig_fd, ret;

	ret = run_options_parse(argc, argv, &o);
	if (ret)
		return ret == 1 ? 0 : ret;
	/* Signals are read from a signalfd on the main thread; the vCPU
	 * threads inherit the mask and never see them. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGUSR1);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	sig_fd = signalfd(-1, &sigs, SFD_CLOEXEC);
	if (sig_fd < 0) {
		fprintf(stderr, "vmpci run: signalfd: %s\n", strerror(errno));
		return 1;
	}
	ret = run_vm_new(o.mem, &vm);
	if (!ret)
		ret = build(vm, &o, &pt);
	if (!ret)
		ret = run_vcpus_start(vm);
	if (!ret) {
		struct termios saved;
		bool raw = terminal_raw(&saved);

		ret = serve(vm, sig_fd);
		if (raw)
			tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	} else {
		ret = 1;
	}
	if (vm)
		run_vcpus_free(vm);
	run_passthrough_free(pt);
	run_vm_free(vm);
	close(sig_fd);
	return ret;
}
