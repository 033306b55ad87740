/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The guest side of honeylog(key, buf, len): the system call the patched
 * guest kernel adds (see docs/capture-format.md). The image's key is
 * compiled in by the image build (-DOYSTER_HONEYLOG_KEY=0x...), and the
 * binaries that hold it are readable by root only. It takes no message: it
 * only lets root ask the kernel for this boot's key (struct
 * oyster_key_query), which every message and question then carries, so a
 * key read from this disk forges nothing in another guest or boot.
 */
#ifndef OYSTER_GUEST_HONEYLOG_H
#define OYSTER_GUEST_HONEYLOG_H

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../src/oyster/capture/wire/oyster_capture.h"

#ifndef OYSTER_HONEYLOG_KEY
#error "build with -DOYSTER_HONEYLOG_KEY=0x<16 hex digits>"
#endif

/* This boot's key, asked for once per process; 0 when the kernel does not
 * answer (not root, or no capture channel). */
static inline unsigned long honeylog_boot_key(void) {
    static unsigned long key;
    struct oyster_key_query q;

    if (key != 0) return key;
    memset(&q, 0, sizeof(q));
    memcpy(q.magic, OYSTER_KEY_QUERY_MAGIC, sizeof(OYSTER_KEY_QUERY_MAGIC));
    if (syscall(OYSTER_HONEYLOG_NR, (unsigned long)OYSTER_HONEYLOG_KEY, &q, sizeof(q)) == (long)sizeof(q))
        key = (unsigned long)q.key;
    return key;
}

/* Returns len on success, -1 with errno set otherwise (ENOSYS: no key, or
 * no capture channel). */
static inline long honeylog(const void* buf, size_t len) {
    unsigned long key = honeylog_boot_key();

    if (key == 0) {
        errno = ENOSYS;
        return -1;
    }
    return syscall(OYSTER_HONEYLOG_NR, key, buf, len);
}

#endif
