//! x87 floating-point instructions (the x87/SIMD issue implements them).

use crate::interp::{Exec, Res};
use iced_x86::Instruction;

impl Exec<'_> {
    pub(crate) fn x87(&mut self, i: &Instruction) -> Res {
        Err(self.illegal(i))
    }
}
