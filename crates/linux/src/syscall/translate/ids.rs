//! The i386 calls with 16-bit user and group ids (the originals, before
//! the `*32` variants): 0xffff means "unchanged" (-1) on the way in, and
//! ids above 65535 show as the overflow id (65534) on the way out.

use super::fs::low16;
use super::guest;
use super::{dirfd, sys, Errno, Res};
use crate::process::Process;
use libc::*;

/// low2highuid: the 16-bit "-1" stays -1.
fn high(id: u64) -> u64 {
    let id = id as u16;
    if id == 0xffff {
        u32::MAX as u64
    } else {
        id as u64
    }
}

const AT_FDCWD_U: u64 = AT_FDCWD as i64 as u64;

pub fn chown16(_p: &mut Process, a: &[u64; 6]) -> Res {
    sys!(SYS_fchownat, AT_FDCWD_U, a[0], high(a[1]), high(a[2]), 0)
}

pub fn lchown16(_p: &mut Process, a: &[u64; 6]) -> Res {
    sys!(
        SYS_fchownat,
        AT_FDCWD_U,
        a[0],
        high(a[1]),
        high(a[2]),
        AT_SYMLINK_NOFOLLOW
    )
}

pub fn fchown16(_p: &mut Process, a: &[u64; 6]) -> Res {
    sys!(SYS_fchown, a[0], high(a[1]), high(a[2]))
}

pub fn chown32(_p: &mut Process, a: &[u64; 6]) -> Res {
    sys!(SYS_fchownat, AT_FDCWD_U, a[0], a[1], a[2], 0)
}

pub fn lchown32(_p: &mut Process, a: &[u64; 6]) -> Res {
    sys!(
        SYS_fchownat,
        dirfd(AT_FDCWD_U),
        a[0],
        a[1],
        a[2],
        AT_SYMLINK_NOFOLLOW
    )
}

fn low(r: Res) -> Res {
    r.map(|v| low16(v as u32) as i64)
}

pub fn getuid16(_p: &mut Process, _a: &[u64; 6]) -> Res {
    low(sys!(SYS_getuid))
}

pub fn getgid16(_p: &mut Process, _a: &[u64; 6]) -> Res {
    low(sys!(SYS_getgid))
}

pub fn geteuid16(_p: &mut Process, _a: &[u64; 6]) -> Res {
    low(sys!(SYS_geteuid))
}

pub fn getegid16(_p: &mut Process, _a: &[u64; 6]) -> Res {
    low(sys!(SYS_getegid))
}

pub fn setuid16(_p: &mut Process, a: &[u64; 6]) -> Res {
    sys!(SYS_setuid, high(a[0]))
}

pub fn setgid16(_p: &mut Process, a: &[u64; 6]) -> Res {
    sys!(SYS_setgid, high(a[0]))
}

pub fn setreuid16(_p: &mut Process, a: &[u64; 6]) -> Res {
    sys!(SYS_setreuid, high(a[0]), high(a[1]))
}

pub fn setregid16(_p: &mut Process, a: &[u64; 6]) -> Res {
    sys!(SYS_setregid, high(a[0]), high(a[1]))
}

pub fn setresuid16(_p: &mut Process, a: &[u64; 6]) -> Res {
    sys!(SYS_setresuid, high(a[0]), high(a[1]), high(a[2]))
}

pub fn setresgid16(_p: &mut Process, a: &[u64; 6]) -> Res {
    sys!(SYS_setresgid, high(a[0]), high(a[1]), high(a[2]))
}

pub fn setfsuid16(_p: &mut Process, a: &[u64; 6]) -> Res {
    sys!(SYS_setfsuid, high(a[0]))
}

pub fn setfsgid16(_p: &mut Process, a: &[u64; 6]) -> Res {
    sys!(SYS_setfsgid, high(a[0]))
}

fn getres16(nr: i64, a: &[u64; 6]) -> Res {
    let mut ids = [0u32; 3];
    let r = sys!(
        nr,
        &mut ids[0] as *mut u32,
        &mut ids[1] as *mut u32,
        &mut ids[2] as *mut u32
    )?;
    for (k, id) in ids.iter().enumerate() {
        guest::write(a[k], &low16(*id))?;
    }
    Ok(r)
}

pub fn getresuid16(_p: &mut Process, a: &[u64; 6]) -> Res {
    getres16(SYS_getresuid, a)
}

pub fn getresgid16(_p: &mut Process, a: &[u64; 6]) -> Res {
    getres16(SYS_getresgid, a)
}

/// getgroups(size, old_gid_t *list).
pub fn getgroups16(_p: &mut Process, a: &[u64; 6]) -> Res {
    let size = a[0] as i32;
    if size < 0 {
        return Err(Errno::EINVAL);
    }
    let mut list = vec![0u32; size as usize];
    let n = sys!(SYS_getgroups, size, list.as_mut_ptr())?;
    if size > 0 {
        let out: Vec<u8> = list[..n as usize]
            .iter()
            .flat_map(|&g| low16(g).to_le_bytes())
            .collect();
        guest::write_from(a[1], &out)?;
    }
    Ok(n)
}

/// setgroups(size, const old_gid_t *list).
pub fn setgroups16(_p: &mut Process, a: &[u64; 6]) -> Res {
    let size = a[0] as i32;
    if !(0..=65536).contains(&size) {
        return Err(Errno::EINVAL);
    }
    let raw: Vec<u16> = guest::read_vec(a[1], size as usize)?;
    let list: Vec<u32> = raw.iter().map(|&g| high(g as u64) as u32).collect();
    sys!(SYS_setgroups, size, list.as_ptr())
}
