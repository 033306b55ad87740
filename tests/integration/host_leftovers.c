/* Can a guest process read what its host process inherited from UML's own
 * process? A guest process runs natively in a host process of its own, so
 * any host mapping left in that process is readable to it, whatever UML's
 * page tables say. Kernel patch 0039 leaves only the stub there; before it,
 * the kernel's host stack (its command line and environment), the host C
 * library's data and the vDSO were copied into every guest process.
 * Arguments: host addresses (hex) of the UML process's own mappings, as
 * guest_ssh.sh read them from the host's /proc. Each must fault.
 * Also calls the host's vsyscall page's getcpu, which the host kernel runs
 * past ptrace through the UML process's seccomp filter: it must come back
 * as an error, not kill the process.
 * Prints "host_leftovers ok: ..." and exits 0, or names the first failure. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

static sigjmp_buf back;

static void on_fault(int sig)
{
	siglongjmp(back, sig);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_fault, .sa_flags = SA_NODEFER };
	volatile int faulted = 0;

	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	for (int i = 1; i < argc; i++) {
		unsigned long addr = strtoul(argv[i], NULL, 16);
		if (sigsetjmp(back, 1) == 0) {
			volatile const unsigned char *p = (const unsigned char *)addr;
			unsigned char c = *p;
			printf("host_leftovers FAILED: read 0x%lx (0x%02x): the host mapping is there\n", addr, c);
			return 1;
		}
		faulted++;
	}
	typedef long (*getcpu_fn)(unsigned *, unsigned *, void *);
	unsigned cpu = 0;
	const char *volatile vsyscall = "vsyscall getcpu returns";
	if (sigsetjmp(back, 1) == 0) {
		long r = ((getcpu_fn)0xffffffffff600800UL)(&cpu, NULL, NULL);
		if (r != -ENOSYS && r != 0) {
			printf("host_leftovers FAILED: vsyscall getcpu returned %ld\n", r);
			return 1;
		}
	} else {
		vsyscall = "no vsyscall page on this host";
	}
	printf("host_leftovers ok: %d host addresses fault, %s\n", faulted, vsyscall);
	return 0;
}
