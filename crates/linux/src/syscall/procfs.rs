//! /proc as the guest should see it: its own executable, command line,
//! auxiliary vector, memory map and CPU, not x86run's. Emulated files are
//! served as memfds holding the generated text; links that point into the
//! root filesystem are shown as guest paths.

use super::{Abi, EFAULT, EINVAL};
use crate::process::Process;
use std::os::unix::ffi::OsStrExt;
use x86run_cpu::{mem, Mode};

/// Which per-process file `path` names, if it is /proc/self/NAME,
/// /proc/thread-self/NAME or /proc/<our pid>/NAME.
fn self_file(path: &[u8]) -> Option<&[u8]> {
    let rest = path.strip_prefix(b"/proc/")?;
    let (who, name) = rest.split_at(rest.iter().position(|&b| b == b'/')?);
    let name = &name[1..];
    let pid = std::process::id().to_string();
    let tid = crate::host::syscall6(libc::SYS_gettid as u64, [0; 6]).to_string();
    let me =
        who == b"self" || who == b"thread-self" || who == pid.as_bytes() || who == tid.as_bytes();
    me.then_some(name)
}

/// readlink/readlinkat: /proc/self/exe is the guest program; a link
/// target inside the root filesystem is shown without its prefix.
pub fn readlink(p: &mut Process, abi: Abi, nr: u64, a: &[u64; 6], path_arg: usize) -> i64 {
    let Ok(path) = mem::read_cstr(a[path_arg], 4096) else {
        return EFAULT;
    };
    let (buf, size) = (a[path_arg + 1], a[path_arg + 2]);
    if size as i64 <= 0 || size > i32::MAX as u64 {
        return EINVAL;
    }
    let target = if self_file(&path) == Some(b"exe") {
        p.exe_path.as_bytes().to_vec()
    } else {
        match std::fs::read_link(std::ffi::OsStr::from_bytes(
            &p.opts.host_path_follow(&path, false),
        )) {
            Ok(t) => guest_view(p, t.as_os_str().as_bytes()),
            Err(_) => {
                // Let the kernel produce the exact error.
                let mut host_args = *a;
                let host = p.opts.host_path_follow(&path, false);
                if host != path {
                    if let Some(at) = p.place_path(&host, 0) {
                        host_args[path_arg] = at;
                    }
                }
                return p.pass(abi, nr, &host_args);
            }
        }
    };
    let n = (size as usize).min(target.len());
    if mem::write_bytes(buf, &target[..n]).is_err() {
        return EFAULT;
    }
    n as i64
}

/// The program an execve of `path` runs: /proc/self/exe is the guest
/// program (busybox re-executes itself that way), not x86run.
pub fn exec_path(p: &Process, path: Vec<u8>) -> Vec<u8> {
    if self_file(&path) == Some(b"exe") {
        p.exe_path.as_bytes().to_vec()
    } else {
        path
    }
}

/// getcwd: a directory inside the root filesystem is shown as the guest
/// path.
pub fn getcwd(p: &mut Process, a: &[u64; 6]) -> i64 {
    let Ok(cwd) = std::env::current_dir() else {
        return -(libc::ENOENT as i64);
    };
    let mut g = guest_view(p, cwd.as_os_str().as_bytes());
    g.push(0);
    if (a[1] as usize) < g.len() {
        return -(libc::ERANGE as i64);
    }
    if mem::write_bytes(a[0], &g).is_err() {
        return EFAULT;
    }
    g.len() as i64
}

/// A host path as the guest sees it: inside the root filesystem, without
/// the prefix.
fn guest_view(p: &Process, host: &[u8]) -> Vec<u8> {
    if let Some(root) = &p.opts.rootfs {
        let r = root.as_os_str().as_bytes();
        if let Some(rest) = host.strip_prefix(r) {
            if rest.is_empty() {
                return b"/".to_vec();
            }
            if rest.first() == Some(&b'/') {
                return rest.to_vec();
            }
        }
    }
    host.to_vec()
}

/// open/openat of an emulated /proc file: returns a file descriptor
/// holding the generated contents, or None to let the call pass.
pub fn open(p: &mut Process, name: &str, a: &[u64; 6]) -> Option<i64> {
    let (path_ptr, flags) = match name {
        "open" => (a[0], a[1]),
        "openat" => (a[1], a[2]),
        _ => return None,
    };
    let path = mem::read_cstr(path_ptr, 4096).ok()?;
    if self_file(&path) == Some(b"exe") {
        // The guest program itself, not x86run.
        let host = p.opts.host_path(p.exe_path.as_bytes());
        let c = std::ffi::CString::new(host).ok()?;
        let mode = flags & (libc::O_ACCMODE | libc::O_CLOEXEC | libc::O_PATH) as u64;
        return Some(crate::host::syscall6(
            libc::SYS_openat as u64,
            [libc::AT_FDCWD as u64, c.as_ptr() as u64, mode, 0, 0, 0],
        ));
    }
    let content = match path.as_slice() {
        b"/proc/cpuinfo" => cpuinfo(p.cpu.mode),
        _ => match self_file(&path)? {
            b"maps" => maps(p),
            b"auxv" => auxv(p),
            b"cmdline" => p.cmdline.clone(),
            b"status" => crate::seccomp::proc_status()?,
            _ => return None,
        },
    };
    if flags & (libc::O_WRONLY | libc::O_RDWR) as u64 != 0 {
        return Some(-(libc::EACCES as i64));
    }
    Some(memfd_with(&content, flags & libc::O_CLOEXEC as u64 != 0))
}

/// A read-only-by-convention memfd holding `content`, positioned at 0.
fn memfd_with(content: &[u8], cloexec: bool) -> i64 {
    let name = b"x86run-proc\0";
    let flags = if cloexec { libc::MFD_CLOEXEC } else { 0 };
    let fd = crate::host::syscall6(
        libc::SYS_memfd_create as u64,
        [name.as_ptr() as u64, flags as u64, 0, 0, 0, 0],
    );
    if fd < 0 {
        return fd;
    }
    let mut off = 0;
    while off < content.len() {
        let r = crate::host::syscall6(
            libc::SYS_write as u64,
            [
                fd as u64,
                content[off..].as_ptr() as u64,
                (content.len() - off) as u64,
                0,
                0,
                0,
            ],
        );
        if r <= 0 {
            break;
        }
        off += r as usize;
    }
    crate::host::syscall6(libc::SYS_lseek as u64, [fd as u64, 0, 0, 0, 0, 0]);
    fd
}

fn auxv(p: &Process) -> Vec<u8> {
    let mut out = Vec::new();
    for &(k, v) in &p.auxv {
        match p.cpu.mode {
            Mode::Bits32 => {
                out.extend((k as u32).to_le_bytes());
                out.extend((v as u32).to_le_bytes());
            }
            Mode::Bits64 => {
                out.extend(k.to_le_bytes());
                out.extend(v.to_le_bytes());
            }
        }
    }
    out
}

/// The guest's memory map: the host's entries for guest memory, with
/// guest paths and the guest's stack and heap named.
fn maps(p: &Process) -> Vec<u8> {
    let host = std::fs::read("/proc/self/maps").unwrap_or_default();
    let self_exe = p.opts.self_exe.as_os_str().as_bytes().to_vec();
    let mm = p.mm();
    let guest_regions: Vec<(u64, u64)> = mm.regions().collect();
    let (heap, stack, low4g) = (mm.heap(), mm.stack, mm.low4g);
    drop(mm);
    let mut out = Vec::new();
    for line in host.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let fields: Vec<&[u8]> = line.splitn(6, |&b| b == b' ').collect();
        if fields.len() < 5 {
            continue;
        }
        let range = String::from_utf8_lossy(fields[0]);
        let Some((s, e)) = range.split_once('-') else {
            continue;
        };
        let (Ok(start), Ok(end)) = (u64::from_str_radix(s, 16), u64::from_str_radix(e, 16)) else {
            continue;
        };
        let path: &[u8] = fields.get(5).map(|f| f.trim_ascii_start()).unwrap_or(b"");
        // The pieces of this entry that are guest memory.
        let pieces: Vec<(u64, u64)> = if low4g {
            guest_regions
                .iter()
                .filter(|&&(gs, ge)| gs < end && ge > start)
                .map(|&(gs, ge)| (gs.max(start), ge.min(end)))
                .collect()
        } else {
            let emulator = path == self_exe.as_slice()
                || matches!(
                    path,
                    b"[heap]" | b"[stack]" | b"[vdso]" | b"[vvar]" | b"[vvar_vclock]"
                );
            if emulator {
                vec![]
            } else {
                vec![(start, end)]
            }
        };
        // Split at the heap's bounds so that it gets its own line.
        let mut split = Vec::new();
        for (ps, pe) in pieces {
            let mut cuts = vec![ps];
            for c in [heap.0, heap.1] {
                if c > ps && c < pe {
                    cuts.push(c);
                }
            }
            cuts.push(pe);
            split.extend(cuts.windows(2).map(|w| (w[0], w[1])));
        }
        for (ps, pe) in split {
            let name: Vec<u8> = if ps >= stack.0 && pe <= stack.1 {
                b"[stack]".to_vec()
            } else if ps >= heap.0 && pe <= heap.1 && heap.1 > heap.0 {
                b"[heap]".to_vec()
            } else {
                guest_view(p, path)
            };
            let off = if path.is_empty() {
                0
            } else {
                u64::from_str_radix(&String::from_utf8_lossy(fields[2]), 16).unwrap_or(0)
                    + (ps - start)
            };
            let head = format!(
                "{:08x}-{:08x} {} {:08x} {} {}",
                ps,
                pe,
                String::from_utf8_lossy(fields[1]),
                off,
                String::from_utf8_lossy(fields[3]),
                String::from_utf8_lossy(fields[4]),
            );
            out.extend_from_slice(head.as_bytes());
            if !name.is_empty() {
                let pad = 73usize.saturating_sub(head.len()).max(1);
                out.extend(std::iter::repeat_n(b' ', pad));
                out.extend_from_slice(&name);
            }
            out.push(b'\n');
        }
    }
    out
}

/// /proc/cpuinfo for the CPU x86run reports through CPUID.
fn cpuinfo(mode: Mode) -> Vec<u8> {
    let (_, _, ecx, edx) = x86run_cpu::cpuid::cpuid(mode, 1, 0);
    let (_, _, ecx8, edx8) = x86run_cpu::cpuid::cpuid(mode, 0x8000_0001, 0);
    let named = [
        (edx, 0, "fpu"),
        (edx, 4, "tsc"),
        (edx, 8, "cx8"),
        (edx, 11, "sep"),
        (edx, 15, "cmov"),
        (edx, 23, "mmx"),
        (edx, 24, "fxsr"),
        (edx, 25, "sse"),
        (edx, 26, "sse2"),
        (edx8, 11, "syscall"),
        (edx8, 20, "nx"),
        (edx8, 29, "lm"),
        (ecx, 0, "pni"),
        (ecx, 1, "pclmulqdq"),
        (ecx, 9, "ssse3"),
        (ecx, 13, "cx16"),
        (ecx, 19, "sse4_1"),
        (ecx, 20, "sse4_2"),
        (ecx, 22, "movbe"),
        (ecx, 23, "popcnt"),
        (ecx, 25, "aes"),
        (ecx8, 0, "lahf_lm"),
        (ecx8, 5, "abm"),
    ];
    let flags: Vec<&str> = named
        .iter()
        .filter(|(r, b, _)| r >> b & 1 != 0)
        .map(|(_, _, n)| *n)
        .collect();
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let mut out = String::new();
    for n in 0..cpus {
        out += &format!(
            "processor\t: {n}\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 58\n\
             model name\t: x86run virtual CPU\nstepping\t: 9\ncache size\t: 1024 KB\n\
             flags\t\t: {}\nbogomips\t: 4000.00\nclflush size\t: 64\n\n",
            flags.join(" ")
        );
    }
    out.into_bytes()
}
