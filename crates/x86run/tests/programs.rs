//! The C guest programs in tests/programs/, each built four ways (i386 and
//! x86-64, static and static-pie) with the host gcc, run natively and under
//! x86run with the same arguments, environment, standard input and working
//! directory.  The two runs must produce the same stdout, exit status and
//! terminating signal, and the native run must end as the table below says
//! (so a program that is broken natively cannot pass by matching).
//!
//! One test per program and build mode: `programs::<program>::<mode>`.
//! Building for i386 needs gcc-multilib; without it the i386 tests fail and
//! say so.

mod guest_runner;

use guest_runner::{compare, fresh_dir, run, run_x86run, show, tmp_root, End, Invocation};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Clone, Copy, Debug)]
enum Mode {
    M32Static,
    M32StaticPie,
    M64Static,
    M64StaticPie,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::M32Static => "m32-static",
            Mode::M32StaticPie => "m32-static-pie",
            Mode::M64Static => "m64-static",
            Mode::M64StaticPie => "m64-static-pie",
        }
    }
    fn flags(self) -> &'static [&'static str] {
        match self {
            Mode::M32Static => &["-m32", "-static"],
            Mode::M32StaticPie => &["-m32", "-static-pie"],
            Mode::M64Static => &["-m64", "-static"],
            Mode::M64StaticPie => &["-m64", "-static-pie"],
        }
    }
    fn is_32(self) -> bool {
        matches!(self, Mode::M32Static | Mode::M32StaticPie)
    }
}

/// One invocation of a program and how its native run must end.
struct Run {
    /// Arguments; "{scratch}" is replaced by the run's scratch directory.
    args: &'static [&'static str],
    stdin: Option<&'static str>,
    expect: End,
}

const fn exits(code: i32) -> Run {
    Run {
        args: &[],
        stdin: None,
        expect: End::Code(code),
    }
}
const fn with_args(args: &'static [&'static str], expect: End) -> Run {
    Run {
        args,
        stdin: None,
        expect,
    }
}

const STDIN_TEXT: &str = "The quick brown fox\njumps over the lazy dog.\n\n  leading spaces\n\
tabs\there\tand there\nlast line without newline";

fn source_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/programs")
}

fn gcc() -> String {
    std::env::var("CC").unwrap_or_else(|_| "gcc".into())
}

/// Build tests/programs/<name>.c for `mode`; returns the binary's path.
fn build(name: &str, mode: Mode) -> PathBuf {
    let dir = tmp_root().join("programs").join(mode.name());
    std::fs::create_dir_all(&dir).unwrap();
    let src = source_dir().join(format!("{name}.c"));
    assert!(src.exists(), "missing test program {}", src.display());
    let out = dir.join(name);
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let res = Command::new(gcc())
        .args(mode.flags())
        .args(["-O2", "-g", "-Wall", "-fno-strict-aliasing", "-I"])
        .arg(source_dir())
        .arg("-o")
        .arg(&tmp)
        .arg(&src)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e} (is gcc installed?)", gcc()));
    if !res.status.success() {
        let stderr = String::from_utf8_lossy(&res.stderr);
        let hint = if mode.is_32() && !can_build_m32() {
            "\n\ngcc cannot build i386 programs on this machine: install gcc-multilib \
             (apt-get install gcc-multilib), as .ci/run does."
        } else {
            ""
        };
        panic!(
            "building {} with `{} {}` failed:\n{stderr}{hint}",
            src.display(),
            gcc(),
            mode.flags().join(" ")
        );
    }
    std::fs::rename(&tmp, &out).unwrap();
    out
}

/// Whether gcc can build a trivial static i386 program at all.
fn can_build_m32() -> bool {
    let dir = tmp_root().join("programs");
    let _ = std::fs::create_dir_all(&dir);
    let src = dir.join(format!("probe-{}.c", std::process::id()));
    std::fs::write(
        &src,
        "#include <stdio.h>\nint main(void){puts(\"x\");return 0;}\n",
    )
    .unwrap();
    let ok = Command::new(gcc())
        .args(["-m32", "-static", "-o"])
        .arg(dir.join(format!("probe-{}", std::process::id())))
        .arg(&src)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    let _ = std::fs::remove_file(&src);
    ok
}

fn check(name: &str, mode: Mode, runs: &[Run]) {
    let bin = build(name, mode);
    let work = tmp_root()
        .join("programs")
        .join(mode.name())
        .join(format!("{name}.work"));
    let mut failures = Vec::new();
    for (i, r) in runs.iter().enumerate() {
        let scratch = work.join("scratch");
        let args: Vec<OsString> = r
            .args
            .iter()
            .map(|a| OsString::from(a.replace("{scratch}", scratch.to_str().unwrap())))
            .collect();
        let what = format!("{name} [{}] {:?}", mode.name(), r.args);
        let inv = Invocation {
            args,
            stdin: r.stdin.map(str::as_bytes),
            cwd: &scratch,
            env: {
                let mut e = guest_runner::base_env();
                e.push(("X86RUN_T1".into(), "hello world".into()));
                e.push(("X86RUN_EMPTY".into(), String::new()));
                e.push(("X86RUN_SPACES".into(), "  a  b  ".into()));
                e
            },
        };
        // Same path, fresh contents, for each side.
        fresh_dir(&scratch);
        let native = run(&bin, &inv);
        if native.end != r.expect {
            panic!(
                "{what}: the NATIVE run ended with {} but the test expects {}; the test \
                 program or this machine is broken, not x86run.\nstdout:\n{}\nstderr:\n{}",
                native.end,
                r.expect,
                show(&native.stdout, 3000),
                show(&native.stderr, 3000)
            );
        }
        fresh_dir(&scratch);
        let emulated = run_x86run(&bin, &inv);
        if let Err(report) = compare(&what, &native, &emulated) {
            failures.push(format!("run {}: {report}", i + 1));
        }
    }
    let _ = std::fs::remove_dir_all(&work);
    if !failures.is_empty() {
        panic!("{}", failures.join("\n"));
    }
}

use libc::{SIGABRT, SIGFPE, SIGSEGV, SIGTERM};

macro_rules! program_tests {
    ($($name:ident => $runs:expr;)*) => {
        $(
            mod $name {
                use super::*;
                #[test]
                fn m32_static() { check(stringify!($name), Mode::M32Static, &$runs) }
                #[test]
                fn m32_static_pie() { check(stringify!($name), Mode::M32StaticPie, &$runs) }
                #[test]
                fn m64_static() { check(stringify!($name), Mode::M64Static, &$runs) }
                #[test]
                fn m64_static_pie() { check(stringify!($name), Mode::M64StaticPie, &$runs) }
            }
        )*

        /// Every .c file in tests/programs/ has tests here.
        #[test]
        fn every_program_is_listed() {
            let listed = [$(stringify!($name)),*];
            let mut missing = Vec::new();
            for e in std::fs::read_dir(source_dir()).unwrap() {
                let p = e.unwrap().path();
                if p.extension().map_or(false, |x| x == "c") {
                    let stem = p.file_stem().unwrap().to_str().unwrap().to_owned();
                    if !listed.contains(&stem.as_str()) {
                        missing.push(stem);
                    }
                }
            }
            assert!(missing.is_empty(), "tests/programs has programs with no tests: {missing:?}");
        }
    };
}

program_tests! {
    hello => [exits(0)];
    arith => [exits(11)];
    i64 => [exits(12)];
    strings => [exits(13)];
    printf => [exits(14)];
    sort => [exits(15)];
    setjmp => [exits(16)];
    malloc => [exits(17)];
    fileio => [with_args(&["{scratch}"], End::Code(18))];
    time => [exits(19)];
    pid => [exits(21)];
    getrandom => [exits(22)];
    args => [
        exits(21),
        with_args(&["one", "two words", "", "--flag=x", "üñí"], End::Code(26)),
    ];
    exitcode => [
        with_args(&["return", "0"], End::Code(0)),
        with_args(&["return", "42"], End::Code(42)),
        with_args(&["exit", "1"], End::Code(1)),
        with_args(&["exit", "255"], End::Code(255)),
        with_args(&["exit", "256"], End::Code(0)),
        with_args(&["exit", "-1"], End::Code(255)),
        with_args(&["_exit", "300"], End::Code(44)),
    ];
    segv => [Run { args: &[], stdin: None, expect: End::Signal(SIGSEGV) }];
    abort => [Run { args: &[], stdin: None, expect: End::Signal(SIGABRT) }];
    divzero => [
        with_args(&["zero"], End::Signal(SIGFPE)),
        with_args(&["overflow"], End::Signal(SIGFPE)),
        with_args(&["mod"], End::Signal(SIGFPE)),
        with_args(&["wide"], End::Signal(SIGFPE)),
    ];
    fork => [exits(23)];
    signal => [Run { args: &[], stdin: None, expect: End::Signal(SIGTERM) }];
    stdin => [
        Run { args: &[], stdin: Some(STDIN_TEXT), expect: End::Code(25) },
        Run { args: &[], stdin: Some(""), expect: End::Code(25) },
        Run { args: &[], stdin: None, expect: End::Code(25) },
    ];
    control => [exits(26)];
    mmap => [exits(27)];
    threads => [exits(28)];
    smc => [exits(29)];
    smc_syscall => [exits(30)];
    signal_context => [exits(40)];
    signal_segv => [exits(41)];
    signal_restart => [exits(42)];
    signal_rt => [exits(43)];
    signal_chld => [exits(44)];
    threads_sync => [exits(45)];
    threads_signal => [exits(46)];
    signal_stress => [exits(47)];
    threads_exit => [exits(48)];
    threads_futex => [exits(49)];
    threads_code => [exits(50)];
    threads_fork => [exits(51)];
    seccomp_errno => [exits(50)];
    seccomp_trap => [exits(51)];
    seccomp_kill => [Run { args: &[], stdin: None, expect: End::Signal(libc::SIGSYS) }];
    seccomp_stack => [exits(52)];
    seccomp_inherit => [exits(53), with_args(&["exec"], End::Code(53))];
    seccomp_strict => [exits(54)];
    seccomp_tsync => [exits(55)];
    chain_fault => [exits(56)];
}
