//! The host side of guest signals: the handler x86run installs for every
//! signal the guest catches, the per-thread record it fills, and the host
//! signal mask and dispositions that mirror the guest's.
//!
//! Each guest thread is a host thread, and its host signal mask is its guest
//! mask, so the host kernel chooses the receiving thread, queues real-time
//! signals and keeps blocked ones pending exactly as it would for the
//! guest. When a caught signal arrives, the handler copies its siginfo into
//! the thread's slot, blocks every signal until that one is delivered (by
//! editing the saved mask it returns to, so the kernel hands over one signal
//! at a time, in its own order), sets the thread's interrupt flag — which
//! the interpreter polls between blocks and the safe-syscall stubs check
//! before entering the kernel — and rewinds an interrupted safe syscall.
//! The guest handler runs later, at a safe point (`deliver.rs`).
//!
//! Everything here runs in, or races with, a signal handler: only atomics,
//! plain stores to the thread's own slots and raw system calls.

use crate::host::syscall6;
use std::cell::{Cell, UnsafeCell};
use std::sync::atomic::{AtomicI32, AtomicPtr, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;

/// Bytes of a siginfo (both ABIs).
pub const SIGINFO_SIZE: usize = 128;

/// A siginfo in the host (x86-64) layout.
pub type RawSigInfo = [u8; SIGINFO_SIZE];

/// Signals x86run's fault handler owns on the host: they are never blocked
/// there (a blocked synchronous fault would kill the emulator).
pub const FAULT_SIGNALS: u64 = bit(libc::SIGSEGV as usize) | bit(libc::SIGBUS as usize);

/// Mask bit of signal `sig` (1..=64).
pub const fn bit(sig: usize) -> u64 {
    1u64 << (sig - 1)
}

/// Per guest thread: what the host handler records for it.
pub struct ThreadCtl {
    /// Non-zero when the thread must stop at the next safe point (a signal
    /// was taken, or shared state it caches changed). Shared with the
    /// thread's interpreter.
    pub interrupt: Arc<AtomicU32>,
    /// Signals taken and not yet delivered (bit sig-1).
    held: AtomicU64,
    /// Their siginfo, written by the handler before it sets the bit.
    infos: [UnsafeCell<RawSigInfo>; 65],
    /// Host thread id.
    pub tid: AtomicI32,
    /// The thread's guest signal mask, for the other threads' handlers.
    pub mask: AtomicU64,
}

// SAFETY: `infos[sig]` is written only by a signal handler running on the
// owning thread while `held` lacks the signal's bit, and read only by the
// owning thread while the bit is set; other threads touch only the atomics.
unsafe impl Sync for ThreadCtl {}
// SAFETY: as above; the cells hold plain bytes.
unsafe impl Send for ThreadCtl {}

impl ThreadCtl {
    pub fn new(interrupt: Arc<AtomicU32>) -> Arc<ThreadCtl> {
        Arc::new(ThreadCtl {
            interrupt,
            held: AtomicU64::new(0),
            infos: std::array::from_fn(|_| UnsafeCell::new([0; SIGINFO_SIZE])),
            tid: AtomicI32::new(gettid()),
            mask: AtomicU64::new(0),
        })
    }

    /// Signals taken and not yet delivered.
    pub fn held(&self) -> u64 {
        self.held.load(Ordering::Acquire)
    }

    /// Takes the record of held signal `sig`, if there is one. Must run on
    /// the owning thread.
    pub fn take(&self, sig: usize) -> Option<RawSigInfo> {
        if self.held() & bit(sig) == 0 {
            return None;
        }
        // SAFETY: the bit is set, so the handler does not write this slot
        // (it re-queues a second instance instead); we are its owner thread.
        let info = unsafe { *self.infos[sig].get() };
        self.held.fetch_and(!bit(sig), Ordering::AcqRel);
        Some(info)
    }

    /// Forgets a held signal (it became ignored).
    pub fn discard(&self, sig: usize) {
        self.held.fetch_and(!bit(sig), Ordering::AcqRel);
    }

    /// Forgets every held signal (a fork child inherits none).
    pub fn clear_held(&self) {
        self.held.store(0, Ordering::Release);
        self.tid.store(gettid(), Ordering::Relaxed);
    }

    /// Asks the thread to stop at its next safe point.
    pub fn poke(&self) {
        self.interrupt.store(1, Ordering::Release);
    }
}

/// The record of the thread group leader (the guest's initial thread)
/// while it runs.
static LEADER: AtomicPtr<ThreadCtl> = AtomicPtr::new(std::ptr::null_mut());

/// Records (or with None, forgets) the thread group leader's record; the
/// caller keeps it alive until it forgets it.
pub fn set_leader(ctl: Option<&Arc<ThreadCtl>>) {
    let p = ctl.map_or(std::ptr::null_mut(), |c| Arc::as_ptr(c) as *mut ThreadCtl);
    LEADER.store(p, Ordering::Release);
}

/// Whether a process-wide signal taken by another thread should go to the
/// leader instead. Linux offers kill(), terminal signals and SIGALRM to the
/// leader first and
/// programs rely on it (Python runs its handlers in the main thread and
/// waits there in pause() or sleep()); another thread takes such a signal
/// only in the short time before the woken leader runs — a window x86run's
/// own faults and handler returns in guest threads would widen.
fn for_leader(sig: usize, info: &RawSigInfo) -> bool {
    let code = i32::from_le_bytes([info[8], info[9], info[10], info[11]]);
    const SI_USER: i32 = 0;
    const SI_KERNEL: i32 = 0x80;
    // SI_KERNEL: terminal signals, SIGALRM from setitimer, rlimit signals
    // (faults never come this way). SIGPIPE and SIGXFSZ carry SI_USER but
    // belong to the thread that wrote.
    (code == SI_USER && sig != libc::SIGPIPE as usize && sig != libc::SIGXFSZ as usize)
        || code == SI_KERNEL
}

thread_local! {
    /// The calling thread's record, for the signal handler.
    static CURRENT: Cell<*const ThreadCtl> = const { Cell::new(std::ptr::null()) };
}

/// Makes `ctl` the calling thread's record. It must stay alive until
/// `detach` (the caller keeps its Arc).
pub fn attach(ctl: &Arc<ThreadCtl>) {
    ctl.tid.store(gettid(), Ordering::Relaxed);
    CURRENT.with(|c| c.set(Arc::as_ptr(ctl)));
}

/// Forgets the calling thread's record (with all signals blocked).
pub fn detach() {
    CURRENT.with(|c| c.set(std::ptr::null()));
}

pub fn gettid() -> i32 {
    syscall6(libc::SYS_gettid as u64, [0; 6]) as i32
}

pub fn getpid() -> i32 {
    syscall6(libc::SYS_getpid as u64, [0; 6]) as i32
}

/// Sets the calling thread's host signal mask.
pub fn set_mask(mask: u64) {
    let m = mask & !FAULT_SIGNALS;
    syscall6(
        libc::SYS_rt_sigprocmask as u64,
        [
            libc::SIG_SETMASK as u64,
            &m as *const u64 as u64,
            0,
            8,
            0,
            0,
        ],
    );
}

/// Blocks every signal the host lets us block; returns the previous mask.
pub fn block_all() -> u64 {
    let all = !FAULT_SIGNALS;
    let mut old = 0u64;
    syscall6(
        libc::SYS_rt_sigprocmask as u64,
        [
            libc::SIG_SETMASK as u64,
            &all as *const u64 as u64,
            &mut old as *mut u64 as u64,
            8,
            0,
            0,
        ],
    );
    old
}

/// Signals pending for the calling thread or the process in the host kernel.
pub fn kernel_pending() -> u64 {
    let mut set = 0u64;
    syscall6(
        libc::SYS_rt_sigpending as u64,
        [&mut set as *mut u64 as u64, 8, 0, 0, 0, 0],
    );
    set
}

/// Puts a taken signal back into the host kernel's queue with its siginfo:
/// to this thread when it was sent to it (tgkill, tkill), to the process
/// otherwise, so that another thread that does not block it can take it
/// (as the kernel's retarget_shared_pending does when a thread blocks a
/// signal meant for the whole process). A thread-directed sigqueue cannot
/// be told from a process-directed one and goes to the process.
pub fn requeue(sig: usize, info: &RawSigInfo) -> i64 {
    const SI_TKILL: i32 = -6;
    if code_of(info) == SI_TKILL {
        requeue_here(sig, info)
    } else {
        send_forwarded(None, sig, info)
    }
}

/// Puts a taken signal back into the host kernel's queue for the process
/// (a thread that ends hands its signals on).
pub fn requeue_to_process(sig: usize, info: &RawSigInfo) -> i64 {
    send_forwarded(None, sig, info)
}

/// Puts a taken signal back into the host kernel's queue for this thread.
pub fn requeue_here(sig: usize, info: &RawSigInfo) -> i64 {
    syscall6(
        libc::SYS_rt_tgsigqueueinfo as u64,
        [
            getpid() as u64,
            gettid() as u64,
            sig as u64,
            info.as_ptr() as u64,
            0,
            0,
        ],
    )
}

fn code_of(info: &RawSigInfo) -> i32 {
    i32::from_le_bytes([info[8], info[9], info[10], info[11]])
}

/// The si_code of a carrier: a signal x86run sends on to another thread
/// or the process on behalf of the original sender. The kernel lets a
/// thread send a non-negative si_code (kill's, the kernel's own) only to
/// itself, so the original siginfo waits in a slot and the carrier names
/// the slot; the receiving handler puts the original back.
const FORWARD_CODE: i32 = -0x5852;
const FORWARD_SLOTS: usize = 256;

struct ForwardSlot {
    /// 0 free, 1 being filled, 2 full.
    state: AtomicU32,
    info: UnsafeCell<RawSigInfo>,
}

struct ForwardSlots([ForwardSlot; FORWARD_SLOTS]);

// SAFETY: a slot's info is written only by the thread that moved its state
// from 0 to 1, and read only by the thread that moves it from 2 to 0.
unsafe impl Sync for ForwardSlots {}

static FORWARD: ForwardSlots = ForwardSlots(
    [const {
        ForwardSlot {
            state: AtomicU32::new(0),
            info: UnsafeCell::new([0; SIGINFO_SIZE]),
        }
    }; FORWARD_SLOTS],
);
static FORWARD_NEXT: AtomicU32 = AtomicU32::new(0);

/// Sends `sig` with siginfo `info` to thread `tid`, or to the process,
/// as if from the original sender. Returns 0 or -errno.
fn send_forwarded(tid: Option<i32>, sig: usize, info: &RawSigInfo) -> i64 {
    let direct =
        code_of(info) < 0 || gettid() == getpid() && tid.is_none() || tid == Some(gettid());
    let send = |i: &RawSigInfo| match tid {
        Some(t) => syscall6(
            libc::SYS_rt_tgsigqueueinfo as u64,
            [
                getpid() as u64,
                t as u64,
                sig as u64,
                i.as_ptr() as u64,
                0,
                0,
            ],
        ),
        None => syscall6(
            libc::SYS_rt_sigqueueinfo as u64,
            [getpid() as u64, sig as u64, i.as_ptr() as u64, 0, 0, 0],
        ),
    };
    if direct {
        return send(info);
    }
    for _ in 0..FORWARD_SLOTS {
        let k = FORWARD_NEXT.fetch_add(1, Ordering::Relaxed) as usize % FORWARD_SLOTS;
        let slot = &FORWARD.0[k];
        if slot
            .state
            .compare_exchange(0, 1, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            continue;
        }
        // SAFETY: state 1 makes this thread the slot's only writer.
        unsafe { *slot.info.get() = *info };
        slot.state.store(2, Ordering::Release);
        let mut carrier = [0u8; SIGINFO_SIZE];
        carrier[0..4].copy_from_slice(&(sig as u32).to_le_bytes());
        carrier[8..12].copy_from_slice(&FORWARD_CODE.to_le_bytes());
        carrier[16..20].copy_from_slice(&(getpid() as u32).to_le_bytes());
        carrier[24..32].copy_from_slice(&(k as u64).to_le_bytes());
        let r = send(&carrier);
        if r != 0 {
            slot.state.store(0, Ordering::Release);
        }
        return r;
    }
    -(libc::EAGAIN as i64)
}

/// The original siginfo of a carrier sent by `send_forwarded`.
fn unwrap_forwarded(info: &RawSigInfo) -> Option<RawSigInfo> {
    if code_of(info) != FORWARD_CODE
        || u32::from_le_bytes([info[16], info[17], info[18], info[19]]) != getpid() as u32
    {
        return None;
    }
    let k = u64::from_le_bytes(info[24..32].try_into().ok()?) as usize;
    let slot = FORWARD.0.get(k)?;
    if slot.state.load(Ordering::Acquire) != 2 {
        return None;
    }
    // SAFETY: state 2: the writer is done; we free the slot after copying.
    let orig = unsafe { *slot.info.get() };
    slot.state.store(0, Ordering::Release);
    Some(orig)
}

/// Host disposition for a guest signal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Disposition {
    Default,
    Ignore,
    /// Caught: x86run's handler records it. SA_RESTART is the guest's, so
    /// the host kernel restarts or fails interrupted calls as it would for
    /// the guest.
    Catch,
}

/// The kernel's struct sigaction (x86-64).
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct KernelSigaction {
    handler: u64,
    flags: u64,
    restorer: u64,
    mask: u64,
}

const SA_RESTORER: u64 = 0x0400_0000;

core::arch::global_asm!(
    ".pushsection .text.x86run_restore_rt,\"ax\",@progbits",
    ".globl x86run_restore_rt",
    ".hidden x86run_restore_rt",
    ".type x86run_restore_rt,@function",
    "x86run_restore_rt:",
    "mov rax, 15",
    "syscall",
    "ud2",
    ".size x86run_restore_rt, . - x86run_restore_rt",
    ".popsection",
);

extern "C" {
    /// Returns from a host signal handler (rt_sigreturn).
    fn x86run_restore_rt();
}

/// rt_sigaction through the raw syscall: the C library refuses the signals
/// it keeps for itself (32 and 33), which are the guest's here.
fn raw_sigaction(sig: usize, new: Option<&KernelSigaction>) -> Option<KernelSigaction> {
    let mut old = KernelSigaction::default();
    let newp = new.map_or(0, |n| n as *const KernelSigaction as u64);
    let r = syscall6(
        libc::SYS_rt_sigaction as u64,
        [
            sig as u64,
            newp,
            &mut old as *mut KernelSigaction as u64,
            8,
            0,
            0,
        ],
    );
    (r == 0).then_some(old)
}

/// Whether the host ignores `sig` (as x86run was started).
pub fn host_ignores(sig: usize) -> bool {
    raw_sigaction(sig, None).is_some_and(|a| a.handler == libc::SIG_IGN as u64)
}

/// Installs the host disposition for `sig` (not SIGKILL/SIGSTOP, and not
/// the fault signals, whose host handler is always `fault.rs`'s).
/// `flags` passes SA_RESTART, SA_NOCLDSTOP and SA_NOCLDWAIT through.
pub fn set_disposition(sig: usize, d: Disposition, flags: u64) {
    let pass = (libc::SA_RESTART | libc::SA_NOCLDSTOP | libc::SA_NOCLDWAIT) as u64;
    let mut sa = KernelSigaction {
        handler: match d {
            Disposition::Default => libc::SIG_DFL as u64,
            Disposition::Ignore => libc::SIG_IGN as u64,
            Disposition::Catch => on_signal as *const () as u64,
        },
        flags: (flags & pass) | SA_RESTORER,
        restorer: x86run_restore_rt as *const () as u64,
        mask: 0,
    };
    if d == Disposition::Catch {
        sa.flags |= (libc::SA_SIGINFO | libc::SA_ONSTACK) as u64;
        sa.mask = !FAULT_SIGNALS;
    }
    raw_sigaction(sig, Some(&sa));
}

/// Dies of `sig` now, as its default action does (core dump included):
/// the disposition is reset, the signal unblocked and sent to this thread.
pub fn die_of(sig: usize) -> ! {
    set_disposition(sig, Disposition::Default, 0);
    let m = bit(sig);
    syscall6(
        libc::SYS_rt_sigprocmask as u64,
        [
            libc::SIG_UNBLOCK as u64,
            &m as *const u64 as u64,
            0,
            8,
            0,
            0,
        ],
    );
    syscall6(
        libc::SYS_tgkill as u64,
        [getpid() as u64, gettid() as u64, sig as u64, 0, 0, 0],
    );
    // Not a terminating default (a stop signal): leave as a shell shows it.
    syscall6(
        libc::SYS_exit_group as u64,
        [128 + sig as u64, 0, 0, 0, 0, 0],
    );
    std::process::exit(128 + sig as i32)
}

/// Routes user-sent SIGSEGV/SIGBUS (which reach fault.rs's handler) here.
pub fn install_fault_forwarding() {
    x86run_cpu::fault::set_async_handler(on_signal);
}

/// The host handler for caught guest signals.
extern "C" fn on_signal(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    let sig = sig as usize;
    if sig == 0 || sig > 64 {
        return;
    }
    // SAFETY: the kernel passes valid siginfo and ucontext pointers to an
    // SA_SIGINFO handler. We read the siginfo, edit the saved mask and RIP,
    // and touch only the current thread's record (see ThreadCtl).
    unsafe {
        let uc = ctx as *mut libc::ucontext_t;
        let forwarded = unwrap_forwarded(&*(info as *const RawSigInfo));
        let raw = forwarded.as_ref().unwrap_or(&*(info as *const RawSigInfo));
        let t = CURRENT.with(|c| c.get());
        let leader = LEADER.load(Ordering::Acquire);
        if !leader.is_null() && !std::ptr::eq(leader, t) && for_leader(sig, raw) {
            let l = &*leader;
            if l.mask.load(Ordering::Acquire) & bit(sig) == 0
                && send_forwarded(Some(l.tid.load(Ordering::Relaxed)), sig, raw) == 0
            {
                return;
            }
        }
        // Take no other signal until this one is delivered: the thread's
        // mask after its handler frame decides what comes next.
        let saved = &mut (*uc).uc_sigmask as *mut libc::sigset_t as *mut u64;
        *saved |= !FAULT_SIGNALS;
        if t.is_null() {
            // Not a guest thread (starting or ending): let another take it.
            send_forwarded(None, sig, raw);
            return;
        }
        let t = &*t;
        if t.held.load(Ordering::Acquire) & bit(sig) != 0 {
            // A second instance while the first waits (possible only in a
            // mask-update race): back into the kernel's queue.
            if bit(sig) & FAULT_SIGNALS == 0 {
                requeue_here(sig, raw);
            }
        } else {
            *t.infos[sig].get() = *raw;
            t.held.fetch_or(bit(sig), Ordering::AcqRel);
        }
        t.interrupt.store(1, Ordering::Release);
        let gregs = &mut (*uc).uc_mcontext.gregs;
        if let Some(pc) = crate::safe_syscall::rewind(gregs[libc::REG_RIP as usize] as u64) {
            gregs[libc::REG_RIP as usize] = pc as i64;
        }
    }
}
