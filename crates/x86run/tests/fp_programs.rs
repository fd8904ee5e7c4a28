//! Floating-point C programs (tests/fp_programs/*.c): libm, printf/strtod of
//! doubles and long doubles, rounding modes and exception flags, SIMD
//! intrinsics, and an unmasked exception. Each is built with the host gcc
//! in several floating-point configurations (x87 math for i386, SSE math for
//! i386, x86-64, SSE4.2 intrinsics), run natively and under x86run, and the
//! two runs must give the same stdout, exit status and terminating signal.
//! The i386 builds need gcc-multilib; without it those tests fail and say so.

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn build(src: &str, name: &str, flags: &[&str]) -> PathBuf {
    let dir = option_env!("CARGO_TARGET_TMPDIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
        .join("fp_programs");
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join(name);
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fp_programs")
        .join(src);
    let cc = std::env::var("CC").unwrap_or_else(|_| "gcc".into());
    let res = Command::new(&cc)
        .args(flags)
        .args(["-O2", "-static", "-o"])
        .arg(&out)
        .arg(&src)
        .arg("-lm")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cc}: {e}"));
    if !res.status.success() {
        let hint = if flags.contains(&"-m32") {
            "\n(i386 builds need a gcc that can build 32-bit code: install gcc-multilib)"
        } else {
            ""
        };
        panic!(
            "{cc} {flags:?} {} failed:\n{}{hint}",
            src.display(),
            String::from_utf8_lossy(&res.stderr)
        );
    }
    out
}

fn run(cmd: &mut Command) -> Output {
    cmd.stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {:?}: {e}", cmd.get_program()))
}

/// Builds, runs both ways and compares; `signal` is the expected native
/// terminating signal (None: exit status 0).
fn check(src: &str, name: &str, flags: &[&str], signal: Option<i32>) {
    let bin = build(src, name, flags);
    // The native run must pick the same glibc variants as the guest, which
    // sees no AVX/FMA (glibc's FMA pow differs in the last bit).
    let native = run(Command::new(&bin).env(
        "GLIBC_TUNABLES",
        "glibc.cpu.hwcaps=-AVX2,-FMA,-AVX,-AVX512F",
    ));
    let emu = run(Command::new(env!("CARGO_BIN_EXE_x86run")).arg(&bin));
    match signal {
        None => assert!(
            native.status.success(),
            "{name}: native run failed: {:?}",
            native.status
        ),
        Some(s) => assert_eq!(
            native.status.signal(),
            Some(s),
            "{name}: native run ended with {:?}",
            native.status
        ),
    }
    assert!(
        !native.stdout.is_empty(),
        "{name}: native run printed nothing"
    );
    let (a, b) = (
        String::from_utf8_lossy(&native.stdout),
        String::from_utf8_lossy(&emu.stdout),
    );
    if a != b {
        let diff: Vec<String> = a
            .lines()
            .zip(b.lines())
            .filter(|(x, y)| x != y)
            .take(20)
            .map(|(x, y)| format!("  native: {x}\n  x86run: {y}"))
            .collect();
        panic!(
            "{name}: output differs ({} vs {} lines); first differences:\n{}\nx86run stderr:\n{}",
            a.lines().count(),
            b.lines().count(),
            diff.join("\n"),
            String::from_utf8_lossy(&emu.stderr)
        );
    }
    assert_eq!(
        (native.status.code(), native.status.signal()),
        (emu.status.code(), emu.status.signal()),
        "{name}: exit status differs; x86run stderr:\n{}",
        String::from_utf8_lossy(&emu.stderr)
    );
}

#[test]
fn libm_m32_x87() {
    check("libm.c", "libm_m32_x87", &["-m32"], None);
}

#[test]
fn libm_m32_sse() {
    check(
        "libm.c",
        "libm_m32_sse",
        &["-m32", "-msse2", "-mfpmath=sse"],
        None,
    );
}

#[test]
fn libm_m64() {
    check("libm.c", "libm_m64", &["-m64"], None);
}

#[test]
fn simd_m32() {
    check(
        "simd.c",
        "simd_m32",
        &["-m32", "-msse4.2", "-maes", "-mpclmul"],
        None,
    );
}

#[test]
fn simd_m64() {
    check(
        "simd.c",
        "simd_m64",
        &["-m64", "-msse4.2", "-maes", "-mpclmul"],
        None,
    );
}

#[test]
fn sigfpe_m32_x87() {
    check("sigfpe.c", "sigfpe_m32_x87", &["-m32"], Some(8));
}

#[test]
fn sigfpe_m64_sse() {
    check("sigfpe.c", "sigfpe_m64_sse", &["-m64"], Some(8));
}

/// Orders 80-bit values (hex "SSSSMMMMMMMMMMMMMMMM") so that adjacent
/// finite values differ by one.
fn ulp_key(h: &str) -> i128 {
    let se = u16::from_str_radix(&h[..4], 16).unwrap();
    let m = u64::from_str_radix(&h[4..], 16).unwrap();
    let mag = (((se & 0x7fff) as i128) << 64) | m as i128;
    if se & 0x8000 != 0 {
        -mag
    } else {
        mag
    }
}

/// The x87 transcendentals on 104,000 random operands (tests/fp_programs/
/// x87_ulp.c): x86run must be within 1 ulp of the reference CPU everywhere
/// and bit-identical in at least 95% of each function's cases. Prints the
/// table of max ulp and exact-match counts per function and operand range.
#[test]
fn x87_transcendental_ulp() {
    let bin = build("x87_ulp.c", "x87_ulp", &["-m64", "-O1"]);
    let native = run(&mut Command::new(&bin));
    let emu = run(Command::new(env!("CARGO_BIN_EXE_x86run")).arg(&bin));
    assert!(
        native.status.success() && emu.status.success(),
        "x87_ulp failed: {:?} {:?}",
        native.status,
        emu.status
    );
    let (a, b) = (
        String::from_utf8_lossy(&native.stdout),
        String::from_utf8_lossy(&emu.stdout),
    );
    assert_eq!(
        a.lines().count(),
        b.lines().count(),
        "x87_ulp: line counts differ"
    );
    assert!(a.lines().count() >= 100_000, "x87_ulp: too few results");
    // (function, range) -> (count, exact, max ulp, worst line)
    let mut stats: std::collections::BTreeMap<(String, String), (u64, u64, i128, String)> =
        Default::default();
    for (x, y) in a.lines().zip(b.lines()) {
        let (fx, fy): (Vec<&str>, Vec<&str>) = (x.split(' ').collect(), y.split(' ').collect());
        assert_eq!(fx[..4], fy[..4], "x87_ulp: operands differ");
        let d = (ulp_key(fx[4]) - ulp_key(fy[4])).abs();
        let e = stats
            .entry((fx[0].to_string(), fx[1].to_string()))
            .or_default();
        e.0 += 1;
        e.1 += (d == 0) as u64;
        if d > e.2 {
            e.2 = d;
            e.3 = format!("{x} vs {}", fy[4]);
        }
    }
    let mut report = String::from("function range: cases, bit-exact, max ulp\n");
    let mut bad = Vec::new();
    for ((f, r), (n, exact, max, worst)) in &stats {
        report += &format!(
            "  {f:10} {r}: {n:5} {exact:5} ({:.1}%) {max}\n",
            100.0 * *exact as f64 / *n as f64
        );
        if *max > 1 || (*exact as f64) < 0.95 * *n as f64 {
            bad.push(format!(
                "{f} range {r}: max {max} ulp, {exact}/{n} exact; worst: {worst}"
            ));
        }
    }
    eprintln!("{report}");
    assert!(
        bad.is_empty(),
        "x87 transcendentals off the reference CPU:\n{}\n{report}",
        bad.join("\n")
    );
}

/// The guest sees exactly the implemented features (x86-64-v2 plus AES and
/// PCLMULQDQ; no XSAVE/AVX/FMA/BMI), an AVX instruction ends it with
/// SIGILL, and a misaligned SSE memory operand with SIGSEGV as on the
/// reference CPU.
#[test]
fn features_and_faults() {
    for (bits, flag) in [("32", "-m32"), ("64", "-m64")] {
        let bin = build("features.c", &format!("features_{bits}"), &[flag, "-msse2"]);
        let out = run(Command::new(env!("CARGO_BIN_EXE_x86run")).arg(&bin));
        assert!(out.status.success(), "features_{bits}: {:?}", out.status);
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "fpu=1 mmx=1 fxsr=1 sse=1 sse2=1 sse3=1 pclmul=1 ssse3=1 sse4.1=1 sse4.2=1 popcnt=1 aes=1 xsave=0 \
             osxsave=0 avx=0 fma=0 f16c=0\nbmi1=0 avx2=0 bmi2=0 avx512f=0\n",
            "features_{bits}: CPUID"
        );
        let avx = run(Command::new(env!("CARGO_BIN_EXE_x86run"))
            .arg(&bin)
            .arg("avx"));
        assert_eq!(
            avx.status.signal(),
            Some(4),
            "features_{bits}: AVX under x86run: {:?}",
            avx.status
        );
        let native = run(Command::new(&bin).arg("misaligned"));
        let emu = run(Command::new(env!("CARGO_BIN_EXE_x86run"))
            .arg(&bin)
            .arg("misaligned"));
        assert_eq!(
            native.status.signal(),
            Some(11),
            "features_{bits}: native misaligned movaps"
        );
        assert_eq!(
            emu.status.signal(),
            Some(11),
            "features_{bits}: x86run misaligned movaps"
        );
        assert_eq!(
            native.stdout, emu.stdout,
            "features_{bits}: output before the fault"
        );
    }
}

/// SIGFPE handlers for unmasked x87 (i386) and SSE (x86-64) exceptions: the
/// si_code, the status the handler sees and the retried instruction after
/// it masks the exception. Needs the OS layer to build the SIGFPE from
/// `X87::take_fp_trap()` (si_code, trap 16/19) instead of FPE_INTDIV.
#[test]
fn fpe_handler() {
    check("fpe_handler.c", "fpe_handler_m32", &["-m32"], None);
    check("fpe_handler.c", "fpe_handler_m64", &["-m64"], None);
}
