# The guest's one helper holds this platform's honeylog key (it asks the
# kernel, as root, for each boot's key: docs/capture-format.md). Log lines
# need none: the kernel records what is sent to the log's sockets, and
# rsyslog keeps Debian's configuration.
r="$OYSTER_IMAGE_ROOTFS"
case "$OYSTER_HONEYLOG_KEY" in
	[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]) ;;
	*) echo "OYSTER_HONEYLOG_KEY must be 16 hex digits" >&2; exit 1 ;;
esac

# The login hook (guest/pam_login_policy.c): decides SSH and telnet password
# logins by the sensor's policy and reports every attempt. Built with the
# policy in it, so no policy file lies in the guest; docs/personas.md says
# what a guest root can see.
spec="$OYSTER_IMAGE_SPEC"
hex() { od -An -v -tx1 | tr -d ' \n'; }
accounts=""
n=$(jq -r '.login.accounts | length' "$spec")
for ((i = 0; i < n; i++)); do
	u=$(jq -j ".login.accounts[$i].user" "$spec" | hex)
	p=$(jq -j ".login.accounts[$i].password" "$spec" | hex)
	accounts+="${accounts:+ }$u:$p"
done
root_after=$(jq -r '.login.root_after_failures' "$spec")
case "$root_after" in '' | *[!0-9]*) echo "spec: login.root_after_failures is not a number" >&2; exit 1 ;; esac
security="$r/usr/lib/x86_64-linux-gnu/security"
module=pam_unix_auth.so
make -s -C "$OYSTER_SOURCE_DIR/guest" KEY="0x$OYSTER_HONEYLOG_KEY" ACCOUNTS="$accounts" ROOT_AFTER="$root_after" \
	PAM_MODULE="$module" OUT="$security" pam
chown root:root "$security/$module"
chmod 0600 "$security/$module"
# Owned as its neighbours are: listed in libpam-modules' files (as dpkg
# names them in bookworm, under /lib) with its checksum, so `dpkg -S` names
# that package and `dpkg --verify` finds nothing; dated as pam_unix.so is.
info="$r/var/lib/dpkg/info/libpam-modules:amd64"
path="/lib/x86_64-linux-gnu/security/$module"
[ -f "$info.list" ] && [ -f "$info.md5sums" ] || { echo "the image has no libpam-modules to own $module" >&2; exit 1; }
grep -qxF "$path" "$info.list" || echo "$path" >> "$info.list"
grep -vF "  ${path#/}" "$info.md5sums" > "$info.md5sums.new" || true
echo "$(md5sum < "$security/$module" | cut -d' ' -f1)  ${path#/}" >> "$info.md5sums.new"
mv "$info.md5sums.new" "$info.md5sums"
chmod 0644 "$info.md5sums"
touch -r "$security/pam_unix.so" "$security/$module"
# First in common-auth. For sshd and login it is the only line that decides:
# success jumps over Debian's pam_unix and pam_deny onto its pam_permit (a
# jump alone leaves the stack undecided, which PAM counts as failure), a
# failure ends the stack. For other services (su, sudo) it answers "ignore"
# and Debian's lines decide as usual.
if ! grep -q "$module" "$r/etc/pam.d/common-auth"; then
	sed -i "0,/^auth/s//auth\t[success=2 ignore=ignore default=die]\t$module\nauth/" "$r/etc/pam.d/common-auth"
fi
next3=$(grep '^auth' "$r/etc/pam.d/common-auth" | sed -n 2,4p | grep -o 'pam_[a-z0-9_]*\.so' | tr '\n' ' ')
[ "$next3" = "pam_unix.so pam_deny.so pam_permit.so " ] ||
	{ echo "common-auth: the hook is not followed by Debian's pam_unix, pam_deny, pam_permit:" >&2; cat "$r/etc/pam.d/common-auth" >&2; exit 1; }
