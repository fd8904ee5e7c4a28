//! Guest threads. A clone with CLONE_VM|CLONE_THREAD runs the new guest
//! thread on a new host thread with its own CPU state, interpreter and
//! signal state (so its host thread id is its guest thread id, and tgkill,
//! futexes and per-thread signal masks work through the host kernel).
//! Also: the list of a process's threads, thread exit with robust futex
//! lists and CLONE_CHILD_CLEARTID, set_tid_address and set_robust_list.

use crate::hostsig::{self, ThreadCtl};
use crate::process::{Process, Shared};
use std::sync::atomic::AtomicU32;
use std::sync::{Arc, Mutex};
use x86run_cpu::state::{CpuState, FS};
use x86run_cpu::{mem, Mode};

pub const CLONE_VM: u64 = 0x100;
pub const CLONE_FS: u64 = 0x200;
pub const CLONE_FILES: u64 = 0x400;
pub const CLONE_SIGHAND: u64 = 0x800;
pub const CLONE_VFORK: u64 = 0x4000;
pub const CLONE_PARENT: u64 = 0x8000;
pub const CLONE_THREAD: u64 = 0x10000;
pub const CLONE_SYSVSEM: u64 = 0x40000;
pub const CLONE_SETTLS: u64 = 0x80000;
pub const CLONE_PARENT_SETTID: u64 = 0x10_0000;
pub const CLONE_CHILD_CLEARTID: u64 = 0x20_0000;
pub const CLONE_DETACHED: u64 = 0x40_0000;
pub const CLONE_CHILD_SETTID: u64 = 0x100_0000;

/// Host stack for each guest thread's emulator code.
const HOST_STACK: usize = 1 << 20;

/// The threads of a guest process.
#[derive(Default)]
pub struct ThreadList {
    list: Mutex<Vec<Arc<ThreadCtl>>>,
}

impl ThreadList {
    pub fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Arc<ThreadCtl>>> {
        self.list.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn add(&self, t: Arc<ThreadCtl>) {
        self.lock().push(t);
    }

    /// Removes a thread; returns how many remain.
    pub fn remove(&self, t: &Arc<ThreadCtl>) -> usize {
        let mut l = self.lock();
        l.retain(|x| !Arc::ptr_eq(x, t));
        l.len()
    }

    /// Asks every thread but `me` to stop at its next safe point.
    pub fn poke_others(&self, me: &Arc<ThreadCtl>) {
        for t in self.lock().iter().filter(|t| !Arc::ptr_eq(t, me)) {
            t.poke();
        }
    }
}

/// Per-thread bookkeeping besides signals.
#[derive(Default)]
pub struct ThreadInfo {
    /// CLONE_CHILD_CLEARTID / set_tid_address: zeroed and woken at exit.
    pub clear_child_tid: u64,
    /// set_robust_list: the list head (0: none).
    pub robust_list: u64,
    /// Set by the exit syscall: the thread ends with this status.
    pub exit: Option<i32>,
    /// Generation of the shared code log this thread's cache reflects.
    pub code_seen: u64,
}

/// What a new thread starts from.
struct Start {
    shared: Arc<Shared>,
    cpu: CpuState,
    mask: u64,
    flags: u64,
    ptid: u64,
    ctid: u64,
}

/// clone for a new thread in this process.
pub fn clone_thread(
    p: &mut Process,
    flags: u64,
    stack: u64,
    ptid: u64,
    ctid: u64,
    tls: u64,
) -> i64 {
    let need = CLONE_VM | CLONE_THREAD | CLONE_SIGHAND;
    if flags & need != need {
        static WARNED: std::sync::Once = std::sync::Once::new();
        WARNED.call_once(|| {
            eprintln!("x86run: clone with CLONE_VM but without CLONE_THREAD|CLONE_SIGHAND is not supported")
        });
        return -(libc::EINVAL as i64);
    }
    let mut cpu = p.cpu.clone();
    cpu.gpr[0] = 0;
    if stack != 0 {
        cpu.gpr[4] = stack & cpu.addr_mask();
    }
    if flags & CLONE_SETTLS != 0 {
        match cpu.mode {
            Mode::Bits64 => cpu.seg_base[FS] = tls,
            Mode::Bits32 => {
                let r = set_tls_descriptor(&mut cpu, tls);
                if r < 0 {
                    return r;
                }
            }
        }
    }
    let start = Start {
        shared: p.shared.clone(),
        cpu,
        mask: p.sig.mask,
        flags,
        ptid,
        ctid,
    };
    let (tx, rx) = std::sync::mpsc::sync_channel::<i64>(1);
    // The new host thread starts with every signal blocked (it inherits
    // this mask) and takes its guest mask once it can receive signals.
    let old = hostsig::block_all();
    let seccomp = crate::seccomp::current();
    let spawned = std::thread::Builder::new()
        .name("x86run-guest".into())
        .stack_size(HOST_STACK)
        .spawn(move || {
            crate::seccomp::adopt(seccomp);
            thread_main(start, tx)
        });
    hostsig::set_mask(old);
    if spawned.is_err() {
        return -(libc::EAGAIN as i64);
    }
    rx.recv().unwrap_or(-(libc::EAGAIN as i64))
}

fn thread_main(s: Start, tx: std::sync::mpsc::SyncSender<i64>) {
    let _alt = x86run_cpu::fault::AltStack::new();
    let tid = hostsig::gettid();
    // What the kernel does before the child runs: the parent's and the
    // child's tid words, and the unshared tables.
    if s.flags & CLONE_PARENT_SETTID != 0 {
        let _ = mem::write_u32(s.ptid, tid as u32);
    }
    if s.flags & CLONE_CHILD_SETTID != 0 {
        let _ = mem::write_u32(s.ctid, tid as u32);
    }
    for (keep, what) in [(CLONE_FILES, libc::CLONE_FILES), (CLONE_FS, libc::CLONE_FS)] {
        if s.flags & keep == 0 {
            crate::host::syscall6(libc::SYS_unshare as u64, [what as u64, 0, 0, 0, 0, 0]);
        }
    }
    let mut p = match Process::for_thread(s.shared, s.cpu, s.mask) {
        Ok(p) => p,
        Err(e) => {
            let _ = tx.send(e);
            return;
        }
    };
    if s.flags & CLONE_CHILD_CLEARTID != 0 {
        p.thread.clear_child_tid = s.ctid;
    }
    let _ = tx.send(tid as i64);
    p.sig.sync_host_mask();
    let code = p.run_until_exit();
    if p.exit_thread() {
        // The last thread: the process ends with its status (otherwise the
        // host thread's own exit would decide it).
        crate::host::syscall6(libc::SYS_exit_group as u64, [code as u64, 0, 0, 0, 0, 0]);
    }
}

impl Process {
    /// A new thread's process state (run on the new host thread).
    fn for_thread(shared: Arc<Shared>, cpu: CpuState, mask: u64) -> Result<Process, i64> {
        let interrupt = Arc::new(AtomicU32::new(0));
        let ctl = ThreadCtl::new(interrupt.clone());
        let path_scratch = if shared.opts.rootfs.is_some() {
            shared.mm().map_anon(
                0,
                2 * crate::process::PATH_SLOT,
                libc::PROT_READ | libc::PROT_WRITE,
            )?
        } else {
            0
        };
        let code_seen = shared.code.generation();
        let mut p = Process::assemble(shared, cpu, ctl, mask, path_scratch);
        p.interp.interrupt = interrupt;
        p.thread.code_seen = code_seen;
        Ok(p)
    }

    /// Everything a thread does as it ends: it stops taking signals, its
    /// robust futexes are marked dead, its clear_child_tid word zeroed and
    /// woken (what pthread_join waits for).
    /// Returns whether it was the last thread: its exit status is then the
    /// process's (the caller ends the process with it).
    pub(crate) fn exit_thread(&mut self) -> bool {
        hostsig::block_all();
        // Signals taken but not delivered go to the other threads.
        for sig in 1..=64 {
            if let Some(info) = self.sig.ctl.take(sig) {
                hostsig::requeue_to_process(sig, &info);
            }
        }
        hostsig::detach();
        if hostsig::gettid() == hostsig::getpid() {
            hostsig::set_leader(None);
        }
        let last = self.shared.threads.remove(&self.sig.ctl) == 0;
        crate::seccomp::thread_exit();
        let tid = hostsig::gettid() as u32;
        if self.thread.robust_list != 0 {
            exit_robust_list(self.thread.robust_list, self.cpu.mode, tid);
        }
        if self.path_scratch != 0 {
            self.shared
                .mm()
                .munmap(self.path_scratch, 2 * crate::process::PATH_SLOT);
        }
        let ctid = self.thread.clear_child_tid;
        if ctid != 0 && mem::write_u32(ctid, 0).is_ok() {
            futex_wake(ctid, 1);
        }
        last
    }
}

fn futex_wake(addr: u64, n: u64) {
    const FUTEX_WAKE: u64 = 1;
    crate::host::syscall6(libc::SYS_futex as u64, [addr, FUTEX_WAKE, n, 0, 0, 0]);
}

/// The kernel's exit_robust_list: every futex on the thread's robust list
/// that it still owns gets FUTEX_OWNER_DIED and one waiter is woken.
fn exit_robust_list(head: u64, mode: Mode, tid: u32) {
    let w = if mode == Mode::Bits32 { 4 } else { 8 };
    let rd = |a: u64| mem::read(a, w as u32).ok();
    let (Some(first), Some(off), Some(pending)) = (rd(head), rd(head + w), rd(head + 2 * w)) else {
        return;
    };
    let off = if w == 4 {
        off as u32 as i32 as i64
    } else {
        off as i64
    };
    let mut entry = first;
    let mut limit = 2048;
    while entry & !1 != head && entry & !1 != 0 && limit > 0 {
        let next = rd(entry & !1);
        if entry != pending {
            futex_death((entry & !1).wrapping_add(off as u64), tid, entry & 1 != 0);
        }
        let Some(n) = next else { return };
        entry = n;
        limit -= 1;
    }
    if pending & !1 != 0 {
        futex_death(
            (pending & !1).wrapping_add(off as u64),
            tid,
            pending & 1 != 0,
        );
    }
}

/// handle_futex_death for one futex word.
fn futex_death(addr: u64, tid: u32, pi: bool) {
    const WAITERS: u32 = 0x8000_0000;
    const OWNER_DIED: u32 = 0x4000_0000;
    const TID_MASK: u32 = 0x3fff_ffff;
    if addr & 3 != 0 {
        return;
    }
    for _ in 0..16 {
        let Ok(v) = mem::read_u32(addr) else { return };
        if v & TID_MASK != tid {
            return;
        }
        let new = (v & WAITERS) | OWNER_DIED;
        match mem::cas_u32(addr, v as u64, new as u64) {
            Ok(seen) if seen as u32 == v => {
                if !pi && v & WAITERS != 0 {
                    futex_wake(addr, 1);
                }
                return;
            }
            Ok(_) => continue,
            Err(_) => return,
        }
    }
}

/// Installs the i386 TLS descriptor (GDT entry 12-14) a `user_desc` at
/// `at` describes, as set_thread_area and CLONE_SETTLS do; an entry number
/// of -1 picks a free entry and writes it back. Returns 0 or -errno.
pub fn set_tls_descriptor(cpu: &mut CpuState, at: u64) -> i64 {
    use x86run_cpu::state::GS;
    let rd = |o: u64| mem::read_u32(at + o);
    let (Ok(entry), Ok(base), Ok(limit), Ok(flags)) = (rd(0), rd(4), rd(8), rd(12)) else {
        return -(libc::EFAULT as i64);
    };
    let idx = if entry == u32::MAX {
        match cpu.tls_desc.iter().position(|d| d.is_none()) {
            Some(k) => {
                if mem::write_u32(at, 12 + k as u32).is_err() {
                    return -(libc::EFAULT as i64);
                }
                k
            }
            None => return -(libc::ESRCH as i64),
        }
    } else if (12..15).contains(&entry) {
        entry as usize - 12
    } else {
        return -(libc::EINVAL as i64);
    };
    let read_exec_only = flags & 8 != 0;
    let not_present = flags & 32 != 0;
    let empty = (base == 0 && limit == 0 && flags & !8 & !32 == 0 && read_exec_only && not_present)
        || (base == 0 && limit == 0 && flags == 0);
    cpu.tls_desc[idx] = if empty || not_present {
        None
    } else {
        Some(base as u64)
    };
    let sel = ((12 + idx) << 3 | 3) as u16;
    for seg in [FS, GS] {
        if cpu.seg[seg] == sel {
            cpu.seg_base[seg] = cpu.tls_desc[idx].unwrap_or(0);
        }
    }
    0
}

/// set_tid_address: the word cleared and woken when this thread exits.
pub fn set_tid_address(p: &mut Process, a: &[u64; 6]) -> i64 {
    p.thread.clear_child_tid = a[0];
    hostsig::gettid() as i64
}

/// set_robust_list(head, len): kept by x86run, walked at thread exit.
pub fn set_robust_list(p: &mut Process, a: &[u64; 6]) -> i64 {
    let size = if p.cpu.mode == Mode::Bits32 { 12 } else { 24 };
    if a[1] != size {
        return -(libc::EINVAL as i64);
    }
    p.thread.robust_list = a[0];
    0
}

/// get_robust_list(pid, head_ptr, len_ptr) for the calling thread.
pub fn get_robust_list(p: &mut Process, a: &[u64; 6]) -> i64 {
    if a[0] != 0 && a[0] as i32 != hostsig::gettid() {
        return -(libc::EPERM as i64);
    }
    let (w, size) = if p.cpu.mode == Mode::Bits32 {
        (4, 12)
    } else {
        (8, 24)
    };
    if mem::write(a[1], w, p.thread.robust_list).is_err() || mem::write(a[2], w, size).is_err() {
        return -(libc::EFAULT as i64);
    }
    0
}

/// exit: ends the calling thread only.
pub fn exit(p: &mut Process, a: &[u64; 6]) -> i64 {
    p.thread.exit = Some(a[0] as i32);
    0
}
