//! Shared by the integration tests that run guest programs natively and
//! under x86run and compare what they do (programs.rs, busybox.rs, cli.rs,
//! rootfs.rs, threads_signals.rs, ...).
//!
//! A run has a time limit (`X86RUN_TEST_TIMEOUT` seconds, default 300), its
//! own process group (so a hung guest and anything it forked can be killed),
//! no core dumps, and a fixed environment.

#![allow(dead_code)]

use std::ffi::OsString;
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The x86run binary built by cargo for these tests, or the program named
/// by `X86RUN_TEST_EMULATOR` (used to check the tests themselves against a
/// pass-through wrapper or another emulator).
pub fn x86run() -> PathBuf {
    match std::env::var_os("X86RUN_TEST_EMULATOR") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from(env!("CARGO_BIN_EXE_x86run")),
    }
}

/// Extra x86run options for every run, from `X86RUN_TEST_FLAGS`
/// (whitespace-separated), e.g. to force a syscall back end.
pub fn x86run_flags() -> Vec<String> {
    std::env::var("X86RUN_TEST_FLAGS")
        .map(|s| s.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default()
}

fn timeout() -> Duration {
    let secs = std::env::var("X86RUN_TEST_TIMEOUT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    Duration::from_secs(secs)
}

/// How a process ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    Code(i32),
    Signal(i32),
    /// Killed by the harness after the time limit.
    TimedOut,
}

impl End {
    fn from_status(st: ExitStatus) -> End {
        match (st.code(), st.signal()) {
            (Some(c), _) => End::Code(c),
            (None, Some(s)) => End::Signal(s),
            _ => unreachable!("process neither exited nor was signalled: {st:?}"),
        }
    }
}

impl std::fmt::Display for End {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            End::Code(c) => write!(f, "exit status {c}"),
            End::Signal(s) => write!(f, "killed by signal {s} ({})", signal_name(*s)),
            End::TimedOut => write!(f, "timed out after {}s (killed)", timeout().as_secs()),
        }
    }
}

pub fn signal_name(s: i32) -> &'static str {
    match s {
        libc::SIGHUP => "SIGHUP",
        libc::SIGINT => "SIGINT",
        libc::SIGQUIT => "SIGQUIT",
        libc::SIGILL => "SIGILL",
        libc::SIGTRAP => "SIGTRAP",
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGFPE => "SIGFPE",
        libc::SIGKILL => "SIGKILL",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGALRM => "SIGALRM",
        libc::SIGTERM => "SIGTERM",
        libc::SIGUSR1 => "SIGUSR1",
        libc::SIGUSR2 => "SIGUSR2",
        libc::SIGSYS => "SIGSYS",
        _ => "?",
    }
}

/// What one run produced.
#[derive(Debug)]
pub struct Outcome {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub end: End,
    pub elapsed: Duration,
}

/// One invocation: program (native binary, or guest binary under x86run),
/// arguments, standard input, working directory.  The environment is
/// cleared and replaced by `env` plus any `X86RUN_*` variables of the test
/// process (the same for both runs).
pub struct Invocation<'a> {
    pub args: Vec<OsString>,
    pub stdin: Option<&'a [u8]>,
    pub cwd: &'a Path,
    pub env: Vec<(String, String)>,
}

/// The fixed environment guest programs see.
pub fn base_env() -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = vec![
        ("PATH".into(), "/usr/local/bin:/usr/bin:/bin".into()),
        ("LC_ALL".into(), "C".into()),
        ("TZ".into(), "UTC".into()),
    ];
    for (k, v) in std::env::vars() {
        if k.starts_with("X86RUN_") && !k.starts_with("X86RUN_TEST_") {
            env.push((k, v));
        }
    }
    env
}

/// Run `program` with the invocation's arguments.
pub fn run(program: &Path, inv: &Invocation) -> Outcome {
    let mut cmd = Command::new(program);
    run_cmd(&mut cmd, inv)
}

/// Run `guest` under x86run with the invocation's arguments.
pub fn run_x86run(guest: &Path, inv: &Invocation) -> Outcome {
    let mut cmd = Command::new(x86run());
    cmd.args(x86run_flags()).arg(guest);
    run_cmd(&mut cmd, inv)
}

fn run_cmd(cmd: &mut Command, inv: &Invocation) -> Outcome {
    cmd.args(&inv.args)
        .current_dir(inv.cwd)
        .env_clear()
        .envs(inv.env.iter().map(|(k, v)| (k, v)))
        .stdin(if inv.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    unsafe {
        cmd.pre_exec(|| {
            // Own process group, so the whole tree can be killed on timeout.
            libc::setpgid(0, 0);
            // Crashing test programs are expected; do not litter core files.
            let rl = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            libc::setrlimit(libc::RLIMIT_CORE, &rl);
            // Default signal dispositions, whatever the test runner set.
            for sig in [libc::SIGPIPE, libc::SIGINT, libc::SIGTERM, libc::SIGQUIT] {
                libc::signal(sig, libc::SIG_DFL);
            }
            Ok(())
        });
    }
    let start = Instant::now();
    #[expect(
        clippy::zombie_processes,
        reason = "the loop below waits for it on every path"
    )]
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {:?}: {e}", cmd.get_program()));
    let pgid = child.id() as i32;

    let (tx, rx) = mpsc::channel::<(u8, Vec<u8>)>();
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let tx2 = tx.clone();
    std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        let _ = tx.send((1, v));
    });
    std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        let _ = tx2.send((2, v));
    });
    if let (Some(data), Some(mut pipe)) = (inv.stdin, child.stdin.take()) {
        let data = data.to_vec();
        std::thread::spawn(move || {
            // The program may not read it all; a broken pipe is fine.
            let _ = pipe.write_all(&data);
        });
    }

    let deadline = start + timeout();
    let mut end = None;
    while end.is_none() {
        match child.try_wait().expect("wait failed") {
            Some(st) => end = Some(End::from_status(st)),
            None if Instant::now() >= deadline => {
                // SAFETY: kill(2) on the child's own process group.
                unsafe { libc::kill(-pgid, libc::SIGKILL) };
                let _ = child.wait();
                end = Some(End::TimedOut);
            }
            None => std::thread::sleep(Duration::from_millis(5)),
        }
    }
    let elapsed = start.elapsed();
    // Children the program left behind may still hold the pipes open: give
    // them a moment, then kill the group.
    let mut stdout = None;
    let mut stderr = None;
    let mut grace = Instant::now() + Duration::from_secs(10);
    let mut killed = false;
    while stdout.is_none() || stderr.is_none() {
        let left = grace.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok((1, v)) => stdout = Some(v),
            Ok((_, v)) => stderr = Some(v),
            Err(_) if !killed => {
                // SAFETY: kill(2) on the child's own process group.
                unsafe { libc::kill(-pgid, libc::SIGKILL) };
                killed = true;
                grace = Instant::now() + Duration::from_secs(5);
            }
            Err(_) => break,
        }
    }
    // Never leave stragglers running.
    unsafe { libc::kill(-pgid, libc::SIGKILL) };
    Outcome {
        stdout: stdout.unwrap_or_default(),
        stderr: stderr.unwrap_or_default(),
        end: end.unwrap(),
        elapsed,
    }
}

/// Show bytes as text, escaping what is not printable, cut to `max` chars.
pub fn show(bytes: &[u8], max: usize) -> String {
    let s = String::from_utf8_lossy(bytes);
    let mut out: String = s.chars().take(max).collect();
    if s.chars().count() > max {
        out.push_str("\n[... cut ...]");
    }
    out
}

/// A readable account of how two outputs differ: the first differing line
/// with a few lines of context from each side.
pub fn diff(native: &[u8], emulated: &[u8]) -> String {
    let a: Vec<&[u8]> = native.split_inclusive(|&b| b == b'\n').collect();
    let b: Vec<&[u8]> = emulated.split_inclusive(|&b| b == b'\n').collect();
    let first = (0..a.len().max(b.len()))
        .find(|&i| a.get(i) != b.get(i))
        .unwrap_or(0);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "stdout differs at line {} (native {} lines / {} bytes, x86run {} lines / {} bytes)",
        first + 1,
        a.len(),
        native.len(),
        b.len(),
        emulated.len()
    );
    let from = first.saturating_sub(3);
    for (label, lines) in [("native", &a), ("x86run", &b)] {
        let _ = writeln!(s, "--- {label}:");
        let upto = (first + 4).min(lines.len());
        for (i, line) in lines.iter().enumerate().take(upto).skip(from) {
            let mark = if i == first { '>' } else { ' ' };
            let text = String::from_utf8_lossy(line);
            let _ = writeln!(
                s,
                "{mark}{:5}: {}",
                i + 1,
                text.trim_end_matches('\n').escape_debug()
            );
        }
        if first >= lines.len() {
            let _ = writeln!(s, ">{:5}: <end of output>", first + 1);
        }
    }
    s
}

/// Compare a native and an emulated run; on any difference return a report.
pub fn compare(what: &str, native: &Outcome, emulated: &Outcome) -> Result<(), String> {
    let same_out = native.stdout == emulated.stdout;
    let same_end = native.end == emulated.end;
    if same_out && same_end {
        return Ok(());
    }
    let mut s = format!("{what}: x86run does not match the native run\n");
    if !same_end {
        let _ = writeln!(s, "native: {}\nx86run: {}", native.end, emulated.end);
    }
    if !same_out {
        s.push_str(&diff(&native.stdout, &emulated.stdout));
    }
    let _ = writeln!(
        s,
        "x86run stderr:\n{}\nnative stderr:\n{}\n(native {:.2?}, x86run {:.2?})",
        show(&emulated.stderr, 3000),
        show(&native.stderr, 1000),
        native.elapsed,
        emulated.elapsed
    );
    Err(s)
}

/// A fresh, empty directory (removed first if it exists).
pub fn fresh_dir(path: &Path) -> PathBuf {
    if path.exists() {
        std::fs::remove_dir_all(path).unwrap_or_else(|e| panic!("cannot remove {path:?}: {e}"));
    }
    std::fs::create_dir_all(path).unwrap_or_else(|e| panic!("cannot create {path:?}: {e}"));
    path.to_path_buf()
}

/// Where test artefacts go: cargo's per-target temporary directory.
pub fn tmp_root() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
}

/// The Debian i386 root filesystem the tests use: `$X86RUN_ROOTFS`, else
/// `$X86RUN_CACHE/rootfs-i386`, else `~/.cache/x86run/rootfs-i386`. A missing
/// or incomplete one fails the test.
pub fn rootfs() -> PathBuf {
    let p = std::env::var_os("X86RUN_ROOTFS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let cache = std::env::var_os("X86RUN_CACHE")
                .map(PathBuf::from)
                .unwrap_or_else(|| {
                    PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache/x86run")
                });
            cache.join("rootfs-i386")
        });
    assert!(
        p.join(".x86run-complete").exists(),
        "no Debian i386 root filesystem at {} — run scripts/mkrootfs-i386.sh",
        p.display()
    );
    p
}
