/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Oyster capture channel: the wire format.
 *
 * The one definition shared by the patched guest kernel (copied by
 * kernel/build.sh to arch/um/include/shared/oyster/) and the host decoder
 * (src/oyster/capture/). docs/capture-format.md describes every field.
 *
 * The guest kernel writes a byte stream to a host file descriptor it
 * inherits: one stream header, then records. All integers are
 * little-endian (the guest is x86-64). Every record starts with
 * struct oyster_cap_record, whose size field covers header and payload and
 * is a multiple of 8; a reader skips record types it does not know. Records
 * carry a per-boot sequence number starting at 0 and never skipping, so a
 * gap means loss. The host must treat every byte as hostile: a guest root
 * who exploits the guest kernel controls this stream.
 */
#ifndef OYSTER_CAPTURE_WIRE_H
#define OYSTER_CAPTURE_WIRE_H

#include <linux/types.h>

#define OYSTER_CAP_MAGIC "OYSTCAP\n"
#define OYSTER_CAP_MAGIC_LEN 8
#define OYSTER_CAP_VERSION 1

/* No record is larger; the decoder rejects anything bigger. */
#define OYSTER_CAP_MAX_RECORD (64 * 1024)

/* Host environment variables the launcher sets for the guest kernel. */
#define OYSTER_CAP_ENV_FD "OYSTER_CAPTURE_FD"
#define OYSTER_CAP_ENV_CONTENT_LIMIT "OYSTER_EXEC_CONTENT_LIMIT"
#define OYSTER_CAP_ENV_HONEYLOG_KEY "OYSTER_HONEYLOG_KEY"
#define OYSTER_CAP_ENV_HONEYLOG_BOOT_KEY "OYSTER_HONEYLOG_BOOT_KEY"
#define OYSTER_CAP_ENV_KEPT_LIMIT "OYSTER_KEPT_CONTENT_LIMIT"
#define OYSTER_CAP_ENV_KEPT_SINCE "OYSTER_KEPT_SINCE_NS"

/* The seed's added system call; unused by Linux 6.12 on x86-64. */
#define OYSTER_HONEYLOG_NR 402
#define OYSTER_HONEYLOG_MAX 4096

struct oyster_cap_stream_header {
    char magic[OYSTER_CAP_MAGIC_LEN]; /* OYSTER_CAP_MAGIC */
    __u32 version;                    /* OYSTER_CAP_VERSION */
    __u32 header_size;                /* sizeof(this struct) */
    __u64 boot_realtime_ns;           /* guest CLOCK_REALTIME at start */
    __u64 exec_content_limit;         /* bytes of each executable kept */
};

enum oyster_cap_type {
    OYSTER_CAP_EXEC = 1,         /* struct oyster_cap_exec + strings */
    OYSTER_CAP_EXEC_CONTENT = 2, /* struct oyster_cap_exec_content + bytes */
    OYSTER_CAP_FORK = 3,         /* struct oyster_cap_fork */
    OYSTER_CAP_EXIT = 4,         /* struct oyster_cap_exit */
    OYSTER_CAP_TTY_IN = 5,       /* struct oyster_cap_tty + bytes typed */
    OYSTER_CAP_TTY_OUT = 6,      /* struct oyster_cap_tty + bytes shown */
    OYSTER_CAP_TTY_OPEN = 7,     /* struct oyster_cap_tty, len 0 */
    OYSTER_CAP_TTY_CLOSE = 8,    /* struct oyster_cap_tty, len 0 */
    OYSTER_CAP_HONEYLOG = 9,     /* struct oyster_cap_honeylog + bytes */
    OYSTER_CAP_DROPPED = 10,     /* struct oyster_cap_dropped */
    OYSTER_CAP_CRED = 11,        /* struct oyster_cap_cred */
    OYSTER_CAP_SOCKET = 12,      /* struct oyster_cap_socket + addresses */
    OYSTER_CAP_FILE = 13,        /* struct oyster_cap_file + paths */
    OYSTER_CAP_SYSCALL = 14,     /* struct oyster_cap_syscall + strings */
    OYSTER_CAP_KEPT = 15,        /* struct oyster_cap_kept + path */
    OYSTER_CAP_LOG = 16,         /* struct oyster_cap_log + bytes */
    OYSTER_CAP_TYPE_MAX = 16,
};

/* Common header of every record (72 bytes). */
struct oyster_cap_record {
    __u32 size;    /* bytes of this record, header included, multiple of 8 */
    __u16 type;    /* enum oyster_cap_type */
    __u16 flags;   /* type-specific, see below */
    __u64 seq;     /* per boot, from 0, +1 per record */
    __u64 time_ns; /* guest CLOCK_REALTIME */
    __u32 pid;     /* thread id (guest pid namespace of init) */
    __u32 tgid;    /* process id */
    __u32 ppid;    /* parent's process id */
    __u32 uid;
    __u32 euid;
    __u32 gid;
    __u32 egid;
    __u32 tty;     /* controlling tty as new_encode_dev(), 0 if none */
    char comm[16]; /* task name, NUL-padded, not necessarily terminated */
};

/* OYSTER_CAP_EXEC flags */
#define OYSTER_CAP_EXEC_ARGV_TRUNCATED 0x1  /* argv did not fit the record */
#define OYSTER_CAP_EXEC_CONTENT_FOLLOWS 0x2 /* EXEC_CONTENT records follow */
#define OYSTER_CAP_EXEC_CONTENT_SENT 0x4    /* same file version sent before */

/*
 * Followed by filename_len bytes of the name as passed to execve, path_len
 * bytes of the resolved path of the executed file, cwd_len bytes of the
 * working directory and argv_len bytes of the arguments, each argument
 * ending with a NUL. No other terminators.
 */
struct oyster_cap_exec {
    __u64 file_size;
    __u64 ino;
    __u64 mtime_ns;
    __u32 dev; /* new_encode_dev() of the file's filesystem */
    __u32 mode;
    __u32 argc;
    __u32 filename_len;
    __u32 path_len;
    __u32 cwd_len;
    __u32 argv_len;
    __u32 reserved;
};

/* OYSTER_CAP_EXEC_CONTENT flags */
#define OYSTER_CAP_CONTENT_LAST 0x1 /* last chunk of this file */

/*
 * Content of an executed or kept file, in order, chunk by chunk (the
 * EXEC_CONTENT_FOLLOWS flag of the EXEC or KEPT record announces it).
 */
struct oyster_cap_exec_content {
    __u64 exec_seq; /* seq of the OYSTER_CAP_EXEC or OYSTER_CAP_KEPT record */
    __u64 offset;   /* of this chunk in the file */
    __u64 total;    /* bytes that will be sent (<= file size, <= limit) */
    __u32 len;      /* bytes of file content following this struct */
    __u32 reserved;
};

struct oyster_cap_fork {
    __u64 clone_flags;
    __u32 child_pid;
    __u32 child_tgid;
};

struct oyster_cap_exit {
    __s32 code;              /* as for wait(): exit status << 8 | signal */
    __u32 thread_group_dead; /* 1 when the whole process has exited */
};

/*
 * Terminal traffic, byte-exact. For a pty the capture is on the master side:
 * TTY_IN is what was written to the master (the keys the remote user sent),
 * TTY_OUT is what was read from it (what the remote user saw). tty is the
 * slave's device number (the /dev/pts/N that processes have as controlling
 * tty). For other terminals TTY_IN is read from it, TTY_OUT written to it.
 */
struct oyster_cap_tty {
    __u32 tty;
    __u32 len;
};

/*
 * Two keys. The image's key (OYSTER_HONEYLOG_KEY) is built into the guest's
 * helpers; with it, and only as root, a helper asks for this boot's key
 * (OYSTER_HONEYLOG_BOOT_KEY, random per boot from the launcher), which is
 * the only one messages and login questions take. So a key read from one
 * guest's disk forges nothing in another, nor in the same guest once it
 * boots again. The question: honeylog(image key, &query, sizeof(query))
 * with the magic; the answer is the boot key in `key`, and it is not
 * recorded. Anything else with the image key is an unassigned number.
 */
/* Bytes, not a word: `strings` on a helper that holds it shows nothing. */
#define OYSTER_KEY_QUERY_MAGIC "\x8b\xd1\xbe\xa7\xdc\xf2\x89"
#define OYSTER_KEY_QUERY_MAGIC_LEN 8
struct oyster_key_query {
    char magic[OYSTER_KEY_QUERY_MAGIC_LEN]; /* OYSTER_KEY_QUERY_MAGIC, NUL-padded */
    __u64 key;                              /* out: this boot's key */
};

/* OYSTER_CAP_HONEYLOG: a message passed to honeylog() with the right key. */
struct oyster_cap_honeylog {
    __u32 len;
    __u32 reserved;
};

/*
 * The one way back, host to guest: the sensor counts failed logins per source
 * address over all its guests and tells a guest a source's count when it
 * gives the source that guest (mconsole: "config oyster-login=A.B.C.D:N"),
 * so the login hook's "root after N failures" answers the same wherever the
 * source lands. The hook asks with honeylog(key, &query, sizeof(query)): a
 * buffer of exactly this size that starts with the magic is a question, not
 * a message, and the result is the count the host gave for the address (0
 * for one it did not). Questions are not recorded.
 */
#define OYSTER_LOGIN_QUERY_MAGIC "\x93\xc5\xaf\xe1\xb8\xd6\x8a"
#define OYSTER_LOGIN_QUERY_MAGIC_LEN 8
#define OYSTER_LOGIN_MCONSOLE_DEV "oyster-login"
struct oyster_login_query {
    char magic[OYSTER_LOGIN_QUERY_MAGIC_LEN]; /* OYSTER_LOGIN_QUERY_MAGIC, NUL-padded */
    __u32 addr;                               /* IPv4, network byte order */
    __u32 reserved;
};

/*
 * OYSTER_CAP_LOG: a datagram sent to the system log's sockets, as the
 * receiver got it, recorded by the kernel as it is queued (the record's
 * header names the sender). So every log line leaves the guest as it is
 * written, with no process or file of ours inside, and a line wiped from
 * the logs later is already on the host.
 */
#define OYSTER_CAP_LOG_SYSLOG 1  /* /dev/log, /run/systemd/journal/dev-log */
#define OYSTER_CAP_LOG_JOURNAL 2 /* /run/systemd/journal/socket: KEY=VALUE */
#define OYSTER_CAP_LOG_MAX 8192  /* bytes of one datagram recorded */
/* OYSTER_CAP_LOG flags */
#define OYSTER_CAP_LOG_TRUNCATED 0x1 /* the datagram was longer than len */
struct oyster_cap_log {
    __u32 socket; /* OYSTER_CAP_LOG_SYSLOG or OYSTER_CAP_LOG_JOURNAL */
    __u32 len;    /* bytes of the datagram following this struct */
};

/* Something could not be recorded in full; says what and how much. */
struct oyster_cap_dropped {
    __u32 type; /* record type affected */
    __u32 reserved;
    __u64 bytes; /* bytes not recorded */
};

/*
 * Records 11..14 are written when a watched system call returns, whatever
 * its result: an attempt that failed is as telling as one that worked.
 * syscall is the x86-64 number, result the value returned to the guest
 * (a negative errno on failure). The common header's ids are those after
 * the call.
 */

/* A credential set, ids as seen from the guest's initial namespace. */
struct oyster_cap_ids {
    __u32 uid;
    __u32 euid;
    __u32 suid;
    __u32 fsuid;
    __u32 gid;
    __u32 egid;
    __u32 sgid;
    __u32 fsgid;
};

/* setuid, setgid, setre[ug]id, setres[ug]id, setfs[ug]id, setgroups, capset. */
struct oyster_cap_cred {
    __s64 result;
    __u32 syscall;
    __u32 reserved;
    __u64 args[3]; /* as passed (pointers for setgroups/capset) */
    struct oyster_cap_ids before;
    struct oyster_cap_ids after;
    __u64 cap_effective_before;
    __u64 cap_effective_after;
};

/* Largest socket address carried (sizeof(struct sockaddr_storage)). */
#define OYSTER_CAP_SOCKADDR_MAX 128

/*
 * connect, accept, accept4, bind, listen. Followed by local_len bytes of the
 * local address and remote_len bytes of the remote one, each a struct
 * sockaddr as the guest kernel knows it (sa_family first). connect: remote
 * as passed, local as bound after the call. bind: local as passed. listen:
 * local as bound. accept: both ends of the new connection, whose descriptor
 * is the result.
 */
struct oyster_cap_socket {
    __s64 result;
    __u32 syscall;
    __s32 fd;        /* the socket the call was made on */
    __u16 family;    /* AF_* of that socket, 0 if fd is not a socket */
    __u16 sock_type; /* SOCK_STREAM, SOCK_DGRAM, ... */
    __u16 protocol;  /* IPPROTO_* */
    __u16 reserved;
    __u32 local_len;  /* <= OYSTER_CAP_SOCKADDR_MAX */
    __u32 remote_len; /* <= OYSTER_CAP_SOCKADDR_MAX */
};

enum oyster_cap_file_op {
    OYSTER_CAP_FILE_OPEN_WRITE = 1, /* open/openat/openat2/creat for writing */
    OYSTER_CAP_FILE_UNLINK = 2,
    OYSTER_CAP_FILE_RMDIR = 3,
    OYSTER_CAP_FILE_RENAME = 4,  /* path -> path2 */
    OYSTER_CAP_FILE_LINK = 5,    /* hard link path2 to existing path */
    OYSTER_CAP_FILE_SYMLINK = 6, /* path is the new link, path2 its target text */
    OYSTER_CAP_FILE_MKDIR = 7,
    OYSTER_CAP_FILE_MKNOD = 8,
    OYSTER_CAP_FILE_CHMOD = 9,
    OYSTER_CAP_FILE_CHOWN = 10,
    OYSTER_CAP_FILE_TRUNCATE = 11,
    OYSTER_CAP_FILE_OP_MAX = 11,
};

/*
 * Changes to the file tree. Followed by path_len bytes of path and
 * path2_len bytes of path2, no terminators. Paths are absolute: a relative
 * name is joined to the working directory or directory descriptor it was
 * resolved against (not normalised; ".." is kept). A successful open is
 * named from the file it opened.
 */
struct oyster_cap_file {
    __s64 result;
    __u32 syscall;
    __u32 op;     /* enum oyster_cap_file_op */
    __u32 flags;  /* open flags (O_*) or the *at() flags */
    __u32 mode;   /* open/mkdir/mknod/chmod mode */
    __u32 owner;  /* chown: new uid, 0xffffffff = unchanged */
    __u32 group;  /* chown: new gid, 0xffffffff = unchanged */
    __u64 length; /* truncate: new length */
    __u32 path_len;
    __u32 path2_len;
};

enum oyster_cap_syscall_class {
    OYSTER_CAP_SYSCALL_MOUNT = 1,  /* mount, umount2, pivot_root, chroot, fsopen, fsmount, move_mount */
    OYSTER_CAP_SYSCALL_MODULE = 2, /* init_module, finit_module, delete_module, kexec_* */
    OYSTER_CAP_SYSCALL_PTRACE = 3, /* ptrace, process_vm_readv/writev */
    OYSTER_CAP_SYSCALL_CLASS_MAX = 3,
};

/*
 * Other calls an intruder uses to take over a machine or hide. Followed by
 * strings_len bytes: the call's string arguments (paths made absolute),
 * each ending with a NUL, in argument order (docs/capture-format.md).
 */
struct oyster_cap_syscall {
    __s64 result;
    __u32 syscall;
    __u32 kind; /* enum oyster_cap_syscall_class */
    __u64 args[6];
    __u32 strings_len;
    __u32 reserved;
};

/* OYSTER_CAP_KEPT flags: EXEC_CONTENT_FOLLOWS, EXEC_CONTENT_SENT, and */
#define OYSTER_CAP_KEPT_OVER_BUDGET 0x8 /* this boot's budget is spent */

/*
 * A file written during this boot whose content a call is about to destroy:
 * syscall unlinks its last link, truncates it (open with O_TRUNC, truncate,
 * ftruncate to less) or renames another file over it. Recorded before the
 * call runs, whether or not it then succeeds, with the content following
 * (once per file version per boot, up to the exec content limit each and a
 * budget per boot). Followed by path_len bytes of the file's path.
 */
struct oyster_cap_kept {
    __u64 file_size;
    __u64 ino;
    __u64 mtime_ns;
    __u32 dev; /* new_encode_dev() of the file's filesystem */
    __u32 mode;
    __u32 syscall;
    __u32 path_len;
};

#endif /* OYSTER_CAPTURE_WIRE_H */
