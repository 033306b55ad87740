# Calls every system call number 0..1023 once with random arguments, each in
# a child of its own (a call may exit, block or crash it), and prints
# "NR RESULT ERRNO" for each call that returned. Arguments have their top
# bits set, so as pointers they point nowhere and as ids they name nothing.
use strict;
use warnings;
use POSIX ();

$| = 1;
# Integer shifts, not float arithmetic: all 64 bits must be exact.
sub arg { return ((0x7000 + int(rand(0x1000))) << 48) | (int(rand(2**32)) << 16) | int(rand(2**16)); }
for my $nr (0 .. 1023) {
	pipe(my $r, my $w) or die "pipe: $!";
	my $pid = fork() // die "fork: $!";
	if ($pid == 0) {
		close $r;
		alarm 2;
		my $ret = syscall($nr, arg(), arg(), arg(), arg(), arg(), arg());
		syswrite $w, sprintf("%d %d %d\n", $nr, $ret, $! + 0);
		POSIX::_exit(0);
	}
	close $w;
	my $line = <$r>;
	close $r;
	waitpid($pid, 0);
	print $line if defined $line;
}
