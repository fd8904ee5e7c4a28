//! The x86run command: parses options, loads the guest program and runs it.

use clap::Parser;
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use x86run_linux::{Backend, Options, Process};

/// Run an x86 (i386 or x86-64) Linux program.
#[derive(Parser, Debug)]
#[command(name = "x86run", version, about, trailing_var_arg = true)]
struct Cli {
    /// Print each guest system call to stderr.
    #[arg(long)]
    strace: bool,
    /// argv[0] to give the guest (default: PROGRAM).
    #[arg(long, value_name = "NAME")]
    argv0: Option<OsString>,
    /// System-call back end for i386 guests (default: compat where the host has it).
    #[arg(long, value_enum)]
    backend: Option<BackendArg>,
    /// Root filesystem for the guest: absolute paths resolve inside it
    /// first (also X86RUN_ROOTFS, or QEMU_LD_PREFIX).
    #[arg(long, short = 'L', value_name = "DIR")]
    rootfs: Option<std::path::PathBuf>,
    /// Guest seccomp state handed over by a guest execve (internal).
    #[arg(long, hide = true, value_name = "FD")]
    seccomp_fd: Option<i32>,
    /// The program to run.
    program: OsString,
    /// Its arguments.
    #[arg(allow_hyphen_values = true)]
    args: Vec<OsString>,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum BackendArg {
    /// The host kernel's 32-bit compat entry.
    Compat,
    /// Portable user-space translation to native syscalls.
    Translate,
}

fn main() {
    let cli = Cli::parse();
    let program = cli.program.to_string_lossy().into_owned();
    let mut argv: Vec<Vec<u8>> = vec![cli.argv0.unwrap_or(cli.program.clone()).into_vec()];
    argv.extend(cli.args.into_iter().map(|a| a.into_vec()));
    let envp: Vec<Vec<u8>> = std::env::vars_os()
        .map(|(k, v)| {
            let mut e = k.into_vec();
            e.push(b'=');
            e.extend(v.into_vec());
            e
        })
        .collect();
    let opts = Options {
        strace: cli.strace,
        backend: cli.backend.map(|b| match b {
            BackendArg::Compat => Backend::Compat,
            BackendArg::Translate => Backend::Translate,
        }),
        self_exe: std::env::current_exe().unwrap_or_else(|_| "/proc/self/exe".into()),
        rootfs: cli
            .rootfs
            .or_else(|| std::env::var_os("X86RUN_ROOTFS").map(Into::into))
            .or_else(|| std::env::var_os("QEMU_LD_PREFIX").map(Into::into))
            .filter(|p| !p.as_os_str().is_empty())
            .map(|p| std::fs::canonicalize(&p).unwrap_or(p)),
    };
    if let Some(fd) = cli.seccomp_fd {
        x86run_linux::seccomp::import_fd(fd);
    }
    match Process::new(&program, &argv, &envp, opts) {
        Ok(mut p) => {
            set_comm(&program);
            p.run()
        }
        Err(e) => {
            let msg = e.msg.strip_prefix("x86run: ").unwrap_or(&e.msg);
            eprintln!("x86run: {msg}");
            std::process::exit(e.status);
        }
    }
}

/// The process name the kernel gives an exec'd program (the last part of
/// its path, 15 bytes at most), instead of "x86run".
fn set_comm(program: &str) {
    let base = program.rsplit('/').next().unwrap_or(program).as_bytes();
    let mut name = [0u8; 16];
    let n = base.len().min(15);
    name[..n].copy_from_slice(&base[..n]);
    // SAFETY: PR_SET_NAME reads a NUL-terminated string of at most 16
    // bytes from a buffer this frame owns.
    unsafe {
        libc::prctl(libc::PR_SET_NAME, name.as_ptr());
    }
}
