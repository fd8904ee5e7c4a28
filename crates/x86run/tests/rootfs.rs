//! Real programs from the Debian i386 root filesystem (scripts/mkrootfs-i386.sh),
//! run natively (chroot into the root filesystem) and under `x86run -L ROOT`:
//! stdout and exit status must match. Also a selection of the host's own
//! x86-64 programs, natively and as x86-64 guests.
//!
//! The root filesystem is found through X86RUN_ROOTFS, else
//! $X86RUN_CACHE/rootfs-i386, else ~/.cache/x86run/rootfs-i386. A missing
//! root filesystem fails the tests (it is not silently skipped); chroot
//! needs root, which CI has.

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

mod guest_runner;
use guest_runner::rootfs;

/// A scratch directory inside the root filesystem: (host path, guest path).
fn scratch(root: &Path, name: &str) -> (PathBuf, String) {
    let guest = format!("/tmp/x86run-test-{}-{}", name, std::process::id());
    let host = root.join(guest.trim_start_matches('/'));
    let _ = std::fs::remove_dir_all(&host);
    std::fs::create_dir_all(&host).unwrap();
    (host, guest)
}

fn status_text(o: &Output) -> String {
    match (o.status.code(), o.status.signal()) {
        (Some(c), _) => format!("exit {c}"),
        (_, Some(s)) => format!("signal {s}"),
        _ => "?".into(),
    }
}

const ENV: [(&str, &str); 4] = [
    ("TZ", "UTC"),
    ("LC_ALL", "C"),
    ("PATH", "/usr/bin:/bin:/usr/sbin:/sbin"),
    ("HOME", "/root"),
];

fn run(mut c: Command, stdin: Option<&[u8]>) -> Output {
    c.env_clear();
    for (k, v) in ENV {
        c.env(k, v);
    }
    c.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    c.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = c.spawn().expect("spawn");
    if let Some(data) = stdin {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(data).unwrap();
    }
    child.wait_with_output().unwrap()
}

/// Runs `argv` (inside the root filesystem) natively and under x86run and
/// asserts that stdout and exit status are identical. Returns the stdout.
fn same_i386(argv: &[&str], stdin: Option<&[u8]>) -> String {
    let root = rootfs();
    let mut native = Command::new("chroot");
    native.arg(&root).args(argv);
    let mut emu = Command::new(env!("CARGO_BIN_EXE_x86run"));
    // Extra x86run options (e.g. `--backend translate`), as for programs.rs.
    emu.args(
        std::env::var("X86RUN_TEST_FLAGS")
            .unwrap_or_default()
            .split_whitespace(),
    );
    // chroot starts in the new root: so does the guest.
    emu.arg("-L").arg(&root).args(argv).current_dir(&root);
    compare(argv, run(native, stdin), run(emu, stdin))
}

/// The same for a host x86-64 program.
fn same_x86_64(argv: &[&str], stdin: Option<&[u8]>) -> String {
    let mut native = Command::new(argv[0]);
    native.args(&argv[1..]);
    let mut emu = Command::new(env!("CARGO_BIN_EXE_x86run"));
    emu.args(argv);
    compare(argv, run(native, stdin), run(emu, stdin))
}

fn compare(argv: &[&str], n: Output, x: Output) -> String {
    let (ns, xs) = (
        String::from_utf8_lossy(&n.stdout),
        String::from_utf8_lossy(&x.stdout),
    );
    if ns != xs || n.status.code() != x.status.code() || n.status.signal() != x.status.signal() {
        let first = ns.lines().zip(xs.lines()).position(|(a, b)| a != b);
        panic!(
            "{:?}\nnative: {} x86run: {}\nfirst differing line: {:?}\n--- native stdout (tail)\n{}\n--- x86run stdout (tail)\n{}\n--- x86run stderr\n{}",
            argv,
            status_text(&n),
            status_text(&x),
            first,
            tail(&ns),
            tail(&xs),
            tail(&String::from_utf8_lossy(&x.stderr)),
        );
    }
    assert!(
        !ns.is_empty() || n.status.code() != Some(0) || argv[0].ends_with("/true"),
        "{argv:?}: no output to compare"
    );
    ns.into_owned()
}

fn tail(s: &str) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(15)..].join("\n")
}

fn sh(script: &str) -> String {
    same_i386(&["/bin/bash", "-c", script], None)
}

#[test]
fn bash_pipelines_subshells_functions() {
    let out = sh(r#"
        f() { local n=$1; if [ "$n" -le 1 ]; then echo 1; else echo $(( n * $(f $((n-1))) )); fi; }
        echo "fact: $(f 10)"
        for i in $(seq 1 5); do echo "line $i"; done | tr a-z A-Z | sort -r | head -3
        ( cd /etc && echo "sub: $(pwd)" ); echo "back: $(pwd)"
        x=0; while [ $x -lt 50 ]; do x=$((x+7)); done; echo "x=$x"
        case "abc" in a*) echo match;; *) echo nomatch;; esac
        arr=(one two three); echo "${#arr[@]} ${arr[1]} ${arr[@]:1}"
        echo "status: $(false; echo $?)"; exit 3
    "#);
    assert!(out.contains("fact: 3628800"));
}

#[test]
fn coreutils_text() {
    sh(r#"
        seq 1 200 | awk '{print ($1 * 7919) % 101}' > /tmp/nums.$$
        sort -n /tmp/nums.$$ | uniq -c | sort -k1,1nr -k2,2n | head -5
        cut -c1-2 /tmp/nums.$$ | tr 0-9 a-j | sort | uniq | wc -l
        head -n 3 /tmp/nums.$$; tail -n 2 /tmp/nums.$$; wc -lwc < /tmp/nums.$$
        md5sum /tmp/nums.$$ | cut -d' ' -f1; sha256sum /tmp/nums.$$ | cut -d' ' -f1
        date -d '2021-03-04 05:06:07 UTC' '+%Y-%m-%d %H:%M:%S %j %A %s'
        rm /tmp/nums.$$
    "#);
}

#[test]
fn coreutils_files() {
    let root = rootfs();
    let (_host, guest) = scratch(&root, "files");
    sh(&format!(
        r#"
        cd {guest}
        mkdir -p a/b c; printf 'hello\n' > a/b/f1; printf 'x%.0s' $(seq 1 1000) > a/f2
        touch -d '2020-01-02 03:04:05' a/b/f1 a/f2 a/b a; chmod 640 a/f2
        cp -rp a c/; mv c/a/f2 c/a/f3; ln -s f3 c/a/link; touch -h -d "2020-01-02 03:04:05" c/a/link c/a c
        ls -l --time-style=+%F_%T a a/b c/a | sed 's/ [0-9]* root root/ root/'
        cat c/a/b/f1; wc -c c/a/f3; readlink c/a/link
        rm -r c; ls; stat -c '%s %a %n' a/f2 a/b/f1
        "#
    ));
    let _ = std::fs::remove_dir_all(root.join(guest.trim_start_matches('/')));
}

#[test]
fn grep_sed_awk() {
    sh(r#"
        printf 'alpha 1\nbeta 22\ngamma 333\ndelta 4444\nepsilon 5\n' > /tmp/g.$$
        grep -E '^(b|d)[a-z]+ [0-9]{2,}$' /tmp/g.$$
        grep -c -v a /tmp/g.$$ || true
        sed -e 's/\([a-z]*\) \([0-9]*\)/\2:\1/' -e '/^5/d' /tmp/g.$$
        awk '{ s += $2; n[length($1)]++ } END { print s; for (k in n) print k, n[k] | "sort -n" }' /tmp/g.$$
        awk 'BEGIN { printf "%d %s %x\n", 2^20, substr("emulator", 3, 4), 255 }'
        rm /tmp/g.$$
    "#);
}

#[test]
fn perl_programs() {
    same_i386(
        &[
            "/usr/bin/perl",
            "-e",
            r#"my %h = map { $_ => length } qw(a bb ccc); print join(",", map {"$_=$h{$_}"} sort keys %h), "\n";
               my $s = join "", map { chr(65 + $_ % 26) } 0..99; $s =~ s/([AEIOU])/lc $1/ge; print "$s\n";
               printf "%d %s %.3f\n", 2**31 + 5, scalar reverse("x86run"), 22/7;
               print sort { $a <=> $b } (5, 3, 11, 1); print "\n";"#,
        ],
        None,
    );
}

#[test]
fn sqlite3_script() {
    same_i386(
        &["/usr/bin/sqlite3", ":memory:"],
        Some(
            b"create table t(a integer primary key, b text);\n\
              with recursive n(x) as (select 1 union all select x+1 from n where x < 2000)\n\
              insert into t select x, printf('row%05d', x * 37 % 2000) from n;\n\
              select count(*), min(b), max(b), sum(a) from t;\n\
              create index tb on t(b); select a from t where b = 'row00074';\n\
              select length(group_concat(b)) from t where a % 7 = 0;\n",
        ),
    );
}

#[test]
fn xz_bzip2_gzip_round_trips() {
    let root = rootfs();
    let (host, guest) = scratch(&root, "compress");
    let mut data = Vec::with_capacity(2 << 20);
    let mut x: u32 = 12345;
    while data.len() < 2 << 20 {
        x = x.wrapping_mul(1103515245).wrapping_add(12345);
        data.extend_from_slice(
            [&b"alpha "[..], b"beta ", b"x86run ", b"kernel\n"][(x >> 16) as usize % 4],
        );
    }
    std::fs::write(host.join("data"), &data).unwrap();
    sh(&format!(
        r#"
        cd {guest}
        xz -3 -c data > data.xz && xz -d -c data.xz | cmp - data && echo xz ok
        bzip2 -c data > data.bz2 && bzip2 -d -c data.bz2 | cmp - data && echo bzip2 ok
        gzip -6 -c data > data.gz && gzip -d -c data.gz | cmp - data && echo gzip ok
        md5sum data | cut -d' ' -f1; wc -c < data.xz; wc -c < data.bz2; wc -c < data.gz
        "#
    ));
    let _ = std::fs::remove_dir_all(host);
}

#[test]
fn file_on_binaries() {
    same_i386(
        &[
            "/usr/bin/file",
            "/bin/bash",
            "/usr/bin/xz",
            "/etc/passwd",
            "/usr/lib/i386-linux-gnu/libc.so.6",
        ],
        None,
    );
}

#[test]
fn python3_programs() {
    same_i386(
        &[
            "/usr/bin/python3",
            "-c",
            r#"
import json, re, hashlib, zlib, struct, sqlite3, subprocess, os
d = {"a": [1, 2, {"b": None}], "c": "x" * 3}
print(json.dumps(d, sort_keys=True), json.loads('{"k": [true, false]}'))
print(re.findall(r"(\w)(\d+)", "a12 b3 c456"), re.sub(r"\s+", "-", "a  b   c"))
print(hashlib.sha256(b"x86run").hexdigest(), hashlib.md5(b"abc").hexdigest())
z = zlib.compress(b"hello " * 1000); print(len(z), zlib.decompress(z)[:12])
print(struct.pack("<IhQ", 1, -2, 3).hex(), struct.unpack(">I", b"\x01\x02\x03\x04"))
con = sqlite3.connect(":memory:"); con.execute("create table t(x)")
con.executemany("insert into t values (?)", [(i,) for i in range(100)])
print(con.execute("select sum(x), count(*) from t").fetchone())
print(subprocess.run(["/bin/echo", "from child"], capture_output=True).stdout)
print(os.getcwd(), sorted(os.listdir("/etc"))[:3], os.path.exists("/bin/bash"))
print(sum(i * i for i in range(10000)), 2 ** 100, divmod(-7, 3))
"#,
        ],
        None,
    );
}

#[test]
fn python3_floats() {
    same_i386(
        &[
            "/usr/bin/python3",
            "-c",
            r#"
import math, decimal, fractions, statistics, struct, random
xs = [0.1, 1/3, 2**0.5, 1e300 * 10, -0.0, 5e-324, 1.7976931348623157e308, float("nan")]
print([repr(x) for x in xs], [f"{x:.17g}" for x in xs[:4]], f"{math.pi:.50f}")
print(math.sqrt(2), math.floor(-2.5), math.fsum([0.1] * 10), math.hypot(3, 4), math.fmod(10.5, 3))
print(math.sin(1.0), math.cos(2.0), math.tan(0.5), math.atan2(1, 2), math.exp(1.5), math.log(10), math.log2(1024), math.pow(2.5, 3.5))
print([round(2.675, 2), round(0.5), round(1.5), round(-0.5)], 7.0 // 2, -7.0 % 3, divmod(7.5, 2))
print(float("1e-310"), float.fromhex("0x1.fffffffffffffp+1023").hex(), (0.1).as_integer_ratio())
decimal.getcontext().prec = 40
print(decimal.Decimal(1) / decimal.Decimal(7), decimal.Decimal("2").sqrt(), decimal.Decimal("1.1") * 3)
print(fractions.Fraction(3, 7) + fractions.Fraction(1, 3), fractions.Fraction(0.125), fractions.Fraction("1.5e-3"))
random.seed(12345); data = [random.gauss(10, 3) for _ in range(1000)]
print(statistics.mean(data), statistics.median(data), statistics.stdev(data), statistics.fmean([1.5, 2.5, 4]))
print(struct.pack("<d", 1/3).hex(), struct.unpack("<f", b"\x00\x00\xc0\x7f"), sum(i * 0.001 for i in range(100000)))
"#,
        ],
        None,
    );
}

#[test]
fn python3_threads_signals_subprocess() {
    same_i386(
        &[
            "/usr/bin/python3",
            "-c",
            r#"
import threading, signal, subprocess, concurrent.futures, time, queue, os
# many threads sharing a lock and a queue
lock = threading.Lock(); total = [0]; q = queue.Queue()
def work(n):
    s = sum(i * i for i in range(n))
    with lock:
        total[0] += s
    q.put(n)
ts = [threading.Thread(target=work, args=(1000 + k,)) for k in range(32)]
[t.start() for t in ts]; [t.join() for t in ts]
print("threads", total[0], sorted(q.get() for _ in range(32))[:3], threading.active_count())
# condition variable ping-pong
cv = threading.Condition(); state = {"turn": 0, "log": []}
def player(me):
    for _ in range(20):
        with cv:
            cv.wait_for(lambda: state["turn"] == me)
            state["log"].append(me); state["turn"] = 1 - me; cv.notify_all()
ps = [threading.Thread(target=player, args=(m,)) for m in (0, 1)]
[p.start() for p in ps]; [p.join() for p in ps]
print("pingpong", "".join(map(str, state["log"]))[:12], len(state["log"]))
# signal handlers: alarm and setitimer interrupting a sleep
got = []
signal.signal(signal.SIGALRM, lambda s, f: got.append(s))
signal.alarm(1); time.sleep(3); print("alarm", got)
signal.setitimer(signal.ITIMER_REAL, 0.05, 0.05)
while len(got) < 5: signal.pause()
signal.setitimer(signal.ITIMER_REAL, 0); print("itimer", len(got) >= 5)
signal.signal(signal.SIGUSR1, lambda s, f: got.append("usr1")); os.kill(os.getpid(), signal.SIGUSR1); print("usr1", got[-1])
# subprocess with pipes
p = subprocess.run(["/bin/sh", "-c", "tr a-z A-Z; echo done >&2; exit 3"], input=b"hello pipes\n", capture_output=True)
print("subprocess", p.stdout, p.stderr, p.returncode)
with subprocess.Popen(["/bin/cat"], stdin=subprocess.PIPE, stdout=subprocess.PIPE) as c:
    out, _ = c.communicate(b"x" * 100000)
print("popen", len(out))
# concurrent.futures: threads and processes
with concurrent.futures.ThreadPoolExecutor(8) as ex:
    print("pool", sum(ex.map(lambda n: n * n, range(1000))))
with concurrent.futures.ProcessPoolExecutor(2) as ex:
    print("procs", list(ex.map(abs, [-1, -2, 3])))

"#,
        ],
        None,
    );
}

#[test]
fn lua_program() {
    same_i386(
        &["/usr/bin/lua5.4", "-e", "local t = {} for i = 1, 1000 do t[i] = i * i % 97 end table.sort(t) print(t[1], t[500], t[1000], #t, string.format('%x', 48879), math.maxinteger)"],
        None,
    );
}

#[test]
fn host_x86_64_programs() {
    same_x86_64(
        &[
            "/bin/bash",
            "-c",
            "for i in 1 2 3; do echo $i; done | wc -l; echo $((6*7)) $(basename /a/b/c)",
        ],
        None,
    );
    same_x86_64(&["/usr/bin/sort", "-r"], Some(b"b\na\nc\n"));
    same_x86_64(&["/usr/bin/md5sum"], Some(b"x86run\n"));
    same_x86_64(&["/usr/bin/sha256sum"], Some(b"x86run\n"));
    same_x86_64(&["/bin/sed", "-e", "s/a/b/g"], Some(b"banana\n"));
    same_x86_64(&["/usr/bin/awk", "-F:", "{print $1}"], Some(b"a:b\nc:d\n"));
    same_x86_64(&["/bin/grep", "-E", "^[0-9]+$"], Some(b"12\nx\n34\n"));
    same_x86_64(&["/usr/bin/seq", "-s", ",", "1", "20"], None);
    same_x86_64(&["/bin/true"], None);
}
