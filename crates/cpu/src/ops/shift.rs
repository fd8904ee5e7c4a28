//! Shifts and rotates: shl/sal, shr, sar, rol, ror, rcl, rcr, shld, shrd.
//! Flags follow what the hardware does, including the "undefined" ones
//! (checked against the real CPU by the instruction tests).

use crate::flags::{mask, sign_bit, szp, CF, OF};
use crate::interp::{Exec, Res};
use iced_x86::{Instruction, Mnemonic};

impl Exec<'_> {
    fn shift_count(&mut self, i: &Instruction, n: u32, size: u32) -> Result<u32, crate::Exit> {
        let c = if n < i.op_count() { self.read_op(i, n, 1)? as u32 } else { 1 };
        Ok(c & if size == 8 { 0x3f } else { 0x1f })
    }

    pub(crate) fn shift(&mut self, i: &Instruction) -> Res {
        let size = self.op_size(i, 0);
        let bits = size * 8;
        let m = mask(size);
        let sb = sign_bit(size);
        let count = self.shift_count(i, 1, size)?;
        if count == 0 {
            // Still a read (and, for memory, a write access check) but no change.
            self.read_op(i, 0, size)?;
            return Ok(());
        }
        let a = self.read_op(i, 0, size)? & m;
        let flags = self.cpu.flags.get();
        let cf_in = (flags & CF) as u64;
        let c = count as u64;
        let (res, cf, of, arith) = match i.mnemonic() {
            Mnemonic::Shl | Mnemonic::Sal => {
                let res = if c >= 64 { 0 } else { (a << c) & m };
                let cf = if c > bits as u64 { 0 } else { (a >> (bits as u64 - c)) & 1 };
                let of = ((res & sb != 0) as u64) ^ cf;
                (res, cf, of, true)
            }
            Mnemonic::Shr => {
                let res = if c >= 64 { 0 } else { a >> c };
                let cf = if c > bits as u64 { 0 } else { (a >> (c - 1)) & 1 };
                let of = if count == 1 { (a & sb != 0) as u64 } else { ((a >> (c - 1)) & sb != 0) as u64 ^ ((res & sb) != 0) as u64 };
                (res, cf, of, true)
            }
            Mnemonic::Sar => {
                let sa = sign_extend(a, size) as i64;
                let res = (sa >> c.min(63)) as u64 & m;
                let cf = ((sa >> (c - 1).min(63)) & 1) as u64;
                (res, cf, 0, true)
            }
            Mnemonic::Rol => {
                let r = (c % bits as u64) as u32;
                let res = if r == 0 { a } else { ((a << r) | (a >> (bits - r))) & m };
                let cf = res & 1;
                let of = ((res & sb != 0) as u64) ^ cf;
                (res, cf, of, false)
            }
            Mnemonic::Ror => {
                let r = (c % bits as u64) as u32;
                let res = if r == 0 { a } else { ((a >> r) | (a << (bits - r))) & m };
                let cf = ((res & sb) != 0) as u64;
                let of = cf ^ (((res << 1) & sb != 0) as u64);
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
        let mut f = flags & !(CF | OF);
        if arith {
            f &= !(crate::flags::ARITH);
            f |= szp(res, size);
        }
        f |= (cf as u32) * CF | (of as u32) * OF;
        self.cpu.flags.set(f);
        Ok(())
    }

    pub(crate) fn shift_double(&mut self, i: &Instruction) -> Res {
        let size = self.op_size(i, 0);
        let bits = size * 8;
        let m = mask(size);
        let sb = sign_bit(size);
        let count = self.shift_count(i, 2, size)?;
        if count == 0 {
            self.read_op(i, 0, size)?;
            return Ok(());
        }
        let a = self.read_op(i, 0, size)? & m;
        let b = self.read_op(i, 1, size)? & m;
        let c = count;
        // Build a double-width value and shift it; for 16-bit operands with
        // count > 16 the hardware shifts through a 32-bit a:b:a pattern.
        let (res, cf) = if i.mnemonic() == Mnemonic::Shld {
            let wide: u128 = ((a as u128) << bits) | (b as u128);
            let wide = if size == 2 { (wide << 16) | a as u128 } else { wide };
            let total = if size == 2 { 48 } else { 2 * bits };
            let shifted = wide << c;
            let res = ((shifted >> (total - bits)) as u64) & m;
            let cf = ((wide >> (total - c)) & 1) as u64;
            (res, cf)
        } else {
            let wide: u128 = ((b as u128) << bits) | (a as u128);
            let wide = if size == 2 { wide | ((a as u128) << 32) } else { wide };
            let res = ((wide >> c) as u64) & m;
            let cf = ((wide >> (c - 1)) & 1) as u64;
            (res, cf)
        };
        self.write_op(i, 0, size, res)?;
        let of = ((res ^ a) & sb != 0) as u32;
        let flags = self.cpu.flags.get();
        let f = (flags & !crate::flags::ARITH) | szp(res, size) | (cf as u32) * CF | of * OF;
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
