/* Do a guest's page faults behave as on a real kernel? Kernel patch 0024
 * tells a fault's kind (read or write) from its VMA where that settles it,
 * instead of asking the host for the error code, and these are the cases
 * where a wrong answer would show:
 *   - untouched anonymous memory reads as zeros and then takes writes;
 *   - a write to a read-only private page is a SIGSEGV with SEGV_ACCERR,
 *     the write bit in the frame's error code and trap 14, at the address;
 *   - a read of a private file mapping does not copy the page: a later
 *     write(2) to the file shows through it;
 *   - a read of a shared file mapping leaves the file's mtime alone, and a
 *     later write through it reaches the file and its mtime;
 *   - a read past the end of a mapped file is a SIGBUS;
 *   - the stack grows on demand; after fork, each side writes its own copy.
 * Patch 0042 also takes a fault on a page the host maps readable but not
 * writable as a write: the read-then-write cases above (private, shared,
 * after fork) are the ones it answers.
 *   - memory that may not execute does not (patch 0043, as x86-64's NX):
 *     a jump into it is a SIGSEGV at the code with the fetch bit in the
 *     error code, whether the page was untouched, written, read from a
 *     file, on the stack or in a forked child; PROT_EXEC lets it run, and
 *     taking PROT_EXEC away stops it again.
 * Built static on the host and copied into a guest by guest_ssh.sh.
 * Prints "page_faults ok: ..." and exits 0, or names the first failure. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#define PAGE 4096

static sigjmp_buf back;
static volatile siginfo_t caught;
static volatile long caught_err, caught_trap;
static int checks;

static void on_fault(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;

	(void)sig;
	caught = *si;
	caught_err = uc->uc_mcontext.gregs[REG_ERR];
	caught_trap = uc->uc_mcontext.gregs[REG_TRAPNO];
	siglongjmp(back, 1);
}

static void check(int ok, const char *what)
{
	if (!ok) {
		printf("page_faults FAIL: %s\n", what);
		exit(1);
	}
	checks++;
}

static int depth(int n)
{
	volatile char frame[4000];

	frame[0] = 1;
	return n == 0 ? frame[0] : depth(n - 1) + frame[0];
}

/* Calls the code at p (ret_42 below): RAN when it returned 42, REFUSED
 * when the call was a SIGSEGV at p itself as a fetch the page refuses is
 * (fetch bit 16, user bit 4 and protection bit 1 in the error code: the
 * page is there, it may not execute), OTHER for anything else. */
enum { RAN, REFUSED, OTHER };
static int call(void *p)
{
	int (*fn)(void);

	memcpy(&fn, &p, sizeof(fn));
	if (sigsetjmp(back, 1) == 0)
		return fn() == 42 ? RAN : OTHER;
	if (caught.si_signo == SIGSEGV && caught.si_code == SEGV_ACCERR && caught.si_addr == p &&
	    (caught_err & 0x15) == 0x15 && caught_trap == 14)
		return REFUSED;
	return OTHER;
}

int main(void)
{
	struct sigaction sa = {.sa_sigaction = on_fault, .sa_flags = SA_SIGINFO | SA_NODEFER};
	char path[] = "/tmp/page_faults.XXXXXX";
	int fd = mkstemp(path);
	char page[PAGE];
	struct stat before, after;

	check(fd >= 0, "mkstemp");
	unlink(path);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);

	/* Untouched anonymous memory: zeros, then writable. */
	volatile char *anon = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check(anon != MAP_FAILED, "mmap anonymous");
	check(anon[PAGE + 7] == 0 && anon[3 * PAGE] == 0, "untouched anonymous memory reads as zeros");
	anon[PAGE + 7] = 42;
	check(anon[PAGE + 7] == 42, "a written anonymous page keeps the write");

	/* A write to a read-only page, untouched and touched. */
	for (int touched = 0; touched < 2; touched++) {
		volatile char *ro = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		check(ro != MAP_FAILED, "mmap read-only");
		if (touched)
			check(ro[5] == 0, "a read-only page reads");
		if (sigsetjmp(back, 1) == 0) {
			ro[5] = 1;
			check(0, "a write to a read-only page went through");
		}
		check(caught.si_signo == SIGSEGV && caught.si_code == SEGV_ACCERR, "SIGSEGV with SEGV_ACCERR");
		check(caught.si_addr == (void *)(ro + 5), "the fault's address");
		check((caught_err & 6) == 6 && caught_trap == 14, "a user write page fault in the frame");
		munmap((void *)ro, PAGE);
	}

	/* A private file mapping read is not a copy: the file's change shows. */
	memset(page, 'a', sizeof(page));
	check(pwrite(fd, page, PAGE, 0) == PAGE, "pwrite");
	volatile char *priv = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	check(priv != MAP_FAILED, "mmap private file");
	check(priv[10] == 'a', "a private file mapping reads the file");
	check(pwrite(fd, "b", 1, 10) == 1, "pwrite b");
	check(priv[10] == 'b', "a file change shows through a private mapping that was only read");
	priv[11] = 'c';
	check(pwrite(fd, "d", 1, 12) == 1, "pwrite d");
	check(priv[11] == 'c' && priv[12] == 'a', "a written private page is the process's own");

	/* Past the end of the file: SIGBUS. */
	if (sigsetjmp(back, 1) == 0) {
		(void)priv[PAGE + 1];
		check(0, "a read past the end of a mapped file went through");
	}
	check(caught.si_signo == SIGBUS, "SIGBUS past the end of a mapped file");

	/* A shared mapping's reads leave the file's times alone. */
	check(fstat(fd, &before) == 0, "fstat");
	sleep(1);
	volatile char *shared = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	check(shared != MAP_FAILED, "mmap shared file");
	check(shared[10] == 'b', "a shared mapping reads the file");
	fsync(fd);
	check(fstat(fd, &after) == 0, "fstat");
	check(after.st_mtim.tv_sec == before.st_mtim.tv_sec && after.st_mtim.tv_nsec == before.st_mtim.tv_nsec,
	      "reading a shared mapping changed the file's mtime");

	/* A write to the shared page it read reaches the file and its mtime. */
	sleep(1);
	shared[20] = 'e';
	check(msync((void *)shared, PAGE, MS_SYNC) == 0, "msync");
	check(pread(fd, page, 1, 20) == 1 && page[0] == 'e', "a write through a shared mapping reaches the file");
	check(fstat(fd, &after) == 0, "fstat");
	check(after.st_mtim.tv_sec != before.st_mtim.tv_sec || after.st_mtim.tv_nsec != before.st_mtim.tv_nsec,
	      "a write through a shared mapping left the file's mtime");
	munmap((void *)shared, PAGE);

	/* The stack grows on demand (about 400 KiB here). */
	check(depth(100) == 101, "stack growth");

	/* After fork each side keeps its own copy. */
	anon[2 * PAGE] = 1;
	int gate[2];
	check(pipe(gate) == 0, "pipe");
	pid_t child = fork();
	if (child == 0) {
		char go;
		anon[2 * PAGE] = 2;
		if (read(gate[0], &go, 1) != 1)
			_exit(2);
		_exit(anon[2 * PAGE] == 2 ? 0 : 1);
	}
	anon[2 * PAGE] = 3;
	check(write(gate[1], "g", 1) == 1, "write gate");
	int status;
	check(child > 0 && waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "the child writes its copy, and the parent's write leaves it alone");
	check(anon[2 * PAGE] == 3, "the parent's copy is its own after fork");

	/* No-execute, page by page. */
	static const unsigned char ret_42[] = {0xb8, 42, 0, 0, 0, 0xc3}; /* mov eax, 42; ret */
	unsigned char *code = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check(code != MAP_FAILED, "mmap code");
	memcpy(code, ret_42, sizeof(ret_42));
	check(REFUSED == call(code + PAGE), "an untouched page that may not execute ran");
	check(REFUSED == call(code), "a written page that may not execute ran");
	check(mprotect(code, PAGE, PROT_READ | PROT_EXEC) == 0 && RAN == call(code), "code made executable runs");
	check(mprotect(code, PAGE, PROT_READ | PROT_WRITE) == 0 && REFUSED == call(code),
	      "code ran after PROT_EXEC was taken away");
	unsigned char *rwx = mmap(NULL, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check(rwx != MAP_FAILED, "mmap rwx");
	memcpy(rwx, ret_42, sizeof(ret_42));
	check(RAN == call(rwx), "code in a read-write-execute page runs");
	volatile unsigned char on_stack[sizeof(ret_42)];
	memcpy((void *)on_stack, ret_42, sizeof(ret_42));
	check(REFUSED == call((void *)on_stack), "code on the stack ran");
	check(pwrite(fd, ret_42, sizeof(ret_42), 2 * PAGE) == (ssize_t)sizeof(ret_42), "pwrite code");
	unsigned char *file_ro = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 2 * PAGE);
	check(file_ro != MAP_FAILED && REFUSED == call(file_ro), "code in a read-only file mapping ran");
	unsigned char *file_x = mmap(NULL, PAGE, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 2 * PAGE);
	check(file_x != MAP_FAILED && RAN == call(file_x), "code in an executable file mapping runs");
	child = fork();
	if (child == 0)
		_exit(REFUSED == call(code) && RAN == call(rwx) ? 0 : 1);
	check(child > 0 && waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "after fork, the child runs code only where it may execute");

	printf("page_faults ok: %d checks\n", checks);
	return 0;
}
