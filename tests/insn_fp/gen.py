#!/usr/bin/env python3
"""Generator for the floating-point instruction tests (tests/insn_fp).

Writes freestanding assembly programs (GNU as, Intel syntax, no libc: only
the write and exit_group system calls) that execute one x87/MMX/SSE
instruction form on many input states and write one binary record per case
to stdout.  The same program runs natively and under x86run; the Rust test
(crates/x86run/tests/insn_fp.rs) demands byte-identical output.  A `.meta`
file next to each program names every form and case for readable diffs.

Usage:  gen.py OUTDIR PROGRAM...     (writes OUTDIR/PROGRAM.s and .meta)
        gen.py --list                (lists the program names)

Case input (IN_SIZE bytes, all little-endian):
      0  FSAVE image (108 bytes, 32-bit protected-mode layout) for FRSTOR:
         control/status/tag words and the eight registers in ST order
    112  MXCSR            116  EFLAGS
    120  rax, rcx, rdx, rbx (8 bytes each; low halves in 32-bit programs)
    160  xmm0..xmm7 (16 bytes each)
    288  64 bytes copied to the memory operand area `memop` (16-aligned)
Case output (OUT_SIZE bytes): FNSAVE image (108; FNSAVE also re-inits the
FPU, so no exception stays pending), MXCSR at 112, EFLAGS at 116 (arithmetic
flags only), rax/rcx/rdx/rbx at 120, xmm0..7 at 160, memop at 288.

The driver loads a case with FRSTOR, LDMXCSR, MOVDQU and POPF, jumps to the
form's code (the instruction under test, then `jmp save`), and saves with
FNSAVE, PUSHF, STMXCSR, MOVDQU.  Unmasked x87 exceptions are tested by
looking at the status word FNSAVE stores (it does not wait), never by
taking the #MF.
"""

import os
import random
import struct
import sys

IN_SIZE = 352
OUT_SIZE = 352
MEMOP = 64

# ---------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------


def f80(se, m):
    return (se & 0xFFFF, m & (2**64 - 1))


def f80_bytes(v):
    se, m = v
    return struct.pack("<QH", m, se)


J = 1 << 63


class Rng:
    def __init__(self, seed):
        self.r = random.Random(seed)

    def f80(self, kind=None):
        r = self.r
        k = kind if kind is not None else r.choice(
            ["norm"] * 10 + ["near1"] * 4 + ["int"] * 3 + ["round"] * 4 + ["zero", "inf", "qnan", "snan", "den", "pden",
                                                                            "unnorm", "big", "tiny", "ind"])
        s = r.randrange(2) << 15
        if k == "norm":
            return f80(s | r.randrange(0x3FFF - 80, 0x3FFF + 80), J | r.getrandbits(63))
        if k == "near1":
            return f80(s | r.randrange(0x3FFF - 2, 0x3FFF + 2), J | r.getrandbits(63))
        if k == "int":
            v = r.randrange(1, 1 << r.randrange(1, 64))
            e = v.bit_length() - 1
            return f80(s | (0x3FFF + e), v << (63 - e))
        if k == "round":
            # significands at precision-control rounding boundaries
            low = r.choice([40, 11, 1])
            m = J | (r.getrandbits(63) >> low << low)
            m |= r.choice([0, 1, (1 << (low - 1)) if low > 1 else 1, (1 << low) - 1, (1 << (low - 1)) - 1 if low > 1 else 0,
                           (1 << (low - 1)) + 1 if low > 1 else 1])
            return f80(s | r.randrange(0x3FFF - 3, 0x3FFF + 3), J | m)
        if k == "zero":
            return f80(s, 0)
        if k == "inf":
            return f80(s | 0x7FFF, J)
        if k == "qnan":
            return f80(s | 0x7FFF, J | (1 << 62) | r.getrandbits(62))
        if k == "snan":
            return f80(s | 0x7FFF, J | r.randrange(1, 1 << 62))
        if k == "ind":
            return f80(0xFFFF, 0xC000000000000000)
        if k == "den":
            return f80(s, r.getrandbits(r.randrange(1, 64)) or 1)
        if k == "pden":
            return f80(s, J | r.getrandbits(63))
        if k == "unnorm":
            return r.choice([f80(s | r.randrange(1, 0x7FFF), r.getrandbits(63)), f80(s | 0x7FFF, r.getrandbits(62)),
                             f80(s | 0x7FFF, 0)])
        if k == "big":
            return f80(s | r.randrange(0x7FFE - 70, 0x7FFF), J | r.getrandbits(63))
        if k == "tiny":
            return f80(s | r.randrange(1, 70), J | r.getrandbits(63))
        raise ValueError(k)

    def f64(self):
        r = self.r
        k = r.choice(["norm"] * 8 + ["round"] * 2 + ["zero", "inf", "qnan", "snan", "den", "big", "tiny", "int"])
        s = r.randrange(2) << 63
        if k == "norm":
            return s | (r.randrange(1023 - 60, 1023 + 60) << 52) | r.getrandbits(52)
        if k == "round":
            return s | (r.randrange(1023 - 3, 1023 + 3) << 52) | (r.getrandbits(52) >> 29 << 29) | r.choice(
                [0, 1 << 28, (1 << 28) - 1, (1 << 29) - 1, 1])
        if k == "zero":
            return s
        if k == "inf":
            return s | (0x7FF << 52)
        if k == "qnan":
            return s | (0xFFF << 51) | r.getrandbits(51)
        if k == "snan":
            return s | (0x7FF << 52) | r.randrange(1, 1 << 51)
        if k == "den":
            return s | (r.getrandbits(r.randrange(1, 52)) or 1)
        if k == "big":
            return s | (r.randrange(2046 - 40, 2047) << 52) | r.getrandbits(52)
        if k == "tiny":
            return s | (r.randrange(1, 40) << 52) | r.getrandbits(52)
        v = r.randrange(1, 1 << 53)
        e = v.bit_length() - 1
        return s | ((1023 + e) << 52) | ((v << (52 - e)) & ((1 << 52) - 1))

    def f32(self):
        r = self.r
        k = r.choice(["norm"] * 8 + ["round"] * 2 + ["zero", "inf", "qnan", "snan", "den", "big", "tiny", "int"])
        s = r.randrange(2) << 31
        if k == "norm":
            return s | (r.randrange(127 - 30, 127 + 30) << 23) | r.getrandbits(23)
        if k == "round":
            return s | (r.randrange(127 - 3, 127 + 3) << 23) | (r.getrandbits(23) >> 8 << 8) | r.choice(
                [0, 1 << 7, (1 << 7) - 1, 0xFF, 1])
        if k == "zero":
            return s
        if k == "inf":
            return s | (0xFF << 23)
        if k == "qnan":
            return s | (0x1FF << 22) | r.getrandbits(22)
        if k == "snan":
            return s | (0xFF << 23) | r.randrange(1, 1 << 22)
        if k == "den":
            return s | (r.getrandbits(r.randrange(1, 23)) or 1)
        if k == "big":
            return s | (r.randrange(254 - 20, 255) << 23) | r.getrandbits(23)
        if k == "tiny":
            return s | (r.randrange(1, 20) << 23) | r.getrandbits(23)
        v = r.randrange(1, 1 << 24)
        e = v.bit_length() - 1
        return s | ((127 + e) << 23) | ((v << (23 - e)) & ((1 << 23) - 1))

    def int_val(self, bits):
        r = self.r
        k = r.randrange(4)
        if k == 0:
            return r.getrandbits(bits)
        if k == 1:
            return r.randrange(-1000, 1000) & ((1 << bits) - 1)
        if k == 2:
            return (1 << (bits - 1)) + r.randrange(-2, 2) & ((1 << bits) - 1)
        return r.getrandbits(r.randrange(1, bits))

    def cw(self, unmask=0.15):
        r = self.r
        pc = r.choice([0, 2, 3, 3, 3])
        rc = r.randrange(4)
        masks = 0x3F
        if r.random() < unmask:
            masks &= ~r.choice([0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x3F, 0x18, r.getrandbits(6)])
        return 0x40 | masks | (pc << 8) | (rc << 10)

    def mxcsr(self, daz_ftz=True):
        r = self.r
        v = 0x1F80 | (r.randrange(4) << 13)
        if daz_ftz and r.random() < 0.3:
            v |= 0x8000
        if daz_ftz and r.random() < 0.3:
            v |= 0x40
        if r.random() < 0.2:
            v |= r.getrandbits(6)
        return v

    def choice(self, s):
        return self.r.choice(s)

    def randrange(self, *a):
        return self.r.randrange(*a)

    def getrandbits(self, n):
        return self.r.getrandbits(n)

    def random(self):
        return self.r.random()


def tag_of(v):
    se, m = v
    e = se & 0x7FFF
    if e == 0 and m == 0:
        return 1
    if e == 0 or e == 0x7FFF or not (m >> 63):
        return 2
    return 0


class Case:
    def __init__(self, stack=(), cw=0x37F, sw=0, top=None, mxcsr=0x1F80, flags=0x202, gprs=(0, 0, 0, 0), xmm=(),
                 mem=b"", empty_fill=None):
        self.stack = list(stack)
        self.cw = cw
        self.sw = sw
        self.top = top
        self.mxcsr = mxcsr
        self.flags = flags
        self.gprs = list(gprs) + [0] * (4 - len(gprs))
        self.xmm = list(xmm) + [0] * (8 - len(xmm))
        self.mem = mem
        self.empty_fill = empty_fill

    def image(self, rng):
        top = self.top if self.top is not None else rng.randrange(8)
        regs = []  # ST order
        for k in range(8):
            if k < len(self.stack):
                regs.append(self.stack[k])
            else:
                regs.append(self.empty_fill or (0x4000 + k, 0xC000000000000000 | k))
        tag = 0
        for k in range(8):
            phys = (top + k) & 7
            t = tag_of(regs[k]) if k < len(self.stack) else 3
            tag |= t << (2 * phys)
        sw = (self.sw & ~0x3800) | (top << 11)
        env = struct.pack("<7I", 0xFFFF0000 | self.cw, 0xFFFF0000 | sw, 0xFFFF0000 | tag, 0, 0, 0, 0xFFFF0000)
        img = env + b"".join(f80_bytes(v) for v in regs)
        img += b"\0" * (112 - len(img))
        img += struct.pack("<II", self.mxcsr, self.flags)
        img += b"".join(struct.pack("<Q", g & (2**64 - 1)) for g in self.gprs) + b"\0" * 8
        img += b"".join((x & (2**128 - 1)).to_bytes(16, "little") for x in self.xmm)
        mem = bytes(self.mem) + bytes(((i * 0x9D) + 0x5B) & 0xFF for i in range(len(self.mem), MEMOP))
        img += mem
        assert len(img) == IN_SIZE, len(img)
        return img

    def describe(self):
        parts = ["cw=%04x" % self.cw]
        if self.sw:
            parts.append("sw=%04x" % self.sw)
        for k, (se, m) in enumerate(self.stack):
            parts.append("st%d=%04x:%016x" % (k, se, m))
        if self.mxcsr != 0x1F80:
            parts.append("mxcsr=%08x" % self.mxcsr)
        if self.flags != 0x202:
            parts.append("fl=%x" % self.flags)
        for k, g in enumerate(self.gprs):
            if g:
                parts.append("%s=%x" % (["rax", "rcx", "rdx", "rbx"][k], g))
        for k, x in enumerate(self.xmm):
            if x:
                parts.append("xmm%d=%032x" % (k, x))
        if self.mem:
            parts.append("mem=%s" % bytes(self.mem).hex())
        return " ".join(parts)


class Program:
    def __init__(self, name, bits):
        self.name = name
        self.bits = bits
        self.forms = []
        # INSN_FP_SEED varies the cases (for fuzzing); the default is fixed.
        seed = int(os.environ.get("INSN_FP_SEED", "0"))
        self.rng = Rng((sum(ord(c) * 131 ** i for i, c in enumerate(name)) + seed * 0x9E3779B1) & 0xFFFFFFFF)

    def add(self, name, code, cases):
        self.forms.append((name, code if isinstance(code, list) else [code], cases))


# ---------------------------------------------------------------------------
# Assembly
# ---------------------------------------------------------------------------


def emit(prog):
    b64 = prog.bits == 64
    W = 8 if b64 else 4
    R = (lambda n: "r" + n) if b64 else (lambda n: "e" + n)
    ax, bx, cx, dx, si, di, sp, bp = (R(x) for x in ("ax", "bx", "cx", "dx", "si", "di", "sp", "bp"))
    q = "QWORD PTR" if b64 else "DWORD PTR"
    L = []
    a = L.append
    a(".intel_syntax noprefix")
    a(".code%d" % prog.bits)
    a('.section .note.GNU-stack,"",@progbits')
    a(".text")
    a(".globl _start")
    a("_start:")
    a("    mov %s, OFFSET drv_stack_top" % sp)
    a("    mov %s [form_ptr], OFFSET form_table" % q)
    a("    mov %s [outptr], OFFSET outbuf" % q)
    a("next_form:")
    a("    mov %s, [form_ptr]" % bx)
    a("    mov %s, [%s]" % (ax, bx))
    a("    test %s, %s" % (ax, ax))
    a("    jz finish")
    a("    mov [cont], %s" % ax)
    a("    mov %s, [%s+%d]" % (ax, bx, W))
    a("    mov [state_ptr], %s" % ax)
    a("    mov %s, [%s+%d]" % (ax, bx, 2 * W))
    a("    mov [remaining], %s" % ax)
    a("    add %s, %d" % (bx, 3 * W))
    a("    mov [form_ptr], %s" % bx)
    a("next_case:")
    a("    mov %s, [state_ptr]" % si)
    a("    lea %s, [%s+288]" % (si, si))
    a("    mov %s, OFFSET memop" % di)
    a("    mov %s, %d" % (cx, MEMOP // 4))
    a("    cld")
    a("    rep movsd")
    a("    mov %s, [state_ptr]" % si)
    a("    frstor [%s]" % si)
    a("    ldmxcsr [%s+112]" % si)
    for k in range(8):
        a("    movdqu xmm%d, [%s+%d]" % (k, si, 160 + 16 * k))
    a("    push %s [%s+116]" % (q, si) if b64 else "    push DWORD PTR [%s+116]" % si)
    if b64:
        a("    mov eax, [rsi+116]")
        a("    mov [rsp], rax")
    a("    popf%s" % ("q" if b64 else "d"))
    for k, r in enumerate((ax, cx, dx, bx)):
        a("    mov %s, [%s+%d]" % (r, si, 120 + 8 * k))
    a("    jmp %s [cont]" % q)
    a("save:")
    a("    fnsave [outrec]")
    a("    pushf%s" % ("q" if b64 else "d"))
    a("    pop %s [saved_fl]" % q)
    a("    stmxcsr [outrec+112]")
    for k, r in enumerate((ax, cx, dx, bx)):
        a("    mov [outrec+%d], %s" % (120 + 8 * k, r))
        if not b64:
            a("    mov DWORD PTR [outrec+%d], 0" % (124 + 8 * k))
    for k in range(8):
        a("    movdqu [outrec+%d], xmm%d" % (160 + 16 * k, k))
    a("    mov %s, [saved_fl]" % ax)
    a("    and eax, 0x8d5")
    a("    mov [outrec+116], eax")
    a("    mov DWORD PTR [outrec+108], 0")
    a("    ldmxcsr [default_mxcsr]")
    a("    cld")
    a("    mov %s, OFFSET memop" % si)
    a("    mov %s, OFFSET outrec+288" % di)
    a("    mov %s, %d" % (cx, MEMOP // 4))
    a("    rep movsd")
    a("    mov %s, OFFSET outrec" % si)
    a("    mov %s, [outptr]" % di)
    a("    mov %s, %d" % (cx, OUT_SIZE // 4))
    a("    rep movsd")
    a("    mov [outptr], %s" % di)
    a("    add %s [state_ptr], %d" % (q, IN_SIZE))
    a("    sub %s, OFFSET outbuf" % di)
    a("    cmp %s, %d" % (di, 1 << 20))
    a("    jb 8f")
    a("    call flush")
    a("8:  dec %s [remaining]" % q)
    a("    jnz next_case")
    a("    jmp next_form")
    a("finish:")
    a("    call flush")
    if b64:
        a("    mov eax, 231")
        a("    xor edi, edi")
        a("    syscall")
    else:
        a("    mov eax, 252")
        a("    xor ebx, ebx")
        a("    int 0x80")
    a("    hlt")
    a("flush:")
    a("    mov %s, OFFSET outbuf" % si)
    a("    mov %s, [outptr]" % dx)
    a("    sub %s, %s" % (dx, si))
    a("6:  test %s, %s" % (dx, dx))
    a("    jz 7f")
    if b64:
        a("    mov eax, 1")
        a("    mov edi, 1")
        a("    push rsi")
        a("    push rdx")
        a("    syscall")
        a("    pop rdx")
        a("    pop rsi")
    else:
        a("    push edx")
        a("    push esi")
        a("    mov ecx, esi")
        a("    mov ebx, 1")
        a("    mov eax, 4")
        a("    int 0x80")
        a("    pop esi")
        a("    pop edx")
    a("    test %s, %s" % (ax, ax))
    a("    jle die")
    a("    add %s, %s" % (si, ax))
    a("    sub %s, %s" % (dx, ax))
    a("    jmp 6b")
    a("7:  mov %s [outptr], OFFSET outbuf" % q)
    a("    ret")
    a("die:")
    if b64:
        a("    mov eax, 231")
        a("    mov edi, 3")
        a("    syscall")
    else:
        a("    mov eax, 252")
        a("    mov ebx, 3")
        a("    int 0x80")
    a("    hlt")
    for fi, (name, code, cases) in enumerate(prog.forms):
        a("")
        a("# form %d: %s" % (fi, name))
        a("form_%d:" % fi)
        for line in code:
            a("    " + line)
        a("    jmp save")
    a("")
    a(".data")
    a(".balign 16")
    a("default_mxcsr: .long 0x1f80")
    a(".balign 16")
    a("form_table:")
    dq = ".quad" if b64 else ".long"
    for fi, (name, code, cases) in enumerate(prog.forms):
        a("    %s form_%d, states_%d, %d" % (dq, fi, fi, len(cases)))
    a("    %s 0, 0, 0" % dq)
    rng = prog.rng
    for fi, (name, code, cases) in enumerate(prog.forms):
        a(".balign 16")
        a("states_%d:" % fi)
        for c in cases:
            img = c.image(rng)
            for k in range(0, len(img), 32):
                a("    .byte " + ",".join("0x%02x" % x for x in img[k:k + 32]))
    a("")
    a(".bss")
    a(".balign 64")
    a("memop: .skip %d" % MEMOP)
    a(".balign 64")
    a("fxarea: .skip 512")
    a(".balign 64")
    a("outrec: .skip %d" % OUT_SIZE)
    for v in ("form_ptr", "outptr", "state_ptr", "remaining", "cont", "saved_fl"):
        a(".balign 8")
        a("%s: .skip 8" % v)
    a(".balign 16")
    a("drv_stack: .skip 4096")
    a("drv_stack_top:")
    a(".balign 64")
    a("outbuf: .skip %d" % ((1 << 20) + 64 * OUT_SIZE))
    return "\n".join(L) + "\n"


def emit_meta(prog):
    L = ["bits %d" % prog.bits, "in %d" % IN_SIZE, "out %d" % OUT_SIZE]
    for name, code, cases in prog.forms:
        L.append("form %d %s" % (len(cases), name))
        for c in cases:
            L.append("case " + c.describe())
    return "\n".join(L) + "\n"


# ---------------------------------------------------------------------------
# x87 forms
# ---------------------------------------------------------------------------

PTR = {2: "WORD PTR", 4: "DWORD PTR", 8: "QWORD PTR", 10: "TBYTE PTR", 16: "XMMWORD PTR"}


def mem_of(rng, kind):
    """Memory operand bytes for an x87 operand kind."""
    if kind == "m32":
        return struct.pack("<I", rng.f32())
    if kind == "m64":
        return struct.pack("<Q", rng.f64())
    if kind == "m80":
        return f80_bytes(rng.f80())
    if kind == "m16i":
        return struct.pack("<H", rng.int_val(16))
    if kind == "m32i":
        return struct.pack("<I", rng.int_val(32))
    if kind == "m64i":
        return struct.pack("<Q", rng.int_val(64))
    raise ValueError(kind)


def stack_cases(prog, n, depth, unmask=0.15, kinds=None, mem=None, extra=None):
    rng = prog.rng
    out = []
    for _ in range(n):
        st = [rng.f80(rng.choice(kinds) if kinds else None) for _ in range(depth)]
        c = Case(stack=st, cw=rng.cw(unmask), mem=mem_of(rng, mem) if mem else b"")
        # random condition codes: every instruction must set or keep them right
        c.sw = rng.getrandbits(16) & 0x4700
        if extra:
            extra(c)
        out.append(c)
    return out


def special_pairs():
    kinds = ["zero", "inf", "qnan", "snan", "den", "pden", "unnorm", "norm", "ind", "tiny", "big"]
    return [(a, b) for a in kinds for b in kinds]


def pair_cases(prog, n):
    """Random pairs plus every pair of operand classes with several control words."""
    rng = prog.rng
    out = stack_cases(prog, n, 2)
    for (ka, kb) in special_pairs():
        for cw in (0x37F, 0x360 | rng.randrange(0x20), rng.cw(0.5)):
            out.append(Case(stack=[rng.f80(ka), rng.f80(kb)], cw=cw))
    return out


def gen_x87_arith(prog):
    rng = prog.rng
    for op in ("fadd", "fsub", "fsubr", "fmul", "fdiv", "fdivr"):
        prog.add("%s st(0), st(1)" % op, "%s st(0), st(1)" % op, pair_cases(prog, 500))
        prog.add("%s st(1), st(0)" % op, "%s st(1), st(0)" % op, stack_cases(prog, 150, 2))
        prog.add("%sp st(1), st(0)" % op, "%sp st(1), st(0)" % op, stack_cases(prog, 150, 2))
        for kind, size in (("m32", 4), ("m64", 8)):
            prog.add("%s %s" % (op, kind), "%s %s [memop]" % (op, PTR[size]), stack_cases(prog, 250, 1, mem=kind))
        for kind, size in (("m16i", 2), ("m32i", 4)):
            iop = "fi" + op[1:]
            prog.add("%s %s" % (iop, kind), "%s %s [memop]" % (iop, PTR[size]), stack_cases(prog, 120, 1, mem=kind))
    # unmasked overflow and underflow: wrapped results, flags and C1
    for op in ("fmul", "fadd", "fdiv"):
        for bits, kinds in ((0x08, ["big"]), (0x10, ["tiny", "den"])):
            prog.add("%s unmasked %x" % (op, bits), "%s st(0), st(1)" % op,
                     [Case(stack=[prog.rng.f80(prog.rng.choice(kinds)),
                                  prog.rng.f80(prog.rng.choice(kinds) if op != "fdiv" or bits == 0x08 else "big")],
                           cw=(0x37F & ~bits) | (prog.rng.randrange(4) << 10) | (prog.rng.choice([0, 2, 3]) << 8))
                      for _ in range(60)])
    # precision control 01 (reserved)
    for op in ("fadd", "fmul", "fdiv", "fsqrt"):
        code = op if op == "fsqrt" else "%s st(0), st(1)" % op
        prog.add(op + " pc=01", code, [Case(stack=[prog.rng.f80("round"), prog.rng.f80("norm")],
                                            cw=0x17F | (prog.rng.randrange(4) << 10)) for _ in range(30)])
    # empty-register and stack-fault cases
    for op in ("fadd", "fmul", "fdiv"):
        prog.add("%s empty" % op, "%s st(0), st(2)" % op, stack_cases(prog, 40, 2))


def gen_x87_unary(prog):
    for op in ("fsqrt", "fabs", "fchs", "frndint", "fxtract", "ftst", "fxam"):
        prog.add(op, op, stack_cases(prog, 600, 1) + stack_cases(prog, 30, 0) + stack_cases(prog, 40, 8))
    for op in ("fscale", "fprem", "fprem1"):
        prog.add(op, op, pair_cases(prog, 600))
    # fprem with large exponent differences (partial remainders)
    def big_diff(c):
        se0, m0 = c.stack[0]
        c.stack[1] = (c.stack[1][0] & 0x8000 | max(1, (se0 & 0x7FFF) - prog.rng.randrange(40, 200)), c.stack[1][1] | J)
        c.stack[0] = (se0, m0 | J)
    for op in ("fprem", "fprem1"):
        prog.add(op + " far", op, stack_cases(prog, 200, 2, kinds=["norm"], extra=big_diff))
    def scale_int(c):
        v = prog.rng.randrange(-20000, 20000)
        if v:
            e = abs(v).bit_length() - 1
            c.stack[1] = ((0x8000 if v < 0 else 0) | (0x3FFF + e), abs(v) << (63 - e))
    prog.add("fscale int", "fscale", stack_cases(prog, 300, 2, extra=scale_int))


def gen_x87_compare(prog):
    flags = lambda c: setattr(c, "flags", 0x202 | prog.rng.getrandbits(1) | 0x8D4 & prog.rng.getrandbits(12))
    for op in ("fcom", "fcomp", "fucom", "fucomp"):
        prog.add(op + " st(1)", op + " st(1)", pair_cases(prog, 100))
    for op in ("fcompp", "fucompp"):
        prog.add(op, op, pair_cases(prog, 100))
    for op in ("fcomi", "fucomi", "fcomip", "fucomip"):
        prog.add(op, op + " st(0), st(1)", [c for c in pair_cases(prog, 100) if not flags(c)])
    for kind, size in (("m32", 4), ("m64", 8)):
        for op in ("fcom", "fcomp"):
            prog.add("%s %s" % (op, kind), "%s %s [memop]" % (op, PTR[size]), stack_cases(prog, 200, 1, mem=kind))
    for kind, size in (("m16i", 2), ("m32i", 4)):
        for op in ("ficom", "ficomp"):
            prog.add("%s %s" % (op, kind), "%s %s [memop]" % (op, PTR[size]), stack_cases(prog, 100, 1, mem=kind))
    prog.add("fcom empty", "fcom st(3)", stack_cases(prog, 40, 2))
    prog.add("fnstsw ax", ["fcom st(1)", "fnstsw ax"], pair_cases(prog, 20))
    for cc in ("b", "e", "be", "u", "nb", "ne", "nbe", "nu"):
        prog.add("fcmov" + cc, "fcmov%s st(0), st(1)" % cc,
                 [c for c in stack_cases(prog, 40, 2) + stack_cases(prog, 8, 1) if not flags(c)])


def gen_x87_load_store(prog):
    rng = prog.rng
    for kind, size in (("m32", 4), ("m64", 8), ("m80", 10)):
        prog.add("fld " + kind, "fld %s [memop]" % PTR[size],
                 stack_cases(prog, 300, 1, mem=kind) + stack_cases(prog, 30, 8, mem=kind))
    for kind, size in (("m16i", 2), ("m32i", 4), ("m64i", 8)):
        prog.add("fild " + kind, "fild %s [memop]" % PTR[size], stack_cases(prog, 150, 1, mem=kind))
    prog.add("fld st(1)", "fld st(1)", stack_cases(prog, 60, 2) + stack_cases(prog, 20, 8) + stack_cases(prog, 20, 1))
    for op in ("fst", "fstp"):
        for kind, size in (("m32", 4), ("m64", 8)):
            prog.add("%s %s" % (op, kind), "%s %s [memop]" % (op, PTR[size]),
                     stack_cases(prog, 700, 1, unmask=0.3) + stack_cases(prog, 20, 0))
        prog.add("%s st(2)" % op, "%s st(2)" % op, stack_cases(prog, 40, 3) + stack_cases(prog, 10, 0))
    # stores that overflow or underflow the destination, exceptions unmasked
    def out_of_range(c):
        c.stack[0] = prog.rng.f80(prog.rng.choice(["big", "tiny", "den", "norm"]))
        if (c.stack[0][0] & 0x7FFF) not in (0,) and prog.rng.random() < 0.5:
            se = c.stack[0][0]
            c.stack[0] = ((se & 0x8000) | prog.rng.choice([0x3FFF + 1024, 0x3FFF + 128, 0x3FFF - 1022 - 60, 0x3FFF - 149]),
                          c.stack[0][1])
        c.cw = (0x37F & ~prog.rng.choice([0x08, 0x10, 0x18, 0x20])) | (prog.rng.randrange(4) << 10)
        c.sw = prog.rng.choice([0, 0x200])
    for op in ("fst", "fstp"):
        for kind, size in (("m32", 4), ("m64", 8)):
            prog.add("%s %s out of range" % (op, kind), "%s %s [memop]" % (op, PTR[size]),
                     stack_cases(prog, 150, 1, extra=out_of_range))
    prog.add("fstp m80", "fstp TBYTE PTR [memop]", stack_cases(prog, 200, 1) + stack_cases(prog, 10, 0))
    for op in ("fist", "fistp", "fisttp"):
        for kind, size in (("m16", 2), ("m32", 4), ("m64", 8)):
            if op == "fist" and size == 8:
                continue
            def int_range(c, size=size):
                if rng.random() < 0.6:
                    v = rng.randrange(-(1 << (8 * size)), 1 << (8 * size)) * rng.choice([1, 0.5, 0.25, 0.75, 1.5])
                    if v:
                        neg = v < 0
                        v = abs(v)
                        e = int(v).bit_length() - 1 if v >= 1 else -2
                        m = int(v * 2 ** (63 - e)) & (2**64 - 1)
                        if m >> 63:
                            c.stack[0] = ((0x8000 if neg else 0) | (0x3FFF + e), m)
            prog.add("%s %s" % (op, kind), "%s %s [memop]" % (op, PTR[size]),
                     stack_cases(prog, 400, 1, extra=int_range) + stack_cases(prog, 10, 0))
    prog.add("fbld", "fbld TBYTE PTR [memop]",
             [Case(stack=[], cw=0x37F, mem=bytes(rng.randrange(10) * 16 + rng.randrange(10) for _ in range(9)) +
                   bytes([rng.choice([0, 0x80])])) for _ in range(100)])
    def bcd_range(c):
        if rng.random() < 0.7:
            v = rng.randrange(1, 10**18 + 10**17)
            e = v.bit_length() - 1
            c.stack[0] = ((0x8000 if rng.randrange(2) else 0) | (0x3FFF + e), (v << (63 - e)) | rng.getrandbits(3))
    prog.add("fbstp", "fbstp TBYTE PTR [memop]", stack_cases(prog, 300, 1, extra=bcd_range))
    # Undocumented aliases: FSTP1 (D9 D8+i), FCOM2 (DC D0+i), FCOMP3 (DC D8+i),
    # FXCH4 (DD C8+i), FCOMP5 (DE D0+i), FXCH7 (DF C8+i), FSTP8/9 (DF D0+i/D8+i).
    for name, enc in (("fstp1", "0xd9, 0xda"), ("fcom2", "0xdc, 0xd1"), ("fcomp3", "0xdc, 0xd9"),
                      ("fxch4", "0xdd, 0xca"), ("fcomp5", "0xde, 0xd1"), ("fxch7", "0xdf, 0xc9"),
                      ("fstp8", "0xdf, 0xd2"), ("fstp9", "0xdf, 0xda")):
        prog.add(name, ".byte " + enc, stack_cases(prog, 20, 3) + stack_cases(prog, 5, 1))
    prog.add("fxch", "fxch st(2)", stack_cases(prog, 30, 3) + stack_cases(prog, 30, 1) + stack_cases(prog, 10, 0))
    for op in ("fld1", "fldz", "fldpi", "fldl2e", "fldl2t", "fldlg2", "fldln2"):
        prog.add(op, op, [Case(stack=[], cw=0x37F | (rc << 10) | (pc << 8)) for rc in range(4) for pc in (0, 2, 3)] +
                 stack_cases(prog, 6, 8))
    prog.add("ffree", "ffree st(1)", stack_cases(prog, 20, 3))
    prog.add("ffreep", "ffreep st(1)", stack_cases(prog, 20, 3))
    prog.add("fincstp", "fincstp", stack_cases(prog, 20, 3))
    prog.add("fdecstp", "fdecstp", stack_cases(prog, 20, 3))
    prog.add("fnop", "fnop", stack_cases(prog, 5, 3))


def gen_x87_env(prog):
    rng = prog.rng
    def pend(c):
        # Pending flags, all masked (an unmasked one would fault the next
        # waiting instruction of the driver).
        c.cw |= 0x3F
        c.sw = rng.getrandbits(6) | (rng.getrandbits(16) & 0x4700)
    prog.add("fnstenv", ["fnstenv [memop]"], stack_cases(prog, 30, 3, extra=pend))
    prog.add("fnstenv16", ["fnstenv [memop]".replace("fnstenv", "data16 fnstenv")], stack_cases(prog, 10, 3, extra=pend))
    prog.add("fnstcw/fldcw", ["fnstcw [memop]", "fldcw [memop+32]"],
             [Case(stack=[rng.f80()], cw=rng.cw(), mem=b"\0" * 32 + struct.pack("<H", rng.getrandbits(16) & ~0x3F | 0x3F))
              for _ in range(20)])
    prog.add("fnsave", ["fnsave [memop]", "fld1"], stack_cases(prog, 10, 3, extra=pend))
    prog.add("fnsave16", ["data16 fnsave [memop]", "fld1"], stack_cases(prog, 10, 3, extra=pend))
    def env16_mem(c):
        c.mem = struct.pack("<7H", rng.getrandbits(16) | 0x3F, rng.getrandbits(16) & ~0x80, rng.getrandbits(16),
                            rng.getrandbits(16), rng.getrandbits(16), rng.getrandbits(16), rng.getrandbits(16))
    prog.add("fldenv16", ["data16 fldenv [memop]"], stack_cases(prog, 20, 3, extra=env16_mem))
    def neg_fill(c):
        c.empty_fill = (0xC000, 0x8000000000000001)
    prog.add("fxam empty negative", "fxam", stack_cases(prog, 5, 0, extra=neg_fill))
    prog.add("fnstsw m16", ["fnstsw [memop]"], stack_cases(prog, 10, 2, extra=pend))
    prog.add("fnclex", ["fnclex"], stack_cases(prog, 20, 2, extra=pend))
    prog.add("fninit", ["fninit"], stack_cases(prog, 10, 2, extra=pend))
    def env_mem(c):
        env = struct.pack("<7I", 0xFFFF0000 | (rng.getrandbits(16) | 0x3F), rng.getrandbits(32) & ~0x80,
                          rng.getrandbits(32), rng.getrandbits(32), rng.getrandbits(32), rng.getrandbits(32),
                          rng.getrandbits(32))
        c.mem = env
    prog.add("fldenv", ["fldenv [memop]"], stack_cases(prog, 30, 3, extra=env_mem))
    # FXSAVE's image is copied to xmm0-7 (128 bytes per form).  MXCSR_MASK
    # (bytes 28-31) is cleared first: the reference AMD CPU reports 0x2ffff
    # (its misaligned-SSE mask bit), x86run reports Intel's 0xffff.
    for part in (0, 128, 256):
        copy = ["mov DWORD PTR [fxarea+28], 0"] + ["movdqu xmm%d, [fxarea+%d]" % (k, part + 16 * k) for k in range(8)]
        prog.add("fxsave +%d" % part, ["fxsave [fxarea]"] + copy, stack_cases(prog, 20, 3, extra=pend))
        prog.add("fld+fxsave +%d" % part, ["fld1", "fxsave [fxarea]"] + copy, stack_cases(prog, 10, 3))
    if prog.bits == 64:
        copy = ["movdqu xmm%d, [fxarea+%d]" % (k, 16 * k) for k in range(2)]
        prog.add("fxsave64 pending", ["fxsave64 [fxarea]", "mov DWORD PTR [fxarea+28], 0"] + copy,
                 stack_cases(prog, 10, 3, extra=pend))
        prog.add("fld+fxsave64", ["fld1", "fxsave64 [fxarea]", "mov DWORD PTR [fxarea+28], 0"] + copy,
                 stack_cases(prog, 10, 3))
    # an unmasked exception pending: FXSAVE stores the pointers
    for save in (["fxsave [fxarea]"] + (["fxsave64 [fxarea]"] if prog.bits == 64 else [])):
        copy = ["mov DWORD PTR [fxarea+28], 0"] + ["movdqu xmm%d, [fxarea+%d]" % (k, 16 * k) for k in range(2)]
        prog.add(save + " after #Z", ["fld1", "fdiv DWORD PTR [memop]", save] + copy,
                 [Case(stack=[prog.rng.f80()], cw=0x37B | (prog.rng.randrange(4) << 10), mem=b"\0\0\0\0")
                  for _ in range(5)])
    def fx_img(c):
        hdr = struct.pack("<HHBBHIHHIHHII", rng.getrandbits(16) | 0x3F, rng.getrandbits(16) & 0x477F, rng.getrandbits(8), 0,
                          rng.getrandbits(11), rng.getrandbits(32), rng.getrandbits(16), 0, rng.getrandbits(32),
                          rng.getrandbits(16), 0, 0x1F80 | rng.getrandbits(6), 0xFFFF)
        c.mem = hdr + f80_bytes(rng.f80()) + b"\0" * 6 + f80_bytes(rng.f80()) + b"\0" * 6
    load = ["movdqu xmm0, [memop+%d]\n    movdqu [fxarea+%d], xmm0" % (16 * k, 16 * k) for k in range(4)]
    prog.add("fxrstor", load + ["fxrstor [fxarea]"], stack_cases(prog, 40, 2, extra=fx_img))
    if prog.bits == 64:
        prog.add("fxrstor64", load + ["fxrstor64 [fxarea]"], stack_cases(prog, 40, 2, extra=fx_img))


def gen_x87_trans_special(prog):
    """Transcendental special operands (exact expectations); random operands
    are measured in ULP by the separate ulp test."""
    specials = ["zero", "inf", "qnan", "snan", "den", "unnorm", "ind"]
    for op in ("fsin", "fcos", "fsincos", "fptan", "f2xm1"):
        # FPTAN of a denormal: the reference CPU's last bit depends on the
        # rounding and precision controls in ways no model here reproduces
        # (within 1 ulp; counted by the ulp test instead).
        kinds = [k for k in specials if not (op == "fptan" and k == "den")]
        prog.add(op + " special", op, stack_cases(prog, 40, 1, kinds=kinds) + stack_cases(prog, 8, 8, kinds=kinds))
    # f2xm1 outside -1..1 leaves the operand (reference CPU behaviour)
    prog.add("f2xm1 out of range", "f2xm1", stack_cases(prog, 30, 1, kinds=["big", "int"]))
    def one_special(c):
        k = prog.rng.randrange(2)
        c.stack[k] = prog.rng.f80(prog.rng.choice(specials))
    for op in ("fpatan", "fyl2x"):
        prog.add(op + " special", op, stack_cases(prog, 80, 2, kinds=specials) +
                 stack_cases(prog, 80, 2, kinds=["norm", "near1"], extra=one_special))
    def in_range(c):
        # fyl2xp1's operand range is |x| < 1 - sqrt(2)/2
        se, m = c.stack[0]
        if (se & 0x7FFF) not in (0, 0x7FFF):
            c.stack[0] = (se & 0x8000 | prog.rng.randrange(0x3FFF - 60, 0x3FFD), m | J)
    prog.add("fyl2xp1 special", "fyl2xp1", stack_cases(prog, 80, 2, kinds=specials) +
             stack_cases(prog, 80, 2, kinds=["norm"], extra=lambda c: (one_special(c), in_range(c))))
    # out of range for the trigonometric ones: C2 set, operand unchanged
    big = lambda c: c.stack.__setitem__(0, (prog.rng.randrange(2) << 15 | prog.rng.randrange(0x3FFF + 63, 0x7FFF), J | prog.rng.getrandbits(63)))
    for op in ("fsin", "fcos", "fsincos", "fptan"):
        prog.add(op + " huge", op, stack_cases(prog, 20, 1, extra=big))


# ---------------------------------------------------------------------------
# SSE floating point (all exceptions masked: an unmasked one would be #XM)
# ---------------------------------------------------------------------------


def xmm_ps(rng):
    return sum(rng.f32() << (32 * k) for k in range(4))


def xmm_pd(rng):
    return sum(rng.f64() << (64 * k) for k in range(2))


def sse_cases(prog, n, kind, mem=False, flags=False):
    rng = prog.rng
    gen = xmm_ps if kind == "s" else xmm_pd
    out = []
    for _ in range(n):
        a, b = gen(rng), gen(rng)
        if rng.random() < 0.2:
            b = a  # equal operands
        mxcsr = rng.mxcsr()
        c = Case(stack=[], mxcsr=mxcsr, xmm=[a, b, gen(rng)],
                 mem=b.to_bytes(16, "little") if mem else b"")
        if flags:
            c.flags = 0x202 | 0x8D5 & rng.getrandbits(12)
        out.append(c)
    return out


def sse_forms(prog, op, kind, packed, n, imm=None):
    suffix = ("p" if packed else "s") + kind
    name = op + suffix
    size = 16 if packed else (4 if kind == "s" else 8)
    imm_s = "" if imm is None else ", %d" % imm
    label = name + ("" if imm is None else " %d" % imm)
    prog.add(label + " xmm", "%s xmm0, xmm1%s" % (name, imm_s), sse_cases(prog, n, kind))
    prog.add(label + " mem", "%s xmm0, %s [memop]%s" % (name, PTR[size], imm_s), sse_cases(prog, n // 3, kind, mem=True))


def gen_sse_arith(prog):
    for op in ("add", "sub", "mul", "div", "min", "max", "sqrt"):
        for kind in ("s", "d"):
            for packed in (True, False):
                sse_forms(prog, op, kind, packed, 300)
    for kind in ("s", "d"):
        for packed in (True, False):
            for pred in range(8):
                sse_forms(prog, "cmp", kind, packed, 60, imm=pred)
    for op in ("comiss", "ucomiss", "comisd", "ucomisd"):
        kind = op[-1]
        prog.add(op, "%s xmm0, xmm1" % op, sse_cases(prog, 300, kind, flags=True))
    for op in ("addsubps", "haddps", "hsubps"):
        prog.add(op, "%s xmm0, xmm1" % op, sse_cases(prog, 150, "s"))
    for op in ("addsubpd", "haddpd", "hsubpd"):
        prog.add(op, "%s xmm0, xmm1" % op, sse_cases(prog, 150, "d"))
    for imm in (0xFF, 0xF1, 0x3C, 0x5A, 0x80):
        prog.add("dpps %x" % imm, "dpps xmm0, xmm1, %d" % imm, sse_cases(prog, 60, "s"))
    for imm in (0x33, 0x31, 0x12, 0x23):
        prog.add("dppd %x" % imm, "dppd xmm0, xmm1, %d" % imm, sse_cases(prog, 60, "d"))
    for imm in range(16):
        prog.add("roundps %d" % imm, "roundps xmm0, xmm1, %d" % imm, sse_cases(prog, 40, "s"))
        prog.add("roundsd %d" % imm, "roundsd xmm0, xmm1, %d" % imm, sse_cases(prog, 40, "d"))
    prog.add("roundss", "roundss xmm0, xmm1, 4", sse_cases(prog, 60, "s"))
    prog.add("roundpd", "roundpd xmm0, xmm1, 4", sse_cases(prog, 60, "d"))


def gen_sse_cvt(prog):
    rng = prog.rng
    b64 = prog.bits == 64
    def int_xmm(c):
        c.xmm[1] = sum(rng.int_val(32) << (32 * k) for k in range(4))
    for op, kind in (("cvtps2pd", "s"), ("cvtpd2ps", "d"), ("cvtps2dq", "s"), ("cvttps2dq", "s"), ("cvtpd2dq", "d"),
                     ("cvttpd2dq", "d"), ("cvtss2sd", "s"), ("cvtsd2ss", "d")):
        prog.add(op, "%s xmm0, xmm1" % op, sse_cases(prog, 300, kind))
    for op in ("cvtdq2ps", "cvtdq2pd"):
        prog.add(op, "%s xmm0, xmm1" % op, [c for c in sse_cases(prog, 200, "s") if not int_xmm(c)])
    regs = [("eax", 32)] + ([("rax", 64)] if b64 else [])
    for reg, bits in regs:
        for op, kind in (("cvtss2si", "s"), ("cvttss2si", "s"), ("cvtsd2si", "d"), ("cvttsd2si", "d")):
            prog.add("%s %s" % (op, reg), "%s %s, xmm1" % (op, reg), sse_cases(prog, 300, kind))
        def gpr(c, bits=bits):
            c.gprs[0] = rng.int_val(bits) if rng.random() < 0.7 else rng.getrandbits(bits)
        for op, kind in (("cvtsi2ss", "s"), ("cvtsi2sd", "d")):
            prog.add("%s %s" % (op, reg), "%s xmm0, %s" % (op, reg),
                     [c for c in sse_cases(prog, 200, kind) if not gpr(c)])
    for op, kind, size in (("cvtss2si eax,", "s", 4), ("cvttsd2si eax,", "d", 8), ("comiss xmm0,", "s", 4),
                           ("ucomisd xmm0,", "d", 8), ("cvtss2sd xmm0,", "s", 4), ("cvtsd2ss xmm0,", "d", 8),
                           ("cvtsi2sd xmm0,", "d", 4), ("cvtsi2ss xmm0,", "s", 4), ("cvtps2pd xmm0,", "s", 8),
                           ("cvtdq2pd xmm0,", "s", 8), ("movddup xmm0,", "d", 8)):
        prog.add(op + " mem", "%s %s [memop]" % (op, PTR[size]), sse_cases(prog, 40, kind, mem=True, flags=True))
    for op, kind in (("movddup", "d"), ("movshdup", "s"), ("movsldup", "s")):
        prog.add(op, "%s xmm0, xmm1" % op, sse_cases(prog, 10, kind))
    for imm in (0, 5, 0xA, 0xF):
        prog.add("blendps %d" % imm, "blendps xmm0, xmm1, %d" % imm, sse_cases(prog, 10, "s"))
        prog.add("blendpd %d" % (imm & 3), "blendpd xmm0, xmm1, %d" % (imm & 3), sse_cases(prog, 10, "d"))
    prog.add("blendvps", "blendvps xmm1, xmm2, xmm0", sse_cases(prog, 20, "s"))
    prog.add("blendvpd", "blendvpd xmm1, xmm2, xmm0", sse_cases(prog, 20, "d"))
    for imm in (0, 0x1D, 0x60, 0xF0, 0x93):
        prog.add("insertps %x" % imm, "insertps xmm0, xmm1, %d" % imm, sse_cases(prog, 10, "s"))
    prog.add("insertps mem", "insertps xmm0, DWORD PTR [memop], 0x25", sse_cases(prog, 10, "s", mem=True))
    for imm in range(4):
        prog.add("extractps %d" % imm, "extractps eax, xmm1, %d" % imm, sse_cases(prog, 5, "s"))
    # the reference CPU's approximation tables (crates/cpu/src/fp/approx.rs)
    for op in ("rcpps", "rsqrtps", "rcpss", "rsqrtss"):
        prog.add(op, "%s xmm0, xmm1" % op, sse_cases(prog, 300, "s"))
    prog.add("rcpps mem", "rcpps xmm0, XMMWORD PTR [memop]", sse_cases(prog, 30, "s", mem=True))


# ---------------------------------------------------------------------------
# Integer SIMD: MMX, SSSE3, SSE4.1/4.2, PCLMULQDQ, AES-NI
# ---------------------------------------------------------------------------


def simd_val(rng, nbytes=16):
    """Random vector with byte/word edge values mixed in."""
    out = 0
    for k in range(nbytes):
        c = rng.randrange(10)
        b = rng.getrandbits(8) if c < 5 else [0, 0x80, 0xFF, 0x7F, 1][c - 5]
        out |= b << (8 * k)
    return out


def str_val(rng, alphabet=b"abcAB\0"):
    return int.from_bytes(bytes(rng.choice(alphabet) for _ in range(16)), "little")


def int_cases(prog, n, strings=False):
    rng = prog.rng
    out = []
    for _ in range(n):
        if strings:
            xm = [str_val(rng), str_val(rng), str_val(rng)]
        else:
            xm = [simd_val(rng), simd_val(rng), simd_val(rng)]
        c = Case(stack=[], xmm=xm, mem=xm[1].to_bytes(16, "little"),
                 gprs=[rng.randrange(-20, 20) & (2**64 - 1), 0, rng.randrange(-20, 20) & (2**64 - 1), 0])
        out.append(c)
    return out


MMX_OPS = ["paddb", "paddw", "paddd", "paddq", "psubb", "psubw", "psubd", "psubq", "paddsb", "paddsw", "psubsb",
           "psubsw", "paddusb", "paddusw", "psubusb", "psubusw", "pcmpeqb", "pcmpeqw", "pcmpeqd", "pcmpgtb", "pcmpgtw",
           "pcmpgtd", "pand", "pandn", "por", "pxor", "pmullw", "pmulhw", "pmulhuw", "pmuludq", "pmaddwd", "pavgb",
           "pavgw", "pminub", "pmaxub", "pminsw", "pmaxsw", "psadbw", "psllw", "pslld", "psllq", "psrlw", "psrld",
           "psrlq", "psraw", "psrad", "punpcklbw", "punpcklwd", "punpckldq", "punpckhbw", "punpckhwd", "punpckhdq",
           "packsswb", "packssdw", "packuswb"]
SSSE3_OPS = ["pshufb", "phaddw", "phaddd", "phaddsw", "phsubw", "phsubd", "phsubsw", "pmaddubsw", "pmulhrsw", "psignb",
             "psignw", "psignd", "pabsb", "pabsw", "pabsd"]
SSE4_OPS = ["pminsb", "pminsd", "pminuw", "pminud", "pmaxsb", "pmaxsd", "pmaxuw", "pmaxud", "pmulld", "pmuldq",
            "pcmpeqq", "pcmpgtq", "packusdw", "phminposuw", "pmaddwd"]


def gen_simd_int(prog):
    rng = prog.rng
    mm_in = ["movdq2q mm0, xmm0", "movdq2q mm1, xmm1"]
    mm_out = ["movq2dq xmm0, mm0"]
    for op in MMX_OPS + SSSE3_OPS:
        prog.add(op + " mm", mm_in + ["%s mm0, mm1" % op] + mm_out, int_cases(prog, 30))
        ptr = "DWORD PTR" if op.startswith("punpckl") else "QWORD PTR"
        prog.add(op + " mm,m64", mm_in + ["%s mm0, %s [memop]" % (op, ptr)] + mm_out, int_cases(prog, 8))
    for op in ("psllw", "pslld", "psllq", "psrlw", "psrld", "psrlq", "psraw", "psrad"):
        for cnt in (0, 1, 7, 15, 31, 63, 64, 200):
            prog.add("%s mm %d" % (op, cnt), mm_in + ["%s mm0, %d" % (op, cnt)] + mm_out, int_cases(prog, 3))
            prog.add("%s xmm %d" % (op, cnt), "%s xmm0, %d" % (op, cnt), int_cases(prog, 3))
    for imm in (0, 0x1B, 0xE4, 0x55, 0xA7):
        prog.add("pshufw %x" % imm, mm_in + ["pshufw mm0, mm1, %d" % imm] + mm_out, int_cases(prog, 4))
    for imm in (0, 1, 3, 7, 8, 9, 15):
        prog.add("palignr mm %d" % imm, mm_in + ["palignr mm0, mm1, %d" % imm] + mm_out, int_cases(prog, 4))
    for imm in (0, 1, 5, 15, 16, 17, 31, 32):
        prog.add("palignr xmm %d" % imm, "palignr xmm0, xmm1, %d" % imm, int_cases(prog, 4))
    prog.add("pinsrw mm", mm_in + ["pinsrw mm0, eax, 2"] + mm_out, int_cases(prog, 4))
    prog.add("pextrw mm", mm_in + ["pextrw eax, mm1, 3"], int_cases(prog, 4))
    prog.add("pmovmskb mm", mm_in + ["pmovmskb eax, mm1"], int_cases(prog, 6))
    prog.add("pmovmskb xmm", ["pcmpeqb xmm1, xmm2", "pmovmskb eax, xmm1", "pmovmskb ecx, xmm0"], int_cases(prog, 12))
    if prog.bits == 64:
        prog.add("pmovmskb xmm r64", ["pmovmskb rax, xmm1", "pmovmskb rcx, xmm0"], int_cases(prog, 6))
    prog.add("movd mm", ["movd mm2, eax", "movd ecx, mm2", "movq2dq xmm3, mm2"], int_cases(prog, 4))
    prog.add("emms", mm_in + ["emms"], int_cases(prog, 2))
    prog.add("movq mm,m64", ["movq mm3, QWORD PTR [memop+8]", "movq QWORD PTR [memop+24], mm3"], int_cases(prog, 4))
    prog.add("movd mm,m32", ["movd mm3, DWORD PTR [memop+4]", "movd DWORD PTR [memop+20], mm3"], int_cases(prog, 4))
    prog.add("movntq", mm_in + ["movntq QWORD PTR [memop+32], mm1"], int_cases(prog, 4))
    prog.add("pinsrw mm,m16", mm_in + ["pinsrw mm0, WORD PTR [memop+6], 1"] + mm_out, int_cases(prog, 4))
    prog.add("maskmovq", mm_in + ["lea %s, [memop+16]" % ("rdi" if prog.bits == 64 else "edi"), "maskmovq mm0, mm1"],
             int_cases(prog, 6))
    prog.add("maskmovdqu", ["lea %s, [memop+8]" % ("rdi" if prog.bits == 64 else "edi"), "maskmovdqu xmm0, xmm1"],
             int_cases(prog, 6))
    prog.add("cvtpi2ps", mm_in + ["cvtpi2ps xmm2, mm1"], int_cases(prog, 10))
    prog.add("cvtpi2pd", mm_in + ["cvtpi2pd xmm2, mm1"], int_cases(prog, 10))
    prog.add("cvtps2pi", ["cvtps2pi mm3, xmm1", "movq2dq xmm3, mm3"], sse_cases(prog, 30, "s"))
    prog.add("cvttpd2pi", ["cvttpd2pi mm3, xmm1", "movq2dq xmm3, mm3"], sse_cases(prog, 30, "d"))
    for op in SSSE3_OPS + SSE4_OPS:
        prog.add(op + " xmm", "%s xmm0, xmm1" % op, int_cases(prog, 40))
        prog.add(op + " xmm,m128", "%s xmm0, XMMWORD PTR [memop]" % op, int_cases(prog, 8))
    for op in ("pmovsxbw", "pmovsxbd", "pmovsxbq", "pmovsxwd", "pmovsxwq", "pmovsxdq", "pmovzxbw", "pmovzxbd",
               "pmovzxbq", "pmovzxwd", "pmovzxwq", "pmovzxdq"):
        prog.add(op, "%s xmm0, xmm1" % op, int_cases(prog, 6))
    prog.add("ptest", "ptest xmm0, xmm1", int_cases(prog, 20) +
             [Case(stack=[], xmm=[x, y]) for x, y in ((0, 5), (5, 0), (3, 3), (1, 2), (2**128 - 1, 7))])
    prog.add("pblendvb", "pblendvb xmm1, xmm2, xmm0", int_cases(prog, 10))
    for imm in (0, 0x5A, 0xFF, 0x81):
        prog.add("pblendw %x" % imm, "pblendw xmm0, xmm1, %d" % imm, int_cases(prog, 4))
    for imm in range(8):
        prog.add("mpsadbw %d" % imm, "mpsadbw xmm0, xmm1, %d" % imm, int_cases(prog, 4))
    for op, reg, imms in (("pinsrb", "eax", (0, 7, 15)), ("pinsrd", "eax", (0, 3)), ("pextrb", "eax", (0, 9, 15)),
                          ("pextrd", "eax", (0, 2)), ("pextrw", "eax", (0, 5))):
        for imm in imms:
            code = "%s xmm0, %s, %d" % (op, reg, imm) if op.startswith("pins") else "%s %s, xmm1, %d" % (op, reg, imm)
            prog.add("%s %d" % (op, imm), code, int_cases(prog, 4))
    prog.add("pextrw m16", "pextrw WORD PTR [memop+2], xmm1, 5", int_cases(prog, 4))
    prog.add("pextrb m8", "pextrb BYTE PTR [memop+1], xmm1, 9", int_cases(prog, 4))
    prog.add("extractps m32", "extractps DWORD PTR [memop+4], xmm1, 2", int_cases(prog, 4))
    if prog.bits == 64:
        prog.add("pinsrq", "pinsrq xmm0, rax, 1", int_cases(prog, 4))
        prog.add("pextrq", "pextrq rax, xmm1, 1", int_cases(prog, 4))
        prog.add("crc32 rax,rcx", ["mov rcx, rdx", "crc32 rax, rcx"], int_cases(prog, 10))
    for op in ("crc32 eax, cl", "crc32 eax, cx", "crc32 eax, ecx"):
        prog.add(op, ["mov ecx, edx", op], int_cases(prog, 10))
    for imm in (0x00, 0x01, 0x10, 0x11):
        prog.add("pclmulqdq %x" % imm, "pclmulqdq xmm0, xmm1, %d" % imm, int_cases(prog, 10))
    for op in ("aesenc", "aesenclast", "aesdec", "aesdeclast"):
        prog.add(op, "%s xmm0, xmm1" % op, int_cases(prog, 10))
    prog.add("aesimc", "aesimc xmm0, xmm1", int_cases(prog, 10))
    prog.add("aeskeygenassist", "aeskeygenassist xmm0, xmm1, 0x1b", int_cases(prog, 10))
    # string compares: every aggregation, format, polarity and output mode
    if prog.bits == 64:
        for imm in (0x00, 0x0C, 0x44, 0x19):
            prog.add("pcmpestri64 %x" % imm, "rex.w pcmpestri xmm1, xmm2, %d" % imm, int_cases(prog, 6, strings=True))
            prog.add("pcmpestrm64 %x" % imm, "rex.w pcmpestrm xmm1, xmm2, %d" % imm, int_cases(prog, 6, strings=True))
    for op in ("pcmpistri", "pcmpistrm", "pcmpestri", "pcmpestrm"):
        for imm in range(0, 128):
            if imm & 0x2:
                continue  # signed formats: sampled below
            prog.add("%s %x" % (op, imm), "%s xmm1, xmm2, %d" % (op, imm), int_cases(prog, 3, strings=True))
        for imm in (0x02, 0x03, 0x0A, 0x0E, 0x47):
            prog.add("%s %x" % (op, imm), "%s xmm1, xmm2, %d" % (op, imm), int_cases(prog, 3, strings=True))


PROGRAMS = {
    "x87_arith": gen_x87_arith,
    "x87_unary": gen_x87_unary,
    "x87_compare": gen_x87_compare,
    "x87_load_store": gen_x87_load_store,
    "x87_env": gen_x87_env,
    "x87_trans": gen_x87_trans_special,
    "sse_arith": gen_sse_arith,
    "sse_cvt": gen_sse_cvt,
    "simd_int": gen_simd_int,
}


def programs():
    out = []
    for base in PROGRAMS:
        out += [base + "_32", base + "_64"]
    return out


def build(name):
    base, bits = name.rsplit("_", 1)
    prog = Program(name, int(bits))
    PROGRAMS[base](prog)
    return prog


def main(argv):
    if len(argv) > 1 and argv[1] == "--list":
        print("\n".join(programs()))
        return
    outdir = argv[1]
    for name in argv[2:]:
        prog = build(name)
        with open(os.path.join(outdir, name + ".s"), "w") as f:
            f.write(emit(prog))
        with open(os.path.join(outdir, name + ".meta"), "w") as f:
            f.write(emit_meta(prog))


if __name__ == "__main__":
    main(sys.argv)
