//! The i386 syscall table of the translation back end: for every i386
//! syscall, the native host syscall with the same layout (arguments
//! zero-extended, or sign-extended where the i386 type is a signed
//! `long`), the handler that translates it, or why it is refused. Calls
//! x86run emulates for both back ends (address space, signals, clone,
//! execve, TLS) never reach this table, except where those handlers
//! forward to the kernel (readlink, prctl). `--strace` names come from the
//! same rows.

use super::{aio, fs, ids, ioctl, ipc, misc, place, poll, signal, socket, time, uring, Handler};
use crate::syscall::names;
use libc::*;
use std::sync::OnceLock;

/// What the translation back end does with one i386 syscall.
#[derive(Clone, Copy)]
pub enum How {
    /// Same layout: this host syscall, all arguments zero-extended.
    Same(i64),
    /// Same layout, but the arguments in the bit mask are signed `long`s
    /// (sign-extended).
    Signed(i64, u8),
    /// Translated by a handler.
    Translate(Handler),
    /// Not supported: ENOSYS and one warning giving the reason.
    Refuse(&'static str),
    /// Does not exist in a current kernel either: ENOSYS, no warning.
    Absent,
}

/// One row of the table.
#[derive(Clone, Copy)]
pub struct Row {
    pub name: &'static str,
    pub how: How,
}

/// The row of i386 syscall `nr`.
pub fn row(nr: u64) -> Option<Row> {
    static TABLE: OnceLock<Vec<Row>> = OnceLock::new();
    TABLE
        .get_or_init(|| {
            names::I386
                .iter()
                .map(|&name| Row {
                    name,
                    how: if name.is_empty() {
                        How::Absent
                    } else {
                        how(name)
                    },
                })
                .collect()
        })
        .get(nr as usize)
        .copied()
}

/// Rows for syscalls x86run handles itself before the back end is asked.
const ELSEWHERE: &str = "handled by x86run for both back ends";

fn how(name: &str) -> How {
    use How::*;
    let t = |f: Handler| Translate(f);
    match name {
        // Same layout: descriptors, integers, byte buffers and structs
        // made only of fixed-size fields.
        "restart_syscall" => Same(SYS_restart_syscall),
        "read" => t(fs::read),
        "write" => t(fs::write),
        "close" => t(fs::close),
        "chdir" => Same(SYS_chdir),
        "getpid" => Same(SYS_getpid),
        "getpgrp" => t(fs::getpgrp),
        "mount" => Same(SYS_mount),
        "sync" => Same(SYS_sync),
        "kill" => Same(SYS_kill),
        "dup" => t(fs::dup),
        "acct" => Same(SYS_acct),
        "umount2" => Same(SYS_umount2),
        "setpgid" => Same(SYS_setpgid),
        "umask" => Same(SYS_umask),
        "chroot" => Same(SYS_chroot),
        "getppid" => Same(SYS_getppid),
        "setsid" => Same(SYS_setsid),
        "sethostname" => Same(SYS_sethostname),
        "swapon" => Same(SYS_swapon),
        "reboot" => Same(SYS_reboot),
        "fchmod" => Same(SYS_fchmod),
        "getpriority" => Same(SYS_getpriority),
        "setpriority" => Same(SYS_setpriority),
        "syslog" => Same(SYS_syslog),
        "vhangup" => Same(SYS_vhangup),
        "swapoff" => Same(SYS_swapoff),
        "fsync" => Same(SYS_fsync),
        "setdomainname" => Same(SYS_setdomainname),
        "uname" => Same(SYS_uname),
        "init_module" => Same(SYS_init_module),
        "delete_module" => Same(SYS_delete_module),
        "getpgid" => Same(SYS_getpgid),
        "fchdir" => Same(SYS_fchdir),
        #[cfg(target_arch = "x86_64")]
        "sysfs" => Same(SYS_sysfs),
        #[cfg(not(target_arch = "x86_64"))]
        "sysfs" => Refuse("the host has no sysfs syscall"),
        "personality" => Same(SYS_personality),
        "flock" => Same(SYS_flock),
        "msync" => Same(SYS_msync),
        "getsid" => Same(SYS_getsid),
        "fdatasync" => Same(SYS_fdatasync),
        "mlock" => Same(SYS_mlock),
        "munlock" => Same(SYS_munlock),
        "mlockall" => Same(SYS_mlockall),
        "munlockall" => Same(SYS_munlockall),
        "sched_setparam" => Same(SYS_sched_setparam),
        "sched_getparam" => Same(SYS_sched_getparam),
        "sched_setscheduler" => Same(SYS_sched_setscheduler),
        "sched_getscheduler" => Same(SYS_sched_getscheduler),
        "sched_yield" => Same(SYS_sched_yield),
        "sched_get_priority_max" => Same(SYS_sched_get_priority_max),
        "sched_get_priority_min" => Same(SYS_sched_get_priority_min),
        "rt_sigpending" => Same(SYS_rt_sigpending),
        "capget" => Same(SYS_capget),
        "capset" => Same(SYS_capset),
        "getuid32" => Same(SYS_getuid),
        "getgid32" => Same(SYS_getgid),
        "geteuid32" => Same(SYS_geteuid),
        "getegid32" => Same(SYS_getegid),
        "setreuid32" => Same(SYS_setreuid),
        "setregid32" => Same(SYS_setregid),
        "getgroups32" => Same(SYS_getgroups),
        "setgroups32" => Same(SYS_setgroups),
        "fchown32" => Same(SYS_fchown),
        "setresuid32" => Same(SYS_setresuid),
        "getresuid32" => Same(SYS_getresuid),
        "setresgid32" => Same(SYS_setresgid),
        "getresgid32" => Same(SYS_getresgid),
        "setuid32" => Same(SYS_setuid),
        "setgid32" => Same(SYS_setgid),
        "setfsuid32" => Same(SYS_setfsuid),
        "setfsgid32" => Same(SYS_setfsgid),
        "pivot_root" => Same(SYS_pivot_root),
        "mincore" => Same(SYS_mincore),
        "madvise" => Same(SYS_madvise),
        "getdents64" => t(fs::getdents64),
        "gettid" => Same(SYS_gettid),
        "setxattr" => Same(SYS_setxattr),
        "lsetxattr" => Same(SYS_lsetxattr),
        "fsetxattr" => Same(SYS_fsetxattr),
        "getxattr" => Same(SYS_getxattr),
        "lgetxattr" => Same(SYS_lgetxattr),
        "fgetxattr" => Same(SYS_fgetxattr),
        "listxattr" => Same(SYS_listxattr),
        "llistxattr" => Same(SYS_llistxattr),
        "flistxattr" => Same(SYS_flistxattr),
        "removexattr" => Same(SYS_removexattr),
        "lremovexattr" => Same(SYS_lremovexattr),
        "fremovexattr" => Same(SYS_fremovexattr),
        "tkill" => Same(SYS_tkill),
        "sendfile64" => Same(SYS_sendfile),
        "io_destroy" => t(place::io_destroy),
        "io_cancel" => t(aio::io_cancel),
        "timer_getoverrun" => Same(SYS_timer_getoverrun),
        "timer_delete" => Same(SYS_timer_delete),
        "tgkill" => Same(SYS_tgkill),
        "mq_unlink" => Same(SYS_mq_unlink),
        "add_key" => Same(SYS_add_key),
        "request_key" => Same(SYS_request_key),
        "ioprio_set" => Same(SYS_ioprio_set),
        "ioprio_get" => Same(SYS_ioprio_get),
        "inotify_add_watch" => Same(SYS_inotify_add_watch),
        "inotify_rm_watch" => Same(SYS_inotify_rm_watch),
        "mkdirat" => Same(SYS_mkdirat),
        "mknodat" => Same(SYS_mknodat),
        "fchownat" => Same(SYS_fchownat),
        "unlinkat" => Same(SYS_unlinkat),
        "linkat" => Same(SYS_linkat),
        "symlinkat" => Same(SYS_symlinkat),
        "readlinkat" => Same(SYS_readlinkat),
        "fchmodat" => Same(SYS_fchmodat),
        "faccessat" => Same(SYS_faccessat),
        "unshare" => Same(SYS_unshare),
        "splice" => Same(SYS_splice),
        "tee" => Same(SYS_tee),
        "getcpu" => Same(SYS_getcpu),
        "timerfd_create" => Same(SYS_timerfd_create),
        "signalfd4" => Same(SYS_signalfd4),
        "eventfd2" => Same(SYS_eventfd2),
        "epoll_create1" => Same(SYS_epoll_create1),
        "dup3" => t(fs::dup3),
        "pipe2" => Same(SYS_pipe2),
        "inotify_init1" => Same(SYS_inotify_init1),
        "perf_event_open" => Same(SYS_perf_event_open),
        "fanotify_init" => Same(SYS_fanotify_init),
        "prlimit64" => Same(SYS_prlimit64),
        "name_to_handle_at" => Same(SYS_name_to_handle_at),
        "syncfs" => Same(SYS_syncfs),
        "setns" => Same(SYS_setns),
        "kcmp" => Same(SYS_kcmp),
        "finit_module" => Same(SYS_finit_module),
        "sched_setattr" => Same(SYS_sched_setattr),
        "sched_getattr" => Same(SYS_sched_getattr),
        "renameat2" => Same(SYS_renameat2),
        "getrandom" => Same(SYS_getrandom),
        "memfd_create" => Same(SYS_memfd_create),
        "bpf" => Same(SYS_bpf),
        "socket" => Same(SYS_socket),
        "socketpair" => Same(SYS_socketpair),
        "bind" => Same(SYS_bind),
        "connect" => Same(SYS_connect),
        "listen" => Same(SYS_listen),
        "accept4" => Same(SYS_accept4),
        "getsockname" => Same(SYS_getsockname),
        "getpeername" => Same(SYS_getpeername),
        "sendto" => Same(SYS_sendto),
        "recvfrom" => Same(SYS_recvfrom),
        "shutdown" => Same(SYS_shutdown),
        "userfaultfd" => Same(SYS_userfaultfd),
        "membarrier" => Same(SYS_membarrier),
        "mlock2" => Same(SYS_mlock2),
        "copy_file_range" => Same(SYS_copy_file_range),
        "pkey_alloc" => Same(SYS_pkey_alloc),
        "pkey_free" => Same(SYS_pkey_free),
        "statx" => Same(SYS_statx),
        "semget" => Same(SYS_semget),
        "shmget" => Same(SYS_shmget),
        "msgget" => Same(SYS_msgget),
        // The 64-bit-time calls of i386 take the native structs.
        "clock_gettime64" => Same(SYS_clock_gettime),
        "clock_settime64" => Same(SYS_clock_settime),
        "clock_adjtime64" => Same(SYS_clock_adjtime),
        "clock_getres_time64" => Same(SYS_clock_getres),
        "clock_nanosleep_time64" => Same(SYS_clock_nanosleep),
        "timer_gettime64" => Same(SYS_timer_gettime),
        "timer_settime64" => Same(SYS_timer_settime),
        "timerfd_gettime64" => Same(SYS_timerfd_gettime),
        "timerfd_settime64" => Same(SYS_timerfd_settime),
        "utimensat_time64" => Same(SYS_utimensat),
        "ppoll_time64" => Same(SYS_ppoll),
        "mq_timedsend_time64" => Same(SYS_mq_timedsend),
        "mq_timedreceive_time64" => Same(SYS_mq_timedreceive),
        "semtimedop_time64" => Same(SYS_semtimedop),
        "futex_time64" => Same(SYS_futex),
        "sched_rr_get_interval_time64" => Same(SYS_sched_rr_get_interval),
        // Since 5.1 (number 424) new syscalls have one number on every
        // architecture, and these take fixed-size structs.
        "pidfd_open"
        | "pidfd_getfd"
        | "open_tree"
        | "move_mount"
        | "fsopen"
        | "fsconfig"
        | "fsmount"
        | "fspick"
        | "close_range"
        | "faccessat2"
        | "mount_setattr"
        | "quotactl_fd"
        | "landlock_create_ruleset"
        | "landlock_add_rule"
        | "landlock_restrict_self"
        | "memfd_secret"
        | "process_mrelease"
        | "futex_waitv"
        | "set_mempolicy_home_node"
        | "cachestat"
        | "fchmodat2"
        | "futex_wake"
        | "futex_wait"
        | "futex_requeue"
        | "statmount"
        | "listmount"
        | "lsm_get_self_attr"
        | "lsm_set_self_attr"
        | "lsm_list_modules"
        | "mseal"
        | "setxattrat"
        | "getxattrat"
        | "listxattrat"
        | "removexattrat"
        | "open_tree_attr" => {
            let nr = names::I386.iter().position(|&n| n == name).unwrap_or(0) as i64;
            Same(nr)
        }

        // Signed `long` (compat_off_t, compat_long_t) arguments.
        "lseek" => t(fs::lseek),
        "truncate" => Signed(SYS_truncate, 0b010),
        "ftruncate" => t(fs::ftruncate),

        // Files and paths (fs.rs).
        "open" => t(fs::open),
        "openat" => t(fs::openat),
        "creat" => t(fs::creat),
        "openat2" => t(fs::openat2),
        "open_by_handle_at" => t(fs::open_by_handle_at),
        "link" => t(fs::link),
        "unlink" => t(fs::unlink),
        "mknod" => t(fs::mknod),
        "chmod" => t(fs::chmod),
        "access" => t(fs::access),
        "rename" => t(fs::rename),
        "renameat" => t(fs::renameat),
        "mkdir" => t(fs::mkdir),
        "rmdir" => t(fs::rmdir),
        "symlink" => t(fs::symlink),
        "readlink" => t(fs::readlink),
        "pipe" => t(fs::pipe),
        "dup2" => t(fs::dup2),
        "umount" => t(fs::umount),
        "fcntl" => t(fs::fcntl),
        "fcntl64" => t(fs::fcntl64),
        "_llseek" => t(fs::llseek),
        "pread64" => t(fs::pread64),
        "pwrite64" => t(fs::pwrite64),
        "readahead" => t(fs::readahead),
        "truncate64" => t(fs::truncate64),
        "ftruncate64" => t(fs::ftruncate64),
        "fadvise64" => t(fs::fadvise64),
        "fadvise64_64" => t(fs::fadvise64_64),
        "fallocate" => t(fs::fallocate),
        "sync_file_range" => t(fs::sync_file_range),
        "readv" => t(fs::readv),
        "writev" => t(fs::writev),
        "preadv" => t(fs::preadv),
        "pwritev" => t(fs::pwritev),
        "preadv2" => t(fs::preadv2),
        "pwritev2" => t(fs::pwritev2),
        "vmsplice" => t(fs::vmsplice),
        "process_vm_readv" => t(fs::process_vm_readv),
        "process_vm_writev" => t(fs::process_vm_writev),
        "process_madvise" => t(fs::process_madvise),
        "sendfile" => t(fs::sendfile),
        "stat" => t(fs::stat),
        "lstat" => t(fs::lstat),
        "fstat" => t(fs::fstat),
        "oldstat" => t(fs::oldstat),
        "oldlstat" => t(fs::oldlstat),
        "oldfstat" => t(fs::oldfstat),
        "stat64" => t(fs::stat64),
        "lstat64" => t(fs::lstat64),
        "fstat64" => t(fs::fstat64),
        "fstatat64" => t(fs::fstatat64),
        "statfs" => t(fs::statfs),
        "fstatfs" => t(fs::fstatfs),
        "statfs64" => t(fs::statfs64),
        "fstatfs64" => t(fs::fstatfs64),
        "ustat" => t(fs::ustat),
        "getdents" => t(fs::getdents),
        "readdir" => t(fs::readdir),
        "utime" => t(fs::utime),
        "utimes" => t(fs::utimes),
        "futimesat" => t(fs::futimesat),
        "utimensat" => t(fs::utimensat),
        "fanotify_mark" => t(fs::fanotify_mark),
        "inotify_init" => t(fs::inotify_init),
        "quotactl" => t(fs::quotactl),
        "ioctl" => t(ioctl::ioctl),

        // 16-bit user and group ids (ids.rs).
        "lchown" => t(ids::lchown16),
        "chown" => t(ids::chown16),
        "fchown" => t(ids::fchown16),
        "lchown32" => t(ids::lchown32),
        "chown32" => t(ids::chown32),
        "setuid" => t(ids::setuid16),
        "getuid" => t(ids::getuid16),
        "setgid" => t(ids::setgid16),
        "getgid" => t(ids::getgid16),
        "geteuid" => t(ids::geteuid16),
        "getegid" => t(ids::getegid16),
        "setreuid" => t(ids::setreuid16),
        "setregid" => t(ids::setregid16),
        "setresuid" => t(ids::setresuid16),
        "setresgid" => t(ids::setresgid16),
        "getresuid" => t(ids::getresuid16),
        "getresgid" => t(ids::getresgid16),
        "setfsuid" => t(ids::setfsuid16),
        "setfsgid" => t(ids::setfsgid16),
        "getgroups" => t(ids::getgroups16),
        "setgroups" => t(ids::setgroups16),

        // Clocks, timers, sleeps, resource usage (time.rs).
        "time" => t(time::time),
        "stime" => t(time::stime),
        "gettimeofday" => t(time::gettimeofday),
        "settimeofday" => t(time::settimeofday),
        "clock_gettime" => t(time::clock_gettime),
        "clock_settime" => t(time::clock_settime),
        "clock_getres" => t(time::clock_getres),
        "clock_nanosleep" => t(time::clock_nanosleep),
        "nanosleep" => t(time::nanosleep),
        "sched_rr_get_interval" => t(time::sched_rr_get_interval),
        "alarm" => t(time::alarm),
        "pause" => t(time::pause),
        "getitimer" => t(time::getitimer),
        "setitimer" => t(time::setitimer),
        "timer_create" => t(time::timer_create),
        "timer_settime" => t(time::timer_settime),
        "timer_gettime" => t(time::timer_gettime),
        "timerfd_settime" => t(time::timerfd_settime),
        "timerfd_gettime" => t(time::timerfd_gettime),
        "adjtimex" => t(time::adjtimex),
        "clock_adjtime" => t(time::clock_adjtime),
        "times" => t(time::times),
        "getrusage" => t(time::getrusage),
        "wait4" => t(time::wait4),
        "waitpid" => t(time::waitpid),
        "waitid" => t(time::waitid),
        "sysinfo" => t(time::sysinfo),
        "getrlimit" => t(time::old_getrlimit),
        "ugetrlimit" => t(time::getrlimit),
        "setrlimit" => t(time::setrlimit),
        "nice" => t(time::nice),

        // Waiting for descriptors (poll.rs).
        "select" => t(poll::old_select),
        "_newselect" => t(poll::select),
        "pselect6" => t(poll::pselect6),
        "pselect6_time64" => t(poll::pselect6_time64),
        "poll" => t(poll::poll),
        "ppoll" => t(poll::ppoll),
        "epoll_create" => t(poll::epoll_create),
        "epoll_ctl" => t(poll::epoll_ctl),
        "epoll_wait" => t(poll::epoll_wait),
        "epoll_pwait" => t(poll::epoll_pwait),
        "epoll_pwait2" => t(poll::epoll_pwait2),
        "eventfd" => t(poll::eventfd),
        "signalfd" => t(poll::signalfd),

        // Sockets (socket.rs).
        "socketcall" => t(socket::socketcall),
        "getsockopt" => t(socket::getsockopt),
        "setsockopt" => t(socket::setsockopt),
        "sendmsg" => t(socket::sendmsg),
        "recvmsg" => t(socket::recvmsg),
        "sendmmsg" => t(socket::sendmmsg),
        "recvmmsg" => t(socket::recvmmsg),
        "recvmmsg_time64" => t(socket::recvmmsg_time64),

        // SysV IPC and POSIX message queues (ipc.rs, place.rs).
        "ipc" => t(ipc::ipc),
        "semctl" => t(ipc::semctl),
        "semtimedop" => t(ipc::semtimedop),
        "shmctl" => t(ipc::shmctl),
        "shmat" => t(place::shmat_translate),
        "shmdt" => t(place::shmdt_translate),
        "msgsnd" => t(ipc::msgsnd),
        "msgrcv" => t(ipc::msgrcv),
        "msgctl" => t(ipc::msgctl),
        "mq_open" => t(ipc::mq_open),
        "mq_timedsend" => t(ipc::mq_timedsend),
        "mq_timedreceive" => t(ipc::mq_timedreceive),
        "mq_notify" => t(ipc::mq_notify),
        "mq_getsetattr" => t(ipc::mq_getsetattr),

        // Signals passed to the kernel (signal.rs).
        "sgetmask" => t(signal::sgetmask),
        "ssetmask" => t(signal::ssetmask),
        "sigpending" => t(signal::sigpending),
        "rt_sigtimedwait" => t(signal::rt_sigtimedwait),
        "rt_sigtimedwait_time64" => t(signal::rt_sigtimedwait_time64),
        "rt_sigqueueinfo" => t(signal::rt_sigqueueinfo),
        "rt_tgsigqueueinfo" => t(signal::rt_tgsigqueueinfo),
        "pidfd_send_signal" => t(signal::pidfd_send_signal),

        // The rest (misc.rs).
        "olduname" => t(misc::olduname),
        "oldolduname" => t(misc::oldolduname),
        "prctl" => t(misc::prctl),
        "futex" => t(misc::futex),
        "sched_setaffinity" => t(misc::sched_setaffinity),
        "sched_getaffinity" => t(misc::sched_getaffinity),
        "mbind" => t(misc::mbind),
        "get_mempolicy" => t(misc::get_mempolicy),
        "set_mempolicy" => t(misc::set_mempolicy),
        "migrate_pages" => t(misc::migrate_pages),
        "move_pages" => t(misc::move_pages),
        "keyctl" => t(misc::keyctl),
        "io_setup" => t(place::io_setup_translate),
        "io_submit" => t(aio::io_submit),
        "io_getevents" => t(aio::io_getevents),
        "io_pgetevents" => t(aio::io_pgetevents),
        "io_pgetevents_time64" => t(aio::io_pgetevents_time64),
        "io_uring_setup" => t(uring::setup_translate),
        "io_uring_enter" => t(uring::enter),
        "io_uring_register" => t(uring::register),

        // Refused.
        "kexec_load" => Refuse("kexec segments are not translated"),
        "ptrace" => Refuse("ptrace of emulated processes is not supported"),
        "lookup_dcookie" => Absent,

        // Gone from the kernel, never in it, or reserved numbers.
        "break" | "stty" | "gtty" | "ftime" | "prof" | "lock" | "mpx" | "ulimit" | "profil"
        | "idle" | "create_module" | "get_kernel_syms" | "query_module" | "bdflush"
        | "afs_syscall" | "getpmsg" | "putpmsg" | "vserver" | "nfsservctl" | "_sysctl" => Absent,

        // Emulated by x86run before the back end is consulted.
        "fork" | "vfork" | "clone" | "clone3" | "execve" | "execveat" | "brk" | "mmap"
        | "mmap2" | "munmap" | "mprotect" | "pkey_mprotect" | "mremap" | "set_thread_area"
        | "get_thread_area" | "rt_sigaction" | "sigaction" | "signal" | "rt_sigprocmask"
        | "sigprocmask" | "sigaltstack" | "sigreturn" | "rt_sigreturn" | "exit_group"
        | "getcwd" | "rseq" | "arch_prctl" | "modify_ldt" | "seccomp" | "vm86" | "vm86old"
        | "iopl" | "ioperm" | "uselib" | "remap_file_pages" | "map_shadow_stack" | "exit"
        | "sigsuspend" | "rt_sigsuspend" | "set_tid_address" | "set_robust_list"
        | "get_robust_list" => Refuse(ELSEWHERE),

        _ => Refuse("no translation yet"),
    }
}

/// Counts of the table's rows: (same layout, translated, refused, absent).
pub fn counts() -> (usize, usize, usize, usize) {
    let mut c = (0, 0, 0, 0);
    for nr in 0..names::I386.len() as u64 {
        match row(nr).map(|r| (r.name, r.how)) {
            Some(("", _)) => {}
            Some((_, How::Same(_) | How::Signed(..))) => c.0 += 1,
            Some((_, How::Translate(_))) => c.1 += 1,
            Some((_, How::Refuse(_))) => c.2 += 1,
            Some((_, How::Absent)) => c.3 += 1,
            None => {}
        }
    }
    c
}
