//! x86run-cpu: the guest x86 machine. Decoding (iced-x86) with a block cache,
//! instruction semantics and the interpreter, guest memory access with host-MMU
//! fault recovery. Knows nothing of Linux.

pub mod code;
pub mod cpuid;
pub mod decode;
pub mod fast;
pub mod fault;
pub mod flags;
pub mod fp;
pub mod fpimage;
pub mod interp;
pub mod mem;
mod ops;
pub mod state;
pub mod x87state;

pub use interp::{Exit, Interpreter, SyscallKind};
pub use mem::Fault;
pub use state::{CpuState, Mode};
