//! Debian's static busybox (i386 and x86-64), run natively and under x86run:
//! a shell with loops, pipes and command substitution, and a dozen applets.
//! stdout, exit status and terminating signal must match.
//!
//! The binaries come from `scripts/fetch-busybox.sh` (Debian's busybox-static
//! packages, unpacked into `$X86RUN_CACHE`, default `~/.cache/x86run`).
//! `X86RUN_BUSYBOX` / `X86RUN_BUSYBOX_X86_64` name other binaries.  If a
//! binary is missing the tests fail and say how to fetch it.
//!
//! Debian's busybox prefers its own applets (FEATURE_PREFER_APPLETS), so the
//! shell runs `wc`, `sort`... by forking and re-executing /proc/self/exe with
//! argv[0] set to the applet name; under x86run that is a guest execve of the
//! guest binary itself.

mod guest_runner;

use guest_runner::{compare, fresh_dir, run, run_x86run, tmp_root, End, Invocation};
use std::ffi::OsString;
use std::path::PathBuf;

#[derive(Clone, Copy)]
enum Arch {
    I386,
    X86_64,
}

fn busybox(arch: Arch) -> PathBuf {
    let (var, file) = match arch {
        Arch::I386 => ("X86RUN_BUSYBOX", "busybox"),
        Arch::X86_64 => ("X86RUN_BUSYBOX_X86_64", "busybox-x86_64"),
    };
    let path = match std::env::var_os(var) {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => {
            let cache = match std::env::var_os("X86RUN_CACHE") {
                Some(c) if !c.is_empty() => PathBuf::from(c),
                _ => PathBuf::from(std::env::var_os("HOME").expect("HOME is not set"))
                    .join(".cache/x86run"),
            };
            cache.join(file)
        }
    };
    if !path.is_file() {
        panic!(
            "busybox binary not found at {} — run scripts/fetch-busybox.sh to download \
             Debian's busybox-static (or set {var} to a static busybox)",
            path.display()
        );
    }
    path
}

const TEXT: &str = "banana 3 yellow\napple 12 red\ncherry 7 red\ndate 1 brown\n\
apple 12 red\nelderberry 40 purple\nfig 5 purple\n";

/// A larger input, generated so that it needs no file in the repository.
fn big_text() -> String {
    let mut s = String::new();
    let mut x: u32 = 12345;
    for i in 0..4000 {
        x = x.wrapping_mul(1103515245).wrapping_add(12345);
        s.push_str(&format!("{i:05} {:08x} line-{}\n", x, x % 97));
    }
    s
}

struct Case {
    /// Arguments after the busybox binary (argv[1]...).
    args: &'static [&'static str],
    stdin: Option<&'static str>,
    /// Feed `big_text()` instead of `stdin`.
    big: bool,
}

const fn c(args: &'static [&'static str]) -> Case {
    Case {
        args,
        stdin: None,
        big: false,
    }
}
const fn ci(args: &'static [&'static str], stdin: &'static str) -> Case {
    Case {
        args,
        stdin: Some(stdin),
        big: false,
    }
}
const fn cbig(args: &'static [&'static str]) -> Case {
    Case {
        args,
        stdin: None,
        big: true,
    }
}

fn check(test: &str, arch: Arch, cases: &[Case]) {
    let bb = busybox(arch);
    let arch_name = match arch {
        Arch::I386 => "i386",
        Arch::X86_64 => "x86_64",
    };
    let scratch = tmp_root().join("busybox").join(arch_name).join(test);
    let big = big_text();
    let mut failures = Vec::new();
    for case in cases {
        let stdin: Option<&[u8]> = if case.big {
            Some(big.as_bytes())
        } else {
            case.stdin.map(str::as_bytes)
        };
        let inv = Invocation {
            args: case.args.iter().map(OsString::from).collect(),
            stdin,
            cwd: &scratch,
            env: guest_runner::base_env(),
        };
        let what = format!("busybox ({arch_name}) {:?}", case.args);
        fresh_dir(&scratch);
        let native = run(&bb, &inv);
        if native.end == End::TimedOut {
            panic!("{what}: the NATIVE run timed out");
        }
        fresh_dir(&scratch);
        let emulated = run_x86run(&bb, &inv);
        if let Err(report) = compare(&what, &native, &emulated) {
            failures.push(report);
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    if !failures.is_empty() {
        panic!("{}", failures.join("\n"));
    }
}

macro_rules! busybox_tests {
    ($($name:ident => $cases:expr;)*) => {
        mod i386 {
            use super::*;
            $( #[test] fn $name() { check(stringify!($name), Arch::I386, &$cases) } )*
        }
        mod x86_64 {
            use super::*;
            $( #[test] fn $name() { check(stringify!($name), Arch::X86_64, &$cases) } )*
        }
    };
}

busybox_tests! {
    sh_echo => [
        c(&["sh", "-c", "echo hello from busybox"]),
        c(&["sh", "-c", "x=world; echo \"hello $x\"; echo '$x' literal"]),
    ];
    sh_loop_pipe => [
        c(&["sh", "-c", "for i in 1 2 3; do echo $i; done | wc -l"]),
        c(&["sh", "-c", "for w in pear fig apple; do echo $w; done | sort | tr a-z A-Z"]),
    ];
    sh_arith_while => [
        c(&["sh", "-c", "i=0; s=0; while [ $i -lt 200 ]; do s=$((s + i * i)); i=$((i + 1)); done; echo $s"]),
        c(&["sh", "-c", "echo $((7 * 6)) $((100 / 7)) $((100 % 7)) $((1 << 20)) $((-5 + 2)) $((0x10 | 3))"]),
    ];
    sh_control => [
        c(&["sh", "-c", "f() { return $1; }; f 3; echo $?; case abc in a*) echo match;; *) echo no;; esac; (exit 7); echo $?; x=$(echo sub); echo $x; exit 5"]),
        c(&["sh", "-c", "set -- a 'b c' d; echo $#; for a in \"$@\"; do echo \"[$a]\"; done; shift; echo $1"]),
        c(&["sh", "-c", "if false; then echo yes; elif true; then echo elif; fi; true && echo and; false || echo or; ! false; echo $?"]),
    ];
    sh_files => [
        c(&["sh", "-c", "echo one > f; echo two >> f; cat f; wc -c < f; mkdir d; mv f d/g; ls d; rm -r d; ls"]),
        c(&["sh", "-c", "printf 'x\\ny\\n' > in; while read l; do echo got $l; done < in; cat in in | wc -l"]),
    ];
    sh_exit_status => [
        c(&["sh", "-c", "exit 0"]),
        c(&["sh", "-c", "exit 42"]),
        c(&["sh", "-c", "false"]),
        c(&["sh", "-c", "kill -TERM $$"]),
        c(&["false"]),
        c(&["true"]),
    ];
    echo => [
        c(&["echo", "a", "b", "  c  "]),
        c(&["echo", "-n", "no newline"]),
        c(&["echo", "-e", "tab\\there\\nnewline\\x41"]),
    ];
    printf => [
        c(&["printf", "%5d|%-5s|%x|%o|%c|%05d|%+d\\n", "42", "ab", "255", "8", "z", "-17", "3"]),
        c(&["printf", "%s-%s\\n", "a", "b", "c", "d"]),
        c(&["printf", "%d %i %u\\n", "2147483647", "-2147483648", "4294967295"]),
    ];
    seq => [
        c(&["seq", "5"]),
        c(&["seq", "3", "4", "20"]),
        c(&["seq", "-s", ",", "10", "-2", "1"]),
    ];
    sort => [
        ci(&["sort"], TEXT),
        ci(&["sort", "-r", "-u"], TEXT),
        ci(&["sort", "-n", "-k2"], TEXT),
        ci(&["sort", "-t", " ", "-k3,3", "-k1,1"], TEXT),
        cbig(&["sort", "-k2"]),
    ];
    wc => [
        ci(&["wc"], TEXT),
        ci(&["wc", "-l"], TEXT),
        ci(&["wc", "-w", "-c"], TEXT),
        cbig(&["wc"]),
    ];
    md5sum => [
        ci(&["md5sum"], TEXT),
        ci(&["md5sum"], ""),
        cbig(&["md5sum"]),
    ];
    sha256sum => [
        ci(&["sha256sum"], TEXT),
        ci(&["sha1sum"], TEXT),
        cbig(&["sha256sum"]),
        cbig(&["sha512sum"]),
    ];
    expr => [
        c(&["expr", "7", "*", "6"]),
        c(&["expr", "length", "hello"]),
        c(&["expr", "abcdef", ":", "a\\(.*\\)e"]),
        c(&["expr", "10", "<", "9"]),
        c(&["expr", "5", "/", "0"]),
        c(&["expr", "-2147483648", "-", "1"]),
    ];
    tr => [
        ci(&["tr", "a-z", "A-Z"], TEXT),
        ci(&["tr", "-d", "aeiou"], TEXT),
        ci(&["tr", "-s", " 0-9", "_"], TEXT),
    ];
    cut => [
        ci(&["cut", "-d", " ", "-f1,3"], TEXT),
        ci(&["cut", "-c2-4"], TEXT),
    ];
    od => [
        ci(&["od", "-An", "-tx1"], TEXT),
        ci(&["od", "-c"], "a\tb\n\x01\x7f"),
        ci(&["od", "-tx4", "-tu2"], TEXT),
    ];
    sed => [
        ci(&["sed", "-e", "s/a/A/g", "-e", "2d"], TEXT),
        ci(&["sed", "-n", "/red/p"], TEXT),
        ci(&["sed", "s/\\([a-z]*\\) \\([0-9]*\\)/\\2:\\1/"], TEXT),
    ];
    awk => [
        ci(&["awk", "{ s += $2 } END { print s, NR }"], TEXT),
        ci(&["awk", "-F", " ", "$3 == \"red\" { print $1 }"], TEXT),
        ci(&["awk", "BEGIN { for (i = 1; i <= 5; i++) printf \"%d \", i * i; print \"\" }"], ""),
    ];
    grep_uniq_head_tail => [
        ci(&["grep", "-n", "p"], TEXT),
        ci(&["grep", "-c", "-v", "red"], TEXT),
        ci(&["grep", "-q", "zzz"], TEXT),
        ci(&["sh", "-c", "sort | uniq -c"], TEXT),
        ci(&["head", "-n", "3"], TEXT),
        ci(&["tail", "-n", "2"], TEXT),
        cbig(&["tail", "-c", "100"]),
    ];
}
