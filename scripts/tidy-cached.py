#!/usr/bin/env python3
"""clang-tidy over the project's sources, skipping those already found clean.

A source is clean for a key made of everything its result depends on: the
clang-tidy version (without the host CPU its --version names), .clang-tidy,
its compile command (less where its object goes), its own content and that
of every project header it includes (as the build's depfiles list them),
paths taken relative to the checkout and the build directory so that the
key is the same wherever the checkout lives and whatever machine runs it.
Keys of clean sources are kept as empty files under the cache directory
(/var/cache/oyster/tidy by default, outside the checkout), so a run after a
small change checks only what the change can affect.

A new machine has no cache: a full run takes some 18 minutes on two cores,
most of CI's budget. So the checkout carries the keys its sources had when
they were last all found clean (scripts/tidy-clean.keys, written by
`--record`, i.e. `make tidy-record`, before a commit): a source whose key is
there is clean, and a clean clone checks only what changed since that
record. A key names content, never a file, so a stale record costs time,
not checking; an empty one makes a full run.

Usage: tidy-cached.py BUILD_DIR [--cache DIR] [--known FILE] [--record] [--jobs N] SOURCE...
"""
import argparse
import concurrent.futures
import hashlib
import json
import os
import shlex
import subprocess
import sys
import time


def project_headers(build_dir, root):
    """Object file -> the project files it was compiled from (ninja's deps)."""
    out = subprocess.run(["ninja", "-C", build_dir, "-t", "deps"], check=True, capture_output=True, text=True).stdout
    deps, current = {}, None
    for line in out.splitlines():
        if line and not line[0].isspace():
            current = line.split(":", 1)[0]
            deps[current] = []
        elif current and line.strip():
            path = os.path.realpath(os.path.join(build_dir, line.strip()))
            if path.startswith(root + os.sep):
                deps[current].append(path)
    return deps


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build_dir")
    ap.add_argument("sources", nargs="+")
    ap.add_argument("--cache", default="/var/cache/oyster/tidy")
    ap.add_argument("--known", default="scripts/tidy-clean.keys", help="keys found clean, carried in the checkout")
    ap.add_argument("--record", action="store_true", help="when all are clean, write their keys to --known")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    root = os.path.realpath(os.getcwd())
    build = os.path.realpath(args.build_dir)

    # Without the "Host CPU:" line: it names the machine's processor, not the
    # checks, and made every key differ on a machine of another CPU model,
    # so that a clean clone re-checked every source.
    version = subprocess.run(["clang-tidy", "--version"], check=True, capture_output=True, text=True).stdout
    version = "".join(line for line in version.splitlines(keepends=True) if "Host CPU" not in line)
    with open(os.path.join(root, ".clang-tidy"), "rb") as f:
        config = f.read()
    with open(os.path.join(build, "compile_commands.json")) as f:
        commands = {os.path.realpath(os.path.join(c["directory"], c["file"])): c for c in json.load(f)}
    by_source = {}
    for obj, files in project_headers(build, root).items():
        if files:
            by_source.setdefault(files[0], set()).update(files)

    def key(source):
        h = hashlib.sha256()
        h.update(version.encode())
        h.update(config)
        cmd = commands[source]
        command = cmd.get("arguments") or shlex.split(cmd.get("command", ""))
        # Without where the object and its dependency file go (-o, -MT, -MF):
        # they change when a source moves to another library target, and
        # clang-tidy's findings do not depend on them.
        kept, skip = [], False
        for word in command:
            if skip:
                skip = False
            elif word in ("-o", "-MT", "-MF"):
                skip = True
            else:
                kept.append(word)
        h.update(" ".join(kept).replace(build, "<build>").replace(root, "<root>").encode())
        for path in sorted(by_source.get(source, {source}) | {source}):
            h.update(os.path.relpath(path, root).encode())
            with open(path, "rb") as f:
                h.update(hashlib.sha256(f.read()).digest())
        return h.hexdigest()

    os.makedirs(args.cache, exist_ok=True)
    known = set()
    if os.path.exists(args.known):
        with open(args.known) as f:
            known = {line.split()[0] for line in f if line.strip() and not line.startswith("#")}
    keys, todo = {}, []
    for s in args.sources:
        src = os.path.realpath(s)
        if src not in commands:
            sys.exit(f"tidy: {s} is not in {build}/compile_commands.json")
        k = keys[s] = key(src)
        if not os.path.exists(os.path.join(args.cache, k)) and k not in known:
            todo.append((s, k))
    print(f"tidy: {len(args.sources) - len(todo)} of {len(args.sources)} sources unchanged since found clean "
          f"({args.cache}, {args.known}); checking {len(todo)} on {args.jobs} cores", flush=True)

    def run(item):
        s, k = item
        t = time.monotonic()
        p = subprocess.run(["clang-tidy", "-p", build, "--quiet", s], capture_output=True, text=True)
        return s, k, p.returncode, p.stdout + p.stderr, time.monotonic() - t

    failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for s, k, rc, out, secs in pool.map(run, todo):
            if rc == 0:
                open(os.path.join(args.cache, k), "w").close()
                print(f"tidy: {s} clean ({secs:.0f} s)", flush=True)
            else:
                failed += 1
                print(f"tidy: {s} FAILED\n{out}", flush=True)
    if failed:
        sys.exit(f"tidy: {failed} sources with findings")
    if args.record:
        with open(args.known, "w") as f:
            f.write("# clang-tidy keys of the sources when last all found clean: scripts/tidy-cached.py --record\n")
            for s in sorted(keys):
                f.write(f"{keys[s]} {os.path.relpath(os.path.realpath(s), root)}\n")
        print(f"tidy: recorded {len(keys)} clean keys in {args.known}", flush=True)


if __name__ == "__main__":
    main()
