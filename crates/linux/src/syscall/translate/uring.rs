//! io_uring for i386 guests, both back ends.
//!
//! The kernel maps a ring only where it chooses: it refuses any address
//! (hint or MAP_FIXED) and mremap, so a 64-bit process cannot get its
//! rings below 4 GiB. x86run therefore owns the pages the guest maps, and
//! a guest mmap of a ring descriptor at IORING_OFF_SQ_RING, CQ_RING or
//! SQES gets a second mapping of those pages (mremap of a shared mapping
//! with old size 0) in a range of the guest's 4 GiB.
//!
//! - compat back end: io_uring_setup goes through the compat entry, so the
//!   ring is a compat ring (the kernel reads iovecs, msghdrs, control
//!   messages and siginfos in the i386 layout, from SQPOLL threads too).
//!   x86run adds IORING_SETUP_NO_MMAP and hands the kernel shared memory
//!   of its own for the rings, sized from a first, discarded setup with
//!   the guest's own parameters. Enter and register pass through.
//! - translate back end: the kernel's ring is a 64-bit ring, so x86run
//!   keeps a shadow. The guest's rings are x86run memory laid out as the
//!   host ring is; io_uring_enter copies the guest's new SQEs into the
//!   host ring, giving the ops whose structs differ in layout
//!   (READV/WRITEV and their _FIXED forms: iovec arrays; SENDMSG,
//!   SENDMSG_ZC, RECVMSG: msghdr and control messages; WAITID: siginfo)
//!   host copies that live until their last CQE, then copies the host's
//!   CQEs back (a RECVMSG's header and control messages and a WAITID's
//!   siginfo are written back first).
//!   Those requests carry an x86run tag as user_data in the host ring; the
//!   guest's value is restored in its CQE, and ASYNC_CANCEL and
//!   SYNC_CANCEL by user_data are pointed at the tag. Every other op has
//!   the same layout in both rings (u64 addresses, __kernel_timespec,
//!   packed epoll_event, statx, open_how, s32 descriptor arrays) and is
//!   copied unchanged. A request x86run cannot translate (a bad iovec or
//!   msghdr pointer) becomes a NOP that fails with its error in the host
//!   ring, so links and the end of the batch behave as the kernel's;
//!   SQEs the kernel did not take go back to the guest's ring.
//!   Completions reach the guest's ring in io_uring_enter and from a
//!   reaper thread per ring that polls the host ring (so a guest that
//!   reads its CQ ring without entering, or waits on an eventfd, sees
//!   them as the kernel posts them; a DEFER_TASKRUN ring has none, its
//!   completions come only when its task enters). While requests are in
//!   flight the guest's SQ flags also carry IORING_SQ_TASKRUN, which
//!   tells a guest that peeks at its CQ ring (liburing does) to enter. SQPOLL is emulated: the host ring has no poll
//!   thread (it would read the guest's 32-bit SQEs behind x86run's back);
//!   the guest's SQ flags always carry IORING_SQ_NEED_WAKEUP, and x86run
//!   submits when the guest enters to wake the thread. A ring registered
//!   with IORING_REGISTER_RING_FDS is found by (thread, index), and x86run
//!   then keeps a descriptor of its own for it. Refused with one warning:
//!   mixed-size SQEs or CQEs, IORING_SETUP_REGISTERED_FD_ONLY, ring
//!   resizing; a multishot RECVMSG with control messages fails its SQE
//!   with EINVAL. A ring inherited across fork fails in the child with
//!   EINVAL and a warning (the shadow is not shared between processes).

use super::fs::iovecs;
use super::socket::Msg;
use super::{sys, warn_once, Errno, Res};
use crate::process::{Backend, Process};
use crate::syscall::Abi;
use libc::*;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{fence, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use x86run_cpu::mem;

/// A host syscall that does not block, made even while a guest signal
/// is pending (`sys!` would then return EINTR without making it). `sys!`
/// is for the calls that wait.
macro_rules! quick {
    ($nr:expr $(, $a:expr)* $(,)?) => {{
        let v: &[u64] = &[$($a as u64),*];
        let mut a = [0u64; 6];
        a[..v.len()].copy_from_slice(v);
        let r = crate::host::syscall6($nr as u64, a);
        if (-4095..0).contains(&r) {
            Err(Errno(-r as i32))
        } else {
            Ok(r)
        }
    }};
}

const NR_SETUP: u64 = 425;
const NR_ENTER: i64 = 426;
const NR_REGISTER: i64 = 427;

const SETUP_SQPOLL: u32 = 1 << 1;
const SETUP_SQ_AFF: u32 = 1 << 2;
const SETUP_SUBMIT_ALL: u32 = 1 << 7;
const SETUP_SQE128: u32 = 1 << 10;
const SETUP_CQE32: u32 = 1 << 11;
const SETUP_DEFER_TASKRUN: u32 = 1 << 13;
const SETUP_NO_MMAP: u32 = 1 << 14;
const SETUP_REGISTERED_FD_ONLY: u32 = 1 << 15;
const SETUP_NO_SQARRAY: u32 = 1 << 16;
const SETUP_CQE_MIXED: u32 = 1 << 18;
const SETUP_SQE_MIXED: u32 = 1 << 19;

const OFF_SQ_RING: u64 = 0;
const OFF_CQ_RING: u64 = 0x800_0000;
const OFF_SQES: u64 = 0x1000_0000;

const ENTER_GETEVENTS: u32 = 1 << 0;
const ENTER_EXT_ARG: u32 = 1 << 3;
const ENTER_REGISTERED_RING: u32 = 1 << 4;
const ENTER_EXT_ARG_REG: u32 = 1 << 5;

const SQ_NEED_WAKEUP: u32 = 1 << 0;
const SQ_CQ_OVERFLOW: u32 = 1 << 1;
const IOSQE_IO_LINK: u8 = 1 << 2;
const IOSQE_IO_HARDLINK: u8 = 1 << 3;
const OP_NOP: u8 = 0;
/// nop_flags: complete with the result in sqe->len.
const NOP_INJECT_RESULT: u32 = 1 << 0;
const SQ_TASKRUN: u32 = 1 << 2;
const CQE_F_MORE: u32 = 1 << 1;
const RECV_MULTISHOT: u16 = 1 << 1;

const OP_READV: u8 = 1;
const OP_WRITEV: u8 = 2;
const OP_SENDMSG: u8 = 9;
const OP_RECVMSG: u8 = 10;
const OP_ASYNC_CANCEL: u8 = 14;
const OP_SENDMSG_ZC: u8 = 48;
const OP_WAITID: u8 = 50;
const OP_READV_FIXED: u8 = 60;
const OP_WRITEV_FIXED: u8 = 61;

const REGISTER_BUFFERS: u64 = 0;
const REGISTER_BUFFERS2: u64 = 15;
const REGISTER_BUFFERS_UPDATE: u64 = 16;
const REGISTER_RING_FDS: u64 = 20;
const REGISTER_UNREGISTER_RING_FDS: u64 = 21;
const REGISTER_SYNC_CANCEL: u64 = 24;
const REGISTER_RESIZE_RINGS: u64 = 33;
const REGISTER_USE_REGISTERED_RING: u64 = 1 << 31;

/// struct io_sqring_offsets.
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct SqOff {
    head: u32,
    tail: u32,
    ring_mask: u32,
    ring_entries: u32,
    flags: u32,
    dropped: u32,
    array: u32,
    resv1: u32,
    user_addr: u64,
}

/// struct io_cqring_offsets.
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct CqOff {
    head: u32,
    tail: u32,
    ring_mask: u32,
    ring_entries: u32,
    overflow: u32,
    cqes: u32,
    flags: u32,
    resv1: u32,
    user_addr: u64,
}

/// struct io_uring_params: the same layout in both ABIs (u64 fields at
/// 8-byte offsets).
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct Params {
    sq_entries: u32,
    cq_entries: u32,
    flags: u32,
    sq_thread_cpu: u32,
    sq_thread_idle: u32,
    features: u32,
    wq_fd: u32,
    resv: [u32; 3],
    sq_off: SqOff,
    cq_off: CqOff,
}
super::guest::plain!(Params);
const _: () = assert!(size_of::<SqOff>() == 40 && size_of::<CqOff>() == 40);
const _: () = assert!(size_of::<Params>() == 120);
const _: () = assert!(std::mem::offset_of!(Params, sq_off) == 40);
const _: () = assert!(std::mem::offset_of!(Params, cq_off) == 80);
const _: () = assert!(std::mem::offset_of!(SqOff, user_addr) == 32);

const SQE_USER_DATA: usize = 32;
/// The tag x86run puts in the user_data of requests it keeps host copies
/// for (the low 32 bits count).
const TAG: u64 = 0x7838_3672_0000_0000;
const TAG_MASK: u64 = 0xffff_ffff_0000_0000;
/// The user_data of the NOP that wakes threads waiting in the host ring
/// when another thread moved completions to the guest's ring (the host
/// ring no longer shows them).
const WAKE: u64 = 0x7838_3677_616b_6521;

/// A mapping x86run owns that the guest may map at a ring offset.
struct Region {
    offsets: &'static [u64],
    addr: u64,
    len: u64,
}

/// One ring x86run made for the guest.
struct Ring {
    regions: Vec<Region>,
    shadow: Option<Mutex<Shadow>>,
    /// The ring file's inode number (each ring has its own on current
    /// kernels): tells a descriptor number reused for another file.
    ino: u64,
}

impl Drop for Ring {
    fn drop(&mut self) {
        for r in &self.regions {
            let _ = quick!(SYS_munmap, r.addr, r.len);
        }
        if let Some(s) = &self.shadow {
            let s = s.lock().unwrap_or_else(|e| e.into_inner());
            let _ = quick!(SYS_munmap, s.host_rings, s.host_rings_len);
            let _ = quick!(SYS_munmap, s.host_sqes, s.host_sqes_len);
            if s.own_fd {
                let _ = quick!(SYS_close, s.fd);
            }
        }
    }
}

/// Rings by descriptor number.
static RINGS: Mutex<BTreeMap<i32, Arc<Ring>>> = Mutex::new(BTreeMap::new());

fn rings() -> MutexGuard<'static, BTreeMap<i32, Arc<Ring>>> {
    RINGS.lock().unwrap_or_else(|e| e.into_inner())
}

fn ring(fd: i32) -> Option<Arc<Ring>> {
    rings().get(&fd).cloned()
}

/// Rings registered with IORING_REGISTER_RING_FDS, by (thread, index):
/// registered indexes belong to the registering thread.
type Registered = HashMap<(i64, u32), Arc<Ring>>;
static REGISTERED: Mutex<Option<Registered>> = Mutex::new(None);

fn registered() -> MutexGuard<'static, Option<Registered>> {
    REGISTERED.lock().unwrap_or_else(|e| e.into_inner())
}

fn tid() -> i64 {
    quick!(SYS_gettid).unwrap_or(0)
}

fn registered_ring(index: u64) -> Option<Arc<Ring>> {
    registered().as_ref()?.get(&(tid(), index as u32)).cloned()
}

/// The descriptor was closed: its ring (if any) is no longer the guest's.
pub fn forget(fd: u64) {
    let fd = fd as i32;
    let mut map = rings();
    // Another thread may already have a new ring under this number
    // (made between the close and this call): keep that one.
    let gone = match map.get(&fd) {
        Some(r) if r.ino != 0 && r.ino == inode(fd) => None,
        Some(_) => map.remove(&fd),
        None => None,
    };
    drop(map);
    drop(gone);
}

fn inode(fd: i32) -> u64 {
    let mut st: libc::stat = super::guest::zeroed();
    match quick!(SYS_fstat, fd, super::guest::mptr(&mut st)) {
        Ok(_) => st.st_ino,
        Err(_) => 0,
    }
}

fn insert_ring(fd: i32, mut ring: Ring) {
    ring.ino = inode(fd);
    let ring = Arc::new(ring);
    let deferred = ring
        .shadow
        .as_ref()
        .is_some_and(|s| lock(s).p.flags & SETUP_DEFER_TASKRUN != 0);
    if ring.shadow.is_some() && !deferred {
        spawn_reaper(Arc::downgrade(&ring));
    }
    let old = rings().insert(fd, ring);
    drop(old);
}

/// A thread that moves a shadow ring's completions to the guest's ring
/// as the kernel posts them, as the kernel does for a native ring (for a
/// guest that reads its CQ ring without entering, or waits on an
/// eventfd). It polls the host ring's descriptor and ends with the ring.
/// (A DEFER_TASKRUN ring posts completions only when its task enters.)
fn spawn_reaper(ring: std::sync::Weak<Ring>) {
    let body = move || loop {
        let Some(r) = ring.upgrade() else {
            break;
        };
        let Some(sh) = r.shadow.as_ref() else {
            break;
        };
        let fd = lock(sh).fd;
        let mut pfd = pollfd {
            fd,
            events: POLLIN,
            revents: 0,
        };
        // SAFETY: poll on one pollfd this frame owns.
        let n = unsafe { poll(&mut pfd, 1, 100) };
        if n > 0 && pfd.revents & POLLNVAL != 0 {
            break;
        }
        if n > 0 && pfd.revents & POLLIN != 0 && lock(sh).reap() == 0 {
            // The guest's ring is full, or the descriptor is another
            // file now: do not spin.
            drop(r);
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
    };
    // The thread takes no signals: they are the guest threads'.
    // SAFETY: sigfillset/pthread_sigmask on local sets.
    unsafe {
        let mut all: sigset_t = std::mem::zeroed();
        let mut old: sigset_t = std::mem::zeroed();
        sigfillset(&mut all);
        pthread_sigmask(SIG_SETMASK, &all, &mut old);
        let _ = std::thread::Builder::new()
            .name("x86run-uring".into())
            .spawn(body);
        pthread_sigmask(SIG_SETMASK, &old, std::ptr::null_mut());
    }
}

fn raw(r: Res) -> i64 {
    match r {
        Ok(v) => v,
        Err(e) => -(e.0 as i64),
    }
}

/// Shared memory of x86run's own (above the guest's 4 GiB).
fn shared(len: u64) -> Result<u64, Errno> {
    let a = quick!(
        SYS_mmap,
        0,
        len,
        PROT_READ | PROT_WRITE,
        MAP_SHARED | MAP_ANONYMOUS,
        -1i64,
        0
    )?;
    Ok(a as u64)
}

fn page_up(n: u64) -> u64 {
    crate::mm::page_up(n)
}

fn sqe_size(flags: u32) -> u64 {
    if flags & SETUP_SQE128 != 0 {
        128
    } else {
        64
    }
}

fn cqe_size(flags: u32) -> u64 {
    if flags & SETUP_CQE32 != 0 {
        32
    } else {
        16
    }
}

/// The sizes of a ring's two memory regions (rings, SQE array), at least
/// what the kernel's rings_size() asks for.
fn sizes(p: &Params) -> (u64, u64) {
    let mut cq = p.cq_off.cqes as u64 + p.cq_entries as u64 * 16;
    if p.flags & SETUP_CQE32 != 0 {
        cq *= 2;
    }
    let cq = cq.next_multiple_of(64);
    let sq = if p.flags & SETUP_NO_SQARRAY != 0 {
        0
    } else {
        p.sq_off.array as u64 + 4 * p.sq_entries as u64
    };
    let sqes = sqe_size(p.flags) * p.sq_entries as u64;
    (page_up(cq.max(sq)), page_up(sqes))
}

/// io_uring_setup, both back ends (the i386 table's row).
pub fn setup(p: &mut Process, a: &[u64; 6]) -> i64 {
    if p.backend == Backend::Translate {
        return super::syscall(p, NR_SETUP, a);
    }
    raw(setup_compat(p, a))
}

fn setup_compat(p: &mut Process, a: &[u64; 6]) -> Res {
    let at = a[1];
    let orig: Params = super::guest::read(at)?;
    if orig.flags & SETUP_NO_MMAP != 0 {
        // The guest's own memory holds the rings: nothing to place.
        return ok_or(p.pass(Abi::I386, NR_SETUP, a));
    }
    // A first ring with the guest's parameters tells the sizes (and gives
    // the kernel's answer to bad parameters).
    let probe = ok_or(p.pass(Abi::I386, NR_SETUP, a))?;
    let got: Params = super::guest::read(at)?;
    let _ = quick!(SYS_close, probe);
    let (rings_len, sqes_len) = sizes(&got);
    let rings_mem = shared(rings_len)?;
    let sqes_mem = match shared(sqes_len) {
        Ok(m) => m,
        Err(e) => {
            let _ = quick!(SYS_munmap, rings_mem, rings_len);
            return Err(e);
        }
    };
    let mut req = orig;
    req.flags |= SETUP_NO_MMAP;
    req.sq_off.user_addr = sqes_mem;
    req.cq_off.user_addr = rings_mem;
    super::guest::write(at, &req)?;
    let fd = ok_or(p.pass(Abi::I386, NR_SETUP, a));
    let ring = Ring {
        regions: vec![
            Region {
                offsets: &[OFF_SQ_RING, OFF_CQ_RING],
                addr: rings_mem,
                len: rings_len,
            },
            Region {
                offsets: &[OFF_SQES],
                addr: sqes_mem,
                len: sqes_len,
            },
        ],
        shadow: None,
        ino: 0,
    };
    let fd = match fd {
        Ok(fd) => fd,
        Err(e) => {
            let _ = super::guest::write(at, &orig);
            if e == Errno::EINVAL {
                warn_once(
                    NR_SETUP << 32,
                    "io_uring ring placement",
                    "the host kernel lacks IORING_SETUP_NO_MMAP (Linux 6.5)",
                );
            }
            return Err(e);
        }
    };
    let mut out: Params = super::guest::read(at)?;
    out.flags = orig.flags;
    out.sq_off.user_addr = 0;
    out.cq_off.user_addr = 0;
    super::guest::write(at, &out)?;
    insert_ring(fd as i32, ring);
    Ok(fd)
}

fn ok_or(r: i64) -> Res {
    if (-4095..0).contains(&r) {
        Err(Errno(-r as i32))
    } else {
        Ok(r)
    }
}

/// A guest mmap of a descriptor: Some(result) when it is a ring x86run
/// made (or another io_uring mapping, which cannot be placed), None for
/// everything else.
pub fn mmap(p: &mut Process, addr: u64, len: u64, flags: u64, fd: i32, off: u64) -> Option<i64> {
    if flags & MAP_ANONYMOUS as u64 != 0 || fd < 0 {
        return None;
    }
    let ring = ring(fd)?;
    // (By inode: /proc may be out of reach, after chroot.)
    let ino = inode(fd);
    if ino == 0 || ino != ring.ino {
        return None;
    }
    let Some(region) = ring.regions.iter().find(|r| r.offsets.contains(&off)) else {
        warn_once(
            (NR_SETUP << 32) | 1,
            &format!("io_uring mapping at offset {off:#x}"),
            "kernel-allocated io_uring memory cannot be placed below 4 GiB",
        );
        return Some(-(EINVAL as i64));
    };
    // The kernel takes no address for a ring mapping.
    if addr != 0 || len == 0 || page_up(len) > region.len {
        return Some(-(EINVAL as i64));
    }
    let len = page_up(len);
    let target = match p.mm().claim(0, len, false) {
        Ok(t) => t,
        Err(e) => return Some(e),
    };
    match quick!(
        SYS_mremap,
        region.addr,
        0,
        len,
        MREMAP_MAYMOVE | MREMAP_FIXED,
        target
    ) {
        Ok(_) => {
            p.code_changed(target, len);
            Some(target as i64)
        }
        Err(e) => {
            p.mm().munmap(target, len);
            Some(-(e.0 as i64))
        }
    }
}

/// io_uring_register, compat back end: passes through, except resizing
/// the rings (their memory is x86run's).
pub fn register_compat(p: &mut Process, a: &[u64; 6]) -> i64 {
    if p.backend == Backend::Translate {
        return super::syscall(p, NR_REGISTER as u64, a);
    }
    if a[1] == REGISTER_RESIZE_RINGS && ring(a[0] as i32).is_some() {
        return raw(refuse(
            5,
            "IORING_REGISTER_RESIZE_RINGS",
            "the rings' memory is x86run's",
        ));
    }
    p.pass(Abi::I386, NR_REGISTER as u64, a)
}

/// Where io_uring_enter's temporary signal mask is (0: none).
pub fn enter_sigmask(a: &[u64; 6]) -> Result<u64, Errno> {
    let flags = a[3] as u32;
    if flags & ENTER_EXT_ARG_REG != 0 || a[4] == 0 {
        return Ok(0);
    }
    if flags & ENTER_EXT_ARG != 0 {
        // struct io_uring_getevents_arg { u64 sigmask; ... }
        return super::guest::read::<u64>(a[4]);
    }
    Ok(a[4])
}

// ---------------------------------------------------------------------
// The translation back end's shadow ring.

/// Host copies a request needs until its last CQE.
enum Keep {
    Iov(#[expect(dead_code, reason = "kept alive for the kernel")] Vec<iovec>),
    Msg(Box<Msg>, u64, bool),
    /// WAITID: the host siginfo and the guest's.
    Siginfo(Box<super::abi32::HostSiginfo>, u64),
}

struct Pending {
    user_data: u64,
    keep: Keep,
}

/// The shadow of one ring (translation back end).
struct Shadow {
    /// The descriptor host calls use: the guest's, or x86run's own
    /// duplicate once the ring is registered (the guest may then close
    /// its descriptor and go on through the registered index).
    fd: i32,
    own_fd: bool,
    p: Params,
    host_rings: u64,
    host_rings_len: u64,
    host_sqes: u64,
    host_sqes_len: u64,
    guest_rings: u64,
    guest_sqes: u64,
    /// Guest SQEs consumed (the guest ring's SQ head).
    sq_head: u32,
    /// CQEs given to the guest (the guest ring's CQ tail).
    cq_tail: u32,
    pending: HashMap<u64, Pending>,
    next_tag: u32,
    /// CQEs x86run posts itself (requests it failed), not yet in the ring.
    local: VecDeque<(u64, i32)>,
    /// Requests the kernel may still complete.
    inflight: u64,
    /// Threads waiting in the host ring for completions.
    waiters: u32,
    /// The guest asked for SQPOLL: x86run submits in io_uring_enter and
    /// the guest's SQ flags always ask for a wakeup.
    sqpoll: bool,
    /// The host's NOP can complete with a given result (Linux 6.10): a
    /// request x86run cannot translate then fails in the host ring, in
    /// order and with its links, instead of beside it.
    inject: bool,
    probed: bool,
    /// The process that made the shadow: a child of fork has a copy of
    /// the shadow that the parent's does not follow.
    pid: u32,
}

/// What one guest SQE became in the current submission.
struct Placed {
    /// The guest's SQ head before it.
    head: u32,
    /// Whether it went to the host ring (else a local CQE).
    host: bool,
    tag: Option<u64>,
}

// SAFETY: the raw pointers in the kept host copies (iovec bases, msghdr
// fields) point into guest memory or into the copies themselves; they
// are only handed to the kernel, and the shadow is always behind a mutex.
unsafe impl Send for Shadow {}

fn rd32(at: u64) -> u32 {
    mem::read_u32(at).unwrap_or(0)
}

fn wr32(at: u64, v: u32) {
    let _ = mem::write_u32(at, v);
}

impl Shadow {
    fn sq_mask(&self) -> u32 {
        self.p.sq_entries - 1
    }

    fn cq_mask(&self) -> u32 {
        self.p.cq_entries - 1
    }

    /// Puts `sqe` (one SQE of the ring's size) into the host ring's slot
    /// for `htail`, the host's current SQ tail, and publishes it (the
    /// caller has checked there is room).
    fn post_host_sqe(&self, htail: u32, sqe: &[u8]) {
        let p = self.p;
        let hslot = htail & self.sq_mask();
        let dst = self.host_sqes + hslot as u64 * sqe.len() as u64;
        // SAFETY: the host SQE array is x86run's mapping of sq_entries
        // SQEs of sqe.len() bytes; hslot < sq_entries.
        unsafe {
            std::ptr::copy_nonoverlapping(sqe.as_ptr(), dst as *mut u8, sqe.len());
        }
        if p.flags & SETUP_NO_SQARRAY == 0 {
            wr32(
                self.host_rings + p.sq_off.array as u64 + 4 * hslot as u64,
                hslot,
            );
        }
        fence(Ordering::SeqCst);
        wr32(
            self.host_rings + p.sq_off.tail as u64,
            htail.wrapping_add(1),
        );
    }

    /// Copies up to `n` new guest SQEs into the host ring; returns what
    /// each consumed guest SQE became. As the kernel does, a request that
    /// fails before submission ends the batch at the end of its link
    /// (unless IORING_SETUP_SUBMIT_ALL).
    fn submit(&mut self, n: u32) -> Vec<Placed> {
        let p = self.p;
        let sqe_len = sqe_size(p.flags) as usize;
        fence(Ordering::SeqCst);
        let gtail = rd32(self.guest_rings + p.sq_off.tail as u64);
        let avail = gtail.wrapping_sub(self.sq_head).min(p.sq_entries);
        let want = n.min(avail);
        let mut placed = Vec::new();
        let mut chain_failed = false;
        while (placed.len() as u32) < want {
            let hhead = rd32(self.host_rings + p.sq_off.head as u64);
            let htail = rd32(self.host_rings + p.sq_off.tail as u64);
            if htail.wrapping_sub(hhead) >= p.sq_entries {
                break;
            }
            let head = self.sq_head;
            let slot = self.sq_head & self.sq_mask();
            let idx = if p.flags & SETUP_NO_SQARRAY != 0 {
                slot
            } else {
                rd32(self.guest_rings + p.sq_off.array as u64 + 4 * slot as u64)
            };
            self.sq_head = self.sq_head.wrapping_add(1);
            if idx >= p.sq_entries {
                let d = self.guest_rings + p.sq_off.dropped as u64;
                wr32(d, rd32(d).wrapping_add(1));
                placed.push(Placed {
                    head,
                    host: false,
                    tag: None,
                });
                continue;
            }
            let mut sqe = vec![0u8; sqe_len];
            let read = mem::read_bytes(self.guest_sqes + idx as u64 * sqe_len as u64, &mut sqe);
            let user_data = u64_at(&sqe, SQE_USER_DATA);
            let linked = sqe[1] & (IOSQE_IO_LINK | IOSQE_IO_HARDLINK) != 0;
            if chain_failed && !self.inject {
                // Without injected results a failed request stays out of
                // the host ring, so the rest of its link fails here too.
                self.local.push_back((user_data, -ECANCELED));
                placed.push(Placed {
                    head,
                    host: false,
                    tag: None,
                });
                if !linked {
                    if p.flags & SETUP_SUBMIT_ALL == 0 && !self.sqpoll {
                        break;
                    }
                    chain_failed = false;
                }
                continue;
            }
            let res = match read {
                Ok(()) => self.translate(&mut sqe),
                Err(_) => Err(Errno::EFAULT),
            };
            let tag =
                (u64_at(&sqe, SQE_USER_DATA) != user_data).then(|| u64_at(&sqe, SQE_USER_DATA));
            let failed = res.is_err();
            if let Err(e) = res {
                if !self.inject {
                    self.local.push_back((user_data, -e.0));
                    placed.push(Placed {
                        head,
                        host: false,
                        tag: None,
                    });
                    if !linked && p.flags & SETUP_SUBMIT_ALL == 0 && !self.sqpoll {
                        break;
                    }
                    chain_failed = linked;
                    continue;
                }
                // A NOP that fails with the error, keeping the SQE's
                // flags (links) and user_data.
                let flags = sqe[1];
                sqe.iter_mut().for_each(|b| *b = 0);
                sqe[0] = OP_NOP;
                sqe[1] = flags;
                sqe[24..28].copy_from_slice(&(-e.0).to_le_bytes());
                sqe[28..32].copy_from_slice(&NOP_INJECT_RESULT.to_le_bytes());
                put_u64(&mut sqe, SQE_USER_DATA, user_data);
            }
            self.post_host_sqe(htail, &sqe);
            self.inflight += 1;
            placed.push(Placed {
                head,
                host: true,
                tag: if failed { None } else { tag },
            });
            if failed || chain_failed {
                if linked {
                    chain_failed = true;
                } else if p.flags & SETUP_SUBMIT_ALL == 0 && !self.sqpoll {
                    break;
                } else {
                    chain_failed = false;
                }
            }
        }
        fence(Ordering::SeqCst);
        wr32(self.guest_rings + p.sq_off.head as u64, self.sq_head);
        placed
    }

    /// The kernel took only `taken` of the host SQEs this submission
    /// added: the rest (and the guest SQEs after the last one taken) go
    /// back, as if never consumed. Returns the guest SQEs consumed.
    fn rollback(&mut self, placed: &[Placed], taken: usize) -> u32 {
        let start = placed.first().map_or(self.sq_head, |p| p.head);
        let host_added = placed.iter().filter(|p| p.host).count();
        if taken >= host_added {
            return placed.len() as u32;
        }
        // The first host SQE not taken: everything from it on goes back.
        let Some(cut) = placed
            .iter()
            .enumerate()
            .filter(|(_, p)| p.host)
            .nth(taken)
            .map(|(k, _)| k)
        else {
            return placed.len() as u32;
        };
        let locals_after = placed[cut..].iter().filter(|p| !p.host).count();
        for p in &placed[cut..] {
            if let Some(t) = p.tag {
                self.pending.remove(&t);
            }
        }
        let keep = self.local.len().saturating_sub(locals_after);
        self.local.truncate(keep);
        let untaken = (host_added - taken) as u32;
        let tail_at = self.host_rings + self.p.sq_off.tail as u64;
        wr32(tail_at, rd32(tail_at).wrapping_sub(untaken));
        self.inflight = self.inflight.saturating_sub(untaken as u64);
        self.sq_head = placed[cut].head;
        fence(Ordering::SeqCst);
        wr32(self.guest_rings + self.p.sq_off.head as u64, self.sq_head);
        self.sq_head.wrapping_sub(start)
    }

    /// Gives one SQE host copies of the structs it points to.
    fn translate(&mut self, sqe: &mut [u8]) -> Result<(), Errno> {
        let op = sqe[0];
        let addr = u64_at(sqe, 16);
        let len = u32::from_le_bytes([sqe[24], sqe[25], sqe[26], sqe[27]]);
        let keep = match op {
            OP_READV | OP_WRITEV | OP_READV_FIXED | OP_WRITEV_FIXED => {
                let v = iovecs(addr, len as u64)?;
                put_u64(sqe, 16, v.as_ptr() as u64);
                Keep::Iov(v)
            }
            OP_SENDMSG | OP_SENDMSG_ZC => {
                let m = Box::new(Msg::read(addr, true)?);
                put_u64(sqe, 16, &m.hdr as *const msghdr as u64);
                Keep::Msg(m, addr, false)
            }
            OP_RECVMSG => {
                let ioprio = u16::from_le_bytes([sqe[2], sqe[3]]);
                let multishot = ioprio & RECV_MULTISHOT != 0;
                if multishot {
                    let g: super::abi32::Msghdr32 = super::guest::read(addr)?;
                    if g.controllen != 0 {
                        warn_once(
                            (NR_SETUP << 32) | 2,
                            "multishot IORING_OP_RECVMSG with control messages",
                            "the kernel would write them in the host layout",
                        );
                        return Err(Errno::EINVAL);
                    }
                }
                let m = Box::new(Msg::read(addr, false)?);
                put_u64(sqe, 16, &m.hdr as *const msghdr as u64);
                Keep::Msg(m, addr, !multishot)
            }
            OP_WAITID => {
                // infop is in addr2; the kernel fills signo, errno,
                // code, pid, uid and status (io_waitid_copy_si).
                let infop = u64_at(sqe, 8);
                if infop == 0 {
                    return Ok(());
                }
                let h: Box<super::abi32::HostSiginfo> = Box::new(super::guest::zeroed());
                put_u64(sqe, 8, &*h as *const _ as u64);
                Keep::Siginfo(h, infop)
            }
            OP_ASYNC_CANCEL => {
                if let Some((tag, _)) = self.pending.iter().find(|(_, p)| p.user_data == addr) {
                    put_u64(sqe, 16, *tag);
                }
                return Ok(());
            }
            _ => return Ok(()),
        };
        let tag = TAG | self.next_tag as u64;
        self.next_tag = self.next_tag.wrapping_add(1);
        let user_data = u64_at(sqe, SQE_USER_DATA);
        put_u64(sqe, SQE_USER_DATA, tag);
        self.pending.insert(tag, Pending { user_data, keep });
        Ok(())
    }

    /// Copies CQEs (x86run's own first, then the host ring's) into the
    /// guest's CQ ring while it has room; returns how many.
    fn reap(&mut self) -> u32 {
        let p = self.p;
        let cqe_len = cqe_size(p.flags) as usize;
        let mut n = 0;
        fence(Ordering::SeqCst);
        let ghead = rd32(self.guest_rings + p.cq_off.head as u64);
        let room = |tail: u32| tail.wrapping_sub(ghead) < p.cq_entries;
        let gcqe = |tail: u32| {
            self.guest_rings
                + p.cq_off.cqes as u64
                + (tail & (p.cq_entries - 1)) as u64 * cqe_len as u64
        };
        while room(self.cq_tail) {
            let Some((user_data, res)) = self.local.pop_front() else {
                break;
            };
            let mut cqe = vec![0u8; cqe_len];
            put_u64(&mut cqe, 0, user_data);
            cqe[8..12].copy_from_slice(&res.to_le_bytes());
            let _ = mem::write_bytes(gcqe(self.cq_tail), &cqe);
            self.cq_tail = self.cq_tail.wrapping_add(1);
            n += 1;
        }
        let hhead_at = self.host_rings + p.cq_off.head as u64;
        let mut hhead = rd32(hhead_at);
        let htail = rd32(self.host_rings + p.cq_off.tail as u64);
        fence(Ordering::SeqCst);
        while hhead != htail && room(self.cq_tail) {
            let src = self.host_rings
                + p.cq_off.cqes as u64
                + (hhead & self.cq_mask()) as u64 * cqe_len as u64;
            let mut cqe = vec![0u8; cqe_len];
            let _ = mem::read_bytes(src, &mut cqe);
            hhead = hhead.wrapping_add(1);
            let user_data = u64_at(&cqe, 0);
            if user_data == WAKE {
                continue;
            }
            let res = i32::from_le_bytes([cqe[8], cqe[9], cqe[10], cqe[11]]);
            let flags = u32::from_le_bytes([cqe[12], cqe[13], cqe[14], cqe[15]]);
            let last = flags & CQE_F_MORE == 0;
            if last {
                self.inflight = self.inflight.saturating_sub(1);
            }
            if user_data & TAG_MASK == TAG {
                if let Some(pd) = self.pending.get(&user_data) {
                    put_u64(&mut cqe, 0, pd.user_data);
                    let wrote = match &pd.keep {
                        Keep::Msg(m, at, true) if res >= 0 => m.write_back(*at),
                        Keep::Siginfo(h, at) if res >= 0 => write_siginfo(h, *at),
                        _ => Ok(()),
                    };
                    if let Err(e) = wrote {
                        cqe[8..12].copy_from_slice(&(-e.0).to_le_bytes());
                    }
                }
                if last {
                    self.pending.remove(&user_data);
                }
            }
            let _ = mem::write_bytes(gcqe(self.cq_tail), &cqe);
            self.cq_tail = self.cq_tail.wrapping_add(1);
            n += 1;
        }
        fence(Ordering::SeqCst);
        wr32(hhead_at, hhead);
        wr32(self.guest_rings + p.cq_off.tail as u64, self.cq_tail);
        // The kernel-side flags the guest reads: overflow, and "enter to
        // get completions" while any are outstanding.
        let hflags = rd32(self.host_rings + p.sq_off.flags as u64);
        let mut gflags =
            rd32(self.guest_rings + p.sq_off.flags as u64) & !(SQ_TASKRUN | SQ_CQ_OVERFLOW);
        gflags |= hflags & SQ_CQ_OVERFLOW;
        if self.inflight > 0 || !self.local.is_empty() || hhead != htail {
            gflags |= SQ_TASKRUN;
        }
        if self.sqpoll {
            gflags |= SQ_NEED_WAKEUP;
        }
        wr32(self.guest_rings + p.sq_off.flags as u64, gflags);
        let hover = rd32(self.host_rings + p.cq_off.overflow as u64);
        wr32(self.guest_rings + p.cq_off.overflow as u64, hover);
        if n > 0 && self.waiters > 0 {
            self.wake();
        }
        n
    }

    /// Posts a NOP to the host ring so that threads waiting there look
    /// at the guest's ring again.
    fn wake(&mut self) {
        let p = self.p;
        let sqe_len = sqe_size(p.flags);
        let hhead = rd32(self.host_rings + p.sq_off.head as u64);
        let htail = rd32(self.host_rings + p.sq_off.tail as u64);
        if htail.wrapping_sub(hhead) >= p.sq_entries {
            return;
        }
        let mut sqe = vec![0u8; sqe_len as usize];
        put_u64(&mut sqe, SQE_USER_DATA, WAKE);
        self.post_host_sqe(htail, &sqe);
        let _ = quick!(NR_ENTER, self.fd, self.host_unsubmitted(), 0, 0, 0, 0);
    }

    /// Whether the host's NOP takes an injected result: one NOP that
    /// should fail with ENOENT, its CQE consumed here.
    fn probe_inject(&mut self) {
        let p = self.p;
        let sqe_len = sqe_size(p.flags) as usize;
        let htail = rd32(self.host_rings + p.sq_off.tail as u64);
        let mut sqe = vec![0u8; sqe_len];
        sqe[24..28].copy_from_slice(&(-ENOENT).to_le_bytes());
        sqe[28..32].copy_from_slice(&NOP_INJECT_RESULT.to_le_bytes());
        put_u64(&mut sqe, SQE_USER_DATA, WAKE);
        self.post_host_sqe(htail, &sqe);
        if quick!(NR_ENTER, self.fd, 1, 1, ENTER_GETEVENTS, 0, 0).is_err() {
            // A disabled ring: take the NOP back and ask again later.
            wr32(self.host_rings + p.sq_off.tail as u64, htail);
            return;
        }
        self.probed = true;
        let cqe_len = cqe_size(p.flags);
        let head_at = self.host_rings + p.cq_off.head as u64;
        let (mut head, tail) = (rd32(head_at), rd32(self.host_rings + p.cq_off.tail as u64));
        while head != tail {
            let at =
                self.host_rings + p.cq_off.cqes as u64 + (head & self.cq_mask()) as u64 * cqe_len;
            let user_data = mem::read_u64(at).unwrap_or(0);
            let res = mem::read_u32(at + 8).unwrap_or(0) as i32;
            head = head.wrapping_add(1);
            if user_data == WAKE {
                self.inject = res == -ENOENT;
                break;
            }
        }
        wr32(head_at, head);
    }

    /// CQEs the guest has not consumed yet.
    fn ready(&self) -> u32 {
        let ghead = rd32(self.guest_rings + self.p.cq_off.head as u64);
        self.cq_tail.wrapping_sub(ghead)
    }

    /// SQEs in the host ring the kernel has not consumed.
    fn host_unsubmitted(&self) -> u32 {
        let h = rd32(self.host_rings + self.p.sq_off.head as u64);
        let t = rd32(self.host_rings + self.p.sq_off.tail as u64);
        t.wrapping_sub(h)
    }
}

/// The fields of a waitid siginfo, in the i386 layout.
fn write_siginfo(h: &super::abi32::HostSiginfo, at: u64) -> Result<(), Errno> {
    let f = h.f;
    let words = [
        h.signo as u32,
        h.errno as u32,
        h.code as u32,
        f[0] as u32,         // pid
        (f[0] >> 32) as u32, // uid
        f[1] as u32,         // status
    ];
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    super::guest::write_from(at, &bytes)
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(w)
}

fn put_u64(b: &mut [u8], at: usize, v: u64) {
    b[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

/// IORING_REGISTER_RING_FDS / UNREGISTER_RING_FDS: an array of
/// io_uring_rsrc_update {u32 offset, resv; u64 data (the ring fd)}, the
/// same in both ABIs. x86run notes which shadow each index names, and
/// keeps a descriptor of its own for a registered ring.
fn register_ring_fds(fd: u64, op: u64, arg: u64, nr: u64) -> Res {
    let r = quick!(NR_REGISTER, fd, op, arg, nr)?;
    let tid = tid();
    for k in 0..(r.max(0) as u64).min(nr) {
        let Ok(e) = super::guest::read::<[u32; 4]>(arg + 16 * k) else {
            break;
        };
        let (index, ring_fd) = (e[0], e[2] as i32);
        let mut reg = registered();
        let map = reg.get_or_insert_with(HashMap::new);
        if op == REGISTER_UNREGISTER_RING_FDS {
            map.remove(&(tid, index));
            continue;
        }
        let Some(ring) = ring(ring_fd) else {
            continue;
        };
        if let Some(sh) = &ring.shadow {
            let mut s = lock(sh);
            if !s.own_fd {
                if let Ok(own) = quick!(SYS_fcntl, s.fd, F_DUPFD_CLOEXEC, 900) {
                    s.fd = own as i32;
                    s.own_fd = true;
                }
            }
        }
        map.insert((tid, index), ring);
    }
    Ok(r)
}

/// IORING_REGISTER_SYNC_CANCEL: struct io_uring_sync_cancel_reg (64
/// bytes, the same in both ABIs) names requests by user_data (addr at
/// 0) unless its flags (at 12) select by descriptor, any, or opcode; a
/// request x86run tagged is known to the kernel by its tag.
fn sync_cancel(sh: &Mutex<Shadow>, fd: u64, arg: u64) -> Res {
    const BY_FD: u32 = 1 << 1;
    const ANY: u32 = 1 << 2;
    const BY_USERDATA: u32 = 1 << 4;
    const BY_OP: u32 = 1 << 5;
    let mut b = [0u8; 64];
    mem::read_bytes(arg, &mut b).map_err(|_| Errno::EFAULT)?;
    let flags = u32::from_le_bytes([b[12], b[13], b[14], b[15]]);
    if flags & (BY_FD | ANY | BY_OP) == 0 || flags & BY_USERDATA != 0 {
        let user_data = u64_at(&b, 0);
        let s = lock(sh);
        if let Some((tag, _)) = s.pending.iter().find(|(_, p)| p.user_data == user_data) {
            put_u64(&mut b, 0, *tag);
        }
    }
    sys!(NR_REGISTER, fd, REGISTER_SYNC_CANCEL, b.as_ptr(), 1)
}

/// A registration's iovec array (up to 16384 buffers, more than readv's
/// UIO_MAXIOV; the kernel checks the count).
fn buffers(at: u64, n: u64) -> Result<Vec<iovec>, Errno> {
    let v: Vec<super::abi32::Iovec32> = super::guest::read_vec(at, n.min(1 << 14) as usize)?;
    Ok(v.iter()
        .map(|g| iovec {
            iov_base: g.base as usize as *mut c_void,
            iov_len: g.len as usize,
        })
        .collect())
}

fn refuse(key: u64, what: &str, why: &str) -> Res {
    warn_once((NR_SETUP << 32) | 0x100 | key, what, why);
    Err(Errno::EINVAL)
}

/// io_uring_setup(entries, params), translation back end: a host ring and
/// a shadow the guest maps.
pub fn setup_translate(_p: &mut Process, a: &[u64; 6]) -> Res {
    let orig: Params = super::guest::read(a[1])?;
    if orig.flags & SETUP_REGISTERED_FD_ONLY != 0 {
        return refuse(
            3,
            "io_uring with IORING_SETUP_REGISTERED_FD_ONLY",
            "registered ring descriptors are not translated",
        );
    }
    let mut hp = orig;
    hp.flags &= !SETUP_NO_MMAP;
    hp.sq_off.user_addr = 0;
    hp.cq_off.user_addr = 0;
    // The kernel checks the guest's parameters first (its errors are the
    // guest's).
    let mut fd = quick!(SYS_io_uring_setup, a[0], super::guest::mptr(&mut hp))?;
    if orig.flags & (SETUP_SQE_MIXED | SETUP_CQE_MIXED) != 0 {
        let _ = quick!(SYS_close, fd);
        return refuse(2, "io_uring with mixed-size SQEs or CQEs", "not translated");
    }
    if orig.flags & SETUP_SQPOLL != 0 {
        // SQPOLL: the kernel thread would read the guest's 32-bit SQEs
        // behind x86run's back; the host ring has none, and x86run
        // submits in io_uring_enter (the guest is always told to wake
        // the thread).
        let _ = quick!(SYS_close, fd);
        hp = orig;
        hp.flags &= !(SETUP_NO_MMAP | SETUP_SQPOLL | SETUP_SQ_AFF);
        hp.sq_off.user_addr = 0;
        hp.cq_off.user_addr = 0;
        fd = quick!(SYS_io_uring_setup, a[0], super::guest::mptr(&mut hp))?;
    }
    match shadow_for(fd as i32, &orig, hp) {
        Ok((ring, out)) => {
            if let Err(e) = super::guest::write(a[1], &out) {
                let _ = quick!(SYS_close, fd);
                return Err(e);
            }
            insert_ring(fd as i32, ring);
            Ok(fd)
        }
        Err(e) => {
            let _ = quick!(SYS_close, fd);
            Err(e)
        }
    }
}

fn shadow_for(fd: i32, orig: &Params, hp: Params) -> Result<(Ring, Params), Errno> {
    let (rings_len, sqes_len) = sizes(&hp);
    let host_rings = quick!(
        SYS_mmap,
        0,
        rings_len,
        PROT_READ | PROT_WRITE,
        MAP_SHARED | MAP_POPULATE,
        fd,
        OFF_SQ_RING
    )? as u64;
    let host_sqes = match quick!(
        SYS_mmap,
        0,
        sqes_len,
        PROT_READ | PROT_WRITE,
        MAP_SHARED | MAP_POPULATE,
        fd,
        OFF_SQES
    ) {
        Ok(v) => v as u64,
        Err(e) => {
            let _ = quick!(SYS_munmap, host_rings, rings_len);
            return Err(e);
        }
    };
    let mut regions = Vec::new();
    let (guest_rings, guest_sqes) = if orig.flags & SETUP_NO_MMAP != 0 {
        (orig.cq_off.user_addr, orig.sq_off.user_addr)
    } else {
        let r = shared(rings_len)?;
        regions.push(Region {
            offsets: &[OFF_SQ_RING, OFF_CQ_RING],
            addr: r,
            len: rings_len,
        });
        let s = shared(sqes_len)?;
        regions.push(Region {
            offsets: &[OFF_SQES],
            addr: s,
            len: sqes_len,
        });
        (r, s)
    };
    // The guest's rings start as the host's: zero indexes, masks, sizes.
    let mut header = vec![0u8; hp.cq_off.cqes as usize];
    let _ = mem::read_bytes(host_rings, &mut header);
    let mut ring = Ring {
        regions,
        shadow: None,
        ino: 0,
    };
    if mem::write_bytes(guest_rings, &header).is_err() {
        return Err(Errno::EFAULT);
    }
    let mut out = hp;
    out.flags = orig.flags;
    out.sq_off.user_addr = orig.sq_off.user_addr;
    out.cq_off.user_addr = orig.cq_off.user_addr;
    ring.shadow = Some(Mutex::new(Shadow {
        fd,
        own_fd: false,
        p: hp,
        host_rings,
        host_rings_len: rings_len,
        host_sqes,
        host_sqes_len: sqes_len,
        guest_rings,
        guest_sqes,
        sq_head: 0,
        cq_tail: 0,
        pending: HashMap::new(),
        next_tag: 0,
        local: VecDeque::new(),
        inflight: 0,
        waiters: 0,
        sqpoll: orig.flags & SETUP_SQPOLL != 0,
        inject: false,
        probed: false,
        pid: std::process::id(),
    }));
    if let Some(sh) = &ring.shadow {
        let mut s = lock(sh);
        s.probe_inject();
        let flags_at = s.guest_rings + s.p.sq_off.flags as u64;
        if s.sqpoll {
            wr32(flags_at, rd32(flags_at) | SQ_NEED_WAKEUP);
        }
    }
    Ok((ring, out))
}

fn lock(s: &Mutex<Shadow>) -> MutexGuard<'_, Shadow> {
    s.lock().unwrap_or_else(|e| e.into_inner())
}

/// io_uring_enter(fd, to_submit, min_complete, flags, arg, argsz),
/// translation back end.
pub fn enter(_p: &mut Process, a: &[u64; 6]) -> Res {
    let flags = a[3] as u32;
    let ring = if flags & ENTER_REGISTERED_RING != 0 {
        registered_ring(a[0])
    } else {
        ring(a[0] as i32)
    };
    let Some(shadow) = ring.as_ref().and_then(|r| r.shadow.as_ref()) else {
        return sys!(SYS_io_uring_enter, a[0], a[1], a[2], a[3], a[4], a[5]);
    };
    if lock(shadow).pid != std::process::id() {
        return refuse(
            6,
            "io_uring ring used by a child of fork",
            "the shadow ring is not shared between processes",
        );
    }
    let (fd, submitted, submit_err) = {
        let mut s = lock(shadow);
        if !s.probed {
            s.probe_inject();
        }
        let sqpoll = s.sqpoll;
        let before = s.host_unsubmitted();
        let placed = s.submit(if sqpoll { u32::MAX } else { a[1] as u32 });
        let n = s.host_unsubmitted();
        let head_at = s.host_rings + s.p.sq_off.head as u64;
        let head_before = rd32(head_at);
        // GETEVENTS without waiting also runs deferred completions
        // (DEFER_TASKRUN) and polls (IOPOLL), as the guest's call would.
        let getevents = flags & ENTER_GETEVENTS;
        let r = if n > 0 || getevents != 0 {
            quick!(NR_ENTER, s.fd, n, 0, getevents, 0, 0)
        } else {
            Ok(0)
        };
        let taken = rd32(head_at)
            .wrapping_sub(head_before)
            .saturating_sub(before) as usize;
        let consumed = if sqpoll {
            // The kernel thread would have taken them in its own time.
            a[1] as u32
        } else {
            s.rollback(&placed, taken)
        };
        s.reap();
        (s.fd, consumed, r.err())
    };
    if let Some(e) = submit_err {
        if submitted == 0 {
            return Err(e);
        }
    }
    let min = a[2] as u32;
    if flags & ENTER_GETEVENTS != 0 && min > 0 {
        let wait_flags = flags & !ENTER_REGISTERED_RING;
        loop {
            let ready = {
                let mut s = lock(shadow);
                s.reap();
                let ready = s.ready();
                if ready < min {
                    s.waiters += 1;
                }
                ready
            };
            if ready >= min {
                break;
            }
            let r = sys!(NR_ENTER, fd, 0, min - ready, wait_flags, a[4], a[5]);
            let ready = {
                let mut s = lock(shadow);
                s.waiters -= 1;
                s.reap();
                s.ready()
            };
            // The kernel reports a timeout or signal only when the ring
            // holds nothing.
            match r {
                Err(e) if ready == 0 && submitted == 0 => return Err(e),
                Err(_) => break,
                Ok(_) if ready >= min => break,
                // Woken for completions another thread moved: look again.
                Ok(_) => {}
            }
        }
    }
    Ok(submitted as i64)
}

/// io_uring_register(fd, opcode, arg, nr_args), translation back end.
pub fn register(_p: &mut Process, a: &[u64; 6]) -> Res {
    let (fd, op, arg, nr) = (a[0], a[1], a[2], a[3]);
    let this = if op & REGISTER_USE_REGISTERED_RING != 0 {
        registered_ring(fd)
    } else {
        ring(fd as i32)
    };
    let (fd, op) = if op & REGISTER_USE_REGISTERED_RING != 0 {
        match this
            .as_ref()
            .and_then(|r| r.shadow.as_ref().map(|s| lock(s).fd))
        {
            Some(host_fd) => (host_fd as u64, op & !REGISTER_USE_REGISTERED_RING),
            None => (fd, op),
        }
    } else {
        (fd, op)
    };
    if op == REGISTER_SYNC_CANCEL && nr == 1 {
        if let Some(sh) = this.as_ref().and_then(|r| r.shadow.as_ref()) {
            return sync_cancel(sh, fd, arg);
        }
    }
    if op == REGISTER_RING_FDS || op == REGISTER_UNREGISTER_RING_FDS {
        return register_ring_fds(fd, op, arg, nr);
    }
    if op == REGISTER_RESIZE_RINGS && ring(fd as i32).is_some() {
        return refuse(
            5,
            "IORING_REGISTER_RESIZE_RINGS",
            "the shadow ring is not resized",
        );
    }
    match op {
        REGISTER_BUFFERS if arg != 0 => {
            let v = buffers(arg, nr)?;
            quick!(NR_REGISTER, fd, op, v.as_ptr(), nr)
        }
        REGISTER_BUFFERS2 | REGISTER_BUFFERS_UPDATE if nr == 32 => {
            // io_uring_rsrc_register { u32 nr, flags; u64 resv2, data, tags }
            // io_uring_rsrc_update2 { u32 offset, resv; u64 data, tags; u32 nr, resv2 }
            let mut b = [0u8; 32];
            mem::read_bytes(arg, &mut b).map_err(|_| Errno::EFAULT)?;
            let (count, data_at) = if op == REGISTER_BUFFERS2 {
                (u32::from_le_bytes([b[0], b[1], b[2], b[3]]), 16)
            } else {
                (u32::from_le_bytes([b[24], b[25], b[26], b[27]]), 8)
            };
            let data = u64_at(&b, data_at);
            let v = if data != 0 {
                buffers(data, count as u64)?
            } else {
                Vec::new()
            };
            if data != 0 {
                put_u64(&mut b, data_at, v.as_ptr() as u64);
            }
            quick!(NR_REGISTER, fd, op, b.as_ptr(), nr)
        }
        _ => sys!(NR_REGISTER, fd, op, arg, nr),
    }
}
