//! Rounding an exact wide result to a destination format: binary32,
//! binary64 or x87 extended with its precision control (24/53/64 bits with
//! the 15-bit exponent). x86 detects tininess after rounding; masked
//! underflow denormalises, unmasked over/underflow (x87) delivers the result
//! with its exponent wrapped by the format's bias adjustment.

use super::{Rc, OE, PE, UE};

/// A destination format.
#[derive(Clone, Copy, Debug)]
pub struct Fmt {
    /// Significand bits including the integer bit.
    pub prec: u32,
    /// Smallest normal exponent (unbiased).
    pub emin: i32,
    /// Largest finite exponent (unbiased).
    pub emax: i32,
    pub bias: i32,
    /// Exponent adjustment for unmasked over/underflow.
    pub adjust: i32,
}

pub const F32: Fmt = Fmt {
    prec: 24,
    emin: -126,
    emax: 127,
    bias: 127,
    adjust: 192,
};
pub const F64: Fmt = Fmt {
    prec: 53,
    emin: -1022,
    emax: 1023,
    bias: 1023,
    adjust: 1536,
};
pub const F80: Fmt = Fmt {
    prec: 64,
    emin: -16382,
    emax: 16383,
    bias: 16383,
    adjust: 24576,
};

/// The extended format under x87 precision control (CW bits 8-9).
pub fn f80_pc(pc: u32) -> Fmt {
    let prec = match pc & 3 {
        0 => 24,
        2 => 53,
        _ => 64,
    };
    Fmt { prec, ..F80 }
}

/// How to round and what to do on over/underflow.
#[derive(Clone, Copy, Debug)]
pub struct Ctl {
    pub rc: Rc,
    /// Underflow masked: denormalise (else wrap the exponent).
    pub ue_masked: bool,
    /// Overflow masked: infinity or the largest finite (else wrap).
    pub oe_masked: bool,
    /// Flush tiny results to zero (MXCSR.FTZ with underflow masked).
    pub ftz: bool,
}

impl Ctl {
    /// Round to nearest, everything masked.
    pub const NEAREST: Ctl = Ctl {
        rc: Rc::Nearest,
        ue_masked: true,
        oe_masked: true,
        ftz: false,
    };
}

/// A rounded value: biased exponent field and left-aligned significand
/// (bit 63 = integer bit, set for normals and infinities), with the
/// exception flags raised and whether the magnitude was rounded up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Packed {
    pub sign: bool,
    pub bexp: u32,
    pub sig: u64,
    pub flags: u8,
    pub up: bool,
}

impl Packed {
    pub fn zero(sign: bool) -> Packed {
        Packed {
            sign,
            bexp: 0,
            sig: 0,
            flags: 0,
            up: false,
        }
    }

    pub fn inf(sign: bool, fmt: &Fmt) -> Packed {
        Packed {
            sign,
            bexp: (fmt.emax + fmt.bias + 1) as u32,
            sig: 1 << 63,
            flags: 0,
            up: false,
        }
    }

    /// Packs as binary32 bits.
    pub fn to_f32(self) -> u32 {
        ((self.sign as u32) << 31) | (self.bexp << 23) | ((self.sig >> 40) as u32 & 0x7f_ffff)
    }

    /// Packs as binary64 bits.
    pub fn to_f64(self) -> u64 {
        ((self.sign as u64) << 63)
            | ((self.bexp as u64) << 52)
            | ((self.sig >> 11) & ((1 << 52) - 1))
    }
}

/// Whether to increment a significand whose discarded part is `rest` out of
/// `half * 2`.
#[inline(always)]
fn round_up(rc: Rc, sign: bool, lsb: bool, rest: u128, half: u128) -> bool {
    match rc {
        Rc::Nearest => rest > half || (rest == half && lsb),
        Rc::Zero => false,
        Rc::Down => sign && rest != 0,
        Rc::Up => !sign && rest != 0,
    }
}

/// Rounds `(-1)^sign * sig * 2^(exp - 127)` (`sig` with bit 127 set; bit 0
/// may be a sticky bit) to `fmt`.
#[inline]
pub fn round(sign: bool, exp: i32, sig: u128, fmt: &Fmt, ctl: &Ctl) -> Packed {
    debug_assert!(sig >> 127 == 1);
    let shift = 128 - fmt.prec;
    let half = 1u128 << (shift - 1);
    let low = (1u128 << shift) - 1;
    let mut flags = 0;
    // Round with an unbounded exponent first.
    let rest = sig & low;
    let mut m = sig >> shift;
    let up = round_up(ctl.rc, sign, m & 1 != 0, rest, half);
    m += up as u128;
    let mut e = exp;
    if m >> fmt.prec != 0 {
        m >>= 1;
        e += 1;
    }
    if rest != 0 {
        flags |= PE;
    }
    if e < fmt.emin {
        // Tiny after rounding.
        if !ctl.ue_masked && e + fmt.adjust >= fmt.emin {
            let bexp = (e + fmt.bias + fmt.adjust) as u32;
            let sig = (m as u64) << (64 - fmt.prec);
            return Packed {
                sign,
                bexp,
                sig,
                flags: flags | UE,
                up,
            };
        }
        if ctl.ftz || !ctl.ue_masked {
            // Flushed, or too tiny even for the wrapped exponent.
            return Packed {
                sign,
                bexp: 0,
                sig: 0,
                flags: UE | PE,
                up: false,
            };
        }
        let d = sig_shift(fmt.emin - exp);
        let s = super::shr_jam(sig, d);
        let rest = s & low;
        let mut m = s >> shift;
        let up = round_up(ctl.rc, sign, m & 1 != 0, rest, half);
        m += up as u128;
        let mut flags = 0;
        if rest != 0 {
            flags = PE | UE;
        }
        let bexp = if m >> (fmt.prec - 1) != 0 { 1 } else { 0 };
        return Packed {
            sign,
            bexp,
            sig: (m as u64) << (64 - fmt.prec),
            flags,
            up,
        };
    }
    if e > fmt.emax {
        if !ctl.oe_masked && e - fmt.adjust <= fmt.emax {
            let bexp = (e + fmt.bias - fmt.adjust) as u32;
            let sig = (m as u64) << (64 - fmt.prec);
            return Packed {
                sign,
                bexp,
                sig,
                flags: flags | OE,
                up,
            };
        }
        // Unmasked but beyond the wrapped range: infinity.
        let to_inf = !ctl.oe_masked
            || match ctl.rc {
                Rc::Nearest => true,
                Rc::Zero => false,
                Rc::Down => sign,
                Rc::Up => !sign,
            };
        let mut p = if to_inf {
            Packed::inf(sign, fmt)
        } else {
            largest(sign, fmt)
        };
        p.flags = OE | PE;
        p.up = to_inf;
        return p;
    }
    Packed {
        sign,
        bexp: (e + fmt.bias) as u32,
        sig: (m as u64) << (64 - fmt.prec),
        flags,
        up,
    }
}

fn sig_shift(d: i32) -> u32 {
    d.clamp(0, 200) as u32
}

/// The largest finite value of `fmt` (under its precision).
pub fn largest(sign: bool, fmt: &Fmt) -> Packed {
    let sig = !0u64 << (64 - fmt.prec);
    Packed {
        sign,
        bexp: (fmt.emax + fmt.bias) as u32,
        sig,
        flags: 0,
        up: false,
    }
}

/// Rounds an exact `Unp` value (used by conversions).
pub fn round_unp(u: super::Unp, fmt: &Fmt, ctl: &Ctl) -> Packed {
    round(u.sign, u.exp, (u.sig as u128) << 64, fmt, ctl)
}
