#!/usr/bin/env python3
"""Times syscall-heavy i386 work (bench/syscall_work.c, built with
gcc -m32 -static) natively, under qemu-i386, and under x86run with both
system-call back ends (--backend compat and --backend translate), in one
run, and prints each one's time ratio to native. A benchmark, never a test.

Usage: bench/syscalls.py [--x86run PATH] [--runs N]
"""
import argparse
import os
import shutil
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def best(cmd, runs):
    t = None
    out = None
    for _ in range(runs):
        t0 = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True)
        dt = time.perf_counter() - t0
        if p.returncode != 0:
            raise RuntimeError(f"{cmd[0]} exited {p.returncode}: {p.stderr[-300:]!r}")
        t = dt if t is None else min(t, dt)
        out = p.stdout
    return t, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--x86run", default=os.path.join(REPO, "target", "release", "x86run"))
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="x86run-sysbench-")
    exe = os.path.join(work, "syscall_work")
    subprocess.run(["gcc", "-m32", "-static", "-O2", "-o", exe, os.path.join(HERE, "syscall_work.c")], check=True)
    runners = {"native": []}
    if shutil.which("qemu-i386"):
        runners["qemu"] = [shutil.which("qemu-i386")]
    runners["compat"] = [args.x86run, "--backend", "compat"]
    runners["translate"] = [args.x86run, "--backend", "translate"]
    print(f"{'workload':10} " + " ".join(f"{w + ' s':>12}" for w in runners) + "   compat/native translate/native compat/qemu translate/qemu")
    for what in ["files", "pingpong", "getdents"]:
        d = tempfile.mkdtemp(dir=work)
        res, outs = {}, set()
        for who, pre in runners.items():
            try:
                res[who], out = best(pre + [exe, what, d], args.runs)
                outs.add(out)
            except RuntimeError as e:
                print(f"  {what}: {who} failed: {e}")
        r = lambda a, b: f"{res[a] / res[b]:9.2f}" if a in res and b in res else f"{'-':>9}"
        print(f"{what:10} " + " ".join(f"{res.get(w, float('nan')):12.3f}" for w in runners)
              + f"   {r('compat', 'native')} {r('translate', 'native')} {r('compat', 'qemu')} {r('translate', 'qemu')}"
              + ("" if len(outs) <= 1 else "  OUTPUT DIFFERS"))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
