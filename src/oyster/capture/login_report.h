/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The login report: a honeylog() message the guest's PAM hook
 * (guest/pam_login_policy.c) sends for every SSH or telnet login attempt,
 * and the host decoder turns into a "login" event. Shared by both, in C.
 *
 * Layout: OYSTER_LOGIN_REPORT_MAGIC, then OYSTER_LOGIN_REPORT_FIELDS fields,
 * each ending with a NUL, in this order:
 *   service   PAM service ("sshd", "login")
 *   user      as typed, at most 256 bytes
 *   password  as typed, at most 1024 bytes; empty when sshd withheld it
 *   host      source address (PAM_RHOST)
 *   port      source port in decimal, "0" when unknown
 *   result    "accepted" or "rejected"
 *   reason    which rule decided
 * A guest root holding the key can send one too: the host treats every byte
 * as hostile, like any capture record.
 */
#ifndef OYSTER_LOGIN_REPORT_H
#define OYSTER_LOGIN_REPORT_H

#define OYSTER_LOGIN_REPORT_MAGIC "\001login"
#define OYSTER_LOGIN_REPORT_FIELDS 7

#endif
