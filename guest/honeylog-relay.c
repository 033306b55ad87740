// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Relays every guest log line to the host over honeylog() as it is written,
 * so logs an intruder wipes later are already on the host. rsyslog starts it
 * through omprog and writes one message per line to its standard input.
 *
 * Lines longer than a honeylog message are sent in pieces. It never writes
 * anything inside the guest and exits when rsyslog closes the pipe.
 */
#include <stdio.h>
#include <string.h>

#include "honeylog.h"

int main(void)
{
	static char line[OYSTER_HONEYLOG_MAX + 1];

	setvbuf(stdin, NULL, _IOLBF, 0);
	while (fgets(line, sizeof(line), stdin)) {
		size_t len = strlen(line);

		if (len && line[len - 1] == '\n')
			len--;
		if (len)
			honeylog(line, len);
	}
	return 0;
}
