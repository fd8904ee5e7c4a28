//! x87 transcendental functions (FSIN, FCOS, FSINCOS, FPTAN, FPATAN, F2XM1,
//! FYL2X, FYL2XP1) computed in 128-bit working precision (`wide::W`) and
//! rounded once to extended precision. Trigonometric arguments are reduced
//! exactly modulo the 66-bit pi/2 the x87 uses, so results follow the
//! processor (not the true sine) for large arguments.

use super::arith::Raw;
use super::f80::{Class, F80};
use super::round::{Ctl, F80 as FMT80};
use super::wide::W;
use super::{DE, IE, ZE};
use std::ops::{Add, Div, Mul, Neg, Sub};

/// Value, exception flags, rounded up.
pub type Out = (F80, u8, bool);

const PI_2: W = W::c(0, 0xc90fdaa22168c234c4c6628b80dc1cd1);
const PI_4: W = W::c(-1, 0xc90fdaa22168c234c4c6628b80dc1cd1);
const LN2: W = W::c(-1, 0xb17217f7d1cf79abc9e3b39803f2f6af);
const LOG2E: W = W::c(0, 0xb8aa3b295c17f0bbbe87fed0691d3e88);
/// pi/2 to 66 bits, as the x87 reduces trigonometric arguments with:
/// `PI_2_66 * 2^-65`.
const PI_2_66: u128 = (0xc90fdaa22168c234 << 2) | 3;
/// atan(k/8) for k = 1..8.
const ATAN_K8: [W; 8] = [
    W::c(-4, 0xfeadd4d5617b6e32c897989f3e888ef7),
    W::c(-3, 0xfadbafc96406eb156dc79ef5f7a217e5),
    W::c(-2, 0xb7b0ca0f26f784738aa32122dcfe4483),
    W::c(-2, 0xed63382b0dda7b456fe445ecbc3a8d03),
    W::c(-1, 0x8f005d5ef7f59f9b5c835e1665c43747),
    W::c(-1, 0xa4bc7d1934f7092419a87f2a457dac9e),
    W::c(-1, 0xb8053e2bc2319e73cb2da55210a4443d),
    W::c(-1, 0xc90fdaa22168c234c4c6628b80dc1cd1),
];

fn done(w: W, ctl: &Ctl, flags: u8) -> Out {
    done_dir(w, ctl, flags, false)
}

/// Rounds an inexact result. When the working value happens to be exactly
/// representable (a tiny correction term fell below 128 bits), `below` says
/// on which side the true value lies: below in magnitude, or above.
fn done_dir(w: W, ctl: &Ctl, flags: u8, below: bool) -> Out {
    if w.is_zero() {
        return (F80::zero(w.neg), flags, false);
    }
    let r = if below && w.sig as u64 == 0 {
        Raw::norm(w.neg, w.exp, w.sig - 1)
    } else {
        Raw {
            sign: w.neg,
            exp: w.exp,
            sig: w.sig,
        }
    };
    let p = Raw {
        sig: r.sig | 1,
        ..r
    }
    .round(&FMT80, ctl);
    (F80::from_packed(p), flags | p.flags, p.up)
}

fn exact(w: W, ctl: &Ctl, flags: u8) -> Out {
    if w.is_zero() {
        return (F80::zero(w.neg), flags, false);
    }
    let p = Raw {
        sign: w.neg,
        exp: w.exp,
        sig: w.sig,
    }
    .round(&FMT80, ctl);
    (F80::from_packed(p), flags | p.flags, p.up)
}

fn indefinite(flags: u8) -> Out {
    (F80::INDEFINITE, flags, false)
}

/// Operand check for one-operand functions: `Err` is the finished result
/// (NaN, invalid, or unmasked denormal), `Ok` the DE flag.
fn check1(a: F80, cw: u16) -> Result<u8, Out> {
    match a.class() {
        Class::Unsupported => Err(indefinite(IE)),
        Class::SNaN => Err((a.quiet(), IE, false)),
        Class::QNaN => Err((a, 0, false)),
        Class::Denormal if cw & DE as u16 == 0 => Err(indefinite(DE)),
        Class::Denormal => Ok(DE),
        _ => Ok(0),
    }
}

/// Operand check for two-operand functions (NaN propagation as in
/// arithmetic).
fn check2(a: F80, b: F80, cw: u16, late_de: bool) -> Result<u8, Out> {
    let (ca, cb) = (a.class(), b.class());
    if ca == Class::Unsupported || cb == Class::Unsupported {
        return Err(indefinite(IE));
    }
    if a.is_nan() || b.is_nan() {
        let (r, f) = super::f80::propagate(a, b);
        return Err((r, f, false));
    }
    if ca == Class::Denormal || cb == Class::Denormal {
        if cw & DE as u16 == 0 && !late_de {
            return Err(indefinite(DE));
        }
        return Ok(DE);
    }
    Ok(0)
}

/// An unmasked denormal operand stops the instruction.
fn de_stop(de: u8, cw: u16) -> Option<Out> {
    (de != 0 && cw & DE as u16 == 0).then(|| indefinite(DE))
}

/// |x| >= 2^63: FSIN/FCOS/FSINCOS/FPTAN set C2 and leave the operand.
pub fn out_of_range(a: F80) -> bool {
    a.class() == Class::Normal && a.exp() >= 0x3fff + 63
}

/// A 256-bit unsigned integer as (high, low) halves.
type U256 = (u128, u128);

/// `v << n` for n < 256 (v below 2^128).
fn shl256(v: u128, n: u32) -> U256 {
    match n {
        0 => (0, v),
        1..=127 => (v >> (128 - n), v << n),
        _ => (v << (n - 128), 0),
    }
}

/// a * b for a < 2^64, b < 2^128.
fn mul256(a: u64, b: u128) -> U256 {
    let lo = (b as u64) as u128 * a as u128;
    let hi = (b >> 64) * a as u128;
    let (l, c) = lo.overflowing_add(hi << 64);
    ((hi >> 64) + c as u128, l)
}

fn sub256(a: U256, b: U256) -> U256 {
    let (l, borrow) = a.1.overflowing_sub(b.1);
    (a.0.wrapping_sub(b.0).wrapping_sub(borrow as u128), l)
}

/// Reduces |x| modulo the x87's 66-bit pi/2: (r, quadrant), computed
/// exactly, so that large arguments give the reference CPU's results.
fn reduce(x: W) -> (W, u64) {
    let p = W {
        neg: false,
        exp: 0,
        sig: PI_2_66 << 62,
    };
    if x.mag_lt(p.scale(-1)) {
        return (x, 0);
    }
    // k = round(x / p), below 2^63 for |x| < 2^63.
    let q = x.div(p).add(W::ONE.scale(-1));
    let k = if q.exp < 0 {
        0
    } else {
        (q.sig >> (127 - q.exp)) as u64
    };
    // r = x - k * p scaled by 2^128: x = sig * 2^(e - 127), p = M * 2^-65.
    let xs = shl256(x.sig >> 64, (x.exp + 65) as u32);
    let (kh, kl) = mul256(k, PI_2_66);
    let kp = ((kh << 63) | (kl >> 65), kl << 63);
    let (neg, d) = if xs >= kp {
        (false, sub256(xs, kp))
    } else {
        (true, sub256(kp, xs))
    };
    let (top, sig) = if d.0 != 0 {
        let z = d.0.leading_zeros();
        (
            255 - z as i32,
            if z == 0 {
                d.0
            } else {
                (d.0 << z) | (d.1 >> (128 - z))
            },
        )
    } else if d.1 != 0 {
        let z = d.1.leading_zeros();
        (127 - z as i32, d.1 << z)
    } else {
        return (W::ZERO, k);
    };
    (
        W {
            neg,
            exp: top - 128,
            sig,
        },
        k,
    )
}

/// sin and cos of |r| <= pi/4 by their Taylor series.
fn sin_cos(r: W) -> (W, W) {
    let r2 = r.mul(r);
    let mut s = r;
    let mut t = r;
    let mut c = W::ONE;
    let mut u = W::ONE;
    let mut n: i64 = 1;
    while n < 60 {
        t = t.mul(r2).div(W::from_int((n + 1) * (n + 2))).neg();
        u = u.mul(r2).div(W::from_int(n * (n + 1))).neg();
        s = s.add(t);
        c = c.add(u);
        if t.is_zero() || t.exp < s.exp - 140 {
            break;
        }
        n += 2;
    }
    (s, c)
}

/// (sin x, cos x) for a finite x with |x| < 2^63.
fn sincos_w(a: F80) -> (W, W) {
    let x = W::from_unp(a.unp());
    let (r, q) = reduce(x.abs());
    let (s, c) = sin_cos(r);
    let (s, c) = match q & 3 {
        0 => (s, c),
        1 => (c, s.neg()),
        2 => (s.neg(), c.neg()),
        _ => (c.neg(), s),
    };
    (if x.neg { s.neg() } else { s }, c)
}

pub fn fsin(a: F80, ctl: &Ctl, cw: u16) -> Out {
    let de = match check1(a, cw) {
        Ok(f) => f,
        Err(o) => return o,
    };
    match a.class() {
        Class::Zero => (a, 0, false),
        Class::Inf => indefinite(IE),
        _ => done_dir(sincos_w(a).0, ctl, de, true),
    }
}

pub fn fcos(a: F80, ctl: &Ctl, cw: u16) -> Out {
    let de = match check1(a, cw) {
        Ok(f) => f,
        Err(o) => return o,
    };
    match a.class() {
        Class::Zero => (F80::ONE, 0, false),
        Class::Inf => indefinite(IE),
        _ => done_dir(sincos_w(a).1, ctl, de, true),
    }
}

pub fn ftan(a: F80, ctl: &Ctl, cw: u16) -> Out {
    let de = match check1(a, cw) {
        Ok(f) => f,
        Err(o) => return o,
    };
    match a.class() {
        Class::Zero => (a, 0, false),
        Class::Inf => indefinite(IE),
        _ => {
            // The reference CPU rounds tiny tangents as if they were just
            // below the argument (in value, whatever the sign).
            let (s, c) = sincos_w(a);
            done_dir(s.div(c), ctl, de, !a.sign())
        }
    }
}

pub fn fsincos(a: F80, ctl: &Ctl, cw: u16) -> (Out, Out) {
    let de = match check1(a, cw) {
        Ok(f) => f,
        Err(o) => return (o, o),
    };
    match a.class() {
        Class::Zero => ((a, 0, false), (F80::ONE, 0, false)),
        Class::Inf => (indefinite(IE), indefinite(IE)),
        _ => {
            let (s, c) = sincos_w(a);
            (done_dir(s, ctl, de, true), done_dir(c, ctl, de, true))
        }
    }
}

/// e^t - 1 by its Taylor series (|t| < 1).
fn expm1_w(t: W) -> W {
    let mut sum = t;
    let mut term = t;
    for n in 2..80 {
        term = term.mul(t).div(W::from_int(n));
        sum = sum.add(term);
        if term.is_zero() || term.exp < sum.exp - 140 {
            break;
        }
    }
    sum
}

pub fn f2xm1(a: F80, ctl: &Ctl, cw: u16) -> Out {
    let de = match check1(a, cw) {
        Ok(f) => f,
        Err(o) => return o,
    };
    match a.class() {
        Class::Zero => (a, 0, false),
        Class::Inf if a.sign() => (F80::ONE.negate(), 0, false),
        Class::Inf => (a, 0, false),
        _ => {
            let x = W::from_unp(a.unp());
            if x.abs() == W::ONE {
                // 2^1 - 1 and 2^-1 - 1: the reference CPU rounds them as if
                // just below 1 and just beyond -0.5.
                return if x.neg {
                    done_dir(W::ONE.scale(-1).neg(), ctl, de, false)
                } else {
                    done_dir(W::ONE, ctl, de, true)
                };
            }
            if x.exp < 0 {
                return done(expm1_w(x.mul(LN2)), ctl, de);
            }
            // Outside -1..1 the reference CPU leaves the operand (with PE).
            (a, de | super::PE, false)
        }
    }
}

/// ln(1 + x) - form: 2 * atanh(s) for s = (m - 1) / (m + 1).
fn atanh2(s: W) -> W {
    let s2 = s.mul(s);
    let mut sum = s;
    let mut p = s;
    for n in 1..200 {
        p = p.mul(s2);
        let term = p.div(W::from_int(2 * n + 1));
        sum = sum.add(term);
        if term.is_zero() || term.exp < sum.exp - 140 {
            break;
        }
    }
    sum.scale(1)
}

/// log2 of a positive value.
fn log2_w(v: W) -> W {
    let mut e = v.exp;
    let mut m = W {
        neg: false,
        exp: 0,
        sig: v.sig,
    };
    if m.sig > 0xb504f333f9de6484597d89b3754abe9f {
        m = m.scale(-1);
        e += 1;
    }
    let s = m.sub(W::ONE).div(m.add(W::ONE));
    W::from_int(e as i64).add(atanh2(s).mul(LOG2E))
}

/// y * log2(L) with the x87 special cases; `l` is log2 of the finite
/// positive operand, `exact` when it is an exact integer.
fn ylog(y: F80, l: W, exact_log: bool, ctl: &Ctl, de: u8) -> Out {
    let ls = l.neg;
    match y.class() {
        Class::Inf if l.is_zero() => indefinite(IE),
        Class::Inf => (F80::inf(y.sign() != ls), de, false),
        Class::Zero => (F80::zero(y.sign() != ls), de, false),
        _ => {
            let r = W::from_unp(y.unp()).mul(l);
            if exact_log {
                exact(r, ctl, de)
            } else {
                done(r, ctl, de)
            }
        }
    }
}

/// FYL2X: st1 * log2(st0).
pub fn fyl2x(x: F80, y: F80, ctl: &Ctl, cw: u16) -> Out {
    let de = match check2(x, y, cw, true) {
        Ok(f) => f,
        Err(o) => return o,
    };
    let (cx, cy) = (x.class(), y.class());
    if x.sign() && cx != Class::Zero {
        return indefinite(IE);
    }
    match cx {
        Class::Zero => match cy {
            Class::Zero => indefinite(IE),
            Class::Inf => (F80::inf(!y.sign()), de, false),
            _ => (F80::inf(!y.sign()), ZE, false),
        },
        Class::Inf => match cy {
            Class::Zero => indefinite(IE),
            _ => (F80::inf(y.sign()), de, false),
        },
        _ => {
            if let Some(o) = de_stop(de, cw) {
                return o;
            }
            let u = x.unp();
            let pow2 = u.sig == 1 << 63;
            let l = if pow2 {
                W::from_int(u.exp as i64)
            } else {
                log2_w(W::from_unp(u))
            };
            ylog(y, l, pow2, ctl, de)
        }
    }
}

/// FYL2XP1: st1 * log2(st0 + 1).
pub fn fyl2xp1(x: F80, y: F80, ctl: &Ctl, cw: u16) -> Out {
    let de = match check2(x, y, cw, false) {
        Ok(f) => f,
        Err(o) => return o,
    };
    let (cx, cy) = (x.class(), y.class());
    match cx {
        Class::Zero => match cy {
            Class::Inf => indefinite(IE),
            Class::Zero => (F80::zero(x.sign() != y.sign()), de, false),
            _ => (F80::zero(x.sign() != y.sign()), de, false),
        },
        Class::Inf if x.sign() => indefinite(IE),
        Class::Inf => match cy {
            Class::Zero => indefinite(IE),
            _ => (F80::inf(y.sign()), de, false),
        },
        _ => {
            let xw = W::from_unp(x.unp());
            let one = W::ONE;
            if x.sign() && !xw.mag_lt(one) {
                if xw.abs() == one {
                    return match cy {
                        Class::Zero => indefinite(IE),
                        Class::Inf => (F80::inf(!y.sign()), de, false),
                        _ => (F80::inf(!y.sign()), de | ZE, false),
                    };
                }
                return indefinite(IE);
            }
            let l = if xw.exp < -1 {
                atanh2(xw.div(xw.add(W::ONE.scale(1)))).mul(LOG2E)
            } else {
                log2_w(xw.add(one))
            };
            ylog(y, l, false, ctl, de)
        }
    }
}

/// atan(t) for 0 <= t <= 1.
fn atan01(t: W) -> W {
    let k = t.scale(3).add(W::ONE.scale(-1));
    let k = if k.exp < 0 {
        0
    } else {
        (k.sig >> (127 - k.exp)) as i64
    };
    let (base, u) = if k == 0 {
        (W::ZERO, t)
    } else {
        let c = W::from_int(k).scale(-3);
        (ATAN_K8[k as usize - 1], t.sub(c).div(W::ONE.add(t.mul(c))))
    };
    let u2 = u.mul(u);
    let mut sum = u;
    let mut p = u;
    for n in 1..100 {
        p = p.mul(u2).neg();
        let term = p.div(W::from_int(2 * n + 1));
        sum = sum.add(term);
        if term.is_zero() || term.exp < sum.exp - 140 {
            break;
        }
    }
    base.add(sum)
}

/// FPATAN: atan(st1 / st0) in the quadrant of (st0, st1).
pub fn fpatan(y: F80, x: F80, ctl: &Ctl, cw: u16) -> Out {
    let de = match check2(x, y, cw, false) {
        Ok(f) => f,
        Err(o) => return o,
    };
    let pi = PI_2.scale(1);
    let (cx, cy) = (x.class(), y.class());
    let with_sign = |w: W| if y.sign() { w.neg() } else { w };
    let r = match (cy, cx) {
        (Class::Zero, _) => {
            if x.sign() {
                with_sign(pi)
            } else {
                return (F80::zero(y.sign()), de, false);
            }
        }
        (Class::Inf, Class::Inf) => with_sign(if x.sign() { pi.sub(PI_4) } else { PI_4 }),
        (Class::Inf, _) | (_, Class::Zero) => with_sign(PI_2),
        (_, Class::Inf) => {
            if x.sign() {
                with_sign(pi)
            } else {
                return (F80::zero(y.sign()), de, false);
            }
        }
        _ => {
            let (xa, ya) = (W::from_unp(x.unp()).abs(), W::from_unp(y.unp()).abs());
            let a = if ya.mag_lt(xa) || ya == xa {
                atan01(ya.div(xa))
            } else {
                PI_2.sub(atan01(xa.div(ya)))
            };
            let a = if x.sign() { pi.sub(a) } else { a };
            with_sign(a)
        }
    };
    done(r, ctl, de)
}
