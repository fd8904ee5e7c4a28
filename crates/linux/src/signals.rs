//! Guest signal bookkeeping: the dispositions and mask the guest set, the
//! host dispositions that must follow them (ignore/default), and how x86run
//! dies of a guest's fatal signal so that its parent sees the same status.
//! Delivering signals to guest handlers is the threads-and-signals issue.

/// Number of signals (1..=64).
pub const NSIG: usize = 64;

/// A guest signal action in a neutral form.
#[derive(Clone, Copy, Debug, Default)]
pub struct GuestSigaction {
    pub handler: u64,
    pub flags: u64,
    pub restorer: u64,
    pub mask: u64,
}

pub const SIG_DFL: u64 = 0;
pub const SIG_IGN: u64 = 1;

/// Signals the emulator itself needs (faults it turns into guest signals).
fn emulator_owned(sig: usize) -> bool {
    matches!(sig as i32, libc::SIGSEGV | libc::SIGBUS | libc::SIGILL | libc::SIGFPE | libc::SIGTRAP)
}

/// Per-process signal state.
pub struct SignalState {
    pub actions: [GuestSigaction; NSIG + 1],
    pub mask: u64,
}

impl Default for SignalState {
    fn default() -> Self {
        // Inherit the dispositions x86run was started with (SIG_IGN survives exec).
        let mut actions = [GuestSigaction::default(); NSIG + 1];
        for (sig, a) in actions.iter_mut().enumerate().skip(1) {
            // SAFETY: querying the current disposition with a null new action.
            unsafe {
                let mut old: libc::sigaction = std::mem::zeroed();
                if libc::sigaction(sig as i32, std::ptr::null(), &mut old) == 0
                    && old.sa_sigaction == libc::SIG_IGN
                    && !emulator_owned(sig)
                {
                    a.handler = SIG_IGN;
                }
            }
        }
        let mut mask = 0u64;
        // SAFETY: reading the current mask.
        unsafe {
            let mut set: libc::sigset_t = std::mem::zeroed();
            if libc::sigprocmask(libc::SIG_SETMASK, std::ptr::null(), &mut set) == 0 {
                for sig in 1..=NSIG {
                    if libc::sigismember(&set, sig as i32) == 1 {
                        mask |= 1 << (sig - 1);
                    }
                }
            }
        }
        SignalState { actions, mask }
    }
}

impl SignalState {
    /// Records a new action for `sig` and makes the host follow ignore and
    /// default dispositions. Returns the old action, or -EINVAL.
    pub fn set_action(&mut self, sig: usize, new: Option<GuestSigaction>) -> Result<GuestSigaction, i64> {
        if sig == 0 || sig > NSIG {
            return Err(-(libc::EINVAL as i64));
        }
        let old = self.actions[sig];
        if let Some(a) = new {
            if sig as i32 == libc::SIGKILL || sig as i32 == libc::SIGSTOP {
                return Err(-(libc::EINVAL as i64));
            }
            self.actions[sig] = a;
            if !emulator_owned(sig) {
                let host = if a.handler == SIG_IGN { libc::SIG_IGN } else { libc::SIG_DFL };
                // SAFETY: installing SIG_IGN/SIG_DFL for a signal the emulator
                // does not use itself.
                unsafe {
                    libc::signal(sig as i32, host);
                }
            }
        }
        Ok(old)
    }

    /// Applies a sigprocmask operation to the guest mask and to the host
    /// (without ever blocking the signals the emulator needs).
    pub fn set_mask(&mut self, how: i32, set: Option<u64>) -> Result<u64, i64> {
        let old = self.mask;
        if let Some(s) = set {
            let s = s & !((1 << (libc::SIGKILL - 1)) | (1 << (libc::SIGSTOP - 1)));
            self.mask = match how {
                libc::SIG_BLOCK => old | s,
                libc::SIG_UNBLOCK => old & !s,
                libc::SIG_SETMASK => s,
                _ => return Err(-(libc::EINVAL as i64)),
            };
            let mut host = self.mask;
            for sig in 1..=NSIG {
                if emulator_owned(sig) {
                    host &= !(1 << (sig - 1));
                }
            }
            crate::host::syscall6(
                libc::SYS_rt_sigprocmask as u64,
                [libc::SIG_SETMASK as u64, &host as *const u64 as u64, 0, 8, 0, 0],
            );
        }
        Ok(old)
    }
}

/// Terminates x86run with `sig`, as the guest would have died.
pub fn die_with_signal(sig: i32) -> ! {
    // SAFETY: resetting a disposition, unblocking and raising a signal.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, sig);
        libc::sigprocmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        libc::raise(sig);
        libc::_exit(128 + sig);
    }
}
