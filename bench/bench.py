#!/usr/bin/env python3
"""Times CPU-bound workloads from the Debian i386 root filesystem natively
(chroot), under qemu-i386 and under x86run, in one run, and prints for each
workload the ratios x86run/native and x86run/qemu, their geometric means and
peak RSS. A benchmark, not a test: it never fails on speed.

Usage: bench/bench.py [--x86run PATH] [--rootfs DIR] [--runs N] [--only NAME...]
                      [--clock cpu|wall]
"""
import argparse
import math
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

PY_LOOP = (
    "def fib(n):\n"
    "    return n if n < 2 else fib(n - 1) + fib(n - 2)\n"
    "s = 0\n"
    "for i in range(300000):\n"
    "    s = (s * 31 + i) % 1000003\n"
    "print(s, fib(22))\n"
)
LUA_LOOP = (
    "local s = 0 "
    "for i = 1, 2000000 do s = (s * 31 + i) % 1000003 end "
    "local function fib(n) if n < 2 then return n end return fib(n-1) + fib(n-2) end "
    "print(s, fib(24))"
)
SQL = (
    "create table t(a integer primary key, b text, c integer);"
    "with recursive n(x) as (select 1 union all select x+1 from n where x < 20000)"
    " insert into t select x, hex(x*7919), x % 97 from n;"
    "create index tc on t(c);"
    "select count(*), sum(a) from t where c = 13;"
    "select c, count(*) from t group by c order by 2 desc, 1 limit 3;"
)
BASH_LOOP = "s=0; for ((i=0; i<20000; i++)); do s=$(( (s*31 + i) % 1000003 )); done; echo $s"

# name -> (argv inside the root filesystem, stdin file or None)
WORKLOADS = {
    "startup-true": (["/bin/true"], None),
    "python3": (["/usr/bin/python3", "-S", "-c", PY_LOOP], None),
    "lua5.4": (["/usr/bin/lua5.4", "-e", LUA_LOOP], None),
    "xz": (["/usr/bin/xz", "-6", "-c", "/tmp/x86run-bench/input"], None),
    "bzip2": (["/bin/bzip2", "-9", "-c", "/tmp/x86run-bench/input"], None),
    "sqlite3": (["/usr/bin/sqlite3", ":memory:", SQL], None),
    "bash": (["/bin/bash", "-c", BASH_LOOP], None),
}


def make_input(rootfs):
    """A deterministic, compressible 3 MiB text file, placed in the rootfs."""
    d = os.path.join(rootfs, "tmp", "x86run-bench")
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "input")
    if not os.path.exists(path):
        words = [b"alpha", b"beta", b"gamma", b"delta", b"x86", b"run", b"emulator", b"kernel"]
        x = 12345
        out = bytearray()
        while len(out) < 3 << 20:
            x = (x * 1103515245 + 12345) & 0x7FFFFFFF
            out += words[x % len(words)] + (b"\n" if x % 11 == 0 else b" ")
        with open(path, "wb") as f:
            f.write(out)
    return path


CLOCK = "cpu"


def run_rss(cmd):
    """Runs cmd with os.wait4 to get its own peak RSS; returns (seconds, KiB,
    stdout). The seconds are the child's CPU time (user + system) with the
    default `--clock cpu`, which other load on a shared machine disturbs far
    less than wall-clock time; `--clock wall` measures elapsed time."""
    r, w = os.pipe()
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        os.dup2(w, 1)
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 0)
        os.dup2(devnull, 2)
        try:
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)
    os.close(w)
    chunks = []
    while True:
        b = os.read(r, 65536)
        if not b:
            break
        chunks.append(b)
    os.close(r)
    _, status, ru = os.wait4(pid, 0)
    dt = time.perf_counter() - t0
    if CLOCK == "cpu":
        dt = ru.ru_utime + ru.ru_stime
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])} ... exited with {code}")
    return dt, ru.ru_maxrss, b"".join(chunks)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--x86run", default=os.path.join(REPO, "target", "release", "x86run"))
    ap.add_argument("--rootfs", default=os.environ.get("X86RUN_ROOTFS") or os.path.expanduser("~/.cache/x86run/rootfs-i386"))
    ap.add_argument("--runs", type=int, default=3, help="best of N runs")
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--clock", choices=["cpu", "wall"], default="cpu", help="CPU time of the run (default) or elapsed time")
    args = ap.parse_args()
    global CLOCK
    CLOCK = args.clock
    rootfs = os.path.abspath(args.rootfs)
    if not os.path.exists(os.path.join(rootfs, "bin", "true")):
        sys.exit(f"bench: no root filesystem at {rootfs} (run scripts/mkrootfs-i386.sh)")
    if not os.path.exists(args.x86run):
        sys.exit(f"bench: no x86run at {args.x86run} (cargo build --release)")
    qemu = shutil.which("qemu-i386")
    make_input(rootfs)
    runners = {
        "native": lambda argv: ["chroot", rootfs] + argv,
        "x86run": lambda argv: [args.x86run, "-L", rootfs] + argv,
    }
    if qemu:
        runners["qemu"] = lambda argv: [qemu, "-L", rootfs, rootfs + argv[0]] + argv[1:]
    names = args.only or list(WORKLOADS)
    rows = []
    print(f"times: {CLOCK} seconds, best of {args.runs}")
    print(f"{'workload':14} {'native s':>9} {'qemu s':>9} {'x86run s':>9} {'x/native':>9} {'x/qemu':>8} {'RSS nat':>8} {'RSS x86':>8}")
    for name in names:
        argv, _ = WORKLOADS[name]
        res = {who: None for who in runners}
        outputs = {}
        failed = set()
        # The runners take turns run by run, so that a noisy spell on a
        # shared machine hits them alike.
        for _ in range(args.runs):
            for who, mk in runners.items():
                if who in failed:
                    continue
                try:
                    dt, rss, out = run_rss(mk(argv))
                except RuntimeError as e:
                    print(f"  {name}: {who} failed: {e}")
                    failed.add(who)
                    res[who] = None
                    continue
                if res[who] is None or dt < res[who][0]:
                    res[who] = (dt, rss)
                outputs[who] = out
        same = len(set(outputs.values())) <= 1
        n, q, x = res.get("native"), res.get("qemu"), res.get("x86run")
        fmt = lambda v: f"{v[0]:9.3f}" if v else f"{'-':>9}"
        rn = x[0] / n[0] if x and n else None
        rq = x[0] / q[0] if x and q else None
        rows.append((name, rn, rq))
        rn_s = f"{rn:9.2f}" if rn else f"{'-':>9}"
        rq_s = f"{rq:8.2f}" if rq else f"{'-':>8}"
        rss_n = f"{n[1] // 1024}M" if n else "-"
        rss_x = f"{x[1] // 1024}M" if x else "-"
        print(
            f"{name:14} {fmt(n)} {fmt(q)} {fmt(x)} {rn_s} {rq_s} {rss_n:>8} {rss_x:>8}"
            + ("" if same else "  OUTPUT DIFFERS")
        )
    def geo(vals):
        vals = [v for v in vals if v]
        return math.exp(sum(map(math.log, vals)) / len(vals)) if vals else float("nan")
    print(f"geometric mean x86run/native: {geo(r[1] for r in rows):.2f}   x86run/qemu: {geo(r[2] for r in rows):.2f}")


if __name__ == "__main__":
    main()
