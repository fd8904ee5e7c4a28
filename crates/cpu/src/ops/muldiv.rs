//! Multiplication and division: mul, imul (one, two and three operands),
//! div, idiv. A zero divisor or a quotient overflow is a divide error.

use crate::flags::{mask, AF, CF, OF, PF, SF, ZF};
use crate::interp::{Exec, Exit, Res};
use crate::ops::shift::sign_extend;
use crate::state::{RAX, RDX};
use iced_x86::{Instruction, Mnemonic};

impl Exec<'_> {
    /// CF = OF = the product does not fit the destination. SF, ZF, AF and
    /// PF are undefined; the reference CPU (AMD) leaves them unchanged.
    fn set_mul_flags(&mut self, overflow: bool) {
        let flags = self.cpu.flags.get() & !(CF | OF);
        let f = if overflow { CF | OF } else { 0 };
        self.cpu.flags.set(flags | f);
    }

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
            let p = (sign_extend(a, size) as i64 as i128) * (sign_extend(b, size) as i64 as i128);
            let low = (p as u64) & mask(size);
            let overflow = sign_extend(low, size) as i64 as i128 != p;
            self.cpu.set_reg(i.op0_register(), low);
            self.set_mul_flags(overflow);
            return Ok(());
        }
        let size = self.op_size(i, 0);
        let src = self.read_op(i, 0, size)?;
        let a = self.cpu.gpr_sized(RAX, size);
        let bits = size * 8;
        let (low, high, overflow) = if signed {
            let p = (sign_extend(a, size) as i64 as i128) * (sign_extend(src, size) as i64 as i128);
            let low = (p as u64) & mask(size);
            let high = ((p >> bits) as u64) & mask(size);
            (low, high, sign_extend(low, size) as i64 as i128 != p)
        } else {
            let p = (a as u128) * (src as u128);
            let low = (p as u64) & mask(size);
            let high = ((p >> bits) as u64) & mask(size);
            (low, high, high != 0)
        };
        if size == 1 {
            self.cpu.set_gpr_sized(RAX, 2, (high << 8) | low);
        } else {
            self.cpu.set_gpr_sized(RAX, size, low);
            self.cpu.set_gpr_sized(RDX, size, high);
        }
        self.set_mul_flags(overflow);
        Ok(())
    }

    pub(crate) fn div(&mut self, i: &Instruction) -> Res {
        let size = self.op_size(i, 0);
        let bits = size * 8;
        let m = mask(size);
        let d = self.read_op(i, 0, size)? & m;
        if d == 0 {
            return Err(Exit::DivideError);
        }
        let (lo, hi) = if size == 1 {
            (self.cpu.gpr[RAX] & 0xff, (self.cpu.gpr[RAX] >> 8) & 0xff)
        } else {
            (self.cpu.gpr_sized(RAX, size), self.cpu.gpr_sized(RDX, size))
        };
        let n: u128 = ((hi as u128) << bits) | lo as u128;
        let (q, r) = if i.mnemonic() == Mnemonic::Div {
            let q = n / d as u128;
            if q > m as u128 {
                return Err(Exit::DivideError);
            }
            (q as u64, (n % d as u128) as u64)
        } else {
            // Sign-extend the 2*bits dividend.
            let sn = ((n << (128 - 2 * bits)) as i128) >> (128 - 2 * bits);
            let sd = sign_extend(d, size) as i64 as i128;
            let q = sn.wrapping_div(sd);
            let r = sn.wrapping_rem(sd);
            let min = -(1i128 << (bits - 1));
            let max = (1i128 << (bits - 1)) - 1;
            if q < min || q > max {
                return Err(Exit::DivideError);
            }
            ((q as u64) & m, (r as u64) & m)
        };
        if size == 1 {
            self.cpu.set_gpr_sized(RAX, 2, (r << 8) | q);
        } else {
            self.cpu.set_gpr_sized(RAX, size, q);
            self.cpu.set_gpr_sized(RDX, size, r);
        }
        // All arithmetic flags are undefined; the reference CPU (AMD) keeps
        // CF and OF, sets AF and clears SF, ZF and PF.
        let flags = self.cpu.flags.get() & !(SF | ZF | PF);
        self.cpu.flags.set(flags | AF);
        Ok(())
    }
}
