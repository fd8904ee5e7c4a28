//! Portable soft-float: IEEE binary32/binary64 and the x87 80-bit extended
//! format computed with integer arithmetic only, so results are bit-exact on
//! every host. Each operation produces an exact (or sticky-jammed) result that
//! `round::round` rounds once, with x86's rules for tininess (after rounding),
//! precision control and exception flags.

pub mod approx;
pub mod arith;
pub mod f80;
pub mod round;
pub mod sse;
pub mod transcend;
pub mod wide;

/// Exception flags, in the bit positions of the x87 status word and MXCSR.
pub const IE: u8 = 0x01;
pub const DE: u8 = 0x02;
pub const ZE: u8 = 0x04;
pub const OE: u8 = 0x08;
pub const UE: u8 = 0x10;
pub const PE: u8 = 0x20;

/// Rounding control, encoded as in the x87 control word and MXCSR.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rc {
    Nearest,
    Down,
    Up,
    Zero,
}

impl Rc {
    /// Decodes a two-bit RC field.
    pub fn from_bits(b: u32) -> Rc {
        match b & 3 {
            0 => Rc::Nearest,
            1 => Rc::Down,
            2 => Rc::Up,
            _ => Rc::Zero,
        }
    }
}

/// A finite non-zero value `(-1)^sign * sig * 2^(exp - 63)` with bit 63 of
/// `sig` set (normalised; the exponent range is unbounded).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unp {
    pub sign: bool,
    pub exp: i32,
    pub sig: u64,
}

impl Unp {
    /// Normalises `sig * 2^(exp - 63)`; `sig` must be non-zero.
    pub fn norm(sign: bool, exp: i32, sig: u64) -> Unp {
        let z = sig.leading_zeros();
        Unp {
            sign,
            exp: exp - z as i32,
            sig: sig << z,
        }
    }
}

/// Shifts right by `n`, OR-ing every bit shifted out into bit 0.
pub fn shr_jam(v: u128, n: u32) -> u128 {
    if n == 0 {
        v
    } else if n >= 128 {
        (v != 0) as u128
    } else {
        (v >> n) | ((v & ((1u128 << n) - 1)) != 0) as u128
    }
}
