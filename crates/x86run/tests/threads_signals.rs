//! Threads and signals beyond the program corpus: the signal stress program
//! at a larger scale (both ABIs, several runs each: any lost signal, hang
//! or emulator crash fails), and Python from the Debian i386 root
//! filesystem (threads, signal handlers, pause woken by another thread,
//! sigwait, real-time signals, exceptions raised by handlers, thread and
//! process pools, death by a signal) natively (chroot) and under x86run.
//!
//! The thread and signal programs also run built against musl (static
//! x86-64, musl-gcc from musl-tools), whose clone flags, TLS set-up,
//! cancellation and signal frames' restorers differ from glibc's.
//!
//! The Python tests need the root filesystem (see rootfs.rs) and root for
//! chroot; they fail, not skip, without them. The musl test needs musl-gcc.

mod guest_runner;

use guest_runner::{compare, fresh_dir, rootfs, run, run_x86run, show, tmp_root, End, Invocation};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn programs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/programs")
}

/// Builds tests/programs/<name>.c with extra gcc flags.
fn build(name: &str, flags: &[&str], tag: &str) -> PathBuf {
    let dir = tmp_root().join("threads_signals");
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join(format!("{name}-{tag}"));
    let tmp = dir.join(format!(".{name}-{tag}.{}", std::process::id()));
    let res = Command::new(std::env::var("CC").unwrap_or_else(|_| "gcc".into()))
        .args(flags)
        .args(["-O2", "-g", "-Wall", "-I"])
        .arg(programs_dir())
        .arg("-o")
        .arg(&tmp)
        .arg(programs_dir().join(format!("{name}.c")))
        .args(["-lpthread", "-lrt"])
        .output()
        .expect("cannot run gcc");
    assert!(
        res.status.success(),
        "building {name} ({flags:?}) failed:\n{}",
        String::from_utf8_lossy(&res.stderr)
    );
    std::fs::rename(&tmp, &out).unwrap();
    out
}

/// signal_stress at ten times the corpus scale, three runs per build.
fn stress(flags: &[&str], tag: &str) {
    let bin = build("signal_stress", flags, tag);
    let cwd = fresh_dir(
        &tmp_root()
            .join("threads_signals")
            .join(format!("stress-{tag}")),
    );
    let inv = Invocation {
        args: vec!["10".into()],
        stdin: None,
        cwd: &cwd,
        env: guest_runner::base_env(),
    };
    let native = run(&bin, &inv);
    assert_eq!(
        native.end,
        End::Code(47),
        "native stress run failed:\n{}",
        show(&native.stdout, 2000)
    );
    assert!(
        String::from_utf8_lossy(&native.stdout).contains("lost=0"),
        "native run lost signals:\n{}",
        show(&native.stdout, 2000)
    );
    for round in 1..=3 {
        let emulated = run_x86run(&bin, &inv);
        if let Err(report) = compare(
            &format!("signal_stress 10 [{tag}] run {round}"),
            &native,
            &emulated,
        ) {
            panic!("{report}");
        }
    }
}

/// The corpus's thread and signal programs built with musl, natively vs
/// x86run.
#[test]
fn musl_programs() {
    let dir = tmp_root().join("threads_signals").join("musl");
    std::fs::create_dir_all(&dir).unwrap();
    let mut failures = Vec::new();
    for (name, code) in [
        ("threads", 28),
        ("threads_sync", 45),
        ("threads_signal", 46),
        ("threads_exit", 48),
        ("signal", 143),
        ("signal_context", 40),
        ("signal_segv", 41),
        ("signal_restart", 42),
        ("signal_rt", 43),
        ("signal_chld", 44),
    ] {
        let out = dir.join(name);
        let res = Command::new("musl-gcc")
            .args(["-static", "-O2", "-I"])
            .arg(programs_dir())
            .arg("-o")
            .arg(&out)
            .arg(programs_dir().join(format!("{name}.c")))
            .arg("-lpthread")
            .output()
            .expect("cannot run musl-gcc: install musl-tools (apt-get install musl-tools), as .ci/run does");
        assert!(
            res.status.success(),
            "musl-gcc {name}.c failed:\n{}",
            String::from_utf8_lossy(&res.stderr)
        );
        let cwd = fresh_dir(&dir.join(format!("{name}.work")));
        let inv = Invocation {
            args: vec![],
            stdin: None,
            cwd: &cwd,
            env: guest_runner::base_env(),
        };
        let native = run(&out, &inv);
        let expect = if code > 128 {
            End::Signal(code - 128)
        } else {
            End::Code(code)
        };
        assert_eq!(
            native.end, expect,
            "native musl {name} ended with {}",
            native.end
        );
        if let Err(report) = compare(&format!("{name} [musl]"), &native, &run_x86run(&out, &inv)) {
            failures.push(report);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn stress_m32() {
    stress(&["-m32", "-static"], "m32");
}

#[test]
fn stress_m64() {
    stress(&["-m64", "-static-pie"], "m64");
}

/// Runs a Python script natively (chroot) and under x86run -L; stdout and
/// the way the process ended must match.
fn same_python(script: &str) -> String {
    let root = rootfs();
    let go = |mut c: Command| {
        c.env_clear()
            .env("LC_ALL", "C")
            .env("PATH", "/usr/bin:/bin:/usr/sbin:/sbin")
            .env("HOME", "/root");
        c.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c.output().expect("spawn")
    };
    let mut native = Command::new("chroot");
    native.arg(&root).args(["/usr/bin/python3", "-c", script]);
    let mut emu = Command::new(env!("CARGO_BIN_EXE_x86run"));
    emu.arg("-L")
        .arg(&root)
        .args(["/usr/bin/python3", "-c", script])
        .current_dir(&root);
    let (n, x) = (go(native), go(emu));
    let (ns, xs) = (
        String::from_utf8_lossy(&n.stdout),
        String::from_utf8_lossy(&x.stdout),
    );
    let end = |o: &std::process::Output| (o.status.code(), o.status.signal());
    assert!(
        ns == xs && end(&n) == end(&x),
        "native {:?} vs x86run {:?}\n--- native\n{ns}\n--- x86run\n{xs}\n--- x86run stderr\n{}\n--- native stderr\n{}",
        end(&n),
        end(&x),
        String::from_utf8_lossy(&x.stderr),
        String::from_utf8_lossy(&n.stderr)
    );
    assert!(!ns.is_empty(), "no output to compare");
    ns.into_owned()
}

#[test]
fn python_signals() {
    same_python(
        r#"
import signal, os, time, sys, threading
hits = []
def h(sig, frame): hits.append(sig)
signal.signal(signal.SIGALRM, h)
signal.alarm(1)
time.sleep(2)
print("alarm", hits)
r, w = os.pipe()
def writer(sig, frame):
    hits.append(sig); os.write(w, b"x")
signal.signal(signal.SIGALRM, writer)
signal.setitimer(signal.ITIMER_REAL, 0.1)
print("read after handler", os.read(r, 1))
class Boom(Exception): pass
def raiser(sig, frame): raise Boom()
signal.signal(signal.SIGUSR1, raiser)
try:
    os.kill(os.getpid(), signal.SIGUSR1)
    time.sleep(1)
    print("no exception")
except Boom:
    print("exception from handler")
signal.signal(signal.SIGUSR2, signal.SIG_IGN)
os.kill(os.getpid(), signal.SIGUSR2)
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
os.kill(os.getpid(), signal.SIGUSR1)
print("pending", signal.SIGUSR1 in signal.sigpending())
print("sigwait", signal.sigwait({signal.SIGUSR1}) == signal.SIGUSR1)
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGUSR1})
got = []
for k in (1, 5, 9):
    signal.signal(signal.SIGRTMIN + k, lambda s, f: got.append(s - signal.SIGRTMIN))
    os.kill(os.getpid(), signal.SIGRTMIN + k)
print("rt", got, signal.SIGRTMAX - signal.SIGRTMIN)
signal.signal(signal.SIGUSR1, h)
def later():
    time.sleep(0.3)
    os.kill(os.getpid(), signal.SIGUSR1)
for _ in range(3):
    th = threading.Thread(target=later); th.start()
    signal.pause()
    th.join()
print("pause woken by threads", hits.count(signal.SIGUSR1))
si = signal.sigtimedwait({signal.SIGUSR2}, 0.05)
print("sigtimedwait timeout", si)
sys.stdout.flush()
signal.signal(signal.SIGTERM, signal.SIG_DFL)
os.kill(os.getpid(), signal.SIGTERM)
print("not reached")
"#,
    );
}

#[test]
fn python_threads_and_pools() {
    same_python(
        r#"
import threading, concurrent.futures, queue, time, os, signal
N = 64
done = []
lock = threading.Lock()
barrier = threading.Barrier(N)
def work(i):
    barrier.wait()
    s = sum(k * i for k in range(300))
    with lock:
        done.append(s)
ts = [threading.Thread(target=work, args=(i,)) for i in range(N)]
for t in ts: t.start()
for t in ts: t.join()
print("threads", len(done), sum(done))
local = threading.local()
def tl(i):
    local.x = i
    time.sleep(0.01)
    return local.x
with concurrent.futures.ThreadPoolExecutor(16) as ex:
    print("tls", list(ex.map(tl, range(32))) == list(range(32)))
# signals arrive while many threads run
ticks = []
signal.signal(signal.SIGALRM, lambda s, f: ticks.append(1))
signal.setitimer(signal.ITIMER_REAL, 0.02, 0.02)
stop = threading.Event()
started = []
def spin():
    started.append(1)
    n = 0
    while not stop.is_set():
        n += 1
    return n
with concurrent.futures.ThreadPoolExecutor(4) as ex:
    fs = [ex.submit(spin) for _ in range(4)]
    # Ten ticks while all four spin (a loaded machine may start them late).
    while len(started) < 4:
        time.sleep(0.01)
    t0 = len(ticks)
    while len(ticks) < t0 + 10:
        time.sleep(0.01)
    stop.set()
    print("spinners", all(f.result() > 0 for f in fs))
signal.setitimer(signal.ITIMER_REAL, 0)
print("ticks", len(ticks) >= 10)
with concurrent.futures.ProcessPoolExecutor(3) as ex:
    print("procs", sum(ex.map(pow, range(20), [2] * 20)))
q = queue.Queue()
def producer(k):
    for i in range(200): q.put(k * 1000 + i)
ps = [threading.Thread(target=producer, args=(k,)) for k in range(8)]
for p in ps: p.start()
for p in ps: p.join()
items = sorted(q.get() for _ in range(1600))
print("queue", len(items), items[0], items[-1])
"#,
    );
}
