//! Bit instructions: bt/bts/btr/btc, bsf/bsr, tzcnt/lzcnt/popcnt, bswap.

use crate::flags::{mask, ARITH, CF, OF, ZF};
use crate::interp::{Exec, Res};
use crate::mem;
use iced_x86::{Instruction, Mnemonic, OpKind};

impl Exec {
    pub(crate) fn bit_test(&mut self, i: &Instruction) -> Res {
        let size = self.op_size(i, 0);
        let bits = (size * 8) as u64;
        let off_raw = self.read_op(
            i,
            1,
            if i.op1_kind() == OpKind::Register {
                size
            } else {
                1
            },
        )?;
        let (addr, bit) = if i.op0_kind() == OpKind::Memory && i.op1_kind() == OpKind::Register {
            // A register bit offset addresses memory beyond the operand (signed).
            let off = crate::ops::shift::sign_extend(off_raw, size) as i64;
            let unit = off.div_euclid(bits as i64);
            let addr = self.ea(i).wrapping_add((unit * size as i64) as u64) & self.cpu.addr_mask();
            (Some(addr), off.rem_euclid(bits as i64) as u64)
        } else {
            (
                if i.op0_kind() == OpKind::Memory {
                    Some(self.ea(i))
                } else {
                    None
                },
                off_raw % bits,
            )
        };
        let f: fn(u64, u64) -> u64 = match i.mnemonic() {
            Mnemonic::Bts => |v, m| v | m,
            Mnemonic::Btr => |v, m| v & !m,
            Mnemonic::Btc => |v, m| v ^ m,
            _ => |v, _| v,
        };
        let bm = 1u64 << bit;
        let old = match addr {
            Some(a) => {
                if i.mnemonic() == Mnemonic::Bt {
                    mem::read(a, size)?
                } else if i.has_lock_prefix() {
                    let mut old = mem::read(a, size)?;
                    loop {
                        let seen = mem::cas(a, size, old, f(old, bm))?;
                        if seen == old {
                            break old;
                        }
                        old = seen;
                    }
                } else {
                    let old = mem::read(a, size)?;
                    mem::write(a, size, f(old, bm))?;
                    old
                }
            }
            None => {
                let r = i.op0_register();
                let old = self.cpu.reg(r);
                if i.mnemonic() != Mnemonic::Bt {
                    self.cpu.set_reg(r, f(old, bm));
                }
                old
            }
        };
        let flags = self.cpu.flags.get();
        let cf = if old & bm != 0 { CF } else { 0 };
        self.cpu.flags.set((flags & !CF) | cf);
        Ok(())
    }

    pub(crate) fn bit_scan(&mut self, i: &Instruction) -> Res {
        let size = self.op_size(i, 0);
        let bits = size * 8;
        let src = self.read_op(i, 1, size)? & mask(size);
        let flags = self.cpu.flags.get();
        let base = flags & !ARITH;
        match i.mnemonic() {
            Mnemonic::Bsf | Mnemonic::Bsr => {
                // Only ZF is defined; the reference CPU (AMD) keeps the others.
                if src == 0 {
                    // Destination unchanged, even its upper half for a
                    // 32-bit one (AMD documents this; Intel does it too).
                    self.cpu.flags.set(flags | ZF);
                    return Ok(());
                }
                let r = if i.mnemonic() == Mnemonic::Bsf {
                    src.trailing_zeros()
                } else {
                    63 - src.leading_zeros()
                };
                self.cpu.set_reg(i.op0_register(), r as u64);
                self.cpu.flags.set(flags & !ZF);
            }
            Mnemonic::Tzcnt | Mnemonic::Lzcnt => {
                let r = if src == 0 {
                    bits
                } else if i.mnemonic() == Mnemonic::Tzcnt {
                    src.trailing_zeros()
                } else {
                    src.leading_zeros() - (64 - bits)
                };
                self.cpu.set_reg(i.op0_register(), r as u64);
                // OF, SF, AF and PF are undefined: AMD keeps OF, clears the rest.
                let mut f = base | (flags & OF);
                if src == 0 {
                    f |= CF;
                }
                if r == 0 {
                    f |= ZF;
                }
                self.cpu.flags.set(f);
            }
            _ => {
                let r = src.count_ones() as u64;
                self.cpu.set_reg(i.op0_register(), r);
                self.cpu.flags.set(base | if src == 0 { ZF } else { 0 });
            }
        }
        Ok(())
    }

    pub(crate) fn bswap(&mut self, i: &Instruction) -> Res {
        let r = i.op0_register();
        let v = self.cpu.reg(r);
        let res = match r.size() {
            8 => v.swap_bytes(),
            4 => (v as u32).swap_bytes() as u64,
            // bswap of a 16-bit register is undefined; hardware gives 0.
            _ => 0,
        };
        self.cpu.set_reg(r, res);
        Ok(())
    }
}
