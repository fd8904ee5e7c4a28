//! System calls: per guest ABI, a table maps each number to its name and an
//! action — pass through to the host kernel (the compat entry for i386, the
//! native entry for x86-64), an x86run handler, or a refusal with a reason.
//! The same table drives `--strace` and the "unsupported syscall" warning.

mod common;
mod i386;
pub mod names;
mod procfs;
pub mod translate;
mod x86_64;

use crate::process::Process;
use std::collections::HashSet;
use x86run_cpu::{mem, Mode, SyscallKind};

/// Guest syscall ABI.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Abi {
    I386,
    X86_64,
}

/// An x86run syscall handler: raw arguments in, kernel-style result out
/// (a value or -errno).
pub type Handler = fn(&mut Process, &[u64; 6]) -> i64;

/// What x86run does with one syscall number.
#[derive(Clone, Copy)]
pub enum Action {
    /// Layout-compatible: hand it to the host kernel's entry for this ABI.
    Pass,
    /// Handled by x86run.
    Emulate(Handler),
    /// Not supported: fails with ENOSYS and one warning giving the reason.
    Refuse(&'static str),
}

/// One table row.
#[derive(Clone, Copy)]
pub struct Entry {
    pub name: &'static str,
    pub action: Action,
    /// Arguments that are path names (resolved in the root filesystem).
    pub paths: &'static [usize],
}

/// Which arguments of a syscall are path names (the same in both ABIs).
fn path_args(name: &str) -> &'static [usize] {
    match name {
        "open" | "creat" | "stat" | "lstat" | "stat64" | "lstat64" | "oldstat" | "oldlstat"
        | "access" | "readlink" | "truncate" | "truncate64" | "chdir" | "statfs" | "statfs64"
        | "getxattr" | "lgetxattr" | "listxattr" | "llistxattr" | "setxattr" | "lsetxattr"
        | "removexattr" | "lremovexattr" | "utime" | "utimes" | "execve" | "uselib" | "chmod"
        | "chown" | "lchown" | "chown32" | "lchown32" | "unlink" | "rmdir" | "mkdir" | "mknod"
        | "chroot" | "acct" | "swapon" | "swapoff" => &[0],
        "openat" | "openat2" | "newfstatat" | "fstatat64" | "statx" | "faccessat"
        | "faccessat2" | "readlinkat" | "utimensat" | "futimesat" | "name_to_handle_at"
        | "fchmodat" | "fchmodat2" | "fchownat" | "execveat" | "unlinkat" | "mkdirat"
        | "mknodat" | "symlink" => &[1],
        "symlinkat" => &[2],
        "rename" | "link" => &[0, 1],
        "renameat" | "renameat2" | "linkat" => &[1, 3],
        _ => &[],
    }
}

/// Whether a syscall follows a symbolic link in the last component of its
/// path arguments (it does not for lstat, readlink, unlink, O_NOFOLLOW, ...).
fn follows_last(name: &str, a: &[u64; 6]) -> bool {
    const AT_SYMLINK_NOFOLLOW: u64 = 0x100;
    const AT_SYMLINK_FOLLOW: u64 = 0x400;
    const O_NOFOLLOW: u64 = 0x20000;
    match name {
        "lstat" | "lstat64" | "oldlstat" | "readlink" | "readlinkat" | "lchown" | "lchown32"
        | "lgetxattr" | "llistxattr" | "lsetxattr" | "lremovexattr" | "unlink" | "unlinkat"
        | "rmdir" | "rename" | "renameat" | "renameat2" | "symlink" | "symlinkat" | "mkdir"
        | "mkdirat" | "mknod" | "mknodat" => false,
        "link" => false,
        "linkat" => a[4] & AT_SYMLINK_FOLLOW != 0,
        "open" => a[1] & O_NOFOLLOW == 0,
        "openat" => a[2] & O_NOFOLLOW == 0,
        "newfstatat" | "fstatat64" | "utimensat" | "faccessat2" => a[3] & AT_SYMLINK_NOFOLLOW == 0,
        "statx" => a[2] & AT_SYMLINK_NOFOLLOW == 0,
        "fchownat" => a[4] & AT_SYMLINK_NOFOLLOW == 0,
        _ => true,
    }
}

/// The syscall tables of both guest ABIs.
pub struct Tables {
    i386: Vec<Entry>,
    x86_64: Vec<Entry>,
    warned: std::sync::Mutex<HashSet<(Abi, u64)>>,
}

fn build(names: &'static [&'static str], special: fn(&str) -> Option<Action>) -> Vec<Entry> {
    names
        .iter()
        .map(|&name| Entry {
            name,
            paths: path_args(name),
            action: if name.is_empty() {
                Action::Refuse("no such syscall")
            } else {
                special(name).unwrap_or(Action::Pass)
            },
        })
        .collect()
}

impl Default for Tables {
    fn default() -> Self {
        Self::new()
    }
}

impl Tables {
    pub fn new() -> Self {
        Tables {
            i386: build(&names::I386, i386::action),
            x86_64: build(&names::X86_64, x86_64::action),
            warned: Default::default(),
        }
    }

    pub fn entry(&self, abi: Abi, nr: u64) -> Option<Entry> {
        let t = match abi {
            Abi::I386 => &self.i386,
            Abi::X86_64 => &self.x86_64,
        };
        t.get(nr as usize).copied()
    }
}

pub const ENOSYS: i64 = -(libc::ENOSYS as i64);
pub const EINVAL: i64 = -(libc::EINVAL as i64);
pub const EFAULT: i64 = -(libc::EFAULT as i64);

impl Process {
    /// Services the system call the guest just made.
    pub fn syscall(&mut self, kind: SyscallKind) {
        let abi = match kind {
            SyscallKind::Syscall if self.cpu.mode == Mode::Bits64 => Abi::X86_64,
            _ => Abi::I386,
        };
        let g = &self.cpu.gpr;
        let (nr, mut args) = match abi {
            Abi::I386 => (
                g[0] & 0xffff_ffff,
                [g[3], g[1], g[2], g[6], g[7], g[5]].map(|v| v & 0xffff_ffff),
            ),
            Abi::X86_64 => (g[0], [g[7], g[6], g[2], g[10], g[8], g[9]]),
        };
        if kind == SyscallKind::Sysenter {
            // The vDSO pushed the sixth argument (ebp) and pointed ebp at it.
            args[5] = mem::read_u32(g[5] & 0xffff_ffff)
                .map(u64::from)
                .unwrap_or(0);
        }
        if crate::seccomp::active() && crate::seccomp::intercept(self, abi, nr, &args) {
            return;
        }
        let entry = self.tables.entry(abi, nr);
        let emulated_proc = entry.and_then(|e| procfs::open(self, e.name, &args));
        let ret = match entry.map(|e| e.action) {
            _ if emulated_proc.is_some() => emulated_proc.unwrap_or(ENOSYS),
            Some(Action::Pass) => {
                let mut host_args = args;
                if self.opts.rootfs.is_some() {
                    if let Some(e) = entry {
                        let follow = follows_last(e.name, &args);
                        for (slot, &k) in e.paths.iter().enumerate() {
                            if let Some(p) = self.rootfs_arg(args[k], slot as u64, follow) {
                                host_args[k] = p;
                            }
                        }
                    }
                }
                self.pass(abi, nr, &host_args)
            }
            Some(Action::Emulate(h)) => h(self, &args),
            Some(Action::Refuse(why)) => {
                if self
                    .tables
                    .warned
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert((abi, nr))
                {
                    let name = entry.map(|e| e.name).filter(|n| !n.is_empty());
                    eprintln!(
                        "x86run: unsupported {} syscall {} ({}): {}",
                        if abi == Abi::I386 { "i386" } else { "x86-64" },
                        name.unwrap_or("?"),
                        nr,
                        why
                    );
                }
                ENOSYS
            }
            None => {
                if self
                    .tables
                    .warned
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert((abi, nr))
                {
                    eprintln!("x86run: unknown syscall number {nr}");
                }
                ENOSYS
            }
        };
        if self.opts.strace {
            let name = entry.map(|e| e.name).unwrap_or("?");
            let shown: Vec<String> = args.iter().map(|a| format!("{a:#x}")).collect();
            // The translation back end's row says how the call was served.
            let how = match (abi, entry.map(|e| e.action)) {
                (Abi::I386, Some(Action::Pass))
                    if self.backend == crate::process::Backend::Translate =>
                {
                    translate::strace_note(nr)
                }
                _ => "",
            };
            eprintln!(
                "[{}] {}({}) = {}{}",
                std::process::id(),
                name,
                shown.join(", "),
                ret,
                how
            );
        }
        match self.cpu.mode {
            Mode::Bits32 => self.cpu.gpr[0] = ret as u64 & 0xffff_ffff,
            Mode::Bits64 => self.cpu.gpr[0] = ret as u64,
        }
    }

    /// Rewrites a guest path argument that resolves inside the root
    /// filesystem into a scratch slot; returns the slot's address.
    fn rootfs_arg(&mut self, ptr: u64, slot: u64, follow: bool) -> Option<u64> {
        let guest = mem::read_cstr(ptr, 4096).ok()?;
        let host = self.opts.host_path_follow(&guest, follow);
        if host == guest {
            return None;
        }
        self.place_path(&host, slot)
    }

    /// Writes a host path into scratch slot `slot`; returns its address.
    pub(crate) fn place_path(&mut self, host: &[u8], slot: u64) -> Option<u64> {
        if host.len() as u64 >= crate::process::PATH_SLOT || self.path_scratch == 0 {
            return None;
        }
        let at = self.path_scratch + slot * crate::process::PATH_SLOT;
        mem::write_bytes(at, host).ok()?;
        mem::write_u8(at + host.len() as u64, 0).ok()?;
        Some(at)
    }

    /// Hands a syscall to the host kernel entry for its ABI.
    pub fn pass(&mut self, abi: Abi, nr: u64, args: &[u64; 6]) -> i64 {
        let r = self.pass_once(abi, nr, args);
        // The kernel cannot write to pages x86run write-protected because
        // they hold decoded code: give them back and try once more.
        if r == EFAULT {
            let pages = x86run_cpu::code::release_all();
            if !pages.is_empty() {
                for page in pages {
                    self.code_changed(page, 4096);
                }
                return self.pass_once(abi, nr, args);
            }
        }
        r
    }

    fn pass_once(&mut self, abi: Abi, nr: u64, args: &[u64; 6]) -> i64 {
        match abi {
            Abi::X86_64 => crate::safe_syscall::syscall(&self.interp.interrupt, nr, *args),
            Abi::I386 if self.backend == crate::process::Backend::Translate => {
                translate::syscall(self, nr, args)
            }
            Abi::I386 => {
                #[cfg(target_arch = "x86_64")]
                {
                    crate::safe_syscall::int80(
                        &self.interp.interrupt,
                        nr as u32,
                        args.map(|a| a as u32),
                    )
                }
                #[cfg(not(target_arch = "x86_64"))]
                {
                    ENOSYS
                }
            }
        }
    }
}
