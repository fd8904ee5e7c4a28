//! seccomp for guests: the filters a guest installs (seccomp(2),
//! prctl(PR_SET_SECCOMP)) are kept and evaluated by x86run itself — a
//! classic-BPF interpreter over the guest's `struct seccomp_data` (its own
//! syscall numbers and AUDIT_ARCH_I386 / AUDIT_ARCH_X86_64) — and never
//! installed on the host, whose syscalls are the emulator's own.
//!
//! State is per guest thread (a thread-local: every guest thread is one host
//! thread), so a host fork inherits it, a new thread is given its creator's
//! (see `thread::clone_thread`), and a guest execve hands it to the new
//! x86run through a memfd named by the hidden `--seccomp-fd` option.
//! Nothing is looked at per syscall until some filter was installed in this
//! process (one relaxed atomic load).

use crate::process::Process;
use crate::signals::{die_with_signal, SigInfo};
use crate::syscall::Abi;
use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use x86run_cpu::{mem, Mode};

pub const AUDIT_ARCH_I386: u32 = 0x4000_0003;
pub const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;

const RET_KILL_PROCESS: u32 = 0x8000_0000;
const RET_KILL_THREAD: u32 = 0;
const RET_TRAP: u32 = 0x0003_0000;
const RET_ERRNO: u32 = 0x0005_0000;
const RET_USER_NOTIF: u32 = 0x7fc0_0000;
const RET_TRACE: u32 = 0x7ff0_0000;
const RET_LOG: u32 = 0x7ffc_0000;
const RET_ALLOW: u32 = 0x7fff_0000;
const RET_ACTION_FULL: u32 = 0xffff_0000;
const RET_DATA: u32 = 0x0000_ffff;

const MODE_DISABLED: u8 = 0;
const MODE_STRICT: u8 = 1;
const MODE_FILTER: u8 = 2;

const SET_MODE_STRICT: u64 = 0;
const SET_MODE_FILTER: u64 = 1;
const GET_ACTION_AVAIL: u64 = 2;
const GET_NOTIF_SIZES: u64 = 3;

const FLAG_TSYNC: u64 = 1;
const FLAG_LOG: u64 = 2;
const FLAG_NEW_LISTENER: u64 = 8;
const FLAG_TSYNC_ESRCH: u64 = 16;
const FLAG_WAIT_KILLABLE_RECV: u64 = 32;
const FLAG_MASK: u64 = 63;

const BPF_MAXINSNS: usize = 4096;
const MAX_INSNS_PER_PATH: usize = 32768;
/// sizeof(struct seccomp_data)
const DATA_SIZE: u32 = 64;

const EINVAL: i64 = -(libc::EINVAL as i64);
const EFAULT: i64 = -(libc::EFAULT as i64);
const ENOSYS: i64 = -(libc::ENOSYS as i64);

/// One classic BPF instruction (`struct sock_filter`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Insn {
    pub code: u16,
    pub jt: u8,
    pub jf: u8,
    pub k: u32,
}

/// One installed filter and the ones installed before it.
#[derive(Debug)]
pub struct Filter {
    insns: Vec<Insn>,
    log: bool,
    prev: Option<Arc<Filter>>,
}

/// A thread's seccomp state.
#[derive(Clone, Debug, Default)]
pub struct State {
    mode: u8,
    filter: Option<Arc<Filter>>,
    /// The TSYNC generation this thread has taken.
    seen: u64,
}

/// Whether any seccomp state exists in this process.
static ACTIVE: AtomicBool = AtomicBool::new(false);
/// Bumped by every TSYNC: threads then take their state from `REG`.
static SYNC_GEN: AtomicU64 = AtomicU64::new(0);
/// Each thread's state by host tid (absent: disabled), for TSYNC's checks
/// and updates of other threads. Entries of threads that no longer exist
/// are ignored (TSYNC looks at /proc/self/task).
type Entry = (u8, Option<Arc<Filter>>);
static REG: Mutex<Option<std::collections::HashMap<i32, Entry>>> = Mutex::new(None);

fn registry() -> std::sync::MutexGuard<'static, Option<std::collections::HashMap<i32, Entry>>> {
    REG.lock().unwrap_or_else(|e| e.into_inner())
}

/// Held across a fork, so that the child's copy of the registry is not
/// locked by a thread it does not have.
pub fn fork_lock() -> impl Drop {
    registry()
}

/// Records the calling thread's state for TSYNC.
fn publish(st: &State) {
    let tid = crate::hostsig::gettid();
    let mut r = registry();
    let map = r.get_or_insert_with(Default::default);
    if st.mode == MODE_DISABLED {
        map.remove(&tid);
    } else {
        map.insert(tid, (st.mode, st.filter.clone()));
    }
}

thread_local! {
    static STATE: RefCell<State> = const {
        RefCell::new(State { mode: 0, filter: None, seen: 0 })
    };
}

/// Whether the per-syscall check has anything to do.
#[inline]
pub fn active() -> bool {
    ACTIVE.load(Ordering::Relaxed)
}

/// The calling thread's state, for a thread it creates.
pub fn current() -> State {
    STATE.with(|s| s.borrow().clone())
}

/// Gives the calling (new) thread its creator's state.
pub fn adopt(s: State) {
    if s.mode != MODE_DISABLED {
        publish(&s);
    }
    STATE.with(|c| *c.borrow_mut() = s);
}

/// The calling thread is exiting: TSYNC no longer looks at it (as the
/// kernel skips PF_EXITING threads).
pub fn thread_exit() {
    if active() {
        let tid = crate::hostsig::gettid();
        if let Some(m) = registry().as_mut() {
            m.remove(&tid);
        }
    }
}

/// Takes the state another thread's TSYNC gave this one.
fn catch_up(st: &mut State) {
    let g = SYNC_GEN.load(Ordering::Acquire);
    if g != st.seen {
        let tid = crate::hostsig::gettid();
        if let Some((mode, f)) = registry().as_ref().and_then(|m| m.get(&tid)).cloned() {
            st.mode = mode;
            st.filter = f;
        }
        st.seen = g;
    }
}

/// Whether `old` is `new` or one of the filters below it.
fn is_ancestor(old: &Option<Arc<Filter>>, new: &Option<Arc<Filter>>) -> bool {
    let Some(old) = old else { return true };
    let mut f = new.as_ref();
    while let Some(x) = f {
        if Arc::ptr_eq(x, old) {
            return true;
        }
        f = x.prev.as_ref();
    }
    false
}

/// The host tids of this process's threads.
fn live_threads() -> Vec<i32> {
    std::fs::read_dir("/proc/self/task")
        .map(|d| {
            d.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// The filters' verdict for one syscall.
fn run_filters(st: &State, data: &[u8; DATA_SIZE as usize]) -> (u32, bool) {
    let mut best = RET_ALLOW;
    let mut log = false;
    let mut f = st.filter.as_deref();
    while let Some(flt) = f {
        let r = run_bpf(&flt.insns, data);
        if ((r & RET_ACTION_FULL) as i32) < ((best & RET_ACTION_FULL) as i32) {
            best = r;
            log = flt.log;
        }
        f = flt.prev.as_deref();
    }
    (best, log)
}

/// Runs a validated classic BPF program over seccomp_data.
pub fn run_bpf(prog: &[Insn], data: &[u8; DATA_SIZE as usize]) -> u32 {
    let mut a: u32 = 0;
    let mut x: u32 = 0;
    let mut m = [0u32; 16];
    let mut pc = 0usize;
    while pc < prog.len() {
        let i = prog[pc];
        pc += 1;
        let k = i.k;
        match i.code {
            // ld
            0x20 => {
                let o = k as usize;
                a = u32::from_le_bytes(data[o..o + 4].try_into().unwrap_or_default());
            }
            0x80 => a = DATA_SIZE,
            0x81 => x = DATA_SIZE,
            0x00 => a = k,
            0x01 => x = k,
            0x60 => a = m[(k & 15) as usize],
            0x61 => x = m[(k & 15) as usize],
            0x02 => m[(k & 15) as usize] = a,
            0x03 => m[(k & 15) as usize] = x,
            0x07 => x = a,
            0x87 => a = x,
            0x06 => return k,
            0x16 => return a,
            c if c & 7 == 4 => {
                let src = if c & 8 != 0 { x } else { k };
                a = match c & 0xf0 {
                    0x00 => a.wrapping_add(src),
                    0x10 => a.wrapping_sub(src),
                    0x20 => a.wrapping_mul(src),
                    0x30 => {
                        if src == 0 {
                            return 0;
                        }
                        a / src
                    }
                    0x40 => a | src,
                    0x50 => a & src,
                    0x60 => a.wrapping_shl(src),
                    0x70 => a.wrapping_shr(src),
                    0x80 => a.wrapping_neg(),
                    0x90 => {
                        if src == 0 {
                            return 0;
                        }
                        a % src
                    }
                    0xa0 => a ^ src,
                    _ => return 0,
                };
            }
            c if c & 7 == 5 => {
                let src = if c & 8 != 0 { x } else { k };
                let taken = match c & 0xf0 {
                    0x00 => {
                        pc += k as usize;
                        continue;
                    }
                    0x10 => a == src,
                    0x20 => a > src,
                    0x30 => a >= src,
                    0x40 => a & src != 0,
                    _ => return 0,
                };
                pc += if taken { i.jt } else { i.jf } as usize;
            }
            _ => return 0,
        }
    }
    0
}

/// The kernel's seccomp_check_filter and bpf_check_classic.
fn check_filter(prog: &[Insn]) -> bool {
    let n = prog.len();
    for (pc, i) in prog.iter().enumerate() {
        let k = i.k;
        let ok = match i.code {
            0x20 => k < DATA_SIZE && k & 3 == 0,
            0x80 | 0x81 | 0x00 | 0x01 | 0x07 | 0x87 | 0x06 | 0x16 => true,
            0x60 | 0x61 | 0x02 | 0x03 => k < 16,
            c if c & 7 == 4 => {
                let op = c & 0xf0;
                let x = c & 8 != 0;
                // seccomp_check_filter allows every ALU op but MOD.
                c & !0xf8 == 4
                    && op <= 0xa0
                    && op != 0x90
                    && !(op == 0x80 && x)
                    && !(!x && (op == 0x30 || op == 0x90) && k == 0)
                    && !(!x && (op == 0x60 || op == 0x70) && k >= 32)
            }
            0x05 => (k as u64) < (n - pc - 1) as u64,
            c if c & 7 == 5 => {
                let op = c & 0xf0;
                c & !0xf8 == 5
                    && (0x10..=0x40).contains(&op)
                    && pc + i.jt as usize + 1 < n
                    && pc + i.jf as usize + 1 < n
            }
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    matches!(prog.last().map(|i| i.code), Some(0x06 | 0x16)) && loads_after_stores(prog)
}

/// The kernel's check_load_and_stores: no scratch cell is read before
/// every path to the read has stored it.
fn loads_after_stores(prog: &[Insn]) -> bool {
    let mut masks = vec![0xffffu16; prog.len()];
    let mut valid: u16 = 0;
    for (pc, i) in prog.iter().enumerate() {
        valid &= masks[pc];
        match i.code {
            0x02 | 0x03 => valid |= 1 << (i.k & 15),
            0x60 | 0x61 if valid & (1 << (i.k & 15)) == 0 => return false,
            0x05 => {
                masks[pc + 1 + i.k as usize] &= valid;
                valid = 0xffff;
            }
            c if c & 7 == 5 => {
                masks[pc + 1 + i.jt as usize] &= valid;
                masks[pc + 1 + i.jf as usize] &= valid;
                valid = 0xffff;
            }
            _ => {}
        }
    }
    true
}

fn set_ret(p: &mut Process, v: i64) {
    p.cpu.gpr[0] = match p.cpu.mode {
        Mode::Bits32 => v as u64 & 0xffff_ffff,
        Mode::Bits64 => v as u64,
    };
}

/// The --strace line of a syscall a filter answered.
fn strace(p: &Process, abi: Abi, nr: u64, args: &[u64; 6], ret: i64) {
    if p.opts.strace {
        let name = p.tables.entry(abi, nr).map(|e| e.name).unwrap_or("?");
        let shown: Vec<String> = args.iter().map(|a| format!("{a:#x}")).collect();
        eprintln!(
            "[{}] {}({}) = {} (seccomp)",
            std::process::id(),
            name,
            shown.join(", "),
            ret
        );
    }
}

fn strict_allows(abi: Abi, nr: u64) -> bool {
    match abi {
        // read, write, exit, sigreturn
        Abi::I386 => matches!(nr, 3 | 4 | 1 | 119),
        // read, write, exit, rt_sigreturn
        Abi::X86_64 => matches!(nr, 0 | 1 | 60 | 15),
    }
}

/// Ends the calling thread for seccomp with `sig`: the whole process when
/// `process` or when it is the only thread (as the kernel dumps core then).
fn kill(p: &mut Process, sig: i32, process: bool) -> bool {
    if process || p.shared.threads.lock().len() <= 1 {
        die_with_signal(sig);
    }
    p.thread.exit = Some(sig);
    true
}

/// Checks one guest syscall against the thread's seccomp state. Returns
/// true when the syscall must not run (its result or signal is in place).
pub fn intercept(p: &mut Process, abi: Abi, nr: u64, args: &[u64; 6]) -> bool {
    let st = STATE.with(|s| {
        let mut s = s.borrow_mut();
        catch_up(&mut s);
        s.clone()
    });
    match st.mode {
        MODE_DISABLED => false,
        MODE_STRICT => !strict_allows(abi, nr) && kill(p, libc::SIGKILL, false),
        _ => {
            let arch = match abi {
                Abi::I386 => AUDIT_ARCH_I386,
                Abi::X86_64 => AUDIT_ARCH_X86_64,
            };
            let mut data = [0u8; DATA_SIZE as usize];
            data[0..4].copy_from_slice(&(nr as u32).to_le_bytes());
            data[4..8].copy_from_slice(&arch.to_le_bytes());
            data[8..16].copy_from_slice(&p.cpu.rip.to_le_bytes());
            for (i, a) in args.iter().enumerate() {
                data[16 + 8 * i..24 + 8 * i].copy_from_slice(&a.to_le_bytes());
            }
            let (ret, _log) = run_filters(&st, &data);
            let action = ret & RET_ACTION_FULL;
            let value = ret & RET_DATA;
            match action {
                RET_ALLOW | RET_LOG => false,
                RET_ERRNO => {
                    let r = -(value.min(4095) as i64);
                    strace(p, abi, nr, args, r);
                    set_ret(p, r);
                    true
                }
                RET_TRACE | RET_USER_NOTIF => {
                    strace(p, abi, nr, args, ENOSYS);
                    set_ret(p, ENOSYS);
                    true
                }
                RET_TRAP => {
                    // The kernel rolls the return register back to the
                    // syscall number: it is left as the guest set it.
                    let mut info = SigInfo::fault(libc::SIGSYS, 1, p.cpu.rip);
                    info.0[4..8].copy_from_slice(&value.to_le_bytes());
                    info.0[24..28].copy_from_slice(&(nr as u32).to_le_bytes());
                    info.0[28..32].copy_from_slice(&arch.to_le_bytes());
                    let trap = p.sig.trap;
                    p.force_signal(info, trap);
                    true
                }
                RET_KILL_THREAD => kill(p, libc::SIGSYS, false),
                _ => kill(p, libc::SIGSYS, true),
            }
        }
    }
}

fn caps_sys_admin() -> bool {
    #[repr(C)]
    struct Hdr {
        version: u32,
        pid: i32,
    }
    let mut hdr = Hdr {
        version: 0x2008_0522,
        pid: 0,
    };
    let mut data = [0u32; 6];
    let r = crate::host::syscall6(
        libc::SYS_capget as u64,
        [
            &mut hdr as *mut Hdr as u64,
            data.as_mut_ptr() as u64,
            0,
            0,
            0,
            0,
        ],
    );
    // CAP_SYS_ADMIN = 21, in the effective set of the first word.
    r == 0 && data[0] & (1 << 21) != 0
}

fn no_new_privs() -> bool {
    crate::host::syscall6(
        libc::SYS_prctl as u64,
        [libc::PR_GET_NO_NEW_PRIVS as u64, 0, 0, 0, 0, 0],
    ) == 1
}

fn set_strict() -> i64 {
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        catch_up(&mut s);
        if s.mode != MODE_DISABLED && s.mode != MODE_STRICT {
            return EINVAL;
        }
        s.mode = MODE_STRICT;
        ACTIVE.store(true, Ordering::Relaxed);
        publish(&s);
        0
    })
}

fn set_filter(abi: Abi, flags: u64, uprog: u64) -> i64 {
    if flags & !FLAG_MASK != 0 {
        return EINVAL;
    }
    if flags & FLAG_TSYNC != 0 && flags & FLAG_NEW_LISTENER != 0 && flags & FLAG_TSYNC_ESRCH == 0 {
        return EINVAL;
    }
    if flags & FLAG_WAIT_KILLABLE_RECV != 0 && flags & FLAG_NEW_LISTENER == 0 {
        return EINVAL;
    }
    // struct sock_fprog { unsigned short len; struct sock_filter *filter; }
    let (len, ptr) = match abi {
        Abi::I386 => (
            mem::read_u16(uprog),
            mem::read_u32(uprog + 4).map(u64::from),
        ),
        Abi::X86_64 => (mem::read_u16(uprog), mem::read(uprog + 8, 8)),
    };
    let (Ok(len), Ok(ptr)) = (len, ptr) else {
        return EFAULT;
    };
    let len = len as usize;
    if len == 0 || len > BPF_MAXINSNS {
        return EINVAL;
    }
    if !no_new_privs() && !caps_sys_admin() {
        return -(libc::EACCES as i64);
    }
    let mut raw = vec![0u8; len * 8];
    if mem::read_bytes(ptr, &mut raw).is_err() {
        return EFAULT;
    }
    let insns: Vec<Insn> = raw.chunks(8).map(insn_from).collect();
    if !check_filter(&insns) {
        return EINVAL;
    }
    if flags & FLAG_NEW_LISTENER != 0 {
        eprintln!(
            "x86run: seccomp user notification (SECCOMP_FILTER_FLAG_NEW_LISTENER) is not supported"
        );
        return EINVAL;
    }
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        catch_up(&mut s);
        if s.mode != MODE_DISABLED && s.mode != MODE_FILTER {
            return EINVAL;
        }
        let mut total = insns.len();
        let mut f = s.filter.as_deref();
        while let Some(x) = f {
            total += x.insns.len() + 4;
            f = x.prev.as_deref();
        }
        if total > MAX_INSNS_PER_PATH {
            return -(libc::ENOMEM as i64);
        }
        let me = crate::hostsig::gettid();
        let mut reg = registry();
        let map = reg.get_or_insert_with(Default::default);
        let others: Vec<i32> = if flags & FLAG_TSYNC != 0 {
            live_threads().into_iter().filter(|&t| t != me).collect()
        } else {
            Vec::new()
        };
        // seccomp_can_sync_threads: every other thread is disabled, or
        // filtered by an ancestor of this thread's filter.
        for &t in &others {
            let ok = match map.get(&t) {
                None => true,
                Some((m, f)) => *m == MODE_FILTER && is_ancestor(f, &s.filter),
            };
            if !ok {
                return if flags & FLAG_TSYNC_ESRCH != 0 {
                    -(libc::ESRCH as i64)
                } else {
                    t as i64
                };
            }
        }
        s.filter = Some(Arc::new(Filter {
            insns,
            log: flags & FLAG_LOG != 0,
            prev: s.filter.take(),
        }));
        s.mode = MODE_FILTER;
        ACTIVE.store(true, Ordering::Relaxed);
        map.insert(me, (s.mode, s.filter.clone()));
        if flags & FLAG_TSYNC != 0 {
            for t in others {
                map.insert(t, (s.mode, s.filter.clone()));
            }
            s.seen = SYNC_GEN.fetch_add(1, Ordering::AcqRel) + 1;
        }
        0
    })
}

fn insn_from(b: &[u8]) -> Insn {
    Insn {
        code: u16::from_le_bytes([b[0], b[1]]),
        jt: b[2],
        jf: b[3],
        k: u32::from_le_bytes([b[4], b[5], b[6], b[7]]),
    }
}

/// seccomp(op, flags, args) for a guest of `abi`.
pub fn seccomp(abi: Abi, a: &[u64; 6]) -> i64 {
    let (op, flags, uargs) = (a[0] & 0xffff_ffff, a[1] & 0xffff_ffff, a[2]);
    match op {
        SET_MODE_STRICT => {
            if flags != 0 || uargs != 0 {
                return EINVAL;
            }
            set_strict()
        }
        SET_MODE_FILTER => set_filter(abi, flags, uargs),
        GET_ACTION_AVAIL => {
            if flags != 0 {
                return EINVAL;
            }
            let Ok(action) = mem::read_u32(uargs) else {
                return EFAULT;
            };
            match action {
                RET_KILL_PROCESS | RET_KILL_THREAD | RET_TRAP | RET_ERRNO | RET_TRACE | RET_LOG
                | RET_ALLOW => 0,
                // No listener can be created: user notification is not offered.
                _ => -(libc::EOPNOTSUPP as i64),
            }
        }
        GET_NOTIF_SIZES => {
            if flags != 0 {
                return EINVAL;
            }
            let sizes: [u8; 6] = [80, 0, 24, 0, 64, 0];
            if mem::write_bytes(uargs, &sizes).is_err() {
                return EFAULT;
            }
            0
        }
        _ => EINVAL,
    }
}

pub fn seccomp_i386(_p: &mut Process, a: &[u64; 6]) -> i64 {
    seccomp(Abi::I386, a)
}

pub fn seccomp_x86_64(_p: &mut Process, a: &[u64; 6]) -> i64 {
    seccomp(Abi::X86_64, a)
}

/// prctl(PR_SET_SECCOMP, mode, filter) and prctl(PR_GET_SECCOMP); None for
/// other prctl options.
pub fn prctl(abi: Abi, a: &[u64; 6]) -> Option<i64> {
    const PR_GET_SECCOMP: u64 = 21;
    const PR_SET_SECCOMP: u64 = 22;
    match a[0] & 0xffff_ffff {
        PR_GET_SECCOMP => Some(STATE.with(|s| {
            let mut s = s.borrow_mut();
            catch_up(&mut s);
            s.mode as i64
        })),
        PR_SET_SECCOMP => Some(match a[1] & 0xffff_ffff {
            1 => set_strict(),
            2 => set_filter(abi, 0, a[2]),
            _ => EINVAL,
        }),
        _ => None,
    }
}

/// /proc/self/status with the calling thread's Seccomp and
/// Seccomp_filters lines (the host's show x86run's, which has none); None
/// when no guest thread has seccomp state.
pub fn proc_status() -> Option<Vec<u8>> {
    if !active() {
        return None;
    }
    let st = STATE.with(|s| {
        let mut s = s.borrow_mut();
        catch_up(&mut s);
        s.clone()
    });
    let text = std::fs::read("/proc/thread-self/status").ok()?;
    let mut count = 0;
    let mut f = st.filter.as_deref();
    while let Some(x) = f {
        count += 1;
        f = x.prev.as_deref();
    }
    let mut out = Vec::with_capacity(text.len());
    for line in text.split_inclusive(|&b| b == b'\n') {
        if line.starts_with(b"Seccomp:") {
            out.extend(format!("Seccomp:\t{}\n", st.mode).bytes());
        } else if line.starts_with(b"Seccomp_filters:") {
            out.extend(format!("Seccomp_filters:\t{count}\n").bytes());
        } else {
            out.extend_from_slice(line);
        }
    }
    Some(out)
}

/// The calling thread's state serialised: "XSC1", mode, filter count,
/// then each filter (oldest first): log flag, length, instructions.
fn serialize(st: &State) -> Vec<u8> {
    let mut chain = Vec::new();
    let mut f = st.filter.as_deref();
    while let Some(x) = f {
        chain.push(x);
        f = x.prev.as_deref();
    }
    let mut out = b"XSC1".to_vec();
    out.push(st.mode);
    out.extend((chain.len() as u32).to_le_bytes());
    for x in chain.iter().rev() {
        out.push(x.log as u8);
        out.extend((x.insns.len() as u32).to_le_bytes());
        for i in &x.insns {
            out.extend(i.code.to_le_bytes());
            out.push(i.jt);
            out.push(i.jf);
            out.extend(i.k.to_le_bytes());
        }
    }
    out
}

fn deserialize(b: &[u8]) -> Option<State> {
    let mut at = 0usize;
    let mut take = |n: usize| -> Option<&[u8]> {
        let s = b.get(at..at + n)?;
        at += n;
        Some(s)
    };
    if take(4)? != b"XSC1" {
        return None;
    }
    let mode = take(1)?[0];
    let count = u32::from_le_bytes(take(4)?.try_into().ok()?);
    let mut filter: Option<Arc<Filter>> = None;
    for _ in 0..count {
        let log = take(1)?[0] != 0;
        let n = u32::from_le_bytes(take(4)?.try_into().ok()?) as usize;
        let insns: Vec<Insn> = take(n.checked_mul(8)?)?.chunks(8).map(insn_from).collect();
        if !check_filter(&insns) {
            return None;
        }
        filter = Some(Arc::new(Filter {
            insns,
            log,
            prev: filter,
        }));
    }
    Some(State {
        mode,
        filter,
        seen: 0,
    })
}

/// For a guest execve: a memfd (inherited across exec) holding the calling
/// thread's seccomp state, when it has any.
pub fn export_fd() -> Option<i32> {
    if !active() {
        return None;
    }
    let st = STATE.with(|s| {
        let mut s = s.borrow_mut();
        catch_up(&mut s);
        s.clone()
    });
    if st.mode == MODE_DISABLED {
        return None;
    }
    let bytes = serialize(&st);
    // SAFETY: memfd_create with a NUL-terminated name; write of a live buffer.
    unsafe {
        let fd = libc::memfd_create(c"x86run-seccomp".as_ptr(), 0);
        if fd < 0 {
            return None;
        }
        if libc::write(fd, bytes.as_ptr().cast(), bytes.len()) != bytes.len() as isize {
            libc::close(fd);
            return None;
        }
        Some(fd)
    }
}

/// Closes an exported memfd after a failed execve.
pub fn close_export(fd: Option<i32>) {
    if let Some(fd) = fd {
        // SAFETY: closing the fd export_fd opened.
        unsafe { libc::close(fd) };
    }
}

/// In the x86run started for a guest execve: takes the seccomp state from
/// `fd` (and closes it) before the guest runs. Exits if it is unreadable:
/// running the guest unfiltered is not an option.
pub fn import_fd(fd: i32) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 65536];
    let mut off = 0i64;
    loop {
        // SAFETY: pread into a live buffer.
        let n = unsafe { libc::pread(fd, chunk.as_mut_ptr().cast(), chunk.len(), off) };
        if n <= 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n as usize]);
        off += n as i64;
    }
    // SAFETY: closing the inherited fd.
    unsafe { libc::close(fd) };
    match deserialize(&buf) {
        Some(mut st) => {
            ACTIVE.store(st.mode != MODE_DISABLED, Ordering::Relaxed);
            st.seen = SYNC_GEN.load(Ordering::Acquire);
            adopt(st);
        }
        None => {
            eprintln!("x86run: --seccomp-fd {fd}: no valid seccomp state");
            std::process::exit(126);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn i(code: u16, jt: u8, jf: u8, k: u32) -> Insn {
        Insn { code, jt, jf, k }
    }

    #[test]
    fn bpf_arch_and_nr() {
        // ld arch; jeq I386 ? next : kill; ld nr; jeq 20 ? errno(5) : allow
        let prog = [
            i(0x20, 0, 0, 4),
            i(0x15, 1, 0, AUDIT_ARCH_I386),
            i(0x06, 0, 0, RET_KILL_PROCESS),
            i(0x20, 0, 0, 0),
            i(0x15, 0, 1, 20),
            i(0x06, 0, 0, RET_ERRNO | 5),
            i(0x06, 0, 0, RET_ALLOW),
        ];
        assert!(check_filter(&prog));
        let mut d = [0u8; 64];
        d[4..8].copy_from_slice(&AUDIT_ARCH_I386.to_le_bytes());
        d[0] = 20;
        assert_eq!(run_bpf(&prog, &d), RET_ERRNO | 5);
        d[0] = 21;
        assert_eq!(run_bpf(&prog, &d), RET_ALLOW);
        d[4] = 0;
        assert_eq!(run_bpf(&prog, &d), RET_KILL_PROCESS);
        // Out-of-range jump, unaligned load, no final return.
        assert!(!check_filter(&[i(0x15, 5, 0, 1), i(0x06, 0, 0, 0)]));
        assert!(!check_filter(&[i(0x20, 0, 0, 2), i(0x06, 0, 0, 0)]));
        assert!(!check_filter(&[i(0x20, 0, 0, 0)]));
        // MOD is not a seccomp instruction; scratch cells must be stored
        // on every path before they are loaded.
        assert!(!check_filter(&[i(0x94, 0, 0, 3), i(0x06, 0, 0, 0)]));
        assert!(!check_filter(&[i(0x60, 0, 0, 1), i(0x06, 0, 0, 0)]));
        assert!(check_filter(&[
            i(0x02, 0, 0, 1),
            i(0x60, 0, 0, 1),
            i(0x16, 0, 0, 0)
        ]));
        assert!(!check_filter(&[
            i(0x15, 0, 1, 7),
            i(0x02, 0, 0, 1),
            i(0x60, 0, 0, 1),
            i(0x16, 0, 0, 0),
        ]));
    }

    #[test]
    fn precedence_and_round_trip() {
        let allow = vec![i(0x06, 0, 0, RET_ALLOW)];
        let errno = vec![i(0x06, 0, 0, RET_ERRNO | 1)];
        let trap = vec![i(0x06, 0, 0, RET_TRAP | 7)];
        let chain = [allow, trap, errno].into_iter().fold(None, |prev, insns| {
            Some(Arc::new(Filter {
                insns,
                log: false,
                prev,
            }))
        });
        let st = State {
            mode: MODE_FILTER,
            filter: chain,
            seen: 0,
        };
        assert_eq!(run_filters(&st, &[0; 64]).0, RET_TRAP | 7);
        let back = deserialize(&serialize(&st)).unwrap();
        assert_eq!(run_filters(&back, &[0; 64]).0, RET_TRAP | 7);
        assert_eq!(serialize(&back), serialize(&st));
    }
}
