//! The syscall conformance suite: the guest C programs in tests/syscalls/,
//! each built with `gcc -static` for i386 (and x86-64 where listed), run
//! three ways — natively, under `x86run --backend compat` and under
//! `x86run --backend translate` — with the same arguments, environment
//! and a fresh scratch directory each. All three must print the same
//! stdout and end the same way.
//!
//! The translate run is traced (`--strace`): the suite reports which i386
//! syscalls and ioctl requests the programs exercised and how the
//! translation table handles each (same layout / translated). The report
//! goes to stderr and to `$CARGO_TARGET_TMPDIR/syscalls/report.txt`.
//! Building needs gcc-multilib; without it the suite fails and says so.
//! `X86RUN_SYSCALLS_ONLY=name` runs one program.

mod guest_runner;

use guest_runner::{compare, fresh_dir, run, show, tmp_root, End, Invocation, Outcome};
use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use x86run_linux::syscall::translate::{self, How};

/// Each program and the word sizes it is built for.
const PROGRAMS: &[(&str, &[u32])] = &[
    ("fs", &[32, 64]),
    ("time", &[32, 64]),
    ("poll", &[32, 64]),
    ("socket", &[32, 64]),
    ("ipc", &[32, 64]),
    ("signal", &[32, 64]),
    ("misc", &[32, 64]),
    ("ioctl", &[32, 64]),
    ("legacy", &[32]),
    ("uring", &[32, 64]),
    ("devioctl", &[32, 64]),
];

fn source_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/syscalls")
}

fn gcc() -> String {
    std::env::var("CC").unwrap_or_else(|_| "gcc".into())
}

fn build(name: &str, bits: u32) -> PathBuf {
    let dir = tmp_root().join("syscalls").join(format!("m{bits}"));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join(name);
    let src = source_dir().join(format!("{name}.c"));
    let res = Command::new(gcc())
        .arg(format!("-m{bits}"))
        .args(["-static", "-O1", "-w", "-o"])
        .arg(&out)
        .arg(&src)
        .arg("-lrt")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e} (is gcc installed?)", gcc()));
    assert!(
        res.status.success(),
        "building {} with -m{bits} -static failed:\n{}\n\
         (i386 builds need gcc-multilib: apt-get install gcc-multilib, as .ci/run does)",
        src.display(),
        String::from_utf8_lossy(&res.stderr)
    );
    out
}

/// The syscall names and ioctl requests an `--strace` log shows.
fn traced(stderr: &[u8], calls: &mut BTreeSet<String>, ioctls: &mut BTreeSet<u32>) {
    for line in String::from_utf8_lossy(stderr).lines() {
        let Some(rest) = line
            .strip_prefix('[')
            .and_then(|l| l.split_once("] "))
            .map(|(_, r)| r)
        else {
            continue;
        };
        let Some((name, args)) = rest.split_once('(') else {
            continue;
        };
        if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        if name == "ioctl" {
            if let Some(req) = args.split(", ").nth(1) {
                if let Ok(v) = u32::from_str_radix(req.trim_start_matches("0x"), 16) {
                    ioctls.insert(v);
                }
            }
        }
        calls.insert(name.to_string());
    }
}

struct Runs {
    native: Outcome,
    compat: Outcome,
    translate: Outcome,
}

fn run_three(bin: &Path, work: &Path) -> Runs {
    let x86run = PathBuf::from(env!("CARGO_BIN_EXE_x86run"));
    let one = |label: &str, prefix: &[&str]| -> Outcome {
        let scratch = fresh_dir(&work.join(label));
        let mut env = guest_runner::base_env();
        env.push(("SC_SCRATCH".into(), scratch.to_string_lossy().into_owned()));
        let mut args: Vec<OsString> = prefix.iter().map(OsString::from).collect();
        let program = if prefix.is_empty() {
            bin.to_path_buf()
        } else {
            args.push(bin.into());
            x86run.clone()
        };
        let inv = Invocation {
            args,
            stdin: None,
            cwd: &scratch,
            env,
        };
        run(&program, &inv)
    };
    Runs {
        native: one("native", &[]),
        compat: one("compat", &["--backend", "compat"]),
        translate: one("translate", &["--backend", "translate", "--strace"]),
    }
}

#[test]
fn conformance() {
    let only = std::env::var("X86RUN_SYSCALLS_ONLY").ok();
    let mut failures = Vec::new();
    let mut passed = Vec::new();
    let mut calls = BTreeSet::new();
    let mut ioctls = BTreeSet::new();
    for &(name, sizes) in PROGRAMS {
        if only.as_deref().is_some_and(|o| o != name) {
            continue;
        }
        for &bits in sizes {
            let what = format!("{name} (m{bits})");
            let bin = build(name, bits);
            let work = tmp_root()
                .join("syscalls")
                .join(format!("m{bits}"))
                .join(format!("{name}.work"));
            let r = run_three(&bin, &work);
            if r.native.end != End::Code(0) {
                failures.push(format!(
                    "{what}: the NATIVE run ended with {} (the program or this machine is broken)\n{}",
                    r.native.end,
                    show(&r.native.stderr, 2000)
                ));
                continue;
            }
            if bits == 32 {
                traced(&r.translate.stderr, &mut calls, &mut ioctls);
            }
            let mut ok = true;
            for (label, o) in [("compat", &r.compat), ("translate", &r.translate)] {
                if let Err(report) = compare(&format!("{what} --backend {label}"), &r.native, o) {
                    failures.push(report);
                    ok = false;
                }
            }
            if ok {
                passed.push(format!(
                    "{what}: {} lines identical in all three runs",
                    r.native.stdout.split(|&b| b == b'\n').count() - 1
                ));
            }
            let _ = std::fs::remove_dir_all(&work);
        }
    }
    let report = coverage_report(&calls, &ioctls, &passed, &failures);
    eprintln!("{report}");
    let dir = tmp_root().join("syscalls");
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join("report.txt"), &report);
    assert!(
        failures.is_empty(),
        "{} run(s) differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn coverage_report(
    calls: &BTreeSet<String>,
    ioctls: &BTreeSet<u32>,
    passed: &[String],
    failures: &[String],
) -> String {
    let names = x86run_linux::syscall::names::I386;
    let (mut same, mut translated, mut other) = (Vec::new(), Vec::new(), Vec::new());
    for c in calls {
        let row = names
            .iter()
            .position(|n| n == c)
            .and_then(|nr| translate::row(nr as u64));
        match row.map(|r| r.how) {
            Some(How::Same(_) | How::Signed(..)) => same.push(c.as_str()),
            Some(How::Translate(_)) => translated.push(c.as_str()),
            _ => other.push(c.as_str()),
        }
    }
    let (t_same, t_tr, t_ref, t_abs) = translate::table::counts();
    let mut s = String::new();
    s += "syscall conformance suite (native = compat = translate):\n";
    for p in passed {
        s += &format!("  pass  {p}\n");
    }
    s += &format!("  {} run(s) differ\n", failures.len());
    s += &format!(
        "i386 table: {t_same} same-layout rows, {t_tr} translated, {t_ref} refused or handled by x86run, {t_abs} absent\n"
    );
    s += &format!(
        "exercised under --backend translate: {} syscalls ({} translated, {} same-layout, {} emulated by x86run)\n",
        calls.len(),
        translated.len(),
        same.len(),
        other.len()
    );
    s += &format!(
        "  translated: {}\n  same-layout: {}\n  emulated: {}\n",
        translated.join(" "),
        same.join(" "),
        other.join(" ")
    );
    s += &format!(
        "ioctl requests exercised: {} ({} rows in the ioctl table): {}\n",
        ioctls.len(),
        translate::ioctl_rows(),
        ioctls
            .iter()
            .map(|&r| translate::ioctl_name(r).map_or(format!("{r:#x}"), str::to_string))
            .collect::<Vec<_>>()
            .join(" ")
    );
    s
}

/// Every .c file in tests/syscalls/ is listed above.
#[test]
fn every_program_is_listed() {
    let mut missing = Vec::new();
    for e in std::fs::read_dir(source_dir()).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "c") {
            let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
            if !PROGRAMS.iter().any(|(n, _)| *n == stem) {
                missing.push(stem);
            }
        }
    }
    assert!(
        missing.is_empty(),
        "tests/syscalls has programs with no entry: {missing:?}"
    );
}
