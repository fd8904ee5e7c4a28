//! Back end 2 for i386 guests: user-space translation of every i386
//! syscall into the host's native 64-bit syscalls, struct by struct, so
//! that no kernel compat entry is needed (AArch64, RISC-V hosts).
//!
//! `table.rs` says, per i386 syscall, whether the native call has the same
//! layout (arguments only zero- or sign-extended), which handler translates
//! it, or why it is refused. The family files hold the handlers; `abi32.rs`
//! the guest struct layouts; `guest.rs` typed guest-memory access.

mod abi32;
mod aio;
mod fs;
mod guest;
mod ids;
mod input;
mod ioctl;
mod ioctl_dev;
mod ipc;
mod misc;
pub mod place;
mod poll;
mod signal;
mod socket;
pub mod table;
mod time;
pub mod uring;

use crate::process::Process;
use std::cell::Cell;
use std::sync::atomic::AtomicU32;
use std::sync::Mutex;
pub use table::{row, How, Row};

/// Number of ioctl requests with a row in the ioctl table.
pub fn ioctl_rows() -> usize {
    ioctl::count()
}

/// The name of an i386 ioctl request the table describes.
pub fn ioctl_name(req: u32) -> Option<&'static str> {
    ioctl::name(req)
}

/// Whether a guest mmap must fail with ENXIO because the kernel would
/// give it a record in the 64-bit layout (ALSA PCM status and control).
pub fn mmap_refused(fd: i32, off: u64) -> bool {
    ioctl_dev::pcm_mmap_refused(fd, off)
}

/// A kernel error number (positive), as the translated call returns it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Errno(pub i32);

impl Errno {
    pub const EPERM: Errno = Errno(libc::EPERM);
    pub const EBADF: Errno = Errno(libc::EBADF);
    pub const EFAULT: Errno = Errno(libc::EFAULT);
    pub const EINVAL: Errno = Errno(libc::EINVAL);
    pub const ENOMEM: Errno = Errno(libc::ENOMEM);
    pub const ENOSYS: Errno = Errno(libc::ENOSYS);
    pub const ENOTTY: Errno = Errno(libc::ENOTTY);
    pub const EOVERFLOW: Errno = Errno(libc::EOVERFLOW);
    pub const EOPNOTSUPP: Errno = Errno(libc::EOPNOTSUPP);
}

/// A translated call's result: the value the guest gets, or an errno.
pub type Res = Result<i64, Errno>;

/// A translation handler: raw (zero-extended 32-bit) arguments in.
pub type Handler = fn(&mut Process, &[u64; 6]) -> Res;

thread_local! {
    /// The calling thread's interrupt flag while it runs a translated call:
    /// host calls go through `safe_syscall`, so a guest signal interrupts
    /// them as it does a passed-through call.
    static INTERRUPT: Cell<*const AtomicU32> = const { Cell::new(std::ptr::null()) };
}

/// A native host syscall, its raw result turned into `Res`.
pub fn host(nr: i64, a: [u64; 6]) -> Res {
    let flag = INTERRUPT.with(|f| f.get());
    let r = if flag.is_null() {
        crate::host::syscall6(nr as u64, a)
    } else {
        // SAFETY: `syscall` sets the pointer to its thread's interrupt flag
        // (owned by the Process it borrows) for the duration of the call.
        crate::safe_syscall::syscall(unsafe { &*flag }, nr as u64, a)
    };
    if (-4095..0).contains(&r) {
        Err(Errno(-r as i32))
    } else {
        Ok(r)
    }
}

/// `sys!(libc::SYS_x, a, b, ...)`: a native host syscall with up to six
/// arguments (each converted with `as u64`).
macro_rules! sys {
    ($nr:expr $(, $a:expr)* $(,)?) => {{
        let v: &[u64] = &[$($a as u64),*];
        let mut a = [0u64; 6];
        a[..v.len()].copy_from_slice(v);
        $crate::syscall::translate::host($nr as i64, a)
    }};
}
pub(crate) use sys;

/// A 32-bit argument as a signed C `int`/`long`, sign-extended.
pub fn sx(a: u64) -> i64 {
    a as u32 as i32 as i64
}

/// A 64-bit value passed in two 32-bit argument registers.
pub fn pair(lo: u64, hi: u64) -> i64 {
    ((hi << 32) | (lo & 0xffff_ffff)) as i64
}

/// `AT_FDCWD` and other directory descriptors, sign-extended.
pub fn dirfd(a: u64) -> u64 {
    sx(a) as u64
}

/// Services an i386 syscall with the translation back end; returns the
/// kernel-style result (value or -errno).
pub fn syscall(p: &mut Process, nr: u64, a: &[u64; 6]) -> i64 {
    let Some(r) = row(nr) else {
        warn_once(nr, &format!("i386 syscall {nr}"), "no such syscall");
        return -(libc::ENOSYS as i64);
    };
    let prev = INTERRUPT.with(|f| f.replace(std::sync::Arc::as_ptr(&p.interp.interrupt)));
    let res = match r.how {
        How::Same(hnr) => host(hnr, *a),
        How::Signed(hnr, mask) => {
            let mut h = *a;
            for (k, v) in h.iter_mut().enumerate() {
                if mask & (1 << k) != 0 {
                    *v = sx(*v) as u64;
                }
            }
            host(hnr, h)
        }
        How::Translate(f) => f(p, a),
        How::Refuse(why) => {
            warn_once(nr, &format!("i386 syscall {} ({nr})", r.name), why);
            Err(Errno::ENOSYS)
        }
        How::Absent => Err(Errno::ENOSYS),
    };
    INTERRUPT.with(|f| f.set(prev));
    match res {
        Ok(v) => v,
        Err(e) => -(e.0 as i64),
    }
}

/// How the translation table serves i386 syscall `nr`, for `--strace`.
pub fn strace_note(nr: u64) -> &'static str {
    match row(nr).map(|r| r.how) {
        Some(How::Same(_)) => " [same layout]",
        Some(How::Signed(..)) => " [same layout, signed args]",
        Some(How::Translate(_)) => " [translated]",
        Some(How::Refuse(_)) => " [refused]",
        Some(How::Absent) | None => " [absent]",
    }
}

/// One warning per refused syscall (or ioctl request, or other `key`)
/// and process: "x86run: unsupported WHAT (translation back end): WHY".
pub fn warn_once(key: u64, what: &str, why: &str) {
    static WARNED: Mutex<Vec<u64>> = Mutex::new(Vec::new());
    let mut w = WARNED.lock().unwrap_or_else(|e| e.into_inner());
    if !w.contains(&key) {
        w.push(key);
        eprintln!("x86run: unsupported {what} (translation back end): {why}");
    }
}
