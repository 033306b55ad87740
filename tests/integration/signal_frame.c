/* Does a guest's signal frame hold what an x86-64 kernel's does? Kernel
 * patch 0044 gives it the whole XSAVE state a process may use, where UML
 * held only the legacy and AVX parts (so a handler's zmm16-31 and opmask
 * values leaked into the code it interrupted), and 0045 tells processes
 * the frame's size (AT_MINSIGSTKSZ). Checks:
 *   - the frame's XSAVE area is 64-byte aligned and described as x86
 *     describes it: FP_XSTATE_MAGIC1, extended_size = xstate_size + 4,
 *     FP_XSTATE_MAGIC2 after it, x87 and SSE among its features, and
 *     room for every user state component the CPU has but AMX tile data;
 *   - registers a handler changes are back after sigreturn: xmm, ymm and,
 *     with AVX-512, zmm16-31, the upper half of zmm0 and the opmasks;
 *   - a frame whose fpstate lost its magic (one a program built) restores
 *     only x87 and SSE, the rest at its initial value (zero);
 *   - AT_MINSIGSTKSZ is given, and an alternate stack that size holds a
 *     frame; with AVX-512 one of MINSIGSTKSZ (2048) bytes is too small,
 *     and delivering on it is a SIGSEGV that leaves the memory below it
 *     alone.
 * Built static on the host and copied into a guest by guest_ssh.sh.
 * Prints "signal_frame ok: N checks" and exits 0, or names the first
 * failure and exits 1. */
#define _GNU_SOURCE
#include <cpuid.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#ifndef AT_MINSIGSTKSZ
#define AT_MINSIGSTKSZ 51
#endif
#define MAGIC1 0x46505853U
#define MAGIC2 0x46505845U
#define XTILEDATA 18

static int checks, have_avx512;
static volatile int handled;
static volatile int drop_magic;
/* Empty when the handler found the frame's XSAVE area as x86 lays it out. */
static char frame_problem[160];

static void check(int ok, const char *what)
{
	if (!ok) {
		printf("signal_frame FAIL: %s\n", what);
		exit(1);
	}
	checks++;
}

static uint64_t xcr0(void)
{
	uint32_t lo, hi;

	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

/* The end of the highest user state component enabled, AMX tile data
 * aside: the least a frame's XSAVE area may hold. */
static uint32_t xsave_needed(void)
{
	uint64_t features = xcr0() & ~(1ULL << XTILEDATA);
	uint32_t need = 576; /* FXSAVE area and XSAVE header */

	for (unsigned int i = 2; i < 63; i++) {
		unsigned int size, offset, ecx, edx;

		if (!(features & (1ULL << i)))
			continue;
		__cpuid_count(0xd, i, size, offset, ecx, edx);
		if (offset + size > need)
			need = offset + size;
	}
	return need;
}

__attribute__((target("avx512f"))) static void scramble_avx512(void)
{
	asm volatile("vpternlogd $0xff, %%zmm16, %%zmm16, %%zmm16\n\t"
		     "vpternlogd $0xff, %%zmm31, %%zmm31, %%zmm31\n\t"
		     "vpternlogd $0xff, %%zmm2, %%zmm2, %%zmm2\n\t"
		     "kxnorw %%k0, %%k0, %%k1\n\t" ::
			     : "xmm16", "xmm31", "xmm2", "k1");
}

/* Judges the frame's XSAVE area; scrambles what a handler may use; and,
 * when asked, drops the frame's magic as a frame built by hand lacks it. */
static void on_usr1(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	uint8_t *fp = (uint8_t *)uc->uc_mcontext.fpregs;
	uint32_t magic1, extended, xstate_size, magic2;
	uint64_t features;

	(void)sig;
	(void)si;
	handled++;
	memcpy(&magic1, fp + 464, 4);
	memcpy(&extended, fp + 468, 4);
	memcpy(&features, fp + 472, 8);
	memcpy(&xstate_size, fp + 480, 4);
	frame_problem[0] = 0;
	if ((uintptr_t)fp % 64 != 0)
		snprintf(frame_problem, sizeof(frame_problem), "fpstate at %p is not 64-byte aligned", (void *)fp);
	else if (magic1 != MAGIC1)
		snprintf(frame_problem, sizeof(frame_problem), "magic1 %#x", magic1);
	else if (extended != xstate_size + 4)
		snprintf(frame_problem, sizeof(frame_problem), "extended_size %u for xstate_size %u", extended,
			 xstate_size);
	else if (memcpy(&magic2, fp + xstate_size, 4), magic2 != MAGIC2)
		snprintf(frame_problem, sizeof(frame_problem), "magic2 %#x after %u bytes", magic2, xstate_size);
	else if ((features & 3) != 3)
		snprintf(frame_problem, sizeof(frame_problem), "features %#lx", (unsigned long)features);
	else if (xstate_size < xsave_needed())
		snprintf(frame_problem, sizeof(frame_problem), "xstate_size %u, the CPU's state needs %u", xstate_size,
			 xsave_needed());

	asm volatile("pcmpeqb %%xmm1, %%xmm1" ::: "xmm1");
	if (have_avx512)
		scramble_avx512();
	if (drop_magic) {
		static const uint8_t pattern[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

		magic1 = 0;
		memcpy(fp + 464, &magic1, 4);
		memcpy(fp + 160 + 16, pattern, 16); /* xmm1 in the FXSAVE area */
	}
}

struct vec {
	uint8_t xmm1[16];
	uint8_t zmm2[64];
	uint8_t zmm16[64];
	uint8_t zmm31[64];
	uint16_t k1;
};

/* Loads IN, sends itself SIGUSR1 from inside the asm (the handler runs
 * on the way back from kill), stores OUT. */
__attribute__((target("avx512f"))) static void trip_avx512(const struct vec *in, struct vec *out)
{
	long pid = getpid(), nr = SYS_kill;

	asm volatile("vmovdqu 0(%[in]), %%xmm1\n\t"
		     "vmovdqu64 16(%[in]), %%zmm2\n\t"
		     "vmovdqu64 80(%[in]), %%zmm16\n\t"
		     "vmovdqu64 144(%[in]), %%zmm31\n\t"
		     "kmovw 208(%[in]), %%k1\n\t"
		     "syscall\n\t"
		     "vmovdqu %%xmm1, 0(%[out])\n\t"
		     "vmovdqu64 %%zmm2, 16(%[out])\n\t"
		     "vmovdqu64 %%zmm16, 80(%[out])\n\t"
		     "vmovdqu64 %%zmm31, 144(%[out])\n\t"
		     "kmovw %%k1, 208(%[out])\n\t"
		     : "+a"(nr)
		     : "D"(pid), "S"((long)SIGUSR1), [in] "r"(in), [out] "r"(out)
		     : "rcx", "r11", "memory", "xmm1", "xmm2", "xmm16", "xmm31", "k1");
}

static void trip_sse(const struct vec *in, struct vec *out)
{
	long pid = getpid(), nr = SYS_kill;

	asm volatile("movdqu 0(%[in]), %%xmm1\n\t"
		     "syscall\n\t"
		     "movdqu %%xmm1, 0(%[out])\n\t"
		     : "+a"(nr)
		     : "D"(pid), "S"((long)SIGUSR1), [in] "r"(in), [out] "r"(out)
		     : "rcx", "r11", "memory", "xmm1");
}

static void trip(const struct vec *in, struct vec *out)
{
	memset(out, 0, sizeof(*out));
	if (have_avx512)
		trip_avx512(in, out);
	else
		trip_sse(in, out);
}

static void on_usr2(int sig)
{
	(void)sig;
	handled++;
}

int main(void)
{
	struct sigaction sa = {.sa_sigaction = on_usr1, .sa_flags = SA_SIGINFO};
	struct vec in, out;
	unsigned int eax, ebx, ecx, edx;

	__cpuid_count(7, 0, eax, ebx, ecx, edx);
	have_avx512 = (ebx & (1U << 16)) && (xcr0() & 0xe0) == 0xe0;
	for (size_t i = 0; i < sizeof(in); i++)
		((uint8_t *)&in)[i] = (uint8_t)(i * 7 + 3);
	sigaction(SIGUSR1, &sa, NULL);

	/* The frame, and the registers a handler changed. */
	trip(&in, &out);
	check(handled == 1, "the handler ran");
	if (frame_problem[0] != 0) {
		printf("signal_frame FAIL: the frame's XSAVE area: %s\n", frame_problem);
		exit(1);
	}
	checks++;
	check(memcmp(out.xmm1, in.xmm1, 16) == 0, "xmm1 kept the handler's value");
	if (have_avx512) {
		check(memcmp(out.zmm2, in.zmm2, 64) == 0, "zmm2's upper half kept the handler's value");
		check(memcmp(out.zmm16, in.zmm16, 64) == 0, "zmm16 kept the handler's value");
		check(memcmp(out.zmm31, in.zmm31, 64) == 0, "zmm31 kept the handler's value");
		check(out.k1 == in.k1, "k1 kept the handler's value");
	}

	/* A frame without its magic restores x87 and SSE only. */
	drop_magic = 1;
	trip(&in, &out);
	drop_magic = 0;
	static const uint8_t pattern[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
	static const uint8_t zero[64];
	check(memcmp(out.xmm1, pattern, 16) == 0, "without the magic, xmm1 is not the frame's");
	if (have_avx512) {
		check(memcmp(out.zmm16, zero, 64) == 0, "without the magic, zmm16 is not at its initial value");
		check(memcmp(out.zmm2 + 16, zero, 48) == 0, "without the magic, zmm2's upper part is not zero");
		check(out.k1 == 0, "without the magic, k1 is not zero");
	}

	/* AT_MINSIGSTKSZ, and alternate stacks of that size and smaller. */
	unsigned long min = getauxval(AT_MINSIGSTKSZ);
	check(min >= 1024 && min <= 65536, "AT_MINSIGSTKSZ is given");
	char *area = mmap(NULL, 4 * 65536, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	check(area != MAP_FAILED, "mmap");
	/* The smallest alternate stack sigaltstack() takes (MINSIGSTKSZ) is
	 * too small for a frame with AVX-512 state only. */
	for (int small = 0; small < 1 + have_avx512; small++) {
		size_t size = small ? 2048 : min; /* not MINSIGSTKSZ: glibc makes it sysconf's */
		char *stack = area + 2 * 65536;
		pid_t child;
		int status;

		memset(area, 0x5a, 4 * 65536);
		child = fork();
		if (child == 0) {
			stack_t ss = {.ss_sp = stack, .ss_size = size};
			struct sigaction on_alt = {.sa_handler = on_usr2, .sa_flags = SA_ONSTACK};

			if (sigaltstack(&ss, NULL) != 0 || sigaction(SIGUSR2, &on_alt, NULL) != 0)
				_exit(3);
			raise(SIGUSR2);
			_exit(handled ? 0 : 2);
		}
		check(child > 0 && waitpid(child, &status, 0) == child, "waitpid");
		int below_untouched = 1;
		for (size_t i = 0; i < 2 * 65536; i++)
			below_untouched = below_untouched && area[i] == 0x5a;
		if (small) {
			check(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV,
			      "a frame too big for its alternate stack is not a SIGSEGV");
			check(below_untouched, "a frame too big for its alternate stack wrote below it");
		} else {
			check(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			      "an alternate stack of AT_MINSIGSTKSZ bytes does not hold a frame");
			check(below_untouched, "a frame on an alternate stack of AT_MINSIGSTKSZ bytes wrote below it");
		}
	}

	printf("signal_frame ok: %d checks%s\n", checks, have_avx512 ? " (AVX-512)" : "");
	return 0;
}
