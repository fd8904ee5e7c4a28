//! binary32/binary64 operations with SSE semantics: MXCSR rounding, DAZ and
//! FTZ, exception flags, x86 NaN rules (the first NaN operand, quieted; the
//! default NaN is the negative quiet NaN), MIN/MAX operand order and the
//! integer indefinite for invalid conversions. Values are raw bit patterns.

use super::arith::{self, Raw};
use super::f80::to_int;
use super::round::{Ctl, Fmt, Packed, F32, F64};
use super::{Rc, Unp, DE, IE, PE, ZE};
use std::cmp::Ordering;

/// Element format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    S,
    D,
}

impl Kind {
    pub fn fmt(self) -> &'static Fmt {
        match self {
            Kind::S => &F32,
            Kind::D => &F64,
        }
    }
    pub fn width(self) -> u32 {
        match self {
            Kind::S => 32,
            Kind::D => 64,
        }
    }
    fn frac_bits(self) -> u32 {
        self.fmt().prec - 1
    }
    fn sign_bit(self) -> u64 {
        1 << (self.width() - 1)
    }
    fn exp_max(self) -> u64 {
        (1 << (self.width() - 1 - self.frac_bits())) - 1
    }
    fn quiet_bit(self) -> u64 {
        1 << (self.frac_bits() - 1)
    }
    /// The default NaN: negative quiet NaN.
    pub fn default_nan(self) -> u64 {
        self.sign_bit() | (self.exp_max() << self.frac_bits()) | self.quiet_bit()
    }
    fn inf(self, sign: bool) -> u64 {
        self.zero(sign) | (self.exp_max() << self.frac_bits())
    }
    fn zero(self, sign: bool) -> u64 {
        if sign {
            self.sign_bit()
        } else {
            0
        }
    }
    fn pack(self, p: Packed) -> u64 {
        match self {
            Kind::S => p.to_f32() as u64,
            Kind::D => p.to_f64(),
        }
    }
}

/// MXCSR-derived environment with the flags raised so far.
#[derive(Clone, Copy, Debug)]
pub struct Env {
    pub rc: Rc,
    pub daz: bool,
    pub ftz: bool,
    pub masks: u8,
    pub flags: u8,
}

impl Env {
    pub fn new(mxcsr: u32) -> Env {
        Env {
            rc: Rc::from_bits(mxcsr >> 13),
            daz: mxcsr & 0x40 != 0,
            ftz: mxcsr & 0x8000 != 0,
            masks: ((mxcsr >> 7) & 0x3f) as u8,
            flags: 0,
        }
    }

    fn ctl(&self) -> Ctl {
        Ctl {
            rc: self.rc,
            ue_masked: self.masks & super::UE != 0,
            oe_masked: self.masks & super::OE != 0,
            ftz: self.ftz && self.masks & super::UE != 0,
        }
    }

    fn round(&mut self, k: Kind, r: Raw) -> u64 {
        if r.sig == 0 {
            return k.zero(r.sign);
        }
        let p = r.round(k.fmt(), &self.ctl());
        self.flags |= p.flags;
        k.pack(p)
    }

    /// Unmasked exceptions raised so far.
    pub fn unmasked(&self) -> u8 {
        self.flags & !self.masks & 0x3f
    }
}

/// An operand after DAZ.
#[derive(Clone, Copy, Debug)]
enum V {
    Zero(bool),
    Fin(Unp),
    Inf(bool),
    NaN(bool),
}

/// Classifies `bits`; records DE for a denormal unless DAZ zeroes it.
fn val(k: Kind, bits: u64, env: &mut Env) -> V {
    let fb = k.frac_bits();
    let sign = bits & k.sign_bit() != 0;
    let e = (bits >> fb) & k.exp_max();
    let f = bits & ((1 << fb) - 1);
    let fmt = k.fmt();
    if e == k.exp_max() {
        if f == 0 {
            V::Inf(sign)
        } else {
            V::NaN(f & k.quiet_bit() != 0)
        }
    } else if e == 0 {
        if f == 0 || env.daz {
            V::Zero(sign)
        } else {
            env.flags |= DE;
            V::Fin(Unp::norm(sign, fmt.emin - fb as i32 + 63, f))
        }
    } else {
        V::Fin(Unp {
            sign,
            exp: e as i32 - fmt.bias,
            sig: (f | (1 << fb)) << (63 - fb),
        })
    }
}

/// NaN operands: IE for a signalling one; the first NaN, quieted, is the result.
fn nan2(k: Kind, a: u64, va: V, b: u64, vb: V, env: &mut Env) -> Option<u64> {
    match (va, vb) {
        (V::NaN(qa), _) => {
            let sb = matches!(vb, V::NaN(false));
            if !qa || sb {
                env.flags |= IE;
            }
            Some(a | k.quiet_bit())
        }
        (_, V::NaN(qb)) => {
            if !qb {
                env.flags |= IE;
            }
            Some(b | k.quiet_bit())
        }
        _ => None,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Add,
    Sub,
    Mul,
    Div,
}

/// a op b.
pub fn binop(k: Kind, op: Op, a: u64, b: u64, env: &mut Env) -> u64 {
    let (va, vb) = (val(k, a, env), val(k, b, env));
    if let Some(r) = nan2(k, a, va, b, vb, env) {
        env.flags &= !DE;
        return r;
    }
    let vb = match (op, vb) {
        (Op::Sub, V::Zero(s)) => V::Zero(!s),
        (Op::Sub, V::Inf(s)) => V::Inf(!s),
        (Op::Sub, V::Fin(u)) => V::Fin(Unp { sign: !u.sign, ..u }),
        _ => vb,
    };
    let invalid = |env: &mut Env| {
        env.flags = (env.flags & !DE) | IE;
        k.default_nan()
    };
    match op {
        Op::Add | Op::Sub => match (va, vb) {
            (V::Inf(x), V::Inf(y)) if x != y => invalid(env),
            (V::Inf(x), _) | (_, V::Inf(x)) => k.inf(x),
            (V::Zero(x), V::Zero(y)) => k.zero(if x == y { x } else { env.rc == Rc::Down }),
            (V::Zero(_), V::Fin(u)) | (V::Fin(u), V::Zero(_)) => env.round(k, Raw::from_unp(u)),
            (V::Fin(x), V::Fin(y)) => env.round(k, arith::add(x, y, env.rc)),
            _ => k.default_nan(), // NaNs were handled above
        },
        Op::Mul => {
            let s = sign(va) != sign(vb);
            match (va, vb) {
                (V::Inf(_), V::Zero(_)) | (V::Zero(_), V::Inf(_)) => invalid(env),
                (V::Inf(_), _) | (_, V::Inf(_)) => k.inf(s),
                (V::Zero(_), _) | (_, V::Zero(_)) => k.zero(s),
                (V::Fin(x), V::Fin(y)) => env.round(k, arith::mul(x, y)),
                _ => k.default_nan(), // NaNs were handled above
            }
        }
        Op::Div => {
            let s = sign(va) != sign(vb);
            match (va, vb) {
                (V::Inf(_), V::Inf(_)) | (V::Zero(_), V::Zero(_)) => invalid(env),
                (V::Inf(_), _) => k.inf(s),
                (_, V::Inf(_)) | (V::Zero(_), _) => k.zero(s),
                (V::Fin(_), V::Zero(_)) => {
                    env.flags = (env.flags & !DE) | ZE;
                    k.inf(s)
                }
                (V::Fin(x), V::Fin(y)) => env.round(k, arith::div(x, y)),
                _ => k.default_nan(), // NaNs were handled above
            }
        }
    }
}

fn sign(v: V) -> bool {
    match v {
        V::Zero(s) | V::Inf(s) | V::NaN(s) => s,
        V::Fin(u) => u.sign,
    }
}

pub fn sqrt(k: Kind, a: u64, env: &mut Env) -> u64 {
    match val(k, a, env) {
        V::NaN(q) => {
            if !q {
                env.flags |= IE;
            }
            a | k.quiet_bit()
        }
        V::Zero(s) => k.zero(s),
        V::Inf(false) => a,
        V::Fin(u) if !u.sign => env.round(k, arith::sqrt(u)),
        _ => {
            env.flags = (env.flags & !DE) | IE;
            k.default_nan()
        }
    }
}

/// Ordering of two operands (`None`: unordered), without flags.
fn order(va: V, vb: V) -> Option<Ordering> {
    let key = |v: V| -> (i8, i32, u64) {
        match v {
            V::Zero(_) => (0, 0, 0),
            V::Fin(u) => {
                let s = if u.sign { -1 } else { 1 };
                (
                    s,
                    if u.sign { -u.exp } else { u.exp },
                    if u.sign { !u.sig } else { u.sig },
                )
            }
            V::Inf(s) => (if s { -2 } else { 2 }, 0, 0),
            V::NaN(_) => (0, 0, 0),
        }
    };
    if matches!(va, V::NaN(_)) || matches!(vb, V::NaN(_)) {
        return None;
    }
    Some(key(va).cmp(&key(vb)))
}

/// Compares with IE for signalling NaNs, or for any NaN when `signaling`.
pub fn compare(k: Kind, a: u64, b: u64, signaling: bool, env: &mut Env) -> Option<Ordering> {
    let (va, vb) = (val(k, a, env), val(k, b, env));
    let (na, nb) = (matches!(va, V::NaN(_)), matches!(vb, V::NaN(_)));
    if na || nb {
        env.flags &= !DE;
        if signaling || matches!(va, V::NaN(false)) || matches!(vb, V::NaN(false)) {
            env.flags |= IE;
        }
        return None;
    }
    order(va, vb)
}

/// CMPPS/CMPSS predicate (imm8 & 7) as a boolean.
pub fn cmp_pred(k: Kind, pred: u8, a: u64, b: u64, env: &mut Env) -> bool {
    let signaling = matches!(pred & 7, 1 | 2 | 5 | 6);
    let o = compare(k, a, b, signaling, env);
    use Ordering::*;
    match pred & 7 {
        0 => o == Some(Equal),
        1 => o == Some(Less),
        2 => matches!(o, Some(Less | Equal)),
        3 => o.is_none(),
        4 => o != Some(Equal),
        5 => !matches!(o, Some(Less)),
        6 => !matches!(o, Some(Less | Equal)),
        _ => o.is_some(),
    }
}

/// MINPS/MAXPS: the second operand for NaNs (IE for any NaN) and equal values.
pub fn minmax(k: Kind, max: bool, a: u64, b: u64, env: &mut Env) -> u64 {
    let o = compare(k, a, b, true, env);
    let a_wins = match o {
        Some(Ordering::Less) => !max,
        Some(Ordering::Greater) => max,
        _ => false,
    };
    let r = if a_wins { a } else { b };
    // The chosen operand is delivered after DAZ.
    let e = (r >> k.frac_bits()) & k.exp_max();
    if env.daz && e == 0 {
        r & k.sign_bit()
    } else {
        r
    }
}

/// Float to signed integer of `bits` (32/64), rounding with `rc`
/// (truncating when `trunc`). Invalid: the integer indefinite.
pub fn to_i(k: Kind, a: u64, bits: u32, trunc: bool, env: &mut Env) -> u64 {
    let ind = 1u64 << (bits - 1);
    let rc = if trunc { Rc::Zero } else { env.rc };
    // Conversions to integers do not report denormal operands.
    let v = val(k, a, env);
    env.flags &= !DE;
    match v {
        V::Zero(_) => 0,
        V::Fin(u) => {
            let (sign, mag, inexact, _) = to_int(u, rc);
            let limit = 1u128 << (bits - 1);
            if mag > limit || (mag == limit && !sign) {
                env.flags = (env.flags & !DE) | IE;
                return ind;
            }
            if inexact {
                env.flags |= PE;
            }
            let v = if sign {
                (mag as i128).wrapping_neg() as u64
            } else {
                mag as u64
            };
            v & (u64::MAX >> (64 - bits))
        }
        _ => {
            env.flags = (env.flags & !DE) | IE;
            ind
        }
    }
}

/// Signed integer to float, rounded per MXCSR.
pub fn from_i(k: Kind, v: i64, env: &mut Env) -> u64 {
    if v == 0 {
        return 0;
    }
    let u = Unp::norm(v < 0, 63, v.unsigned_abs());
    env.round(k, Raw::from_unp(u))
}

/// Converts between the two widths (NaN payloads keep their top bits).
pub fn convert(from: Kind, to: Kind, a: u64, env: &mut Env) -> u64 {
    match val(from, a, env) {
        V::Zero(s) => to.zero(s),
        V::Inf(s) => to.inf(s),
        V::NaN(q) => {
            if !q {
                env.flags |= IE;
            }
            let s = a & from.sign_bit() != 0;
            let payload = (a & ((1 << from.frac_bits()) - 1)) | from.quiet_bit();
            let p = if to.frac_bits() > from.frac_bits() {
                payload << (to.frac_bits() - from.frac_bits())
            } else {
                payload >> (from.frac_bits() - to.frac_bits())
            };
            to.inf(s) | p
        }
        V::Fin(u) => env.round(to, Raw::from_unp(u)),
    }
}

/// ROUNDSS/SD/PS/PD: round to an integral value with `rc`; `quiet`
/// suppresses PE.
pub fn round_int(k: Kind, a: u64, rc: Rc, quiet: bool, env: &mut Env) -> u64 {
    // No denormal-operand exception here either.
    let v = val(k, a, env);
    env.flags &= !DE;
    match v {
        V::NaN(q) => {
            if !q {
                env.flags |= IE;
            }
            a | k.quiet_bit()
        }
        V::Zero(s) => k.zero(s),
        V::Inf(_) => a,
        V::Fin(u) => {
            if u.exp >= k.frac_bits() as i32 {
                return a;
            }
            let (sign, mag, inexact, _) = to_int(u, rc);
            if inexact && !quiet {
                env.flags |= PE;
            }
            if mag == 0 {
                return k.zero(sign);
            }
            let u = Unp::norm(sign, 63, mag as u64);
            let mut e2 = Env { flags: 0, ..*env };
            e2.round(k, Raw::from_unp(u))
        }
    }
}
