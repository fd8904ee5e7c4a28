//! The x87 80-bit extended format: classification (including the encodings
//! the 387 and later reject: unnormals, pseudo-NaNs, pseudo-infinities),
//! conversions from and to binary32/binary64, integers and packed BCD.

use super::round::{round_unp, Ctl, Fmt, Packed, F32, F64};
use super::{Rc, Unp, DE, IE, PE};
use std::cmp::Ordering;

/// An 80-bit extended value: sign and exponent, explicit-integer-bit significand.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct F80 {
    pub se: u16,
    pub m: u64,
}

/// Operand classes as the x87 sees them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    Zero,
    /// Denormal or pseudo-denormal (exponent 0, non-zero significand).
    Denormal,
    Normal,
    Inf,
    QNaN,
    SNaN,
    /// Unnormal, pseudo-NaN, pseudo-infinity: invalid operands.
    Unsupported,
}

pub const QNAN_BIT: u64 = 1 << 62;
pub const INT_BIT: u64 = 1 << 63;

impl F80 {
    /// The "real indefinite" default NaN.
    pub const INDEFINITE: F80 = F80 {
        se: 0xffff,
        m: 0xc000_0000_0000_0000,
    };
    pub const ZERO: F80 = F80 { se: 0, m: 0 };
    pub const ONE: F80 = F80 {
        se: 0x3fff,
        m: INT_BIT,
    };

    pub fn sign(self) -> bool {
        self.se & 0x8000 != 0
    }

    pub fn exp(self) -> u16 {
        self.se & 0x7fff
    }

    pub fn class(self) -> Class {
        let e = self.exp();
        let j = self.m & INT_BIT != 0;
        match e {
            0 if self.m == 0 => Class::Zero,
            0 => Class::Denormal,
            0x7fff if !j => Class::Unsupported,
            0x7fff if self.m << 1 == 0 => Class::Inf,
            0x7fff if self.m & QNAN_BIT != 0 => Class::QNaN,
            0x7fff => Class::SNaN,
            _ if !j => Class::Unsupported,
            _ => Class::Normal,
        }
    }

    pub fn is_nan(self) -> bool {
        matches!(self.class(), Class::QNaN | Class::SNaN)
    }

    pub fn zero(sign: bool) -> F80 {
        F80 {
            se: (sign as u16) << 15,
            m: 0,
        }
    }

    pub fn inf(sign: bool) -> F80 {
        F80 {
            se: ((sign as u16) << 15) | 0x7fff,
            m: INT_BIT,
        }
    }

    pub fn negate(self) -> F80 {
        F80 {
            se: self.se ^ 0x8000,
            m: self.m,
        }
    }

    pub fn abs(self) -> F80 {
        F80 {
            se: self.se & 0x7fff,
            m: self.m,
        }
    }

    /// Same NaN with the quiet bit set.
    pub fn quiet(self) -> F80 {
        F80 {
            se: self.se,
            m: self.m | QNAN_BIT,
        }
    }

    /// The value of a Normal or Denormal operand.
    pub fn unp(self) -> Unp {
        let e = self.exp() as i32;
        if e == 0 {
            Unp::norm(self.sign(), -16382, self.m)
        } else {
            Unp {
                sign: self.sign(),
                exp: e - 16383,
                sig: self.m,
            }
        }
    }

    pub fn from_packed(p: Packed) -> F80 {
        F80 {
            se: ((p.sign as u16) << 15) | p.bexp as u16,
            m: p.sig,
        }
    }

    /// Exact conversion of a finite non-zero value (no rounding needed).
    pub fn from_unp(u: Unp) -> F80 {
        if (-16382..=16383).contains(&u.exp) {
            return F80 {
                se: ((u.sign as u16) << 15) | (u.exp + 16383) as u16,
                m: u.sig,
            };
        }
        F80::from_packed(round_unp(u, &super::round::F80, &Ctl::NEAREST))
    }

    pub fn to_bytes(self) -> [u8; 10] {
        let mut b = [0u8; 10];
        b[..8].copy_from_slice(&self.m.to_le_bytes());
        b[8..].copy_from_slice(&self.se.to_le_bytes());
        b
    }

    pub fn from_bytes(b: &[u8]) -> F80 {
        let mut m = [0u8; 8];
        m.copy_from_slice(&b[..8]);
        F80 {
            m: u64::from_le_bytes(m),
            se: u16::from_le_bytes([b[8], b[9]]),
        }
    }
}

/// x87 NaN propagation: a quiet NaN operand wins over a signalling one,
/// otherwise the larger significand (ties: the positive one); IE for any
/// signalling NaN. The result is quieted.
pub fn propagate(a: F80, b: F80) -> (F80, u8) {
    let (ca, cb) = (a.class(), b.class());
    let ie = if ca == Class::SNaN || cb == Class::SNaN {
        IE
    } else {
        0
    };
    let pick_a = match (ca, cb) {
        (Class::SNaN, Class::QNaN) => false,
        (Class::QNaN, Class::SNaN) => true,
        _ if !b.is_nan() => true,
        _ if !a.is_nan() => false,
        _ => match (a.m & !QNAN_BIT).cmp(&(b.m & !QNAN_BIT)) {
            Ordering::Greater => true,
            Ordering::Less => false,
            Ordering::Equal => !a.sign() || b.sign(),
        },
    };
    (if pick_a { a.quiet() } else { b.quiet() }, ie)
}

/// Widens an IEEE value with `ebits` exponent and `fbits` fraction bits to
/// extended (exact; a signalling NaN stays signalling). Returns the value
/// and DE for a denormal.
fn widen(bits: u64, ebits: u32, fbits: u32) -> (F80, u8) {
    let sign = (bits >> (ebits + fbits)) & 1 != 0;
    let emax = (1u64 << ebits) - 1;
    let bias = (emax >> 1) as i32;
    let e = (bits >> fbits) & emax;
    let f = bits & ((1u64 << fbits) - 1);
    let s = (sign as u16) << 15;
    if e == emax {
        if f == 0 {
            return (F80::inf(sign), 0);
        }
        let m = INT_BIT | (f << (63 - fbits));
        return (F80 { se: s | 0x7fff, m }, 0);
    }
    if e == 0 {
        if f == 0 {
            return (F80::zero(sign), 0);
        }
        let u = Unp::norm(sign, 1 - bias - fbits as i32 + 63, f);
        return (F80::from_unp(u), DE);
    }
    let u = Unp {
        sign,
        exp: e as i32 - bias,
        sig: INT_BIT | (f << (63 - fbits)),
    };
    (F80::from_unp(u), 0)
}

pub fn from_f32(bits: u32) -> (F80, u8) {
    widen(bits as u64, 8, 23)
}

pub fn from_f64(bits: u64) -> (F80, u8) {
    widen(bits, 11, 52)
}

/// Narrows to binary32/binary64 bits with rounding; NaNs keep the top of
/// their payload and are quieted (IE for SNaN, indefinite for unsupported).
fn narrow(v: F80, fmt: &Fmt, ctl: &Ctl) -> (Packed, u8) {
    let fbits = fmt.prec - 1;
    let emax_field = (fmt.emax + fmt.bias + 1) as u32;
    match v.class() {
        Class::Zero => (Packed::zero(v.sign()), 0),
        Class::Inf => (Packed::inf(v.sign(), fmt), 0),
        Class::QNaN | Class::SNaN => {
            let ie = if v.class() == Class::SNaN { IE } else { 0 };
            let m = (v.m | QNAN_BIT) >> (63 - fbits) << (63 - fbits);
            (
                Packed {
                    sign: v.sign(),
                    bexp: emax_field,
                    sig: m,
                    flags: 0,
                    up: false,
                },
                ie,
            )
        }
        Class::Unsupported => (
            Packed {
                sign: true,
                bexp: emax_field,
                sig: 0xc000_0000_0000_0000,
                flags: 0,
                up: false,
            },
            IE,
        ),
        Class::Denormal | Class::Normal => {
            let de = if v.class() == Class::Denormal { DE } else { 0 };
            let p = round_unp(v.unp(), fmt, ctl);
            (p, de)
        }
    }
}

/// Converts to binary32; returns (bits, rounding info with flags).
pub fn to_f32(v: F80, ctl: &Ctl) -> (u32, Packed) {
    let (mut p, f) = narrow(v, &F32, ctl);
    p.flags |= f;
    (p.to_f32(), p)
}

pub fn to_f64(v: F80, ctl: &Ctl) -> (u64, Packed) {
    let (mut p, f) = narrow(v, &F64, ctl);
    p.flags |= f;
    (p.to_f64(), p)
}

/// Converts a signed integer to extended (exact).
pub fn from_i64(v: i64) -> F80 {
    if v == 0 {
        return F80::ZERO;
    }
    F80::from_unp(Unp::norm(v < 0, 63, v.unsigned_abs()))
}

/// Rounds a finite value to an integer with `rc`: (sign, magnitude, inexact,
/// rounded up). Magnitudes beyond 2^64 saturate to `u128` range.
pub fn to_int(u: Unp, rc: Rc) -> (bool, u128, bool, bool) {
    if u.exp >= 63 {
        let sh = (u.exp - 63) as u32;
        let mag = if sh >= 64 {
            u128::MAX
        } else {
            (u.sig as u128) << sh
        };
        return (u.sign, mag, false, false);
    }
    let x = (u.sig as u128) << 64;
    let shift = (127 - u.exp) as u32;
    // Past 128 the value is below 1/2 and only "non-zero" matters.
    let (int, rest, half) = match shift {
        ..=127 => (x >> shift, x & ((1u128 << shift) - 1), 1u128 << (shift - 1)),
        128 => (0, x, 1u128 << 127),
        _ => (0, 1, 2),
    };
    let up = match rc {
        Rc::Nearest => rest > half || (rest == half && int & 1 == 1),
        Rc::Zero => false,
        Rc::Down => u.sign && rest != 0,
        Rc::Up => !u.sign && rest != 0,
    };
    (u.sign, int + up as u128, rest != 0, up)
}

/// Converts to a signed integer of `bits` bits with `rc` (or truncation).
/// Returns the value and flags; out of range and NaN give the integer
/// indefinite with IE.
pub fn to_i(v: F80, bits: u32, rc: Rc) -> (i64, u8, bool) {
    let indefinite = (1u64 << (bits - 1)) as i64;
    let indefinite = if bits == 64 { i64::MIN } else { indefinite };
    match v.class() {
        Class::Zero => (0, 0, false),
        Class::Denormal | Class::Normal => {
            let de = if v.class() == Class::Denormal { DE } else { 0 };
            let (sign, mag, inexact, up) = to_int(v.unp(), rc);
            let limit = 1u128 << (bits - 1);
            if mag > limit || (mag == limit && !sign) {
                return (indefinite, IE | de, false);
            }
            let val = if sign {
                (mag as i128).wrapping_neg() as i64
            } else {
                mag as i64
            };
            (val, if inexact { PE | de } else { de }, up)
        }
        _ => (indefinite, IE, false),
    }
}

/// Reads packed BCD (18 digits, sign in byte 9 bit 7).
pub fn from_bcd(b: &[u8]) -> F80 {
    let mut v: u64 = 0;
    for k in (0..9).rev() {
        v = v * 100 + (b[k] >> 4) as u64 * 10 + (b[k] & 15) as u64;
    }
    let neg = b[9] & 0x80 != 0;
    if v == 0 {
        return F80::zero(neg);
    }
    F80::from_unp(Unp::norm(neg, 63, v))
}

/// Writes a magnitude below 10^18 as packed BCD.
pub fn to_bcd(neg: bool, mut v: u64) -> [u8; 10] {
    let mut b = [0u8; 10];
    for byte in b.iter_mut().take(9) {
        let lo = (v % 10) as u8;
        v /= 10;
        let hi = (v % 10) as u8;
        v /= 10;
        *byte = (hi << 4) | lo;
    }
    b[9] = (neg as u8) << 7;
    b
}
