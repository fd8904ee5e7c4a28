#!/usr/bin/env python3
"""Generator for the instruction tests (tests/insn).

Writes freestanding assembly programs (GNU as, Intel syntax, no libc) that
execute one general-purpose integer instruction form on many input states and
write one binary record per case to stdout.  The same program is run natively
and under x86run; the outputs must be byte-identical.  Next to each program a
`.meta` file describes the record layout, every form and every case's input
state, so that the Rust test (crates/x86run/tests/insn.rs) can print a
readable diff.

Usage:  gen.py [--mask-undefined] OUTDIR PROGRAM...
                                     (writes OUTDIR/PROGRAM.s and .meta)
        gen.py --list                (lists the program names)

Program anatomy
---------------
Each case's input record holds EFLAGS, every GPR, a pointer to a 256-byte
scratch pattern and four 64-bit overlay words (two at `memop`, two at the
test stack's top).  The driver copies the pattern into `scratch`, applies the
overlays, then loads EFLAGS (popf) and all GPRs (pops from a copy of the
record; rsp last) and jumps to the form's code: the instruction under test
followed by `jmp save`.  `save` pushes all GPRs and pushf's EFLAGS into an
output area, masks the flags with the form's mask, and appends a record
(case id, GPRs, EFLAGS, `path` word, optionally the scratch area) to a buffer
that is written with the raw write syscall.  Branch forms store which path
ran into `path`.  Only write and exit_group are used.

Memory operands are the fixed address `memop` (scratch+128), the stack pointer
of every case is `stacktop` (scratch+224), so pushes land in scratch too.

Masked flags
------------
The comparison covers all of EFLAGS, including the flags the manuals call
undefined: the reference is a deterministic CPU and x86run is made to match
it.  On the reference CPU (AMD, Zen family) no flag needs masking: every
"undefined" flag and result the programs produce is a deterministic function
of the inputs, and x86run computes the same one.  What AMD does there (found
with these tests, implemented in crates/cpu/src/ops/):

  and/or/xor/test   AF = 0
  shl/shr/sar       AF = 1 (count != 0); OF as for a 1-bit shift of the last
                    step (shl: MSB(res)^CF, shr: 0 for counts > 1, sar: 0)
  rol/ror/rcl/rcr   OF by the 1-bit formula for every count
  shld/shrd         AF = 1; OF: shld MSB(res)^CF, shrd MSB(res)^bit(n-2);
                    16-bit counts 17..31 shift through a:b:b (shld) / b:b:a
                    (shrd) with CF = 0 (and OF = 0 for shld); shld by 16: OF = CF
  mul/imul          SF, ZF, AF, PF unchanged
  div/idiv          CF, OF unchanged; AF = 1; SF = ZF = PF = 0
  bsf/bsr           only ZF changes; zero source leaves the destination
                    untouched (even the upper half of a 32-bit register)
  tzcnt/lzcnt       OF unchanged; SF = AF = PF = 0
  bt/bts/btr/btc    only CF changes
  aaa/aas           SF, ZF, PF, OF of the 16-bit sum ax +/- 0x106 (or ax)
  daa/das           OF = sign change of al from + to - (daa) / - to + (das)
  aad               flags of the 8-bit addition al + ah*imm
  aam               CF = OF = AF = 0
  bswap r16         result 0

MASKS below lists what is masked in exact mode: nothing.

On any other CPU (the Rust test checks /proc/cpuinfo; X86RUN_INSN_UNDEFINED
=exact|mask overrides) the generator runs with --mask-undefined: every flag
the Intel and AMD manuals call undefined is masked per form (see
undefined_flags()), forms and cases whose result is undefined are dropped
(bswap r16, 16-bit shld/shrd by more than 16, bsf/bsr of zero), and so are the
pending-flag forms whose producer leaves flags undefined.
"""

import os
import random
import re
import sys

CF, PF, AF, ZF, SF, OF, DF = 0x1, 0x4, 0x10, 0x40, 0x80, 0x800, 0x400
ARITH = CF | PF | AF | ZF | SF | OF
FL_CLEAR = 0
FL_SET = ARITH

# Flags masked per instruction in exact mode (the reference CPU), with the
# reason.  Everything not listed here is compared exactly (all of EFLAGS as
# pushf shows it).  Nothing needs masking on the reference CPU.
MASKS = {}

# Set by --mask-undefined (a host CPU other than the reference one).
MASK_UNDEFINED = False

SHIFT_MNEMS = ("shl", "sal", "shr", "sar")
ROTATE_MNEMS = ("rol", "ror", "rcl", "rcr")


def operand_width(op):
    op = op.strip()
    for w, p in PTR.items():
        if op.startswith(p):
            return w
    if op in REGINFO:
        return REGINFO[op][1]
    return None


def undefined_flags(text):
    """EFLAGS bits the manuals (Intel SDM, AMD APM) leave undefined after
    instruction `text` (GNU Intel syntax, prefixes allowed)."""
    t = text.strip()
    if not t or t.endswith(":") or t.startswith("."):
        return 0
    words = t.split()
    while words and words[0] in ("lock", "rep", "repe", "repne", "addr32", "addr16"):
        words = words[1:]
    if not words:
        return 0
    m = words[0]
    ops = [o.strip() for o in " ".join(words[1:]).split(",")] if len(words) > 1 else []
    w = operand_width(ops[0]) if ops else None
    cnt = None
    if ops and ops[-1].lstrip("-").isdigit():
        cnt = int(ops[-1])
    if m in ("and", "or", "xor", "test"):
        return AF
    if m in SHIFT_MNEMS:
        c = 1 if len(ops) == 1 else cnt
        u = AF
        if c is None or (c & (0x3F if w == 8 else 0x1F)) > 1:
            u |= OF
        if w is not None and w <= 2 and (c is None or (c & 0x1F) >= 8 * w):
            u |= CF
        return u
    if m in ROTATE_MNEMS:
        c = 1 if len(ops) == 1 else cnt
        return 0 if c is not None and (c & (0x3F if w == 8 else 0x1F)) == 1 else OF
    if m in ("shld", "shrd"):
        if w == 2 and (cnt is None or cnt & 0x1F > 16):
            return ARITH
        return AF | (0 if cnt == 1 else OF)
    if m in ("mul", "imul"):
        return SF | ZF | AF | PF
    if m in ("div", "idiv"):
        return ARITH
    if m in ("bsf", "bsr"):
        return CF | OF | SF | AF | PF
    if m in ("tzcnt", "lzcnt"):
        return OF | SF | AF | PF
    if m in ("bt", "bts", "btr", "btc"):
        return OF | SF | AF | PF
    if m in ("aaa", "aas"):
        return OF | SF | ZF | PF
    if m in ("daa", "das"):
        return OF
    if m in ("aam", "aad"):
        return OF | AF | CF
    return 0

SCRATCH = 256
MEMOP = 128  # offset of memop in scratch
STACKTOP = 224  # offset of the test stack pointer in scratch

REGS64 = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
          "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"]
REGS32 = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
          "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"]
REGS16 = ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di",
          "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"]
REGS8 = ["al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil",
         "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b"]
HIGH8 = ["ah", "ch", "dh", "bh"]

# name -> (index, width in bytes, bit shift)
REGINFO = {}
for _k in range(16):
    REGINFO[REGS64[_k]] = (_k, 8, 0)
    REGINFO[REGS32[_k]] = (_k, 4, 0)
    REGINFO[REGS16[_k]] = (_k, 2, 0)
    REGINFO[REGS8[_k]] = (_k, 1, 0)
for _k, _n in enumerate(HIGH8):
    REGINFO[_n] = (_k, 1, 8)
REG_RE = re.compile(r"\b(" + "|".join(sorted(REGINFO, key=len, reverse=True)) + r")\b")

PTR = {1: "BYTE PTR", 2: "WORD PTR", 4: "DWORD PTR", 8: "QWORD PTR", 16: "XMMWORD PTR"}


def mask(w):
    return (1 << (8 * w)) - 1


def reg(bits, idx, w):
    """Register name for index idx and width w in bytes."""
    return {8: REGS64, 4: REGS32, 2: REGS16, 1: REGS8}[w][idx]


def filler(idx, bits):
    """Default value of GPR idx: distinct bytes in every register."""
    v = (0x9E3779B97F4A7C15 * (idx + 3)) & mask(8)
    v ^= 0x0102030405060708 * (idx + 1)
    return v & mask(bits // 8)


def edge_values(w):
    """Edge-case operand values of width w bytes."""
    m = mask(w)
    sb = 1 << (8 * w - 1)
    vals = [0, 1, 2, m, m - 1, sb - 1, sb, sb + 1, 0xF, 0x10]
    if w > 1:
        vals += [0xFF, 0x80, 0x7F, 0x100]
    if w > 2:
        vals += [0xFFFF, 0x8000, 0x10000]
    if w > 4:
        vals += [0xFFFFFFFF, 0x80000000, 0x100000000, 0x7FFFFFFF]
    out = []
    for v in vals:
        v &= m
        if v not in out:
            out.append(v)
    return out


class Rng:
    """Deterministic pseudo-random values (fixed seed per program)."""

    def __init__(self, seed):
        self.r = random.Random(seed)

    def val(self, w):
        k = self.r.randrange(6)
        bits = 8 * w
        if k == 0:
            return self.r.getrandbits(bits)
        if k == 1:  # small magnitude, either sign
            v = self.r.randrange(1, 300)
            return (v if self.r.randrange(2) else -v) & mask(w)
        if k == 2:  # near a power of two
            p = 1 << self.r.randrange(bits)
            return (p + self.r.randrange(-2, 3)) & mask(w)
        if k == 3:  # few bits set
            v = 0
            for _ in range(self.r.randrange(1, 4)):
                v |= 1 << self.r.randrange(bits)
            return v
        return self.r.getrandbits(bits)

    def vals(self, w, n):
        return [self.val(w) for _ in range(n)]

    def flags(self):
        f = 0
        for b in (CF, PF, AF, ZF, SF, OF):
            if self.r.randrange(2):
                f |= b
        return f

    def choice(self, s):
        return self.r.choice(s)

    def randrange(self, *a):
        return self.r.randrange(*a)


class Case:
    __slots__ = ("regs", "flags", "mem", "stk", "pattern")

    def __init__(self, regs=None, flags=0, mem=(0, 0), stk=(0, 0), pattern=0):
        self.regs = dict(regs or {})
        self.flags = flags
        self.mem = mem
        self.stk = stk
        self.pattern = pattern


class Form:
    def __init__(self, name, code, cases, dump=False, show=None, flag_mask=None):
        self.name = name
        self.code = code if isinstance(code, list) else [code]
        self.cases = cases
        self.dump = dump
        self.show = show
        self.flag_mask = flag_mask


class Program:
    def __init__(self, name, bits):
        self.name = name
        self.bits = bits
        self.w = bits // 8
        self.nregs = 16 if bits == 64 else 8
        self.forms = []
        self.patterns = [default_pattern()]
        self.rng = Rng(hash_name(name))

    # --- helpers for building cases -------------------------------------
    def regs(self):
        return REGS64[: self.nregs] if self.bits == 64 else REGS32[:8]

    def base_regs(self):
        """Filler values for all GPRs; rsp is the test stack."""
        r = {k: filler(k, self.bits) for k in range(self.nregs)}
        r[4] = "stacktop"
        return r

    def case(self, assign=None, flags=0, mem=(0, 0), stk=(0, 0), pattern=0):
        """A case with registers assigned by name (sub-registers merge into
        the filler value of their full register)."""
        r = self.base_regs()
        for name, v in (assign or {}).items():
            idx, w, sh = REGINFO[name]
            # A narrower value keeps the rest of the filler (so a 32-bit
            # write's zero-extension is visible).
            m = mask(w) << sh
            r[idx] = (r[idx] & ~m) | ((v << sh) & m)
        return Case(r, flags, mem, stk, pattern)

    def add(self, name, code, cases, dump=False, show=None, undef_as=None):
        """Adds a form.  `undef_as` names the instruction whose undefined
        flags apply when `code` is raw bytes ("drop": the result itself is
        undefined)."""
        if not cases:
            return
        assert len(cases) <= 3000, name
        fm = None
        if MASK_UNDEFINED:
            if undef_as == "drop":
                return
            lines = [undef_as] if undef_as else (code if isinstance(code, list) else [code])
            u = 0
            for line in lines:
                u |= undefined_flags(line)
            fm = mask(8) & ~u if u else None
        f = Form(name, code, cases, dump, show)
        f.flag_mask = fm
        self.forms.append(f)


def hash_name(s):
    h = 0
    for c in s.encode():
        h = (h * 131 + c) & 0xFFFFFFFF
    return h


def default_pattern():
    return bytes(((i * 0x9D) + 0x5B) & 0xFF for i in range(SCRATCH))


# ---------------------------------------------------------------------------
# Assembly output
# ---------------------------------------------------------------------------


def fmt_val(v):
    return "0x%x" % v


def emit(prog):
    bits, W = prog.bits, prog.w
    q = "QWORD PTR" if bits == 64 else "DWORD PTR"
    dq = ".quad" if bits == 64 else ".long"
    R = (lambda n: n) if bits == 64 else (lambda n: "e" + n[1:])
    ax, bx, cx, dx, si, di, sp = (R(x) for x in ("rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rsp"))
    n = prog.nregs
    nstate = n + 1  # flags + GPRs
    out_flags_off = n * W
    lines = []
    a = lines.append
    a(".intel_syntax noprefix")
    a(".code%d" % bits)
    a('.section .note.GNU-stack,"",@progbits')
    a(".text")
    a(".globl _start")
    a("_start:")
    a("    mov %s, OFFSET drv_stack_top" % sp)
    a("    mov %s [form_ptr], OFFSET form_table" % q)
    a("    mov %s [outptr], OFFSET outbuf" % q)
    a("    mov %s [case_id], 0" % q)
    a("next_form:")
    a("    mov %s, [form_ptr]" % bx)
    a("    mov %s, [%s]" % (ax, bx))
    a("    test %s, %s" % (ax, ax))
    a("    jz finish")
    a("    mov [cont], %s" % ax)
    for k, var in enumerate(("state_ptr", "remaining", "flag_mask", "dump_len")):
        a("    mov %s, [%s+%d]" % (ax, bx, W * (k + 1)))
        a("    mov [%s], %s" % (var, ax))
    a("    add %s, %d" % (bx, 5 * W))
    a("    mov [form_ptr], %s" % bx)
    a("next_case:")
    a("    mov %s, [state_ptr]" % si)
    a("    mov %s, OFFSET cur_state" % di)
    a("    mov %s, %d" % (cx, nstate))
    a("1:  mov %s, [%s]" % (ax, si))
    a("    mov [%s], %s" % (di, ax))
    a("    add %s, %d" % (si, W))
    a("    add %s, %d" % (di, W))
    a("    dec %s" % cx)
    a("    jnz 1b")
    a("    mov %s, [%s]" % (ax, si))  # pattern pointer
    a("    mov %s, OFFSET scratch" % di)
    a("    mov %s, %d" % (cx, SCRATCH // W))
    a("2:  mov %s, [%s]" % (dx, ax))
    a("    mov [%s], %s" % (di, dx))
    a("    add %s, %d" % (ax, W))
    a("    add %s, %d" % (di, W))
    a("    dec %s" % cx)
    a("    jnz 2b")
    # overlays: 4 x 8 bytes
    for k, dst in enumerate(("memop", "memop+8", "stacktop", "stacktop+8")):
        for h in range(8 // W):
            a("    mov %s, [%s+%d]" % (ax, si, W + 8 * k + W * h))
            a("    mov [%s+%d], %s" % (dst, W * h, ax))
    a("    add %s, %d" % (si, W + 32))
    a("    mov [state_ptr], %s" % si)
    a("    mov %s [path], 0" % q)
    # load the state
    a("    mov %s, OFFSET cur_state" % sp)
    a("    popf%s" % ("q" if bits == 64 else "d"))
    for k in range(n):
        if k == 4:
            a("    lea %s, [%s+%d]" % (sp, sp, W))
        else:
            a("    pop %s" % prog.regs()[k])
    a("    mov %s, [cur_state+%d]" % (sp, W * 5))
    a("    jmp %s [cont]" % q)
    # save
    a("save:")
    a("    mov [saved_sp], %s" % sp)
    a("    mov %s, OFFSET out_state+%d" % (sp, (n + 1) * W))
    a("    pushf%s" % ("q" if bits == 64 else "d"))
    for k in reversed(range(n)):
        if k == 4:
            a("    lea %s, [%s-%d]" % (sp, sp, W))
        else:
            a("    push %s" % prog.regs()[k])
    a("    cld")
    a("    mov %s, OFFSET drv_stack_top" % sp)
    a("    mov %s, [saved_sp]" % ax)
    a("    mov [out_state+%d], %s" % (4 * W, ax))
    a("    mov %s, [flag_mask]" % ax)
    a("    and [out_state+%d], %s" % (out_flags_off, ax))
    a("    mov %s, [path]" % ax)
    a("    mov [out_state+%d], %s" % (out_flags_off + W, ax))
    a("    mov %s, [outptr]" % di)
    a("    mov %s, [case_id]" % ax)
    a("    mov [%s], %s" % (di, ax))
    a("    inc %s" % ax)
    a("    mov [case_id], %s" % ax)
    a("    add %s, %d" % (di, W))
    a("    mov %s, OFFSET out_state" % si)
    a("    mov %s, %d" % (cx, n + 2))
    a("3:  mov %s, [%s]" % (ax, si))
    a("    mov [%s], %s" % (di, ax))
    a("    add %s, %d" % (si, W))
    a("    add %s, %d" % (di, W))
    a("    dec %s" % cx)
    a("    jnz 3b")
    a("    mov %s, [dump_len]" % cx)
    a("    test %s, %s" % (cx, cx))
    a("    jz 5f")
    a("    mov %s, OFFSET scratch" % si)
    a("4:  mov %s, [%s]" % (ax, si))
    a("    mov [%s], %s" % (di, ax))
    a("    add %s, %d" % (si, W))
    a("    add %s, %d" % (di, W))
    a("    sub %s, %d" % (cx, W))
    a("    jnz 4b")
    a("5:  mov [outptr], %s" % di)
    a("    dec %s [remaining]" % q)
    a("    jnz next_case")
    a("    mov %s, [outptr]" % dx)
    a("    sub %s, OFFSET outbuf" % dx)
    a("    cmp %s, %d" % (dx, 1 << 20))
    a("    jb next_form")
    a("    call flush")
    a("    jmp next_form")
    a("finish:")
    a("    call flush")
    if bits == 64:
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
    if bits == 64:
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
    if bits == 64:
        a("    mov eax, 231")
        a("    mov edi, 3")
        a("    syscall")
    else:
        a("    mov eax, 252")
        a("    mov ebx, 3")
        a("    int 0x80")
    a("    hlt")
    # forms
    for fi, f in enumerate(prog.forms):
        a("")
        a("# form %d: %s" % (fi, f.name))
        a("form_%d:" % fi)
        for line in f.code:
            a("    " + line.replace("{T}", "form_%d_t" % fi))
        a("    jmp save")
    # data
    a("")
    a(".data")
    a(".balign 16")
    a("form_table:")
    for fi, f in enumerate(prog.forms):
        fm = f.flag_mask if f.flag_mask is not None else mask(W)
        fm |= ~(ARITH) & mask(W)
        a("    %s form_%d, states_%d, %d, 0x%x, %d" % (dq, fi, fi, len(f.cases), fm & mask(W), SCRATCH if f.dump else 0))
    a("    %s 0, 0, 0, 0, 0" % dq)
    a(".balign 16")
    for pi, p in enumerate(prog.patterns):
        a("pattern_%d:" % pi)
        for k in range(0, len(p), 16):
            a("    .byte " + ",".join("0x%02x" % b for b in p[k:k + 16]))
    for fi, f in enumerate(prog.forms):
        a("states_%d:" % fi)
        for c in f.cases:
            vals = [c.flags] + [c.regs[k] for k in range(n)]
            words = [sym(v, fi) if isinstance(v, str) else fmt_val(v & mask(W)) for v in vals]
            words.append("pattern_%d" % c.pattern)
            for v in list(c.mem) + list(c.stk):
                if isinstance(v, str):
                    words.append(sym(v, fi))
                    if bits == 32:
                        words.append("0")
                elif bits == 64:
                    words.append(fmt_val(v & mask(8)))
                else:
                    words.append(fmt_val(v & 0xFFFFFFFF))
                    words.append(fmt_val((v >> 32) & 0xFFFFFFFF))
            a("    %s %s" % (dq, ",".join(words)))
    a(".bss")
    a(".balign 64")
    a("scratch: .space %d" % SCRATCH)
    a(".set memop, scratch+%d" % MEMOP)
    a(".set stacktop, scratch+%d" % STACKTOP)
    a(".balign 16")
    a("cur_state: .space %d" % (W * (nstate + 1)))
    a("out_state: .space %d" % (W * (n + 4)))
    for var in ("form_ptr", "state_ptr", "remaining", "flag_mask", "dump_len", "cont", "saved_sp", "outptr",
                "case_id", "path"):
        a("%s: .space 8" % var)
    a(".balign 16")
    a("drv_stack: .space 4096")
    a("drv_stack_top: .space 64")
    a(".balign 4096")
    a("outbuf: .space %d" % ((1 << 20) + (1 << 20)))
    return "\n".join(lines) + "\n"


def sym(v, fi):
    return v.replace("{T}", "form_%d_t" % fi)


def hexs(v):
    return v if isinstance(v, str) else "%x" % v


def show_fields(prog, f):
    """Names of the input fields worth printing for a form."""
    if f.show is not None:
        names = list(f.show)
    else:
        names = []
        text = " ".join(f.code)
        for m in REG_RE.finditer(text):
            idx, w, sh = REGINFO[m.group(1)]
            if idx < prog.nregs and idx not in names:
                names.append(idx)
    return names


def emit_meta(prog):
    W = prog.w
    out = ["bits %d" % prog.bits, "word %d" % W, "nregs %d" % prog.nregs]
    for fi, f in enumerate(prog.forms):
        fm = f.flag_mask if f.flag_mask is not None else mask(W)
        out.append("form %d %d %d 0x%x %s" % (fi, len(f.cases), SCRATCH if f.dump else 0, ARITH & ~fm, f.name))
        fields = show_fields(prog, f)
        for c in f.cases:
            parts = []
            for idx in fields:
                if isinstance(idx, str):
                    idx = REGINFO[idx][0]
                name = REGS64[idx] if prog.bits == 64 else REGS32[idx]
                parts.append("%s=%s" % (name, hexs(c.regs[idx])))
            parts.append("fl=%s" % flag_str(c.flags))
            if f.dump:
                parts.append("m0=%s m1=%s" % (hexs(c.mem[0]), hexs(c.mem[1])))
                if c.stk != (0, 0):
                    parts.append("stk=%s,%s" % (hexs(c.stk[0]), hexs(c.stk[1])))
                if c.pattern:
                    parts.append("pat=%d" % c.pattern)
            out.append("case " + " ".join(parts))
    return "\n".join(out) + "\n"


def flag_str(f):
    s = ""
    for b, ch in ((OF, "O"), (DF, "D"), (SF, "S"), (ZF, "Z"), (AF, "A"), (PF, "P"), (CF, "C")):
        s += ch if f & b else "-"
    return s


# ---------------------------------------------------------------------------
# Families
# ---------------------------------------------------------------------------

FLAG_PAIR = (FL_CLEAR, FL_SET)


def widths(prog):
    return (1, 2, 4, 8) if prog.bits == 64 else (1, 2, 4)


def pair_regs(prog, w):
    """(dest, src) register pairs for two-operand forms of width w; the first
    gets the full test set."""
    if w == 1:
        p = [("al", "bl"), ("ah", "ch"), ("dl", "bh")]
        if prog.bits == 64:
            p += [("sil", "r9b"), ("r15b", "dil")]
        return p
    if prog.bits == 64:
        return {2: [("ax", "bx"), ("r8w", "si")], 4: [("eax", "ebx"), ("r10d", "ebp")],
                8: [("rax", "rbx"), ("r11", "rcx")]}[w]
    return {2: [("ax", "bx"), ("di", "bp")], 4: [("eax", "ebx"), ("esi", "edx")]}[w]


def acc(w):
    return {1: "al", 2: "ax", 4: "eax", 8: "rax"}[w]


def pairs_full(prog, w, nrand=24):
    e = edge_values(w)
    ps = [(x, y) for x in e for y in e]
    if len(ps) > 120:
        ps = ps[::2] + ps[1::7]
    ps += [(prog.rng.val(w), prog.rng.val(w)) for _ in range(nrand)]
    return ps


def pairs_small(prog, w, n=20):
    e = edge_values(w)
    ps = [(e[i % len(e)], e[(i * 3 + 1) % len(e)]) for i in range(8)]
    ps += [(prog.rng.val(w), prog.rng.val(w)) for _ in range(n - 8)]
    return ps


def singles(prog, w, nrand=16):
    return edge_values(w) + prog.rng.vals(w, nrand)


def imm_values(w):
    """Immediates for forms with an immediate operand (each one a form)."""
    if w == 1:
        return [0, 1, 0x7F, 0x80, 0xFF]
    if w == 2:
        return [0, 1, 0x7F, 0xFF80 & 0xFFFF, 0xFFFF, 0x8000, 0x1234]
    return [0, 1, 0x7F, -128, -1, 0x7FFFFFFF, -0x80000000, 0x12345678]


def imm_str(v):
    return str(v) if v < 0 else "0x%x" % v


def gen_alu(prog):
    ops = ["add", "or", "adc", "sbb", "and", "sub", "xor", "cmp", "test"]
    for op in ops:
        for w in widths(prog):
            pr = pair_regs(prog, w)
            d, s = pr[0]
            # reg, reg: full
            cases = [prog.case({d: x, s: y}, fl) for (x, y) in pairs_full(prog, w) for fl in FLAG_PAIR]
            prog.add("%s %s,%s" % (op, d, s), "%s %s, %s" % (op, d, s), cases)
            for d2, s2 in pr[1:]:
                cases = [prog.case({d2: x, s2: y}, prog.rng.flags()) for (x, y) in pairs_small(prog, w)]
                prog.add("%s %s,%s" % (op, d2, s2), "%s %s, %s" % (op, d2, s2), cases)
            # same register twice
            cases = [prog.case({d: x}, fl) for x in edge_values(w)[:6] for fl in FLAG_PAIR]
            prog.add("%s %s,%s" % (op, d, d), "%s %s, %s" % (op, d, d), cases)
            # reg, mem and mem, reg
            if op != "test":
                cases = [prog.case({d: x}, fl, mem=(y, 0)) for (x, y) in pairs_small(prog, w, 24) for fl in FLAG_PAIR]
                prog.add("%s %s,m%d" % (op, d, 8 * w), "%s %s, %s [memop]" % (op, d, PTR[w]), cases, dump=True)
            cases = [prog.case({s: y}, fl, mem=(x, 0)) for (x, y) in pairs_small(prog, w, 24) for fl in FLAG_PAIR]
            prog.add("%s m%d,%s" % (op, 8 * w, s), "%s %s [memop], %s" % (op, PTR[w], s), cases, dump=True)
            if op not in ("cmp", "test"):
                cases = [prog.case({s: y}, prog.rng.flags(), mem=(x, 0)) for (x, y) in pairs_small(prog, w, 12)]
                prog.add("lock %s m%d,%s" % (op, 8 * w, s), "lock %s %s [memop], %s" % (op, PTR[w], s), cases,
                         dump=True)
            # immediates
            for v in imm_values(w):
                for dst in (acc(w), pr[-1][0]):
                    cases = [prog.case({dst: x}, prog.rng.flags() if k % 2 else (FL_SET if k % 4 == 1 else 0))
                             for k, x in enumerate(singles(prog, w, 6))]
                    prog.add("%s %s,%s" % (op, dst, imm_str(v)), "%s %s, %s" % (op, dst, imm_str(v)), cases)
            for v in imm_values(w)[2::2]:
                cases = [prog.case({}, fl, mem=(x, 0)) for x in singles(prog, w, 4) for fl in FLAG_PAIR]
                prog.add("%s m%d,%s" % (op, 8 * w, imm_str(v)), "%s %s [memop], %s" % (op, PTR[w], imm_str(v)),
                         cases, dump=True)
                if op not in ("cmp", "test"):
                    cases = [prog.case({}, prog.rng.flags(), mem=(x, 0)) for x in singles(prog, w, 2)]
                    prog.add("lock %s m%d,%s" % (op, 8 * w, imm_str(v)),
                             "lock %s %s [memop], %s" % (op, PTR[w], imm_str(v)), cases, dump=True)


def gen_unary(prog):
    for op in ("inc", "dec", "neg", "not"):
        for w in widths(prog):
            regs = [r for r, _ in pair_regs(prog, w)]
            for k, r in enumerate(regs):
                vals = singles(prog, w, 20 if k == 0 else 4)
                cases = [prog.case({r: x}, fl) for x in vals for fl in FLAG_PAIR]
                prog.add("%s %s" % (op, r), "%s %s" % (op, r), cases)
            cases = [prog.case({}, fl, mem=(x, 0)) for x in singles(prog, w, 6) for fl in FLAG_PAIR]
            prog.add("%s m%d" % (op, 8 * w), "%s %s [memop]" % (op, PTR[w]), cases, dump=True)
            cases = [prog.case({}, prog.rng.flags(), mem=(x, 0)) for x in singles(prog, w, 2)]
            prog.add("lock %s m%d" % (op, 8 * w), "lock %s %s [memop]" % (op, PTR[w]), cases, dump=True)


def gen_muldiv(prog):
    for w in widths(prog):
        a_ = acc(w)
        d_ = {1: "ah", 2: "dx", 4: "edx", 8: "rdx"}[w]
        srcs = [pair_regs(prog, w)[0][1]]
        if w == 1:
            srcs.append("ch")
        elif prog.bits == 64:
            srcs.append({2: "r9w", 4: "r12d", 8: "r14"}[w])
        show = [0, 2] + [REGINFO[s][0] for s in srcs]
        for op in ("mul", "imul"):
            for k, s in enumerate(srcs):
                cases = [prog.case({a_: x, s: y}, fl) for (x, y) in (pairs_full(prog, w) if k == 0 else pairs_small(prog, w))
                         for fl in FLAG_PAIR[: 2 if k == 0 else 1]]
                prog.add("%s %s" % (op, s), "%s %s" % (op, s), cases, show=show)
            cases = [prog.case({a_: x}, fl, mem=(y, 0)) for (x, y) in pairs_small(prog, w) for fl in FLAG_PAIR]
            prog.add("%s m%d" % (op, 8 * w), "%s %s [memop]" % (op, PTR[w]), cases, dump=True, show=[0, 2])
        if w > 1:
            d, s = pair_regs(prog, w)[0]
            cases = [prog.case({d: x, s: y}, fl) for (x, y) in pairs_full(prog, w) for fl in FLAG_PAIR]
            prog.add("imul %s,%s" % (d, s), "imul %s, %s" % (d, s), cases)
            d2, s2 = pair_regs(prog, w)[-1]
            cases = [prog.case({d2: x, s2: y}, prog.rng.flags()) for (x, y) in pairs_small(prog, w)]
            prog.add("imul %s,%s" % (d2, s2), "imul %s, %s" % (d2, s2), cases)
            cases = [prog.case({d: x}, fl, mem=(y, 0)) for (x, y) in pairs_small(prog, w) for fl in FLAG_PAIR]
            prog.add("imul %s,m%d" % (d, 8 * w), "imul %s, %s [memop]" % (d, PTR[w]), cases, dump=True)
            for v in imm_values(w)[1:]:
                cases = [prog.case({s: x}, fl) for x in singles(prog, w, 8) for fl in FLAG_PAIR]
                prog.add("imul %s,%s,%s" % (d2, s, imm_str(v)), "imul %s, %s, %s" % (d2, s, imm_str(v)), cases)
            for v in (3, -7, 0x12345):
                if w == 2 and v == 0x12345:
                    v = 0x1234
                cases = [prog.case({}, fl, mem=(x, 0)) for x in singles(prog, w, 4) for fl in FLAG_PAIR]
                prog.add("imul %s,m%d,%s" % (d, 8 * w, imm_str(v)), "imul %s, %s [memop], %s" % (d, PTR[w], imm_str(v)),
                         cases, dump=True)
        # div / idiv: dividends and divisors that do not fault
        bits = 8 * w
        for op in ("div", "idiv"):
            for k, s in enumerate(srcs + ["mem"]):
                cases = []
                n = 0
                tries = 0
                target = 90 if k == 0 else 24
                while n < target and tries < 10000:
                    tries += 1
                    dv = prog.rng.val(w) if tries % 5 else edge_values(w)[tries // 5 % len(edge_values(w))]
                    if dv == 0:
                        continue
                    if tries % 3 == 0:
                        hi = 0 if op == "div" else (0 if prog.rng.randrange(2) else mask(w))
                        lo = prog.rng.val(w)
                    else:
                        hi = prog.rng.val(w)
                        lo = prog.rng.val(w)
                        if tries % 7 == 0 and op == "div":
                            hi = dv - 1  # largest quotient
                    num = (hi << bits) | lo
                    if op == "div":
                        qv = num // dv
                        if qv > mask(w):
                            continue
                    else:
                        sn = num - (1 << (2 * bits)) if num >> (2 * bits - 1) else num
                        sd = dv - (1 << bits) if dv >> (bits - 1) else dv
                        qv = abs(sn) // abs(sd)
                        if (sn < 0) != (sd < 0):
                            qv = -qv
                        if qv < -(1 << (bits - 1)) or qv > (1 << (bits - 1)) - 1:
                            continue
                    asg = {}
                    if w == 1:
                        asg["ax"] = num
                    else:
                        asg[a_] = lo
                        asg[d_] = hi
                    fl = FL_SET if n % 2 else prog.rng.flags()
                    if s == "mem":
                        cases.append(prog.case(asg, fl, mem=(dv, 0)))
                    else:
                        if REGINFO[s][0] in (0, 2):
                            continue
                        asg[s] = dv
                        cases.append(prog.case(asg, fl))
                    n += 1
                if s == "mem":
                    prog.add("%s m%d" % (op, bits), "%s %s [memop]" % (op, PTR[w]), cases, dump=True, show=[0, 2])
                else:
                    prog.add("%s %s" % (op, s), "%s %s" % (op, s), cases, show=show)


SHIFT_COUNTS = [0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63]


def gen_shift(prog, ops):
    for op in ops:
        for w in widths(prog):
            r = pair_regs(prog, w)[0][0]
            r2 = pair_regs(prog, w)[-1][0]
            vals = edge_values(w)[:8] + prog.rng.vals(w, 8)
            counts = SHIFT_COUNTS + [0x20 | 5, 0x41, 0xFF, 0x80, 3, 4, 5, 6, 10, 12, 24, 40, 48, 62]
            cases = [prog.case({r: x, "cl": c}, fl) for x in vals for c in counts for fl in FLAG_PAIR]
            prog.add("%s %s,cl" % (op, r), "%s %s, cl" % (op, r), cases)
            if w == 1:
                cases = [prog.case({"ah": x, "cl": c}, prog.rng.flags()) for x in vals[:6] for c in counts]
                prog.add("%s ah,cl" % op, "%s ah, cl" % op, cases)
            for c in SHIFT_COUNTS:
                vs = edge_values(w)[:6] + prog.rng.vals(w, 6 if c else 2)
                cases = [prog.case({r2: x}, fl) for x in vs for fl in FLAG_PAIR]
                if c == 1:
                    prog.add("%s %s,1" % (op, r2), "%s %s, 1" % (op, r2), cases)
                    # C1 /n ib with an immediate of 1 (GAS would pick D1).
                    enc = encode_c1(prog, op, r2)
                    if enc:
                        prog.add("%s %s,imm8=1" % (op, r2), enc, cases, undef_as="%s %s, 1" % (op, r2))
                else:
                    prog.add("%s %s,%d" % (op, r2, c), "%s %s, %d" % (op, r2, c), cases)
            if op in ("shl", "sal"):
                # The /6 encoding (an undocumented alias of shl/sal).
                cases = [prog.case({r: x, "cl": c}, fl) for x in vals[::2] for c in SHIFT_COUNTS[::2]
                         for fl in FLAG_PAIR]
                enc = encode_c1(prog, op, r, ext=6).replace("0xc1", "0xd3").replace("0xc0", "0xd2")
                enc = enc.rsplit(",", 1)[0]
                prog.add("%s(/6) %s,cl" % (op, r), enc, cases, show=[0, 1], undef_as="shl %s, cl" % r)
            cases = [prog.case({"cl": c}, fl, mem=(x, 0)) for x in vals[::3] for c in SHIFT_COUNTS
                     for fl in FLAG_PAIR]
            prog.add("%s m%d,cl" % (op, 8 * w), "%s %s [memop], cl" % (op, PTR[w]), cases, dump=True)
            for c in (1, 5):
                cases = [prog.case({}, fl, mem=(x, 0)) for x in vals[::2] for fl in FLAG_PAIR]
                prog.add("%s m%d,%d" % (op, 8 * w, c), "%s %s [memop], %d" % (op, PTR[w], c), cases, dump=True)


SHIFT_EXT = {"rol": 0, "ror": 1, "rcl": 2, "rcr": 3, "shl": 4, "shr": 5, "sal": 6, "sar": 7}


def encode_c1(prog, op, r, ext=None):
    """Raw bytes for `op r, 1` in the C0/C1 ib encoding."""
    idx, w, sh = REGINFO[r]
    if sh:
        idx = idx + 4
    pre = []
    rex = 0
    if w == 2:
        pre.append(0x66)
    if w == 8:
        rex |= 0x48
    if idx >= 8:
        rex |= 0x41
    if w == 1 and 4 <= idx < 8 and not sh:
        rex |= 0x40
    if rex:
        pre.append(rex)
    # sal (/6) is an alias; GAS encodes it as /4, so use /4 for both.
    if ext is None:
        ext = SHIFT_EXT[op] if op != "sal" else 4
    op_b = 0xC0 if w == 1 else 0xC1
    modrm = 0xC0 | (ext << 3) | (idx & 7)
    return ".byte " + ",".join("0x%02x" % b for b in pre + [op_b, modrm, 1])


def gen_shiftd(prog):
    for op in ("shld", "shrd"):
        for w in widths(prog)[1:]:
            d, s = pair_regs(prog, w)[0]
            vals = [(x, y) for x in edge_values(w)[:5] for y in edge_values(w)[:5:2]] + \
                [(prog.rng.val(w), prog.rng.val(w)) for _ in range(10)]
            counts = SHIFT_COUNTS + [3, 12, 24, 0x41, 0xFF, 0x20 | 3, 40]
            if MASK_UNDEFINED and w == 2:
                counts = [c for c in counts if c & 0x1F <= 16]  # result undefined
            cases = [prog.case({d: x, s: y, "cl": c}, fl) for (x, y) in vals for c in counts for fl in FLAG_PAIR]
            prog.add("%s %s,%s,cl" % (op, d, s), "%s %s, %s, cl" % (op, d, s), cases)
            for c in SHIFT_COUNTS:
                if MASK_UNDEFINED and w == 2 and c & 0x1F > 16:
                    continue
                cases = [prog.case({d: x, s: y}, fl) for (x, y) in vals[::3] for fl in FLAG_PAIR]
                prog.add("%s %s,%s,%d" % (op, d, s, c), "%s %s, %s, %d" % (op, d, s, c), cases)
            cases = [prog.case({s: y, "cl": c}, fl, mem=(x, 0)) for (x, y) in vals[::4] for c in SHIFT_COUNTS
                     for fl in FLAG_PAIR if not (MASK_UNDEFINED and w == 2 and c & 0x1F > 16)]
            prog.add("%s m%d,%s,cl" % (op, 8 * w, s), "%s %s [memop], %s, cl" % (op, PTR[w], s), cases, dump=True)
            cases = [prog.case({s: y}, fl, mem=(x, 0)) for (x, y) in vals[::2] for fl in FLAG_PAIR]
            prog.add("%s m%d,%s,5" % (op, 8 * w, s), "%s %s [memop], %s, 5" % (op, PTR[w], s), cases, dump=True)


def gen_bittest(prog):
    for op in ("bt", "bts", "btr", "btc"):
        for w in widths(prog)[1:]:
            bits = 8 * w
            d, s = pair_regs(prog, w)[0]
            offs = [0, 1, bits - 1, bits, bits + 1, 2 * bits - 1, 5, 0xFF, mask(w), 1 << (8 * w - 1)] + \
                prog.rng.vals(w, 6)
            vals = edge_values(w)[:6] + prog.rng.vals(w, 4)
            cases = [prog.case({d: x, s: o}, fl) for x in vals for o in offs for fl in FLAG_PAIR]
            prog.add("%s %s,%s" % (op, d, s), "%s %s, %s" % (op, d, s), cases)
            for imm in (0, 3, bits - 1, bits + 2, 0xFF):
                cases = [prog.case({d: x}, fl) for x in vals for fl in FLAG_PAIR]
                prog.add("%s %s,%d" % (op, d, imm), "%s %s, %d" % (op, d, imm), cases)
                cases = [prog.case({}, fl, mem=(x, 0)) for x in vals[::2] for fl in FLAG_PAIR]
                prog.add("%s m%d,%d" % (op, bits, imm), "%s %s [memop], %d" % (op, PTR[w], imm), cases, dump=True)
            # memory with register offsets reaching before/after the operand
            moffs = [0, 1, bits - 1, bits, 3 * bits + 5, 700, -1, -bits, -bits - 1, -700, -5 * bits + 3, 2 * bits]
            cases = [prog.case({s: o & mask(w)}, fl, mem=(prog.rng.val(8), prog.rng.val(8)), pattern=0)
                     for o in moffs for fl in FLAG_PAIR]
            prog.add("%s m%d,%s" % (op, bits, s), "%s %s [memop], %s" % (op, PTR[w], s), cases, dump=True)
            if op != "bt":
                cases = [prog.case({s: o & mask(w)}, prog.rng.flags(), mem=(prog.rng.val(8), 0)) for o in moffs]
                prog.add("lock %s m%d,%s" % (op, bits, s), "lock %s %s [memop], %s" % (op, PTR[w], s), cases,
                         dump=True)
                cases = [prog.case({}, prog.rng.flags(), mem=(prog.rng.val(8), 0)) for _ in range(6)]
                prog.add("lock %s m%d,%d" % (op, bits, 9), "lock %s %s [memop], 9" % (op, PTR[w]), cases,
                         dump=True)


def gen_bitscan(prog):
    for op in ("bsf", "bsr", "tzcnt", "lzcnt", "popcnt"):
        for w in widths(prog)[1:]:
            d, s = pair_regs(prog, w)[0]
            vals = edge_values(w) + [1 << k for k in range(0, 8 * w, 3)] + prog.rng.vals(w, 12)
            if MASK_UNDEFINED and op in ("bsf", "bsr"):
                vals = [v for v in vals if v]  # destination undefined
            cases = [prog.case({s: x}, fl) for x in vals for fl in FLAG_PAIR]
            prog.add("%s %s,%s" % (op, d, s), "%s %s, %s" % (op, d, s), cases)
            cases = [prog.case({}, fl, mem=(x, 0)) for x in vals[::3] for fl in FLAG_PAIR]
            prog.add("%s %s,m%d" % (op, d, 8 * w), "%s %s, %s [memop]" % (op, d, PTR[w]), cases, dump=True)
            # same register as source and destination
            cases = [prog.case({d: x}, fl) for x in vals[::4] for fl in FLAG_PAIR]
            prog.add("%s %s,%s" % (op, d, d), "%s %s, %s" % (op, d, d), cases)
    for w in widths(prog)[1:]:
        for r in [x for x, _ in pair_regs(prog, w)]:
            cases = [prog.case({r: x}, fl) for x in singles(prog, w, 6) for fl in FLAG_PAIR]
            if w == 2:
                # bswap r16 (66 0F C8+r): undefined result; compared anyway.
                idx = REGINFO[r][0]
                enc = [0x66] + ([0x41] if idx >= 8 else []) + [0x0F, 0xC8 + (idx & 7)]
                prog.add("bswap %s" % r, ".byte " + ",".join("0x%02x" % b for b in enc), cases, show=[idx],
                         undef_as="drop")
            else:
                prog.add("bswap %s" % r, "bswap %s" % r, cases)


def gen_movx(prog):
    specs = [("movzx", 2, 1), ("movzx", 4, 1), ("movzx", 4, 2), ("movsx", 2, 1), ("movsx", 4, 1), ("movsx", 4, 2)]
    if prog.bits == 64:
        specs += [("movzx", 8, 1), ("movzx", 8, 2), ("movsx", 8, 1), ("movsx", 8, 2), ("movsxd", 8, 4)]
    for op, dw, sw in specs:
        d = pair_regs(prog, dw)[0][0]
        for s in [x for _, x in pair_regs(prog, sw)] + ["mem"]:
            if sw == 1 and s in HIGH8 and prog.bits == 64 and dw == 8:
                continue
            vals = edge_values(sw) + prog.rng.vals(sw, 4)
            if s == "mem":
                cases = [prog.case({}, FL_SET, mem=(x | (0x5A5A5A5A5A5A5A5A & ~mask(sw)), 0)) for x in vals]
                prog.add("%s %s,m%d" % (op, d, 8 * sw), "%s %s, %s [memop]" % (op, d, PTR[sw]), cases, dump=True)
            else:
                cases = [prog.case({s: x}, 0) for x in vals]
                prog.add("%s %s,%s" % (op, d, s), "%s %s, %s" % (op, d, s), cases)


CC = ["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"]


def flag_combos():
    out = []
    for k in range(32):
        f = 0
        for bit, fl in enumerate((CF, ZF, SF, OF, PF)):
            if k >> bit & 1:
                f |= fl
        out.append(f | (AF if k % 3 == 0 else 0))
    return out


def gen_cc(prog):
    for cc in CC:
        for w in widths(prog)[1:]:
            d, s = pair_regs(prog, w)[0]
            cases = [prog.case({d: prog.rng.val(w), s: prog.rng.val(w)}, f) for f in flag_combos()]
            prog.add("cmov%s %s,%s" % (cc, d, s), "cmov%s %s, %s" % (cc, d, s), cases)
            cases = [prog.case({d: prog.rng.val(w)}, f, mem=(prog.rng.val(8), 0)) for f in flag_combos()[::3]]
            prog.add("cmov%s %s,m%d" % (cc, d, 8 * w), "cmov%s %s, %s [memop]" % (cc, d, PTR[w]), cases, dump=True)
        for r in ("al", "bh") + (("sil", "r12b") if prog.bits == 64 else ()):
            cases = [prog.case({}, f) for f in flag_combos()]
            prog.add("set%s %s" % (cc, r), "set%s %s" % (cc, r), cases, show=[])
        cases = [prog.case({}, f, mem=(prog.rng.val(8), 0)) for f in flag_combos()]
        prog.add("set%s m8" % cc, "set%s BYTE PTR [memop]" % cc, cases, dump=True)


def gen_xchg(prog):
    for w in widths(prog):
        pr = pair_regs(prog, w)
        for d, s in pr[:2] + ([(acc(w), pr[0][1])] if w > 1 else []):
            cases = [prog.case({d: x, s: y}, prog.rng.flags()) for (x, y) in pairs_small(prog, w, 10)]
            prog.add("xchg %s,%s" % (d, s), "xchg %s, %s" % (d, s), cases)
        s = pr[0][1]
        cases = [prog.case({s: y}, prog.rng.flags(), mem=(x, prog.rng.val(8))) for (x, y) in pairs_small(prog, w, 10)]
        prog.add("xchg m%d,%s" % (8 * w, s), "xchg %s [memop], %s" % (PTR[w], s), cases, dump=True)
        # xadd
        r0 = pr[0][0]
        cases = [prog.case({r0: x}, fl) for x in singles(prog, w, 4) for fl in FLAG_PAIR]
        prog.add("xadd %s,%s" % (r0, r0), "xadd %s, %s" % (r0, r0), cases)
        for d, s in pr[:2]:
            cases = [prog.case({d: x, s: y}, fl) for (x, y) in pairs_small(prog, w, 20) for fl in FLAG_PAIR]
            prog.add("xadd %s,%s" % (d, s), "xadd %s, %s" % (d, s), cases)
        for lock in ("", "lock "):
            cases = [prog.case({s: y}, fl, mem=(x, 0)) for (x, y) in pairs_small(prog, w, 12) for fl in FLAG_PAIR]
            prog.add("%sxadd m%d,%s" % (lock, 8 * w, s), "%sxadd %s [memop], %s" % (lock, PTR[w], s), cases,
                     dump=True)
        # cmpxchg: equal and unequal
        a_ = acc(w)
        d, s = reg(prog.bits, 3, w), reg(prog.bits, 1, w)
        cases = []
        for k, (x, y) in enumerate(pairs_small(prog, w, 16)):
            z = prog.rng.val(w)
            for eq in (0, 1):
                av = x if eq else (x ^ (1 << (k % (8 * w))))
                cases.append(prog.case({d: x, s: z, a_: av}, FL_SET if k % 2 else 0))
        prog.add("cmpxchg %s,%s" % (d, s), "cmpxchg %s, %s" % (d, s), cases, show=[0, REGINFO[d][0], REGINFO[s][0]])
        for lock in ("", "lock "):
            cases = []
            for k, (x, y) in enumerate(pairs_small(prog, w, 10)):
                for eq in (0, 1):
                    av = x if eq else (x + 1) & mask(w)
                    cases.append(prog.case({s: y, a_: av}, prog.rng.flags(), mem=(x | 0x1122334455667700 & ~mask(w), 0)))
            prog.add("%scmpxchg m%d,%s" % (lock, 8 * w, s), "%scmpxchg %s [memop], %s" % (lock, PTR[w], s), cases,
                     dump=True, show=[0, REGINFO[s][0]])
        # cmpxchg with the accumulator itself as source or destination
        cases = [prog.case({a_: x, s: y}, 0) for (x, y) in pairs_small(prog, w, 8)]
        prog.add("cmpxchg %s,%s" % (a_, s), "cmpxchg %s, %s" % (a_, s), cases)
        cases = [prog.case({a_: x, d: y}, 0) for (x, y) in pairs_small(prog, w, 8)]
        prog.add("cmpxchg %s,%s" % (d, a_), "cmpxchg %s, %s" % (d, a_), cases)
    # 90 is nop, not xchg eax,eax (which zero-extends in 64-bit mode)
    cases = [prog.case({}, 0)]
    prog.add("nop (90)", ".byte 0x90", cases, show=[0])
    prog.add("xchg eax,eax (87 c0)", ".byte 0x87, 0xc0", cases, show=[0])
    prog.add("xchg ebx,ebx", "xchg ebx, ebx", cases, show=[3])
    if prog.bits == 64:
        prog.add("xchg r8d,eax (41 90)", ".byte 0x41, 0x90", cases, show=[0, 8])
        prog.add("xchg rax,r8 (49 90)", ".byte 0x49, 0x90", cases, show=[0, 8])
    # cmpxchg8b / cmpxchg16b
    for lock in ("", "lock "):
        cases = []
        for k in range(16):
            m = prog.rng.val(8)
            eq = k % 2
            exp = m if eq else m ^ (1 << (k * 4 % 64))
            cases.append(prog.case({"eax": exp & 0xFFFFFFFF, "edx": exp >> 32, "ebx": prog.rng.val(4),
                                    "ecx": prog.rng.val(4)}, prog.rng.flags(), mem=(m, prog.rng.val(8))))
        prog.add("%scmpxchg8b m64" % lock, "%scmpxchg8b QWORD PTR [memop]" % lock, cases, dump=True, show=[0, 1, 2, 3])
        if prog.bits == 64:
            cases = []
            for k in range(16):
                m0, m1 = prog.rng.val(8), prog.rng.val(8)
                eq = k % 2
                e0, e1 = (m0, m1) if eq else ((m0 ^ 1, m1) if k % 4 == 0 else (m0, m1 ^ (1 << 63)))
                cases.append(prog.case({"rax": e0, "rdx": e1, "rbx": prog.rng.val(8), "rcx": prog.rng.val(8)},
                                       prog.rng.flags(), mem=(m0, m1)))
            prog.add("%scmpxchg16b m128" % lock, "%scmpxchg16b XMMWORD PTR [memop]" % lock, cases, dump=True,
                     show=[0, 1, 2, 3])


def gen_lea(prog):
    vals = [0, 1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFFFFFFFFFFFFFF, 0x8000000000000000, 0x123456789ABCDEF0,
            0xFFFFFFFFFFFF0000, 0xFFFFFFF0]
    if prog.bits == 64:
        addrs = ["[rbx]", "[rbx+8]", "[rbx-128]", "[rbx+0x12345678]", "[rbx-0x80000000]", "[rsi*4]",
                 "[rsi*8+0x10]", "[rbx+rsi]", "[rbx+rsi*2+7]", "[rbx+rsi*8-0x1000]", "[rbp]", "[r13]", "[r12]",
                 "[r12+r13*4+9]", "[rsp+8]", "[rsp+rsi]", "[rip+0x1000]", "[0x12345678]", "[ebx+esi*4+5]", "[ebx]",
                 "[esi*2-3]", "[r9d+r10d]", "[eip+0x40]", "[ebx+0x7fffffff]", "[rbx+rbx*2]"]
        dests = ["rax", "eax", "ax", "r10"]
    else:
        addrs = ["[ebx]", "[ebx+8]", "[ebx-128]", "[ebx+0x12345678]", "[esi*4]", "[esi*8+0x10]", "[ebx+esi]",
                 "[ebx+esi*2+7]", "[ebp]", "[esp+8]", "[esp+esi]", "[0x12345678]", "[ebx+ebx*2]",
                 "[bx+si]", "[bx+di+5]", "[bp+si-2]", "[bp+di+0x1234]", "[si]", "[di+0x7fff]", "[bp+4]", "[bx]",
                 "[0x1234]"]
        dests = ["eax", "ax", "edi"]
    for ad in addrs:
        for d in dests:
            if "rip" in ad or "eip" in ad:
                if d != dests[0]:
                    continue
            cases = []
            for k in range(len(vals)):
                asg = {}
                for r in ("rbx", "rsi", "rbp", "r12", "r13", "r9", "r10") if prog.bits == 64 else ("ebx", "esi", "ebp", "edi"):
                    asg[r] = vals[(k + hash_name(r)) % len(vals)]
                    if r == "rsi" or r == "esi":
                        asg[r] = vals[(k * 3 + 1) % len(vals)]
                cases.append(prog.case(asg, 0))
            idx_show = sorted({REGINFO[m.group(1)][0] for m in REG_RE.finditer(ad)} - {4})
            prog.add("lea %s,%s" % (d, ad), "lea %s, %s" % (d, ad), cases, show=idx_show)
    # displacement-only forms, with and without an address-size prefix
    raw = {64: [("lea rax,[-8]", "48 8d 04 25 f8 ff ff ff"), ("addr32 lea rax,[0xfffffff8]", "67 48 8d 04 25 f8 ff ff ff"),
                ("lea eax,[-8]", "8d 04 25 f8 ff ff ff")],
           32: [("lea eax,[-8]", "8d 05 f8 ff ff ff"), ("addr16 lea eax,[0xfff8]", "67 8d 06 f8 ff"),
                ("addr16 lea ax,[0x1234]", "66 67 8d 06 34 12")]}[prog.bits]
    for name, hexbytes in raw:
        code = ".byte " + ",".join("0x" + b for b in hexbytes.split())
        prog.add(name, code, [prog.case({}, 0)], show=[0])


def gen_misc_data(prog):
    for op in (["cbw", "cwde", "cwd", "cdq"] + (["cdqe", "cqo"] if prog.bits == 64 else [])):
        vals = [0, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF,
                0x8000000000000000, 0x7FFFFFFFFFFFFFFF] + prog.rng.vals(8, 6)
        cases = [prog.case({"rax" if prog.bits == 64 else "eax": v & mask(prog.w)}, 0) for v in vals]
        prog.add(op, op, cases, show=[0, 2])
    for op in ("clc", "stc", "cmc", "cld", "std"):
        cases = [prog.case({}, f) for f in (0, ARITH, CF, DF, ARITH | DF, ZF | SF)]
        prog.add(op, op, cases, show=[])
    cases = [prog.case({}, f) for f in flag_combos()]
    prog.add("lahf", "lahf", cases, show=[0])
    cases = [prog.case({"ah": v}, f) for v in range(0, 256, 7) for f in (0, ARITH)] + \
        [prog.case({"ah": v}, 0) for v in (0xFF, 0xD5, 0x2A, 0x02, 0x08, 0x20)]
    prog.add("sahf", "sahf", cases, show=[0])
    # xlat
    cases = [prog.case({"al": al}, 0) for al in (0, 1, 0x7F, 0x80, 0xFF, 0x33, 0x10)]
    # the base register holds the scratch address (resolved at link time)
    for c in cases:
        c.regs[3] = "scratch"
    prog.add("xlatb", "xlatb", cases, show=[0], dump=True)
    # mov to/from memory and immediates (basic plumbing)
    for w in widths(prog):
        d, s = pair_regs(prog, w)[0]
        cases = [prog.case({d: prog.rng.val(w)}, 0, mem=(prog.rng.val(8), 0)) for _ in range(4)]
        prog.add("mov %s,m%d" % (d, 8 * w), "mov %s, %s [memop]" % (d, PTR[w]), cases, dump=True)
        prog.add("mov m%d,%s" % (8 * w, d), "mov %s [memop], %s" % (PTR[w], d), cases, dump=True)
        prog.add("mov %s,imm" % d, "mov %s, %s" % (d, imm_str(0x8765432112345678 & mask(w) if w == 8 else 0x87654321 & mask(w))), cases[:1])
        prog.add("mov m%d,imm" % (8 * w), "mov %s [memop], %s" % (PTR[w], imm_str(-5 if w == 8 else 0x87654321 & mask(w))), cases[:2], dump=True)
    # movbe (byte-swapping load/store)
    for w in (2, 4) + ((8,) if prog.bits == 64 else ()):
        r = reg(prog.bits, 3, w)
        cases = [prog.case({r: prog.rng.val(w)}, 0, mem=(prog.rng.val(8), 0)) for _ in range(4)]
        prog.add("movbe %s,m%d" % (r, 8 * w), "movbe %s, %s [memop]" % (r, PTR[w]), cases, dump=True)
        prog.add("movbe m%d,%s" % (8 * w, r), "movbe %s [memop], %s" % (PTR[w], r), cases, dump=True)
    # moffs forms (A0-A3): absolute address without ModRM
    cases = [prog.case({"rax" if prog.bits == 64 else "eax": prog.rng.val(8)}, 0, mem=(prog.rng.val(8), 0))
             for _ in range(3)]
    dq = ".quad" if prog.bits == 64 else ".long"
    for name, pre in (("mov al,moffs", "0xa0"), ("mov eax,moffs", "0xa1"), ("mov moffs,al", "0xa2"),
                      ("mov moffs,eax", "0xa3"), ("mov ax,moffs", "0x66, 0xa1"), ("mov moffs,ax", "0x66, 0xa3")) + \
            ((("mov rax,moffs", "0x48, 0xa1"), ("mov moffs,rax", "0x48, 0xa3")) if prog.bits == 64 else ()):
        prog.add(name, [".byte " + pre, "%s memop" % dq], cases, dump=True, show=[0])
    # hints that must change nothing: multi-byte nops (as compilers pad),
    # fences, prefetches, pause, endbr
    cases = [prog.case({}, ARITH, mem=(prog.rng.val(8), 0))]
    for name, code in (("nop3", ".byte 0x0f, 0x1f, 0x00"), ("nop5", ".byte 0x0f, 0x1f, 0x44, 0x00, 0x00"),
                       ("nop10 cs:", ".byte 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00"),
                       ("xchg ax,ax", ".byte 0x66, 0x90"), ("pause", "pause"), ("lfence", "lfence"),
                       ("mfence", "mfence"), ("sfence", "sfence"), ("prefetcht0", "prefetcht0 BYTE PTR [memop]"),
                       ("prefetchnta", "prefetchnta BYTE PTR [memop]"), ("endbr32", "endbr32"),
                       ("endbr64", "endbr64")):
        prog.add(name, code, cases, dump=True, show=[])
    cases = [prog.case({"eax": prog.rng.val(4)}, 0, mem=(prog.rng.val(8), 0)) for _ in range(2)]
    prog.add("movnti m32,eax", "movnti DWORD PTR [memop], eax", cases, dump=True)
    if prog.bits == 64:
        cases = [prog.case({"rax": prog.rng.val(8)}, 0, mem=(prog.rng.val(8), 0)) for _ in range(2)]
        prog.add("movnti m64,rax", "movnti QWORD PTR [memop], rax", cases, dump=True)
        # fs/gs overrides with the zero bases of a process that set none
        prog.add("mov eax,fs:m32", "mov eax, DWORD PTR fs:[memop]", cases, dump=True, show=[0])
        prog.add("mov gs:m64,rax", "mov QWORD PTR gs:[memop], rax", cases, dump=True, show=[0])
        # xlat with a 32-bit address: ebx, not rbx
        cases = [prog.case({"al": al}, 0) for al in (0, 0x7F, 0xFF)]
        for c in cases:
            c.regs[3] = "scratch+0x5a00000000"
        prog.add("addr32 xlatb", ".byte 0x67, 0xd7", cases, show=[0, 3], dump=True)
    else:
        # bound (in range: no #BR) and into (OF clear: no #OF)
        for lo, hi, v in ((0, 10, 5), (-5, 5, -5), (-5, 5, 5), (0x80000000, 0x7FFFFFFF, 0)):
            cases = [prog.case({"eax": v & 0xFFFFFFFF}, 0, mem=((lo & 0xFFFFFFFF) | (hi & 0xFFFFFFFF) << 32, 0))]
            prog.add("bound eax,m [%d,%d] %d" % (lo, hi, v), "bound eax, QWORD PTR [memop]", cases, dump=True)
        cases = [prog.case({}, f) for f in (0, ARITH & ~OF)]
        prog.add("into (OF=0)", "into", cases, show=[])
    # segment register reads (the selectors Linux gives a process)
    for sreg in ("cs", "ds", "es", "ss", "fs", "gs"):
        cases = [prog.case({}, 0, mem=(prog.rng.val(8), 0))]
        prog.add("mov eax,%s" % sreg, "mov eax, %s" % sreg, cases, show=[0])
        prog.add("mov ax,%s" % sreg, "mov ax, %s" % sreg, cases, show=[0])
        prog.add("mov m16,%s" % sreg, "mov WORD PTR [memop], %s" % sreg, cases, dump=True, show=[])
        if prog.bits == 32 or sreg in ("fs", "gs"):
            prog.add("push %s" % sreg, "push %s" % sreg, cases, dump=True, show=[])
    if prog.bits == 32:
        # salc (undocumented, 32-bit only): al = CF ? 0xff : 0
        cases = [prog.case({"eax": prog.rng.val(4)}, f) for f in (0, CF, ARITH, ARITH & ~CF)]
        prog.add("salc", ".byte 0xd6", cases, show=[0])
    if prog.bits == 64:
        cases = [prog.case({}, 0)]
        prog.add("movabs rax,imm64", "movabs rax, 0x8877665544332211", cases)
        prog.add("mov r9,imm64", "mov r9, 0x8877665544332211", cases)
        prog.add("mov r9d,imm32", "mov r9d, 0x88776655", cases)


def gen_stack(prog):
    sp = "rsp" if prog.bits == 64 else "esp"

    def stk():
        return (prog.rng.val(8), prog.rng.val(8))

    base = prog.regs()
    regs = [r for r in base if r not in ("rsp", "esp")][:6] + ([sp])
    for r in regs:
        cases = [prog.case({}, prog.rng.flags(), stk=stk()) for _ in range(3)]
        prog.add("push %s" % r, "push %s" % r, cases, dump=True, show=[])
        prog.add("pop %s" % r, "pop %s" % r, cases, dump=True, show=[])
        r16 = reg(prog.bits, REGINFO[r][0], 2)
        prog.add("push %s" % r16, "push %s" % r16, cases, dump=True, show=[])
        prog.add("pop %s" % r16, "pop %s" % r16, cases, dump=True, show=[])
    if prog.bits == 64:
        cases = [prog.case({}, 0, stk=stk()) for _ in range(2)]
        prog.add("push r13", "push r13", cases, dump=True, show=[])
        prog.add("pop r13", "pop r13", cases, dump=True, show=[])
    for v in (0, 5, -1, -128, 0x7F, 0x1234, 0x12345678, -0x80000000):
        cases = [prog.case({}, 0, stk=stk())]
        prog.add("push %s" % imm_str(v), "push %s" % imm_str(v), cases, dump=True, show=[])
    for v in (5, -2, 0x1234):
        cases = [prog.case({}, 0, stk=stk())]
        prog.add("pushw %s" % imm_str(v), "pushw %s" % imm_str(v), cases, dump=True, show=[])
    cases = [prog.case({}, 0, mem=(prog.rng.val(8), prog.rng.val(8)), stk=stk()) for _ in range(3)]
    q = "QWORD PTR" if prog.bits == 64 else "DWORD PTR"
    prog.add("push m", "push %s [memop]" % q, cases, dump=True, show=[])
    prog.add("pop m", "pop %s [memop]" % q, cases, dump=True, show=[])
    prog.add("push m16", "push WORD PTR [memop]", cases, dump=True, show=[])
    prog.add("pop m16", "pop WORD PTR [memop]", cases, dump=True, show=[])
    # pop into a memory operand addressed with rsp (uses the incremented rsp)
    prog.add("pop [sp+4]", "pop %s [%s+4]" % (q, sp), cases, dump=True, show=[])
    prog.add("push [sp+8]", "push %s [%s+8]" % (q, sp), cases, dump=True, show=[])
    if prog.bits == 32:
        cases = [prog.case({}, 0, stk=stk()) for _ in range(2)]
        for c in cases:
            c.regs[4] = "scratch+%d" % (STACKTOP - 32)
        for op in ("pusha", "pushad", "popa", "popad"):
            prog.add(op, op if op != "pusha" else "pushaw", cases, dump=True, show=[])
    # pushf / popf
    sfx = "q" if prog.bits == 64 else "d"
    cases = [prog.case({}, f, stk=stk()) for f in flag_combos()[::3] + [DF, ARITH | DF]]
    prog.add("pushf", "pushf%s" % sfx, cases, dump=True, show=[])
    prog.add("pushfw", "pushfw", cases, dump=True, show=[])
    popvals = [0, ARITH, DF, ARITH | DF, 0x200000, 0x200000 | ARITH, 0x4000 & 0, 0x3000, 0xFFFF & ~(0x100 | 0x4000)]
    cases = [prog.case({}, f, stk=(v | (prog.rng.val(8) & 0xFFFFFFFF00000000 if prog.bits == 32 else 0), 0))
             for v in popvals for f in (0, ARITH)]
    prog.add("popf", "popf%s" % sfx, cases, dump=True, show=[])
    prog.add("popfw", "popfw", cases, dump=True, show=[])
    # enter / leave
    bp = "rbp" if prog.bits == 64 else "ebp"
    for alloc, level in ((0, 0), (16, 0), (8, 1), (0, 2), (24, 3), (4, 4)):
        cases = [prog.case({}, 0, stk=stk())]
        for c in cases:
            c.regs[5] = "scratch+%d" % (STACKTOP + 16)
        prog.add("enter %d,%d" % (alloc, level), "enter %d, %d" % (alloc, level), cases, dump=True, show=[])
        if prog.bits == 32:
            prog.add("enterw %d,%d" % (alloc, level), "enterw %d, %d" % (alloc, level), cases, dump=True, show=[])
    cases = [prog.case({}, 0)]
    for c in cases:
        c.regs[5] = "scratch+%d" % (STACKTOP - 24)
    prog.add("leave", "leave", cases, dump=True, show=[])
    prog.add("leavew", "leavew" if prog.bits == 32 else ".byte 0x66, 0xc9", cases, dump=True, show=[])
    # call / ret
    cases = [prog.case({}, 0, stk=stk())]
    prog.add("call rel", ["call 1f", "mov %s [path], 1" % q, "1:"], cases, dump=True, show=[])
    tail = ["mov %s [path], 1" % q, "jmp save", "{T}:", "mov %s [path], 2" % q]
    cases = [prog.case({}, 0, stk=("{T}", 0))]
    prog.add("ret", ["ret"] + tail, cases, dump=True, show=[])
    prog.add("ret 8", ["ret 8"] + tail, cases, dump=True, show=[])
    c = prog.case({}, 0, stk=stk())
    c.regs[1] = "{T}"
    prog.add("call reg", ["call %s" % ("rcx" if prog.bits == 64 else "ecx")] + tail, [c], dump=True, show=[])
    c = prog.case({}, 0, mem=("{T}", 0), stk=stk())
    prog.add("call mem", ["call %s [memop]" % q] + tail, [c], dump=True, show=[])
    prog.add("jmp mem", ["jmp %s [memop]" % q] + tail, [c], dump=True, show=[])


def gen_string(prog):
    W = prog.w
    widths_ = ["b", "w", "d"] + (["q"] if prog.bits == 64 else [])
    sz = {"b": 1, "w": 2, "d": 4, "q": 8}
    # pattern 1: two halves with equal runs for cmps; byte 0x41 repeated
    p = bytearray(default_pattern())
    for k in range(0, 40):
        p[128 + 8 + k] = p[8 + k]
    for k in range(60, 100):
        p[k] = 0x41
    p[128 + 8 + 21] ^= 0x80  # the forward equal run ends here
    for k in range(48):  # backward equal run for byte compares
        p[247 - k] = p[120 - k]
    p[247 - 9] ^= 0x01
    prog.patterns.append(bytes(p))
    pat = 1
    # the memop overlay rewrites the pattern's own bytes
    keep = (int.from_bytes(p[MEMOP:MEMOP + 8], "little"), int.from_bytes(p[MEMOP + 8:MEMOP + 16], "little"))
    R = (lambda n: n) if prog.bits == 64 else (lambda n: "e" + n[1:])
    for op in ("movs", "cmps", "scas", "lods", "stos"):
        for suf in widths_:
            s = sz[suf]
            for rep in ("", "rep ", "repne "):
                if rep == "repne " and op not in ("cmps", "scas"):
                    continue
                if rep == "rep " and op in ("cmps", "scas"):
                    rep = "repe "
                counts = [0, 1, 2, 5, 13] if rep else [3]
                cases = []
                for df in (0, 1):
                    for c in counts:
                        for accv in (0x4141414141414141, prog.rng.val(8)):
                            if df == 0:
                                si_, di_ = 8, 136
                            else:
                                si_, di_ = 120, 248 - s
                            if op == "scas" and accv == 0x4141414141414141:
                                di_ = 56 if df == 0 else 104
                            asg = {}
                            asg[R("rcx")] = c
                            asg[R("rax")] = accv & mask(W)
                            cc = prog.case(asg, (DF if df else 0) | (ARITH if c % 2 else 0), pattern=pat,
                                           mem=keep)
                            cc.regs[6] = "scratch+%d" % si_
                            cc.regs[7] = "scratch+%d" % di_
                            cases.append(cc)
                name = "%s%s%s" % (rep, op, suf)
                prog.add(name, name, cases, dump=True, show=[0, 1])
    if prog.bits == 64:
        # 32-bit address size: esi/edi/ecx.
        for name in ("rep movsb", "repe cmpsb", "rep stosd", "repne scasb"):
            cases = []
            for df in (0, 1):
                for c in (0, 3):
                    cc = prog.case({"rcx": c | 0xFFFFFFFF00000000, "rax": 0x4141414141414141}, DF if df else 0,
                                   pattern=pat, mem=keep)
                    cc.regs[6] = "scratch+%d" % (8 if not df else 120)
                    cc.regs[7] = "scratch+%d" % (136 if not df else 240)
                    cases.append(cc)
            prog.add("addr32 " + name, "addr32 " + name, cases, dump=True, show=[0, 1])


def gen_bcd(prog):
    for op in ("daa", "das", "aaa", "aas"):
        cases = []
        for al in range(256):
            for fl in (0, CF, AF, CF | AF):
                ah = (al * 7 + 3) & 0xFF if op in ("aaa", "aas") else 0x5A
                extra = (SF | ZF | PF | OF) if (al + fl) % 3 == 0 else 0
                cases.append(prog.case({"al": al, "ah": ah}, fl | extra))
        prog.add(op, op, cases, show=[0])
    for op, base in (("aam", 10), ("aam", 16), ("aam", 7), ("aam", 255), ("aad", 10), ("aad", 16), ("aad", 7),
                     ("aad", 0), ("aad", 255)):
        cases = []
        for al in range(256):
            ah = (al * 13 + 5) & 0xFF
            cases.append(prog.case({"al": al, "ah": ah}, ARITH if al % 2 else 0))
        if base == 10:
            prog.add(op, op, cases, show=[0])
        else:
            prog.add("%s %d" % (op, base), "%s %d" % (op, base), cases, show=[0])


def gen_control(prog):
    q = "QWORD PTR" if prog.bits == 64 else "DWORD PTR"
    paths = lambda ins: [ins + " 9f", "mov %s [path], 1" % q, "jmp save", "9:", "mov %s [path], 2" % q]
    for cc in CC:
        cases = [prog.case({}, f) for f in flag_combos()]
        prog.add("j%s" % cc, paths("j%s" % cc), cases, show=[])
        # near (rel32) form
        prog.add("j%s rel32" % cc, [ "j%s 9f" % cc, "mov %s [path], 1" % q, "jmp save", ".skip 200, 0x90", "9:",
                                     "mov %s [path], 2" % q], cases[::4], show=[])
    R = "rcx" if prog.bits == 64 else "ecx"
    cvals = [0, 1, 2, 0x10000, 0x10001, 0xFFFFFFFF, 0x100000000, 0x1FFFFFFFF & mask(prog.w), 0xFFFF, 0xFFFFFFFF00000001 & mask(prog.w)]
    for ins in ("loop", "loope", "loopne"):
        cases = [prog.case({R: c}, f) for c in cvals for f in (0, ZF, ARITH)]
        prog.add(ins, paths(ins), cases, show=[1])
        if prog.bits == 64:
            prog.add("addr32 " + ins, paths("addr32 " + ins), cases, show=[1])
        else:
            prog.add("addr16 " + ins, paths("addr16 " + ins), cases, show=[1])
    cases = [prog.case({R: c}, f) for c in cvals for f in (0, ARITH)]
    if prog.bits == 64:
        prog.add("jrcxz", paths("jrcxz"), cases, show=[1])
        prog.add("jecxz", paths("jecxz"), cases, show=[1])
    else:
        prog.add("jecxz", paths("jecxz"), cases, show=[1])
        prog.add("jcxz", paths("jcxz"), cases, show=[1])
    c = prog.case({}, 0)
    prog.add("jmp rel8", ["jmp 9f", "mov %s [path], 1" % q, "9:"], [c], show=[])
    c = prog.case({}, 0)
    c.regs[2] = "{T}"
    prog.add("jmp reg", ["jmp %s" % ("rdx" if prog.bits == 64 else "edx"), "mov %s [path], 1" % q, "jmp save",
                         "{T}:", "mov %s [path], 2" % q], [c], show=[])


def gen_fused(prog):
    """A compare or test right before a conditional jump, which an emulator
    may run as one operation: every condition, with registers, immediates
    and memory on either side, over edge operands; and the same for add,
    or, and, sub and xor into a register. Memory is addressed absolutely
    and through a base register with a displacement. The path taken, the
    registers and the flags left are compared."""
    q = "QWORD PTR" if prog.bits == 64 else "DWORD PTR"
    base = "rdi" if prog.bits == 64 else "edi"
    # (address, value of the base register or None)
    addrs = [("[memop]", None), ("[%s+8]" % base, "memop-8")]

    def emit(name, code, how, cc, w, at):
        cases = []
        for x, y in pairs_small(prog, w, 12):
            fl = prog.rng.flags()
            if how == "rr":
                c = prog.case({d: x, s: y}, fl)
            elif how == "mr":
                c = prog.case({s: y}, fl, mem=(x, 0))
            elif how == "rm":
                c = prog.case({d: x}, fl, mem=(y, 0))
            elif how == "ri":
                c = prog.case({d: x}, fl)
            else:
                c = prog.case({}, fl, mem=(x, 0))
            if at is not None:
                c.regs[REGINFO[base][0]] = at
            cases.append(c)
        prog.add("%s ; j%s" % (name, cc),
                 [code, "j%s 9f" % cc, "mov %s [path], 1" % q, "jmp save", "9:",
                  "mov %s [path], 2" % q],
                 cases, dump=how[0] == "m" or how == "rm", show=[3, 1])

    for w in (1, 4) + ((8,) if prog.bits == 64 else ()):
        d, s = pair_regs(prog, w)[0]
        vals = imm_values(w)
        for op in ("cmp", "test"):
            # (name, code, how a case's operands (x, y) are placed, base)
            forms = [("%s %s,%s" % (op, d, s), "%s %s, %s" % (op, d, s), "rr", None)]
            for ad, at in addrs:
                m = "m%d%s" % (8 * w, "" if at is None else ad)
                forms.append(("%s %s,%s" % (op, m, s), "%s %s %s, %s" % (op, PTR[w], ad, s), "mr", at))
                if op == "cmp":
                    forms.append(("cmp %s,%s" % (d, m), "cmp %s, %s %s" % (d, PTR[w], ad), "rm", at))
                for v in (vals[1], vals[3], vals[-1]):
                    forms.append(("%s %s,%s" % (op, m, imm_str(v)),
                                  "%s %s %s, %s" % (op, PTR[w], ad, imm_str(v)), "mi", at))
            for v in (vals[1], vals[3], vals[-1]):
                forms.append(("%s %s,%s" % (op, d, imm_str(v)), "%s %s, %s" % (op, d, imm_str(v)), "ri", None))
            for cc in CC:
                for name, code, how, at in forms:
                    emit(name, code, how, cc, w, at)
        # ALU operations that write a register, then the jump (fused too).
        if w == 1:
            continue
        for op in ("add", "or", "and", "sub", "xor"):
            forms = [("%s %s,%s" % (op, d, s), "%s %s, %s" % (op, d, s), "rr", None)]
            for ad, at in addrs:
                m = "m%d%s" % (8 * w, "" if at is None else ad)
                forms.append(("%s %s,%s" % (op, d, m), "%s %s, %s %s" % (op, d, PTR[w], ad), "rm", at))
            forms += [("%s %s,%s" % (op, d, imm_str(v)), "%s %s, %s" % (op, d, imm_str(v)), "ri", None)
                      for v in (vals[1], vals[3], vals[-1])]
            for cc in CC:
                for name, code, how, at in forms:
                    emit(name, code, how, cc, w, at)


def gen_pairs(prog):
    """Two adjacent instructions of the frequent simple forms (moves, loads
    and stores through a base or base + index, lea, push/pop, movzx, shifts,
    add/sub/xor of registers, add/sub/and of immediates), which an emulator
    may run as one operation: every ordered pair, at 32 bits and (x86-64)
    64 bits, most writing the register the next one reads. Registers,
    flags and the scratch memory (the stack is in it) are compared."""
    bits = prog.bits
    base, index = reg(bits, 7, prog.w), reg(bits, 5, prog.w)
    for w in (4,) + ((8,) if bits == 64 else ()):
        d, s = reg(bits, 3, w), reg(bits, 1, w)
        p = PTR[w]
        at = "[%s+8]" % base
        bi = "[%s+%s*2]" % (base, index)
        insns = [
            "mov %s, %s %s" % (d, p, at), "mov %s, %s %s" % (d, p, bi),
            "mov %s %s, %s" % (p, at, d), "mov %s %s, %s" % (p, bi, s),
            "lea %s, [%s+0x11]" % (d, d), "lea %s, [%s+%s*4+3]" % (d, s, d),
            "mov %s, %s" % (s, d), "mov %s, 0x12345678" % d,
            "push %s" % reg(bits, 3, prog.w), "pop %s" % reg(bits, 3, prog.w),
            "add %s, 0x7f" % d, "sub %s, 1" % d, "and %s, -16" % d,
            "movzx %s, BYTE PTR %s" % (d, at), "movzx %s, BYTE PTR %s" % (d, bi),
            "movzx %s, cl" % d, "movzx %s, cx" % d,
            "shl %s, 3" % d, "shl %s, cl" % d, "shr %s, 1" % d, "shr %s, cl" % d,
            "add %s, %s" % (d, s), "xor %s, %s" % (d, s), "sub %s, %s" % (d, s),
            "mov %s %s, 0x55" % (p, at),
        ]
        if bits == 32:
            insns.append("movzx %s, ch" % d)
        for a in insns:
            for b in insns:
                cases = []
                for x, y in pairs_small(prog, w, 4):
                    c = prog.case({d: x, s: y}, prog.rng.flags(), mem=(prog.rng.val(8), 0))
                    c.regs[REGINFO[base][0]] = "memop-8"
                    c.regs[REGINFO[index][0]] = 4
                    cases.append(c)
                prog.add("%s ; %s" % (a, b), [a, b], cases, dump=True, show=[3, 1])


def flag_producers(prog, w):
    """(name, code) of flag-setting instructions on d (bl/bx/ebx/rbx) and s
    (cl/cx/ecx/rcx; cl is also the shift count)."""
    d, s = reg(prog.bits, 3, w), reg(prog.bits, 1, w)
    out = [("%s %s,%s" % (op, d, s), "%s %s, %s" % (op, d, s))
           for op in ("add", "adc", "sub", "sbb", "cmp", "and", "or", "xor", "test")]
    out += [("%s %s" % (op, d), "%s %s" % (op, d)) for op in ("inc", "dec", "neg", "not")]
    out += [("%s %s,cl" % (op, d), "%s %s, cl" % (op, d)) for op in ("shl", "shr", "sar", "rol", "ror", "rcl", "rcr")]
    out += [("%s %s,1" % (op, d), "%s %s, 1" % (op, d)) for op in ("shl", "sar")]
    out += [("xadd %s,%s" % (d, s), "xadd %s, %s" % (d, s)), ("cmpxchg %s,%s" % (d, s), "cmpxchg %s, %s" % (d, s)),
            ("mul %s" % s, "mul %s" % s)]
    if w > 1:
        out += [("imul %s,%s" % (d, s), "imul %s, %s" % (d, s)), ("bt %s,%s" % (d, s), "bt %s, %s" % (d, s)),
                ("bsf %s,%s" % (d, s), "bsf %s, %s" % (d, s)), ("shld %s,%s,cl" % (d, s), "shld %s, %s, cl" % (d, s)),
                ("popcnt %s,%s" % (d, s), "popcnt %s, %s" % (d, s)), ("lzcnt %s,%s" % (d, s), "lzcnt %s, %s" % (d, s))]
    return out


def gen_flagflow(prog):
    """Flags left pending by one instruction and read by the next ones (the
    interpreter evaluates flags lazily): each producer is followed by all 16
    setcc, all 16 jcc and all 16 cmovcc, each recording into memory."""
    chain = []
    for k, cc in enumerate(CC):
        chain.append("set%s BYTE PTR [memop+%d]" % (cc, k))
    for k, cc in enumerate(CC):
        chain += ["j%s {T}_%d" % (cc, k), "mov BYTE PTR [memop+%d], 1" % (16 + k), "{T}_%d:" % k]
    for k, cc in enumerate(CC):
        chain += ["mov edi, %d" % k, "cmov%s edi, esi" % cc, "mov DWORD PTR [memop+%d], edi" % (32 + 4 * k)]
    chain += ["lahf", "mov BYTE PTR [memop+96], ah"]
    for w in widths(prog):
        d, s = reg(prog.bits, 3, w), reg(prog.bits, 1, w)
        for name, code in flag_producers(prog, w):
            if MASK_UNDEFINED and undefined_flags(code):
                continue
            ps = pairs_small(prog, w, 10) + [(0, 0), (mask(w), 1), (1 << (8 * w - 1), mask(w))]
            cases = [prog.case({d: x, s: y, "esi": 0x5EE}, fl)
                     for k, (x, y) in enumerate(ps) for fl in ((FL_SET, 0) if k % 3 == 0 else (prog.rng.flags(),))]
            prog.add(name + " ; setcc/jcc/cmovcc", [code] + chain, cases, dump=True,
                     show=[3, 1])
    # producers followed by instructions that read some flags and write others
    consumers = ["adc edx, 0", "sbb edx, edx", "rcl edx, 1", "rcr edx, 3", "cmc", "inc edx", "dec edx",
                 "bt edx, 3", "sahf", "pushf%s" % ("q" if prog.bits == 64 else "d"),
                 "loope {T}", "loopne {T}", "mul edx", "shl edx, 0", "neg edx"]
    if prog.bits == 32:
        consumers += ["daa", "das", "aaa", "aas", ".byte 0xd6"]
    for w in (1, 4):
        d, s = reg(prog.bits, 3, w), reg(prog.bits, 1, w)
        prods = [pc for pc in flag_producers(prog, w)
                 if pc[0].split()[0] in ("add", "sub", "cmp", "inc", "dec", "neg", "and", "shl", "sar", "xadd", "adc",
                                          "sbb", "imul", "rcr")]
        for name, code in prods:
            if MASK_UNDEFINED and undefined_flags(code):
                continue
            for cons in consumers:
                ps = [(0, 0), (mask(w), 1), (1 << (8 * w - 1), mask(w))] + pairs_small(prog, w, 5)[5:]
                cases = [prog.case({d: x, s: y, "edx": 0x1234567 + k, "eax": 0x3456789A}, fl)
                         for k, (x, y) in enumerate(ps) for fl in (FL_SET, 0)]
                tail = [cons]
                if "{T}" in cons:
                    tail += ["mov BYTE PTR [path], 1", "{T}:"]
                prog.add("%s ; %s" % (name, cons.replace("{T}", "L").replace(".byte 0xd6", "salc")),
                         [code] + tail, cases, dump=cons.startswith("push"), show=[3, 1, 2, 0])
                if MASK_UNDEFINED and cons.startswith("push") and undefined_flags(code):
                    raise AssertionError("pushed flags cannot be masked")


def gen_addr(prog):
    """Memory operands through every addressing form (the interpreter's
    effective-address computation), with wrap-around of 32-bit addresses."""
    bits = prog.bits
    forms = []  # (address text, {reg: value or symbol expression})
    if bits == 64:
        forms = [
            ("[rbx]", {"rbx": "memop"}),
            ("[rbx+8]", {"rbx": "memop-8"}),
            ("[rbx-0x80]", {"rbx": "memop+0x80"}),
            ("[rbx+0x12345]", {"rbx": "memop-0x12345"}),
            ("[rsi*4+memop]", {"rsi": 2}),
            ("[rbx+rsi]", {"rbx": "memop+0x40", "rsi": -0x40}),
            ("[rbx+rsi*2+7]", {"rbx": "memop-7-6", "rsi": 3}),
            ("[rbx+rsi*8-0x1000]", {"rbx": "memop+0x1000+8", "rsi": -1}),
            ("[rbp]", {"rbp": "memop"}),
            ("[rbp+0]", {"rbp": "memop"}),
            ("[r13]", {"r13": "memop"}),
            ("[r12]", {"r12": "memop"}),
            ("[r12+r13*4+9]", {"r12": "memop-9-8", "r13": 2}),
            ("[rsp-96]", {}),
            ("[rsp+rsi-96]", {"rsi": 0}),
            ("[rip+memop]", {}),
            ("[memop]", {}),
            ("[ebx]", {"rbx": "memop+0x1234567800000000"}),
            ("[ebx+esi]", {"rbx": "memop+0x10", "rsi": 0xFFFFFFF0}),
            ("[ebx+esi*4+5]", {"rbx": "memop+0xFFFFFFFF00000000", "rsi": -4}),
            ("[esi*2+memop-3]", {"rsi": 0x8000000080000002}),
            ("[r9d+r10d]", {"r9": "memop+0x100", "r10": 0xFFFFFF00}),
            ("[ebx-0x80000000]", {"rbx": "memop+0x80000000"}),
        ]
    else:
        forms = [
            ("[ebx]", {"ebx": "memop"}),
            ("[ebx+8]", {"ebx": "memop-8"}),
            ("[ebx-0x80]", {"ebx": "memop+0x80"}),
            ("[ebx+0x12345]", {"ebx": "memop-0x12345"}),
            ("[esi*4+memop]", {"esi": 2}),
            ("[ebx+esi]", {"ebx": "memop+0x40", "esi": -0x40}),
            ("[ebx+esi*2+7]", {"ebx": "memop-7-6", "esi": 3}),
            ("[ebx+esi*8-0x1000]", {"ebx": "memop+0x1000+8", "esi": -1}),
            ("[ebp]", {"ebp": "memop"}),
            ("[esp-96]", {}),
            ("[esp+esi-96]", {"esi": 0}),
            ("[memop]", {}),
            ("[ebx+esi]", {"ebx": "memop+0x10", "esi": 0xFFFFFFF0}),
            ("[ebx-0x80000000]", {"ebx": "memop+0x80000000"}),
            ("[esi*8+memop+0x80000000]", {"esi": 0x10000000}),
        ]
    seen = set()
    for ad, regs_ in forms:
        for w, op in ((4, "mov %s, %s"), (8 if bits == 64 else 2, "add %s, %s"), (1, "xor %s, %s")):
            src = reg(bits, 0, w)
            for kind in ("load", "store"):
                name = "%s %s" % (op.split()[0], ad)
                text = op % ((src, "%s %s" % (PTR[w], ad)) if kind == "load" else ("%s %s" % (PTR[w], ad), src))
                if text in seen:
                    continue
                seen.add(text)
                cases = []
                for k in range(3):
                    c = prog.case({src: prog.rng.val(w)}, prog.rng.flags(), mem=(prog.rng.val(8), prog.rng.val(8)))
                    for r, v in regs_.items():
                        idx = REGINFO[r][0]
                        if isinstance(v, str):
                            c.regs[idx] = v
                        else:
                            c.regs[idx] = v & mask(prog.w)
                    cases.append(c)
                prog.add(text.replace("  ", " "), text, cases, dump=True, show=[0])


# ---------------------------------------------------------------------------
# Programs
# ---------------------------------------------------------------------------


FAMILIES = {
    "alu": lambda p: gen_alu(p),
    "unary": gen_unary,
    "muldiv": gen_muldiv,
    "shift": lambda p: gen_shift(p, ("shl", "sal", "shr", "sar")),
    "rotate": lambda p: gen_shift(p, ("rol", "ror", "rcl", "rcr")),
    "shiftd": gen_shiftd,
    "bittest": gen_bittest,
    "bitscan": gen_bitscan,
    "movx": lambda p: (gen_movx(p), gen_misc_data(p)),
    "cc": gen_cc,
    "xchg": gen_xchg,
    "lea": gen_lea,
    "stack": gen_stack,
    "string": gen_string,
    "bcd": gen_bcd,
    "control": gen_control,
    "flagflow": gen_flagflow,
    "fused": gen_fused,
    "pairs": gen_pairs,
    "addr": gen_addr,
}


def programs():
    out = []
    for fam in FAMILIES:
        for bits in (32, 64):
            if fam == "bcd" and bits == 64:
                continue
            out.append("%s_%d" % (fam, bits))
    return out


def build(name):
    fam, bits = name.rsplit("_", 1)
    prog = Program(name, int(bits))
    FAMILIES[fam](prog)
    return prog


def main(argv):
    if len(argv) >= 2 and argv[1] == "--list":
        print("\n".join(programs()))
        return 0
    global MASK_UNDEFINED
    if "--mask-undefined" in argv:
        MASK_UNDEFINED = True
        argv = [a for a in argv if a != "--mask-undefined"]
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    outdir = argv[1]
    os.makedirs(outdir, exist_ok=True)
    for name in argv[2:]:
        if name not in programs():
            sys.stderr.write("gen.py: unknown program %s\n" % name)
            return 2
        prog = build(name)
        with open(os.path.join(outdir, name + ".s"), "w") as f:
            f.write(emit(prog))
        with open(os.path.join(outdir, name + ".meta"), "w") as f:
            f.write(emit_meta(prog))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
