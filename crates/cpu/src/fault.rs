//! The host SIGSEGV/SIGBUS handler that turns faults on guest accesses into
//! `Err(Fault)`: it looks the faulting host RIP up in the exception table built
//! by the accessors in `mem.rs` and resumes at the entry's fix-up label. A fault
//! anywhere else is an emulator bug: it is reported and the emulator dies of it.

use std::sync::Once;

extern "C" {
    static __start_x86run_extable: u8;
    static __stop_x86run_extable: u8;
}

/// Finds the fix-up address for a faulting host instruction address.
fn fixup_for(rip: u64) -> Option<u64> {
    // SAFETY: the linker defines these symbols around the section that holds
    // pairs of 32-bit self-relative offsets written by mem.rs.
    unsafe {
        let mut p = &__start_x86run_extable as *const u8;
        let end = &__stop_x86run_extable as *const u8;
        while p < end {
            let insn = (p as i64 + (p as *const i32).read_unaligned() as i64) as u64;
            let q = p.add(4);
            let fix = (q as i64 + (q as *const i32).read_unaligned() as i64) as u64;
            if insn == rip {
                return Some(fix);
            }
            p = p.add(8);
        }
    }
    None
}

extern "C" fn on_fault(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    // SAFETY: the kernel passes valid siginfo and ucontext pointers to an
    // SA_SIGINFO handler; we only read and write the saved registers.
    unsafe {
        let uc = ctx as *mut libc::ucontext_t;
        let gregs = &mut (*uc).uc_mcontext.gregs;
        let rip = gregs[libc::REG_RIP as usize] as u64;
        if let Some(fix) = fixup_for(rip) {
            gregs[libc::REG_RIP as usize] = fix as i64;
            gregs[libc::REG_R8 as usize] = sig as i64;
            gregs[libc::REG_R9 as usize] = (*info).si_addr() as i64;
            gregs[libc::REG_R10 as usize] = (*info).si_code as i64;
            return;
        }
        let msg = b"x86run: internal error: host fault outside guest memory access\n";
        libc::write(2, msg.as_ptr() as *const libc::c_void, msg.len());
        libc::signal(sig, libc::SIG_DFL);
    }
}

static INSTALL: Once = Once::new();

/// Installs the fault handler (once per process) with an alternate signal
/// stack for the calling thread.
pub fn install() {
    INSTALL.call_once(|| {
        // SAFETY: plain sigaction/sigaltstack calls with valid arguments.
        unsafe {
            let size = 64 * 1024;
            let stack = libc::mmap(
                std::ptr::null_mut(),
                size,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            );
            if stack != libc::MAP_FAILED {
                let ss = libc::stack_t { ss_sp: stack, ss_flags: 0, ss_size: size };
                libc::sigaltstack(&ss, std::ptr::null_mut());
            }
            for sig in [libc::SIGSEGV, libc::SIGBUS] {
                let mut sa: libc::sigaction = std::mem::zeroed();
                sa.sa_sigaction = on_fault as *const () as usize;
                sa.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK | libc::SA_NODEFER;
                libc::sigemptyset(&mut sa.sa_mask);
                libc::sigaction(sig, &sa, std::ptr::null_mut());
            }
        }
    });
}
