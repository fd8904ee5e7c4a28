//! Exact arithmetic on finite non-zero operands: each function returns the
//! result as a `Raw` (128-bit significand, bit 0 sticky) ready for
//! `round::round`. Special operands (zero, infinity, NaN) are the caller's.

use super::round::{round, Ctl, Fmt, Packed};
use super::{shr_jam, Rc, Unp};

/// An unrounded result `(-1)^sign * sig * 2^(exp - 127)`; `sig == 0` is an
/// exact zero of the given sign, otherwise bit 127 is set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Raw {
    pub sign: bool,
    pub exp: i32,
    pub sig: u128,
}

impl Raw {
    pub fn zero(sign: bool) -> Raw {
        Raw {
            sign,
            exp: 0,
            sig: 0,
        }
    }

    /// Normalises an arbitrary `sig * 2^(exp - 127)`.
    #[inline]
    pub fn norm(sign: bool, exp: i32, sig: u128) -> Raw {
        if sig == 0 {
            return Raw::zero(sign);
        }
        let z = sig.leading_zeros();
        Raw {
            sign,
            exp: exp - z as i32,
            sig: sig << z,
        }
    }

    #[inline]
    pub fn from_unp(u: Unp) -> Raw {
        Raw {
            sign: u.sign,
            exp: u.exp,
            sig: (u.sig as u128) << 64,
        }
    }

    /// Rounds to `fmt`.
    #[inline]
    pub fn round(self, fmt: &Fmt, ctl: &Ctl) -> Packed {
        if self.sig == 0 {
            Packed::zero(self.sign)
        } else {
            round(self.sign, self.exp, self.sig, fmt, ctl)
        }
    }
}

/// a + b. An exact zero sum is -0 only when rounding down.
#[inline]
pub fn add(a: Unp, b: Unp, rc: Rc) -> Raw {
    let (big, small) = if (a.exp, a.sig) >= (b.exp, b.sig) {
        (a, b)
    } else {
        (b, a)
    };
    let d = (big.exp - small.exp) as u32;
    // Significands at bit 126, one bit of headroom for a carry.
    let x = (big.sig as u128) << 63;
    let y = shr_jam((small.sig as u128) << 63, d);
    if a.sign == b.sign {
        Raw::norm(a.sign, big.exp + 1, x + y)
    } else if x == y {
        Raw::zero(rc == Rc::Down)
    } else {
        Raw::norm(big.sign, big.exp + 1, x - y)
    }
}

/// a * b (exact).
#[inline]
pub fn mul(a: Unp, b: Unp) -> Raw {
    let p = a.sig as u128 * b.sig as u128;
    Raw::norm(a.sign != b.sign, a.exp + b.exp + 1, p)
}

/// a / b with a sticky bit for the remainder.
#[inline]
pub fn div(a: Unp, b: Unp) -> Raw {
    let sign = a.sign != b.sign;
    let (num, exp) = if a.sig < b.sig {
        ((a.sig as u128) << 64, a.exp - b.exp - 1)
    } else {
        ((a.sig as u128) << 63, a.exp - b.exp)
    };
    let d = b.sig as u128;
    let q1 = num / d;
    let r1 = num % d;
    let n2 = r1 << 64;
    let q2 = n2 / d;
    let r2 = n2 % d;
    let sig = (q1 << 64) | q2 | (r2 != 0) as u128;
    Raw { sign, exp, sig }
}

/// Integer square root: the largest r with r * r <= n.
pub fn isqrt(n: u128) -> u128 {
    if n == 0 {
        return 0;
    }
    // Start above the root, then Newton's iteration decreases to it.
    let bits = 128 - n.leading_zeros();
    let mut x: u128 = 1u128 << bits.div_ceil(2);
    loop {
        let y = (x + n / x) >> 1;
        if y >= x {
            return x;
        }
        x = y;
    }
}

/// sqrt(a) for positive a, with a sticky bit.
pub fn sqrt(a: Unp) -> Raw {
    let e = a.exp - 63;
    let (n, h) = if e % 2 == 0 {
        ((a.sig as u128) << 64, (e - 64) / 2)
    } else {
        ((a.sig as u128) << 63, (e - 63) / 2)
    };
    let mut r = isqrt(n);
    let mut rem = n - r * r;
    // Two more root bits by the digit-by-digit method.
    for _ in 0..2 {
        rem <<= 2;
        let t = (r << 2) | 1;
        r <<= 1;
        if rem >= t {
            rem -= t;
            r |= 1;
        }
    }
    let sig = (r << 62) | (rem != 0) as u128;
    Raw {
        sign: false,
        exp: h + 63,
        sig,
    }
}

/// Exact remainder for FPREM/FPREM1/IEEE remainder when the exponent
/// difference is below 64: returns (remainder, low quotient bits).
/// `nearest` rounds the quotient to nearest-even (FPREM1), else truncates.
pub fn rem(a: Unp, b: Unp, nearest: bool) -> (Raw, u64) {
    let d = a.exp - b.exp;
    if d < -1 {
        return (Raw::from_unp(a), 0);
    }
    let (x, y, exp) = if d >= 0 {
        ((a.sig as u128) << d, b.sig as u128, b.exp)
    } else {
        (a.sig as u128, (b.sig as u128) << 1, a.exp)
    };
    let mut q = x / y;
    let mut r = x % y;
    let mut sign = a.sign;
    if nearest && (2 * r > y || (2 * r == y && q & 1 == 1)) {
        r = y - r;
        q += 1;
        sign = !sign;
    }
    // r * 2^(exp - 63) in units of the smaller operand.
    (Raw::norm(sign, exp + 64, r), q as u64)
}
