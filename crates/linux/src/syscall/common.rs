//! Handlers shared by both guest ABIs: process exit, address-space calls,
//! clone/fork, execve (re-entering x86run), signal dispositions, masks,
//! sigaltstack, sigreturn and sigsuspend, and the calls refused because they
//! would act on the emulator itself.

use super::{Abi, EFAULT, EINVAL, ENOSYS};
use crate::process::Process;
use crate::signals::{GuestSigaction, SigInfo, TrapInfo, SI_KERNEL, SS_AUTODISARM, UNBLOCKABLE};
use x86run_cpu::{mem, Mode};

impl Process {
    pub(crate) fn word(&self) -> u64 {
        if self.cpu.mode == Mode::Bits32 {
            4
        } else {
            8
        }
    }

    /// sigaction for every ABI's call: records the action; ignoring a
    /// signal discards its pending instances, including a sent
    /// SIGSEGV/SIGBUS that x86run holds for a thread that blocks it.
    pub(crate) fn set_sigaction(
        &mut self,
        sig: usize,
        new: Option<GuestSigaction>,
    ) -> Result<GuestSigaction, i64> {
        let old = self.sigactions.set(sig, new)?;
        if new.is_some_and(|a| a.handler == crate::signals::SIG_IGN)
            && crate::hostsig::bit(sig) & crate::hostsig::FAULT_SIGNALS != 0
        {
            for t in self.shared.threads.lock().iter() {
                t.discard(sig);
            }
        }
        Ok(old)
    }

    /// Forgets decoded code in [start, start+len), in every thread.
    pub(crate) fn code_changed(&mut self, start: u64, len: u64) {
        let end = start.saturating_add(len);
        x86run_cpu::code::forget(start, end);
        self.sync_code();
        self.interp.cache.invalidate(start, end);
        let seen = self.thread.code_seen;
        let now = self.shared.code.record(start, end);
        if now == seen + 1 {
            self.thread.code_seen = now;
        }
        self.shared.threads.poke_others(&self.sig.ctl);
    }
}

pub fn exit_group(_p: &mut Process, a: &[u64; 6]) -> i64 {
    crate::host::syscall6(libc::SYS_exit_group as u64, [a[0], 0, 0, 0, 0, 0]);
    std::process::exit(a[0] as i32)
}

pub fn brk(p: &mut Process, a: &[u64; 6]) -> i64 {
    p.mm().brk(a[0]) as i64
}

pub fn munmap(p: &mut Process, a: &[u64; 6]) -> i64 {
    let r = p.mm().munmap(a[0], a[1]);
    if r == 0 {
        p.code_changed(a[0], a[1]);
    }
    r
}

pub fn mprotect(p: &mut Process, a: &[u64; 6]) -> i64 {
    let r = p.mm().mprotect(a[0], a[1], a[2] as i32);
    if r == 0 {
        p.code_changed(a[0], a[1]);
    }
    r
}

pub fn mremap(p: &mut Process, a: &[u64; 6]) -> i64 {
    let r = p.mm().mremap(a[0], a[1], a[2], a[3] as i32, a[4]);
    if r >= 0 {
        p.code_changed(a[0], a[1]);
        p.code_changed(r as u64, a[2]);
    }
    r
}

/// mmap with byte offset (mmap, old i386 mmap, x86-64 mmap).
pub fn do_mmap(
    p: &mut Process,
    addr: u64,
    len: u64,
    prot: u64,
    flags: u64,
    fd: u64,
    off: u64,
) -> i64 {
    let fd = if p.cpu.mode == Mode::Bits32 {
        fd as u32 as i32
    } else {
        fd as i32
    };
    if p.cpu.mode == Mode::Bits32 {
        if let Some(r) = super::translate::uring::mmap(p, addr, len, flags, fd, off) {
            return r;
        }
        if p.backend == crate::process::Backend::Translate
            && fd >= 0
            && super::translate::mmap_refused(fd, off)
        {
            return -(libc::ENXIO as i64);
        }
    }
    let r = p.mm().mmap(addr, len, prot as i32, flags as i32, fd, off);
    if r >= 0 {
        p.code_changed(r as u64, len);
    }
    r
}

pub fn rseq(_p: &mut Process, _a: &[u64; 6]) -> i64 {
    // glibc copes: restartable sequences need kernel knowledge of guest code.
    ENOSYS
}

/// Not a warning-worthy refusal: glibc probes clone3 and falls back to clone.
pub fn clone3(_p: &mut Process, _a: &[u64; 6]) -> i64 {
    ENOSYS
}

/// sigaltstack(ss, old_ss): the calling thread's guest alternate stack.
pub fn sigaltstack(p: &mut Process, a: &[u64; 6]) -> i64 {
    let w = p.word();
    // stack_t: ss_sp, ss_flags (int), ss_size; 4-byte words on i386.
    let (flags_at, size_at) = if w == 4 { (4, 8) } else { (8, 16) };
    let sp = p.cpu.gpr[4] & p.cpu.addr_mask();
    let old = p.sig.altstack;
    if a[0] != 0 {
        let rd = |o: u64, s: u32| mem::read(a[0] + o, s).map_err(|_| EFAULT);
        let new = match (rd(0, w as u32), rd(flags_at, 4), rd(size_at, w as u32)) {
            (Ok(ss_sp), Ok(flags), Ok(size)) => (ss_sp, flags as u32, size),
            _ => return EFAULT,
        };
        if let Err(e) = p.sig.altstack.update(sp, new) {
            return e;
        }
    }
    if a[1] != 0 {
        let flags = old.ss_flags(sp) | (old.flags & SS_AUTODISARM);
        let ok = mem::write(a[1], w as u32, old.sp).is_ok()
            && mem::write(a[1] + flags_at, 4, flags as u64).is_ok()
            && mem::write(a[1] + size_at, w as u32, old.size).is_ok();
        if !ok {
            return EFAULT;
        }
    }
    0
}

/// clone, fork and vfork. A new thread (CLONE_VM without CLONE_VFORK) runs
/// on a new host thread; anything else is a new process with its own copy
/// of memory (a vfork child cannot share ours, but its parent still waits
/// for it to exec or exit).
pub fn do_clone(p: &mut Process, flags: u64, stack: u64, ptid: u64, ctid: u64, tls: u64) -> i64 {
    use crate::thread::*;
    const CSIGNAL: u64 = 0xff;
    if flags & CLONE_VM != 0 && flags & CLONE_VFORK == 0 {
        return clone_thread(p, flags, stack, ptid, ctid, tls);
    }
    if flags & (CLONE_THREAD | CLONE_SIGHAND) != 0 {
        return EINVAL;
    }
    // A plain fork goes through the C library's fork, whose handlers keep
    // the allocator usable in the child even when another thread held its
    // locks; the tid words are x86run's to write. Other flags need clone.
    let plain = flags
        & !(CSIGNAL
            | CLONE_VM
            | CLONE_VFORK
            | CLONE_SETTLS
            | CLONE_PARENT_SETTID
            | CLONE_CHILD_SETTID
            | CLONE_CHILD_CLEARTID)
        == 0
        && flags & CSIGNAL == libc::SIGCHLD as u64;
    let vfork = if plain && flags & CLONE_VFORK != 0 {
        VforkWait::new()
    } else {
        None
    };
    let host_flags = flags & !(CLONE_VM | CLONE_SETTLS | CLONE_CHILD_CLEARTID);
    // Fork with the shared state quiescent: no other thread holds its
    // locks, and no signal is taken half-way.
    let blocked = crate::hostsig::block_all();
    let r = {
        let _mm = p.shared.mm();
        let _threads = p.shared.threads.lock();
        let _seccomp = crate::seccomp::fork_lock();
        let _actions = p.shared.sigactions.fork_lock();
        let _log = p.shared.code.fork_lock();
        let _code = x86run_cpu::code::fork_lock();
        if plain {
            // SAFETY: fork in a multi-threaded process: the child only
            // continues this thread, and the locks it needs were taken
            // above (the C library takes its own).
            let pid = unsafe { libc::fork() };
            if pid < 0 {
                -(std::io::Error::last_os_error()
                    .raw_os_error()
                    .unwrap_or(libc::EAGAIN) as i64)
            } else {
                pid as i64
            }
        } else {
            crate::host::syscall6(libc::SYS_clone as u64, [host_flags, 0, ptid, ctid, 0, 0])
        }
    };
    if plain && r > 0 && flags & CLONE_PARENT_SETTID != 0 {
        let _ = mem::write_u32(ptid, r as u32);
    }
    if r == 0 {
        // The child: the only thread, with nothing pending.
        let me = p.sig.ctl.clone();
        {
            let mut list = p.shared.threads.lock();
            list.clear();
            list.push(me.clone());
        }
        crate::hostsig::attach(&me);
        crate::hostsig::set_leader(Some(&me));
        me.clear_held();
        if plain && flags & CLONE_CHILD_SETTID != 0 {
            let _ = mem::write_u32(ctid, crate::hostsig::gettid() as u32);
        }
        p.thread.robust_list = 0;
        p.thread.clear_child_tid = if flags & CLONE_CHILD_CLEARTID != 0 {
            ctid
        } else {
            0
        };
        if stack != 0 {
            p.cpu.gpr[4] = stack & p.cpu.addr_mask();
        }
        if flags & CLONE_SETTLS != 0 {
            match p.cpu.mode {
                Mode::Bits64 => p.cpu.seg_base[x86run_cpu::state::FS] = tls,
                Mode::Bits32 => {
                    set_tls_descriptor(&mut p.cpu, tls);
                }
            }
        }
    }
    if let Some(v) = vfork {
        v.finish(r);
    }
    if r == 0 {
        p.sig.sync_host_mask();
    } else {
        crate::hostsig::set_mask(blocked);
    }
    r
}

/// The vfork parent's wait for its child to exec or exit: a close-on-exec
/// pipe whose write end only the child keeps; the parent reads until EOF.
struct VforkWait {
    read: i32,
    write: i32,
}

impl VforkWait {
    fn new() -> Option<VforkWait> {
        let mut fds = [0i32; 2];
        // SAFETY: pipe2 writes two descriptors into the array; fcntl and
        // close act on descriptors this function owns.
        unsafe {
            if libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) != 0 {
                return None;
            }
            // Out of the way of the guest's low descriptor numbers.
            for fd in fds.iter_mut() {
                let high = libc::fcntl(*fd, libc::F_DUPFD_CLOEXEC, 900);
                if high >= 0 {
                    libc::close(*fd);
                    *fd = high;
                }
            }
        }
        Some(VforkWait {
            read: fds[0],
            write: fds[1],
        })
    }

    /// After the fork: the child keeps the write end, the parent waits.
    fn finish(self, pid: i64) {
        // SAFETY: closing and reading descriptors this value owns.
        unsafe {
            if pid == 0 {
                libc::close(self.read);
                return;
            }
            libc::close(self.write);
            if pid > 0 {
                let mut b = 0u8;
                while libc::read(self.read, &mut b as *mut u8 as *mut libc::c_void, 1) < 0
                    && std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR)
                {
                }
            }
            libc::close(self.read);
        }
    }
}

/// Reads a NULL-terminated array of guest string pointers.
fn read_str_array(p: &Process, mut at: u64) -> Result<Vec<Vec<u8>>, i64> {
    let mut out = Vec::new();
    if at == 0 {
        return Ok(out);
    }
    let w = p.word() as u32;
    loop {
        let ptr = mem::read(at, w).map_err(|_| EFAULT)?;
        if ptr == 0 {
            return Ok(out);
        }
        out.push(mem::read_cstr(ptr, 128 * 1024).map_err(|_| EFAULT)?);
        at += w as u64;
        if out.len() > 65536 {
            return Err(-(libc::E2BIG as i64));
        }
    }
}

/// execve: a guest x86 program (or a `#!` script whose interpreter is one)
/// is run by re-executing x86run; anything else goes to the host.
pub fn execve(p: &mut Process, a: &[u64; 6]) -> i64 {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    if p.interp
        .interrupt
        .load(std::sync::atomic::Ordering::Acquire)
        != 0
    {
        // A signal is waiting: the guest takes it before the exec.
        return -crate::safe_syscall::ERESTARTSYS;
    }
    let Ok(path) = mem::read_cstr(a[0], 4096) else {
        return EFAULT;
    };
    let path = super::procfs::exec_path(p, path);
    let argv = match read_str_array(p, a[1]) {
        Ok(v) => v,
        Err(e) => return e,
    };
    let envp = match read_str_array(p, a[2]) {
        Ok(v) => v,
        Err(e) => return e,
    };
    let host = p.opts.host_path(&path);
    let path_s = String::from_utf8_lossy(&host).into_owned();
    let Ok(cpath) = CString::new(host.clone()) else {
        return EINVAL;
    };
    // SAFETY: access() on a NUL-terminated path.
    if unsafe { libc::access(cpath.as_ptr(), libc::X_OK) } != 0 {
        return -(std::io::Error::last_os_error()
            .raw_os_error()
            .unwrap_or(libc::EACCES) as i64);
    }
    let data = match std::fs::read(&path_s) {
        Ok(d) => d,
        Err(e) => return -(e.raw_os_error().unwrap_or(libc::EACCES) as i64),
    };
    // What to run under x86run: (program, argv).
    let mut prog = path.clone();
    let mut new_argv = argv.clone();
    if data.starts_with(b"#!") {
        let line_end = data
            .iter()
            .position(|&b| b == b'\n')
            .unwrap_or(data.len())
            .min(256);
        let line = String::from_utf8_lossy(&data[2..line_end])
            .trim()
            .to_string();
        let mut parts = line.splitn(2, [' ', '\t']);
        let interp = parts.next().unwrap_or("").to_string();
        let optarg = parts
            .next()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty());
        if interp.is_empty() {
            return -(libc::ENOEXEC as i64);
        }
        let mut v = vec![interp.clone().into_bytes()];
        if let Some(o) = optarg {
            v.push(o.into_bytes());
        }
        v.push(path.clone());
        v.extend(argv.iter().skip(1).cloned());
        new_argv = v;
        prog = interp.into_bytes();
    }
    let prog_s = String::from_utf8_lossy(&p.opts.host_path(&prog)).into_owned();
    let is_guest = std::fs::read(&prog_s)
        .ok()
        .is_some_and(|d| crate::loader::guest_mode(&prog_s, &d).is_ok());
    let seccomp_fd = if is_guest {
        crate::seccomp::export_fd()
    } else {
        None
    };
    let (exe, args): (Vec<u8>, Vec<Vec<u8>>) = if is_guest {
        let mut v: Vec<Vec<u8>> = vec![b"x86run".to_vec()];
        if let Some(fd) = seccomp_fd {
            v.push(b"--seccomp-fd".to_vec());
            v.push(fd.to_string().into_bytes());
        }
        if p.opts.strace {
            v.push(b"--strace".to_vec());
        }
        if let Some(b) = p.opts.backend {
            v.push(b"--backend".to_vec());
            v.push(if b == crate::process::Backend::Translate {
                b"translate".to_vec()
            } else {
                b"compat".to_vec()
            });
        }
        if let Some(r) = &p.opts.rootfs {
            v.push(b"--rootfs".to_vec());
            v.push(r.as_os_str().as_bytes().to_vec());
        }
        if let Some(a0) = new_argv.first() {
            v.push(b"--argv0".to_vec());
            v.push(a0.clone());
        }
        v.push(b"--".to_vec());
        v.push(prog.clone());
        v.extend(new_argv.iter().skip(1).cloned());
        (p.opts.self_exe.as_os_str().as_bytes().to_vec(), v)
    } else {
        (host.clone(), argv)
    };
    let to_c = |v: &[Vec<u8>]| -> Option<Vec<CString>> {
        v.iter().map(|s| CString::new(s.clone()).ok()).collect()
    };
    let (Some(cargs), Some(cenv), Ok(cexe)) = (to_c(&args), to_c(&envp), CString::new(exe)) else {
        return EINVAL;
    };
    let mut argp: Vec<*const libc::c_char> = cargs.iter().map(|c| c.as_ptr()).collect();
    argp.push(std::ptr::null());
    let mut envpp: Vec<*const libc::c_char> = cenv.iter().map(|c| c.as_ptr()).collect();
    envpp.push(std::ptr::null());
    // SAFETY: NUL-terminated strings and NULL-terminated pointer arrays that
    // outlive the call.
    unsafe {
        libc::execve(cexe.as_ptr(), argp.as_ptr(), envpp.as_ptr());
    }
    let err = std::io::Error::last_os_error();
    crate::seccomp::close_export(seccomp_fd);
    -(err.raw_os_error().unwrap_or(libc::ENOEXEC) as i64)
}

/// Converts a guest sigaction between ABIs' neutral form and memory.
pub fn read_sigaction(word: u64, at: u64) -> Result<GuestSigaction, i64> {
    let w = word as u32;
    let r = |o: u64, s: u32| mem::read(at + o, s).map_err(|_| EFAULT);
    Ok(GuestSigaction {
        handler: r(0, w)?,
        flags: r(word, w)?,
        restorer: r(2 * word, w)?,
        mask: r(3 * word, 8)?,
    })
}

pub fn write_sigaction(word: u64, at: u64, a: &GuestSigaction) -> Result<(), i64> {
    let w = word as u32;
    let wr = |o: u64, s: u32, v: u64| mem::write(at + o, s, v).map_err(|_| EFAULT);
    wr(0, w, a.handler)?;
    wr(word, w, a.flags)?;
    wr(2 * word, w, a.restorer)?;
    wr(3 * word, 8, a.mask)
}

/// rt_sigaction(sig, act, oact, sigsetsize) in the kernel layout of either ABI.
pub fn rt_sigaction(p: &mut Process, a: &[u64; 6]) -> i64 {
    if a[3] != 8 {
        return EINVAL;
    }
    let word = p.word();
    let new = if a[1] != 0 {
        match read_sigaction(word, a[1]) {
            Ok(v) => Some(v),
            Err(e) => return e,
        }
    } else {
        None
    };
    match p.set_sigaction(a[0] as usize, new) {
        Ok(old) => {
            if a[2] != 0 {
                if let Err(e) = write_sigaction(word, a[2], &old) {
                    return e;
                }
            }
            0
        }
        Err(e) => e,
    }
}

/// rt_sigprocmask(how, set, oldset, sigsetsize).
pub fn rt_sigprocmask(p: &mut Process, a: &[u64; 6]) -> i64 {
    if a[3] != 8 {
        return EINVAL;
    }
    let set = if a[1] != 0 {
        match mem::read_u64(a[1]) {
            Ok(v) => Some(v),
            Err(_) => return EFAULT,
        }
    } else {
        None
    };
    match p.sig.set_mask(a[0] as i32, set) {
        Ok(old) => {
            if a[2] != 0 && mem::write_u64(a[2], old).is_err() {
                return EFAULT;
            }
            0
        }
        Err(e) => e,
    }
}

/// The signals pending for the calling thread while blocked: the host
/// kernel's, and a sent SIGSEGV/SIGBUS x86run holds (the host never blocks
/// those).
fn pending_set(p: &Process) -> u64 {
    let held = p.sig.ctl.held() & p.sig.mask & crate::hostsig::FAULT_SIGNALS;
    (crate::hostsig::kernel_pending() & p.sig.mask) | held
}

/// rt_sigpending(set, sigsetsize).
pub fn rt_sigpending(p: &mut Process, a: &[u64; 6]) -> i64 {
    if a[1] > 8 {
        return EINVAL;
    }
    let v = pending_set(p).to_le_bytes();
    if mem::write_bytes(a[0], &v[..a[1] as usize]).is_err() {
        return EFAULT;
    }
    0
}

/// The old i386 sigpending(set): the first 32 signals.
pub fn sigpending(p: &mut Process, a: &[u64; 6]) -> i64 {
    if mem::write_u32(a[0], pending_set(p) as u32).is_err() {
        return EFAULT;
    }
    0
}

/// rt_sigreturn (and the i386 sigreturn): the context of the signal frame
/// at the stack pointer, with the mask and alternate stack it saved.
pub fn do_sigreturn(p: &mut Process, rt: bool) -> i64 {
    p.sig.skip_restart = true;
    match crate::sigframe::sigreturn(&mut p.cpu, rt) {
        Ok(r) => {
            p.sig.mask = r.mask & !UNBLOCKABLE;
            if let Some(st) = r.altstack {
                let sp = p.cpu.gpr[4] & p.cpu.addr_mask();
                let _ = p.sig.altstack.update(sp, st);
            }
            p.sig.sync_host_mask();
        }
        Err(_) => p.force_signal(
            SigInfo::fault(libc::SIGSEGV, SI_KERNEL, 0),
            TrapInfo::default(),
        ),
    }
    p.cpu.gpr[0] as i64
}

pub fn rt_sigreturn(p: &mut Process, _a: &[u64; 6]) -> i64 {
    do_sigreturn(p, true)
}

/// rt_sigsuspend(mask, sigsetsize).
pub fn rt_sigsuspend(p: &mut Process, a: &[u64; 6]) -> i64 {
    if a[1] != 8 {
        return EINVAL;
    }
    let Ok(m) = mem::read_u64(a[0]) else {
        return EFAULT;
    };
    sigsuspend_with(p, m)
}

/// Waits for a signal with `mask` as the guest mask; the handler's frame
/// saves (and sigreturn restores) the mask from before the call.
pub fn sigsuspend_with(p: &mut Process, mask: u64) -> i64 {
    let old = p.sig.mask;
    p.sig.mask = mask & !UNBLOCKABLE;
    p.sig.publish_mask();
    let host = p.sig.mask & !crate::hostsig::FAULT_SIGNALS;
    let r = crate::safe_syscall::syscall(
        &p.interp.interrupt,
        libc::SYS_rt_sigsuspend as u64,
        [&host as *const u64 as u64, 8, 0, 0, 0, 0],
    );
    if r == -crate::safe_syscall::ERESTARTSYS {
        p.sig.mask = old;
        p.sig.publish_mask();
        return r;
    }
    p.sig.saved_mask = Some(old);
    p.sig.ctl.poke();
    -(libc::EINTR as i64)
}

/// Where a call with a temporary signal mask (ppoll, pselect6,
/// epoll_pwait, epoll_pwait2) finds the mask: the argument that points to
/// it, or for pselect6 the argument that points to {mask pointer, size}.
fn sigmask_arg(p: &Process, name: &str, a: &[u64; 6]) -> Result<u64, i64> {
    match name {
        "pselect6" | "pselect6_time64" => {
            if a[5] == 0 {
                return Ok(0);
            }
            mem::read(a[5], p.word() as u32).map_err(|_| EFAULT)
        }
        "epoll_pwait" | "epoll_pwait2" => Ok(a[4]),
        "io_uring_enter" => super::translate::uring::enter_sigmask(a).map_err(|e| -(e.0 as i64)),
        _ => Ok(a[3]),
    }
}

/// ppoll, pselect6 and epoll_pwait(2): the host kernel applies the guest's
/// temporary mask itself; x86run mirrors it so that a signal that
/// interrupts the call is delivered under that mask and the handler's frame
/// restores the mask from before the call (the kernel's saved_sigmask).
pub fn masked_wait(p: &mut Process, abi: Abi, name: &str, a: &[u64; 6]) -> i64 {
    let names: &[&str] = match abi {
        Abi::I386 => &super::names::I386,
        Abi::X86_64 => &super::names::X86_64,
    };
    let Some(nr) = names.iter().position(|n| *n == name) else {
        return ENOSYS;
    };
    let at = match sigmask_arg(p, name, a) {
        Ok(at) => at,
        Err(e) => return e,
    };
    if at == 0 {
        return p.pass(abi, nr as u64, a);
    }
    let Ok(m) = mem::read_u64(at) else {
        return EFAULT;
    };
    let old = p.sig.mask;
    p.sig.mask = m & !UNBLOCKABLE;
    p.sig.publish_mask();
    let r = p.pass(abi, nr as u64, a);
    if r == -(libc::EINTR as i64) {
        p.sig.saved_mask = Some(old);
        p.sig.ctl.poke();
    } else {
        p.sig.mask = old;
        p.sig.publish_mask();
    }
    r
}

/// prctl: everything passes except seccomp, which x86run keeps for the
/// guest (a host filter would apply to the emulator's own syscalls).
pub fn prctl_common(p: &mut Process, abi: Abi, nr: u64, a: &[u64; 6]) -> i64 {
    if let Some(r) = crate::seccomp::prctl(abi, a) {
        return r;
    }
    p.pass(abi, nr, a)
}
