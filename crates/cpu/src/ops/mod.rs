//! Instruction semantics, one file per family. Each file adds methods to
//! `interp::Exec`; `interp::Exec::exec` dispatches to them.

mod aes;
pub(crate) mod alu;
mod bcd;
mod bit;
mod control;
mod data;
mod mmx;
pub(crate) mod muldiv;
pub(crate) mod shift;
pub(crate) mod simd;
mod simd_int;
mod sse4;
mod sse_fp;
mod string;
mod x87;
mod x87env;
