//! Guest signal state: the dispositions all threads of a process share (and
//! the host dispositions that follow them), each thread's mask, saved mask
//! and alternate signal stack, siginfo in both ABIs' layouts, and how x86run
//! dies of a fatal signal so that its parent sees the guest's status.
//! Delivery is in `deliver.rs`, frames in `sigframe.rs`, the host handler in
//! `hostsig.rs`.

use crate::hostsig::{self, bit, Disposition, RawSigInfo, ThreadCtl, FAULT_SIGNALS, SIGINFO_SIZE};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use x86run_cpu::Mode;

/// Number of signals (1..=64).
pub const NSIG: usize = 64;

pub const SIG_DFL: u64 = 0;
pub const SIG_IGN: u64 = 1;

pub const SA_NOCLDSTOP: u64 = 1;
pub const SA_NOCLDWAIT: u64 = 2;
pub const SA_SIGINFO: u64 = 4;
pub const SA_UNSUPPORTED: u64 = 0x400;
pub const SA_EXPOSE_TAGBITS: u64 = 0x800;
pub const SA_RESTORER: u64 = 0x0400_0000;
pub const SA_ONSTACK: u64 = 0x0800_0000;
pub const SA_RESTART: u64 = 0x1000_0000;
pub const SA_NODEFER: u64 = 0x4000_0000;
pub const SA_RESETHAND: u64 = 0x8000_0000;
/// The flags the kernel keeps (others read back as clear).
const SA_KNOWN: u64 = SA_NOCLDSTOP
    | SA_NOCLDWAIT
    | SA_SIGINFO
    | SA_EXPOSE_TAGBITS
    | SA_RESTORER
    | SA_ONSTACK
    | SA_RESTART
    | SA_NODEFER
    | SA_RESETHAND;

/// Signals that can be neither caught nor blocked.
pub const UNBLOCKABLE: u64 = bit(libc::SIGKILL as usize) | bit(libc::SIGSTOP as usize);

/// The signals the kernel takes first (faults and traps).
pub const SYNCHRONOUS: u64 = bit(libc::SIGSEGV as usize)
    | bit(libc::SIGBUS as usize)
    | bit(libc::SIGILL as usize)
    | bit(libc::SIGTRAP as usize)
    | bit(libc::SIGFPE as usize)
    | bit(libc::SIGSYS as usize);

pub const EINVAL: i64 = -(libc::EINVAL as i64);

/// A guest signal action in a neutral form.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GuestSigaction {
    pub handler: u64,
    pub flags: u64,
    pub restorer: u64,
    pub mask: u64,
}

impl GuestSigaction {
    /// Whether the guest catches the signal with a handler.
    pub fn catches(&self) -> bool {
        self.handler != SIG_DFL && self.handler != SIG_IGN
    }
}

/// The signal dispositions of a process (shared by its threads).
pub struct SigActions {
    table: Mutex<[GuestSigaction; NSIG + 1]>,
}

impl SigActions {
    /// The dispositions x86run was started with: SIG_IGN survives exec,
    /// everything else is default.
    pub fn inherit() -> SigActions {
        let mut actions = [GuestSigaction::default(); NSIG + 1];
        // The Rust runtime ignores SIGPIPE before main; what the guest
        // inherits is what x86run was started with.
        std::hint::black_box(&RECORD_SIGPIPE);
        if SIGPIPE_IGNORED.load(Ordering::Relaxed) {
            actions[libc::SIGPIPE as usize].handler = SIG_IGN;
        } else {
            hostsig::set_disposition(libc::SIGPIPE as usize, Disposition::Default, 0);
        }
        for (sig, a) in actions.iter_mut().enumerate().skip(1) {
            if bit(sig) & FAULT_SIGNALS != 0 || sig == libc::SIGPIPE as usize {
                continue;
            }
            if hostsig::host_ignores(sig) {
                a.handler = SIG_IGN;
            }
        }
        SigActions {
            table: Mutex::new(actions),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, [GuestSigaction; NSIG + 1]> {
        self.table.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Holds the table's lock (across a fork).
    pub fn fork_lock(&self) -> impl Drop + '_ {
        self.lock()
    }

    /// The action for `sig` (1..=64).
    pub fn get(&self, sig: usize) -> GuestSigaction {
        self.lock()[sig]
    }

    /// Records a new action for `sig` and makes the host follow it. Returns
    /// the old action, or -EINVAL.
    pub fn set(&self, sig: usize, new: Option<GuestSigaction>) -> Result<GuestSigaction, i64> {
        if sig == 0 || sig > NSIG {
            return Err(EINVAL);
        }
        let mut t = self.lock();
        let old = t[sig];
        if let Some(mut a) = new {
            if bit(sig) & UNBLOCKABLE != 0 {
                return Err(EINVAL);
            }
            a.flags &= SA_KNOWN;
            a.mask &= !UNBLOCKABLE;
            t[sig] = a;
            if bit(sig) & FAULT_SIGNALS == 0 {
                let d = match a.handler {
                    SIG_DFL => Disposition::Default,
                    SIG_IGN => Disposition::Ignore,
                    _ => Disposition::Catch,
                };
                hostsig::set_disposition(sig, d, a.flags);
            }
        }
        Ok(old)
    }

    /// SA_RESETHAND: the action becomes the default as the handler runs.
    pub fn reset_to_default(&self, sig: usize) {
        let _ = self.set(sig, Some(GuestSigaction::default()));
    }
}

/// Whether SIGPIPE was ignored when x86run started (before the Rust
/// runtime changed it).
static SIGPIPE_IGNORED: AtomicBool = AtomicBool::new(false);

extern "C" fn record_sigpipe() {
    // SAFETY: querying a disposition with a null new action.
    unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        if libc::sigaction(libc::SIGPIPE, std::ptr::null(), &mut old) == 0 {
            SIGPIPE_IGNORED.store(old.sa_sigaction == libc::SIG_IGN, Ordering::Relaxed);
        }
    }
}

/// An ELF constructor: runs before main, so before the Rust runtime sets
/// SIGPIPE to SIG_IGN.
#[used]
#[link_section = ".init_array"]
static RECORD_SIGPIPE: extern "C" fn() = record_sigpipe;

/// A guest alternate signal stack (sigaltstack).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AltStack {
    pub sp: u64,
    pub size: u64,
    /// SS_AUTODISARM when requested.
    pub flags: u32,
}

pub const SS_ONSTACK: u32 = 1;
pub const SS_DISABLE: u32 = 2;
pub const SS_AUTODISARM: u32 = 1 << 31;
/// The smallest alternate stack the kernel accepts (x86).
pub const MINSIGSTKSZ: u64 = 2048;

impl AltStack {
    /// Whether `sp` is on the stack, ignoring SS_AUTODISARM.
    pub fn contains(&self, sp: u64) -> bool {
        sp > self.sp && sp - self.sp <= self.size
    }

    /// The kernel's on_sig_stack().
    pub fn on_stack(&self, sp: u64) -> bool {
        self.flags & SS_AUTODISARM == 0 && self.contains(sp)
    }

    /// The kernel's sas_ss_flags(): SS_DISABLE, SS_ONSTACK or 0.
    pub fn ss_flags(&self, sp: u64) -> u32 {
        if self.size == 0 {
            SS_DISABLE
        } else if self.on_stack(sp) {
            SS_ONSTACK
        } else {
            0
        }
    }

    /// do_sigaltstack's update: validates and installs `new` (sp, flags,
    /// size) for a thread whose stack pointer is `cur_sp`.
    pub fn update(&mut self, cur_sp: u64, new: (u64, u32, u64)) -> Result<(), i64> {
        let (sp, flags, size) = new;
        if self.on_stack(cur_sp) {
            return Err(-(libc::EPERM as i64));
        }
        let mode = flags & !SS_AUTODISARM;
        if mode != SS_DISABLE && mode != SS_ONSTACK && mode != 0 {
            return Err(EINVAL);
        }
        if mode == SS_DISABLE {
            *self = AltStack {
                sp: 0,
                size: 0,
                flags,
            };
            return Ok(());
        }
        if size < MINSIGSTKSZ {
            return Err(-(libc::ENOMEM as i64));
        }
        *self = AltStack {
            sp,
            size,
            flags: flags & SS_AUTODISARM,
        };
        Ok(())
    }
}

/// Fault details the kernel records per thread and shows in sigcontext.
#[derive(Clone, Copy, Debug, Default)]
pub struct TrapInfo {
    pub trapno: u64,
    pub err: u64,
    pub cr2: u64,
}

/// One guest thread's signal state.
pub struct ThreadSignals {
    /// What the host handler records for this thread.
    pub ctl: Arc<ThreadCtl>,
    /// The guest's blocked set.
    pub mask: u64,
    /// The mask to restore once a handler frame (or the end of a
    /// sigsuspend-like call) takes over: the kernel's saved_sigmask.
    pub saved_mask: Option<u64>,
    pub altstack: AltStack,
    /// Set by sigreturn: the syscall result is a restored register, not a
    /// result to check for a restart.
    pub skip_restart: bool,
    /// The last fault, as sigcontext shows it.
    pub trap: TrapInfo,
}

impl ThreadSignals {
    pub fn new(ctl: Arc<ThreadCtl>, mask: u64) -> ThreadSignals {
        ThreadSignals {
            ctl,
            mask: mask & !UNBLOCKABLE,
            saved_mask: None,
            altstack: AltStack::default(),
            skip_restart: false,
            trap: TrapInfo::default(),
        }
    }

    /// Shows the guest mask to the other threads' handlers (a call that
    /// applies a temporary mask itself, like sigsuspend, publishes that).
    pub fn publish_mask(&self) {
        self.ctl.mask.store(self.mask, Ordering::Release);
    }

    /// Signals taken for this thread that still wait for delivery (held
    /// fault signals the guest blocks wait elsewhere: the host cannot
    /// block them).
    fn waiting(&self) -> u64 {
        self.ctl.held() & !(self.mask & FAULT_SIGNALS)
    }

    /// Gives the host the mask this thread must have: the guest's, or
    /// everything while a taken signal waits for delivery, so that the
    /// kernel hands over one signal at a time, as it delivers them (the
    /// mask after each handler frame decides which comes next, and
    /// real-time signals keep their order in the kernel's queues).
    pub fn sync_host_mask(&self) {
        self.publish_mask();
        loop {
            let held = self.ctl.held();
            let waiting = self.waiting();
            hostsig::set_mask(if waiting != 0 { !0 } else { self.mask });
            if self.ctl.held() == held {
                break;
            }
        }
        if self.waiting() != 0 {
            self.ctl.poke();
        }
    }

    /// A sigprocmask operation on the guest mask (mirrored on the host).
    /// A signal taken before the host mask changed is older than the call:
    /// the call fails with -ERESTARTSYS (nothing changed), the signal is
    /// delivered and the call made again, as if it had come just before.
    pub fn set_mask(&mut self, how: i32, set: Option<u64>) -> Result<u64, i64> {
        let old = self.mask;
        if let Some(s) = set {
            let new = match how {
                libc::SIG_BLOCK => old | s,
                libc::SIG_UNBLOCK => old & !s,
                libc::SIG_SETMASK => s,
                _ => return Err(EINVAL),
            } & !UNBLOCKABLE;
            if self.waiting() == 0 {
                hostsig::set_mask(old | new);
            }
            if self.waiting() != 0 {
                self.sync_host_mask();
                self.ctl.poke();
                return Err(-crate::safe_syscall::ERESTARTSYS);
            }
            self.mask = new;
            self.sync_host_mask();
        }
        Ok(old)
    }
}

/// The host's signal mask at start-up (the guest inherits it).
pub fn initial_mask() -> u64 {
    let mut set = 0u64;
    crate::host::syscall6(
        libc::SYS_rt_sigprocmask as u64,
        [0, 0, &mut set as *mut u64 as u64, 8, 0, 0],
    );
    set & !UNBLOCKABLE
}

/// A siginfo in the host (x86-64) layout, convertible to the guest's.
#[derive(Clone, Copy)]
pub struct SigInfo(pub RawSigInfo);

pub const SI_USER: i32 = 0;
pub const SI_KERNEL: i32 = 0x80;
pub const SI_QUEUE: i32 = -1;
pub const SI_TIMER: i32 = -2;
pub const SI_SIGIO: i32 = -5;

impl SigInfo {
    /// A signal raised by the kernel for a fault at `addr`.
    pub fn fault(signo: i32, code: i32, addr: u64) -> SigInfo {
        let mut s = SigInfo([0; SIGINFO_SIZE]);
        s.put32(0, signo as u32);
        s.put32(8, code as u32);
        s.0[16..24].copy_from_slice(&addr.to_le_bytes());
        s
    }

    fn put32(&mut self, off: usize, v: u32) {
        self.0[off..off + 4].copy_from_slice(&v.to_le_bytes());
    }

    fn get32(&self, off: usize) -> u32 {
        u32::from_le_bytes(self.0[off..off + 4].try_into().unwrap_or_default())
    }

    fn get64(&self, off: usize) -> u64 {
        u64::from_le_bytes(self.0[off..off + 8].try_into().unwrap_or_default())
    }

    pub fn signo(&self) -> i32 {
        self.get32(0) as i32
    }

    pub fn code(&self) -> i32 {
        self.get32(8) as i32
    }

    /// The siginfo as a guest of `mode` sees it (128 bytes).
    pub fn to_guest(&self, mode: Mode) -> RawSigInfo {
        if mode == Mode::Bits64 {
            return self.0;
        }
        // The compat layout: the union starts at 12 and longs and pointers
        // are 4 bytes (the kernel's copy_siginfo_to_user32).
        let mut out = [0u8; SIGINFO_SIZE];
        let mut put = |off: usize, v: u32| out[off..off + 4].copy_from_slice(&v.to_le_bytes());
        put(0, self.get32(0));
        put(4, self.get32(4));
        put(8, self.get32(8));
        match layout(self.signo(), self.code()) {
            Layout::Kill => {
                put(12, self.get32(16));
                put(16, self.get32(20));
            }
            Layout::Timer => {
                put(12, self.get32(16));
                put(16, self.get32(20));
                put(20, self.get32(24));
            }
            Layout::Rt => {
                put(12, self.get32(16));
                put(16, self.get32(20));
                put(20, self.get32(24));
            }
            Layout::Chld => {
                put(12, self.get32(16));
                put(16, self.get32(20));
                put(20, self.get32(24));
                put(24, self.get64(32) as u32);
                put(28, self.get64(40) as u32);
            }
            Layout::Fault => {
                put(12, self.get64(16) as u32);
                // si_addr_lsb / bounds / pkey follow the address.
                put(16, self.get32(24));
                put(20, self.get64(32) as u32);
                put(24, self.get64(40) as u32);
            }
            Layout::Poll => {
                put(12, self.get64(16) as u32);
                put(16, self.get32(24));
            }
            Layout::Sys => {
                put(12, self.get64(16) as u32);
                put(16, self.get32(24));
                put(20, self.get32(28));
            }
        }
        out
    }
}

/// Which union member of siginfo is live (the kernel's siginfo_layout).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layout {
    Kill,
    Timer,
    Poll,
    Fault,
    Chld,
    Rt,
    Sys,
}

fn layout(sig: i32, code: i32) -> Layout {
    if code > SI_USER && code < SI_KERNEL {
        let (limit, l) = match sig {
            libc::SIGILL => (11, Layout::Fault),
            libc::SIGFPE => (15, Layout::Fault),
            libc::SIGSEGV => (10, Layout::Fault),
            libc::SIGBUS => (5, Layout::Fault),
            libc::SIGTRAP => (6, Layout::Fault),
            libc::SIGCHLD => (6, Layout::Chld),
            libc::SIGPOLL => (6, Layout::Poll),
            libc::SIGSYS => (2, Layout::Sys),
            _ => (0, Layout::Kill),
        };
        if code <= limit {
            l
        } else if code <= 6 {
            Layout::Poll
        } else {
            Layout::Kill
        }
    } else if code == SI_TIMER {
        Layout::Timer
    } else if code == SI_SIGIO {
        Layout::Poll
    } else if code < 0 {
        Layout::Rt
    } else {
        Layout::Kill
    }
}

/// Terminates x86run with `sig`, as the guest would have died.
pub fn die_with_signal(sig: i32) -> ! {
    hostsig::die_of(sig as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compat_siginfo_layouts() {
        let f = SigInfo::fault(libc::SIGSEGV, 1, 0x1234_5678);
        let g = f.to_guest(Mode::Bits32);
        assert_eq!(&g[12..16], &0x1234_5678u32.to_le_bytes());
        let mut q = SigInfo([0; SIGINFO_SIZE]);
        q.put32(0, 34);
        q.put32(8, SI_QUEUE as u32);
        q.put32(16, 77);
        q.put32(20, 1000);
        q.put32(24, 0xdead);
        let g = q.to_guest(Mode::Bits32);
        assert_eq!(&g[12..16], &77u32.to_le_bytes());
        assert_eq!(&g[16..20], &1000u32.to_le_bytes());
        assert_eq!(&g[20..24], &0xdeadu32.to_le_bytes());
        assert_eq!(layout(libc::SIGCHLD, 1), Layout::Chld);
        assert_eq!(layout(libc::SIGUSR1, SI_USER), Layout::Kill);
        assert_eq!(layout(libc::SIGUSR1, -6), Layout::Rt);
    }

    #[test]
    fn altstack_rules() {
        let mut a = AltStack::default();
        assert_eq!(a.ss_flags(0x1000), SS_DISABLE);
        assert_eq!(
            a.update(0x5000, (0x1000, 0, 100)),
            Err(-(libc::ENOMEM as i64))
        );
        a.update(0x9000, (0x1000, 0, 0x2000)).unwrap();
        assert_eq!(a.ss_flags(0x2000), SS_ONSTACK);
        assert_eq!(
            a.update(0x2000, (0, SS_DISABLE, 0)),
            Err(-(libc::EPERM as i64))
        );
        assert_eq!(a.update(0x9000, (0, 7, 0)), Err(EINVAL));
    }
}
