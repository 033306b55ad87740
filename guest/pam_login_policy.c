// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The guest's PAM hook for SSH and telnet logins. It decides every password
 * login by the sensor's policy ([login] in oyster.toml, built in by the image
 * build) and reports each attempt to the host over honeylog(): service, user,
 * password, source address and port, result and the rule that decided.
 *
 * It is the first line of common-auth and, for sshd and login (telnet), the
 * only one that decides: the policy says who gets in from outside, not
 * /etc/shadow. Other services (su, sudo) get PAM_IGNORE and pam_unix.
 * What a guest root can see of it is in docs/personas.md.
 *
 * The policy:
 *   OYSTER_LOGIN_ACCOUNTS        "hex(user):hex(password) ..." pairs that log in
 *   OYSTER_ROOT_AFTER_FAILURES   after this many failures from one address,
 *                                root logs in with the next password tried,
 *                                which from then on is root's password for
 *                                that address alone (0: never)
 * Failures and that password per address are kept in a small root-only
 * file under /run (gone at reboot), locked while read and rewritten. The
 * host counts the failures too, over every guest the address was given, and
 * the count it gave this guest is taken when it is higher (struct
 * oyster_login_query): the rule answers the same wherever a source lands.
 */
#define PAM_SM_AUTH
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <security/pam_modutil.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "honeylog.h"
#include "../src/oyster/capture/login_report.h"

#ifndef OYSTER_LOGIN_ACCOUNTS
#error "build with -DOYSTER_LOGIN_ACCOUNTS=\"hexuser:hexpassword ...\""
#endif
#ifndef OYSTER_ROOT_AFTER_FAILURES
#error "build with -DOYSTER_ROOT_AFTER_FAILURES=N"
#endif

#define TALLY_DIR "/run/faillock"
#define TALLY_FILE TALLY_DIR "/.tally"
#define TALLY_MAX 65536
/* pam_unix's name for a user's failures in a PAM session, and its limit */
#define FAIL_PREFIX "-UN*X-FAIL-"
#define UNIX_MAX_RETRIES 3
/* What OpenSSH passes instead of the password for a user that does not exist. */
#define OPENSSH_BAD_PASSWORD "\b\n\r\177INCORRECT"

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decodes n hex digits into out (cap bytes, NUL added); -1 if malformed. */
static int unhex(const char *hex, size_t n, char *out, size_t cap)
{
	size_t i;

	if (n % 2 || n / 2 >= cap)
		return -1;
	for (i = 0; i < n; i += 2) {
		int hi = hex_digit(hex[i]), lo = hex_digit(hex[i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i / 2] = (char)(hi << 4 | lo);
	}
	out[n / 2] = '\0';
	return 0;
}

static int listed(const char *user, const char *password)
{
	const char *p = OYSTER_LOGIN_ACCOUNTS;
	char u[512], pw[1024];

	while (*p) {
		const char *colon = strchr(p, ':');
		const char *end;

		if (!colon)
			return 0;
		end = colon + strcspn(colon, " ");
		if (unhex(p, (size_t)(colon - p), u, sizeof(u)) == 0 &&
		    unhex(colon + 1, (size_t)(end - colon - 1), pw, sizeof(pw)) == 0 &&
		    strcmp(u, user) == 0 && strcmp(pw, password) == 0)
			return 1;
		p = *end ? end + 1 : end;
	}
	return 0;
}

/* The host's count of rhost's failed logins (0: none, or not an address). */
static unsigned long host_failures(const char *rhost)
{
	struct oyster_login_query q;
	struct in_addr addr;
	long n;

	if (inet_pton(AF_INET, rhost, &addr) != 1)
		return 0;
	memset(&q, 0, sizeof(q));
	memcpy(q.magic, OYSTER_LOGIN_QUERY_MAGIC, sizeof(OYSTER_LOGIN_QUERY_MAGIC));
	q.addr = addr.s_addr;
	n = honeylog(&q, sizeof(q));
	return n > 0 ? (unsigned long)n : 0;
}

/* What the hook knows of one source address. */
struct source {
	unsigned long failures;
	/*
	 * Root's password for this source once root got in after failures
	 * (hex, "" none): from then on it is the only one that works, as on a
	 * real server, so trying another password shows no "any password" rule.
	 */
	char password_hex[2 * 256 + 1];
};

static void hex_encode(const char *s, char *out, size_t cap)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; s[i] && 2 * i + 2 < cap; i++) {
		out[2 * i] = digits[(unsigned char)s[i] >> 4];
		out[2 * i + 1] = digits[(unsigned char)s[i] & 15];
	}
	out[2 * i] = '\0';
}

/*
 * Reads rhost's record into *src; with add, one more failure is recorded
 * first; with remember, root's password for it. The file holds "address
 * failures [hex-password]" lines; it is bounded, and the oldest lines go
 * when it is full.
 */
static void source_record(const char *rhost, int add, const char *remember,
			  struct source *src)
{
	static char buf[TALLY_MAX + 1], out[TALLY_MAX + 1024];
	unsigned long from_host;
	size_t used = 0, len = 0, i;
	char *line, *save, host[65];
	ssize_t n;
	int fd;

	memset(src, 0, sizeof(*src));
	/*
	 * The line's key: at most 64 bytes, no spaces or control characters
	 * (telnetd passes login a name that may come from a hostile PTR record).
	 */
	for (i = 0; rhost[i] && i < sizeof(host) - 1; i++)
		host[i] = (rhost[i] > ' ' && rhost[i] < 0x7f) ? rhost[i] : '_';
	host[i] = '\0';

	mkdir(TALLY_DIR, 0755);
	fd = open(TALLY_FILE, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return;
	if (flock(fd, LOCK_EX) != 0)
		goto out;
	while (len < TALLY_MAX &&
	       (n = read(fd, buf + len, TALLY_MAX - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *count = strchr(line, ' '), *password;

		if (!count)
			continue;
		*count++ = '\0';
		if (strcmp(line, host) == 0) {
			src->failures = strtoul(count, &password, 10);
			if (*password == ' ' &&
			    strlen(password + 1) < sizeof(src->password_hex) &&
			    strspn(password + 1, "0123456789abcdef") ==
				    strlen(password + 1))
				strcpy(src->password_hex, password + 1);
			continue;
		}
		if (used + strlen(line) + strlen(count) + 2 < TALLY_MAX)
			used += (size_t)snprintf(out + used, sizeof(out) - used,
						 "%s %s\n", line, count);
	}
	from_host = host_failures(rhost);
	if (from_host > src->failures)
		src->failures = from_host;
	if (add || remember) {
		if (add)
			src->failures++;
		if (remember)
			hex_encode(remember, src->password_hex,
				   sizeof(src->password_hex));
		/* Full: keep the newest half. */
		if (used > TALLY_MAX / 2) {
			char *cut = strchr(out + used - TALLY_MAX / 2, '\n');

			if (cut) {
				used -= (size_t)(cut + 1 - out);
				memmove(out, cut + 1, used);
			}
		}
		used += (size_t)snprintf(out + used, sizeof(out) - used,
					 "%s %lu%s%s\n", host, src->failures,
					 *src->password_hex ? " " : "",
					 src->password_hex);
		if (ftruncate(fd, 0) == 0)
			n = pwrite(fd, out, used, 0);
	}
out:
	close(fd);
}

/*
 * Root's login by the failures rule: the password root got in with from
 * host before is the only one; with none yet, any password once host has
 * failed OYSTER_ROOT_AFTER_FAILURES times, and it is remembered.
 */
static int root_by_failures(const char *host, const char *password,
			    const char **reason)
{
	struct source src;
	char tried[sizeof(src.password_hex)];

	source_record(host, 0, NULL, &src);
	if (*src.password_hex) {
		hex_encode(password, tried, sizeof(tried));
		if (strcmp(tried, src.password_hex) == 0) {
			*reason = "root after failures";
			return 1;
		}
		*reason = "not this source's root password";
		return 0;
	}
	/* "+ 1 >": no always-true warning when built with 0 */
	if (src.failures + 1 > (unsigned long)OYSTER_ROOT_AFTER_FAILURES) {
		source_record(host, 0, password, &src);
		*reason = "root after failures";
		return 1;
	}
	*reason = "not in policy";
	return 0;
}

/* The peer port of our connection to host, if we hold it (sshd does). */
static unsigned peer_port(const char *host)
{
	struct sockaddr_storage ss;
	char addr[INET6_ADDRSTRLEN];
	int fd;

	for (fd = 0; fd < 256; fd++) {
		socklen_t sl = sizeof(ss);

		if (getpeername(fd, (struct sockaddr *)&ss, &sl) != 0)
			continue;
		if (ss.ss_family == AF_INET) {
			struct sockaddr_in *in = (struct sockaddr_in *)&ss;

			if (inet_ntop(AF_INET, &in->sin_addr, addr, sizeof(addr)) &&
			    strcmp(addr, host) == 0)
				return ntohs(in->sin_port);
		} else if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

			if (inet_ntop(AF_INET6, &in6->sin6_addr, addr, sizeof(addr)) &&
			    strcmp(addr, host) == 0)
				return ntohs(in6->sin6_port);
		}
	}
	return 0;
}

static size_t put(char *msg, size_t used, size_t cap, const char *s, size_t max)
{
	size_t n = 0;

	/* Not strnlen: GCC 12 takes max for the size of a shorter literal. */
	while (n < max && s[n])
		n++;

	if (used + n + 1 > cap)
		return used;
	memcpy(msg + used, s, n);
	msg[used + n] = '\0';
	return used + n + 1;
}

static void report(const char *service, const char *user, const char *password,
		   const char *host, unsigned port, int accepted,
		   const char *reason)
{
	char msg[OYSTER_HONEYLOG_MAX];
	char port_text[8];
	size_t used = 0;

	snprintf(port_text, sizeof(port_text), "%u", port);
	used = put(msg, used, sizeof(msg), OYSTER_LOGIN_REPORT_MAGIC, 16);
	used = put(msg, used, sizeof(msg), service, 32);
	used = put(msg, used, sizeof(msg), user, 256);
	used = put(msg, used, sizeof(msg), password, 1024);
	used = put(msg, used, sizeof(msg), host, 64);
	used = put(msg, used, sizeof(msg), port_text, 8);
	used = put(msg, used, sizeof(msg), accepted ? "accepted" : "rejected", 16);
	used = put(msg, used, sizeof(msg), reason, 64);
	honeylog(msg, used);
}

/*
 * The log lines pam_unix writes for failed passwords, which sshd and login
 * never reach past the hook: "check pass; user unknown" before each failure
 * of a user that does not exist, "authentication failure" with who and
 * from where at a session's first, and when the session ends how many more
 * there were. An admin reading auth.log, or fail2ban, then finds today's
 * failures written as the machine's past has them (disguise/lived_in.cpp).
 */
struct failures {
	int count;
	int uid;
	int euid;
	char logname[64];
	char user[256];
};

static const char *item_text(pam_handle_t *pamh, int type)
{
	const void *item = NULL;

	if (pam_get_item(pamh, type, &item) != PAM_SUCCESS || !item)
		return "";
	return item;
}

/* Called by pam_end (or when replaced, silently), as pam_unix's is. */
static void failures_end(pam_handle_t *pamh, void *data, int status)
{
	struct failures *f = data;
	const char *service;

	if (f && !(status & (PAM_DATA_REPLACE | PAM_DATA_SILENT)) &&
	    f->count > 1) {
		service = item_text(pamh, PAM_SERVICE);
		syslog(LOG_AUTHPRIV | LOG_NOTICE,
		       "PAM %d more authentication failure%s; logname=%s uid=%d euid=%d tty=%s ruser=%s rhost=%s %s%s",
		       f->count - 1, f->count == 2 ? "" : "s", f->logname,
		       f->uid, f->euid, item_text(pamh, PAM_TTY),
		       item_text(pamh, PAM_RUSER), item_text(pamh, PAM_RHOST),
		       f->user[0] ? " user=" : "", f->user);
		if (f->count > UNIX_MAX_RETRIES)
			syslog(LOG_AUTHPRIV | LOG_NOTICE,
			       "PAM service(%s) ignoring max retries; %d > %d",
			       service[0] ? service : "**unknown**", f->count,
			       UNIX_MAX_RETRIES);
	}
	free(f);
}

/* The PAM data a user's failures are kept under, as pam_unix names it. */
static void failures_key(char *name, size_t size, const char *user)
{
	snprintf(name, size, FAIL_PREFIX "%s", user);
}

static void log_failure(pam_handle_t *pamh, const char *service,
			const char *user, int known)
{
	char name[sizeof(FAIL_PREFIX) + 256];
	const void *old = NULL;
	const char *logname;
	struct failures *f;

	if (!known)
		syslog(LOG_AUTHPRIV | LOG_NOTICE,
		       "pam_unix(%s:auth): check pass; user unknown", service);
	f = calloc(1, sizeof(*f));
	if (!f)
		return;
	logname = pam_modutil_getlogin(pamh);
	snprintf(f->logname, sizeof(f->logname), "%s", logname ? logname : "");
	snprintf(f->user, sizeof(f->user), "%s", known ? user : "");
	f->uid = (int)getuid();
	f->euid = (int)geteuid();
	failures_key(name, sizeof(name), user);
	if (pam_get_data(pamh, name, &old) == PAM_SUCCESS && old) {
		f->count = ((const struct failures *)old)->count + 1;
	} else {
		syslog(LOG_AUTHPRIV | LOG_NOTICE,
		       "pam_unix(%s:auth): authentication failure; logname=%s uid=%d euid=%d tty=%s ruser=%s rhost=%s %s%s",
		       service, f->logname, f->uid, f->euid,
		       item_text(pamh, PAM_TTY), item_text(pamh, PAM_RUSER),
		       item_text(pamh, PAM_RHOST), f->user[0] ? " user=" : "",
		       f->user);
		f->count = 1;
	}
	if (pam_set_data(pamh, name, f, failures_end) != PAM_SUCCESS)
		free(f);
}

/* A login clears the session's failures without a word, as pam_unix's does. */
static void forget_failures(pam_handle_t *pamh, const char *user)
{
	char name[sizeof(FAIL_PREFIX) + 256];

	failures_key(name, sizeof(name), user);
	pam_set_data(pamh, name, NULL, failures_end);
}

PAM_EXTERN int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc,
				   const char **argv)
{
	const char *user = NULL, *password = NULL, *service = NULL;
	const void *item = NULL;
	const char *host = "", *reason;
	struct source src;
	int accepted = 0, known;

	(void)flags;
	(void)argc;
	(void)argv;
	/*
	 * Only logins from outside follow the policy. su, sudo and the rest
	 * fall through to pam_unix and the shadow passwords, as on any box.
	 */
	if (pam_get_item(pamh, PAM_SERVICE, &item) != PAM_SUCCESS || !item)
		return PAM_IGNORE;
	service = item;
	if (strcmp(service, "sshd") != 0 && strcmp(service, "login") != 0)
		return PAM_IGNORE;
	/* A failure takes as long as pam_unix makes it (about 2 s). */
	pam_fail_delay(pamh, 2000000);
	if (pam_get_user(pamh, &user, NULL) != PAM_SUCCESS || !user)
		return PAM_AUTH_ERR;
	if (pam_get_item(pamh, PAM_RHOST, &item) == PAM_SUCCESS && item)
		host = item;
	if (pam_get_authtok(pamh, PAM_AUTHTOK, &password, NULL) != PAM_SUCCESS ||
	    !password)
		password = "";
	known = getpwnam(user) != NULL;
	if (!known) {
		reason = "no such user";
		/* OpenSSH never shows PAM the password of an unknown user. */
		if (strcmp(password, OPENSSH_BAD_PASSWORD) == 0) {
			password = "";
			reason = "no such user (password withheld by sshd)";
		}
	} else if (listed(user, password)) {
		accepted = 1;
		reason = "listed account";
	} else if (OYSTER_ROOT_AFTER_FAILURES > 0 && strcmp(user, "root") == 0) {
		accepted = root_by_failures(host, password, &reason);
	} else {
		reason = "not in policy";
	}
	if (!accepted && OYSTER_ROOT_AFTER_FAILURES > 0)
		source_record(host, 1, NULL, &src);
	report(service, user, password, host, peer_port(host),
	       accepted, reason);
	if (accepted)
		forget_failures(pamh, user);
	else
		log_failure(pamh, service, user, known);
	return accepted ? PAM_SUCCESS : PAM_AUTH_ERR;
}

PAM_EXTERN int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc,
			      const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}
