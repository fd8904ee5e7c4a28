//! Waiting for descriptors: select's fd_sets of 32-bit words and its
//! timeval (the old select's argument block too), pselect6's sigmask
//! pair, poll and ppoll (through ppoll, which every host has), and epoll
//! with its packed 12-byte i386 event.

use super::abi32::*;
use super::guest::{self, opt_mptr, opt_ptr};
use super::{sx, sys, Errno, Res};
use crate::process::Process;
use libc::*;

/// The three fd_sets of a select call, widened to host `long` words.
struct FdSets {
    n: usize,
    sets: [Option<Vec<u64>>; 3],
}

impl FdSets {
    fn read(n: u64, ptrs: [u64; 3]) -> Result<FdSets, Errno> {
        let n = sx(n);
        if n < 0 {
            return Err(Errno::EINVAL);
        }
        let n = (n as usize).min(1 << 20);
        let words32 = n.div_ceil(32);
        let mut sets: [Option<Vec<u64>>; 3] = [None, None, None];
        for (s, &at) in sets.iter_mut().zip(&ptrs) {
            if at != 0 {
                let raw: Vec<u32> = guest::read_vec(at, words32)?;
                let mut w = vec![0u64; n.div_ceil(64)];
                for (k, v) in raw.iter().enumerate() {
                    w[k / 2] |= (*v as u64) << (32 * (k % 2));
                }
                *s = Some(w);
            }
        }
        Ok(FdSets { n, sets })
    }

    fn ptr(&mut self, k: usize) -> u64 {
        self.sets[k].as_mut().map_or(0, |v| v.as_mut_ptr() as u64)
    }

    fn write(&self, ptrs: [u64; 3]) -> Result<(), Errno> {
        let words32 = self.n.div_ceil(32);
        for (s, &at) in self.sets.iter().zip(&ptrs) {
            if let Some(w) = s {
                let raw: Vec<u8> = (0..words32)
                    .flat_map(|k| ((w[k / 2] >> (32 * (k % 2))) as u32).to_le_bytes())
                    .collect();
                guest::write_from(at, &raw)?;
            }
        }
        Ok(())
    }
}

/// select(n, in, out, ex, compat_timeval *) through pselect6; the
/// remaining time is written back, as select does.
fn do_select(n: u64, ptrs: [u64; 3], tvp: u64) -> Res {
    let mut sets = FdSets::read(n, ptrs)?;
    let mut ts: Option<timespec> = match guest::read_opt::<Timeval32>(tvp)? {
        None => None,
        Some(tv) => {
            if tv.tv_sec < 0 || tv.tv_usec < 0 {
                return Err(Errno::EINVAL);
            }
            let sec = tv.tv_sec as i64 + tv.tv_usec as i64 / 1_000_000;
            Some(timespec {
                tv_sec: sec,
                tv_nsec: (tv.tv_usec as i64 % 1_000_000) * 1000,
            })
        }
    };
    let zero = ts.is_some_and(|t| t.tv_sec == 0 && t.tv_nsec == 0);
    let (a, b, c) = (sets.ptr(0), sets.ptr(1), sets.ptr(2));
    let r = sys!(SYS_pselect6, sets.n, a, b, c, opt_mptr(&mut ts), 0);
    if let (Some(t), false) = (ts, zero) {
        if !matches!(r, Err(Errno::EFAULT | Errno::EINVAL)) {
            let tv = Timeval32 {
                tv_sec: t.tv_sec as i32,
                tv_usec: (t.tv_nsec / 1000) as i32,
            };
            guest::write(tvp, &tv)?;
        }
    }
    let r = r?;
    sets.write(ptrs)?;
    Ok(r)
}

pub fn select(_p: &mut Process, a: &[u64; 6]) -> Res {
    do_select(a[0], [a[1], a[2], a[3]], a[4])
}

/// The old select: one pointer to {n, in, out, ex, tvp}.
pub fn old_select(_p: &mut Process, a: &[u64; 6]) -> Res {
    let s: SelArg32 = guest::read(a[0])?;
    do_select(
        s.n as u64,
        [s.inp as u64, s.outp as u64, s.exp as u64],
        s.tvp as u64,
    )
}

/// pselect6's sixth argument: {sigset pointer, size} of 32-bit words.
fn sigarg(at: u64) -> Result<Option<[u64; 2]>, Errno> {
    Ok(guest::read_opt::<SigsetArg32>(at)?.map(|s| [s.ss as u64, s.size as u64]))
}

fn do_pselect(a: &[u64; 6], time64: bool) -> Res {
    let ptrs = [a[1], a[2], a[3]];
    let mut sets = FdSets::read(a[0], ptrs)?;
    let sig = sigarg(a[5])?;
    let mut ts: Option<timespec> = if time64 {
        guest::read_opt::<timespec>(a[4])?
    } else {
        guest::read_opt::<Timespec32>(a[4])?.map(Timespec32::to_host)
    };
    let (x, y, z) = (sets.ptr(0), sets.ptr(1), sets.ptr(2));
    let r = sys!(
        SYS_pselect6,
        sets.n,
        x,
        y,
        z,
        opt_mptr(&mut ts),
        opt_ptr(&sig)
    );
    if let Some(t) = ts {
        if !matches!(r, Err(Errno::EFAULT | Errno::EINVAL)) {
            if time64 {
                guest::write(a[4], &t)?;
            } else {
                guest::write(a[4], &Timespec32::from_host(&t))?;
            }
        }
    }
    let r = r?;
    sets.write(ptrs)?;
    Ok(r)
}

pub fn pselect6(_p: &mut Process, a: &[u64; 6]) -> Res {
    do_pselect(a, false)
}

pub fn pselect6_time64(_p: &mut Process, a: &[u64; 6]) -> Res {
    do_pselect(a, true)
}

/// poll(fds, n, timeout in ms) as ppoll; struct pollfd is the same.
pub fn poll(_p: &mut Process, a: &[u64; 6]) -> Res {
    let ms = sx(a[2]);
    let mut ts: Option<timespec> = (ms >= 0).then(|| timespec {
        tv_sec: ms / 1000,
        tv_nsec: (ms % 1000) * 1_000_000,
    });
    sys!(SYS_ppoll, a[0], a[1], opt_mptr(&mut ts), 0, 8)
}

pub fn ppoll(_p: &mut Process, a: &[u64; 6]) -> Res {
    let mut ts = guest::read_opt::<Timespec32>(a[2])?.map(Timespec32::to_host);
    let r = sys!(SYS_ppoll, a[0], a[1], opt_mptr(&mut ts), a[3], a[4]);
    if let Some(t) = ts {
        if !matches!(r, Err(Errno::EFAULT | Errno::EINVAL)) {
            guest::write(a[2], &Timespec32::from_host(&t))?;
        }
    }
    r
}

pub fn epoll_create(_p: &mut Process, a: &[u64; 6]) -> Res {
    if sx(a[0]) <= 0 {
        return Err(Errno::EINVAL);
    }
    sys!(SYS_epoll_create1, 0)
}

pub fn epoll_ctl(_p: &mut Process, a: &[u64; 6]) -> Res {
    let ev = guest::read_opt::<EpollEvent32>(a[3])?.map(|e| epoll_event {
        events: e.events,
        u64: e.data,
    });
    sys!(SYS_epoll_ctl, a[0], a[1], a[2], opt_ptr(&ev))
}

/// Waits with a host event buffer and writes the events back packed.
fn wait(a: &[u64; 6], timeout: impl FnOnce(u64, u64) -> Res) -> Res {
    let max = sx(a[2]);
    if max <= 0 || max > (i32::MAX / 12) as i64 {
        return Err(Errno::EINVAL);
    }
    let mut evs = vec![epoll_event { events: 0, u64: 0 }; max.min(1 << 16) as usize];
    let n = timeout(evs.as_mut_ptr() as u64, evs.len() as u64)?;
    let out: Vec<EpollEvent32> = evs[..n as usize]
        .iter()
        .map(|e| EpollEvent32 {
            events: e.events,
            data: e.u64,
        })
        .collect();
    for (k, e) in out.iter().enumerate() {
        guest::write(a[1] + 12 * k as u64, e)?;
    }
    Ok(n)
}

pub fn epoll_wait(_p: &mut Process, a: &[u64; 6]) -> Res {
    wait(a, |buf, n| {
        sys!(SYS_epoll_pwait, a[0], buf, n, sx(a[3]), 0, 8)
    })
}

pub fn epoll_pwait(_p: &mut Process, a: &[u64; 6]) -> Res {
    wait(a, |buf, n| {
        sys!(SYS_epoll_pwait, a[0], buf, n, sx(a[3]), a[4], a[5])
    })
}

/// epoll_pwait2: the timeout is a 64-bit __kernel_timespec.
pub fn epoll_pwait2(_p: &mut Process, a: &[u64; 6]) -> Res {
    let ts = guest::read_opt::<timespec>(a[3])?;
    wait(a, |buf, n| {
        sys!(441, a[0], buf, n, opt_ptr(&ts), a[4], a[5])
    })
}

pub fn eventfd(_p: &mut Process, a: &[u64; 6]) -> Res {
    sys!(SYS_eventfd2, a[0], 0)
}

pub fn signalfd(_p: &mut Process, a: &[u64; 6]) -> Res {
    sys!(SYS_signalfd4, a[0], a[1], a[2], 0)
}
