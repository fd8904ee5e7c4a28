//! Two- and one-operand integer arithmetic and logic: add, or, adc, sbb, and,
//! sub, xor, cmp, test, inc, dec, neg, not.

use crate::flags::{mask, FlagOp};
use crate::interp::{Exec, Res};
use iced_x86::{Instruction, Mnemonic};

impl Exec<'_> {
    pub(crate) fn alu2(&mut self, i: &Instruction) -> Res {
        let size = self.op_size(i, 0);
        let m = mask(size);
        let b = self.read_op(i, 1, size)? & m;
        let cin = self.cpu.flags.cf() as u64;
        let (op, f): (FlagOp, fn(u64, u64, u64) -> u64) = match i.mnemonic() {
            Mnemonic::Add => (FlagOp::Add, |a, b, _| a.wrapping_add(b)),
            Mnemonic::Adc => (FlagOp::Add, |a, b, c| a.wrapping_add(b).wrapping_add(c)),
            Mnemonic::Sub | Mnemonic::Cmp => (FlagOp::Sub, |a, b, _| a.wrapping_sub(b)),
            Mnemonic::Sbb => (FlagOp::Sub, |a, b, c| a.wrapping_sub(b).wrapping_sub(c)),
            Mnemonic::And | Mnemonic::Test => (FlagOp::Logic, |a, b, _| a & b),
            Mnemonic::Or => (FlagOp::Logic, |a, b, _| a | b),
            _ => (FlagOp::Logic, |a, b, _| a ^ b),
        };
        let a = if matches!(i.mnemonic(), Mnemonic::Cmp | Mnemonic::Test) {
            self.read_op(i, 0, size)?
        } else {
            self.rmw(i, size, |a| f(a, b, cin) & m)?
        } & m;
        let res = f(a, b, cin) & m;
        self.cpu.flags.set_lazy(op, size, a, b, res);
        Ok(())
    }

    pub(crate) fn alu1(&mut self, i: &Instruction) -> Res {
        let size = self.op_size(i, 0);
        let m = mask(size);
        match i.mnemonic() {
            Mnemonic::Inc => {
                let a = self.rmw(i, size, |a| a.wrapping_add(1) & m)? & m;
                self.cpu.flags.set_incdec(true, size, a, a.wrapping_add(1) & m);
            }
            Mnemonic::Dec => {
                let a = self.rmw(i, size, |a| a.wrapping_sub(1) & m)? & m;
                self.cpu.flags.set_incdec(false, size, a, a.wrapping_sub(1) & m);
            }
            Mnemonic::Neg => {
                let b = self.rmw(i, size, |a| a.wrapping_neg() & m)? & m;
                self.cpu.flags.set_lazy(FlagOp::Sub, size, 0, b, b.wrapping_neg() & m);
            }
            _ => {
                self.rmw(i, size, |a| !a & m)?;
            }
        }
        Ok(())
    }
}
