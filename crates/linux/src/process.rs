//! A guest process: the state its threads share (address space, signal
//! dispositions, syscall tables), each thread's CPU, interpreter and signal
//! state, and the loop that runs a thread's guest code and services its
//! exits (system calls, faults, illegal instructions, pending signals).

use crate::codelog::CodeLog;
use crate::hostsig::ThreadCtl;
use crate::loader::{self, ExecArgs, LoadError};
use crate::mm::AddressSpace;
use crate::signals::{SigActions, SigInfo, ThreadSignals, TrapInfo, SI_KERNEL};
use crate::syscall::Tables;
use crate::thread::{ThreadInfo, ThreadList};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use x86run_cpu::{CpuState, Exit, Interpreter, Mode, SyscallKind};

/// si_code values of the signals guest execution raises.
const SEGV_MAPERR: i32 = 1;
const SEGV_ACCERR: i32 = 2;
const ILL_ILLOPN: i32 = 2;
const FPE_INTDIV: i32 = 1;

/// Which back end serves an i386 guest's system calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// The host kernel's own 32-bit compat entry.
    Compat,
    /// Translation into native 64-bit syscalls in user space.
    Translate,
}

/// Start-up options that also pass on to re-executed guests.
#[derive(Clone, Debug)]
pub struct Options {
    pub strace: bool,
    /// Forced back end; otherwise chosen by what the host offers.
    pub backend: Option<Backend>,
    /// The x86run executable, for re-executing on execve.
    pub self_exe: std::path::PathBuf,
    /// Root filesystem the guest's absolute paths resolve in first.
    pub rootfs: Option<std::path::PathBuf>,
}

impl Options {
    /// Maps a guest path to the host path it names, following symbolic
    /// links in the last component (see `rootfs::resolve`).
    pub fn host_path(&self, guest: &[u8]) -> Vec<u8> {
        self.host_path_follow(guest, true)
    }

    /// Maps a guest path to the host path it names; `follow_last` as for
    /// lstat (false) or stat (true).
    pub fn host_path_follow(&self, guest: &[u8], follow_last: bool) -> Vec<u8> {
        if let Some(root) = &self.rootfs {
            if let Some(h) = crate::rootfs::resolve(root, guest, follow_last) {
                if crate::rootfs::exists_in(root, &h) {
                    return h;
                }
            }
        }
        guest.to_vec()
    }
}

/// What all threads of a guest process share.
pub struct Shared {
    pub mm: Mutex<AddressSpace>,
    pub sigactions: SigActions,
    pub opts: Options,
    pub backend: Backend,
    pub tables: Tables,
    /// Absolute path of the guest executable (/proc/self/exe).
    pub exe_path: String,
    /// The guest's auxiliary vector (/proc/self/auxv).
    pub auxv: Vec<(u64, u64)>,
    /// The guest's argv, NUL-separated (/proc/self/cmdline).
    pub cmdline: Vec<u8>,
    pub threads: ThreadList,
    /// Code ranges that changed, for the other threads' block caches.
    pub code: CodeLog,
}

impl Shared {
    /// The address space (locked).
    pub fn mm(&self) -> MutexGuard<'_, AddressSpace> {
        self.mm.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// One thread of a running guest process: its CPU, interpreter and signal
/// state, and the process state it shares (reachable through `Deref`).
pub struct Process {
    pub cpu: CpuState,
    pub interp: Interpreter,
    pub shared: Arc<Shared>,
    pub sig: ThreadSignals,
    pub thread: ThreadInfo,
    /// Guest memory where rewritten path arguments are placed (two slots
    /// of PATH_SLOT bytes), when a root filesystem is in use.
    pub path_scratch: u64,
}

impl std::ops::Deref for Process {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.shared
    }
}

/// Size of one rewritten-path slot.
pub const PATH_SLOT: u64 = 4096;

impl Process {
    /// Loads `path` with `argv` and `envp` into a new guest process.
    pub fn new(
        path: &str,
        argv: &[Vec<u8>],
        envp: &[Vec<u8>],
        opts: Options,
    ) -> Result<Process, LoadError> {
        let host_path = String::from_utf8_lossy(&opts.host_path(path.as_bytes())).into_owned();
        let data = loader::read_program(&host_path).map_err(|mut e| {
            e.msg = e.msg.replacen(&host_path, path, 1);
            e
        })?;
        let mode = loader::guest_mode(path, &data)?;
        x86run_cpu::fault::install();
        crate::hostsig::install_fault_forwarding();
        let mut mm = AddressSpace::new(mode == Mode::Bits32).map_err(|msg| LoadError {
            msg: format!("{path}: {msg}"),
            status: 126,
        })?;
        let backend = match (mode, opts.backend) {
            (Mode::Bits64, _) => Backend::Compat,
            (Mode::Bits32, Some(b)) => b,
            (Mode::Bits32, None) => {
                if crate::host::has_compat_entry() {
                    Backend::Compat
                } else {
                    Backend::Translate
                }
            }
        };
        if mode == Mode::Bits32 && backend == Backend::Compat && !crate::host::has_compat_entry() {
            return Err(LoadError {
                msg: "x86run: the host kernel has no 32-bit compat entry (use --backend translate)"
                    .into(),
                status: 126,
            });
        }
        let interp_path =
            |p: &str| String::from_utf8_lossy(&opts.host_path(p.as_bytes())).into_owned();
        let args = ExecArgs {
            path,
            argv,
            envp,
            interp_path: &interp_path,
        };
        let loaded = loader::load(&data, mode, &args, &mut mm)?;
        let mut cpu = CpuState::new(mode);
        cpu.rip = loaded.entry;
        cpu.gpr[4] = loaded.sp;
        if mode == Mode::Bits32 {
            // The i386 ELF ABI: edx = 0 (no rtld_fini) at entry.
            cpu.gpr[2] = 0;
        }
        let exe_path = if path.starts_with('/') || opts.rootfs.is_none() {
            std::fs::canonicalize(&host_path)
                .ok()
                .and_then(|p| match &opts.rootfs {
                    Some(r) => p
                        .strip_prefix(r)
                        .ok()
                        .map(|q| std::path::Path::new("/").join(q)),
                    None => Some(p),
                })
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_else(|| path.to_string())
        } else {
            path.to_string()
        };
        if mode == Mode::Bits64 {
            guard_below_stack(mm.stack.0);
        }
        let path_scratch = if opts.rootfs.is_some() {
            mm.map_anon(0, 2 * PATH_SLOT, libc::PROT_READ | libc::PROT_WRITE)
                .map_err(|e| LoadError {
                    msg: format!("{path}: cannot map path scratch ({e})"),
                    status: 126,
                })?
        } else {
            0
        };
        let shared = Arc::new(Shared {
            mm: Mutex::new(mm),
            sigactions: SigActions::inherit(),
            opts,
            backend,
            tables: Tables::new(),
            exe_path,
            auxv: loaded.auxv,
            cmdline: argv
                .iter()
                .flat_map(|a| a.iter().copied().chain([0]))
                .collect(),
            threads: ThreadList::default(),
            code: CodeLog::default(),
        });
        let interrupt = Arc::new(AtomicU32::new(0));
        let ctl = ThreadCtl::new(interrupt.clone());
        let mut p = Process::assemble(
            shared,
            cpu,
            ctl,
            crate::signals::initial_mask(),
            path_scratch,
        );
        p.interp.interrupt = interrupt;
        p.sig.ctl.mask.store(p.sig.mask, Ordering::Release);
        crate::hostsig::set_leader(Some(&p.sig.ctl));
        Ok(p)
    }

    /// A thread's state around its CPU; registers the thread and attaches
    /// its signal record to the calling host thread.
    pub(crate) fn assemble(
        shared: Arc<Shared>,
        cpu: CpuState,
        ctl: Arc<ThreadCtl>,
        mask: u64,
        path_scratch: u64,
    ) -> Process {
        shared.threads.add(ctl.clone());
        crate::hostsig::attach(&ctl);
        Process {
            cpu,
            interp: Interpreter::new(),
            shared,
            sig: ThreadSignals::new(ctl, mask),
            thread: ThreadInfo::default(),
            path_scratch,
        }
    }

    /// Runs the guest's initial thread; never returns. When it exits alone
    /// (the exit syscall), the other threads go on, as in Linux.
    pub fn run(&mut self) -> ! {
        let code = self.run_until_exit();
        let last = self.exit_thread();
        let nr = if last {
            libc::SYS_exit_group
        } else {
            libc::SYS_exit
        };
        crate::host::syscall6(nr as u64, [code as u64, 0, 0, 0, 0, 0]);
        std::process::exit(code)
    }

    /// Runs this thread's guest code until the thread exits; returns its
    /// exit status.
    pub(crate) fn run_until_exit(&mut self) -> i32 {
        loop {
            let stepping = self.cpu.flags.get() & x86run_cpu::flags::TF != 0;
            let exit = if stepping {
                self.single_step()
            } else {
                self.interp.run(&mut self.cpu)
            };
            match exit {
                Exit::Syscall(kind) => self.service_syscall(kind),
                Exit::Fault(mut f) => {
                    // An i386 guest's unmapped pages stay reserved in the
                    // host (PROT_NONE): for the guest they are not mapped.
                    if f.signo == libc::SIGSEGV && f.code == SEGV_ACCERR {
                        let mm = self.mm();
                        if mm.low4g && !mm.is_mapped(f.addr & !0xfff, (f.addr & !0xfff) + 0x1000) {
                            f.code = SEGV_MAPERR;
                        }
                    }
                    let err = 4 | u64::from(f.code == SEGV_ACCERR);
                    let trap = TrapInfo {
                        trapno: 14,
                        err,
                        cr2: f.addr,
                    };
                    self.force_signal(SigInfo::fault(f.signo, f.code, f.addr), trap)
                }
                Exit::Illegal { addr } => {
                    let trap = TrapInfo {
                        trapno: 6,
                        ..Default::default()
                    };
                    self.force_signal(SigInfo::fault(libc::SIGILL, ILL_ILLOPN, addr), trap)
                }
                Exit::DivideError => {
                    // An unmasked x87/SSE exception (#MF/#XM) tells its
                    // si_code and trap number; otherwise it was #DE.
                    let (code, trapno) = self.cpu.x87.take_fp_trap().unwrap_or((FPE_INTDIV, 0));
                    let trap = TrapInfo {
                        trapno: trapno as u64,
                        ..Default::default()
                    };
                    self.force_signal(SigInfo::fault(libc::SIGFPE, code, self.cpu.rip), trap)
                }
                Exit::Breakpoint => {
                    let trap = TrapInfo {
                        trapno: 3,
                        ..Default::default()
                    };
                    self.force_signal(SigInfo::fault(libc::SIGTRAP, SI_KERNEL, 0), trap)
                }
                Exit::GeneralProtection => {
                    let trap = TrapInfo {
                        trapno: 13,
                        ..Default::default()
                    };
                    self.force_signal(SigInfo::fault(libc::SIGSEGV, SI_KERNEL, 0), trap)
                }
                Exit::Interrupted => {}
                Exit::CodeWritten { page } => self.code_changed(page, 4096),
            }
            if let Some(code) = self.thread.exit {
                return code;
            }
            if self.interp.interrupt.load(Ordering::Relaxed) != 0 {
                self.handle_interrupt();
            }
        }
    }

    /// One instruction with the trap flag set, then the debug trap:
    /// SIGTRAP (TRAP_TRACE) with the address of the next instruction.
    fn single_step(&mut self) -> Exit {
        const TRAP_TRACE: i32 = 2;
        let trap = TrapInfo {
            trapno: 1,
            ..Default::default()
        };
        match self.interp.step(&mut self.cpu) {
            Ok(()) | Err(Exit::Interrupted) => {}
            Err(Exit::Syscall(kind)) => {
                self.service_syscall(kind);
                if self.thread.exit.is_some() {
                    return Exit::Interrupted;
                }
            }
            Err(e) => return e,
        }
        let rip = self.cpu.rip;
        self.force_signal(SigInfo::fault(libc::SIGTRAP, TRAP_TRACE, rip), trap);
        Exit::Interrupted
    }

    /// A guest system call, restarted when a signal arrived before it could
    /// start: the guest sees the signal first, then the call again.
    fn service_syscall(&mut self, kind: SyscallKind) {
        let orig_ax = self.cpu.gpr[0];
        let arg6 = if kind == SyscallKind::Sysenter {
            x86run_cpu::mem::read_u32(self.cpu.gpr[5] & 0xffff_ffff).unwrap_or(0) as u64
        } else {
            0
        };
        // A signal taken before the call: the guest sees it first.
        if self.interp.interrupt.load(Ordering::Acquire) != 0 {
            self.restart_syscall(kind, orig_ax, arg6);
            return;
        }
        self.sig.skip_restart = false;
        self.syscall(kind);
        let ret = match self.cpu.mode {
            Mode::Bits32 => self.cpu.gpr[0] as u32 as i32 as i64,
            Mode::Bits64 => self.cpu.gpr[0] as i64,
        };
        if ret == -crate::safe_syscall::ERESTARTSYS && !self.sig.skip_restart {
            self.restart_syscall(kind, orig_ax, arg6);
        }
    }

    /// Points the guest back at its system call instruction, to run it
    /// again once the signal that came first is delivered.
    fn restart_syscall(&mut self, kind: SyscallKind, orig_ax: u64, arg6: u64) {
        self.cpu.gpr[0] = orig_ax;
        self.cpu.rip = self.cpu.rip.wrapping_sub(2) & self.cpu.addr_mask();
        if kind == SyscallKind::Sysenter
            && x86run_cpu::mem::read_u16(self.cpu.rip).ok() == Some(0x80cd)
        {
            self.cpu.gpr[5] = arg6;
        }
    }

    /// Drops decoded blocks other threads invalidated.
    pub(crate) fn sync_code(&mut self) {
        self.shared
            .code
            .catch_up(&mut self.thread.code_seen, &mut self.interp.cache);
    }
}

/// Reserves the kernel's stack guard gap (1 MiB) below an x86-64 guest's
/// stack, which shares the host's address space: an overflowing guest
/// stack faults there instead of running into other memory.
fn guard_below_stack(lo: u64) {
    const GAP: u64 = 1 << 20;
    if lo > GAP {
        let flags = libc::MAP_PRIVATE
            | libc::MAP_ANONYMOUS
            | libc::MAP_NORESERVE
            | libc::MAP_FIXED_NOREPLACE;
        crate::host::syscall6(
            libc::SYS_mmap as u64,
            [
                lo - GAP,
                GAP,
                libc::PROT_NONE as u64,
                flags as u64,
                u64::MAX,
                0,
            ],
        );
    }
}

/// "illegal instruction at ADDR: DISASSEMBLY (bytes)" for the diagnostic.
pub(crate) fn describe_illegal(addr: u64, mode: Mode) -> String {
    use iced_x86::Formatter;
    let mut buf = [0u8; 15];
    let n = x86run_cpu::mem::read_bytes_partial(addr, &mut buf);
    let bytes: Vec<String> = buf[..n].iter().map(|b| format!("{b:02x}")).collect();
    let mut d = iced_x86::Decoder::with_ip(
        mode.bitness(),
        &buf[..n],
        addr,
        iced_x86::DecoderOptions::NONE,
    );
    let insn = d.decode();
    if insn.is_invalid() {
        return format!(
            "illegal instruction at {addr:#x} (bytes {})",
            bytes.join(" ")
        );
    }
    let mut text = String::new();
    iced_x86::IntelFormatter::new().format(&insn, &mut text);
    let len = insn.len().min(n);
    let what = if matches!(
        insn.mnemonic(),
        iced_x86::Mnemonic::Ud2 | iced_x86::Mnemonic::Ud0 | iced_x86::Mnemonic::Ud1
    ) {
        "illegal instruction"
    } else {
        "unsupported instruction"
    };
    format!(
        "{what} at {addr:#x}: {text} (bytes {})",
        bytes[..len].join(" ")
    )
}
