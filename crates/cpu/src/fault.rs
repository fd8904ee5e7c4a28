//! The host SIGSEGV/SIGBUS handler that turns faults on guest accesses into
//! `Err(Fault)`: it looks the faulting host RIP up in the exception table built
//! by the accessors in `mem.rs` and resumes at the entry's fix-up label. A
//! SIGSEGV/SIGBUS sent by a process (kill, tgkill, sigqueue) goes to the
//! handler the OS layer registers for asynchronous signals. A fault anywhere
//! else is an emulator bug: it is reported and the emulator dies of it.
//! Every thread that runs guest code has its own alternate signal stack.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Once;

/// A host SA_SIGINFO signal handler.
pub type AsyncHandler = extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void);

/// The handler for user-sent SIGSEGV/SIGBUS (0: none).
static ASYNC: AtomicUsize = AtomicUsize::new(0);

/// Registers the handler that receives SIGSEGV/SIGBUS sent by a process
/// rather than raised by a fault.
pub fn set_async_handler(h: AsyncHandler) {
    ASYNC.store(h as usize, Ordering::Release);
}

extern "C" {
    static __start_x86run_extable: u8;
    static __stop_x86run_extable: u8;
    static __start_x86run_extable_goto: u8;
    static __stop_x86run_extable_goto: u8;
}

/// Finds the fix-up address for a faulting host instruction address in the
/// table of loads (`goto` false: resume with the fault in r8-r10) or of
/// stores (`goto` true: resume at a label, the fault in a thread-local).
fn fixup_for(rip: u64, goto: bool) -> Option<u64> {
    // SAFETY: the linker defines these symbols around the sections that hold
    // pairs of 32-bit self-relative offsets written by mem.rs.
    unsafe {
        let (mut p, end) = if goto {
            (
                &__start_x86run_extable_goto as *const u8,
                &__stop_x86run_extable_goto as *const u8,
            )
        } else {
            (
                &__start_x86run_extable as *const u8,
                &__stop_x86run_extable as *const u8,
            )
        };
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
        // si_code <= 0: sent by kill/tgkill/sigqueue, not a fault.
        if (*info).si_code <= 0 {
            let h = ASYNC.load(Ordering::Acquire);
            if h != 0 {
                let h: AsyncHandler = std::mem::transmute::<usize, AsyncHandler>(h);
                h(sig, info, ctx);
            }
            return;
        }
        let uc = ctx as *mut libc::ucontext_t;
        let gregs = &mut (*uc).uc_mcontext.gregs;
        let rip = gregs[libc::REG_RIP as usize] as u64;
        if let Some(fix) = fixup_for(rip, false) {
            gregs[libc::REG_RIP as usize] = fix as i64;
            gregs[libc::REG_R8 as usize] = sig as i64;
            gregs[libc::REG_R9 as usize] = (*info).si_addr() as i64;
            gregs[libc::REG_R10 as usize] = (*info).si_code as i64;
            return;
        }
        if let Some(fix) = fixup_for(rip, true) {
            crate::mem::record_fault(sig, (*info).si_addr() as u64, (*info).si_code);
            gregs[libc::REG_RIP as usize] = fix as i64;
            return;
        }
        let msg = b"x86run: internal error: host fault outside guest memory access\n";
        libc::write(2, msg.as_ptr() as *const libc::c_void, msg.len());
        libc::signal(sig, libc::SIG_DFL);
    }
}

static INSTALL: Once = Once::new();

/// Size of each thread's alternate signal stack.
const ALT_STACK: usize = 64 * 1024;

/// A host alternate signal stack for the calling thread; dropping it (on
/// the same thread, with signals blocked) restores the previous one.
pub struct AltStack {
    mem: *mut libc::c_void,
    old: libc::stack_t,
}

impl AltStack {
    /// Gives the calling thread its own alternate signal stack.
    pub fn new() -> Option<AltStack> {
        // SAFETY: a fresh anonymous mapping handed to sigaltstack; the old
        // setting is kept for Drop.
        unsafe {
            let mem = libc::mmap(
                std::ptr::null_mut(),
                ALT_STACK,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            );
            if mem == libc::MAP_FAILED {
                return None;
            }
            let ss = libc::stack_t {
                ss_sp: mem,
                ss_flags: 0,
                ss_size: ALT_STACK,
            };
            let mut old: libc::stack_t = std::mem::zeroed();
            if libc::sigaltstack(&ss, &mut old) != 0 {
                libc::munmap(mem, ALT_STACK);
                return None;
            }
            Some(AltStack { mem, old })
        }
    }
}

impl Drop for AltStack {
    fn drop(&mut self) {
        // SAFETY: restores the previous alternate stack, then unmaps ours,
        // which is no longer in use (we are not in a handler on it).
        unsafe {
            let mut old = self.old;
            if old.ss_flags & libc::SS_ONSTACK != 0 {
                old.ss_flags &= !libc::SS_ONSTACK;
            }
            if libc::sigaltstack(&old, std::ptr::null_mut()) != 0 {
                let off = libc::stack_t {
                    ss_sp: std::ptr::null_mut(),
                    ss_flags: libc::SS_DISABLE,
                    ss_size: 0,
                };
                libc::sigaltstack(&off, std::ptr::null_mut());
            }
            libc::munmap(self.mem, ALT_STACK);
        }
    }
}

/// Installs the fault handler (once per process) with an alternate signal
/// stack for the calling thread (kept for the life of the process).
pub fn install() {
    INSTALL.call_once(|| {
        std::mem::forget(AltStack::new());
        // SAFETY: plain sigaction calls with valid arguments.
        unsafe {
            for sig in [libc::SIGSEGV, libc::SIGBUS] {
                let mut sa: libc::sigaction = std::mem::zeroed();
                sa.sa_sigaction = on_fault as *const () as usize;
                sa.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK | libc::SA_NODEFER;
                // Every other signal waits until the handler returns: a
                // handler nested in this one would return into it, and the
                // mask it leaves would be lost when this one returns. The
                // bits are set directly: sigfillset leaves out 32 and 33.
                libc::sigemptyset(&mut sa.sa_mask);
                let words = &mut sa.sa_mask as *mut libc::sigset_t as *mut u64;
                *words = !((1u64 << (libc::SIGSEGV - 1)) | (1u64 << (libc::SIGBUS - 1)));
                libc::sigaction(sig, &sa, std::ptr::null_mut());
            }
        }
    });
}
