//! SSE/SSE2 instructions (the subset the x86-64 ABI baseline and glibc's
//! string functions need; the full set is the x87/SIMD issue's).

use crate::interp::{Exec, Res};
use iced_x86::Instruction;

impl Exec<'_> {
    pub(crate) fn simd(&mut self, i: &Instruction) -> Res {
        Err(self.illegal(i))
    }
}
