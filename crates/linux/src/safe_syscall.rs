//! Interruptible host system calls (the technique of QEMU's `safe_syscall`).
//!
//! A guest syscall that blocks in the host (read, futex, wait4, ...) must be
//! interrupted by a signal for the guest, and a signal that arrives just
//! before it must not be lost. Each stub below checks the calling thread's
//! interrupt flag immediately before its `syscall` / `int $0x80`
//! instruction. The host signal handler (`hostsig.rs`) sets the flag and,
//! when the interrupted host instruction lies after the check but before
//! the end of the system call instruction (the call has not started, or the
//! kernel rewound it for a restart), moves the host RIP back to the check.
//! The stub then returns `-ERESTARTSYS` without entering the kernel, and the
//! guest syscall is restarted after the guest handler has run. A syscall
//! that was already running when the signal arrived returns what the host
//! kernel decided (EINTR, or a result), by the kernel's own restart rules:
//! the host handler carries the guest's SA_RESTART.

use core::arch::global_asm;
use std::sync::atomic::AtomicU32;

/// The kernel-internal "restart this system call" code, returned (negated)
/// when a signal was pending before the call could start.
pub const ERESTARTSYS: i64 = 512;

global_asm!(
    ".pushsection .text.x86run_safe_syscall,\"ax\",@progbits",
    // i64 x86run_safe_syscall64(const u32 *flag, u64 nr, const u64 args[6])
    ".globl x86run_safe_syscall64",
    ".hidden x86run_safe_syscall64",
    ".type x86run_safe_syscall64,@function",
    "x86run_safe_syscall64:",
    "push rbx",
    "mov rbx, rdi",
    "mov rax, rsi",
    "mov r11, rdx",
    "mov rdi, [r11]",
    "mov rsi, [r11 + 8]",
    "mov rdx, [r11 + 16]",
    "mov r10, [r11 + 24]",
    "mov r8, [r11 + 32]",
    "mov r9, [r11 + 40]",
    ".globl x86run_safe_syscall64_start",
    ".hidden x86run_safe_syscall64_start",
    "x86run_safe_syscall64_start:",
    "cmp dword ptr [rbx], 0",
    "jne 2f",
    "syscall",
    ".globl x86run_safe_syscall64_end",
    ".hidden x86run_safe_syscall64_end",
    "x86run_safe_syscall64_end:",
    "pop rbx",
    "ret",
    "2:",
    "mov rax, -512",
    "pop rbx",
    "ret",
    ".size x86run_safe_syscall64, . - x86run_safe_syscall64",
    // i64 x86run_safe_int80(const u32 *flag, u32 nr, const u32 args[6])
    ".globl x86run_safe_int80",
    ".hidden x86run_safe_int80",
    ".type x86run_safe_int80,@function",
    "x86run_safe_int80:",
    "push rbx",
    "push rbp",
    "push r12",
    "mov r12, rdi",
    "mov eax, esi",
    "mov r11, rdx",
    "mov ebx, [r11]",
    "mov ecx, [r11 + 4]",
    "mov edx, [r11 + 8]",
    "mov esi, [r11 + 12]",
    "mov edi, [r11 + 16]",
    "mov ebp, [r11 + 20]",
    ".globl x86run_safe_int80_start",
    ".hidden x86run_safe_int80_start",
    "x86run_safe_int80_start:",
    "cmp dword ptr [r12], 0",
    "jne 2f",
    "int 0x80",
    ".globl x86run_safe_int80_end",
    ".hidden x86run_safe_int80_end",
    "x86run_safe_int80_end:",
    "movsxd rax, eax",
    "pop r12",
    "pop rbp",
    "pop rbx",
    "ret",
    "2:",
    "mov rax, -512",
    "pop r12",
    "pop rbp",
    "pop rbx",
    "ret",
    ".size x86run_safe_int80, . - x86run_safe_int80",
    ".popsection",
);

extern "C" {
    fn x86run_safe_syscall64(flag: *const AtomicU32, nr: u64, args: *const u64) -> i64;
    fn x86run_safe_int80(flag: *const AtomicU32, nr: u32, args: *const u32) -> i64;
    static x86run_safe_syscall64_start: u8;
    static x86run_safe_syscall64_end: u8;
    static x86run_safe_int80_start: u8;
    static x86run_safe_int80_end: u8;
}

/// A native host syscall that does not start when `flag` is set.
#[inline]
pub fn syscall(flag: &AtomicU32, nr: u64, a: [u64; 6]) -> i64 {
    // SAFETY: a raw syscall through the stub; the arguments are the guest's
    // (the kernel validates every pointer), `flag` and `a` outlive the call.
    unsafe { x86run_safe_syscall64(flag, nr, a.as_ptr()) }
}

/// An i386 syscall through the host's compat entry that does not start
/// when `flag` is set.
#[inline]
pub fn int80(flag: &AtomicU32, nr: u32, a: [u32; 6]) -> i64 {
    // SAFETY: as for `syscall`; the stub saves the registers the ABI wants
    // preserved and the kernel converts every 32-bit struct itself.
    unsafe { x86run_safe_int80(flag, nr, a.as_ptr()) }
}

/// If host `rip` lies inside a stub after its flag check and before the end
/// of its system call instruction, the address to resume at instead (the
/// check); called by the host signal handler.
pub fn rewind(rip: u64) -> Option<u64> {
    // SAFETY: taking the addresses of labels defined above.
    let ranges = unsafe {
        [
            (
                &x86run_safe_syscall64_start as *const u8 as u64,
                &x86run_safe_syscall64_end as *const u8 as u64,
            ),
            (
                &x86run_safe_int80_start as *const u8 as u64,
                &x86run_safe_int80_end as *const u8 as u64,
            ),
        ]
    };
    ranges
        .iter()
        .find(|&&(s, e)| rip > s && rip < e)
        .map(|&(s, _)| s)
}
