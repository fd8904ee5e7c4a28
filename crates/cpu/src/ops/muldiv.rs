//! Multiplication and division: mul, imul (one, two and three operands),
//! div, idiv. A zero divisor or a quotient overflow is a divide error.

use crate::flags::{mask, Flags, AF, CF, OF, PF, SF, ZF};
use crate::interp::{Exec, Exit, Res};
use crate::ops::shift::sign_extend;
use crate::state::{RAX, RDX};
use iced_x86::{Instruction, Mnemonic};

/// imul with a product truncated to `size` bytes: (low part, overflow).
#[inline(always)]
pub fn imul_trunc(a: u64, b: u64, size: u32) -> (u64, bool) {
    let p = (sign_extend(a, size) as i64 as i128) * (sign_extend(b, size) as i64 as i128);
    let low = (p as u64) & mask(size);
    (low, sign_extend(low, size) as i64 as i128 != p)
}

/// One-operand mul/imul of the accumulator `a` by `src`: (low, high,
/// overflow), each half masked to `size` bytes.
#[inline(always)]
pub fn mul_wide(a: u64, src: u64, size: u32, signed: bool) -> (u64, u64, bool) {
    let bits = size * 8;
    if signed {
        let p = (sign_extend(a, size) as i64 as i128) * (sign_extend(src, size) as i64 as i128);
        let low = (p as u64) & mask(size);
        let high = ((p >> bits) as u64) & mask(size);
        (low, high, sign_extend(low, size) as i64 as i128 != p)
    } else {
        let p = (a as u128) * (src as u128);
        let low = (p as u64) & mask(size);
        let high = ((p >> bits) as u64) & mask(size);
        (low, high, high != 0)
    }
}

/// div/idiv of hi:lo by `d` (all masked to `size` bytes): (quotient,
/// remainder), or None for a divide error (zero divisor, overflow).
#[inline(always)]
pub fn div_wide(lo: u64, hi: u64, d: u64, size: u32, signed: bool) -> Option<(u64, u64)> {
    let bits = size * 8;
    let m = mask(size);
    if d == 0 {
        return None;
    }
    if !signed && size < 8 {
        // The common case without 128-bit arithmetic.
        let n = (hi << bits) | lo;
        let q = n / d;
        return (q <= m).then_some((q, n % d));
    }
    let n: u128 = ((hi as u128) << bits) | lo as u128;
    if !signed {
        let q = n / d as u128;
        return (q <= m as u128).then_some((q as u64, (n % d as u128) as u64));
    }
    // Sign-extend the 2*bits dividend.
    let sn = ((n << (128 - 2 * bits)) as i128) >> (128 - 2 * bits);
    let sd = sign_extend(d, size) as i64 as i128;
    let q = sn.wrapping_div(sd);
    let r = sn.wrapping_rem(sd);
    let min = -(1i128 << (bits - 1));
    let max = (1i128 << (bits - 1)) - 1;
    if q < min || q > max {
        return None;
    }
    Some(((q as u64) & m, (r as u64) & m))
}

/// Flags after mul/imul: CF = OF = the product does not fit the
/// destination. SF, ZF, AF and PF are undefined; the reference CPU (AMD)
/// leaves them unchanged.
#[inline(always)]
pub fn set_mul_flags(flags: &mut Flags, overflow: bool) {
    let f = flags.get() & !(CF | OF);
    flags.set(f | if overflow { CF | OF } else { 0 });
}

/// Flags after div/idiv: all are undefined; the reference CPU (AMD) keeps
/// CF and OF, sets AF and clears SF, ZF and PF.
#[inline(always)]
pub fn set_div_flags(flags: &mut Flags) {
    let f = flags.get() & !(SF | ZF | PF);
    flags.set(f | AF);
}

impl Exec {
    pub(crate) fn mul(&mut self, i: &Instruction) -> Res {
        let signed = i.mnemonic() == Mnemonic::Imul;
        if i.op_count() >= 2 {
            // imul r, r/m [, imm]
            let size = self.op_size(i, 0);
            let (a, b) = if i.op_count() == 3 {
                (self.read_op(i, 1, size)?, self.read_op(i, 2, size)?)
            } else {
                (self.read_op(i, 0, size)?, self.read_op(i, 1, size)?)
            };
            let (low, overflow) = imul_trunc(a, b, size);
            self.cpu.set_reg(i.op0_register(), low);
            set_mul_flags(&mut self.cpu.flags, overflow);
            return Ok(());
        }
        let size = self.op_size(i, 0);
        let src = self.read_op(i, 0, size)?;
        let a = self.cpu.gpr_sized(RAX, size);
        let (low, high, overflow) = mul_wide(a, src, size, signed);
        if size == 1 {
            self.cpu.set_gpr_sized(RAX, 2, (high << 8) | low);
        } else {
            self.cpu.set_gpr_sized(RAX, size, low);
            self.cpu.set_gpr_sized(RDX, size, high);
        }
        set_mul_flags(&mut self.cpu.flags, overflow);
        Ok(())
    }

    pub(crate) fn div(&mut self, i: &Instruction) -> Res {
        let size = self.op_size(i, 0);
        let d = self.read_op(i, 0, size)? & mask(size);
        let (lo, hi) = if size == 1 {
            (self.cpu.gpr[RAX] & 0xff, (self.cpu.gpr[RAX] >> 8) & 0xff)
        } else {
            (self.cpu.gpr_sized(RAX, size), self.cpu.gpr_sized(RDX, size))
        };
        let signed = i.mnemonic() == Mnemonic::Idiv;
        let (q, r) = div_wide(lo, hi, d, size, signed).ok_or(Exit::DivideError)?;
        if size == 1 {
            self.cpu.set_gpr_sized(RAX, 2, (r << 8) | q);
        } else {
            self.cpu.set_gpr_sized(RAX, size, q);
            self.cpu.set_gpr_sized(RDX, size, r);
        }
        set_div_flags(&mut self.cpu.flags);
        Ok(())
    }
}
