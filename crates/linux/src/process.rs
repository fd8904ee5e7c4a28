//! A guest process: CPU state, interpreter, address space and signal state,
//! and the loop that runs guest code and services its exits (system calls,
//! faults, illegal instructions).

use crate::loader::{self, ExecArgs, LoadError};
use crate::mm::AddressSpace;
use crate::signals::{die_with_signal, SignalState};
use crate::syscall::Tables;
use x86run_cpu::{CpuState, Exit, Interpreter, Mode};

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

/// A running guest process.
pub struct Process {
    pub cpu: CpuState,
    pub interp: Interpreter,
    pub mm: AddressSpace,
    pub signals: SignalState,
    pub opts: Options,
    pub backend: Backend,
    pub tables: Tables,
    /// Absolute path of the guest executable (/proc/self/exe).
    pub exe_path: String,
    /// The guest's auxiliary vector (/proc/self/auxv).
    pub auxv: Vec<(u64, u64)>,
    /// The guest's argv, NUL-separated (/proc/self/cmdline).
    pub cmdline: Vec<u8>,
    /// Guest memory where rewritten path arguments are placed (two slots
    /// of PATH_SLOT bytes), when a root filesystem is in use.
    pub path_scratch: u64,
}

/// Size of one rewritten-path slot.
pub const PATH_SLOT: u64 = 4096;

impl Process {
    /// Loads `path` with `argv` and `envp` into a new guest process.
    pub fn new(path: &str, argv: &[Vec<u8>], envp: &[Vec<u8>], opts: Options) -> Result<Process, LoadError> {
        let host_path = String::from_utf8_lossy(&opts.host_path(path.as_bytes())).into_owned();
        let data = loader::read_program(&host_path).map_err(|mut e| {
            e.msg = e.msg.replacen(&host_path, path, 1);
            e
        })?;
        let mode = loader::guest_mode(path, &data)?;
        x86run_cpu::fault::install();
        let mut mm = AddressSpace::new(mode == Mode::Bits32)
            .map_err(|msg| LoadError { msg: format!("{path}: {msg}"), status: 126 })?;
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
                msg: "x86run: the host kernel has no 32-bit compat entry (use --backend translate)".into(),
                status: 126,
            });
        }
        if mode == Mode::Bits32 && backend == Backend::Translate {
            return Err(LoadError {
                msg: "x86run: the user-space translation back end is not implemented yet".into(),
                status: 126,
            });
        }
        let interp_path = |p: &str| String::from_utf8_lossy(&opts.host_path(p.as_bytes())).into_owned();
        let args = ExecArgs { path, argv, envp, interp_path: &interp_path };
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
                    Some(r) => p.strip_prefix(r).ok().map(|q| std::path::Path::new("/").join(q)),
                    None => Some(p),
                })
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_else(|| path.to_string())
        } else {
            path.to_string()
        };
        let path_scratch = if opts.rootfs.is_some() {
            mm.map_anon(0, 2 * PATH_SLOT, libc::PROT_READ | libc::PROT_WRITE)
                .map_err(|e| LoadError { msg: format!("{path}: cannot map path scratch ({e})"), status: 126 })?
        } else {
            0
        };
        Ok(Process {
            cpu,
            interp: Interpreter::new(),
            mm,
            signals: SignalState::default(),
            opts,
            backend,
            tables: Tables::new(),
            exe_path,
            path_scratch,
            auxv: loaded.auxv,
            cmdline: argv.iter().flat_map(|a| a.iter().copied().chain([0])).collect(),
        })
    }

    /// Runs the guest until it exits; never returns.
    pub fn run(&mut self) -> ! {
        loop {
            match self.interp.run(&mut self.cpu) {
                Exit::Syscall(kind) => self.syscall(kind),
                Exit::Fault(f) => die_with_signal(f.signo),
                Exit::Illegal { addr } => {
                    eprintln!("x86run: {}", describe_illegal(addr, self.cpu.mode));
                    die_with_signal(libc::SIGILL)
                }
                Exit::DivideError => die_with_signal(libc::SIGFPE),
                Exit::Breakpoint => die_with_signal(libc::SIGTRAP),
                Exit::GeneralProtection => die_with_signal(libc::SIGSEGV),
            }
        }
    }
}

/// "illegal instruction at ADDR: DISASSEMBLY (bytes)" for the diagnostic.
fn describe_illegal(addr: u64, mode: Mode) -> String {
    use iced_x86::Formatter;
    let mut buf = [0u8; 15];
    let n = x86run_cpu::mem::read_bytes_partial(addr, &mut buf);
    let bytes: Vec<String> = buf[..n].iter().map(|b| format!("{b:02x}")).collect();
    let mut d = iced_x86::Decoder::with_ip(mode.bitness(), &buf[..n], addr, iced_x86::DecoderOptions::NONE);
    let insn = d.decode();
    if insn.is_invalid() {
        return format!("illegal instruction at {addr:#x} (bytes {})", bytes.join(" "));
    }
    let mut text = String::new();
    iced_x86::IntelFormatter::new().format(&insn, &mut text);
    let len = insn.len().min(n);
    let what = if matches!(insn.mnemonic(), iced_x86::Mnemonic::Ud2 | iced_x86::Mnemonic::Ud0 | iced_x86::Mnemonic::Ud1) {
        "illegal instruction"
    } else {
        "unsupported instruction"
    };
    format!("{what} at {addr:#x}: {text} (bytes {})", bytes[..len].join(" "))
}
