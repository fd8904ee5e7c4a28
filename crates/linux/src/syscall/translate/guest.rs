//! Typed access to i386 guest memory for the translation back end: plain
//! structs read and written whole, arrays of them, 32-bit words and
//! strings. Every access is bounded by the guest's 4 GiB, so a guest
//! pointer near the top can never reach emulator memory above it.

use super::Errno;
use std::mem::{size_of, MaybeUninit};
use x86run_cpu::mem;

/// Plain old data: any bit pattern is a valid value (integers and arrays
/// of them only), so it can be filled from guest bytes.
///
/// # Safety
/// Implement only for `repr(C)` types made of integers and arrays of
/// integers (no references, bools, enums or floats with invariants).
pub unsafe trait Plain: Copy + 'static {}

macro_rules! plain {
    ($($t:ty),* $(,)?) => { $(
        // SAFETY: integers, or C structs of integers (see the trait).
        unsafe impl $crate::syscall::translate::guest::Plain for $t {}
    )* };
}
pub(crate) use plain;

plain!(u8, i8, u16, i16, u32, i32, u64, i64);
plain!(
    libc::stat,
    libc::statfs,
    libc::timespec,
    libc::timeval,
    libc::itimerval,
    libc::itimerspec,
    libc::rusage,
    libc::sysinfo,
    libc::tms,
    libc::rlimit,
    libc::timex,
    libc::iovec,
    libc::msghdr,
    libc::mmsghdr,
    libc::utsname,
    libc::flock,
    libc::epoll_event,
    libc::sigevent,
    libc::mq_attr,
    libc::siginfo_t,
    libc::ipc_perm,
    libc::shmid_ds,
    libc::msqid_ds,
    libc::semid_ds,
);
// SAFETY: arrays of plain values are plain.
unsafe impl<T: Plain, const N: usize> Plain for [T; N] {}

/// Whether [addr, addr+len) lies inside the i386 guest's 4 GiB.
fn in_guest(addr: u64, len: usize) -> bool {
    addr.checked_add(len as u64).is_some_and(|e| e <= 1 << 32)
}

/// The bytes of a plain value.
pub fn bytes_of<T: Plain>(v: &T) -> &[u8] {
    // SAFETY: T is plain data of size_of::<T>() bytes.
    unsafe { std::slice::from_raw_parts(v as *const T as *const u8, size_of::<T>()) }
}

/// The bytes of a plain value, writable.
pub fn bytes_of_mut<T: Plain>(v: &mut T) -> &mut [u8] {
    // SAFETY: T is plain data; any bytes written leave a valid T.
    unsafe { std::slice::from_raw_parts_mut(v as *mut T as *mut u8, size_of::<T>()) }
}

/// An all-zero plain value.
pub fn zeroed<T: Plain>() -> T {
    // SAFETY: all-zero bytes are a valid plain value.
    unsafe { MaybeUninit::<T>::zeroed().assume_init() }
}

/// Copies guest bytes at `addr` into `buf`.
pub fn read_into(addr: u64, buf: &mut [u8]) -> Result<(), Errno> {
    if !in_guest(addr, buf.len()) {
        return Err(Errno::EFAULT);
    }
    mem::read_bytes(addr, buf).map_err(|_| Errno::EFAULT)
}

/// Copies `data` to guest memory at `addr`.
pub fn write_from(addr: u64, data: &[u8]) -> Result<(), Errno> {
    if !in_guest(addr, data.len()) {
        return Err(Errno::EFAULT);
    }
    mem::write_bytes(addr, data).map_err(|_| Errno::EFAULT)
}

/// Reads a plain value from guest memory.
pub fn read<T: Plain>(addr: u64) -> Result<T, Errno> {
    let mut v = zeroed::<T>();
    read_into(addr, bytes_of_mut(&mut v))?;
    Ok(v)
}

/// Reads a plain value, or None for a null pointer.
pub fn read_opt<T: Plain>(addr: u64) -> Result<Option<T>, Errno> {
    if addr == 0 {
        Ok(None)
    } else {
        read(addr).map(Some)
    }
}

/// Writes a plain value to guest memory.
pub fn write<T: Plain>(addr: u64, v: &T) -> Result<(), Errno> {
    write_from(addr, bytes_of(v))
}

/// Writes a plain value unless the pointer is null.
pub fn write_opt<T: Plain>(addr: u64, v: &T) -> Result<(), Errno> {
    if addr == 0 {
        Ok(())
    } else {
        write(addr, v)
    }
}

/// Reads `n` consecutive plain values.
pub fn read_vec<T: Plain>(addr: u64, n: usize) -> Result<Vec<T>, Errno> {
    (0..n)
        .map(|k| read(addr + (k * size_of::<T>()) as u64))
        .collect()
}

/// Reads `len` guest bytes.
pub fn read_bytes(addr: u64, len: usize) -> Result<Vec<u8>, Errno> {
    let mut v = vec![0u8; len];
    read_into(addr, &mut v)?;
    Ok(v)
}

/// Reads a 32-bit guest word.
pub fn u32_at(addr: u64) -> Result<u32, Errno> {
    read::<u32>(addr)
}

/// Writes a 32-bit guest word.
pub fn put_u32(addr: u64, v: u32) -> Result<(), Errno> {
    write(addr, &v)
}

/// Host address of a local value, for a host syscall argument.
pub fn ptr<T>(v: &T) -> u64 {
    v as *const T as u64
}

/// Host address of a local value the host syscall writes to.
pub fn mptr<T>(v: &mut T) -> u64 {
    v as *mut T as u64
}

/// Host address of a local value if present, else null.
pub fn opt_ptr<T>(v: &Option<T>) -> u64 {
    v.as_ref().map_or(0, ptr)
}

/// Host address of a local value the host writes to if present, else null.
pub fn opt_mptr<T>(v: &mut Option<T>) -> u64 {
    v.as_mut().map_or(0, mptr)
}
