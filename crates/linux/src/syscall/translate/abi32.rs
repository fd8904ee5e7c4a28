//! The i386 kernel ABI's struct layouts (the kernel's `compat_*` types in
//! arch/x86/include/asm/compat.h, include/linux/compat.h,
//! arch/x86/include/uapi/asm/stat.h and the uapi headers), each with
//! compile-time size and offset checks. `long` and pointers are 4 bytes,
//! and 64-bit fields are only 4-byte aligned (`packed(4)`).

#![allow(dead_code)]

use super::guest::plain;
use std::mem::{offset_of, size_of};

macro_rules! layout {
    ($t:ty, $size:expr $(, $field:ident @ $off:expr)*) => {
        const _: () = assert!(size_of::<$t>() == $size);
        $(const _: () = assert!(offset_of!($t, $field) == $off);)*
    };
}

/// compat_timespec / old_timespec32.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct Timespec32 {
    pub tv_sec: i32,
    pub tv_nsec: i32,
}
layout!(Timespec32, 8, tv_nsec @ 4);

/// compat_timeval / old_timeval32.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct Timeval32 {
    pub tv_sec: i32,
    pub tv_usec: i32,
}
layout!(Timeval32, 8, tv_usec @ 4);

/// compat_itimerval.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct Itimerval32 {
    pub interval: Timeval32,
    pub value: Timeval32,
}
layout!(Itimerval32, 16, value @ 8);

/// compat_itimerspec / old_itimerspec32.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct Itimerspec32 {
    pub interval: Timespec32,
    pub value: Timespec32,
}
layout!(Itimerspec32, 16, value @ 8);

/// compat_utimbuf / old_utimbuf32.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct Utimbuf32 {
    pub actime: i32,
    pub modtime: i32,
}
layout!(Utimbuf32, 8, modtime @ 4);

/// compat_tms.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct Tms32 {
    pub utime: i32,
    pub stime: i32,
    pub cutime: i32,
    pub cstime: i32,
}
layout!(Tms32, 16, cstime @ 12);

/// compat_rlimit.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct Rlimit32 {
    pub cur: u32,
    pub max: u32,
}
layout!(Rlimit32, 8, max @ 4);

/// compat_rusage.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct Rusage32 {
    pub utime: Timeval32,
    pub stime: Timeval32,
    /// ru_maxrss .. ru_nivcsw (compat_long_t each).
    pub counts: [i32; 14],
}
layout!(Rusage32, 72, stime @ 8, counts @ 16);

/// compat_timex.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct Timex32 {
    pub modes: u32,
    pub offset: i32,
    pub freq: i32,
    pub maxerror: i32,
    pub esterror: i32,
    pub status: i32,
    pub constant: i32,
    pub precision: i32,
    pub tolerance: i32,
    pub time: Timeval32,
    pub tick: i32,
    pub ppsfreq: i32,
    pub jitter: i32,
    pub shift: i32,
    pub stabil: i32,
    pub jitcnt: i32,
    pub calcnt: i32,
    pub errcnt: i32,
    pub stbcnt: i32,
    pub tai: i32,
    pub pad: [i32; 11],
}
layout!(Timex32, 128, status @ 20, time @ 36, tick @ 44, shift @ 56, stbcnt @ 76, tai @ 80);

/// compat_sysinfo (kernel/sys.c).
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct Sysinfo32 {
    pub uptime: i32,
    pub loads: [u32; 3],
    pub totalram: u32,
    pub freeram: u32,
    pub sharedram: u32,
    pub bufferram: u32,
    pub totalswap: u32,
    pub freeswap: u32,
    pub procs: u16,
    pub pad: u16,
    pub totalhigh: u32,
    pub freehigh: u32,
    pub mem_unit: u32,
    pub f: [u8; 8],
}
layout!(Sysinfo32, 64, totalram @ 16, procs @ 40, totalhigh @ 44, mem_unit @ 52);

/// compat_stat: the i386 `struct stat` of stat/lstat/fstat.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct Stat32 {
    pub dev: u16,
    pub pad1: u16,
    pub ino: u32,
    pub mode: u16,
    pub nlink: u16,
    pub uid: u16,
    pub gid: u16,
    pub rdev: u16,
    pub pad2: u16,
    pub size: u32,
    pub blksize: u32,
    pub blocks: u32,
    pub atime: u32,
    pub atime_nsec: u32,
    pub mtime: u32,
    pub mtime_nsec: u32,
    pub ctime: u32,
    pub ctime_nsec: u32,
    pub unused4: u32,
    pub unused5: u32,
}
layout!(Stat32, 64, ino @ 4, mode @ 8, rdev @ 16, size @ 20, atime @ 32, ctime_nsec @ 52);

/// The i386 `struct stat64` (arch/x86/include/uapi/asm/stat.h), packed.
#[repr(C, packed(4))]
#[derive(Clone, Copy, Default)]
pub struct Stat64_32 {
    pub dev: u64,
    pub pad0: [u8; 4],
    pub ino32: u32,
    pub mode: u32,
    pub nlink: u32,
    pub uid: u32,
    pub gid: u32,
    pub rdev: u64,
    pub pad3: [u8; 4],
    pub size: i64,
    pub blksize: u32,
    pub blocks: u64,
    pub atime: u32,
    pub atime_nsec: u32,
    pub mtime: u32,
    pub mtime_nsec: u32,
    pub ctime: u32,
    pub ctime_nsec: u32,
    pub ino: u64,
}
layout!(Stat64_32, 96, ino32 @ 12, mode @ 16, uid @ 24, rdev @ 32, size @ 44, blksize @ 52,
    blocks @ 56, atime @ 64, mtime @ 72, ctime @ 80, ino @ 88);

/// compat_statfs.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct Statfs32 {
    pub type_: u32,
    pub bsize: u32,
    pub blocks: u32,
    pub bfree: u32,
    pub bavail: u32,
    pub files: u32,
    pub ffree: u32,
    pub fsid: [i32; 2],
    pub namelen: u32,
    pub frsize: u32,
    pub flags: u32,
    pub spare: [u32; 4],
}
layout!(Statfs32, 64, fsid @ 28, namelen @ 36, flags @ 44);

/// compat_statfs64 (packed, aligned 4).
#[repr(C, packed(4))]
#[derive(Clone, Copy, Default)]
pub struct Statfs64_32 {
    pub type_: u32,
    pub bsize: u32,
    pub blocks: u64,
    pub bfree: u64,
    pub bavail: u64,
    pub files: u64,
    pub ffree: u64,
    pub fsid: [i32; 2],
    pub namelen: u32,
    pub frsize: u32,
    pub flags: u32,
    pub spare: [u32; 4],
}
layout!(Statfs64_32, 84, blocks @ 8, fsid @ 48, namelen @ 56, flags @ 64);

/// compat_flock (fcntl F_GETLK/F_SETLK/F_SETLKW).
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct Flock32 {
    pub type_: i16,
    pub whence: i16,
    pub start: i32,
    pub len: i32,
    pub pid: i32,
}
layout!(Flock32, 16, start @ 4, pid @ 12);

/// compat_flock64 (packed; F_GETLK64 and the OFD locks).
#[repr(C, packed(4))]
#[derive(Clone, Copy, Default)]
pub struct Flock64_32 {
    pub type_: i16,
    pub whence: i16,
    pub start: i64,
    pub len: i64,
    pub pid: i32,
}
layout!(Flock64_32, 24, start @ 4, len @ 12, pid @ 20);

/// i386 `struct epoll_event` (packed).
#[repr(C, packed(4))]
#[derive(Clone, Copy, Default)]
pub struct EpollEvent32 {
    pub events: u32,
    pub data: u64,
}
layout!(EpollEvent32, 12, data @ 4);

/// compat_iovec.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct Iovec32 {
    pub base: u32,
    pub len: u32,
}
layout!(Iovec32, 8, len @ 4);

/// compat_msghdr.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct Msghdr32 {
    pub name: u32,
    pub namelen: i32,
    pub iov: u32,
    pub iovlen: u32,
    pub control: u32,
    pub controllen: u32,
    pub flags: u32,
}
layout!(Msghdr32, 28, iov @ 8, control @ 16, controllen @ 20, flags @ 24);

/// compat_mmsghdr.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct Mmsghdr32 {
    pub hdr: Msghdr32,
    pub len: u32,
}
layout!(Mmsghdr32, 32, len @ 28);

/// compat_cmsghdr (CMSG_ALIGN is 4 bytes on i386).
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct Cmsghdr32 {
    pub len: u32,
    pub level: i32,
    pub type_: i32,
}
layout!(Cmsghdr32, 12, level @ 4, type_ @ 8);

/// struct sock_fprog with a 32-bit filter pointer.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct SockFprog32 {
    pub len: u16,
    pub pad: u16,
    pub filter: u32,
}
layout!(SockFprog32, 8, filter @ 4);

/// compat_linux_dirent header (getdents); the name follows at 10.
#[repr(C, packed(2))]
#[derive(Clone, Copy, Default)]
pub struct Dirent32 {
    pub ino: u32,
    pub off: u32,
    pub reclen: u16,
}
layout!(Dirent32, 10, off @ 4, reclen @ 8);

/// compat_old_linux_dirent (readdir); the name follows at 10.
#[repr(C, packed(2))]
#[derive(Clone, Copy, Default)]
pub struct OldDirent32 {
    pub ino: u32,
    pub offset: u32,
    pub namlen: u16,
}
layout!(OldDirent32, 10, offset @ 4, namlen @ 8);

/// compat_sigevent.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct Sigevent32 {
    pub value: u32,
    pub signo: i32,
    pub notify: i32,
    /// _tid, or _sigev_thread {_function, _attribute}, padded.
    pub un: [u32; 13],
}
layout!(Sigevent32, 64, signo @ 4, notify @ 8, un @ 12);

/// The host's (64-bit) kernel sigevent, as the native syscalls read it.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct HostSigevent {
    pub value: u64,
    pub signo: i32,
    pub notify: i32,
    pub un: [u32; 12],
}
layout!(HostSigevent, 64, signo @ 8, notify @ 12, un @ 16);

/// compat_siginfo: three ints, then the union at offset 12.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Siginfo32 {
    pub signo: i32,
    pub errno: i32,
    pub code: i32,
    pub f: [u32; 29],
}
layout!(Siginfo32, 128, code @ 8, f @ 12);

/// The 64-bit kernel siginfo: three ints, padding, the union at 16.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct HostSiginfo {
    pub signo: i32,
    pub errno: i32,
    pub code: i32,
    pub pad: i32,
    pub f: [u64; 14],
}
layout!(HostSiginfo, 128, code @ 8, f @ 16);

/// compat_mq_attr.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct MqAttr32 {
    pub flags: i32,
    pub maxmsg: i32,
    pub msgsize: i32,
    pub curmsgs: i32,
    pub reserved: [i32; 4],
}
layout!(MqAttr32, 32, curmsgs @ 12);

/// compat_ipc64_perm.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct Ipc64Perm32 {
    pub key: i32,
    pub uid: u32,
    pub gid: u32,
    pub cuid: u32,
    pub cgid: u32,
    pub mode: u16,
    pub pad1: u16,
    pub seq: u16,
    pub pad2: u16,
    pub unused1: u32,
    pub unused2: u32,
}
layout!(Ipc64Perm32, 36, mode @ 20, seq @ 24, unused2 @ 32);

/// compat_semid64_ds.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct Semid64Ds32 {
    pub perm: Ipc64Perm32,
    pub otime: u32,
    pub otime_high: u32,
    pub ctime: u32,
    pub ctime_high: u32,
    pub nsems: u32,
    pub unused3: u32,
    pub unused4: u32,
}
layout!(Semid64Ds32, 64, otime @ 36, ctime @ 44, nsems @ 52);

/// compat_msqid64_ds.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct Msqid64Ds32 {
    pub perm: Ipc64Perm32,
    pub stime: u32,
    pub stime_high: u32,
    pub rtime: u32,
    pub rtime_high: u32,
    pub ctime: u32,
    pub ctime_high: u32,
    pub cbytes: u32,
    pub qnum: u32,
    pub qbytes: u32,
    pub lspid: i32,
    pub lrpid: i32,
    pub unused4: u32,
    pub unused5: u32,
}
layout!(Msqid64Ds32, 88, stime @ 36, cbytes @ 60, qbytes @ 68, lspid @ 72, unused5 @ 84);

/// compat_shmid64_ds.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct Shmid64Ds32 {
    pub perm: Ipc64Perm32,
    pub segsz: u32,
    pub atime: u32,
    pub atime_high: u32,
    pub dtime: u32,
    pub dtime_high: u32,
    pub ctime: u32,
    pub ctime_high: u32,
    pub cpid: i32,
    pub lpid: i32,
    pub nattch: u32,
    pub unused4: u32,
    pub unused5: u32,
}
layout!(Shmid64Ds32, 84, segsz @ 36, atime @ 40, cpid @ 64, nattch @ 72);

/// compat_shminfo64 (shmctl IPC_INFO).
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct Shminfo64_32 {
    pub shmmax: u32,
    pub shmmin: u32,
    pub shmmni: u32,
    pub shmseg: u32,
    pub shmall: u32,
    pub unused: [u32; 4],
}
layout!(Shminfo64_32, 36, shmall @ 16);

/// compat_shm_info (shmctl SHM_INFO).
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct ShmInfo32 {
    pub used_ids: i32,
    pub shm_tot: u32,
    pub shm_rss: u32,
    pub shm_swp: u32,
    pub swap_attempts: u32,
    pub swap_successes: u32,
}
layout!(ShmInfo32, 24, shm_tot @ 4, swap_successes @ 20);

/// The host's struct shm_info.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct HostShmInfo {
    pub used_ids: i32,
    pub shm_tot: u64,
    pub shm_rss: u64,
    pub shm_swp: u64,
    pub swap_attempts: u64,
    pub swap_successes: u64,
}
layout!(HostShmInfo, 48, shm_tot @ 8);

/// sel_arg_struct of the old select (i386 syscall 82).
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct SelArg32 {
    pub n: u32,
    pub inp: u32,
    pub outp: u32,
    pub exp: u32,
    pub tvp: u32,
}
layout!(SelArg32, 20, tvp @ 16);

/// The {sigmask pointer, size} pair of pselect6 and io_pgetevents.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct SigsetArg32 {
    pub ss: u32,
    pub size: u32,
}
layout!(SigsetArg32, 8, size @ 4);

/// compat_ustat.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct Ustat32 {
    pub tfree: i32,
    pub tinode: u32,
    pub fname: [u8; 6],
    pub fpack: [u8; 6],
}
layout!(Ustat32, 20, tinode @ 4, fname @ 8, fpack @ 14);

/// i386 if_dqblk (quotactl Q_GETQUOTA/Q_SETQUOTA): no tail padding.
#[repr(C, packed(4))]
#[derive(Clone, Copy, Default)]
pub struct Dqblk32 {
    pub limits: [u64; 8],
    pub valid: u32,
}
layout!(Dqblk32, 68, valid @ 64);

/// compat_robust_list_head.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct RobustListHead32 {
    pub next: u32,
    pub futex_offset: i32,
    pub pending: u32,
}
layout!(RobustListHead32, 12, pending @ 8);

plain!(
    Timespec32,
    Timeval32,
    Itimerval32,
    Itimerspec32,
    Utimbuf32,
    Tms32,
    Rlimit32,
    Rusage32,
    Timex32,
    Sysinfo32,
    Stat32,
    Stat64_32,
    Statfs32,
    Statfs64_32,
    Flock32,
    Flock64_32,
    EpollEvent32,
    Iovec32,
    Msghdr32,
    Mmsghdr32,
    Cmsghdr32,
    SockFprog32,
    Dirent32,
    OldDirent32,
    Sigevent32,
    HostSigevent,
    Siginfo32,
    HostSiginfo,
    MqAttr32,
    Ipc64Perm32,
    Semid64Ds32,
    Msqid64Ds32,
    Shmid64Ds32,
    Shminfo64_32,
    ShmInfo32,
    HostShmInfo,
    SelArg32,
    SigsetArg32,
    Ustat32,
    Dqblk32,
    RobustListHead32,
);

impl Timespec32 {
    pub fn to_host(self) -> libc::timespec {
        libc::timespec {
            tv_sec: self.tv_sec as i64,
            tv_nsec: self.tv_nsec as i64,
        }
    }
    pub fn from_host(t: &libc::timespec) -> Self {
        Timespec32 {
            tv_sec: t.tv_sec as i32,
            tv_nsec: t.tv_nsec as i32,
        }
    }
}

impl Timeval32 {
    pub fn to_host(self) -> libc::timeval {
        libc::timeval {
            tv_sec: self.tv_sec as i64,
            tv_usec: self.tv_usec as i64,
        }
    }
    pub fn from_host(t: &libc::timeval) -> Self {
        Timeval32 {
            tv_sec: t.tv_sec as i32,
            tv_usec: t.tv_usec as i32,
        }
    }
}

impl Itimerspec32 {
    pub fn to_host(self) -> libc::itimerspec {
        libc::itimerspec {
            it_interval: self.interval.to_host(),
            it_value: self.value.to_host(),
        }
    }
    pub fn from_host(t: &libc::itimerspec) -> Self {
        Itimerspec32 {
            interval: Timespec32::from_host(&t.it_interval),
            value: Timespec32::from_host(&t.it_value),
        }
    }
}

impl Itimerval32 {
    pub fn to_host(self) -> libc::itimerval {
        libc::itimerval {
            it_interval: self.interval.to_host(),
            it_value: self.value.to_host(),
        }
    }
    pub fn from_host(t: &libc::itimerval) -> Self {
        Itimerval32 {
            interval: Timeval32::from_host(&t.it_interval),
            value: Timeval32::from_host(&t.it_value),
        }
    }
}

impl Rusage32 {
    pub fn from_host(r: &libc::rusage) -> Self {
        let c = [
            r.ru_maxrss,
            r.ru_ixrss,
            r.ru_idrss,
            r.ru_isrss,
            r.ru_minflt,
            r.ru_majflt,
            r.ru_nswap,
            r.ru_inblock,
            r.ru_oublock,
            r.ru_msgsnd,
            r.ru_msgrcv,
            r.ru_nsignals,
            r.ru_nvcsw,
            r.ru_nivcsw,
        ];
        Rusage32 {
            utime: Timeval32::from_host(&r.ru_utime),
            stime: Timeval32::from_host(&r.ru_stime),
            counts: c.map(|v| v as i32),
        }
    }
}
