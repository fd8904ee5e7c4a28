//! Time and resource calls with 32-bit `time_t`/`long` structs: clocks,
//! sleeps, interval and POSIX timers, timerfd, adjtimex, times, rusage
//! (getrusage, wait4, waitid), sysinfo, rlimits, alarm, pause and nice.

use super::abi32::*;
use super::guest::{self, mptr, opt_mptr, opt_ptr, zeroed};
use super::{signal, sx, sys, Errno, Res};
use crate::process::Process;
use libc::*;

fn ts_out(at: u64, t: &timespec) -> Result<(), Errno> {
    guest::write_opt(at, &Timespec32::from_host(t))
}

pub fn time(_p: &mut Process, a: &[u64; 6]) -> Res {
    let mut t: timespec = zeroed();
    sys!(SYS_clock_gettime, CLOCK_REALTIME, mptr(&mut t))?;
    if a[0] != 0 {
        guest::write(a[0], &(t.tv_sec as i32))?;
    }
    Ok(t.tv_sec)
}

pub fn stime(_p: &mut Process, a: &[u64; 6]) -> Res {
    let s: i32 = guest::read(a[0])?;
    let t = timespec {
        tv_sec: s as i64,
        tv_nsec: 0,
    };
    sys!(SYS_clock_settime, CLOCK_REALTIME, &t as *const timespec)
}

pub fn gettimeofday(_p: &mut Process, a: &[u64; 6]) -> Res {
    let mut tv: timeval = zeroed();
    sys!(SYS_gettimeofday, mptr(&mut tv), a[1])?;
    guest::write_opt(a[0], &Timeval32::from_host(&tv))?;
    Ok(0)
}

pub fn settimeofday(_p: &mut Process, a: &[u64; 6]) -> Res {
    let tv = guest::read_opt::<Timeval32>(a[0])?.map(Timeval32::to_host);
    sys!(SYS_settimeofday, opt_ptr(&tv), a[1])
}

pub fn clock_gettime(_p: &mut Process, a: &[u64; 6]) -> Res {
    let mut t: timespec = zeroed();
    sys!(SYS_clock_gettime, sx(a[0]), mptr(&mut t))?;
    guest::write(a[1], &Timespec32::from_host(&t))?;
    Ok(0)
}

pub fn clock_settime(_p: &mut Process, a: &[u64; 6]) -> Res {
    let t: Timespec32 = guest::read(a[1])?;
    sys!(SYS_clock_settime, sx(a[0]), &t.to_host() as *const timespec)
}

pub fn clock_getres(_p: &mut Process, a: &[u64; 6]) -> Res {
    let mut t: Option<timespec> = (a[1] != 0).then(zeroed);
    sys!(SYS_clock_getres, sx(a[0]), opt_mptr(&mut t))?;
    if let Some(t) = t {
        ts_out(a[1], &t)?;
    }
    Ok(0)
}

pub fn nanosleep(_p: &mut Process, a: &[u64; 6]) -> Res {
    let req: Timespec32 = guest::read(a[0])?;
    let mut rem: timespec = zeroed();
    let r = sys!(
        SYS_nanosleep,
        &req.to_host() as *const timespec,
        mptr(&mut rem)
    );
    if r == Err(Errno(EINTR)) {
        ts_out(a[1], &rem)?;
    }
    r
}

pub fn clock_nanosleep(_p: &mut Process, a: &[u64; 6]) -> Res {
    let req: Timespec32 = guest::read(a[2])?;
    let mut rem: timespec = zeroed();
    let r = sys!(
        SYS_clock_nanosleep,
        sx(a[0]),
        a[1],
        &req.to_host() as *const timespec,
        mptr(&mut rem)
    );
    if r == Err(Errno(EINTR)) && a[1] & TIMER_ABSTIME as u64 == 0 {
        ts_out(a[3], &rem)?;
    }
    r
}

pub fn sched_rr_get_interval(_p: &mut Process, a: &[u64; 6]) -> Res {
    let mut t: timespec = zeroed();
    sys!(SYS_sched_rr_get_interval, a[0], mptr(&mut t))?;
    guest::write(a[1], &Timespec32::from_host(&t))?;
    Ok(0)
}

/// alarm(seconds) through setitimer, rounding the old value as the kernel does.
pub fn alarm(_p: &mut Process, a: &[u64; 6]) -> Res {
    let mut new: itimerval = zeroed();
    new.it_value.tv_sec = a[0] as i64;
    let mut old: itimerval = zeroed();
    sys!(
        SYS_setitimer,
        ITIMER_REAL,
        &new as *const itimerval,
        mptr(&mut old)
    )?;
    let v = old.it_value;
    let mut secs = v.tv_sec;
    if (secs == 0 && v.tv_usec != 0) || v.tv_usec >= 500_000 {
        secs += 1;
    }
    Ok(secs)
}

/// pause as a ppoll on nothing, without a timeout.
pub fn pause(_p: &mut Process, _a: &[u64; 6]) -> Res {
    sys!(SYS_ppoll, 0, 0, 0, 0, 0)
}

pub fn getitimer(_p: &mut Process, a: &[u64; 6]) -> Res {
    let mut v: itimerval = zeroed();
    sys!(SYS_getitimer, a[0], mptr(&mut v))?;
    guest::write(a[1], &Itimerval32::from_host(&v))?;
    Ok(0)
}

pub fn setitimer(_p: &mut Process, a: &[u64; 6]) -> Res {
    let new = guest::read_opt::<Itimerval32>(a[1])?.map(Itimerval32::to_host);
    let mut old: Option<itimerval> = (a[2] != 0).then(zeroed);
    sys!(SYS_setitimer, a[0], opt_ptr(&new), opt_mptr(&mut old))?;
    if let Some(o) = old {
        guest::write(a[2], &Itimerval32::from_host(&o))?;
    }
    Ok(0)
}

/// timer_create(clock, compat_sigevent *, timer_t *): timer_t is an int
/// in both ABIs.
pub fn timer_create(_p: &mut Process, a: &[u64; 6]) -> Res {
    let ev = signal::sigevent_in(a[1])?;
    sys!(SYS_timer_create, sx(a[0]), opt_ptr(&ev), a[2])
}

fn settime(nr: i64, a: &[u64; 6]) -> Res {
    let new: Itimerspec32 = guest::read(a[2])?;
    let mut old: Option<itimerspec> = (a[3] != 0).then(zeroed);
    let r = sys!(
        nr,
        a[0],
        a[1],
        &new.to_host() as *const itimerspec,
        opt_mptr(&mut old)
    )?;
    if let Some(o) = old {
        guest::write(a[3], &Itimerspec32::from_host(&o))?;
    }
    Ok(r)
}

fn gettime(nr: i64, a: &[u64; 6]) -> Res {
    let mut cur: itimerspec = zeroed();
    let r = sys!(nr, a[0], mptr(&mut cur))?;
    guest::write(a[1], &Itimerspec32::from_host(&cur))?;
    Ok(r)
}

pub fn timer_settime(_p: &mut Process, a: &[u64; 6]) -> Res {
    settime(SYS_timer_settime, a)
}

pub fn timer_gettime(_p: &mut Process, a: &[u64; 6]) -> Res {
    gettime(SYS_timer_gettime, a)
}

pub fn timerfd_settime(_p: &mut Process, a: &[u64; 6]) -> Res {
    settime(SYS_timerfd_settime, a)
}

pub fn timerfd_gettime(_p: &mut Process, a: &[u64; 6]) -> Res {
    gettime(SYS_timerfd_gettime, a)
}

fn timex_in(g: &Timex32) -> timex {
    let mut t: timex = zeroed();
    t.modes = g.modes;
    t.offset = g.offset as i64;
    t.freq = g.freq as i64;
    t.maxerror = g.maxerror as i64;
    t.esterror = g.esterror as i64;
    t.status = g.status;
    t.constant = g.constant as i64;
    t.precision = g.precision as i64;
    t.tolerance = g.tolerance as i64;
    t.time = g.time.to_host();
    t.tick = g.tick as i64;
    t.ppsfreq = g.ppsfreq as i64;
    t.jitter = g.jitter as i64;
    t.shift = g.shift;
    t.stabil = g.stabil as i64;
    t.jitcnt = g.jitcnt as i64;
    t.calcnt = g.calcnt as i64;
    t.errcnt = g.errcnt as i64;
    t.stbcnt = g.stbcnt as i64;
    t.tai = g.tai;
    t
}

fn timex_out(t: &timex) -> Timex32 {
    Timex32 {
        modes: t.modes,
        offset: t.offset as i32,
        freq: t.freq as i32,
        maxerror: t.maxerror as i32,
        esterror: t.esterror as i32,
        status: t.status,
        constant: t.constant as i32,
        precision: t.precision as i32,
        tolerance: t.tolerance as i32,
        time: Timeval32::from_host(&t.time),
        tick: t.tick as i32,
        ppsfreq: t.ppsfreq as i32,
        jitter: t.jitter as i32,
        shift: t.shift,
        stabil: t.stabil as i32,
        jitcnt: t.jitcnt as i32,
        calcnt: t.calcnt as i32,
        errcnt: t.errcnt as i32,
        stbcnt: t.stbcnt as i32,
        tai: t.tai,
        pad: [0; 11],
    }
}

fn timex_call(clock: Option<u64>, at: u64) -> Res {
    let g: Timex32 = guest::read(at)?;
    let mut t = timex_in(&g);
    let r = match clock {
        None => sys!(SYS_adjtimex, mptr(&mut t))?,
        Some(c) => sys!(SYS_clock_adjtime, sx(c), mptr(&mut t))?,
    };
    guest::write(at, &timex_out(&t))?;
    Ok(r)
}

pub fn adjtimex(_p: &mut Process, a: &[u64; 6]) -> Res {
    timex_call(None, a[0])
}

pub fn clock_adjtime(_p: &mut Process, a: &[u64; 6]) -> Res {
    timex_call(Some(a[0]), a[1])
}

pub fn times(_p: &mut Process, a: &[u64; 6]) -> Res {
    let mut t: tms = zeroed();
    let r = sys!(SYS_times, mptr(&mut t))?;
    if a[0] != 0 {
        let g = Tms32 {
            utime: t.tms_utime as i32,
            stime: t.tms_stime as i32,
            cutime: t.tms_cutime as i32,
            cstime: t.tms_cstime as i32,
        };
        guest::write(a[0], &g)?;
    }
    Ok(r)
}

pub fn getrusage(_p: &mut Process, a: &[u64; 6]) -> Res {
    let mut r: rusage = zeroed();
    sys!(SYS_getrusage, a[0], mptr(&mut r))?;
    guest::write(a[1], &Rusage32::from_host(&r))?;
    Ok(0)
}

/// wait4(pid, int *status, options, compat_rusage *).
pub fn wait4(_p: &mut Process, a: &[u64; 6]) -> Res {
    let mut ru: Option<rusage> = (a[3] != 0).then(zeroed);
    let r = sys!(SYS_wait4, sx(a[0]), a[1], a[2], opt_mptr(&mut ru))?;
    if let (Some(u), true) = (ru, r > 0) {
        guest::write(a[3], &Rusage32::from_host(&u))?;
    }
    Ok(r)
}

pub fn waitpid(_p: &mut Process, a: &[u64; 6]) -> Res {
    sys!(SYS_wait4, sx(a[0]), a[1], a[2], 0)
}

/// waitid(which, pid, compat_siginfo *, options, compat_rusage *): the
/// kernel writes only signo, errno, code, pid, uid and status.
pub fn waitid(_p: &mut Process, a: &[u64; 6]) -> Res {
    let mut info: HostSiginfo = zeroed();
    let mut ru: Option<rusage> = (a[4] != 0).then(zeroed);
    let r = sys!(
        SYS_waitid,
        a[0],
        a[1],
        mptr(&mut info),
        a[3],
        opt_mptr(&mut ru)
    );
    if let (Ok(_), Some(u)) = (r, ru) {
        if info.signo != 0 {
            guest::write(a[4], &Rusage32::from_host(&u))?;
        }
    }
    if a[2] != 0 && !matches!(r, Err(Errno::EFAULT)) {
        let f = info.f;
        let words = [
            info.signo as u32,
            info.errno as u32,
            info.code as u32,
            f[0] as u32,         // pid
            (f[0] >> 32) as u32, // uid
            f[1] as u32,         // status
        ];
        let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        guest::write_from(a[2], &bytes)?;
    }
    r
}

pub fn sysinfo(_p: &mut Process, a: &[u64; 6]) -> Res {
    let mut s: libc::sysinfo = zeroed();
    sys!(SYS_sysinfo, mptr(&mut s))?;
    let (mut ram, mut free, mut shared, mut buffer) =
        (s.totalram, s.freeram, s.sharedram, s.bufferram);
    let (mut tswap, mut fswap, mut thigh, mut fhigh) =
        (s.totalswap, s.freeswap, s.totalhigh, s.freehigh);
    let mut unit = s.mem_unit;
    if ram >> 32 != 0 || tswap >> 32 != 0 {
        let mut bits = 0;
        while unit < 4096 {
            unit <<= 1;
            bits += 1;
        }
        for v in [
            &mut ram,
            &mut free,
            &mut shared,
            &mut buffer,
            &mut tswap,
            &mut fswap,
            &mut thigh,
            &mut fhigh,
        ] {
            *v >>= bits;
        }
    }
    let g = Sysinfo32 {
        uptime: s.uptime as i32,
        loads: s.loads.map(|l| l as u32),
        totalram: ram as u32,
        freeram: free as u32,
        sharedram: shared as u32,
        bufferram: buffer as u32,
        totalswap: tswap as u32,
        freeswap: fswap as u32,
        procs: s.procs,
        pad: 0,
        totalhigh: thigh as u32,
        freehigh: fhigh as u32,
        mem_unit: unit,
        f: [0; 8],
    };
    guest::write(a[0], &g)?;
    Ok(0)
}

fn host_getrlimit(res: u64) -> Result<rlimit, Errno> {
    let mut r: rlimit = zeroed();
    sys!(SYS_prlimit64, 0, res, 0, mptr(&mut r))?;
    Ok(r)
}

/// The old getrlimit (76): values above 0x7fffffff show as 0x7fffffff.
pub fn old_getrlimit(_p: &mut Process, a: &[u64; 6]) -> Res {
    let r = host_getrlimit(a[0])?;
    let g = Rlimit32 {
        cur: r.rlim_cur.min(0x7fff_ffff) as u32,
        max: r.rlim_max.min(0x7fff_ffff) as u32,
    };
    guest::write(a[1], &g)?;
    Ok(0)
}

/// ugetrlimit: values at or above 0xffffffff show as RLIM_INFINITY.
pub fn getrlimit(_p: &mut Process, a: &[u64; 6]) -> Res {
    let r = host_getrlimit(a[0])?;
    let g = Rlimit32 {
        cur: r.rlim_cur.min(u32::MAX as u64) as u32,
        max: r.rlim_max.min(u32::MAX as u64) as u32,
    };
    guest::write(a[1], &g)?;
    Ok(0)
}

pub fn setrlimit(_p: &mut Process, a: &[u64; 6]) -> Res {
    let g: Rlimit32 = guest::read(a[1])?;
    let wide = |v: u32| {
        if v == u32::MAX {
            RLIM_INFINITY
        } else {
            v as u64
        }
    };
    let r = rlimit {
        rlim_cur: wide(g.cur),
        rlim_max: wide(g.max),
    };
    sys!(SYS_prlimit64, 0, a[0], &r as *const rlimit, 0)
}

/// nice(increment) through get/setpriority (not every host has nice).
pub fn nice(_p: &mut Process, a: &[u64; 6]) -> Res {
    let inc = sx(a[0]).clamp(-40, 40);
    let cur = 20 - sys!(SYS_getpriority, PRIO_PROCESS, 0)?;
    let new = (cur + inc).clamp(-20, 19);
    match sys!(SYS_setpriority, PRIO_PROCESS, 0, new) {
        Err(Errno(EACCES)) => Err(Errno::EPERM),
        r => r.map(|_| 0),
    }
}
