//! Files, paths and descriptors: the legacy path calls as their `*at`
//! forms (which every architecture has), open flags, the stat and statfs
//! families, directory entries, fcntl locks, split 64-bit offsets, iovec
//! arrays, sendfile and the utime family.

use super::abi32::*;
use super::guest::{self, mptr, opt_mptr, opt_ptr, zeroed};
use super::{dirfd, input, pair, sx, sys, Errno, Res};
use crate::process::Process;
use libc::*;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

const AT_FDCWD_U: u64 = AT_FDCWD as i64 as u64;

// ---- open flags -------------------------------------------------------

/// i386 (asm-generic) values of the open flags whose bits differ between
/// architectures.
const G_O_DIRECT: u64 = 0o40000;
const G_O_LARGEFILE: u64 = 0o100000;
const G_O_DIRECTORY: u64 = 0o200000;
const G_O_NOFOLLOW: u64 = 0o400000;
/// The host kernel's O_LARGEFILE (userspace headers define it as 0 on
/// 64-bit hosts, the kernel still reports it in F_GETFL).
#[cfg(target_arch = "aarch64")]
const H_O_LARGEFILE: u64 = 0o400000;
#[cfg(not(target_arch = "aarch64"))]
const H_O_LARGEFILE: u64 = 0o100000;

const MOVED: [(u64, u64); 4] = [
    (G_O_DIRECT, O_DIRECT as u64),
    (G_O_LARGEFILE, H_O_LARGEFILE),
    (G_O_DIRECTORY, O_DIRECTORY as u64),
    (G_O_NOFOLLOW, O_NOFOLLOW as u64),
];

/// i386 open/fcntl flags to the host's.
pub fn flags_to_host(f: u64) -> u64 {
    let mut h = f & !MOVED.iter().fold(0, |m, (g, _)| m | g);
    for (g, hb) in MOVED {
        if f & g != 0 {
            h |= hb;
        }
    }
    h
}

/// Host open/fcntl flags to i386's.
pub fn flags_from_host(h: u64) -> u64 {
    let mut f = h & !MOVED.iter().fold(0, |m, (_, hb)| m | hb);
    for (g, hb) in MOVED {
        if h & hb != 0 {
            f |= g;
        }
    }
    f
}

// ---- files opened without O_LARGEFILE -------------------------------------------

/// A 64-bit kernel forces O_LARGEFILE on native opens, but not on a
/// 32-bit process's: such a file shows no O_LARGEFILE in F_GETFL, cannot
/// be opened when larger than 2 GiB (EOVERFLOW), nor be written or
/// truncated past that (EFBIG, EINVAL). The descriptors opened without it
/// (one bit each, for the first 64Ki descriptors):
static SMALL: [AtomicU64; 1024] = [const { AtomicU64::new(0) }; 1024];
const MAX_NON_LFS: i64 = 0x7fff_ffff;

fn set_small(fd: i64, on: bool) {
    if let Some(w) = SMALL.get(fd as usize / 64) {
        let bit = 1 << (fd % 64);
        if on {
            w.fetch_or(bit, Ordering::Relaxed);
        } else {
            w.fetch_and(!bit, Ordering::Relaxed);
        }
    }
}

/// Whether `fd` was opened without O_LARGEFILE.
pub fn is_small(fd: u64) -> bool {
    SMALL
        .get(fd as usize / 64)
        .is_some_and(|w| w.load(Ordering::Relaxed) >> (fd % 64) & 1 != 0)
}

/// Records how a new descriptor was opened; refuses a large file opened
/// without O_LARGEFILE as the kernel does.
fn opened(fd: Res, guest_flags: u64) -> Res {
    let fd = fd?;
    let small = guest_flags & G_O_LARGEFILE == 0;
    let st = host_fstat(fd as u64).ok();
    if let (true, Some(st)) = (small, &st) {
        if st.st_mode & S_IFMT == S_IFREG && st.st_size > MAX_NON_LFS {
            let _ = sys!(SYS_close, fd);
            return Err(Errno::EOVERFLOW);
        }
    }
    set_small(fd, small);
    input::opened(fd, st.as_ref());
    Ok(fd)
}

/// A duplicated descriptor shares the open file (and its flags).
fn duped(old: u64, new: Res) -> Res {
    let new = new?;
    set_small(new, is_small(old));
    input::duped(old, new);
    Ok(new)
}

pub fn close(_p: &mut Process, a: &[u64; 6]) -> Res {
    let r = sys!(SYS_close, a[0]);
    if r.is_ok() {
        set_small(a[0] as i64, false);
        input::closed(a[0]);
        super::uring::forget(a[0]);
        super::ioctl_dev::closed(a[0]);
    }
    r
}

pub fn dup(_p: &mut Process, a: &[u64; 6]) -> Res {
    duped(a[0], sys!(SYS_dup, a[0]))
}

pub fn dup3(_p: &mut Process, a: &[u64; 6]) -> Res {
    duped(a[0], sys!(SYS_dup3, a[0], a[1], a[2]))
}

/// Whether a write ending at `end` on `fd` goes past what a file opened
/// without O_LARGEFILE may reach.
fn too_big(fd: u64, end: i64) -> bool {
    end > MAX_NON_LFS && is_small(fd)
}

/// How much of a `count`-byte write at the current position a file
/// opened without O_LARGEFILE takes (the kernel's generic_write_checks):
/// None when it is not such a file or has no position.
fn small_room(fd: u64, count: u64) -> Result<Option<u64>, Errno> {
    if !is_small(fd) || count == 0 {
        return Ok(None);
    }
    let Ok(mut pos) = sys!(SYS_lseek, fd, 0, SEEK_CUR) else {
        return Ok(None);
    };
    if sys!(SYS_fcntl, fd, F_GETFL).is_ok_and(|f| f & O_APPEND as i64 != 0) {
        pos = host_fstat(fd).map(|st| st.st_size).unwrap_or(pos);
    }
    if pos >= MAX_NON_LFS {
        return Err(Errno(EFBIG));
    }
    Ok(Some(count.min((MAX_NON_LFS - pos) as u64)))
}

pub fn read(_p: &mut Process, a: &[u64; 6]) -> Res {
    if input::is_input(a[0]) {
        return input::read(a[0], a[1], a[2]);
    }
    sys!(SYS_read, a[0], a[1], a[2])
}

pub fn write(_p: &mut Process, a: &[u64; 6]) -> Res {
    if input::is_input(a[0]) {
        return input::write(a[0], a[1], a[2]);
    }
    let count = small_room(a[0], a[2])?.unwrap_or(a[2]);
    sys!(SYS_write, a[0], a[1], count)
}

pub fn getpgrp(_p: &mut Process, _a: &[u64; 6]) -> Res {
    sys!(SYS_getpgid, 0)
}

pub fn open(_p: &mut Process, a: &[u64; 6]) -> Res {
    opened(
        sys!(SYS_openat, AT_FDCWD_U, a[0], flags_to_host(a[1]), a[2]),
        a[1],
    )
}

pub fn openat(_p: &mut Process, a: &[u64; 6]) -> Res {
    opened(
        sys!(SYS_openat, dirfd(a[0]), a[1], flags_to_host(a[2]), a[3]),
        a[2],
    )
}

pub fn creat(_p: &mut Process, a: &[u64; 6]) -> Res {
    opened(
        sys!(
            SYS_openat,
            AT_FDCWD_U,
            a[0],
            O_CREAT | O_WRONLY | O_TRUNC,
            a[1]
        ),
        0,
    )
}

pub fn open_by_handle_at(_p: &mut Process, a: &[u64; 6]) -> Res {
    opened(
        sys!(
            SYS_open_by_handle_at,
            dirfd(a[0]),
            a[1],
            flags_to_host(a[2])
        ),
        a[2],
    )
}

/// openat2(dirfd, path, struct open_how *, size): open_how is u64 fields.
pub fn openat2(_p: &mut Process, a: &[u64; 6]) -> Res {
    if a[3] < 24 || a[3] > 4096 {
        return sys!(437, dirfd(a[0]), a[1], a[2], a[3]);
    }
    let mut how = guest::read_bytes(a[2], a[3] as usize)?;
    let flags = u64::from_le_bytes(how[..8].try_into().unwrap_or_default());
    how[..8].copy_from_slice(&flags_to_host(flags).to_le_bytes());
    opened(sys!(437, dirfd(a[0]), a[1], how.as_ptr(), a[3]), flags)
}

// ---- legacy path calls as *at ------------------------------------------

pub fn link(_p: &mut Process, a: &[u64; 6]) -> Res {
    sys!(SYS_linkat, AT_FDCWD_U, a[0], AT_FDCWD_U, a[1], 0)
}

pub fn unlink(_p: &mut Process, a: &[u64; 6]) -> Res {
    sys!(SYS_unlinkat, AT_FDCWD_U, a[0], 0)
}

pub fn rmdir(_p: &mut Process, a: &[u64; 6]) -> Res {
    sys!(SYS_unlinkat, AT_FDCWD_U, a[0], AT_REMOVEDIR)
}

pub fn mkdir(_p: &mut Process, a: &[u64; 6]) -> Res {
    sys!(SYS_mkdirat, AT_FDCWD_U, a[0], a[1])
}

pub fn mknod(_p: &mut Process, a: &[u64; 6]) -> Res {
    sys!(SYS_mknodat, AT_FDCWD_U, a[0], a[1], a[2])
}

pub fn chmod(_p: &mut Process, a: &[u64; 6]) -> Res {
    sys!(SYS_fchmodat, AT_FDCWD_U, a[0], a[1])
}

pub fn access(_p: &mut Process, a: &[u64; 6]) -> Res {
    sys!(SYS_faccessat, AT_FDCWD_U, a[0], a[1])
}

pub fn rename(_p: &mut Process, a: &[u64; 6]) -> Res {
    sys!(SYS_renameat2, AT_FDCWD_U, a[0], AT_FDCWD_U, a[1], 0)
}

pub fn renameat(_p: &mut Process, a: &[u64; 6]) -> Res {
    sys!(SYS_renameat2, dirfd(a[0]), a[1], dirfd(a[2]), a[3], 0)
}

pub fn symlink(_p: &mut Process, a: &[u64; 6]) -> Res {
    sys!(SYS_symlinkat, a[0], AT_FDCWD_U, a[1])
}

pub fn readlink(_p: &mut Process, a: &[u64; 6]) -> Res {
    sys!(SYS_readlinkat, AT_FDCWD_U, a[0], a[1], a[2])
}

pub fn umount(_p: &mut Process, a: &[u64; 6]) -> Res {
    sys!(SYS_umount2, a[0], 0)
}

pub fn pipe(_p: &mut Process, a: &[u64; 6]) -> Res {
    sys!(SYS_pipe2, a[0], 0)
}

/// dup2 as dup3, which differs only when both descriptors are equal.
pub fn dup2(_p: &mut Process, a: &[u64; 6]) -> Res {
    if a[0] == a[1] {
        sys!(SYS_fcntl, a[0], F_GETFD)?;
        return Ok(a[1] as i64);
    }
    duped(a[0], sys!(SYS_dup3, a[0], a[1], 0))
}

pub fn inotify_init(_p: &mut Process, _a: &[u64; 6]) -> Res {
    sys!(SYS_inotify_init1, 0)
}

// ---- fcntl -----------------------------------------------------------------

const F_GETLK64_32: u64 = 12;
const F_SETLK64_32: u64 = 13;
const F_SETLKW64_32: u64 = 14;
const COMPAT_OFF_T_MAX: i64 = 0x7fff_ffff;

pub fn fcntl(p: &mut Process, a: &[u64; 6]) -> Res {
    if matches!(a[1], F_GETLK64_32 | F_SETLK64_32 | F_SETLKW64_32) {
        return Err(Errno::EINVAL);
    }
    fcntl64(p, a)
}

pub fn fcntl64(_p: &mut Process, a: &[u64; 6]) -> Res {
    let (fd, cmd, arg) = (a[0], a[1], a[2]);
    match cmd as i32 {
        F_GETLK | F_SETLK | F_SETLKW => {
            let g: Flock32 = guest::read(arg)?;
            let mut h: flock = zeroed();
            h.l_type = g.type_;
            h.l_whence = g.whence;
            h.l_start = g.start as i64;
            h.l_len = g.len as i64;
            h.l_pid = g.pid;
            let r = sys!(SYS_fcntl, fd, cmd, mptr(&mut h))?;
            if cmd as i32 == F_GETLK {
                if h.l_start > COMPAT_OFF_T_MAX {
                    return Err(Errno::EOVERFLOW);
                }
                let out = Flock32 {
                    type_: h.l_type,
                    whence: h.l_whence,
                    start: h.l_start as i32,
                    len: h.l_len.min(COMPAT_OFF_T_MAX) as i32,
                    pid: h.l_pid,
                };
                guest::write(arg, &out)?;
            }
            Ok(r)
        }
        12 | 13 | 14 | F_OFD_GETLK | F_OFD_SETLK | F_OFD_SETLKW => {
            let host_cmd = match cmd {
                F_GETLK64_32 => F_GETLK as u64,
                F_SETLK64_32 => F_SETLK as u64,
                F_SETLKW64_32 => F_SETLKW as u64,
                c => c,
            };
            let g: Flock64_32 = guest::read(arg)?;
            let mut h: flock = zeroed();
            h.l_type = g.type_;
            h.l_whence = g.whence;
            h.l_start = g.start;
            h.l_len = g.len;
            h.l_pid = g.pid;
            let r = sys!(SYS_fcntl, fd, host_cmd, mptr(&mut h))?;
            if host_cmd as i32 == F_GETLK || host_cmd as i32 == F_OFD_GETLK {
                let out = Flock64_32 {
                    type_: h.l_type,
                    whence: h.l_whence,
                    start: h.l_start,
                    len: h.l_len,
                    pid: h.l_pid,
                };
                guest::write(arg, &out)?;
            }
            Ok(r)
        }
        F_GETFL => sys!(SYS_fcntl, fd, cmd).map(|f| {
            let g = flags_from_host(f as u64);
            (if is_small(fd) { g & !G_O_LARGEFILE } else { g }) as i64
        }),
        F_SETFL => sys!(SYS_fcntl, fd, cmd, flags_to_host(arg)),
        F_DUPFD | F_DUPFD_CLOEXEC => duped(fd, sys!(SYS_fcntl, fd, cmd, arg)),
        _ => sys!(SYS_fcntl, fd, cmd, arg),
    }
}

// ---- 64-bit offsets in two registers ------------------------------------------

/// _llseek(fd, offset_high, offset_low, loff_t *result, whence).
pub fn llseek(_p: &mut Process, a: &[u64; 6]) -> Res {
    let off = pair(a[2], a[1]);
    let r = do_lseek(a[0], off, a[4])?;
    guest::write(a[3], &r)?;
    Ok(0)
}

pub fn pread64(_p: &mut Process, a: &[u64; 6]) -> Res {
    sys!(SYS_pread64, a[0], a[1], a[2], pair(a[3], a[4]))
}

pub fn pwrite64(_p: &mut Process, a: &[u64; 6]) -> Res {
    let off = pair(a[3], a[4]);
    if a[2] != 0 && too_big(a[0], off.saturating_add(1)) {
        return Err(Errno(EFBIG));
    }
    sys!(SYS_pwrite64, a[0], a[1], a[2], off)
}

pub fn readahead(_p: &mut Process, a: &[u64; 6]) -> Res {
    sys!(SYS_readahead, a[0], pair(a[1], a[2]), a[3])
}

/// ftruncate(fd, compat_off_t length).
pub fn ftruncate(_p: &mut Process, a: &[u64; 6]) -> Res {
    let len = sx(a[1]);
    if too_big(a[0], len) {
        return Err(Errno::EINVAL);
    }
    sys!(SYS_ftruncate, a[0], len)
}

pub fn truncate64(_p: &mut Process, a: &[u64; 6]) -> Res {
    sys!(SYS_truncate, a[0], pair(a[1], a[2]))
}

pub fn ftruncate64(_p: &mut Process, a: &[u64; 6]) -> Res {
    let len = pair(a[1], a[2]);
    if too_big(a[0], len) {
        return Err(Errno::EINVAL);
    }
    sys!(SYS_ftruncate, a[0], len)
}

/// fadvise64(fd, offset_lo, offset_hi, size_t len, advice).
pub fn fadvise64(_p: &mut Process, a: &[u64; 6]) -> Res {
    sys!(SYS_fadvise64, a[0], pair(a[1], a[2]), a[3], a[4])
}

pub fn fadvise64_64(_p: &mut Process, a: &[u64; 6]) -> Res {
    sys!(
        SYS_fadvise64,
        a[0],
        pair(a[1], a[2]),
        pair(a[3], a[4]),
        a[5]
    )
}

pub fn fallocate(_p: &mut Process, a: &[u64; 6]) -> Res {
    sys!(
        SYS_fallocate,
        a[0],
        a[1],
        pair(a[2], a[3]),
        pair(a[4], a[5])
    )
}

pub fn sync_file_range(_p: &mut Process, a: &[u64; 6]) -> Res {
    sys!(
        SYS_sync_file_range,
        a[0],
        pair(a[1], a[2]),
        pair(a[3], a[4]),
        a[5]
    )
}

/// fanotify_mark(fd, flags, mask_lo, mask_hi, dirfd, path).
pub fn fanotify_mark(_p: &mut Process, a: &[u64; 6]) -> Res {
    sys!(
        SYS_fanotify_mark,
        a[0],
        a[1],
        pair(a[2], a[3]),
        dirfd(a[4]),
        a[5]
    )
}

// ---- iovec arrays ---------------------------------------------------------------

const UIO_MAXIOV: u64 = 1024;

/// Reads a guest iovec array as host iovecs (the kernel's compat checks).
pub fn iovecs(at: u64, n: u64) -> Result<Vec<iovec>, Errno> {
    if n > UIO_MAXIOV {
        return Err(Errno::EINVAL);
    }
    let v: Vec<Iovec32> = guest::read_vec(at, n as usize)?;
    v.iter()
        .map(|g| {
            if (g.len as i32) < 0 {
                return Err(Errno::EINVAL);
            }
            Ok(iovec {
                iov_base: g.base as usize as *mut c_void,
                iov_len: g.len as usize,
            })
        })
        .collect()
}

fn vec_call(nr: i64, a: &[u64; 6], rest: [u64; 3]) -> Res {
    let v = iovecs(a[1], a[2])?;
    sys!(nr, a[0], v.as_ptr(), v.len(), rest[0], rest[1], rest[2])
}

pub fn readv(_p: &mut Process, a: &[u64; 6]) -> Res {
    vec_call(SYS_readv, a, [0; 3])
}

pub fn writev(_p: &mut Process, a: &[u64; 6]) -> Res {
    let v = iovecs(a[1], a[2])?;
    let total: u64 = v.iter().map(|x| x.iov_len as u64).sum();
    small_room(a[0], total)?;
    sys!(SYS_writev, a[0], v.as_ptr(), v.len())
}

/// preadv(fd, iov, n, pos_lo, pos_hi): the host takes the halves too
/// (pos_l, pos_h), as a 64-bit value in pos_l.
pub fn preadv(_p: &mut Process, a: &[u64; 6]) -> Res {
    vec_call(SYS_preadv, a, [pair(a[3], a[4]) as u64, 0, 0])
}

pub fn pwritev(_p: &mut Process, a: &[u64; 6]) -> Res {
    if too_big(a[0], pair(a[3], a[4]).saturating_add(1)) {
        return Err(Errno(EFBIG));
    }
    vec_call(SYS_pwritev, a, [pair(a[3], a[4]) as u64, 0, 0])
}

pub fn preadv2(_p: &mut Process, a: &[u64; 6]) -> Res {
    vec_call(SYS_preadv2, a, [pair(a[3], a[4]) as u64, 0, a[5]])
}

pub fn pwritev2(_p: &mut Process, a: &[u64; 6]) -> Res {
    if too_big(a[0], pair(a[3], a[4]).saturating_add(1)) {
        return Err(Errno(EFBIG));
    }
    vec_call(SYS_pwritev2, a, [pair(a[3], a[4]) as u64, 0, a[5]])
}

pub fn vmsplice(_p: &mut Process, a: &[u64; 6]) -> Res {
    vec_call(SYS_vmsplice, a, [a[3], 0, 0])
}

fn process_vm(nr: i64, a: &[u64; 6]) -> Res {
    let local = iovecs(a[1], a[2])?;
    let remote = iovecs(a[3], a[4])?;
    sys!(
        nr,
        a[0],
        local.as_ptr(),
        local.len(),
        remote.as_ptr(),
        remote.len(),
        a[5]
    )
}

pub fn process_vm_readv(_p: &mut Process, a: &[u64; 6]) -> Res {
    process_vm(SYS_process_vm_readv, a)
}

pub fn process_vm_writev(_p: &mut Process, a: &[u64; 6]) -> Res {
    process_vm(SYS_process_vm_writev, a)
}

/// process_madvise(pidfd, iovec, n, advice, flags).
pub fn process_madvise(_p: &mut Process, a: &[u64; 6]) -> Res {
    let v = iovecs(a[1], a[2])?;
    sys!(440, a[0], v.as_ptr(), v.len(), a[3], a[4])
}

/// sendfile(out, in, compat_off_t *offset, count).
pub fn sendfile(_p: &mut Process, a: &[u64; 6]) -> Res {
    let mut off: Option<i64> = guest::read_opt::<i32>(a[2])?.map(i64::from);
    let r = sys!(SYS_sendfile, a[0], a[1], opt_mptr(&mut off), a[3])?;
    if let Some(o) = off {
        guest::write(a[2], &(o as i32))?;
    }
    Ok(r)
}

// ---- stat ---------------------------------------------------------------------------

fn host_stat(dfd: u64, path: u64, flags: u64) -> Result<stat, Errno> {
    let mut st: stat = zeroed();
    sys!(SYS_newfstatat, dfd, path, mptr(&mut st), flags)?;
    Ok(st)
}

fn host_fstat(fd: u64) -> Result<stat, Errno> {
    let mut st: stat = zeroed();
    sys!(SYS_fstat, fd, mptr(&mut st))?;
    Ok(st)
}

/// high2lowuid: ids above 65535 show as the overflow id.
pub fn low16(id: u32) -> u16 {
    if id > 0xffff {
        65534
    } else {
        id as u16
    }
}

/// The kernel's new_encode_dev of a host dev_t.
fn encode_dev(dev: u64) -> u64 {
    let (major, minor) = (libc::major(dev) as u64, libc::minor(dev) as u64);
    (minor & 0xff) | (major << 8) | ((minor & !0xff) << 12)
}

/// cp_compat_stat: the i386 `struct stat`, with its overflow checks.
fn put_stat32(at: u64, st: &stat) -> Res {
    let old_valid = |d: u64| libc::major(d) < 256 && libc::minor(d) < 256;
    if !old_valid(st.st_dev) || !old_valid(st.st_rdev) {
        return Err(Errno::EOVERFLOW);
    }
    if st.st_ino > u32::MAX as u64 || st.st_nlink > 0xffff || st.st_size as u64 > 0x7fff_ffff {
        return Err(Errno::EOVERFLOW);
    }
    let s = Stat32 {
        dev: encode_dev(st.st_dev) as u16,
        ino: st.st_ino as u32,
        mode: st.st_mode as u16,
        nlink: st.st_nlink as u16,
        uid: low16(st.st_uid),
        gid: low16(st.st_gid),
        rdev: encode_dev(st.st_rdev) as u16,
        size: st.st_size as u32,
        blksize: st.st_blksize as u32,
        blocks: st.st_blocks as u32,
        atime: st.st_atime as u32,
        atime_nsec: st.st_atime_nsec as u32,
        mtime: st.st_mtime as u32,
        mtime_nsec: st.st_mtime_nsec as u32,
        ctime: st.st_ctime as u32,
        ctime_nsec: st.st_ctime_nsec as u32,
        ..Default::default()
    };
    guest::write(at, &s)?;
    Ok(0)
}

/// cp_stat64: the i386 `struct stat64`. The kernel leaves the padding
/// bytes as they were, so they are read back first.
fn put_stat64(at: u64, st: &stat) -> Res {
    let mut s: Stat64_32 = guest::read(at)?;
    s.dev = encode_dev(st.st_dev);
    s.ino32 = st.st_ino as u32;
    s.mode = st.st_mode;
    s.nlink = st.st_nlink as u32;
    s.uid = st.st_uid;
    s.gid = st.st_gid;
    s.rdev = encode_dev(st.st_rdev);
    s.size = st.st_size;
    s.blksize = st.st_blksize as u32;
    s.blocks = st.st_blocks as u64;
    s.atime = st.st_atime as u32;
    s.atime_nsec = st.st_atime_nsec as u32;
    s.mtime = st.st_mtime as u32;
    s.mtime_nsec = st.st_mtime_nsec as u32;
    s.ctime = st.st_ctime as u32;
    s.ctime_nsec = st.st_ctime_nsec as u32;
    s.ino = st.st_ino;
    guest::write(at, &s)?;
    Ok(0)
}

pub fn stat(_p: &mut Process, a: &[u64; 6]) -> Res {
    put_stat32(a[1], &host_stat(AT_FDCWD_U, a[0], 0)?)
}

pub fn lstat(_p: &mut Process, a: &[u64; 6]) -> Res {
    put_stat32(
        a[1],
        &host_stat(AT_FDCWD_U, a[0], AT_SYMLINK_NOFOLLOW as u64)?,
    )
}

pub fn fstat(_p: &mut Process, a: &[u64; 6]) -> Res {
    put_stat32(a[1], &host_fstat(a[0])?)
}

/// cp_old_stat: struct __old_kernel_stat (16-bit dev, ino, mode, nlink,
/// uid, gid, rdev; 32-bit size and times).
fn put_old_stat(at: u64, st: &stat) -> Res {
    if st.st_ino > 0xffff || st.st_nlink > 0xffff {
        return Err(Errno::EOVERFLOW);
    }
    let old_dev = |d: u64| ((libc::major(d) << 8) | (libc::minor(d) & 0xff)) as u16;
    let mut b = [0u8; 32];
    let halves = [
        old_dev(st.st_dev),
        st.st_ino as u16,
        st.st_mode as u16,
        st.st_nlink as u16,
        low16(st.st_uid),
        low16(st.st_gid),
        old_dev(st.st_rdev),
    ];
    for (k, h) in halves.iter().enumerate() {
        b[2 * k..2 * k + 2].copy_from_slice(&h.to_le_bytes());
    }
    for (k, w) in [st.st_size, st.st_atime, st.st_mtime, st.st_ctime]
        .iter()
        .enumerate()
    {
        b[16 + 4 * k..20 + 4 * k].copy_from_slice(&(*w as u32).to_le_bytes());
    }
    guest::write_from(at, &b)?;
    Ok(0)
}

/// oldstat(path, buf), oldlstat(path, buf), oldfstat(fd, buf).
pub fn oldstat(_p: &mut Process, a: &[u64; 6]) -> Res {
    put_old_stat(a[1], &host_stat(AT_FDCWD_U, a[0], 0)?)
}

pub fn oldlstat(_p: &mut Process, a: &[u64; 6]) -> Res {
    put_old_stat(
        a[1],
        &host_stat(AT_FDCWD_U, a[0], AT_SYMLINK_NOFOLLOW as u64)?,
    )
}

pub fn oldfstat(_p: &mut Process, a: &[u64; 6]) -> Res {
    put_old_stat(a[1], &host_fstat(a[0])?)
}

pub fn stat64(_p: &mut Process, a: &[u64; 6]) -> Res {
    put_stat64(a[1], &host_stat(AT_FDCWD_U, a[0], 0)?)
}

pub fn lstat64(_p: &mut Process, a: &[u64; 6]) -> Res {
    put_stat64(
        a[1],
        &host_stat(AT_FDCWD_U, a[0], AT_SYMLINK_NOFOLLOW as u64)?,
    )
}

pub fn fstat64(_p: &mut Process, a: &[u64; 6]) -> Res {
    put_stat64(a[1], &host_fstat(a[0])?)
}

pub fn fstatat64(_p: &mut Process, a: &[u64; 6]) -> Res {
    put_stat64(a[2], &host_stat(dirfd(a[0]), a[1], a[3])?)
}

// ---- statfs -------------------------------------------------------------------------

/// The 64-bit kernel's struct statfs (every word a `long`).
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct HostStatfs {
    type_: u64,
    bsize: u64,
    blocks: u64,
    bfree: u64,
    bavail: u64,
    files: u64,
    ffree: u64,
    fsid: [i32; 2],
    namelen: u64,
    frsize: u64,
    flags: u64,
    spare: [u64; 4],
}
const _: () = assert!(std::mem::size_of::<HostStatfs>() == 120);
super::guest::plain!(HostStatfs);

fn put_statfs32(at: u64, k: &HostStatfs) -> Res {
    let hi = 0xffff_ffff_0000_0000u64;
    if (k.blocks | k.bfree | k.bavail | k.bsize | k.frsize) & hi != 0 {
        return Err(Errno::EOVERFLOW);
    }
    if (k.files != u64::MAX && k.files & hi != 0) || (k.ffree != u64::MAX && k.ffree & hi != 0) {
        return Err(Errno::EOVERFLOW);
    }
    let s = Statfs32 {
        type_: k.type_ as u32,
        bsize: k.bsize as u32,
        blocks: k.blocks as u32,
        bfree: k.bfree as u32,
        bavail: k.bavail as u32,
        files: k.files as u32,
        ffree: k.ffree as u32,
        fsid: k.fsid,
        namelen: k.namelen as u32,
        frsize: k.frsize as u32,
        flags: k.flags as u32,
        spare: [0; 4],
    };
    guest::write(at, &s)?;
    Ok(0)
}

fn put_statfs64(at: u64, k: &HostStatfs) -> Res {
    let hi = 0xffff_ffff_0000_0000u64;
    if (k.type_ | k.bsize | k.namelen | k.frsize | k.flags) & hi != 0 {
        return Err(Errno::EOVERFLOW);
    }
    let s = Statfs64_32 {
        type_: k.type_ as u32,
        bsize: k.bsize as u32,
        blocks: k.blocks,
        bfree: k.bfree,
        bavail: k.bavail,
        files: k.files,
        ffree: k.ffree,
        fsid: k.fsid,
        namelen: k.namelen as u32,
        frsize: k.frsize as u32,
        flags: k.flags as u32,
        spare: [0; 4],
    };
    guest::write(at, &s)?;
    Ok(0)
}

fn host_statfs(nr: i64, what: u64) -> Result<HostStatfs, Errno> {
    let mut k = HostStatfs::default();
    sys!(nr, what, mptr(&mut k))?;
    Ok(k)
}

pub fn statfs(_p: &mut Process, a: &[u64; 6]) -> Res {
    put_statfs32(a[1], &host_statfs(SYS_statfs, a[0])?)
}

pub fn fstatfs(_p: &mut Process, a: &[u64; 6]) -> Res {
    put_statfs32(a[1], &host_statfs(SYS_fstatfs, a[0])?)
}

pub fn statfs64(_p: &mut Process, a: &[u64; 6]) -> Res {
    if a[1] != std::mem::size_of::<Statfs64_32>() as u64 {
        return Err(Errno::EINVAL);
    }
    put_statfs64(a[2], &host_statfs(SYS_statfs, a[0])?)
}

pub fn fstatfs64(_p: &mut Process, a: &[u64; 6]) -> Res {
    if a[1] != std::mem::size_of::<Statfs64_32>() as u64 {
        return Err(Errno::EINVAL);
    }
    put_statfs64(a[2], &host_statfs(SYS_fstatfs, a[0])?)
}

/// ustat(dev, struct ustat *): only where the host still has it.
pub fn ustat(_p: &mut Process, a: &[u64; 6]) -> Res {
    #[cfg(target_arch = "x86_64")]
    {
        #[repr(C)]
        #[derive(Clone, Copy, Default)]
        struct HostUstat {
            tfree: i32,
            tinode: u64,
            fname: [u8; 6],
            fpack: [u8; 6],
        }
        let mut h = HostUstat::default();
        sys!(SYS_ustat, a[0], mptr(&mut h))?;
        let g = Ustat32 {
            tfree: h.tfree,
            tinode: h.tinode as u32,
            fname: h.fname,
            fpack: h.fpack,
        };
        guest::write(a[1], &g)?;
        Ok(0)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = a;
        Err(Errno::ENOSYS)
    }
}

// ---- directories ------------------------------------------------------------------

/// ext4 (and overlayfs over it) give a 32-bit process 32-bit directory
/// hash cookies (the major hash) and a 64-bit one 64-bit cookies whose
/// high half is that major hash: `in_compat_syscall()` decides, and a
/// native call is never "compat". Directory offsets from these file
/// systems are shown as the high half, and seeks on those directories
/// shifted back. The descriptors whose offsets were shifted:
static SHIFTED: Mutex<Vec<u64>> = Mutex::new(Vec::new());

fn shifted() -> std::sync::MutexGuard<'static, Vec<u64>> {
    SHIFTED.lock().unwrap_or_else(|e| e.into_inner())
}

/// Whether `fd`'s directory offsets are 64-bit hash cookies to shift.
fn hashed_dir(fd: u64) -> bool {
    const EXT4_SUPER_MAGIC: u64 = 0xEF53;
    const OVERLAYFS_SUPER_MAGIC: u64 = 0x794c7630;
    host_statfs(SYS_fstatfs, fd)
        .is_ok_and(|k| k.type_ == EXT4_SUPER_MAGIC || k.type_ == OVERLAYFS_SUPER_MAGIC)
}

/// A directory cookie as a 32-bit process sees it.
fn cookie_out(fd: u64, off: i64, hashed: &mut Option<bool>) -> i64 {
    if (off as u64) >> 32 == 0 {
        return off;
    }
    if *hashed.get_or_insert_with(|| hashed_dir(fd)) {
        let mut s = shifted();
        if !s.contains(&fd) {
            s.push(fd);
        }
        return (off as u64 >> 32) as i64;
    }
    off
}

/// Whether seeks on `fd` take shifted cookies (still a directory).
fn seek_shifted(fd: u64) -> bool {
    if !shifted().contains(&fd) {
        return false;
    }
    let still = host_fstat(fd).is_ok_and(|st| st.st_mode & S_IFMT == S_IFDIR);
    if !still {
        shifted().retain(|&f| f != fd);
    }
    still
}

/// lseek on a descriptor: directory cookies as above.
fn do_lseek(fd: u64, off: i64, whence: u64) -> Res {
    if !seek_shifted(fd) {
        return sys!(SYS_lseek, fd, off, whence);
    }
    let host_off = if whence == SEEK_SET as u64 && off > 0 {
        ((off as u64) << 32) as i64
    } else {
        off
    };
    let r = sys!(SYS_lseek, fd, host_off, whence)?;
    Ok(if (r as u64) >> 32 != 0 {
        (r as u64 >> 32) as i64
    } else {
        r
    })
}

pub fn lseek(_p: &mut Process, a: &[u64; 6]) -> Res {
    do_lseek(a[0], sx(a[1]), a[2])
}

/// getdents64: the same records, with 32-bit directory cookies.
pub fn getdents64(_p: &mut Process, a: &[u64; 6]) -> Res {
    let n = sys!(SYS_getdents64, a[0], a[1], a[2])?;
    let mut hashed = None;
    let mut at = 0u64;
    while at + 19 <= n as u64 {
        let off: i64 = guest::read(a[1] + at + 8)?;
        let reclen: u16 = guest::read(a[1] + at + 16)?;
        let out = cookie_out(a[0], off, &mut hashed);
        if out != off {
            guest::write(a[1] + at + 8, &out)?;
        }
        if reclen == 0 {
            break;
        }
        at += reclen as u64;
    }
    Ok(n)
}

/// One linux_dirent64 record in a host buffer: (ino, off, type, name, reclen).
fn dirent64(buf: &[u8], at: usize) -> Option<(u64, i64, u8, &[u8], usize)> {
    let hdr = buf.get(at..at + 19)?;
    let ino = u64::from_le_bytes(hdr[0..8].try_into().ok()?);
    let off = i64::from_le_bytes(hdr[8..16].try_into().ok()?);
    let reclen = u16::from_le_bytes(hdr[16..18].try_into().ok()?) as usize;
    let typ = hdr[18];
    let rec = buf.get(at..at + reclen)?;
    let name = &rec[19..];
    let name = &name[..name.iter().position(|&b| b == 0).unwrap_or(name.len())];
    Some((ino, off, typ, name, reclen))
}

/// getdents(fd, compat_linux_dirent *, count): read with getdents64, emit
/// what fits in 32-bit records, and seek back to the first entry not
/// emitted.
pub fn getdents(_p: &mut Process, a: &[u64; 6]) -> Res {
    let (fd, out, count) = (a[0], a[1], a[2] as usize);
    let start = sys!(SYS_lseek, fd, 0, SEEK_CUR)?;
    let mut buf = vec![0u8; (count * 2).clamp(512, 1 << 20)];
    let n = sys!(SYS_getdents64, fd, buf.as_mut_ptr(), buf.len())? as usize;
    let mut at = 0;
    let mut written = 0usize;
    let mut last_off: Option<i64> = None;
    let mut err = None;
    let mut hashed = None;
    while at < n {
        let Some((ino, off, typ, name, reclen)) = dirent64(&buf[..n], at) else {
            break;
        };
        let rec = (10 + name.len() + 2).next_multiple_of(4);
        if written + rec > count {
            if written == 0 {
                err = Some(Errno::EINVAL);
            }
            break;
        }
        if ino > u32::MAX as u64 {
            err = Some(Errno::EOVERFLOW);
            break;
        }
        let mut r = vec![0u8; rec];
        r[0..4].copy_from_slice(&(ino as u32).to_le_bytes());
        r[4..8].copy_from_slice(&(cookie_out(fd, off, &mut hashed) as u32).to_le_bytes());
        r[8..10].copy_from_slice(&(rec as u16).to_le_bytes());
        r[10..10 + name.len()].copy_from_slice(name);
        r[rec - 1] = typ;
        guest::write_from(out + written as u64, &r)?;
        written += rec;
        last_off = Some(off);
        at += reclen;
    }
    if at < n {
        // Entries read but not returned: the next call starts with them.
        sys!(SYS_lseek, fd, last_off.unwrap_or(start), SEEK_SET)?;
    }
    if written == 0 {
        if let Some(e) = err {
            return Err(e);
        }
    }
    Ok(written as i64)
}

/// readdir(fd, old_linux_dirent *, count): one entry, 1 or 0 at the end.
pub fn readdir(_p: &mut Process, a: &[u64; 6]) -> Res {
    let fd = a[0];
    let start = sys!(SYS_lseek, fd, 0, SEEK_CUR)?;
    let mut buf = vec![0u8; 1024];
    let n = sys!(SYS_getdents64, fd, buf.as_mut_ptr(), buf.len())? as usize;
    let Some((ino, off, _typ, name, reclen)) = dirent64(&buf[..n], 0) else {
        return Ok(0);
    };
    if reclen < n {
        sys!(SYS_lseek, fd, off, SEEK_SET)?;
    }
    if ino > u32::MAX as u64 {
        sys!(SYS_lseek, fd, start, SEEK_SET)?;
        return Err(Errno::EOVERFLOW);
    }
    let offset = cookie_out(fd, off, &mut None) as u32;
    let hdr = OldDirent32 {
        ino: ino as u32,
        offset,
        namlen: name.len() as u16,
    };
    guest::write(a[1], &hdr)?;
    let mut nm = name.to_vec();
    nm.push(0);
    guest::write_from(a[1] + 10, &nm)?;
    Ok(1)
}

// ---- timestamps -----------------------------------------------------------------------

fn utimensat_host(dfd: u64, path: u64, ts: Option<[timespec; 2]>, flags: u64) -> Res {
    sys!(SYS_utimensat, dfd, path, opt_ptr(&ts), flags)
}

/// utime(path, compat_utimbuf *).
pub fn utime(_p: &mut Process, a: &[u64; 6]) -> Res {
    let ts = guest::read_opt::<Utimbuf32>(a[1])?.map(|u| {
        [
            timespec {
                tv_sec: u.actime as i64,
                tv_nsec: 0,
            },
            timespec {
                tv_sec: u.modtime as i64,
                tv_nsec: 0,
            },
        ]
    });
    utimensat_host(AT_FDCWD_U, a[0], ts, 0)
}

fn timevals(at: u64) -> Result<Option<[timespec; 2]>, Errno> {
    let Some(tv) = guest::read_opt::<[Timeval32; 2]>(at)? else {
        return Ok(None);
    };
    let mut ts = [timespec {
        tv_sec: 0,
        tv_nsec: 0,
    }; 2];
    for (t, v) in ts.iter_mut().zip(tv) {
        if v.tv_usec < 0 || v.tv_usec >= 1_000_000 {
            return Err(Errno::EINVAL);
        }
        *t = timespec {
            tv_sec: v.tv_sec as i64,
            tv_nsec: v.tv_usec as i64 * 1000,
        };
    }
    Ok(Some(ts))
}

pub fn utimes(_p: &mut Process, a: &[u64; 6]) -> Res {
    utimensat_host(AT_FDCWD_U, a[0], timevals(a[1])?, 0)
}

pub fn futimesat(_p: &mut Process, a: &[u64; 6]) -> Res {
    utimensat_host(dirfd(a[0]), a[1], timevals(a[2])?, 0)
}

pub fn utimensat(_p: &mut Process, a: &[u64; 6]) -> Res {
    let ts = guest::read_opt::<[Timespec32; 2]>(a[2])?.map(|t| t.map(|x| x.to_host()));
    utimensat_host(dirfd(a[0]), a[1], ts, a[3])
}

// ---- quotas ------------------------------------------------------------------------------

/// quotactl: Q_GETQUOTA/Q_SETQUOTA carry an if_dqblk without tail
/// padding on i386; the other commands' structs match.
pub fn quotactl(_p: &mut Process, a: &[u64; 6]) -> Res {
    const Q_GETQUOTA: u64 = 0x800007;
    const Q_SETQUOTA: u64 = 0x800008;
    let cmd = a[0] >> 8;
    match cmd {
        Q_GETQUOTA => {
            let mut h = [0u8; 72];
            let r = sys!(SYS_quotactl, a[0], a[1], a[2], h.as_mut_ptr())?;
            guest::write_from(a[3], &h[..68])?;
            Ok(r)
        }
        Q_SETQUOTA => {
            let mut h = [0u8; 72];
            guest::read_into(a[3], &mut h[..68])?;
            sys!(SYS_quotactl, a[0], a[1], a[2], h.as_ptr())
        }
        _ => sys!(SYS_quotactl, a[0], a[1], sx(a[2]), a[3]),
    }
}
