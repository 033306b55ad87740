#!/usr/bin/env python3
"""A telnet session as a Mirai-family loader runs it, for the integration
tests: from SOURCE to HOST:23, log in as root with PASSWORD, send each
COMMAND a line at a time and read to the next root prompt, then leave.
Prints the whole session; fails if a prompt does not come.

Usage: telnet_session.py SOURCE HOST PASSWORD COMMAND...
"""
import socket
import sys
import telnetlib


def main():
    src, host, password, *commands = sys.argv[1:]
    tn = telnetlib.Telnet()
    tn.host, tn.port = host, 23
    tn.sock = socket.create_connection((host, 23), timeout=60, source_address=(src, 0))
    out = tn.read_until(b"login: ", 60)
    tn.write(b"root\r\n")
    out += tn.read_until(b"Password: ", 30)
    tn.write(password.encode() + b"\r\n")
    out += tn.read_until(b"# ", 30)
    for command in commands:
        tn.write(command.encode() + b"\r\n")
        got = tn.read_until(b"# ", 30)
        out += got
        if not got.endswith(b"# "):
            sys.stdout.write(out.decode(errors="replace"))
            sys.exit(f"no prompt after {command!r}")
    # Every shell the commands started, then the login shell.
    tn.write(b"exit\r\n" * (1 + sum(c in ("sh", "ash", "bash") for c in commands)))
    out += tn.read_all()
    sys.stdout.write(out.decode(errors="replace"))


main()
