//! A 128-bit-significand float used as the working precision of the
//! transcendental functions. Arithmetic truncates (about 125 good bits per
//! operation), which leaves ample margin for one final rounding to 64 bits.

use super::arith::Raw;
use super::Unp;
use std::ops::{Add, Div, Mul, Neg, Sub};

/// `(-1)^neg * sig * 2^(exp - 127)`; `sig == 0` is zero, else bit 127 is set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct W {
    pub neg: bool,
    pub exp: i32,
    pub sig: u128,
}

/// 128x128 -> high 128 bits of the 256-bit product, and whether the low half
/// is non-zero.
fn mul_hi(a: u128, b: u128) -> (u128, u128) {
    let (a1, a0) = (a >> 64, a & u64::MAX as u128);
    let (b1, b0) = (b >> 64, b & u64::MAX as u128);
    let p00 = a0 * b0;
    let p01 = a0 * b1;
    let p10 = a1 * b0;
    let p11 = a1 * b1;
    let mid = (p00 >> 64) + (p01 & u64::MAX as u128) + (p10 & u64::MAX as u128);
    let hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
    let lo = (mid << 64) | (p00 & u64::MAX as u128);
    (hi, lo)
}

impl W {
    pub const ZERO: W = W {
        neg: false,
        exp: 0,
        sig: 0,
    };
    pub const ONE: W = W {
        neg: false,
        exp: 0,
        sig: 1 << 127,
    };

    pub const fn c(exp: i32, sig: u128) -> W {
        W {
            neg: false,
            exp,
            sig,
        }
    }

    pub fn norm(neg: bool, exp: i32, sig: u128) -> W {
        if sig == 0 {
            return W::ZERO;
        }
        let z = sig.leading_zeros();
        W {
            neg,
            exp: exp - z as i32,
            sig: sig << z,
        }
    }

    pub fn from_unp(u: Unp) -> W {
        W {
            neg: u.sign,
            exp: u.exp,
            sig: (u.sig as u128) << 64,
        }
    }

    pub fn from_int(v: i64) -> W {
        W::norm(v < 0, 127, v.unsigned_abs() as u128)
    }

    pub fn is_zero(self) -> bool {
        self.sig == 0
    }

    fn neg_impl(self) -> W {
        W {
            neg: !self.neg,
            ..self
        }
    }

    pub fn abs(self) -> W {
        W { neg: false, ..self }
    }

    /// Scales by 2^n.
    pub fn scale(self, n: i32) -> W {
        if self.sig == 0 {
            self
        } else {
            W {
                exp: self.exp + n,
                ..self
            }
        }
    }

    /// For rounding: with a sticky bit so the result always counts as inexact.
    pub fn raw_inexact(self) -> Raw {
        Raw {
            sign: self.neg,
            exp: self.exp,
            sig: self.sig | 1,
        }
    }

    fn add_impl(self, b: W) -> W {
        if self.sig == 0 {
            return b;
        }
        if b.sig == 0 {
            return self;
        }
        let (x, y) = if (self.exp, self.sig) >= (b.exp, b.sig) {
            (self, b)
        } else {
            (b, self)
        };
        let d = (x.exp - y.exp) as u32;
        let xs = x.sig >> 1;
        let ys = if d + 1 >= 128 { 0 } else { y.sig >> (d + 1) };
        if x.neg == y.neg {
            W::norm(x.neg, x.exp + 1, xs + ys)
        } else {
            W::norm(x.neg, x.exp + 1, xs - ys)
        }
    }

    fn sub_impl(self, b: W) -> W {
        self.add_impl(b.neg_impl())
    }

    fn mul_impl(self, b: W) -> W {
        if self.sig == 0 || b.sig == 0 {
            return W::ZERO;
        }
        let (hi, _) = mul_hi(self.sig, b.sig);
        W::norm(self.neg != b.neg, self.exp + b.exp + 1, hi)
    }

    /// self / b by restoring division (128 quotient bits).
    fn div_impl(self, b: W) -> W {
        if self.sig == 0 {
            return W::ZERO;
        }
        let (mut rem, d) = (self.sig, b.sig);
        let mut q: u128 = 0;
        let mut exp = self.exp - b.exp;
        let steps = if rem < d {
            exp -= 1;
            128
        } else {
            q = 1;
            rem -= d;
            127
        };
        for _ in 0..steps {
            let carry = rem >> 127;
            rem <<= 1;
            q <<= 1;
            if carry != 0 || rem >= d {
                rem = rem.wrapping_sub(d);
                q |= 1;
            }
        }
        W {
            neg: self.neg != b.neg,
            exp,
            sig: q,
        }
    }

    pub fn mul_int(self, k: i64) -> W {
        self.mul_impl(W::from_int(k))
    }

    /// Compares magnitudes.
    pub fn mag_lt(self, b: W) -> bool {
        if self.sig == 0 {
            return b.sig != 0;
        }
        if b.sig == 0 {
            return false;
        }
        (self.exp, self.sig) < (b.exp, b.sig)
    }
}

impl Add for W {
    type Output = W;
    fn add(self, b: W) -> W {
        self.add_impl(b)
    }
}

impl Sub for W {
    type Output = W;
    fn sub(self, b: W) -> W {
        self.sub_impl(b)
    }
}

impl Mul for W {
    type Output = W;
    fn mul(self, b: W) -> W {
        self.mul_impl(b)
    }
}

impl Div for W {
    type Output = W;
    fn div(self, b: W) -> W {
        self.div_impl(b)
    }
}

impl Neg for W {
    type Output = W;
    fn neg(self) -> W {
        self.neg_impl()
    }
}

#[cfg(test)]
mod tests {
    use super::W;
    use std::ops::{Add, Div, Mul, Sub};

    fn f(w: W) -> f64 {
        let v = (w.sig >> 64) as f64 * 2f64.powi(w.exp - 63);
        if w.neg {
            -v
        } else {
            v
        }
    }

    #[test]
    fn basic_ops() {
        let a = W::from_int(3);
        let b = W::from_int(7);
        assert_eq!(f(a.add(b)), 10.0);
        assert_eq!(f(a.sub(b)), -4.0);
        assert_eq!(f(a.mul(b)), 21.0);
        assert!((f(a.div(b)) - 3.0 / 7.0).abs() < 1e-15);
        assert!((f(b.div(a)) - 7.0 / 3.0).abs() < 1e-15);
        let h = W::ONE.scale(-1);
        assert_eq!(f(h.add(W::ONE)), 1.5);
        assert_eq!(f(h.mul(h)), 0.25);
    }
}
