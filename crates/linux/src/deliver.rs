//! Delivering signals to a guest thread at a safe point: the signals the host
//! handler took for it (in the kernel's order: faults first, then the lowest
//! number), signals forced by guest execution (faults, illegal instructions,
//! divide errors, breakpoints), default actions, and the syscall restart
//! that a signal arriving before a system call could start requires.

use crate::hostsig::{self, bit, FAULT_SIGNALS};
use crate::process::Process;
use crate::sigframe::{self, Delivery};
use crate::signals::{
    die_with_signal, GuestSigaction, SigInfo, TrapInfo, SA_NODEFER, SA_RESETHAND, SIG_DFL, SIG_IGN,
    SI_KERNEL, SYNCHRONOUS, UNBLOCKABLE,
};
use std::sync::atomic::Ordering;

impl Process {
    /// Runs when the thread's interrupt flag is set: brings the decoded-code
    /// cache up to date and delivers the signals taken for this thread.
    pub(crate) fn handle_interrupt(&mut self) {
        self.sig.ctl.interrupt.store(0, Ordering::SeqCst);
        self.sync_code();
        self.deliver_held();
    }

    /// Delivers every held signal the guest does not block; blocked ones
    /// go back to the kernel's queue (where sigpending, sigwait and
    /// signalfd see them).
    fn deliver_held(&mut self) {
        let ctl = self.sig.ctl.clone();
        loop {
            let held = ctl.held();
            for sig in bits(held & self.sig.mask & !FAULT_SIGNALS) {
                if let Some(info) = ctl.take(sig) {
                    hostsig::requeue(sig, &info);
                }
            }
            let ready = held & !self.sig.mask;
            if ready == 0 {
                break;
            }
            let first = if ready & SYNCHRONOUS != 0 {
                ready & SYNCHRONOUS
            } else {
                ready
            };
            let sig = first.trailing_zeros() as usize + 1;
            if let Some(info) = ctl.take(sig) {
                self.deliver(sig, SigInfo(info), TrapInfo::default());
            }
            // The mask after this frame decides what the kernel hands over
            // next (it may stack another frame on this one).
            self.sig.sync_host_mask();
        }
        if let Some(m) = self.sig.saved_mask.take() {
            self.sig.mask = m;
        }
        self.sig.sync_host_mask();
    }

    /// Delivers `sig` according to its current action.
    fn deliver(&mut self, sig: usize, info: SigInfo, trap: TrapInfo) {
        let act = self.sigactions.get(sig);
        match act.handler {
            SIG_IGN => {}
            SIG_DFL => self.default_action(sig, info),
            _ => self.run_handler(sig, &info, &act, trap),
        }
    }

    /// The default action of a signal the guest does not catch: the host
    /// kernel performs it (its disposition follows the guest's), except for
    /// the fault signals x86run's own handler owns.
    fn default_action(&mut self, sig: usize, info: SigInfo) {
        if bit(sig) & FAULT_SIGNALS != 0 {
            die_with_signal(sig as i32);
        }
        hostsig::requeue_here(sig, &info.0);
    }

    /// Sets up a handler frame for `sig`.
    fn run_handler(&mut self, sig: usize, info: &SigInfo, act: &GuestSigaction, trap: TrapInfo) {
        if act.flags & SA_RESETHAND != 0 {
            self.sigactions.reset_to_default(sig);
        }
        let saved_mask = self.sig.saved_mask.take().unwrap_or(self.sig.mask);
        let d = Delivery {
            sig,
            info,
            act,
            saved_mask,
            altstack: &mut self.sig.altstack,
            trap,
        };
        match sigframe::setup(&mut self.cpu, d) {
            Ok(()) => {
                let mut m = self.sig.mask | act.mask;
                if act.flags & SA_NODEFER == 0 {
                    m |= bit(sig);
                }
                self.sig.mask = m & !UNBLOCKABLE;
            }
            Err(_) => {
                // force_sigsegv: a SIGSEGV that cannot be delivered kills.
                if sig == libc::SIGSEGV as usize {
                    die_with_signal(libc::SIGSEGV);
                }
                self.sig.saved_mask = Some(saved_mask);
                self.force_signal(
                    SigInfo::fault(libc::SIGSEGV, SI_KERNEL, 0),
                    TrapInfo::default(),
                );
            }
        }
    }

    /// A signal caused by the instruction at cpu.rip (or just before it,
    /// for traps): delivered now, or fatal when blocked, ignored or not
    /// caught (as the kernel's force_sig).
    pub(crate) fn force_signal(&mut self, info: SigInfo, trap: TrapInfo) {
        let sig = info.signo() as usize;
        let act = self.sigactions.get(sig);
        if self.sig.mask & bit(sig) != 0 || !act.catches() {
            self.report_fatal(sig);
            die_with_signal(sig as i32);
        }
        self.sig.trap = trap;
        self.deliver(sig, info, trap);
        self.sig.sync_host_mask();
    }

    /// A diagnostic for deaths native programs would not show, before dying.
    fn report_fatal(&self, sig: usize) {
        if sig == libc::SIGILL as usize {
            eprintln!(
                "x86run: {}",
                crate::process::describe_illegal(self.cpu.rip, self.cpu.mode)
            );
        }
    }
}

/// The signal numbers in a mask, lowest first.
fn bits(mut m: u64) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        if m == 0 {
            return None;
        }
        let s = m.trailing_zeros() as usize + 1;
        m &= m - 1;
        Some(s)
    })
}
