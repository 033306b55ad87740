/* Does the guest kernel keep every thread's floating-point and SIMD state
 * across what stops it? Kernel patch 0022 leaves that state in the host
 * process between stops and fetches it only when something needs it, so a
 * path that forgets to fetch it shows here as another thread's, another
 * process's, a signal handler's or the fault stub's registers.
 *
 * Threads (and, by fork, processes) each fill x87 st0, MXCSR, ymm0-15 and,
 * where the CPU has AVX-512, zmm16-31 with a pattern of their own; then,
 * inside one asm block, touch a fresh page (a fault), make a system call
 * (getppid, sched_yield, a 1 ms poll that sleeps, or fork) and store the
 * registers back for comparison. A 1 ms timer's handler, running on any
 * thread between or during those, scrambles x87, MXCSR, ymm and, with
 * AVX-512, zmm16-31; sigreturn must put the interrupted ones back (the
 * frame holds zmm16-31 since kernel patch 0044).
 *
 * Built static on the host and copied into a guest by guest_ssh.sh.
 * Usage: fp_state [ITERATIONS]. Prints "fp_state ok: ..." and exits 0, or
 * names the first difference and exits 1. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#define THREADS 3
#define PAGE 4096

struct regs {
	uint8_t ymm[16][32];
	uint8_t zmm_hi[16][64]; /* zmm16-31 */
	uint32_t mxcsr;
	double st0;
};

static int have_avx512;
static atomic_long checks, signals_taken, forks;

#define Y_LOAD(i) "vmovdqu " #i "*32(%[in]), %%ymm" #i "\n\t"
#define Y_STORE(i) "vmovdqu %%ymm" #i ", " #i "*32(%[out])\n\t"
#define Y_ALL(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7) M(8) M(9) M(10) M(11) M(12) M(13) M(14) M(15)
#define Z_LOAD(i, r) "vmovdqu64 512+" #i "*64(%[in]), %%zmm" #r "\n\t"
#define Z_STORE(i, r) "vmovdqu64 %%zmm" #r ", 512+" #i "*64(%[out])\n\t"
#define Z_ALL(M)                                                                                              \
	M(0, 16) M(1, 17) M(2, 18) M(3, 19) M(4, 20) M(5, 21) M(6, 22) M(7, 23) M(8, 24) M(9, 25) M(10, 26) \
	M(11, 27) M(12, 28) M(13, 29) M(14, 30) M(15, 31)
#define Y_CLOBBERS                                                                                          \
	"xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", \
	    "xmm12", "xmm13", "xmm14", "xmm15"
#define Z_CLOBBERS                                                                                           \
	"xmm16", "xmm17", "xmm18", "xmm19", "xmm20", "xmm21", "xmm22", "xmm23", "xmm24", "xmm25", "xmm26", \
	    "xmm27", "xmm28", "xmm29", "xmm30", "xmm31"

_Static_assert(offsetof(struct regs, zmm_hi) == 512, "zmm offset in the asm");

/* Loads IN, faults on TOUCH, makes system call NR(A1, A2, A3), stores OUT. */
__attribute__((target("avx2"))) static long trip_avx(const struct regs *in, struct regs *out, long nr, long a1,
						     long a2, long a3, volatile char *touch)
{
	long ret;

	asm volatile("ldmxcsr %c[mx](%[in])\n\t"
		     "fldl %c[st](%[in])\n\t" Y_ALL(Y_LOAD) "movb $1, (%[touch])\n\t"
		     "syscall\n\t" Y_ALL(Y_STORE) "stmxcsr %c[mx](%[out])\n\t"
		     "fstpl %c[st](%[out])\n\t"
		     : "=a"(ret)
		     : "a"(nr), "D"(a1), "S"(a2), "d"(a3), [in] "r"(in), [out] "r"(out), [touch] "r"(touch),
		       [mx] "i"(offsetof(struct regs, mxcsr)), [st] "i"(offsetof(struct regs, st0))
		     : "rcx", "r11", "memory", "st", Y_CLOBBERS);
	return ret;
}

__attribute__((target("avx512f"))) static long trip_avx512(const struct regs *in, struct regs *out, long nr,
							   long a1, long a2, long a3, volatile char *touch)
{
	long ret;

	asm volatile("ldmxcsr %c[mx](%[in])\n\t"
		     "fldl %c[st](%[in])\n\t" Y_ALL(Y_LOAD) Z_ALL(Z_LOAD) "movb $1, (%[touch])\n\t"
		     "syscall\n\t" Y_ALL(Y_STORE) Z_ALL(Z_STORE) "stmxcsr %c[mx](%[out])\n\t"
		     "fstpl %c[st](%[out])\n\t"
		     : "=a"(ret)
		     : "a"(nr), "D"(a1), "S"(a2), "d"(a3), [in] "r"(in), [out] "r"(out), [touch] "r"(touch),
		       [mx] "i"(offsetof(struct regs, mxcsr)), [st] "i"(offsetof(struct regs, st0))
		     : "rcx", "r11", "memory", "st", Y_CLOBBERS, Z_CLOBBERS);
	return ret;
}

__attribute__((target("avx512f"))) static void scramble_zmm_hi(void)
{
	asm volatile("vpternlogd $0xff, %%zmm16, %%zmm16, %%zmm16\n\t"
		     "vpternlogd $0xff, %%zmm23, %%zmm23, %%zmm23\n\t"
		     "vpternlogd $0xff, %%zmm31, %%zmm31, %%zmm31\n\t" ::
			     : Z_CLOBBERS);
}

__attribute__((target("avx2"))) static void on_timer(int sig)
{
	static const uint32_t other_mxcsr = 0x7f80; /* round toward zero */

	(void)sig;
	atomic_fetch_add(&signals_taken, 1);
	asm volatile("vpcmpeqb %%ymm0, %%ymm0, %%ymm0\n\t"
		     "vpcmpeqb %%ymm7, %%ymm7, %%ymm7\n\t"
		     "vpcmpeqb %%ymm15, %%ymm15, %%ymm15\n\t"
		     "ldmxcsr %0\n\t"
		     "fninit\n\t" ::"m"(other_mxcsr)
		     : Y_CLOBBERS, "st");
	if (have_avx512)
		scramble_zmm_hi();
}

static uint64_t next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void fill(struct regs *r, uint64_t seed)
{
	uint64_t s = seed | 1;
	uint64_t *w = (uint64_t *)r->ymm;

	for (size_t i = 0; i < (sizeof(r->ymm) + sizeof(r->zmm_hi)) / 8; i++)
		w[i] = next(&s);
	/* Masked exceptions, a rounding mode and flush-to-zero of its own. */
	r->mxcsr = 0x1f80 | ((uint32_t)(seed % 4) << 13) | ((seed & 4) ? 0x8000 : 0);
	r->st0 = (double)(seed % 1000003) + 0.25;
}

static int differs(const struct regs *a, const struct regs *b, const char *what, long iteration)
{
	size_t zmm = have_avx512 ? sizeof(a->zmm_hi) : 0;
	const char *where = NULL;

	if (memcmp(a->ymm, b->ymm, sizeof(a->ymm)) != 0)
		where = "ymm0-15";
	else if (memcmp(a->zmm_hi, b->zmm_hi, zmm) != 0)
		where = "zmm16-31";
	else if (a->mxcsr != b->mxcsr)
		where = "MXCSR";
	else if (a->st0 != b->st0)
		where = "x87 st0";
	if (!where)
		return 0;
	printf("fp_state FAIL: %s changed across %s (pid %d, iteration %ld)\n", where, what, getpid(), iteration);
	fflush(stdout);
	return 1;
}

static long iterations = 2000;

static void *worker(void *arg)
{
	uintptr_t id = (uintptr_t)arg;
	char *pages = mmap(NULL, (size_t)iterations * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct regs in, out;

	if (pages == MAP_FAILED) {
		perror("mmap");
		return (void *)1;
	}
	for (long i = 0; i < iterations; i++) {
		static const long calls[] = {SYS_getppid, SYS_sched_yield, SYS_getppid, SYS_poll};
		long nr = calls[i % 4], a3 = nr == SYS_poll ? 1 : 0, ret;
		const char *what = nr == SYS_poll ? "a sleep" : nr == SYS_sched_yield ? "a yield" : "a system call";

		/* A fork now and then: the child must see the parent's registers. */
		if (i % 250 == 125 && id == 0) {
			nr = SYS_fork;
			what = "fork";
		}
		fill(&in, (id << 32) ^ (uint64_t)i ^ 0x9e3779b97f4a7c15ULL);
		memset(&out, 0, sizeof(out));
		if (have_avx512)
			ret = trip_avx512(&in, &out, nr, 0, 0, a3, pages + i * PAGE);
		else
			ret = trip_avx(&in, &out, nr, 0, 0, a3, pages + i * PAGE);
		if (differs(&in, &out, what, i)) {
			if (nr == SYS_fork && ret == 0)
				_exit(1);
			return (void *)1;
		}
		atomic_fetch_add(&checks, 1);
		if (nr == SYS_fork) {
			int status;

			if (ret == 0)
				_exit(0);
			if (ret < 0 || waitpid((pid_t)ret, &status, 0) != ret || !WIFEXITED(status) ||
			    WEXITSTATUS(status) != 0)
				return (void *)1;
			atomic_fetch_add(&forks, 1);
		}
	}
	munmap(pages, (size_t)iterations * PAGE);
	return NULL;
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_timer, .sa_flags = SA_RESTART};
	struct itimerval every_ms = {{0, 1000}, {0, 1000}};
	pthread_t threads[THREADS];
	int failed = 0;

	if (argc > 1)
		iterations = atol(argv[1]);
	if (!__builtin_cpu_supports("avx2")) {
		printf("fp_state: this CPU has no AVX2; nothing checked\n");
		return 1;
	}
	have_avx512 = __builtin_cpu_supports("avx512f");
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &every_ms, NULL);
	for (uintptr_t t = 0; t < THREADS; t++)
		pthread_create(&threads[t], NULL, worker, (void *)t);
	for (int t = 0; t < THREADS; t++) {
		void *r;

		pthread_join(threads[t], &r);
		failed |= r != NULL;
	}
	setitimer(ITIMER_REAL, &(struct itimerval){0}, NULL);
	if (failed)
		return 1;
	printf("fp_state ok: %ld checks in %d threads, %ld forks, %ld signals, registers %s\n", (long)checks, THREADS,
	       (long)forks, (long)signals_taken,
	       have_avx512 ? "x87 MXCSR ymm0-15 zmm16-31" : "x87 MXCSR ymm0-15");
	return 0;
}
