//! x86run's handling of programs it cannot run: like a shell, exit status 127
//! when the program does not exist and 126 when it exists but cannot be
//! executed, with one line on stderr that names the file, and never a Rust
//! panic.  Each bad ELF is made from a real one, and the real one is run too,
//! so each test shows that its one change is what x86run rejects.

mod guest_runner;

use guest_runner::{show, tmp_root, x86run};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn run(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(x86run())
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .stdin(Stdio::null())
        .output()
        .expect("cannot start x86run")
}

fn work_dir(test: &str) -> PathBuf {
    let d = tmp_root().join("cli").join(test);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// x86run PROGRAM must fail with `status` and one stderr line naming PROGRAM.
fn expect_rejected(program: &Path, status: i32) {
    expect_rejected_because(program, status, &[]);
}

/// As `expect_rejected`, and the message must contain one of `reasons`
/// (case-insensitive), so the file is rejected for the right reason.
fn expect_rejected_because(program: &Path, status: i32, reasons: &[&str]) {
    let out = run(&[program.as_os_str()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let ctx = format!(
        "x86run {}\nstatus: {:?}\nstdout:\n{}\nstderr:\n{}",
        program.display(),
        out.status,
        show(&out.stdout, 2000),
        show(&out.stderr, 4000)
    );
    assert!(!stderr.contains("panicked"), "x86run panicked:\n{ctx}");
    assert!(
        !stderr.contains("RUST_BACKTRACE"),
        "x86run panicked:\n{ctx}"
    );
    assert_eq!(out.status.code(), Some(status), "wrong exit status:\n{ctx}");
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "expected exactly one line on stderr:\n{ctx}"
    );
    assert!(
        stderr.contains(program.to_str().unwrap()),
        "the message should name the program:\n{ctx}"
    );
    assert!(out.stdout.is_empty(), "nothing should go to stdout:\n{ctx}");
    let lower = stderr.to_lowercase();
    assert!(
        reasons.is_empty() || reasons.iter().any(|r| lower.contains(r)),
        "the message should give the reason (one of {reasons:?}):\n{ctx}"
    );
}

/// Build tests/programs/hello.c with gcc for `bits` (32 or 64), statically.
fn hello_elf(dir: &Path, bits: u32) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/programs/hello.c");
    let out = dir.join(format!("hello{bits}"));
    let res = gcc(&[&format!("-m{bits}"), "-static"], &src, &out);
    assert!(
        res.status.success(),
        "gcc -m{bits} -static failed{}:\n{}",
        if bits == 32 {
            " (install gcc-multilib: apt-get install gcc-multilib)"
        } else {
            ""
        },
        String::from_utf8_lossy(&res.stderr)
    );
    // The control: the unmodified program runs under x86run.
    let ok = run(&[out.as_os_str()]);
    assert_eq!(
        (ok.status.code(), ok.stdout.as_slice()),
        (Some(0), &b"hello, world\n"[..]),
        "the unmodified {bits}-bit hello does not run under x86run, so the bad-ELF tests \
         prove nothing:\nstderr:\n{}",
        show(&ok.stderr, 3000)
    );
    out
}

/// Runs `$CC` (default gcc) with `flags` -O2 on `src`, writing `out`.
fn gcc(flags: &[&str], src: &Path, out: &Path) -> Output {
    Command::new(std::env::var("CC").unwrap_or_else(|_| "gcc".into()))
        .args(flags)
        .args(["-O2", "-o"])
        .arg(out)
        .arg(src)
        .output()
        .expect("cannot run gcc")
}

/// Copy `elf` to `dir/name` with `patch` applied to its bytes.
fn patched(elf: &Path, dir: &Path, name: &str, patch: impl FnOnce(&mut Vec<u8>)) -> PathBuf {
    let mut bytes = std::fs::read(elf).unwrap();
    patch(&mut bytes);
    let p = dir.join(name);
    std::fs::write(&p, &bytes).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

fn put16(b: &mut [u8], off: usize, v: u16) {
    b[off..off + 2].copy_from_slice(&v.to_le_bytes());
}
fn put32(b: &mut [u8], off: usize, v: u32) {
    b[off..off + 4].copy_from_slice(&v.to_le_bytes());
}
fn put64(b: &mut [u8], off: usize, v: u64) {
    b[off..off + 8].copy_from_slice(&v.to_le_bytes());
}
fn get16(b: &[u8], off: usize) -> u16 {
    u16::from_le_bytes(b[off..off + 2].try_into().unwrap())
}
fn get32(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes(b[off..off + 4].try_into().unwrap())
}
fn get64(b: &[u8], off: usize) -> u64 {
    u64::from_le_bytes(b[off..off + 8].try_into().unwrap())
}

/// Field offsets of the ELF header and program headers for one class.
struct Layout {
    phoff: usize,
    phoff_wide: bool,
    phentsize: usize,
    phnum: usize,
    // Within a program header:
    p_offset: usize,
    p_vaddr: usize,
    p_filesz: usize,
    p_memsz: usize,
}

const ELF32: Layout = Layout {
    phoff: 0x1c,
    phoff_wide: false,
    phentsize: 0x2a,
    phnum: 0x2c,
    p_offset: 4,
    p_vaddr: 8,
    p_filesz: 16,
    p_memsz: 20,
};
const ELF64: Layout = Layout {
    phoff: 0x20,
    phoff_wide: true,
    phentsize: 0x36,
    phnum: 0x38,
    p_offset: 8,
    p_vaddr: 16,
    p_filesz: 32,
    p_memsz: 40,
};

fn layout(bits: u32) -> &'static Layout {
    if bits == 32 {
        &ELF32
    } else {
        &ELF64
    }
}

/// File offset of the first PT_LOAD program header.
fn first_load(b: &[u8], l: &Layout) -> usize {
    let phoff = if l.phoff_wide {
        get64(b, l.phoff) as usize
    } else {
        get32(b, l.phoff) as usize
    };
    let ent = get16(b, l.phentsize) as usize;
    let n = get16(b, l.phnum) as usize;
    (0..n)
        .map(|i| phoff + i * ent)
        .find(|&p| get32(b, p) == 1)
        .expect("no PT_LOAD in test ELF")
}

fn put_word(b: &mut [u8], l: &Layout, off: usize, v: u64) {
    if l.phoff_wide {
        put64(b, off, v)
    } else {
        put32(b, off, v as u32)
    }
}

#[test]
fn help_works() {
    let out = run(&["--help".as_ref()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "x86run --help failed: {}",
        show(&out.stderr, 2000)
    );
    assert!(
        stdout.contains("Usage"),
        "--help prints no usage:\n{stdout}"
    );
    assert!(
        stdout.contains("PROGRAM"),
        "--help does not mention PROGRAM:\n{stdout}"
    );
}

#[test]
fn no_arguments_is_a_usage_error() {
    let out = run(&[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "x86run with no program should fail");
    assert!(!stderr.contains("panicked"), "x86run panicked:\n{stderr}");
    assert!(
        stderr.to_lowercase().contains("usage"),
        "no usage message:\n{stderr}"
    );
}

#[test]
fn missing_program_is_127() {
    let d = work_dir("missing");
    expect_rejected(&d.join("no-such-program"), 127);
}

#[test]
fn missing_program_in_missing_dir_is_127() {
    let d = work_dir("missing_dir");
    expect_rejected(&d.join("no/such/dir/prog"), 127);
}

#[test]
fn directory_is_126() {
    let d = work_dir("directory");
    expect_rejected(&d, 126);
}

#[test]
fn text_file_is_126() {
    let d = work_dir("text");
    let p = d.join("script.txt");
    std::fs::write(&p, "this is not an ELF file\njust some text\n").unwrap();
    expect_rejected(&p, 126);
}

#[test]
fn empty_file_is_126() {
    let d = work_dir("empty");
    let p = d.join("empty");
    std::fs::write(&p, "").unwrap();
    expect_rejected(&p, 126);
}

#[test]
fn elf_magic_only_is_126() {
    let d = work_dir("magic_only");
    let p = d.join("magic");
    std::fs::write(&p, b"\x7fELF\x01\x01\x01").unwrap();
    expect_rejected(&p, 126);
}

macro_rules! bad_elf_tests {
    ($($name:ident($bits:expr, $what:literal, $reasons:expr, |$b:ident, $l:ident| $patch:block);)*) => {
        $(
            #[test]
            fn $name() {
                let d = work_dir(stringify!($name));
                let good = hello_elf(&d, $bits);
                let l = layout($bits);
                let bad = patched(&good, &d, $what, |$b: &mut Vec<u8>| {
                    let $l = l;
                    let _ = $l;
                    $patch
                });
                expect_rejected_because(&bad, 126, &$reasons);
            }
        )*
    };
}

bad_elf_tests! {
    // e_machine = EM_ARM (40) / EM_AARCH64 (183).
    arm_elf32_is_126(32, "arm32", ["architecture", "machine"], |b, l| { put16(b, 18, 40); });
    aarch64_elf64_is_126(64, "aarch64", ["architecture", "machine"], |b, l| { put16(b, 18, 183); });
    // An i386 header claiming to be 64-bit, and the other way round.
    class_mismatch32_is_126(32, "class64", ["architecture", "class", "machine", "32-bit", "64-bit"], |b, l| { b[4] = 2; });
    class_mismatch64_is_126(64, "class32", ["architecture", "class", "machine", "32-bit", "64-bit"], |b, l| { b[4] = 1; });
    // Big-endian data encoding.
    big_endian_is_126(64, "bigendian", ["endian", "architecture", "not supported", "unsupported"], |b, l| { b[5] = 2; });
    // A relocatable object (ET_REL) is not a program.
    relocatable_is_126(64, "etrel", ["executable", "relocatable", "et_rel", "type"], |b, l| { put16(b, 16, 1); });
    truncated32_is_126(32, "trunc32", ["truncated", "corrupt", "invalid", "bad"], |b, l| { b.truncate(100); });
    truncated64_is_126(64, "trunc64", ["truncated", "corrupt", "invalid", "bad"], |b, l| { b.truncate(100); });
    // Truncated in the middle of the program's code.
    truncated_body_is_126(64, "truncbody", ["truncated", "corrupt", "invalid", "bad"], |b, l| { let n = b.len() / 3; b.truncate(n); });
    phoff_past_eof32_is_126(32, "phoff32", ["truncated", "corrupt", "invalid", "bad"], |b, l| {
        let n = b.len() as u64 + 4096; put_word(b, l, l.phoff, n);
    });
    phoff_past_eof64_is_126(64, "phoff64", ["truncated", "corrupt", "invalid", "bad"], |b, l| {
        let n = b.len() as u64 + 4096; put_word(b, l, l.phoff, n);
    });
    no_program_headers_is_126(64, "phnum0", ["program header", "segment", "nothing to load"], |b, l| { put16(b, l.phnum, 0); });
    bad_phentsize32_is_126(32, "phentsize32", ["truncated", "corrupt", "invalid", "bad"], |b, l| { put16(b, l.phentsize, 17); });
    bad_phentsize64_is_126(64, "phentsize64", ["truncated", "corrupt", "invalid", "bad"], |b, l| { put16(b, l.phentsize, 17); });
    huge_phnum_is_126(64, "phnum", ["truncated", "corrupt", "invalid", "bad"], |b, l| { put16(b, l.phnum, 0xfff0); });
    load_offset_past_eof32_is_126(32, "loadoff32", ["truncated", "corrupt", "invalid", "bad"], |b, l| {
        let p = first_load(b, l); let n = b.len() as u64 * 4; put_word(b, l, p + l.p_offset, n);
    });
    load_offset_past_eof64_is_126(64, "loadoff64", ["truncated", "corrupt", "invalid", "bad"], |b, l| {
        let p = first_load(b, l); let n = b.len() as u64 * 4; put_word(b, l, p + l.p_offset, n);
    });
    load_filesz_past_eof_is_126(32, "filesz", ["truncated", "corrupt", "invalid", "bad"], |b, l| {
        let p = first_load(b, l); put_word(b, l, p + l.p_filesz, 0x7fff_0000); put_word(b, l, p + l.p_memsz, 0x7fff_0000);
    });
    filesz_bigger_than_memsz_is_126(64, "memsz", ["truncated", "corrupt", "invalid", "bad"], |b, l| {
        let p = first_load(b, l); put_word(b, l, p + l.p_memsz, 1);
    });
    // An i386 segment that would end past 4 GiB.
    segment_past_4g_is_126(32, "past4g", ["4 gib", "4gib", "4 gb", "above", "address", "range"], |b, l| {
        let p = first_load(b, l); put_word(b, l, p + l.p_vaddr, 0xffff_f000); put_word(b, l, p + l.p_memsz, 0x0010_0000);
    });
}

/// Execs argv[1..] under a seccomp filter that traps every i386 system call
/// (SIGSYS), as sandboxes that allow only the native ABI do.
const TRAP_I386_C: &str = r#"
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>
int main(int argc, char **argv) {
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_I386, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog p = { 4, f };
    if (argc < 2 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
        prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &p)) {
        perror("seccomp");
        return 100;
    }
    execv(argv[1], argv + 1);
    perror("execv");
    return 101;
}
"#;

/// Where the host forbids i386 system calls with seccomp, probing the
/// kernel's compat entry must not kill x86run: it picks the user-space
/// translation and runs the program.
#[test]
fn compat_probe_under_a_seccomp_filter() {
    let d = work_dir("seccomp_probe");
    let hello = hello_elf(&d, 32);
    let src = d.join("trap_i386.c");
    std::fs::write(&src, TRAP_I386_C).unwrap();
    let wrapper = d.join("trap_i386");
    let res = gcc(&[], &src, &wrapper);
    assert!(
        res.status.success(),
        "gcc failed:\n{}",
        show(&res.stderr, 3000)
    );
    let out = Command::new(&wrapper)
        .arg(x86run())
        .arg(&hello)
        .stdin(Stdio::null())
        .output()
        .expect("cannot start the seccomp wrapper");
    assert_eq!(
        (out.status.code(), out.stdout.as_slice()),
        (Some(0), &b"hello, world\n"[..]),
        "x86run under a filter trapping i386 system calls:\n{:?}\nstderr:\n{}",
        out.status,
        show(&out.stderr, 3000)
    );
}

/// A program that can only be read, not mapped (here from a pipe, as
/// `x86run <(cat prog)` gives it), runs.
#[test]
fn program_from_a_pipe_runs() {
    use std::io::Write;
    let d = work_dir("pipe");
    let elf = std::fs::read(hello_elf(&d, 32)).unwrap();
    let mut child = Command::new(x86run())
        .arg("/dev/stdin")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot start x86run");
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        // x86run may stop reading early on failure; a broken pipe is fine.
        let _ = stdin.write_all(&elf);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert_eq!(
        (out.status.code(), out.stdout.as_slice()),
        (Some(0), &b"hello, world\n"[..]),
        "hello from a pipe:\nstderr:\n{}",
        show(&out.stderr, 3000)
    );
}
