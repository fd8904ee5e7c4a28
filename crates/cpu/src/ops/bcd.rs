//! BCD adjust instructions (32-bit mode only): daa, das, aaa, aas, aam, aad.

use crate::flags::{szp, AF, ARITH, CF};
use crate::interp::{Exec, Exit, Res};
use crate::state::Mode;
use iced_x86::{Instruction, Mnemonic, Register};

impl Exec<'_> {
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
                    v = if daa { v.wrapping_add(6) } else { v.wrapping_sub(6) } & 0xff;
                    naf = true;
                }
                if al > 0x99 || cf {
                    v = if daa { v.wrapping_add(0x60) } else { v.wrapping_sub(0x60) } & 0xff;
                    ncf = true;
                }
                self.cpu.set_reg(Register::AL, v);
                let f = base | szp(v, 1) | if ncf { CF } else { 0 } | if naf { AF } else { 0 };
                self.cpu.flags.set(f);
            }
            Mnemonic::Aaa | Mnemonic::Aas => {
                let ax = self.cpu.reg(Register::AX);
                let (nax, adj) = if (al & 0xf) > 9 || af {
                    if i.mnemonic() == Mnemonic::Aaa {
                        (ax.wrapping_add(0x106), true)
                    } else {
                        (ax.wrapping_sub(6).wrapping_sub(0x100) , true)
                    }
                } else {
                    (ax, false)
                };
                let nax = nax & 0xff0f;
                self.cpu.set_reg(Register::AX, nax);
                let f = base | szp(nax, 1) | if adj { AF | CF } else { 0 };
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
                let d = i.immediate8() as u64;
                let v = (al.wrapping_add(ah.wrapping_mul(d))) & 0xff;
                self.cpu.set_reg(Register::AX, v);
                self.cpu.flags.set(base | szp(v, 1));
            }
        }
        Ok(())
    }
}
