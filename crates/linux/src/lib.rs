//! x86run-linux: the Linux personality. Loader, guest address space, syscall
//! tables and handlers per guest ABI, signal bookkeeping, process control.

pub mod host;
pub mod loader;
pub mod mm;
pub mod process;
pub mod rootfs;
pub mod signals;
pub mod syscall;

pub use process::{Backend, Options, Process};
