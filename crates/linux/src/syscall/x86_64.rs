//! The x86-64 syscall ABI: nearly everything passes straight to the host;
//! x86run keeps what acts on the emulator itself (FS/GS bases, brk, signal
//! dispositions, process creation, exec) and invalidates decoded code when
//! mappings change.

use super::common::{self, do_clone, do_mmap};
use super::{Abi, Action, EFAULT, EINVAL};
use crate::process::Process;
use x86run_cpu::mem;
use x86run_cpu::state::{FS, GS};

/// x86run's action for an x86-64 syscall name (None: pass through).
pub fn action(name: &str) -> Option<Action> {
    use Action::*;
    Some(match name {
        "exit_group" => Emulate(common::exit_group),
        "brk" => Emulate(common::brk),
        "mmap" => Emulate(mmap),
        "munmap" => Emulate(common::munmap),
        "mprotect" => Emulate(common::mprotect),
        "pkey_mprotect" => Emulate(common::mprotect),
        "mremap" => Emulate(common::mremap),
        "arch_prctl" => Emulate(arch_prctl),
        "rt_sigaction" => Emulate(common::rt_sigaction),
        "rt_sigprocmask" => Emulate(common::rt_sigprocmask),
        "sigaltstack" => Emulate(common::sigaltstack),
        "rt_sigreturn" => Emulate(common::rt_sigreturn),
        "rt_sigsuspend" => Emulate(common::rt_sigsuspend),
        "rt_sigpending" => Emulate(common::rt_sigpending),
        "exit" => Emulate(crate::thread::exit),
        "ppoll" => Emulate(|p, a| common::masked_wait(p, Abi::X86_64, "ppoll", a)),
        "pselect6" => Emulate(|p, a| common::masked_wait(p, Abi::X86_64, "pselect6", a)),
        "epoll_pwait" => Emulate(|p, a| common::masked_wait(p, Abi::X86_64, "epoll_pwait", a)),
        "epoll_pwait2" => Emulate(|p, a| common::masked_wait(p, Abi::X86_64, "epoll_pwait2", a)),
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
        "modify_ldt" => Refuse("LDT descriptors are not emulated yet"),
        "seccomp" => Emulate(crate::seccomp::seccomp_x86_64),
        "ptrace" => Refuse("ptrace of emulated processes is not supported"),
        "iopl" | "ioperm" => Refuse("port I/O is not supported"),
        "execveat" => Refuse("execveat is not implemented yet"),
        "uselib" | "remap_file_pages" | "map_shadow_stack" => Refuse("not supported"),
        _ => return None,
    })
}

fn mmap(p: &mut Process, a: &[u64; 6]) -> i64 {
    do_mmap(p, a[0], a[1], a[2], a[3], a[4], a[5])
}

fn arch_prctl(p: &mut Process, a: &[u64; 6]) -> i64 {
    const ARCH_SET_GS: u64 = 0x1001;
    const ARCH_SET_FS: u64 = 0x1002;
    const ARCH_GET_FS: u64 = 0x1003;
    const ARCH_GET_GS: u64 = 0x1004;
    match a[0] {
        ARCH_SET_FS => p.cpu.seg_base[FS] = a[1],
        ARCH_SET_GS => p.cpu.seg_base[GS] = a[1],
        ARCH_GET_FS | ARCH_GET_GS => {
            let v = p.cpu.seg_base[if a[0] == ARCH_GET_FS { FS } else { GS }];
            if mem::write_u64(a[1], v).is_err() {
                return EFAULT;
            }
        }
        _ => return EINVAL,
    }
    0
}

/// x86-64 clone argument order: flags, stack, parent_tid, child_tid, tls.
fn clone(p: &mut Process, a: &[u64; 6]) -> i64 {
    do_clone(p, a[0], a[1], a[2], a[3], a[4])
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
    super::procfs::readlink(p, Abi::X86_64, libc::SYS_readlink as u64, a, 0)
}

fn readlinkat(p: &mut Process, a: &[u64; 6]) -> i64 {
    super::procfs::readlink(p, Abi::X86_64, libc::SYS_readlinkat as u64, a, 1)
}

fn prctl(p: &mut Process, a: &[u64; 6]) -> i64 {
    common::prctl_common(p, Abi::X86_64, libc::SYS_prctl as u64, a)
}
