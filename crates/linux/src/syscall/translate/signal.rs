//! Signal structures of the calls that go to the kernel (signal
//! delivery and dispositions are x86run's own, in signals.rs): siginfo
//! and sigevent conversions, the old 32-bit-mask calls, sigtimedwait and
//! sigqueueinfo.

use super::abi32::*;
use super::guest::{self, mptr, opt_ptr, zeroed};
use super::{sys, Errno, Res};
use crate::process::Process;
use libc::*;

/// compat_sigevent to the host's: sival_int, signo, notify and thread id
/// (get_compat_sigevent copies exactly these).
pub fn sigevent_in(at: u64) -> Result<Option<HostSigevent>, Errno> {
    Ok(guest::read_opt::<Sigevent32>(at)?.map(|g| {
        let mut h = HostSigevent {
            value: g.value as u64,
            signo: g.signo,
            notify: g.notify,
            un: [0; 12],
        };
        h.un[0] = g.un[0];
        h
    }))
}

/// Which union member a siginfo uses (the kernel's siginfo_layout).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Layout {
    Kill,
    Timer,
    Rt,
    Chld,
    Fault,
    FaultBnd,
    FaultPkey,
    Poll,
    Sys,
}

fn layout(sig: i32, code: i32) -> Layout {
    const SI_KERNEL: i32 = 0x80;
    if code > 0 && code < SI_KERNEL {
        let limit = match sig {
            SIGILL => Some((11, Layout::Fault)),
            SIGFPE => Some((15, Layout::Fault)),
            SIGSEGV => Some((10, Layout::Fault)),
            SIGBUS => Some((5, Layout::Fault)),
            SIGTRAP => Some((6, Layout::Fault)),
            SIGCHLD => Some((6, Layout::Chld)),
            SIGPOLL => Some((6, Layout::Poll)),
            SIGSYS => Some((2, Layout::Sys)),
            _ => None,
        };
        match limit {
            Some((l, lay)) if code <= l => {
                if sig == SIGSEGV && code == 3 {
                    Layout::FaultBnd
                } else if sig == SIGSEGV && code == 4 {
                    Layout::FaultPkey
                } else {
                    lay
                }
            }
            _ if code <= 6 => Layout::Poll,
            _ => Layout::Kill,
        }
    } else if code == -2 {
        Layout::Timer
    } else if code == -5 {
        Layout::Poll
    } else if code < 0 {
        Layout::Rt
    } else {
        Layout::Kill
    }
}

/// (host offset, guest offset, host size, guest size, signed) of each
/// field; a signed 32-bit `long` widens with its sign.
type Field = (usize, usize, usize, usize, bool);

fn fields(l: Layout) -> &'static [Field] {
    match l {
        Layout::Kill => &[(16, 12, 8, 8, false)],
        Layout::Timer | Layout::Rt => &[(16, 12, 8, 8, false), (24, 20, 8, 4, false)],
        Layout::Chld => &[
            (16, 12, 12, 12, false),
            (32, 24, 8, 4, true),
            (40, 28, 8, 4, true),
        ],
        Layout::Fault => &[(16, 12, 8, 4, false), (24, 16, 2, 2, false)],
        Layout::FaultBnd => &[
            (16, 12, 8, 4, false),
            (24, 16, 2, 2, false),
            (32, 20, 8, 4, false),
            (40, 24, 8, 4, false),
        ],
        Layout::FaultPkey => &[
            (16, 12, 8, 4, false),
            (24, 16, 2, 2, false),
            (32, 20, 4, 4, false),
        ],
        Layout::Poll => &[(16, 12, 8, 4, true), (24, 16, 4, 4, false)],
        Layout::Sys => &[(16, 12, 8, 4, false), (24, 16, 8, 8, false)],
    }
}

/// The host's siginfo as the i386 compat_siginfo.
pub fn siginfo_out(h: &HostSiginfo) -> Siginfo32 {
    let hb = guest::bytes_of(h);
    let mut g = Siginfo32 {
        signo: h.signo,
        errno: h.errno,
        code: h.code,
        f: [0; 29],
    };
    let gb = guest::bytes_of_mut(&mut g);
    for &(ho, go, hs, gs, _) in fields(layout(h.signo, h.code)) {
        let n = hs.min(gs);
        gb[go..go + n].copy_from_slice(&hb[ho..ho + n]);
    }
    g
}

/// A guest compat_siginfo as the host's (copy_siginfo_from_user32).
pub fn siginfo_in(g: &Siginfo32) -> HostSiginfo {
    let gb = guest::bytes_of(g);
    let mut h = HostSiginfo {
        signo: g.signo,
        errno: g.errno,
        code: g.code,
        pad: 0,
        f: [0; 14],
    };
    let hb = guest::bytes_of_mut(&mut h);
    for &(ho, go, hs, gs, signed) in fields(layout(g.signo, g.code)) {
        let n = hs.min(gs);
        hb[ho..ho + n].copy_from_slice(&gb[go..go + n]);
        if signed && hs == 8 && gs == 4 {
            let v = i32::from_le_bytes(gb[go..go + 4].try_into().unwrap_or_default()) as i64;
            hb[ho..ho + 8].copy_from_slice(&v.to_le_bytes());
        }
    }
    h
}

pub fn sgetmask(p: &mut Process, _a: &[u64; 6]) -> Res {
    Ok(p.sig.mask as u32 as i64)
}

/// ssetmask: the new mask replaces the whole set (real-time signals
/// unblocked); returns the old classic mask.
pub fn ssetmask(p: &mut Process, a: &[u64; 6]) -> Res {
    match p.sig.set_mask(SIG_SETMASK, Some(a[0] & 0xffff_ffff)) {
        Ok(old) => Ok(old as u32 as i64),
        Err(e) => Err(Errno(-e as i32)),
    }
}

pub fn sigpending(_p: &mut Process, a: &[u64; 6]) -> Res {
    let mut set = 0u64;
    sys!(SYS_rt_sigpending, mptr(&mut set), 8)?;
    guest::write(a[0], &(set as u32))?;
    Ok(0)
}

fn sigtimedwait(a: &[u64; 6], ts: Option<timespec>, ts_raw: u64) -> Res {
    let mut info: HostSiginfo = zeroed();
    let tsp = if ts_raw == 0 { 0 } else { opt_ptr(&ts) };
    let r = sys!(SYS_rt_sigtimedwait, a[0], mptr(&mut info), tsp, a[3])?;
    if a[1] != 0 {
        guest::write(a[1], &siginfo_out(&info))?;
    }
    Ok(r)
}

pub fn rt_sigtimedwait(_p: &mut Process, a: &[u64; 6]) -> Res {
    let ts = guest::read_opt::<Timespec32>(a[2])?.map(Timespec32::to_host);
    sigtimedwait(a, ts, a[2])
}

pub fn rt_sigtimedwait_time64(_p: &mut Process, a: &[u64; 6]) -> Res {
    let ts = guest::read_opt::<timespec>(a[2])?;
    sigtimedwait(a, ts, a[2])
}

fn info_in(at: u64) -> Result<HostSiginfo, Errno> {
    Ok(siginfo_in(&guest::read::<Siginfo32>(at)?))
}

pub fn rt_sigqueueinfo(_p: &mut Process, a: &[u64; 6]) -> Res {
    let h = info_in(a[2])?;
    sys!(SYS_rt_sigqueueinfo, a[0], a[1], &h as *const HostSiginfo)
}

pub fn rt_tgsigqueueinfo(_p: &mut Process, a: &[u64; 6]) -> Res {
    let h = info_in(a[3])?;
    sys!(
        SYS_rt_tgsigqueueinfo,
        a[0],
        a[1],
        a[2],
        &h as *const HostSiginfo
    )
}

pub fn pidfd_send_signal(_p: &mut Process, a: &[u64; 6]) -> Res {
    let h = if a[2] == 0 {
        None
    } else {
        Some(info_in(a[2])?)
    };
    sys!(424, a[0], a[1], opt_ptr(&h), a[3])
}
