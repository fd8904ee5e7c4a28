//! The i386 syscall ABI: which calls x86run handles itself (address space,
//! TLS descriptors, signals, processes) and the handlers specific to i386
//! layouts. Everything else passes to the host kernel's compat entry.

use super::common::{self, do_clone, do_mmap};
use super::translate::{place, uring};
use super::{Abi, Action, EFAULT, EINVAL};
use crate::process::Process;
use crate::signals::GuestSigaction;
use x86run_cpu::mem;

/// x86run's action for an i386 syscall name (None: pass through).
pub fn action(name: &str) -> Option<Action> {
    use Action::*;
    Some(match name {
        "exit_group" => Emulate(common::exit_group),
        "brk" => Emulate(common::brk),
        "mmap" => Emulate(old_mmap),
        "mmap2" => Emulate(mmap2),
        "munmap" => Emulate(common::munmap),
        "mprotect" => Emulate(common::mprotect),
        "pkey_mprotect" => Emulate(common::mprotect),
        "mremap" => Emulate(common::mremap),
        "set_thread_area" => Emulate(set_thread_area),
        "get_thread_area" => Emulate(get_thread_area),
        "rt_sigaction" => Emulate(common::rt_sigaction),
        "sigaction" => Emulate(sigaction),
        "signal" => Emulate(signal),
        "rt_sigprocmask" => Emulate(common::rt_sigprocmask),
        "sigprocmask" => Emulate(sigprocmask),
        "sigaltstack" => Emulate(common::sigaltstack),
        "sigreturn" => Emulate(|p, _| common::do_sigreturn(p, false)),
        "rt_sigreturn" => Emulate(common::rt_sigreturn),
        "rt_sigsuspend" => Emulate(common::rt_sigsuspend),
        "sigsuspend" => Emulate(|p, a| common::sigsuspend_with(p, a[2] & 0xffff_ffff)),
        "sgetmask" => Emulate(|p, _| p.sig.mask as u32 as i32 as i64),
        "rt_sigpending" => Emulate(common::rt_sigpending),
        "sigpending" => Emulate(common::sigpending),
        "ssetmask" => Emulate(ssetmask),
        "exit" => Emulate(crate::thread::exit),
        "ppoll" => Emulate(|p, a| common::masked_wait(p, Abi::I386, "ppoll", a)),
        "pselect6" => Emulate(|p, a| common::masked_wait(p, Abi::I386, "pselect6", a)),
        "epoll_pwait" => Emulate(|p, a| common::masked_wait(p, Abi::I386, "epoll_pwait", a)),
        "epoll_pwait2" => Emulate(|p, a| common::masked_wait(p, Abi::I386, "epoll_pwait2", a)),
        "ppoll_time64" => Emulate(|p, a| common::masked_wait(p, Abi::I386, "ppoll_time64", a)),
        "pselect6_time64" => {
            Emulate(|p, a| common::masked_wait(p, Abi::I386, "pselect6_time64", a))
        }
        "set_tid_address" => Emulate(crate::thread::set_tid_address),
        "set_robust_list" => Emulate(crate::thread::set_robust_list),
        "get_robust_list" => Emulate(crate::thread::get_robust_list),
        "clone" => Emulate(clone),
        "fork" => Emulate(fork),
        "vfork" => Emulate(vfork),
        "clone3" => Emulate(common::clone3),
        "execve" => Emulate(common::execve),
        "readlink" => Emulate(readlink),
        "readlinkat" => Emulate(readlinkat),
        "rseq" => Emulate(common::rseq),
        "getcwd" => Emulate(super::procfs::getcwd),
        "prctl" => Emulate(prctl),
        "arch_prctl" => Emulate(|_, _| EINVAL),
        "modify_ldt" => Refuse("LDT descriptors are not emulated yet"),
        "seccomp" => Emulate(crate::seccomp::seccomp_i386),
        "ptrace" => Refuse("ptrace of emulated processes is not supported"),
        "vm86" | "vm86old" => Refuse("virtual-8086 mode is not supported"),
        "iopl" | "ioperm" => Refuse("port I/O is not supported"),
        "ipc" => Emulate(place::ipc_emulate),
        "shmat" => Emulate(place::shmat_emulate),
        "shmdt" => Emulate(place::shmdt_emulate),
        "io_setup" => Emulate(place::io_setup_emulate),
        "io_destroy" => Emulate(place::io_destroy_emulate),
        "io_uring_setup" => Emulate(uring::setup),
        "io_uring_enter" => Emulate(|p, a| common::masked_wait(p, Abi::I386, "io_uring_enter", a)),
        "io_uring_register" => Emulate(uring::register_compat),
        "execveat" => Refuse("execveat is not implemented yet"),
        "uselib" | "remap_file_pages" | "map_shadow_stack" => Refuse("not supported"),
        _ => return None,
    })
}

fn old_mmap(p: &mut Process, a: &[u64; 6]) -> i64 {
    // The argument is a pointer to six 32-bit words.
    let mut v = [0u64; 6];
    for (k, x) in v.iter_mut().enumerate() {
        match mem::read_u32(a[0] + 4 * k as u64) {
            Ok(w) => *x = w as u64,
            Err(_) => return EFAULT,
        }
    }
    if v[5] & 0xfff != 0 {
        return EINVAL;
    }
    do_mmap(p, v[0], v[1], v[2], v[3], v[4], v[5])
}

fn mmap2(p: &mut Process, a: &[u64; 6]) -> i64 {
    do_mmap(p, a[0], a[1], a[2], a[3], a[4], a[5] << 12)
}

fn set_thread_area(p: &mut Process, a: &[u64; 6]) -> i64 {
    crate::thread::set_tls_descriptor(&mut p.cpu, a[0])
}

fn get_thread_area(p: &mut Process, a: &[u64; 6]) -> i64 {
    let Ok(entry) = mem::read_u32(a[0]) else {
        return EFAULT;
    };
    if !(12..15).contains(&entry) {
        return EINVAL;
    }
    let (base, limit, flags) = match p.cpu.tls_desc[entry as usize - 12] {
        // seg_32bit | limit_in_pages | useable
        Some(b) => (b as u32, 0xfffff, 0x51),
        // read_exec_only | seg_not_present
        None => (0, 0, 0x28),
    };
    let ok = mem::write_u32(a[0] + 4, base).is_ok()
        && mem::write_u32(a[0] + 8, limit).is_ok()
        && mem::write_u32(a[0] + 12, flags).is_ok();
    if ok {
        0
    } else {
        EFAULT
    }
}

/// The old i386 sigaction: {handler, mask (32-bit), flags, restorer}.
fn sigaction(p: &mut Process, a: &[u64; 6]) -> i64 {
    let new = if a[1] != 0 {
        let r = |o: u64| mem::read_u32(a[1] + o).map(u64::from);
        match (r(0), r(4), r(8), r(12)) {
            (Ok(handler), Ok(mask), Ok(flags), Ok(restorer)) => Some(GuestSigaction {
                handler,
                flags,
                restorer,
                mask,
            }),
            _ => return EFAULT,
        }
    } else {
        None
    };
    match p.set_sigaction(a[0] as usize, new) {
        Ok(old) => {
            if a[2] != 0 {
                let ok = mem::write_u32(a[2], old.handler as u32).is_ok()
                    && mem::write_u32(a[2] + 4, old.mask as u32).is_ok()
                    && mem::write_u32(a[2] + 8, old.flags as u32).is_ok()
                    && mem::write_u32(a[2] + 12, old.restorer as u32).is_ok();
                if !ok {
                    return EFAULT;
                }
            }
            0
        }
        Err(e) => e,
    }
}

/// signal(sig, handler): SA_RESETHAND | SA_NODEFER semantics; returns the old handler.
fn signal(p: &mut Process, a: &[u64; 6]) -> i64 {
    let new = GuestSigaction {
        handler: a[1],
        flags: 0xc000_0000,
        restorer: 0,
        mask: 0,
    };
    match p.set_sigaction(a[0] as usize, Some(new)) {
        Ok(old) => old.handler as i64,
        Err(e) => e,
    }
}

/// sigprocmask(how, set, oldset) with 32-bit masks.
fn sigprocmask(p: &mut Process, a: &[u64; 6]) -> i64 {
    let set = if a[1] != 0 {
        match mem::read_u32(a[1]) {
            Ok(v) => Some(v as u64 | (p.sig.mask & !0xffff_ffff)),
            Err(_) => return EFAULT,
        }
    } else {
        None
    };
    // SIG_SETMASK keeps the high (real-time) half as it was.
    let set = match (a[0] as i32, set) {
        (libc::SIG_BLOCK | libc::SIG_UNBLOCK, Some(s)) => Some(s & 0xffff_ffff),
        (_, s) => s,
    };
    match p.sig.set_mask(a[0] as i32, set) {
        Ok(old) => {
            if a[2] != 0 && mem::write_u32(a[2], old as u32).is_err() {
                return EFAULT;
            }
            0
        }
        Err(e) => e,
    }
}

/// ssetmask(mask): the new mask replaces the whole set (real-time signals
/// unblocked); returns the old classic mask.
fn ssetmask(p: &mut Process, a: &[u64; 6]) -> i64 {
    match p.sig.set_mask(libc::SIG_SETMASK, Some(a[0] & 0xffff_ffff)) {
        Ok(old) => old as u32 as i32 as i64,
        Err(e) => e,
    }
}

/// i386 clone argument order: flags, stack, parent_tid, tls, child_tid.
fn clone(p: &mut Process, a: &[u64; 6]) -> i64 {
    do_clone(p, a[0], a[1], a[2], a[4], a[3])
}

fn fork(p: &mut Process, _a: &[u64; 6]) -> i64 {
    do_clone(p, libc::SIGCHLD as u64, 0, 0, 0, 0)
}

/// vfork: the parent waits until the child execs or exits.
fn vfork(p: &mut Process, _a: &[u64; 6]) -> i64 {
    do_clone(
        p,
        crate::thread::CLONE_VFORK | libc::SIGCHLD as u64,
        0,
        0,
        0,
        0,
    )
}

fn readlink(p: &mut Process, a: &[u64; 6]) -> i64 {
    super::procfs::readlink(p, Abi::I386, 85, a, 0)
}

fn readlinkat(p: &mut Process, a: &[u64; 6]) -> i64 {
    super::procfs::readlink(p, Abi::I386, 305, a, 1)
}

fn prctl(p: &mut Process, a: &[u64; 6]) -> i64 {
    common::prctl_common(p, Abi::I386, 172, a)
}
