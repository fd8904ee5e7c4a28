//! The remaining translated calls: old uname layouts, prctl's pointer
//! result, futex timeouts, CPU and NUMA bitmaps of 32-bit words, and
//! keyctl's iovec and KDF arguments.

use super::abi32::*;
use super::fs::iovecs;
use super::guest::{self, mptr, zeroed};
use super::{sys, Errno, Res};
use crate::process::Process;
use libc::*;

/// olduname(struct old_utsname *): five 65-byte fields.
pub fn olduname(_p: &mut Process, a: &[u64; 6]) -> Res {
    let mut u: utsname = zeroed();
    sys!(SYS_uname, mptr(&mut u))?;
    guest::write_from(a[0], &guest::bytes_of(&u)[..65 * 5])?;
    Ok(0)
}

/// oldolduname(struct oldold_utsname *): five 9-byte fields.
pub fn oldolduname(_p: &mut Process, a: &[u64; 6]) -> Res {
    let mut u: utsname = zeroed();
    sys!(SYS_uname, mptr(&mut u))?;
    let b = guest::bytes_of(&u);
    let mut out = [0u8; 45];
    for k in 0..5 {
        out[9 * k..9 * k + 8].copy_from_slice(&b[65 * k..65 * k + 8]);
    }
    guest::write_from(a[0], &out)?;
    Ok(0)
}

/// prctl: PR_GET_TID_ADDRESS stores a pointer; the rest are values,
/// strings or fixed-size structs.
pub fn prctl(_p: &mut Process, a: &[u64; 6]) -> Res {
    const PR_GET_TID_ADDRESS: u64 = 40;
    if a[0] == PR_GET_TID_ADDRESS {
        let mut v: u64 = 0;
        let r = sys!(SYS_prctl, a[0], mptr(&mut v))?;
        guest::put_u32(a[1], v as u32)?;
        return Ok(r);
    }
    sys!(SYS_prctl, a[0], a[1], a[2], a[3], a[4])
}

/// futex: the fourth argument is a timespec for the waiting operations,
/// an integer (val2) for the others.
pub fn futex(_p: &mut Process, a: &[u64; 6]) -> Res {
    let cmd = a[1] & 0x7f;
    let timed = matches!(cmd, 0 | 6 | 9 | 11 | 13);
    if timed && a[3] != 0 {
        let ts = guest::read::<Timespec32>(a[3])?.to_host();
        return sys!(
            SYS_futex,
            a[0],
            a[1],
            a[2],
            &ts as *const timespec,
            a[4],
            a[5]
        );
    }
    sys!(SYS_futex, a[0], a[1], a[2], a[3], a[4], a[5])
}

pub fn sched_setaffinity(_p: &mut Process, a: &[u64; 6]) -> Res {
    let len = (a[1] as usize).min(8192);
    let mut buf = vec![0u8; len.next_multiple_of(8)];
    guest::read_into(a[2], &mut buf[..len])?;
    sys!(SYS_sched_setaffinity, a[0], buf.len(), buf.as_ptr())
}

/// sched_getaffinity: the length must be a multiple of 4 (not 8).
pub fn sched_getaffinity(_p: &mut Process, a: &[u64; 6]) -> Res {
    let len = a[1] as usize;
    if !len.is_multiple_of(4) {
        return Err(Errno::EINVAL);
    }
    let mut buf = vec![0u8; len.min(8192).next_multiple_of(8)];
    let n = sys!(SYS_sched_getaffinity, a[0], buf.len(), buf.as_mut_ptr())? as usize;
    let n = n.min(len);
    guest::write_from(a[2], &buf[..n])?;
    Ok(n as i64)
}

/// A node bitmap of `maxnode` bits in 32-bit words, as host longs.
fn nodes_in(at: u64, maxnode: u64) -> Result<Option<Vec<u64>>, Errno> {
    if at == 0 || maxnode == 0 {
        return Ok(None);
    }
    let bits = (maxnode - 1).min(1 << 20) as usize;
    let words: Vec<u32> = guest::read_vec(at, bits.div_ceil(32))?;
    let mut v = vec![0u64; bits.div_ceil(64).max(1)];
    for (k, w) in words.iter().enumerate() {
        v[k / 2] |= (*w as u64) << (32 * (k % 2));
    }
    Ok(Some(v))
}

fn host_ptr(v: &mut Option<Vec<u64>>) -> u64 {
    v.as_mut().map_or(0, |x| x.as_mut_ptr() as u64)
}

pub fn mbind(_p: &mut Process, a: &[u64; 6]) -> Res {
    let mut n = nodes_in(a[3], a[4])?;
    sys!(SYS_mbind, a[0], a[1], a[2], host_ptr(&mut n), a[4], a[5])
}

pub fn set_mempolicy(_p: &mut Process, a: &[u64; 6]) -> Res {
    let mut n = nodes_in(a[1], a[2])?;
    sys!(SYS_set_mempolicy, a[0], host_ptr(&mut n), a[2])
}

pub fn migrate_pages(_p: &mut Process, a: &[u64; 6]) -> Res {
    let mut old = nodes_in(a[2], a[1])?;
    let mut new = nodes_in(a[3], a[1])?;
    sys!(
        SYS_migrate_pages,
        a[0],
        a[1],
        host_ptr(&mut old),
        host_ptr(&mut new)
    )
}

/// get_mempolicy(int *mode, nodemask *, maxnode, addr, flags).
pub fn get_mempolicy(_p: &mut Process, a: &[u64; 6]) -> Res {
    let bits = a[2].min(1 << 20) as usize;
    let mut v = vec![0u64; bits.div_ceil(64).max(1)];
    let nm = if a[1] != 0 { v.as_mut_ptr() as u64 } else { 0 };
    let r = sys!(SYS_get_mempolicy, a[0], nm, a[2], a[3], a[4])?;
    if a[1] != 0 {
        let out: Vec<u8> = (0..bits.div_ceil(32))
            .flat_map(|k| ((v[k / 2] >> (32 * (k % 2))) as u32).to_le_bytes())
            .collect();
        guest::write_from(a[1], &out)?;
    }
    Ok(r)
}

/// move_pages(pid, count, void **pages, int *nodes, int *status, flags).
pub fn move_pages(_p: &mut Process, a: &[u64; 6]) -> Res {
    let n = a[1].min(1 << 20) as usize;
    let pages: Vec<u64> = guest::read_vec::<u32>(a[2], n)?
        .into_iter()
        .map(u64::from)
        .collect();
    sys!(SYS_move_pages, a[0], a[1], pages.as_ptr(), a[3], a[4], a[5])
}

/// keyctl: KEYCTL_INSTANTIATE_IOV takes an iovec array and
/// KEYCTL_DH_COMPUTE a struct with pointers; the rest match.
pub fn keyctl(_p: &mut Process, a: &[u64; 6]) -> Res {
    const KEYCTL_INSTANTIATE_IOV: u64 = 20;
    const KEYCTL_DH_COMPUTE: u64 = 23;
    match a[0] {
        KEYCTL_INSTANTIATE_IOV => {
            let v = if a[2] == 0 {
                Vec::new()
            } else {
                iovecs(a[2], a[3])?
            };
            let vp = if a[2] == 0 { 0 } else { v.as_ptr() as u64 };
            sys!(SYS_keyctl, a[0], a[1], vp, a[3], a[4])
        }
        KEYCTL_DH_COMPUTE if a[4] != 0 => {
            // compat_keyctl_kdf_params: hashname, otherinfo (32-bit), otherinfolen, spare[8].
            let g: [u32; 11] = guest::read(a[4])?;
            let mut h = [0u64; 7];
            h[0] = g[0] as u64;
            h[1] = g[1] as u64;
            let tail: Vec<u8> = g[2..].iter().flat_map(|w| w.to_le_bytes()).collect();
            let hb = guest::bytes_of_mut(&mut h);
            hb[16..16 + 36].copy_from_slice(&tail);
            sys!(SYS_keyctl, a[0], a[1], a[2], a[3], h.as_ptr())
        }
        _ => sys!(SYS_keyctl, a[0], a[1], a[2], a[3], a[4]),
    }
}
