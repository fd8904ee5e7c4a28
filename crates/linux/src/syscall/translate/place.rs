//! Kernel-made mappings an i386 guest must see below 4 GiB, for both back
//! ends: SysV shared memory (shmat places the segment in a range the
//! address-space manager hands out, over its reservation with SHM_REMAP)
//! and aio rings (io_setup's ring is moved down with mremap, which the
//! kernel supports and which renumbers the context). Detaching and
//! io_destroy give the range back.

use super::guest;
use super::{sys, Errno, Res};
use crate::process::{Backend, Process};
use crate::syscall::Abi;
use libc::*;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// Guest ranges holding shm segments and aio rings: start -> length.
static PLACED: Mutex<BTreeMap<u64, u64>> = Mutex::new(BTreeMap::new());

fn placed() -> std::sync::MutexGuard<'static, BTreeMap<u64, u64>> {
    PLACED.lock().unwrap_or_else(|e| e.into_inner())
}

const SHMLBA: u64 = 4096;

/// Attaches shm segment `id` at `addr` (0: anywhere) below 4 GiB.
pub fn shmat(p: &mut Process, id: u64, addr: u64, flags: u64) -> Result<u64, Errno> {
    let mut ds: shmid_ds = guest::zeroed();
    sys!(SYS_shmctl, id, IPC_STAT, guest::mptr(&mut ds))?;
    let len = crate::mm::page_up(ds.shm_segsz as u64);
    let mut at = addr;
    if at != 0 && at & (SHMLBA - 1) != 0 {
        if flags & SHM_RND as u64 != 0 {
            at &= !(SHMLBA - 1);
        } else {
            return Err(Errno::EINVAL);
        }
    }
    if at == 0 && flags & SHM_REMAP as u64 != 0 {
        return Err(Errno::EINVAL);
    }
    let start = p
        .mm()
        .claim(at, len, flags & SHM_REMAP as u64 != 0)
        .map_err(|e| Errno(-e as i32))?;
    match sys!(SYS_shmat, id, start, flags | SHM_REMAP as u64) {
        Ok(r) if r as u64 == start => {
            placed().insert(start, len);
            p.code_changed(start, len);
            Ok(start)
        }
        Ok(r) => {
            // Cannot happen with SHM_REMAP at a fixed address; undo.
            let _ = sys!(SYS_shmdt, r);
            p.mm().munmap(start, len);
            Err(Errno::ENOMEM)
        }
        Err(e) => {
            p.mm().munmap(start, len);
            Err(e)
        }
    }
}

/// Detaches the segment at `addr` and gives its range back.
pub fn shmdt(p: &mut Process, addr: u64) -> Res {
    let r = sys!(SYS_shmdt, addr)?;
    if let Some(len) = placed().remove(&addr) {
        p.mm().munmap(addr, len);
        p.code_changed(addr, len);
    }
    Ok(r)
}

pub fn shmat_translate(p: &mut Process, a: &[u64; 6]) -> Res {
    shmat(p, a[0], a[1], a[2]).map(|v| v as i64)
}

pub fn shmdt_translate(p: &mut Process, a: &[u64; 6]) -> Res {
    shmdt(p, a[0])
}

/// The length of the host mapping that starts at `addr` (/proc/self/maps).
fn mapping_len(addr: u64) -> Option<u64> {
    let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
    maps.lines().find_map(|l| {
        let range = l.split(' ').next()?;
        let (s, e) = range.split_once('-')?;
        let (s, e) = (
            u64::from_str_radix(s, 16).ok()?,
            u64::from_str_radix(e, 16).ok()?,
        );
        (s == addr).then_some(e - s)
    })
}

/// io_setup(nr, aio_context_t *ctx) with a 32-bit context: the ring is
/// created by the host kernel, then moved below 4 GiB.
pub fn io_setup_translate(p: &mut Process, a: &[u64; 6]) -> Res {
    if guest::u32_at(a[1])? != 0 {
        return Err(Errno::EINVAL);
    }
    let mut ctx: u64 = 0;
    sys!(SYS_io_setup, a[0], guest::mptr(&mut ctx))?;
    let Some(len) = mapping_len(ctx) else {
        let _ = sys!(SYS_io_destroy, ctx);
        return Err(Errno::ENOMEM);
    };
    let target = match p.mm().claim(0, len, false) {
        Ok(t) => t,
        Err(e) => {
            let _ = sys!(SYS_io_destroy, ctx);
            return Err(Errno(-e as i32));
        }
    };
    match sys!(
        SYS_mremap,
        ctx,
        len,
        len,
        MREMAP_MAYMOVE | MREMAP_FIXED,
        target
    ) {
        Ok(_) => {}
        Err(e) => {
            let _ = sys!(SYS_io_destroy, ctx);
            p.mm().munmap(target, len);
            return Err(e);
        }
    }
    placed().insert(target, len);
    if let Err(e) = guest::put_u32(a[1], target as u32) {
        io_release(p, target);
        return Err(e);
    }
    Ok(0)
}

fn io_release(p: &mut Process, ctx: u64) {
    let _ = sys!(SYS_io_destroy, ctx);
    if let Some(len) = placed().remove(&ctx) {
        p.mm().munmap(ctx, len);
    }
}

/// io_destroy: the kernel unmaps the ring; its range goes back to the
/// guest's reservation.
pub fn io_destroy(p: &mut Process, a: &[u64; 6]) -> Res {
    let r = sys!(SYS_io_destroy, a[0])?;
    if let Some(len) = placed().remove(&a[0]) {
        p.mm().munmap(a[0], len);
    }
    Ok(r)
}

fn raw(r: Res) -> i64 {
    match r {
        Ok(v) => v,
        Err(e) => -(e.0 as i64),
    }
}

/// Emulated rows of the i386 table (both back ends): shmat.
pub fn shmat_emulate(p: &mut Process, a: &[u64; 6]) -> i64 {
    raw(shmat_translate(p, a))
}

/// shmdt, both back ends.
pub fn shmdt_emulate(p: &mut Process, a: &[u64; 6]) -> i64 {
    raw(shmdt(p, a[0]))
}

/// The ipc multiplexer, both back ends: attach and detach are placed
/// here; the compat back end passes the other calls to the kernel.
pub fn ipc_emulate(p: &mut Process, a: &[u64; 6]) -> i64 {
    if p.backend == Backend::Translate {
        return super::syscall(p, 117, a);
    }
    match a[0] & 0xffff {
        21 => {
            if a[0] >> 16 == 1 {
                return -(EINVAL as i64);
            }
            raw(shmat(p, a[1], a[4], a[2])
                .and_then(|addr| guest::put_u32(a[3], addr as u32).map(|_| 0)))
        }
        22 => raw(shmdt(p, a[4])),
        _ => p.pass(Abi::I386, 117, a),
    }
}

/// io_setup, both back ends.
pub fn io_setup_emulate(p: &mut Process, a: &[u64; 6]) -> i64 {
    raw(io_setup_translate(p, a))
}

/// io_destroy, both back ends.
pub fn io_destroy_emulate(p: &mut Process, a: &[u64; 6]) -> i64 {
    raw(io_destroy(p, a))
}
