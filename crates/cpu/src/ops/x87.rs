//! x87 FPU instructions: loads and stores of every format, arithmetic with
//! the control word's precision and rounding control, compares, stack
//! control, FPREM/FSCALE/FXTRACT/FRNDINT and the transcendentals, all on the
//! soft-float layer in `crate::fp`. Unmasked exceptions set ES and B; the
//! next waiting FPU instruction then raises #MF (delivered as SIGFPE).
//! The environment instructions are in `x87env.rs`, their layouts in
//! `crate::fpimage`.

use crate::fp::arith::{self, Raw};
use crate::fp::f80::{self, propagate, Class, F80};
use crate::fp::round::{self, Ctl, Fmt};
use crate::fp::{transcend, Rc, Unp, DE, IE, PE, UE, ZE};
use crate::interp::{Exec, Exit, Res};
use crate::mem;
use crate::x87state::{SW_B, SW_C0, SW_C1, SW_C2, SW_C3, SW_ES, SW_SF};
use iced_x86::{Instruction, MemorySize, Mnemonic, OpKind, Register};
use std::cmp::Ordering;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Op {
    Add,
    Sub,
    Mul,
    Div,
}

/// si_code the kernel gives SIGFPE for the unmasked exceptions `err`.
pub(crate) fn fpe_code(err: u16) -> i32 {
    if err & 0x01 != 0 {
        7 // FPE_FLTINV
    } else if err & 0x04 != 0 {
        3 // FPE_FLTDIV
    } else if err & 0x08 != 0 {
        4 // FPE_FLTOVF
    } else if err & 0x12 != 0 {
        5 // FPE_FLTUND
    } else if err & 0x20 != 0 {
        6 // FPE_FLTRES
    } else {
        0
    }
}

fn is_nan(c: Class) -> bool {
    matches!(c, Class::QNaN | Class::SNaN)
}

/// Result of a computation: value, flags, rounded up (for C1).
type Out = (F80, u8, bool);

fn indefinite(flags: u8) -> Out {
    (F80::INDEFINITE, flags, false)
}

#[inline]
fn rounded(r: Raw, fmt: &Fmt, ctl: &Ctl, flags: u8) -> Out {
    let p = r.round(fmt, ctl);
    (F80::from_packed(p), flags | p.flags, p.up)
}

/// The four basic operations with x87 operand checks. `de_in` is DE from
/// converting a memory operand; `cw` decides whether an unmasked DE stops
/// the operation.
pub(crate) fn arith(op: Op, a: F80, b: F80, de_in: u8, fmt: &Fmt, ctl: &Ctl, cw: u16) -> Out {
    let (ca, cb) = (a.class(), b.class());
    if ca == Class::Unsupported || cb == Class::Unsupported {
        return indefinite(IE);
    }
    if is_nan(ca) || is_nan(cb) {
        let (r, f) = propagate(a, b);
        return (r, f, false);
    }
    let (b, cb) = if op == Op::Sub {
        (b.negate(), cb)
    } else {
        (b, cb)
    };
    let sign = a.sign() != b.sign();
    let zero_a = ca == Class::Zero;
    let zero_b = cb == Class::Zero;
    let inf_a = ca == Class::Inf;
    let inf_b = cb == Class::Inf;
    // Invalid and divide-by-zero cases come before the denormal check.
    match op {
        Op::Add | Op::Sub if inf_a && inf_b && a.sign() != b.sign() => return indefinite(IE),
        Op::Mul if (inf_a && zero_b) || (zero_a && inf_b) => return indefinite(IE),
        Op::Div if (inf_a && inf_b) || (zero_a && zero_b) => return indefinite(IE),
        Op::Div if zero_b && !inf_a => return (F80::inf(sign), ZE, false),
        _ => {}
    }
    let mut flags = de_in;
    if ca == Class::Denormal || cb == Class::Denormal {
        flags |= DE;
    }
    if flags & DE != 0 && cw & (DE as u16) == 0 {
        return indefinite(DE);
    }
    match op {
        Op::Add | Op::Sub => {
            if inf_a {
                return (a, flags, false);
            }
            if inf_b {
                return (b, flags, false);
            }
            match (zero_a, zero_b) {
                (true, true) => {
                    let s = if a.sign() == b.sign() {
                        a.sign()
                    } else {
                        ctl.rc == Rc::Down
                    };
                    (F80::zero(s), flags, false)
                }
                (true, false) => rounded(Raw::from_unp(b.unp()), fmt, ctl, flags),
                (false, true) => rounded(Raw::from_unp(a.unp()), fmt, ctl, flags),
                _ => rounded(arith::add(a.unp(), b.unp(), ctl.rc), fmt, ctl, flags),
            }
        }
        Op::Mul => {
            if inf_a || inf_b {
                (F80::inf(sign), flags, false)
            } else if zero_a || zero_b {
                (F80::zero(sign), flags, false)
            } else {
                rounded(arith::mul(a.unp(), b.unp()), fmt, ctl, flags)
            }
        }
        Op::Div => {
            if inf_a {
                (F80::inf(sign), flags, false)
            } else if inf_b || zero_a {
                (F80::zero(sign), flags, false)
            } else {
                rounded(arith::div(a.unp(), b.unp()), fmt, ctl, flags)
            }
        }
    }
}

/// Magnitude order key of a non-NaN value.
fn mag_key(v: F80) -> (u8, i32, u64) {
    match v.class() {
        Class::Zero => (0, 0, 0),
        Class::Inf => (2, 0, 0),
        _ => {
            let u = v.unp();
            (1, u.exp, u.sig)
        }
    }
}

/// Compares two values: `None` when unordered. IE for signalling NaNs (all
/// NaNs unless `quiet`) and unsupported encodings, DE for denormals.
pub(crate) fn compare(a: F80, b: F80, quiet: bool) -> (Option<Ordering>, u8) {
    let (ca, cb) = (a.class(), b.class());
    if ca == Class::Unsupported || cb == Class::Unsupported {
        return (None, IE);
    }
    if is_nan(ca) || is_nan(cb) {
        let ie = !quiet || ca == Class::SNaN || cb == Class::SNaN;
        return (None, if ie { IE } else { 0 });
    }
    let de = if ca == Class::Denormal || cb == Class::Denormal {
        DE
    } else {
        0
    };
    let (za, zb) = (ca == Class::Zero, cb == Class::Zero);
    let ord = if za && zb {
        Ordering::Equal
    } else if a.sign() != b.sign() {
        if a.sign() {
            Ordering::Less
        } else {
            Ordering::Greater
        }
    } else {
        let o = mag_key(a).cmp(&mag_key(b));
        if a.sign() {
            o.reverse()
        } else {
            o
        }
    };
    (Some(ord), de)
}

/// The 128-bit constants behind FLDPI, FLDL2E, ...: (exponent, significand).
const PI: (i32, u128) = (1, 0xc90fdaa22168c234c4c6628b80dc1cd1);
const L2E: (i32, u128) = (0, 0xb8aa3b295c17f0bbbe87fed0691d3e88);
const L2T: (i32, u128) = (1, 0xd49a784bcd1b8afe492bf6ff4dafdb4c);
const LG2: (i32, u128) = (-2, 0x9a209a84fbcff7988f8959ac0b7c9178);
const LN2: (i32, u128) = (-1, 0xb17217f7d1cf79abc9e3b39803f2f6af);

impl Exec {
    fn ctl87(&self) -> Ctl {
        let cw = self.cpu.x87.cw;
        Ctl {
            rc: Rc::from_bits((cw >> 10) as u32),
            ue_masked: cw & 0x10 != 0,
            oe_masked: cw & 8 != 0,
            ftz: false,
        }
    }

    fn pc_fmt(&self) -> Fmt {
        round::f80_pc((self.cpu.x87.cw >> 8) as u32)
    }

    /// Raises exception flags; false when an unmasked IE, DE or ZE forbids
    /// writing the destination.
    fn raise(&mut self, flags: u8) -> bool {
        let x = &mut self.cpu.x87;
        x.sw |= flags as u16;
        let unmasked = flags & !(x.cw as u8) & 0x3f;
        if unmasked != 0 {
            x.sw |= SW_ES | SW_B;
        }
        unmasked & (IE | DE | ZE) == 0
    }

    fn set_cc(&mut self, mask: u16, bits: u16) {
        let x = &mut self.cpu.x87;
        x.sw = (x.sw & !mask) | (bits & mask);
    }

    fn set_c1(&mut self, v: bool) {
        self.set_cc(SW_C1, if v { SW_C1 } else { 0 });
    }

    /// Stack underflow (an empty register read): IE and SF with C1 = 0.
    /// Returns true when masked (the indefinite is then delivered).
    fn underflow(&mut self) -> bool {
        self.set_c1(false);
        self.cpu.x87.sw |= SW_SF;
        self.raise(IE)
    }

    /// Stack overflow (push onto a full register): IE and SF with C1 = 1.
    fn overflow(&mut self) -> bool {
        self.set_c1(true);
        self.cpu.x87.sw |= SW_SF;
        self.raise(IE)
    }

    /// Delivers a result to ST(dst); C1 tells whether it was rounded up.
    fn put(&mut self, dst: u32, o: Out) -> bool {
        let (v, flags, up) = o;
        self.set_c1(up);
        if self.raise(flags) {
            self.cpu.x87.set_st(dst, v);
            true
        } else {
            false
        }
    }

    /// Pushes `v`, handling stack overflow. Returns whether it pushed.
    fn fpush(&mut self, v: F80, flags: u8) -> bool {
        if !self.cpu.x87.is_empty(7) {
            if self.overflow() {
                self.cpu.x87.push(F80::INDEFINITE);
            }
            return false;
        }
        self.set_c1(false);
        if self.raise(flags) {
            self.cpu.x87.push(v);
            true
        } else {
            false
        }
    }

    fn st_index(r: Register) -> u32 {
        (r as u32).wrapping_sub(Register::ST0 as u32) & 7
    }

    fn read_f80(a: u64) -> Result<F80, Exit> {
        let m = mem::read_u64(a)?;
        let se = mem::read_u16(a.wrapping_add(8))?;
        Ok(F80 { se, m })
    }

    fn write_f80(a: u64, v: F80) -> Res {
        mem::write_u64(a, v.m)?;
        mem::write_u16(a.wrapping_add(8), v.se)?;
        Ok(())
    }

    /// Reads an x87 memory operand as extended (signalling NaNs stay
    /// signalling); returns DE for a binary32/64 denormal.
    fn load_mem(&mut self, i: &Instruction) -> Result<(F80, u8), Exit> {
        let a = self.ea(i);
        Ok(match i.memory_size() {
            MemorySize::Float32 => f80::from_f32(mem::read_u32(a)?),
            MemorySize::Float64 => f80::from_f64(mem::read_u64(a)?),
            MemorySize::Float80 => (Self::read_f80(a)?, 0),
            MemorySize::Int16 => (f80::from_i64(mem::read_u16(a)? as i16 as i64), 0),
            MemorySize::Int32 => (f80::from_i64(mem::read_u32(a)? as i32 as i64), 0),
            MemorySize::Int64 => (f80::from_i64(mem::read_u64(a)? as i64), 0),
            MemorySize::Bcd => {
                let mut b = [0u8; 10];
                mem::read_bytes(a, &mut b)?;
                (f80::from_bcd(&b), 0)
            }
            _ => return Err(self.illegal(i)),
        })
    }

    /// Records the instruction (and data) pointer that FNSTENV reports.
    fn note_pointers(&mut self, i: &Instruction) {
        let x = &mut self.cpu.x87;
        x.fip = i.ip();
        x.fcs = self.cpu.seg[crate::state::CS];
        x.fop = crate::x87state::FOP_FROM_FIP;
        if (0..i.op_count()).any(|n| i.op_kind(n) == OpKind::Memory) {
            let seg = match i.memory_segment() {
                Register::ES => crate::state::ES,
                Register::CS => crate::state::CS,
                Register::SS => crate::state::SS,
                Register::FS => crate::state::FS,
                Register::GS => crate::state::GS,
                _ => crate::state::DS,
            };
            let ea = self.ea(i).wrapping_sub(self.cpu.seg_base[seg]) & self.cpu.addr_mask();
            // Linux runs 64-bit processes with DS = ES = 0.
            let sel = if self.cpu.mode == crate::state::Mode::Bits64
                && (seg == crate::state::DS || seg == crate::state::ES)
            {
                0
            } else {
                self.cpu.seg[seg]
            };
            let x = &mut self.cpu.x87;
            x.fdp = ea;
            x.fds = sel;
        }
    }

    /// Entry point for every x87 instruction.
    pub(crate) fn x87(&mut self, i: &Instruction) -> Res {
        use Mnemonic::*;
        let m = i.mnemonic();
        // Non-waiting control instructions.
        match m {
            Fninit => {
                self.cpu.x87.init();
                return Ok(());
            }
            Fnclex => {
                self.cpu.x87.sw &= !(0xff | SW_B);
                return Ok(());
            }
            Fnstcw => return Ok(mem::write_u16(self.ea(i), self.cpu.x87.cw)?),
            Fnstsw => {
                let sw = self.cpu.x87.status();
                if i.op0_kind() == OpKind::Register {
                    self.cpu.set_reg(Register::AX, sw as u64);
                    return Ok(());
                }
                return Ok(mem::write_u16(self.ea(i), sw)?);
            }
            Fnstenv | Fnsave => return self.x87_store_env(i),
            Fneni | Fndisi | Fnsetpm => return Ok(()),
            _ => {}
        }
        self.fwait()?;
        match m {
            Wait => return Ok(()),
            Fldcw => {
                self.cpu.x87.cw = crate::fpimage::fix_cw(mem::read_u16(self.ea(i))?);
                self.cpu.x87.update_es();
                return Ok(());
            }
            Fldenv | Frstor => return self.x87_load_env(i),
            _ => {}
        }
        self.note_pointers(i);
        self.x87_op(i)
    }

    /// The wait check: a pending unmasked exception raises #MF.
    pub(crate) fn fwait(&mut self) -> Res {
        let x = &self.cpu.x87;
        if x.sw & SW_ES != 0 {
            let code = fpe_code(x.sw & !x.cw & 0x3f);
            if code != 0 {
                self.cpu.x87.fp_trap = Some((code, 16));
                return Err(Exit::DivideError);
            }
        }
        Ok(())
    }

    fn x87_op(&mut self, i: &Instruction) -> Res {
        use Mnemonic::*;
        let m = i.mnemonic();
        match m {
            Fld => self.fld(i)?,
            Fild | Fbld => {
                let (v, _) = self.load_mem(i)?;
                self.fpush(v, 0);
            }
            Fst | Fstp | Fstpnce => self.fst(i, m != Fst)?,
            Fist | Fistp | Fisttp => self.fist(i)?,
            Fbstp => self.fbstp(i)?,
            Fxch => {
                let j = Self::st_index(i.op1_register());
                let x = &self.cpu.x87;
                if x.is_empty(0) || x.is_empty(j) {
                    if !self.underflow() {
                        return Ok(());
                    }
                    for k in [0, j] {
                        if self.cpu.x87.is_empty(k) {
                            self.cpu.x87.set_st(k, F80::INDEFINITE);
                        }
                    }
                } else {
                    self.set_c1(false);
                }
                let (a, b) = (self.cpu.x87.st(0), self.cpu.x87.st(j));
                self.cpu.x87.set_st(0, b);
                self.cpu.x87.set_st(j, a);
            }
            Fcmovb | Fcmove | Fcmovbe | Fcmovu | Fcmovnb | Fcmovne | Fcmovnbe | Fcmovnu => {
                let j = Self::st_index(i.op1_register());
                if self.cpu.x87.is_empty(0) || self.cpu.x87.is_empty(j) {
                    if self.underflow() {
                        self.cpu.x87.set_st(0, F80::INDEFINITE);
                    }
                    return Ok(());
                }
                let f = &self.cpu.flags;
                let c = match m {
                    Fcmovb => f.cf(),
                    Fcmove => f.zf(),
                    Fcmovbe => f.cf() || f.zf(),
                    Fcmovu => f.cond(10),
                    Fcmovnb => !f.cf(),
                    Fcmovne => !f.zf(),
                    Fcmovnbe => !(f.cf() || f.zf()),
                    _ => f.cond(11),
                };
                if c {
                    let v = self.cpu.x87.st(j);
                    self.cpu.x87.set_st(0, v);
                }
            }
            Fadd | Faddp | Fiadd | Fsub | Fsubp | Fisub | Fsubr | Fsubrp | Fisubr | Fmul
            | Fmulp | Fimul | Fdiv | Fdivp | Fidiv | Fdivr | Fdivrp | Fidivr => self.farith(i)?,
            Fcom | Fcomp | Fcompp | Fucom | Fucomp | Fucompp | Ficom | Ficomp | Ftst => {
                self.fcom(i)?
            }
            Fcomi | Fcomip | Fucomi | Fucomip => self.fcomi(i),
            Fxam => self.fxam(),
            Fchs | Fabs => {
                if self.cpu.x87.is_empty(0) {
                    if self.underflow() {
                        self.cpu.x87.set_st(0, F80::INDEFINITE);
                    }
                    return Ok(());
                }
                self.set_c1(false);
                let v = self.cpu.x87.st(0);
                let v = if m == Fchs { v.negate() } else { v.abs() };
                self.cpu.x87.set_st(0, v);
            }
            Fld1 | Fldz | Fldpi | Fldl2e | Fldl2t | Fldlg2 | Fldln2 => {
                let v = match m {
                    Fld1 => F80::ONE,
                    Fldz => F80::ZERO,
                    _ => {
                        let (e, s) = match m {
                            Fldpi => PI,
                            Fldl2e => L2E,
                            Fldl2t => L2T,
                            Fldlg2 => LG2,
                            _ => LN2,
                        };
                        let ctl = Ctl {
                            rc: self.ctl87().rc,
                            ..Ctl::NEAREST
                        };
                        F80::from_packed(round::round(false, e, s, &round::F80, &ctl))
                    }
                };
                self.fpush(v, 0);
            }
            Fincstp | Fdecstp => {
                let x = &mut self.cpu.x87;
                x.top = if m == Fincstp {
                    (x.top + 1) & 7
                } else {
                    (x.top + 7) & 7
                };
                self.set_c1(false);
            }
            Ffree | Ffreep => {
                self.set_c1(false);
                let p = self.cpu.x87.phys(Self::st_index(i.op0_register()));
                self.cpu.x87.valid &= !(1 << p);
                if m == Ffreep {
                    self.cpu.x87.pop();
                }
            }
            Fnop => {}
            Fsqrt | Frndint | Fxtract | Fscale | Fprem | Fprem1 | Fsin | Fcos | Fsincos | Fptan
            | Fpatan | F2xm1 | Fyl2x | Fyl2xp1 => self.x87_math(i),
            _ => return Err(self.illegal(i)),
        }
        Ok(())
    }

    fn fld(&mut self, i: &Instruction) -> Res {
        if i.op0_kind() == OpKind::Memory {
            let (v, de) = self.load_mem(i)?;
            let (v, flags) = match v.class() {
                Class::SNaN if i.memory_size() != MemorySize::Float80 => (v.quiet(), IE),
                _ => (v, 0),
            };
            // A denormal is loaded even when DE is unmasked.
            if self.fpush(v, flags) {
                self.raise(de);
            }
            return Ok(());
        }
        let j = Self::st_index(i.op0_register());
        if self.cpu.x87.is_empty(j) {
            if !self.cpu.x87.is_empty(7) {
                self.fpush(F80::INDEFINITE, 0);
            } else if self.underflow() {
                self.cpu.x87.push(F80::INDEFINITE);
            }
            return Ok(());
        }
        let v = self.cpu.x87.st(j);
        self.fpush(v, 0);
        Ok(())
    }

    fn fst(&mut self, i: &Instruction, pop: bool) -> Res {
        let empty = self.cpu.x87.is_empty(0);
        if i.op0_kind() == OpKind::Register {
            let j = Self::st_index(i.op0_register());
            if empty {
                if !self.underflow() {
                    return Ok(());
                }
                self.cpu.x87.set_st(j, F80::INDEFINITE);
            } else {
                self.set_c1(false);
                let v = self.cpu.x87.st(0);
                self.cpu.x87.set_st(j, v);
            }
            if pop {
                self.cpu.x87.pop();
            }
            return Ok(());
        }
        let a = self.ea(i);
        let v = self.cpu.x87.st(0);
        let ms = i.memory_size();
        if empty {
            if !self.underflow() {
                return Ok(());
            }
            match ms {
                MemorySize::Float32 => mem::write_u32(a, 0xffc0_0000)?,
                MemorySize::Float64 => mem::write_u64(a, 0xfff8_0000_0000_0000)?,
                _ => Self::write_f80(a, F80::INDEFINITE)?,
            }
            if pop {
                self.cpu.x87.pop();
            }
            return Ok(());
        }
        let ctl = self.ctl87();
        let (bits, p) = match ms {
            MemorySize::Float32 => {
                let (b, p) = f80::to_f32(v, &ctl);
                (b as u64, p)
            }
            MemorySize::Float64 => f80::to_f64(v, &ctl),
            _ => {
                Self::write_f80(a, v)?;
                self.set_c1(false);
                if pop {
                    self.cpu.x87.pop();
                }
                return Ok(());
            }
        };
        let flags = p.flags & !DE;
        let unmasked = flags & !(self.cpu.x87.cw as u8) & 0x3f;
        if unmasked & !PE != 0 {
            // Unmasked invalid, overflow or underflow: nothing is stored.
            self.set_c1(false);
            self.raise(flags & (IE | crate::fp::OE | UE));
            return Ok(());
        }
        match ms {
            MemorySize::Float32 => mem::write_u32(a, bits as u32)?,
            _ => mem::write_u64(a, bits)?,
        }
        self.set_c1(p.up);
        self.raise(flags);
        if pop {
            self.cpu.x87.pop();
        }
        Ok(())
    }

    fn fist(&mut self, i: &Instruction) -> Res {
        let a = self.ea(i);
        let bits = i.memory_size().size() as u32 * 8;
        let pop = i.mnemonic() != Mnemonic::Fist;
        let rc = if i.mnemonic() == Mnemonic::Fisttp {
            Rc::Zero
        } else {
            self.ctl87().rc
        };
        let (val, flags, up) = if self.cpu.x87.is_empty(0) {
            if !self.underflow() {
                return Ok(());
            }
            (i64::MIN >> (64 - bits), 0, false)
        } else {
            f80::to_i(self.cpu.x87.st(0), bits, rc)
        };
        let flags = flags & !DE;
        if flags & IE != 0 {
            self.set_c1(false);
            if !self.raise(IE) {
                return Ok(());
            }
        }
        mem::write(a, bits / 8, val as u64)?;
        self.set_c1(up);
        self.raise(flags);
        if pop {
            self.cpu.x87.pop();
        }
        Ok(())
    }

    fn fbstp(&mut self, i: &Instruction) -> Res {
        let a = self.ea(i);
        const IND: [u8; 10] = [0, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0xff];
        if self.cpu.x87.is_empty(0) {
            if self.underflow() {
                mem::write_bytes(a, &IND)?;
                self.cpu.x87.pop();
            }
            return Ok(());
        }
        let v = self.cpu.x87.st(0);
        let rc = self.ctl87().rc;
        let (bytes, flags, up) = match v.class() {
            Class::Zero => (f80::to_bcd(v.sign(), 0), 0, false),
            Class::Normal | Class::Denormal => {
                let (sign, mag, inexact, up) = f80::to_int(v.unp(), rc);
                if mag >= 1_000_000_000_000_000_000 {
                    (IND, IE, false)
                } else {
                    (
                        f80::to_bcd(sign, mag as u64),
                        if inexact { PE } else { 0 },
                        up,
                    )
                }
            }
            _ => (IND, IE, false),
        };
        if flags & IE != 0 {
            self.set_c1(false);
            if !self.raise(IE) {
                return Ok(());
            }
        }
        mem::write_bytes(a, &bytes)?;
        self.set_c1(up);
        self.raise(flags);
        self.cpu.x87.pop();
        Ok(())
    }

    fn farith(&mut self, i: &Instruction) -> Res {
        use Mnemonic::*;
        let m = i.mnemonic();
        let (op, rev) = match m {
            Fadd | Faddp | Fiadd => (Op::Add, false),
            Fsub | Fsubp | Fisub => (Op::Sub, false),
            Fsubr | Fsubrp | Fisubr => (Op::Sub, true),
            Fmul | Fmulp | Fimul => (Op::Mul, false),
            Fdiv | Fdivp | Fidiv => (Op::Div, false),
            _ => (Op::Div, true),
        };
        let pop = matches!(m, Faddp | Fsubp | Fsubrp | Fmulp | Fdivp | Fdivrp);
        // dst = dst op src (rev: src op dst).
        let (dst, src, de_in, empty) = if i.op0_kind() == OpKind::Memory {
            let (v, de) = self.load_mem(i)?;
            (0, v, de, self.cpu.x87.is_empty(0))
        } else {
            let d = Self::st_index(i.op0_register());
            let s = Self::st_index(i.op1_register());
            let x = &self.cpu.x87;
            (d, x.st(s), 0, x.is_empty(d) || x.is_empty(s))
        };
        if empty {
            if self.underflow() {
                self.cpu.x87.set_st(dst, F80::INDEFINITE);
                if pop {
                    self.cpu.x87.pop();
                }
            }
            return Ok(());
        }
        let d = self.cpu.x87.st(dst);
        let (a, b) = if rev { (src, d) } else { (d, src) };
        let o = arith(
            op,
            a,
            b,
            de_in,
            &self.pc_fmt(),
            &self.ctl87(),
            self.cpu.x87.cw,
        );
        if self.put(dst, o) && pop {
            self.cpu.x87.pop();
        }
        Ok(())
    }

    fn fcom(&mut self, i: &Instruction) -> Res {
        use Mnemonic::*;
        let m = i.mnemonic();
        let quiet = matches!(m, Fucom | Fucomp | Fucompp);
        let pops = match m {
            Fcomp | Fucomp | Ficomp => 1,
            Fcompp | Fucompp => 2,
            _ => 0,
        };
        let (b, de_in, empty) = if m == Ftst {
            (F80::ZERO, 0, self.cpu.x87.is_empty(0))
        } else if i.op_count() >= 1 && i.op0_kind() == OpKind::Memory {
            let (v, de) = self.load_mem(i)?;
            (v, de, self.cpu.x87.is_empty(0))
        } else {
            let j = if i.op_count() >= 2 {
                Self::st_index(i.op1_register())
            } else {
                1
            };
            let x = &self.cpu.x87;
            (x.st(j), 0, x.is_empty(0) || x.is_empty(j))
        };
        let (ord, flags) = if empty {
            self.cpu.x87.sw |= SW_SF;
            (None, IE)
        } else {
            let (o, f) = compare(self.cpu.x87.st(0), b, quiet);
            (o, if o.is_some() { f | de_in } else { f })
        };
        self.set_c1(false);
        // The condition codes are written even when the exception is unmasked.
        let ok = self.raise(flags);
        let cc = match ord {
            Some(Ordering::Greater) => 0,
            Some(Ordering::Less) => SW_C0,
            Some(Ordering::Equal) => SW_C3,
            None => SW_C0 | SW_C2 | SW_C3,
        };
        self.set_cc(SW_C0 | SW_C2 | SW_C3, cc);
        if ok {
            for _ in 0..pops {
                self.cpu.x87.pop();
            }
        }
        Ok(())
    }

    fn fcomi(&mut self, i: &Instruction) {
        use crate::flags::{AF, CF, OF, PF, SF, ZF};
        let m = i.mnemonic();
        let quiet = matches!(m, Mnemonic::Fucomi | Mnemonic::Fucomip);
        let j = Self::st_index(i.op1_register());
        let x = &self.cpu.x87;
        let (ord, flags) = if x.is_empty(0) || x.is_empty(j) {
            self.cpu.x87.sw |= SW_SF;
            self.set_c1(false);
            (None, IE)
        } else {
            compare(x.st(0), x.st(j), quiet)
        };
        let ok = self.raise(flags);
        let f = match ord {
            Some(Ordering::Greater) => 0,
            Some(Ordering::Less) => CF,
            Some(Ordering::Equal) => ZF,
            None => ZF | PF | CF,
        };
        self.cpu.flags.set_some(CF | PF | AF | ZF | SF | OF, f);
        if ok && matches!(m, Mnemonic::Fcomip | Mnemonic::Fucomip) {
            self.cpu.x87.pop();
        }
    }

    fn fxam(&mut self) {
        let x = &self.cpu.x87;
        let v = x.st(0);
        let c1 = if v.sign() { SW_C1 } else { 0 };
        let cc = if x.is_empty(0) {
            SW_C3 | SW_C0
        } else {
            match v.class() {
                Class::Unsupported => 0,
                Class::QNaN | Class::SNaN => SW_C0,
                Class::Normal => SW_C2,
                Class::Inf => SW_C2 | SW_C0,
                Class::Zero => SW_C3,
                Class::Denormal => SW_C3 | SW_C2,
            }
        };
        self.set_cc(SW_C0 | SW_C1 | SW_C2 | SW_C3, cc | c1);
    }

    /// FSQRT, FRNDINT, FXTRACT, FSCALE, FPREM(1) and the transcendentals.
    fn x87_math(&mut self, i: &Instruction) {
        use Mnemonic::*;
        let m = i.mnemonic();
        let two = matches!(m, Fscale | Fprem | Fprem1 | Fpatan | Fyl2x | Fyl2xp1);
        if matches!(m, Fsin | Fcos | Fsincos | Fptan) {
            self.set_cc(SW_C2, 0);
        }
        let x = &self.cpu.x87;
        let pushes = matches!(m, Fxtract | Fsincos | Fptan);
        if x.is_empty(0) || (two && x.is_empty(1)) {
            if self.underflow() {
                match m {
                    Fpatan | Fyl2x | Fyl2xp1 => {
                        self.cpu.x87.set_st(1, F80::INDEFINITE);
                        self.cpu.x87.pop();
                    }
                    _ if pushes => {
                        self.cpu.x87.set_st(0, F80::INDEFINITE);
                        self.cpu.x87.push(F80::INDEFINITE);
                    }
                    _ => self.cpu.x87.set_st(0, F80::INDEFINITE),
                }
            }
            return;
        }
        if pushes && !self.cpu.x87.is_empty(7) {
            if self.overflow() {
                self.cpu.x87.set_st(0, F80::INDEFINITE);
                self.cpu.x87.push(F80::INDEFINITE);
            }
            return;
        }
        let a = self.cpu.x87.st(0);
        let b = self.cpu.x87.st(1);
        let ctl = self.ctl87();
        let cw = self.cpu.x87.cw;
        match m {
            Fsqrt => {
                let o = fsqrt(a, &self.pc_fmt(), &ctl, cw);
                self.put(0, o);
            }
            Frndint => {
                let o = frndint(a, &ctl, cw);
                self.put(0, o);
            }
            Fscale => {
                let o = fscale(a, b, &ctl, cw);
                self.put(0, o);
            }
            Fxtract => {
                let (e, s, flags) = fxtract(a);
                self.set_c1(false);
                if self.raise(flags) {
                    self.cpu.x87.set_st(0, e);
                    self.cpu.x87.push(s);
                }
            }
            Fprem | Fprem1 => {
                let (o, cc) = fprem(a, b, m == Fprem1, &ctl, cw);
                let (v, f, _) = o;
                let ok = self.raise(f);
                match cc {
                    Some(cc) if ok => self.set_cc(SW_C0 | SW_C1 | SW_C2 | SW_C3, cc),
                    _ => self.set_cc(SW_C1 | SW_C2, 0),
                }
                if ok {
                    self.cpu.x87.set_st(0, v);
                }
            }
            Fsin | Fcos | Fptan | Fsincos => {
                if transcend::out_of_range(a) {
                    self.set_cc(SW_C1 | SW_C2, SW_C2);
                    return;
                }
                self.set_cc(SW_C2, 0);
                match m {
                    Fsin => {
                        let o = transcend::fsin(a, &ctl, cw);
                        self.put(0, o);
                    }
                    Fcos => {
                        let o = transcend::fcos(a, &ctl, cw);
                        self.put(0, o);
                    }
                    Fptan => {
                        let o = transcend::ftan(a, &ctl, cw);
                        let nan = o.0.is_nan();
                        if self.put(0, o) {
                            self.cpu.x87.push(if nan { o.0 } else { F80::ONE });
                        }
                    }
                    _ => {
                        let (s, c) = transcend::fsincos(a, &ctl, cw);
                        let flags = s.1 | c.1;
                        self.set_c1(s.2);
                        if self.raise(flags) {
                            self.cpu.x87.set_st(0, s.0);
                            self.cpu.x87.push(c.0);
                        }
                    }
                }
            }
            F2xm1 => {
                let o = transcend::f2xm1(a, &ctl, cw);
                self.put(0, o);
            }
            Fpatan | Fyl2x | Fyl2xp1 => {
                let o = match m {
                    Fpatan => transcend::fpatan(b, a, &ctl, cw),
                    Fyl2x => transcend::fyl2x(a, b, &ctl, cw),
                    _ => transcend::fyl2xp1(a, b, &ctl, cw),
                };
                if self.put(1, o) {
                    self.cpu.x87.pop();
                }
            }
            _ => {}
        }
    }
}

/// Checks a single operand: unsupported/NaN handling and DE. `Err` holds
/// the finished result.
pub(crate) fn unary_check(a: F80, cw: u16) -> Result<u8, Out> {
    match a.class() {
        Class::Unsupported => Err(indefinite(IE)),
        Class::SNaN => Err((a.quiet(), IE, false)),
        Class::QNaN => Err((a, 0, false)),
        Class::Denormal => {
            if cw & (DE as u16) == 0 {
                Err(indefinite(DE))
            } else {
                Ok(DE)
            }
        }
        _ => Ok(0),
    }
}

fn fsqrt(a: F80, fmt: &Fmt, ctl: &Ctl, cw: u16) -> Out {
    // A negative operand is invalid before it is a denormal.
    if a.sign() && matches!(a.class(), Class::Denormal | Class::Normal | Class::Inf) {
        return indefinite(IE);
    }
    let flags = match unary_check(a, cw) {
        Ok(f) => f,
        Err(o) => return o,
    };
    match a.class() {
        Class::Zero => (a, 0, false),
        _ if a.sign() => indefinite(IE),
        Class::Inf => (a, 0, false),
        _ => rounded(arith::sqrt(a.unp()), fmt, ctl, flags),
    }
}

fn frndint(a: F80, ctl: &Ctl, cw: u16) -> Out {
    let flags = match unary_check(a, cw) {
        Ok(f) => f,
        Err(o) => return o,
    };
    match a.class() {
        Class::Zero | Class::Inf => (a, 0, false),
        _ => {
            let (sign, mag, inexact, up) = f80::to_int(a.unp(), ctl.rc);
            let v = if mag == 0 {
                F80::zero(sign)
            } else if a.unp().exp >= 63 {
                a
            } else {
                F80::from_unp(Unp::norm(sign, 63, mag as u64))
            };
            (v, flags | if inexact { PE } else { 0 }, up)
        }
    }
}

fn fscale(a: F80, b: F80, ctl: &Ctl, cw: u16) -> Out {
    let (ca, cb) = (a.class(), b.class());
    if ca == Class::Unsupported || cb == Class::Unsupported {
        return indefinite(IE);
    }
    if is_nan(ca) || is_nan(cb) {
        let (r, f) = propagate(a, b);
        return (r, f, false);
    }
    let de = if ca == Class::Denormal || cb == Class::Denormal {
        DE
    } else {
        0
    };
    if de != 0 && cw & (DE as u16) == 0 {
        return indefinite(DE);
    }
    match (ca, cb) {
        (Class::Zero, Class::Inf) if !b.sign() => indefinite(IE),
        (Class::Inf, Class::Inf) if b.sign() => indefinite(IE),
        (Class::Zero, _) | (Class::Inf, _) => (a, de, false),
        (_, Class::Inf) => {
            if b.sign() {
                (F80::zero(a.sign()), de, false)
            } else {
                (F80::inf(a.sign()), de, false)
            }
        }
        (_, Class::Zero) => rounded(Raw::from_unp(a.unp()), &round::F80, ctl, de),
        _ => {
            let (sign, mag, _, _) = f80::to_int(b.unp(), Rc::Zero);
            let n = mag.min(1 << 20) as i32;
            let n = if sign { -n } else { n };
            let u = a.unp();
            let r = Raw::from_unp(Unp {
                exp: u.exp + n,
                ..u
            });
            rounded(r, &round::F80, ctl, de)
        }
    }
}

/// FXTRACT: (exponent, significand, flags).
fn fxtract(a: F80) -> (F80, F80, u8) {
    match a.class() {
        Class::Unsupported => (F80::INDEFINITE, F80::INDEFINITE, IE),
        Class::SNaN => (a.quiet(), a.quiet(), IE),
        Class::QNaN => (a, a, 0),
        Class::Zero => (F80::inf(true), a, ZE),
        Class::Inf => (F80::inf(false), a, 0),
        c => {
            let u = a.unp();
            let e = f80::from_i64(u.exp as i64);
            let s = F80::from_unp(Unp { exp: 0, ..u });
            (e, s, if c == Class::Denormal { DE } else { 0 })
        }
    }
}

/// FPREM/FPREM1: (result, condition codes C0..C3; `None`: invalid or NaN,
/// which clears C1 and C2 and keeps C0 and C3).
fn fprem(a: F80, b: F80, nearest: bool, ctl: &Ctl, cw: u16) -> (Out, Option<u16>) {
    let (ca, cb) = (a.class(), b.class());
    if ca == Class::Unsupported || cb == Class::Unsupported {
        return (indefinite(IE), None);
    }
    if is_nan(ca) || is_nan(cb) {
        let (r, f) = propagate(a, b);
        return ((r, f, false), None);
    }
    if ca == Class::Inf || cb == Class::Zero {
        return (indefinite(IE), None);
    }
    let de = if ca == Class::Denormal || cb == Class::Denormal {
        DE
    } else {
        0
    };
    if de != 0 && cw & (DE as u16) == 0 {
        return (indefinite(DE), None);
    }
    // Exact results: only underflow control matters.
    let ctl = Ctl {
        rc: Rc::Nearest,
        ..*ctl
    };
    if ca == Class::Zero {
        return ((a, de, false), Some(0));
    }
    if cb == Class::Inf {
        return (
            rounded(Raw::from_unp(a.unp()), &round::F80, &ctl, de),
            Some(0),
        );
    }
    let (ua, ub) = (a.unp(), b.unp());
    let d = ua.exp - ub.exp;
    if d >= 64 {
        // Partial remainder: reduce by b * 2^(d - n), n in 32..63.
        let n = 32 + (d % 32);
        let ub2 = Unp {
            exp: ua.exp - n,
            ..ub
        };
        let (r, _) = arith::rem(ua, ub2, false);
        let o = rounded(r, &round::F80, &ctl, de);
        return (o, Some(SW_C2));
    }
    let (r, q) = arith::rem(ua, ub, nearest);
    let r = if r.sig == 0 { Raw::zero(a.sign()) } else { r };
    let o = rounded(r, &round::F80, &ctl, de);
    let mut cc = 0;
    if q & 4 != 0 {
        cc |= SW_C0;
    }
    if q & 2 != 0 {
        cc |= SW_C3;
    }
    if q & 1 != 0 {
        cc |= SW_C1;
    }
    (o, Some(cc))
}
