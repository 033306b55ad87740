/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The guest side of honeylog(key, buf, len): the system call the patched
 * guest kernel adds (see docs/capture-format.md). The key is compiled in by
 * the image build (-DOYSTER_HONEYLOG_KEY=0x...); the binaries that hold it
 * are readable by root only.
 */
#ifndef OYSTER_GUEST_HONEYLOG_H
#define OYSTER_GUEST_HONEYLOG_H

#include <stddef.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../src/oyster/capture/wire/oyster_capture.h"

#ifndef OYSTER_HONEYLOG_KEY
#error "build with -DOYSTER_HONEYLOG_KEY=0x<16 hex digits>"
#endif

/* Returns len on success, -1 with errno set otherwise (ENOSYS: wrong key or
 * no capture channel). */
static inline long honeylog(const void* buf, size_t len) {
    return syscall(OYSTER_HONEYLOG_NR, (unsigned long)OYSTER_HONEYLOG_KEY, buf, len);
}

#endif
