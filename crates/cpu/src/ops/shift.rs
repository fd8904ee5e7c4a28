//! Shifts and rotates: shl/sal, shr, sar, rol, ror, rcl, rcr, shld, shrd.
//! Flags follow what the hardware does, including the "undefined" ones
//! (checked against the real CPU by the instruction tests).

use crate::flags::{mask, sign_bit, szp, AF, CF, OF};
use crate::interp::{Exec, Res};
use iced_x86::{Instruction, Mnemonic};

/// The arithmetic shifts (the ones whose flags are lazily evaluated).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShiftKind {
    Shl,
    Shr,
    Sar,
}

/// Shifts `a` (masked to `size` bytes) by a non-zero masked `count`;
/// returns (result, CF, OF).
#[inline(always)]
pub fn shift_compute(kind: ShiftKind, a: u64, count: u32, size: u32) -> (u64, u64, u64) {
    let bits = size * 8;
    let m = mask(size);
    let sb = sign_bit(size);
    let c = count as u64;
    match kind {
        ShiftKind::Shl => {
            let res = if c >= 64 { 0 } else { (a << c) & m };
            let cf = if c > bits as u64 {
                0
            } else {
                (a >> (bits as u64 - c)) & 1
            };
            let of = ((res & sb != 0) as u64) ^ cf;
            (res, cf, of)
        }
        ShiftKind::Shr => {
            let res = if c >= 64 { 0 } else { a >> c };
            let cf = if c > bits as u64 {
                0
            } else {
                (a >> (c - 1)) & 1
            };
            let of = if count == 1 {
                (a & sb != 0) as u64
            } else {
                ((a >> (c - 1)) & sb != 0) as u64 ^ ((res & sb) != 0) as u64
            };
            (res, cf, of)
        }
        ShiftKind::Sar => {
            let sa = sign_extend(a, size) as i64;
            let res = (sa >> c.min(63)) as u64 & m;
            let cf = ((sa >> (c - 1).min(63)) & 1) as u64;
            (res, cf, 0)
        }
    }
}

/// shld (`shld`) or shrd of `a` with bits from `b` by a non-zero masked
/// `count`: (result, CF, OF), as the reference CPU computes them.
#[inline(always)]
pub fn shift_double_compute(shld: bool, a: u64, b: u64, count: u32, size: u32) -> (u64, u64, u64) {
    let bits = size * 8;
    let m = mask(size);
    let sb = sign_bit(size);
    let c = count;
    // Shift a double-width value. A 16-bit operand with a count above 16
    // (undefined) shifts, on the reference CPU (AMD), through the 48-bit
    // pattern a:b:b for shld and b:b:a for shrd.
    let (res, mut cf) = if shld {
        let wide: u128 = ((a as u128) << bits) | (b as u128);
        let wide = if size == 2 {
            (wide << 16) | b as u128
        } else {
            wide
        };
        let total = if size == 2 { 48 } else { 2 * bits };
        let res = (((wide << c) >> (total - bits)) as u64) & m;
        let cf = ((wide >> (total - c)) & 1) as u64;
        (res, cf)
    } else {
        let wide: u128 = ((b as u128) << bits) | (a as u128);
        let wide = if size == 2 {
            wide | ((b as u128) << 32)
        } else {
            wide
        };
        let res = ((wide >> c) as u64) & m;
        let cf = ((wide >> (c - 1)) & 1) as u64;
        (res, cf)
    };
    let msb = (res & sb != 0) as u64;
    // OF (undefined for counts above 1) as the reference CPU computes it:
    // shld: MSB(res) ^ CF; shrd: the top two bits of the result differ.
    let mut of = if shld {
        msb ^ cf
    } else {
        msb ^ ((res >> (bits - 2)) & 1)
    };
    if size == 2 && c > 16 {
        cf = 0;
        if shld {
            of = 0;
        }
    } else if size == 2 && c == 16 && shld {
        of = cf;
    }
    (res, cf, of)
}

/// EFLAGS after shld/shrd from the flags before: SF/ZF/PF of the result,
/// CF and OF as computed; AF is undefined and AMD sets it.
#[inline(always)]
pub fn shift_double_flags(flags: u32, res: u64, cf: u64, of: u64, size: u32) -> u32 {
    (flags & !crate::flags::ARITH) | szp(res, size) | AF | ((cf as u32) * CF) | ((of as u32) * OF)
}

/// rol (`left`) or ror of `a` by a non-zero masked `count`: (result, CF,
/// OF); the other flags are kept.
#[inline(always)]
pub fn rotate_compute(left: bool, a: u64, count: u32, size: u32) -> (u64, u64, u64) {
    let bits = size * 8;
    let m = mask(size);
    let sb = sign_bit(size);
    let r = count % bits;
    let res = if r == 0 {
        a
    } else if left {
        ((a << r) | (a >> (bits - r))) & m
    } else {
        ((a >> r) | (a << (bits - r))) & m
    };
    if left {
        let cf = res & 1;
        (res, cf, ((res & sb != 0) as u64) ^ cf)
    } else {
        let cf = ((res & sb) != 0) as u64;
        (res, cf, cf ^ (((res << 1) & sb != 0) as u64))
    }
}

impl Exec {
    fn shift_count(&mut self, i: &Instruction, n: u32, size: u32) -> Result<u32, crate::Exit> {
        let c = if n < i.op_count() {
            self.read_op(i, n, 1)? as u32
        } else {
            1
        };
        Ok(c & if size == 8 { 0x3f } else { 0x1f })
    }

    /// A shift by zero changes no flags and no value, but a register
    /// destination is still written: a 32-bit one is zero-extended.
    fn shift_by_zero(&mut self, i: &Instruction, size: u32) -> Res {
        let v = self.read_op(i, 0, size)?;
        if i.op0_kind() == iced_x86::OpKind::Register {
            self.cpu.set_reg(i.op0_register(), v);
        }
        Ok(())
    }

    pub(crate) fn shift(&mut self, i: &Instruction) -> Res {
        let size = self.op_size(i, 0);
        let bits = size * 8;
        let m = mask(size);
        let sb = sign_bit(size);
        let count = self.shift_count(i, 1, size)?;
        if count == 0 {
            return self.shift_by_zero(i, size);
        }
        let a = self.read_op(i, 0, size)? & m;
        let arith_shift = matches!(
            i.mnemonic(),
            Mnemonic::Shl | Mnemonic::Sal | Mnemonic::Shr | Mnemonic::Sar
        );
        // Rotates keep the other flags and rcl/rcr read CF: only they need
        // the flags materialised.
        let flags = if arith_shift { 0 } else { self.cpu.flags.get() };
        let cf_in = (flags & CF) as u64;
        let (res, cf, of, arith) = match i.mnemonic() {
            Mnemonic::Shl | Mnemonic::Sal => {
                let (res, cf, of) = shift_compute(ShiftKind::Shl, a, count, size);
                (res, cf, of, true)
            }
            Mnemonic::Shr => {
                let (res, cf, of) = shift_compute(ShiftKind::Shr, a, count, size);
                (res, cf, of, true)
            }
            Mnemonic::Sar => {
                let (res, cf, of) = shift_compute(ShiftKind::Sar, a, count, size);
                (res, cf, of, true)
            }
            Mnemonic::Rol | Mnemonic::Ror => {
                let (res, cf, of) = rotate_compute(i.mnemonic() == Mnemonic::Rol, a, count, size);
                (res, cf, of, false)
            }
            Mnemonic::Rcl => {
                let r = if size <= 2 { count % (bits + 1) } else { count };
                let mut v = a;
                let mut cf = cf_in;
                for _ in 0..r {
                    let out = (v & sb != 0) as u64;
                    v = ((v << 1) | cf) & m;
                    cf = out;
                }
                let of = ((v & sb != 0) as u64) ^ cf;
                (v, cf, of, false)
            }
            _ => {
                // Rcr
                let r = if size <= 2 { count % (bits + 1) } else { count };
                let mut v = a;
                let mut cf = cf_in;
                let mut of = 0;
                for k in 0..r {
                    if k == r - 1 {
                        of = ((v & sb != 0) as u64) ^ cf;
                    }
                    let out = v & 1;
                    v = (v >> 1) | if cf != 0 { sb } else { 0 };
                    cf = out;
                }
                if r == 0 {
                    of = ((v & sb != 0) as u64) ^ (((v << 1) & sb != 0) as u64);
                }
                (v, cf, of, false)
            }
        };
        self.write_op(i, 0, size, res)?;
        if arith {
            // AF is undefined; AMD (the reference CPU) sets it (FlagOp::Shift).
            self.cpu.flags.set_shift(size, res, cf != 0, of != 0);
        } else {
            let f = (flags & !(CF | OF)) | ((cf as u32) * CF) | ((of as u32) * OF);
            self.cpu.flags.set(f);
        }
        Ok(())
    }

    pub(crate) fn shift_double(&mut self, i: &Instruction) -> Res {
        let size = self.op_size(i, 0);
        let m = mask(size);
        let count = self.shift_count(i, 2, size)?;
        if count == 0 {
            return self.shift_by_zero(i, size);
        }
        let a = self.read_op(i, 0, size)? & m;
        let b = self.read_op(i, 1, size)? & m;
        let shld = i.mnemonic() == Mnemonic::Shld;
        let (res, cf, of) = shift_double_compute(shld, a, b, count, size);
        self.write_op(i, 0, size, res)?;
        let f = shift_double_flags(self.cpu.flags.get(), res, cf, of, size);
        self.cpu.flags.set(f);
        Ok(())
    }
}

/// Sign-extends the low `size` bytes of `v` to 64 bits.
pub(crate) fn sign_extend(v: u64, size: u32) -> u64 {
    match size {
        1 => v as u8 as i8 as i64 as u64,
        2 => v as u16 as i16 as i64 as u64,
        4 => v as u32 as i32 as i64 as u64,
        _ => v,
    }
}
