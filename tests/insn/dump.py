#!/usr/bin/env python3
"""Decodes an instruction-test program's output next to its full inputs.

    dump.py OUTFILE PROGRAM [FORM-SUBSTRING]

OUTFILE is the program's stdout (native or x86run).  Prints one line per
case: the form, the input GPRs/flags/memory and the output GPRs/flags/path.
`records(outfile, program)` is also usable from other scripts.
"""
import sys
import os

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen  # noqa: E402


def records(path, name):
    prog = gen.build(name)
    data = open(path, "rb").read()
    W = prog.w
    off = 0
    for f in prog.forms:
        rec = W * (prog.nregs + 3) + (gen.SCRATCH if f.dump else 0)
        for c in f.cases:
            r = data[off:off + rec]
            off += rec
            if len(r) < rec:
                return
            words = [int.from_bytes(r[k:k + W], "little") for k in range(0, W * (prog.nregs + 3), W)]
            out = {"regs": words[1:1 + prog.nregs], "flags": words[1 + prog.nregs], "path": words[2 + prog.nregs],
                   "mem": r[W * (prog.nregs + 3):]}
            yield prog, f, c, out


def main():
    path, name = sys.argv[1], sys.argv[2]
    sub = sys.argv[3] if len(sys.argv) > 3 else ""
    for prog, f, c, o in records(path, name):
        if sub and sub not in f.name:
            continue
        names = gen.REGS64 if prog.bits == 64 else gen.REGS32
        ins = " ".join("%s=%s" % (names[k], gen.hexs(c.regs[k])) for k in range(prog.nregs) if k != 4)
        outs = " ".join("%s=%x" % (names[k], o["regs"][k]) for k in range(prog.nregs)
                        if not isinstance(c.regs[k], int) or o["regs"][k] != c.regs[k] & gen.mask(prog.w))
        print("%s | fl=%s %s m0=%s | -> fl=%s %s path=%d" % (f.name, gen.flag_str(c.flags), ins, gen.hexs(c.mem[0]),
                                                          gen.flag_str(o["flags"]), outs, o["path"]))


if __name__ == "__main__":
    main()
