/* The system-call path's cost as a program in the guest sees it: one
 * getppid() (a system call that does no work, so its time is the path's
 * round trip) and one fork + exec of /bin/true + wait (what every shell
 * command costs). Built static on the host by bench/placement/run.sh and
 * copied into the guest for the run, so the guest needs no compiler.
 *
 * Usage: probe GETPPID_CALLS FORKS [PAGES]
 * Prints one line: getppid_us=<median of 9 batches, µs per call>
 * fork_exec_ms=<median of 5 batches, ms per fork+exec>; a count of 0 skips
 * that measurement (bench/syscall_path profiles one at a time); then
 * faults_per_fork=<page faults of each child, from its fork to its exit>,
 * each of which is a round trip or three on UML's path; with PAGES,
 * page_fault_us=<median of 5 batches, µs per first write to a fresh
 * anonymous page>: what a program that times a page fault sees. A median,
 * since a batch that met a host tick or another guest's burst says nothing
 * of the path itself. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), by_value);
	return v[n / 2];
}

static double getppid_batch(long calls)
{
	double start = now_us();

	/* Through syscall(): glibc does not cache getppid, but be sure. */
	for (long i = 0; i < calls; i++)
		syscall(SYS_getppid);
	return (now_us() - start) / (double)calls;
}

static double fork_exec_batch(long forks)
{
	double start = now_us();

	for (long i = 0; i < forks; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			exit(1);
		}
		if (pid == 0) {
			execl("/bin/true", "true", (char *)NULL);
			_exit(127);
		}
		int status;

		if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "probe: /bin/true did not run\n");
			exit(1);
		}
	}
	return (now_us() - start) / 1e3 / (double)forks;
}

static double page_fault_batch(long pages)
{
	long size = sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, (size_t)(pages * size), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	double start = now_us();

	for (long i = 0; i < pages; i++)
		p[i * size] = 1;
	double us = (now_us() - start) / (double)pages;

	munmap(p, (size_t)(pages * size));
	return us;
}

int main(int argc, char **argv)
{
	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: probe GETPPID_CALLS FORKS [PAGES]\n");
		return 2;
	}
	long calls = strtol(argv[1], NULL, 10), forks = strtol(argv[2], NULL, 10);
	long pages = argc == 4 ? strtol(argv[3], NULL, 10) : 0;

	if (calls < 0 || forks < 0 || pages < 0 || calls + forks == 0) {
		fprintf(stderr, "probe: counts must not be negative, nor the first two both 0\n");
		return 2;
	}
	double g[9], f[5];

	if (calls > 0) {
		for (int i = 0; i < 9; i++)
			g[i] = getppid_batch(calls);
		printf("getppid_us=%.3f%s", median(g, 9), forks > 0 ? " " : "\n");
	}
	if (forks > 0) {
		struct rusage before, after;

		getrusage(RUSAGE_CHILDREN, &before);
		for (int i = 0; i < 5; i++)
			f[i] = fork_exec_batch(forks);
		getrusage(RUSAGE_CHILDREN, &after);
		printf("fork_exec_ms=%.3f faults_per_fork=%.1f%s", median(f, 5),
		       (double)(after.ru_minflt + after.ru_majflt - before.ru_minflt - before.ru_majflt) /
			       (double)(forks * 5),
		       pages > 0 ? " " : "\n");
	}
	if (pages > 0) {
		double pf[5];

		for (int i = 0; i < 5; i++)
			pf[i] = page_fault_batch(pages);
		printf("page_fault_us=%.3f\n", median(pf, 5));
	}
	return 0;
}
