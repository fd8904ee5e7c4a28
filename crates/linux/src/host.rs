//! Raw host system calls: the native 64-bit entry, and (on x86-64 hosts) the
//! kernel's 32-bit compat entry reached with `int $0x80`. Both return the
//! kernel's raw result: a value, or -errno.

use core::arch::asm;

/// A native host syscall with up to six arguments.
#[inline]
pub fn syscall6(nr: u64, a: [u64; 6]) -> i64 {
    let ret: i64;
    // SAFETY: a raw syscall; the arguments are guest-provided values, and the
    // kernel validates every pointer (guest memory is mapped at the same
    // addresses, so a bad pointer yields -EFAULT, not emulator corruption
    // for an i386 guest, whose pointers cannot reach emulator memory).
    unsafe {
        asm!(
            "syscall",
            inlateout("rax") nr as i64 => ret,
            in("rdi") a[0],
            in("rsi") a[1],
            in("rdx") a[2],
            in("r10") a[3],
            in("r8") a[4],
            in("r9") a[5],
            lateout("rcx") _,
            lateout("r11") _,
            options(nostack),
        );
    }
    ret
}

/// An i386 syscall through the host kernel's compat entry (`int $0x80` from
/// this 64-bit process): the kernel converts every struct itself.
#[cfg(target_arch = "x86_64")]
#[inline]
pub fn int80(nr: u32, a: [u32; 6]) -> i64 {
    let ret: u64;
    // SAFETY: as for syscall6; rbx (reserved by LLVM) and rbp are saved and
    // restored around the trap, and r8-r11 are declared clobbered.
    unsafe {
        asm!(
            "xchg rbx, {a0:r}",
            "push rbp",
            "mov ebp, {a5:e}",
            "int 0x80",
            "pop rbp",
            "xchg rbx, {a0:r}",
            a0 = inout(reg) a[0] as u64 => _,
            a5 = in(reg) a[5] as u64,
            inlateout("rax") nr as u64 => ret,
            in("rcx") a[1] as u64,
            in("rdx") a[2] as u64,
            in("rsi") a[3] as u64,
            in("rdi") a[4] as u64,
            lateout("r8") _,
            lateout("r9") _,
            lateout("r10") _,
            lateout("r11") _,
        );
    }
    ret as u32 as i32 as i64
}

/// Whether this host has the kernel compat entry (x86-64 hosts with IA32
/// emulation enabled), probed once with a getpid through `int $0x80`.
/// Where the entry is missing the instruction raises SIGSEGV (at it, or with
/// IA32 emulation disabled at boot, after it). Without a seccomp filter the
/// probe runs in-process: both addresses are in the fault handler's
/// exception table, which resumes after the instruction with the signal in
/// r8. A seccomp filter may instead kill or trap (SIGSYS) a foreign-ABI
/// call, so under one the probe runs in a forked child.
pub fn has_compat_entry() -> bool {
    static HAS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *HAS.get_or_init(|| {
        #[cfg(target_arch = "x86_64")]
        {
            if under_seccomp() {
                probe_in_child()
            } else {
                probe_in_process()
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            false
        }
    })
}

/// Whether a seccomp mode or filter applies to this process (or its
/// status cannot be read).
#[cfg(target_arch = "x86_64")]
fn under_seccomp() -> bool {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return true;
    };
    status
        .lines()
        .find_map(|l| l.strip_prefix("Seccomp:"))
        .is_none_or(|v| v.trim() != "0")
}

#[cfg(target_arch = "x86_64")]
fn probe_in_process() -> bool {
    x86run_cpu::fault::install();
    let ret: u64;
    let fault: u64;
    // SAFETY: getpid has no arguments and no effect; a fault at or after the
    // trap resumes at label 43 (see `has_compat_entry`), and r9-r11, which
    // the kernel or the fault handler may change, are declared clobbered.
    unsafe {
        asm!(
            "42:",
            "int 0x80",
            "43:",
            ".pushsection x86run_extable,\"aR\",@progbits",
            ".balign 4",
            ".long 42b - .",
            ".long 43b - .",
            ".long 43b - .",
            ".long 43b - .",
            ".popsection",
            inlateout("rax") 20u64 => ret,
            inout("r8") 0u64 => fault,
            lateout("r9") _,
            lateout("r10") _,
            lateout("r11") _,
        );
    }
    fault == 0 && ret as u32 as i32 > 0
}

#[cfg(target_arch = "x86_64")]
fn probe_in_child() -> bool {
    // SAFETY: fork in a process that has not started other threads; the
    // child only makes raw syscalls and exits.
    unsafe {
        let pid = libc::fork();
        if pid == 0 {
            let ok = int80(20, [0; 6]) > 0;
            libc::_exit(if ok { 0 } else { 1 });
        }
        if pid < 0 {
            return false;
        }
        let mut status = 0;
        libc::waitpid(pid, &mut status, 0);
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0
    }
}
