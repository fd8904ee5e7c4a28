//! Two- and one-operand integer arithmetic and logic: add, or, adc, sbb, and,
//! sub, xor, cmp, test, inc, dec, neg, not.

use crate::flags::{mask, FlagOp};
use crate::interp::{Exec, Res};
use iced_x86::{Instruction, Mnemonic};

/// The two-operand ALU operations, in their encoding order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AluKind {
    Add,
    Or,
    Adc,
    Sbb,
    And,
    Sub,
    Xor,
    Cmp,
    Test,
}

impl AluKind {
    pub fn of(m: Mnemonic) -> AluKind {
        match m {
            Mnemonic::Add => AluKind::Add,
            Mnemonic::Or => AluKind::Or,
            Mnemonic::Adc => AluKind::Adc,
            Mnemonic::Sbb => AluKind::Sbb,
            Mnemonic::And => AluKind::And,
            Mnemonic::Sub => AluKind::Sub,
            Mnemonic::Xor => AluKind::Xor,
            Mnemonic::Cmp => AluKind::Cmp,
            _ => AluKind::Test,
        }
    }

    /// Whether the result is written back (not cmp/test).
    #[inline(always)]
    pub fn writes(self) -> bool {
        !matches!(self, AluKind::Cmp | AluKind::Test)
    }
}

/// The result of `a KIND b` (operands already masked to `size` bytes, `cin`
/// the carry in for adc/sbb) and the lazy flag operation that describes it.
#[inline(always)]
pub fn alu_compute(kind: AluKind, a: u64, b: u64, cin: u64, size: u32) -> (u64, FlagOp) {
    let m = mask(size);
    let (res, op) = match kind {
        AluKind::Add => (a.wrapping_add(b), FlagOp::Add),
        AluKind::Adc => (a.wrapping_add(b).wrapping_add(cin), FlagOp::Add),
        AluKind::Sub | AluKind::Cmp => (a.wrapping_sub(b), FlagOp::Sub),
        AluKind::Sbb => (a.wrapping_sub(b).wrapping_sub(cin), FlagOp::Sub),
        AluKind::And | AluKind::Test => (a & b, FlagOp::Logic),
        AluKind::Or => (a | b, FlagOp::Logic),
        AluKind::Xor => (a ^ b, FlagOp::Logic),
    };
    (res & m, op)
}

impl Exec {
    pub(crate) fn alu2(&mut self, i: &Instruction) -> Res {
        let size = self.op_size(i, 0);
        let m = mask(size);
        let kind = AluKind::of(i.mnemonic());
        let b = self.read_op(i, 1, size)? & m;
        let cin = self.cpu.flags.cf() as u64;
        let a = if kind.writes() {
            self.rmw(i, size, |a| alu_compute(kind, a & m, b, cin, size).0)?
        } else {
            self.read_op(i, 0, size)?
        } & m;
        let (res, op) = alu_compute(kind, a, b, cin, size);
        self.cpu.flags.set_lazy(op, size, a, b, res);
        Ok(())
    }

    pub(crate) fn alu1(&mut self, i: &Instruction) -> Res {
        let size = self.op_size(i, 0);
        let m = mask(size);
        match i.mnemonic() {
            Mnemonic::Inc => {
                let a = self.rmw(i, size, |a| a.wrapping_add(1) & m)? & m;
                self.cpu.flags.set_incdec(true, size, a.wrapping_add(1) & m);
            }
            Mnemonic::Dec => {
                let a = self.rmw(i, size, |a| a.wrapping_sub(1) & m)? & m;
                self.cpu
                    .flags
                    .set_incdec(false, size, a.wrapping_sub(1) & m);
            }
            Mnemonic::Neg => {
                let b = self.rmw(i, size, |a| a.wrapping_neg() & m)? & m;
                self.cpu
                    .flags
                    .set_lazy(FlagOp::Sub, size, 0, b, b.wrapping_neg() & m);
            }
            _ => {
                self.rmw(i, size, |a| !a & m)?;
            }
        }
        Ok(())
    }
}
