//! Linux aio with 32-bit pointers: io_submit's array of iocb pointers,
//! the vectored opcodes (whose iovec arrays are converted; the kernel
//! reports a completion with the submitted iocb's address, so a vectored
//! request is submitted from a host copy and its events are given the
//! guest's iocb address back), io_getevents' 32-bit timeout and
//! io_pgetevents' sigmask pair. The ring itself is place.rs's.

use super::abi32::*;
use super::fs::iovecs;
use super::guest::{self, opt_ptr};
use super::{sx, sys, Errno, Res};
use crate::process::Process;
use libc::*;
use std::sync::Mutex;

const IOCB_CMD_PREADV: u16 = 7;
const IOCB_CMD_PWRITEV: u16 = 8;
const IOCB_SIZE: usize = 64;
const IO_EVENT_SIZE: u64 = 32;

/// Host copies of vectored iocbs in flight, with their guest addresses.
type Inflight = Vec<(Box<[u8; IOCB_SIZE]>, u64)>;
static INFLIGHT: Mutex<Inflight> = Mutex::new(Vec::new());

fn inflight() -> std::sync::MutexGuard<'static, Inflight> {
    INFLIGHT.lock().unwrap_or_else(|e| e.into_inner())
}

/// io_submit(ctx, long nr, struct iocb **).
pub fn io_submit(_p: &mut Process, a: &[u64; 6]) -> Res {
    let nr = sx(a[1]);
    if nr < 0 {
        return Err(Errno::EINVAL);
    }
    let mut ptrs = Vec::new();
    for k in 0..(nr as u64).min(1 << 16) {
        match guest::u32_at(a[2] + 4 * k) {
            Ok(p) => ptrs.push(p as u64),
            Err(e) if k == 0 => return Err(e),
            Err(_) => break,
        }
    }
    // Vectored requests go from host copies pointing at host iovecs (the
    // kernel reads the iovecs during the submission).
    let mut iovs = Vec::new();
    let mut copies = Vec::new();
    for (k, p) in ptrs.iter_mut().enumerate() {
        let Ok(cb) = guest::read::<[u8; IOCB_SIZE]>(*p) else {
            continue;
        };
        let op = u16::from_le_bytes([cb[16], cb[17]]);
        if op != IOCB_CMD_PREADV && op != IOCB_CMD_PWRITEV {
            continue;
        }
        let buf = u64::from_le_bytes(cb[24..32].try_into().unwrap_or_default());
        let n = u64::from_le_bytes(cb[32..40].try_into().unwrap_or_default());
        let v = match iovecs(buf, n) {
            Ok(v) => v,
            Err(e) if k == 0 => return Err(e),
            Err(_) => {
                ptrs.truncate(k);
                break;
            }
        };
        let mut copy = Box::new(cb);
        copy[24..32].copy_from_slice(&(v.as_ptr() as u64).to_le_bytes());
        copy[32..40].copy_from_slice(&(v.len() as u64).to_le_bytes());
        let guest_addr = *p;
        *p = copy.as_ptr() as u64;
        iovs.push(v);
        copies.push((k, copy, guest_addr));
    }
    let r = sys!(SYS_io_submit, a[0], ptrs.len(), ptrs.as_ptr());
    let submitted = *r.as_ref().unwrap_or(&0) as usize;
    let mut fl = inflight();
    for (k, copy, guest_addr) in copies {
        if k < submitted {
            fl.push((copy, guest_addr));
        }
    }
    drop(iovs);
    r
}

/// Gives completed vectored requests' events their guest iocb address.
fn fix_events(events: u64, n: i64) -> Result<(), Errno> {
    let mut fl = inflight();
    if fl.is_empty() {
        return Ok(());
    }
    for k in 0..n.max(0) as u64 {
        let obj_at = events + k * IO_EVENT_SIZE + 8;
        let obj: u64 = guest::read(obj_at)?;
        if let Some(i) = fl.iter().position(|(c, _)| c.as_ptr() as u64 == obj) {
            let (_, guest_addr) = fl.swap_remove(i);
            guest::write(obj_at, &guest_addr)?;
        }
    }
    Ok(())
}

/// io_getevents(ctx, long min_nr, long nr, io_event *, compat_timespec *).
pub fn io_getevents(_p: &mut Process, a: &[u64; 6]) -> Res {
    let ts = guest::read_opt::<Timespec32>(a[4])?.map(Timespec32::to_host);
    let r = sys!(
        SYS_io_getevents,
        a[0],
        sx(a[1]),
        sx(a[2]),
        a[3],
        opt_ptr(&ts)
    )?;
    fix_events(a[3], r)?;
    Ok(r)
}

/// io_pgetevents (the libc crate lacks its number).
#[cfg(target_arch = "x86_64")]
const SYS_IO_PGETEVENTS: i64 = 333;
#[cfg(not(target_arch = "x86_64"))]
const SYS_IO_PGETEVENTS: i64 = 292;

fn pgetevents(a: &[u64; 6], ts: Option<timespec>) -> Res {
    let sig = guest::read_opt::<SigsetArg32>(a[5])?.map(|s| [s.ss as u64, s.size as u64]);
    let r = sys!(
        SYS_IO_PGETEVENTS,
        a[0],
        sx(a[1]),
        sx(a[2]),
        a[3],
        opt_ptr(&ts),
        opt_ptr(&sig)
    )?;
    fix_events(a[3], r)?;
    Ok(r)
}

pub fn io_pgetevents(_p: &mut Process, a: &[u64; 6]) -> Res {
    let ts = guest::read_opt::<Timespec32>(a[4])?.map(Timespec32::to_host);
    pgetevents(a, ts)
}

pub fn io_pgetevents_time64(_p: &mut Process, a: &[u64; 6]) -> Res {
    let ts = guest::read_opt::<timespec>(a[4])?;
    pgetevents(a, ts)
}

/// io_cancel(ctx, iocb *, io_event *): a vectored request is known to the
/// kernel by its host copy.
pub fn io_cancel(_p: &mut Process, a: &[u64; 6]) -> Res {
    let host = inflight()
        .iter()
        .find(|(_, g)| *g == a[1])
        .map(|(c, _)| c.as_ptr() as u64);
    sys!(SYS_io_cancel, a[0], host.unwrap_or(a[1]), a[2])
}
