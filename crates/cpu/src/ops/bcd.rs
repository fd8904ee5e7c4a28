//! BCD adjust instructions (32-bit mode only): daa, das, aaa, aas, aam, aad.

use crate::flags::{szp, FlagOp, AF, ARITH, CF, OF, PF, SF, ZF};
use crate::interp::{Exec, Exit, Res};
use crate::state::Mode;
use iced_x86::{Instruction, Mnemonic, Register};

impl Exec {
    pub(crate) fn bcd(&mut self, i: &Instruction) -> Res {
        if self.cpu.mode == Mode::Bits64 {
            return Err(self.illegal(i));
        }
        let flags = self.cpu.flags.get();
        let base = flags & !ARITH;
        let cf = flags & CF != 0;
        let af = flags & AF != 0;
        let al = self.cpu.reg(Register::AL);
        let ah = self.cpu.reg(Register::AH);
        match i.mnemonic() {
            Mnemonic::Daa | Mnemonic::Das => {
                let daa = i.mnemonic() == Mnemonic::Daa;
                let mut v = al;
                let mut ncf = false;
                let mut naf = false;
                if (al & 0xf) > 9 || af {
                    // CF also takes the carry (borrow) out of this step.
                    ncf = cf || if daa { al + 6 > 0xff } else { al < 6 };
                    v = if daa {
                        v.wrapping_add(6)
                    } else {
                        v.wrapping_sub(6)
                    } & 0xff;
                    naf = true;
                }
                if al > 0x99 || cf {
                    v = if daa {
                        v.wrapping_add(0x60)
                    } else {
                        v.wrapping_sub(0x60)
                    } & 0xff;
                    ncf = true;
                }
                self.cpu.set_reg(Register::AL, v);
                // OF is undefined; the reference CPU (AMD) sets it when the
                // sign changes the way a signed overflow of the adjustment would.
                let of = if daa {
                    !al & v & 0x80 != 0
                } else {
                    al & !v & 0x80 != 0
                };
                let f = base
                    | szp(v, 1)
                    | if ncf { CF } else { 0 }
                    | if naf { AF } else { 0 }
                    | if of { OF } else { 0 };
                self.cpu.flags.set(f);
            }
            Mnemonic::Aaa | Mnemonic::Aas => {
                let ax = self.cpu.reg(Register::AX);
                let aaa = i.mnemonic() == Mnemonic::Aaa;
                let adj = (al & 0xf) > 9 || af;
                // The adjustment is ax +/- 0x106; SF, ZF, PF and OF (undefined)
                // are those of that 16-bit sum on the reference CPU (AMD).
                let d = if adj { 0x106 } else { 0 };
                let raw = if aaa {
                    ax.wrapping_add(d)
                } else {
                    ax.wrapping_sub(d)
                } & 0xffff;
                let of = if aaa {
                    !(ax ^ d) & (ax ^ raw)
                } else {
                    (ax ^ d) & (ax ^ raw)
                } & 0x8000
                    != 0;
                self.cpu.set_reg(Register::AX, raw & 0xff0f);
                let f = base
                    | (szp(raw, 2) & (SF | ZF))
                    | (szp(raw, 1) & PF)
                    | if adj { AF | CF } else { 0 }
                    | if of { OF } else { 0 };
                self.cpu.flags.set(f);
            }
            Mnemonic::Aam => {
                let d = i.immediate8() as u64;
                if d == 0 {
                    return Err(Exit::DivideError);
                }
                let v = ((al / d) << 8) | (al % d);
                self.cpu.set_reg(Register::AX, v);
                self.cpu.flags.set(base | szp(v & 0xff, 1));
            }
            _ => {
                // aad: al + ah * imm8; the flags (CF, OF and AF undefined) are
                // those of that 8-bit addition on the reference CPU (AMD).
                let d = i.immediate8() as u64;
                let b = ah.wrapping_mul(d) & 0xff;
                let v = (al + b) & 0xff;
                self.cpu.set_reg(Register::AX, v);
                self.cpu.flags.set(base);
                self.cpu.flags.set_lazy(FlagOp::Add, 1, al, b, v);
            }
        }
        Ok(())
    }
}
