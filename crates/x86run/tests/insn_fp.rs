//! Floating-point instruction tests: the real CPU is the oracle.
//!
//! `tests/insn_fp/gen.py` writes freestanding assembly programs (no libc;
//! only write and exit_group) that run x87, MMX and SSE instruction forms on
//! many input states and write one record per case: the FNSAVE image (control,
//! status and tag words, last instruction/operand pointers, all eight
//! registers), MXCSR, the arithmetic flags, rax/rcx/rdx/rbx, xmm0-7 and a
//! 64-byte memory operand area.  Each program is assembled with the host gcc
//! (`-m32` / `-m64`, static, no libc), run natively and under x86run, and the
//! outputs must be byte-identical.  A mismatch prints the form, the inputs and
//! every differing field of the first cases.
//!
//! One test per program.  The 32-bit programs need gcc-multilib; without it
//! those tests fail and say so.  INSN_FP_SEED=n draws other cases (fuzzing).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Most mismatching cases printed in full.
const MAX_SHOWN: usize = 30;
/// Most mismatching cases printed per form.
const PER_FORM: usize = 3;

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

/// Generates and assembles program `name`; returns (binary, meta text).
fn build(name: &str) -> (PathBuf, String) {
    let root = option_env!("CARGO_TARGET_TMPDIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
        .join("insn_fp");
    let dir = root.join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let gen = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/insn_fp/gen.py");
    must_run(
        Command::new("python3").arg(gen).arg(&dir).arg(name),
        "tests/insn_fp/gen.py",
        "\n(the FP instruction tests need python3)",
    );
    let bits = if name.ends_with("_32") {
        "-m32"
    } else {
        "-m64"
    };
    let bin = dir.join(name);
    let cc = std::env::var("CC").unwrap_or_else(|_| "gcc".into());
    must_run(
        Command::new(&cc)
            .arg(bits)
            .args(["-nostdlib", "-static", "-no-pie", "-o"])
            .arg(&bin)
            .arg(dir.join(format!("{name}.s"))),
        &format!("{cc} {bits}"),
        if bits == "-m32" {
            "\n(32-bit FP instruction tests need a gcc that can build i386 code: install gcc-multilib)"
        } else {
            ""
        },
    );
    let meta = std::fs::read_to_string(dir.join(format!("{name}.meta"))).unwrap();
    (bin, meta)
}

fn run(cmd: &mut Command) -> Vec<u8> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {:?}: {e}", cmd.get_program()));
    assert!(
        out.status.success(),
        "{:?} exited with {}:\n{}",
        cmd.get_program(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Named fields of an output record: (name, offset, length).
fn fields() -> Vec<(String, usize, usize)> {
    let mut f: Vec<(String, usize, usize)> = vec![
        ("fcw".into(), 0, 2),
        ("fsw".into(), 4, 2),
        ("ftag".into(), 8, 2),
        ("fip".into(), 12, 4),
        ("fcs".into(), 16, 2),
        ("fop".into(), 18, 2),
        ("fdp".into(), 20, 4),
        ("fds".into(), 24, 2),
    ];
    for k in 0..8 {
        f.push((format!("st{k}"), 28 + 10 * k, 10));
    }
    f.push(("mxcsr".into(), 112, 4));
    f.push(("eflags".into(), 116, 4));
    for (k, r) in ["rax", "rcx", "rdx", "rbx"].iter().enumerate() {
        f.push((r.to_string(), 120 + 8 * k, 8));
    }
    for k in 0..8 {
        f.push((format!("xmm{k}"), 160 + 16 * k, 16));
    }
    for k in 0..4 {
        f.push((format!("mem+{}", 16 * k), 288 + 16 * k, 16));
    }
    f
}

/// The reference AMD CPU does not save or restore the last instruction and
/// operand pointers (FIP, FCS, FOP, FDP, FDS) across a context switch while
/// no exception is pending (the kernel then leaves zeros or its own
/// pointers there), so a preempted native run may show other values. Such a
/// record is accepted when it matches x86run's in everything else; `check`
/// fails if this happens to more than 1% of the cases.
fn pointers_lost(native: &[u8], emu: &[u8]) -> bool {
    if native.len() != emu.len() || native[..12] != emu[..12] || native[28..] != emu[28..] {
        return false;
    }
    let es = native[4] & 0x80 != 0;
    if !es {
        return true;
    }
    // With an exception pending the pointers survive, but a 64-bit process's
    // FPU image has no selectors: FCS and FDS come back as 0.
    let sel_zero = native[16..18] == [0, 0] && native[24..26] == [0, 0];
    sel_zero && native[12..16] == emu[12..16] && native[18..24] == emu[18..24]
}

fn hex(b: &[u8]) -> String {
    b.iter().rev().map(|x| format!("{x:02x}")).collect()
}

fn check(name: &str) {
    let (bin, meta) = build(name);
    let native = run(&mut Command::new(&bin));
    let emu = run(Command::new(env!("CARGO_BIN_EXE_x86run")).arg(&bin));
    let mut out_size = 0;
    let mut cases: Vec<(String, String)> = Vec::new();
    let mut form = String::new();
    for line in meta.lines() {
        let (key, rest) = line.split_once(' ').unwrap_or((line, ""));
        match key {
            "out" => out_size = rest.parse().unwrap(),
            "form" => form = rest.split_once(' ').unwrap().1.to_string(),
            "case" => cases.push((form.clone(), rest.to_string())),
            _ => {}
        }
    }
    assert_eq!(
        native.len(),
        cases.len() * out_size,
        "{name}: native output has the wrong length"
    );
    let fields = fields();
    let mut report = String::new();
    let mut bad = 0;
    let mut lost = 0;
    let mut bad_forms: Vec<(String, usize)> = Vec::new();
    for (k, (form, desc)) in cases.iter().enumerate() {
        let a = &native[k * out_size..(k + 1) * out_size];
        let b = emu.get(k * out_size..(k + 1) * out_size).unwrap_or(&[]);
        if a == b {
            continue;
        }
        if pointers_lost(a, b) {
            lost += 1;
            continue;
        }
        bad += 1;
        match bad_forms.last_mut() {
            Some((f, n)) if f == form => *n += 1,
            _ => bad_forms.push((form.clone(), 1)),
        }
        let shown_here = bad_forms.last().map(|x| x.1).unwrap_or(0);
        let max_shown = std::env::var("INSN_FP_SHOW")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(MAX_SHOWN);
        if bad > max_shown || shown_here > PER_FORM {
            continue;
        }
        report += &format!("case {k} [{form}] {desc}\n");
        if b.len() < out_size {
            report += "    (missing in x86run output)\n";
            continue;
        }
        for &(ref fname, off, len) in &fields {
            let (x, y) = (&a[off..off + len], &b[off..off + len]);
            if x != y {
                report += &format!("    {fname}: native {} x86run {}\n", hex(x), hex(y));
            }
        }
    }
    if bad > 0 || emu.len() != native.len() {
        let forms: Vec<String> = bad_forms
            .iter()
            .map(|(f, n)| format!("{f} ({n})"))
            .collect();
        panic!(
            "{name}: {bad} of {} cases differ (x86run output {} bytes, native {}); forms: {}\n{report}",
            cases.len(),
            emu.len(),
            native.len(),
            forms.join(", ")
        );
    }
    assert!(
        lost * 100 <= cases.len(),
        "{name}: {lost} of {} cases differ only in the FPU pointers: more than context switches explain",
        cases.len()
    );
    eprintln!(
        "{name}: {} cases identical ({lost} with pointers lost to a context switch)",
        cases.len()
    );
}

macro_rules! fp_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                check(stringify!($name));
            }
        )*
    };
}

fp_tests!(
    x87_arith_32,
    x87_arith_64,
    x87_unary_32,
    x87_unary_64,
    x87_compare_32,
    x87_compare_64,
    x87_load_store_32,
    x87_load_store_64,
    x87_env_32,
    x87_env_64,
    x87_trans_32,
    x87_trans_64,
    sse_arith_32,
    sse_arith_64,
    sse_cvt_32,
    sse_cvt_64,
    simd_int_32,
    simd_int_64,
);
