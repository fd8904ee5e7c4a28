//! Instruction tests: the real CPU is the oracle.
//!
//! `tests/insn/gen.py` writes freestanding assembly programs (no libc; only
//! the write and exit_group system calls) that run every general-purpose
//! integer instruction form on many input states and write one binary record
//! per case (all GPRs, EFLAGS, the branch path taken and, for forms touching
//! memory, a 256-byte scratch area).  Each program is assembled with the host
//! gcc (`-m32` / `-m64`, static, no libc), run natively and under x86run, and
//! the two outputs must be byte-identical with the same exit status (x86run
//! runs twice: as is, and with X86RUN_NO_FASTPATH=1 so that the generic
//! instruction handlers are checked too, not only the fast forms).  On a
//! mismatch the `.meta` file the generator writes next to the program names
//! the instruction form and input state of every differing case.
//!
//! One test per program (`insn::alu_32`, `insn::shift_64`, ...).  Building
//! the 32-bit programs needs gcc-multilib; without it those tests fail and
//! say so.

use std::fmt::Write as _;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// Longest a program may run under x86run.
const TIMEOUT: Duration = Duration::from_secs(300);
/// Most mismatching cases printed in full per program.
const MAX_SHOWN: usize = 40;
/// Most mismatching cases printed in full per form.
const PER_FORM: usize = 3;

fn generator() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/insn/gen.py")
}

fn work_dir(name: &str) -> PathBuf {
    let root = option_env!("CARGO_TARGET_TMPDIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
        .join("insn");
    let dir = root.join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}

fn must_run(cmd: &mut Command, what: &str, hint: &str) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run {:?}: {e}{hint}", cmd.get_program()));
    if !out.status.success() {
        panic!(
            "{what} failed ({}):\n{}{}{hint}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Whether to mask the flags the manuals leave undefined. x86run computes
/// them as the reference CPU (AMD) does, so they are compared exactly on an
/// AMD host and masked elsewhere; `X86RUN_INSN_UNDEFINED=exact|mask`
/// overrides.
fn mask_undefined() -> bool {
    match std::env::var("X86RUN_INSN_UNDEFINED").as_deref() {
        Ok("exact") => false,
        Ok("mask") => true,
        Ok(other) => panic!("X86RUN_INSN_UNDEFINED={other}: expected exact or mask"),
        Err(_) => {
            let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
            !cpuinfo
                .lines()
                .any(|l| l.starts_with("vendor_id") && l.ends_with("AuthenticAMD"))
        }
    }
}

/// Generates and assembles program `name`; returns (binary, meta text).
fn build(name: &str) -> (PathBuf, String) {
    let dir = work_dir(name);
    let mut gen = Command::new("python3");
    gen.arg(generator());
    if mask_undefined() {
        gen.arg("--mask-undefined");
    }
    must_run(
        gen.arg(&dir).arg(name),
        "tests/insn/gen.py",
        "\n(the instruction tests need python3)",
    );
    let bits = if name.ends_with("_32") {
        "-m32"
    } else {
        "-m64"
    };
    let src = dir.join(format!("{name}.s"));
    let bin = dir.join(name);
    let cc = std::env::var("CC").unwrap_or_else(|_| "gcc".into());
    must_run(
        Command::new(&cc)
            .arg(bits)
            .args(["-nostdlib", "-static", "-no-pie", "-o"])
            .arg(&bin)
            .arg(&src),
        &format!("{cc} {bits}"),
        if bits == "-m32" {
            "\n(32-bit instruction tests need a gcc that can build i386 code: install gcc-multilib)"
        } else {
            ""
        },
    );
    let meta = std::fs::read_to_string(dir.join(format!("{name}.meta"))).unwrap();
    (bin, meta)
}

/// Runs `cmd` with stdout captured and a timeout; returns (stdout, status, stderr).
fn run(mut cmd: Command) -> (Vec<u8>, Option<ExitStatus>, String) {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {:?}: {e}", cmd.get_program()));
    let mut so = child.stdout.take().unwrap();
    let mut se = child.stderr.take().unwrap();
    let t_out = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = so.read_to_end(&mut v);
        v
    });
    let t_err = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = se.read_to_end(&mut v);
        v
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let out = t_out.join().unwrap();
    let err = String::from_utf8_lossy(&t_err.join().unwrap()).into_owned();
    (out, status, err)
}

struct FormMeta {
    name: String,
    dump: usize,
    masked: u64,
    cases: Vec<String>,
}

struct Meta {
    bits: u32,
    word: usize,
    nregs: usize,
    forms: Vec<FormMeta>,
}

fn parse_meta(text: &str) -> Meta {
    let mut m = Meta {
        bits: 0,
        word: 0,
        nregs: 0,
        forms: Vec::new(),
    };
    for line in text.lines() {
        let (key, rest) = line.split_once(' ').unwrap_or((line, ""));
        match key {
            "bits" => m.bits = rest.parse().unwrap(),
            "word" => m.word = rest.parse().unwrap(),
            "nregs" => m.nregs = rest.parse().unwrap(),
            "form" => {
                let mut it = rest.splitn(5, ' ');
                let _idx = it.next();
                let _n: usize = it.next().unwrap().parse().unwrap();
                let dump = it.next().unwrap().parse().unwrap();
                let masked =
                    u64::from_str_radix(it.next().unwrap().trim_start_matches("0x"), 16).unwrap();
                let name = it.next().unwrap().to_string();
                m.forms.push(FormMeta {
                    name,
                    dump,
                    masked,
                    cases: Vec::new(),
                });
            }
            "case" => m.forms.last_mut().unwrap().cases.push(rest.to_string()),
            _ => {}
        }
    }
    m
}

const REGS64: [&str; 16] = [
    "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13",
    "r14", "r15",
];
const REGS32: [&str; 8] = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"];

fn flag_str(f: u64) -> String {
    let mut s = String::new();
    for (bit, ch) in [
        (11, 'O'),
        (10, 'D'),
        (7, 'S'),
        (6, 'Z'),
        (4, 'A'),
        (2, 'P'),
        (0, 'C'),
    ] {
        s.push(if f >> bit & 1 != 0 { ch } else { '-' });
    }
    format!("{f:#x}({s})")
}

fn word(b: &[u8], off: usize, w: usize) -> u64 {
    let mut v = [0u8; 8];
    v[..w].copy_from_slice(&b[off..off + w]);
    u64::from_le_bytes(v)
}

/// Describes how record `got` differs from `want`.
fn describe(meta: &Meta, dump: usize, want: &[u8], got: &[u8]) -> String {
    let w = meta.word;
    let mut s = String::new();
    if word(want, 0, w) != word(got, 0, w) {
        let _ = write!(
            s,
            " case-id: want {} got {};",
            word(want, 0, w),
            word(got, 0, w)
        );
    }
    for r in 0..meta.nregs {
        let off = w * (1 + r);
        let (a, b) = (word(want, off, w), word(got, off, w));
        if a != b {
            let name = if meta.bits == 64 {
                REGS64[r]
            } else {
                REGS32[r]
            };
            let _ = write!(s, " {name}: want {a:#x} got {b:#x};");
        }
    }
    let off = w * (1 + meta.nregs);
    let (a, b) = (word(want, off, w), word(got, off, w));
    if a != b {
        let _ = write!(s, " flags: want {} got {};", flag_str(a), flag_str(b));
    }
    let (a, b) = (word(want, off + w, w), word(got, off + w, w));
    if a != b {
        let _ = write!(s, " path: want {a} got {b};");
    }
    let base = off + 2 * w;
    let mut k = 0;
    while k < dump {
        if want[base + k] != got[base + k] {
            let start = k & !7;
            let _ = write!(
                s,
                " scratch[{start}..{}] (memop=128, stacktop=224): want {:02x?} got {:02x?};",
                start + 8,
                &want[base + start..base + start + 8],
                &got[base + start..base + start + 8]
            );
            k = start + 8;
        } else {
            k += 1;
        }
    }
    s
}

/// How x86run is run: each program runs under both configurations.
const CONFIGS: [(&str, Option<(&str, &str)>); 2] = [
    ("x86run", None),
    // The generic handlers in crates/cpu/src/ops, without the predecoded
    // fast forms that shadow them for frequent instructions.
    (
        "x86run X86RUN_NO_FASTPATH=1",
        Some(("X86RUN_NO_FASTPATH", "1")),
    ),
];

fn check(name: &str) {
    let (bin, meta_text) = build(name);
    let meta = parse_meta(&meta_text);

    let (native, nstatus, nerr) = run(Command::new(&bin));
    let nstatus = nstatus.expect("native run timed out");
    assert!(
        nstatus.success(),
        "{name} fails natively ({nstatus}): the generator is broken\n{nerr}"
    );
    let fixed = meta.word * (meta.nregs + 3);
    let expected: usize = meta
        .forms
        .iter()
        .map(|f| (fixed + f.dump) * f.cases.len())
        .sum();
    assert_eq!(
        native.len(),
        expected,
        "{name}: the native output does not match the .meta layout (generator bug)"
    );

    let total_cases: usize = meta.forms.iter().map(|f| f.cases.len()).sum();
    let masked: Vec<String> = meta
        .forms
        .iter()
        .filter(|f| f.masked != 0)
        .map(|f| format!("{} ({})", f.name, flag_str(f.masked)))
        .collect();
    if mask_undefined() {
        println!(
            "{name}: host CPU is not the reference (AMD): undefined flags masked in {} forms, \
             forms with undefined results left out",
            masked.len()
        );
    } else if !masked.is_empty() {
        println!("{name}: flags masked for: {}", masked.join(", "));
    }

    let mut failures = String::new();
    for (label, env) in CONFIGS {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_x86run"));
        cmd.arg(&bin);
        if let Some((k, v)) = env {
            cmd.env(k, v);
        }
        let (emu, estatus, eerr) = run(cmd);
        let (ncases, fail) = compare(&meta, &native, nstatus, &emu, estatus, &eerr);
        println!(
            "{name} under {label}: {}-bit, {} instruction forms, {ncases} of {total_cases} cases \
             compared, {}",
            meta.bits,
            meta.forms.len(),
            if fail.is_empty() {
                "all identical"
            } else {
                "MISMATCHES"
            }
        );
        if !fail.is_empty() {
            let _ = write!(failures, "\n==== {name} under {label}:\n{fail}");
        }
    }
    if !failures.is_empty() {
        panic!("{name}: x86run differs from the CPU{failures}");
    }
}

/// Compares x86run's output with the native one; returns the number of
/// cases compared and a failure report (empty when identical).
fn compare(
    meta: &Meta,
    native: &[u8],
    nstatus: ExitStatus,
    emu: &[u8],
    estatus: Option<ExitStatus>,
    eerr: &str,
) -> (usize, String) {
    let fixed = meta.word * (meta.nregs + 3);
    let mut report = String::new();
    let mut off = 0usize;
    let mut ncases = 0usize;
    let mut bad_cases = 0usize;
    let mut shown = 0usize;
    let mut bad_forms: Vec<(String, usize, usize)> = Vec::new();
    let mut truncated = None;
    'forms: for f in &meta.forms {
        let rec = fixed + f.dump;
        let mut bad = 0;
        for (k, c) in f.cases.iter().enumerate() {
            let want = &native[off..off + rec];
            if off + rec > emu.len() {
                truncated = Some(format!("{} (case {k}: {c})", f.name));
                break 'forms;
            }
            let got = &emu[off..off + rec];
            if want != got {
                bad += 1;
                if shown < MAX_SHOWN && bad <= PER_FORM {
                    shown += 1;
                    let _ = writeln!(
                        report,
                        "  {} | in: {c} |{}",
                        f.name,
                        describe(meta, f.dump, want, got)
                    );
                }
            }
            off += rec;
            ncases += 1;
        }
        if bad > 0 {
            bad_cases += bad;
            bad_forms.push((f.name.clone(), bad, f.cases.len()));
        }
    }

    let mut fail = String::new();
    if bad_cases > 0 {
        let _ = writeln!(
            fail,
            "{bad_cases} cases in {} forms differ from the CPU (showing {shown}):\n{report}",
            bad_forms.len()
        );
        let _ = writeln!(fail, "mismatching forms (failing/total cases):");
        for (f, b, t) in bad_forms.iter().take(80) {
            let _ = writeln!(fail, "  {f}: {b}/{t}");
        }
        if bad_forms.len() > 80 {
            let _ = writeln!(fail, "  ... and {} more forms", bad_forms.len() - 80);
        }
    }
    if let Some(t) = truncated {
        let _ = writeln!(
            fail,
            "x86run's output ends early ({} of {} bytes), at form {t}",
            emu.len(),
            native.len()
        );
    } else if emu.len() != native.len() {
        let _ = writeln!(
            fail,
            "x86run wrote {} bytes, natively {}",
            emu.len(),
            native.len()
        );
    }
    match estatus {
        None => {
            let _ = writeln!(fail, "x86run timed out after {TIMEOUT:?}");
        }
        Some(s) if s.code() != nstatus.code() || s.success() != nstatus.success() => {
            let _ = writeln!(fail, "x86run exit status {s}, natively {nstatus}");
        }
        _ => {}
    }
    if fail.is_empty() && native != emu {
        let _ = writeln!(fail, "outputs differ outside the compared records");
    }
    if !fail.is_empty() && !eerr.is_empty() {
        let _ = writeln!(
            fail,
            "x86run stderr:\n{}",
            eerr.chars().take(4000).collect::<String>()
        );
    }
    (ncases, fail)
}

macro_rules! insn_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                check(stringify!($name));
            }
        )*

        /// Every program the generator knows has a test here.
        #[test]
        fn program_list_matches_generator() {
            let out = Command::new("python3")
                .arg(generator())
                .arg("--list")
                .output()
                .expect("the instruction tests need python3");
            assert!(out.status.success());
            let listed: Vec<String> =
                String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect();
            let mut ours: Vec<String> = vec![$(stringify!($name).to_string()),*];
            let mut theirs = listed.clone();
            ours.sort();
            theirs.sort();
            assert_eq!(ours, theirs, "insn.rs and tests/insn/gen.py --list disagree");
        }
    };
}

insn_tests!(
    alu_32,
    alu_64,
    unary_32,
    unary_64,
    muldiv_32,
    muldiv_64,
    shift_32,
    shift_64,
    rotate_32,
    rotate_64,
    shiftd_32,
    shiftd_64,
    bittest_32,
    bittest_64,
    bitscan_32,
    bitscan_64,
    movx_32,
    movx_64,
    cc_32,
    cc_64,
    xchg_32,
    xchg_64,
    lea_32,
    lea_64,
    stack_32,
    stack_64,
    string_32,
    string_64,
    bcd_32,
    control_32,
    control_64,
    flagflow_32,
    flagflow_64,
    fused_32,
    fused_64,
    pairs_32,
    pairs_64,
    addr_32,
    addr_64,
);
