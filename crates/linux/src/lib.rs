//! x86run-linux: the Linux personality. Loader, guest address space, syscall
//! tables and handlers per guest ABI, signal bookkeeping, process control.

pub mod codelog;
mod deliver;
pub mod host;
pub mod hostsig;
pub mod loader;
pub mod mm;
pub mod process;
pub mod rootfs;
pub mod safe_syscall;
pub mod seccomp;
pub mod sigframe;
pub mod signals;
pub mod syscall;
pub mod thread;

pub use process::{Backend, Options, Process};
