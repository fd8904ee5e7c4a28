//! SysV IPC (the `ipc` multiplexer and the direct calls; IPC_64 layouts)
//! and POSIX message queues. Attaching shared memory is place.rs's: it
//! must land below 4 GiB.

use super::abi32::*;
use super::fs::flags_to_host;
use super::fs::low16;
use super::guest::{self, mptr, opt_mptr, opt_ptr, zeroed};
use super::{place, signal, sx, sys, Errno, Res};
use crate::process::Process;
use libc::*;

const IPC_64: u64 = 0x100;
const IPC_STAT_: u64 = 2;
const IPC_SET_: u64 = 1;
const IPC_INFO_: u64 = 3;
const SEM_STAT_: u64 = 18;
const SEM_STAT_ANY_: u64 = 20;
const SHM_STAT_: u64 = 13;
const SHM_INFO_: u64 = 14;
const SHM_STAT_ANY_: u64 = 15;
const MSG_STAT_: u64 = 11;
const MSG_STAT_ANY_: u64 = 13;

/// ipc(call, first, second, third, ptr, fifth).
pub fn ipc(p: &mut Process, a: &[u64; 6]) -> Res {
    let (call, version) = (a[0] & 0xffff, a[0] >> 16);
    let (first, second, third, ptr, fifth) = (a[1], a[2], a[3], a[4], a[5]);
    match call {
        1 => sys!(SYS_semtimedop, first, ptr, second, 0),
        2 => sys!(SYS_semget, first, second, third),
        3 => {
            if ptr == 0 {
                return Err(Errno::EINVAL);
            }
            let arg = guest::u32_at(ptr)? as u64;
            semctl_any(first, second, third, arg, false)
        }
        4 => semtimedop(p, &[first, ptr, second, fifth, 0, 0]),
        11 => msgsnd(p, &[first, ptr, second, third, 0, 0]),
        12 => {
            if sx(first) < 0 || sx(second) < 0 {
                return Err(Errno::EINVAL);
            }
            if version == 0 {
                if ptr == 0 {
                    return Err(Errno::EINVAL);
                }
                let k: [u32; 2] = guest::read(ptr)?;
                msgrcv(p, &[first, k[0] as u64, second, k[1] as u64, third, 0])
            } else {
                msgrcv(p, &[first, ptr, second, fifth, third, 0])
            }
        }
        13 => sys!(SYS_msgget, first, second),
        14 => msgctl_any(first, second, ptr, false),
        21 => {
            if version == 1 {
                return Err(Errno::EINVAL);
            }
            let addr = place::shmat(p, first, ptr, second)?;
            guest::put_u32(third, addr as u32)?;
            Ok(0)
        }
        22 => place::shmdt(p, ptr),
        23 => sys!(SYS_shmget, first, second, third),
        24 => shmctl_any(first, second, ptr, false),
        _ => Err(Errno::ENOSYS),
    }
}

/// The IPC_64 flag decides the layout of the multiplexer's ctl calls
/// (without it: the old 16-bit-id structs); the direct calls always use
/// IPC_64. Returns (command, old layout).
fn ipc64(cmd: u64, direct: bool) -> (u64, bool) {
    (cmd & !IPC_64, cmd & IPC_64 == 0 && !direct)
}

/// compat_ipc_perm, the old layout: key, then 16-bit uid, gid, cuid,
/// cgid, mode and seq.
fn old_perm_out(h: &ipc_perm) -> [u8; 16] {
    let mut b = [0u8; 16];
    b[0..4].copy_from_slice(&h.__key.to_le_bytes());
    let halves = [
        low16(h.uid),
        low16(h.gid),
        low16(h.cuid),
        low16(h.cgid),
        h.mode,
        h.__seq,
    ];
    for (k, v) in halves.iter().enumerate() {
        b[4 + 2 * k..6 + 2 * k].copy_from_slice(&v.to_le_bytes());
    }
    b
}

/// The fields IPC_SET takes from an old compat_ipc_perm.
fn old_perm_in(h: &mut ipc_perm, g: &[u8]) {
    let u16at = |at: usize| u16::from_le_bytes([g[at], g[at + 1]]);
    let high = |v: u16| if v == 0xffff { u32::MAX } else { v as u32 };
    h.uid = high(u16at(4));
    h.gid = high(u16at(6));
    h.mode = u16at(12);
}

fn put_at(b: &mut [u8], at: usize, v: &[u8]) {
    b[at..at + v.len()].copy_from_slice(v);
}

fn perm_out(h: &ipc_perm) -> Ipc64Perm32 {
    Ipc64Perm32 {
        key: h.__key,
        uid: h.uid,
        gid: h.gid,
        cuid: h.cuid,
        cgid: h.cgid,
        mode: h.mode,
        seq: h.__seq,
        ..Default::default()
    }
}

fn perm_in(h: &mut ipc_perm, g: &Ipc64Perm32) {
    h.uid = g.uid;
    h.gid = g.gid;
    h.mode = g.mode;
}

fn split(t: i64) -> (u32, u32) {
    (t as u32, (t as u64 >> 32) as u32)
}

fn semctl_any(id: u64, num: u64, cmd: u64, arg: u64, direct: bool) -> Res {
    let (c, old) = ipc64(cmd, direct);
    match c {
        IPC_STAT_ | SEM_STAT_ | SEM_STAT_ANY_ if old => {
            let mut h: semid_ds = zeroed();
            let r = sys!(SYS_semctl, id, num, c, mptr(&mut h))?;
            // compat_semid_ds: perm, otime, ctime, four pointers, nsems.
            let mut b = [0u8; 44];
            put_at(&mut b, 0, &old_perm_out(&h.sem_perm));
            put_at(&mut b, 16, &(h.sem_otime as u32).to_le_bytes());
            put_at(&mut b, 20, &(h.sem_ctime as u32).to_le_bytes());
            put_at(&mut b, 40, &(h.sem_nsems as u16).to_le_bytes());
            guest::write_from(arg, &b)?;
            Ok(r)
        }
        IPC_SET_ if old => {
            let g = guest::read_bytes(arg, 44)?;
            let mut h: semid_ds = zeroed();
            old_perm_in(&mut h.sem_perm, &g);
            sys!(SYS_semctl, id, num, c, mptr(&mut h))
        }
        IPC_STAT_ | SEM_STAT_ | SEM_STAT_ANY_ => {
            let mut h: semid_ds = zeroed();
            let r = sys!(SYS_semctl, id, num, c, mptr(&mut h))?;
            let (ot, oth) = split(h.sem_otime);
            let (ct, cth) = split(h.sem_ctime);
            let g = Semid64Ds32 {
                perm: perm_out(&h.sem_perm),
                otime: ot,
                otime_high: oth,
                ctime: ct,
                ctime_high: cth,
                nsems: h.sem_nsems as u32,
                ..Default::default()
            };
            guest::write(arg, &g)?;
            Ok(r)
        }
        IPC_SET_ => {
            let g: Semid64Ds32 = guest::read(arg)?;
            let mut h: semid_ds = zeroed();
            perm_in(&mut h.sem_perm, &g.perm);
            sys!(SYS_semctl, id, num, c, mptr(&mut h))
        }
        _ => sys!(SYS_semctl, id, num, c, arg),
    }
}

pub fn semctl(_p: &mut Process, a: &[u64; 6]) -> Res {
    semctl_any(a[0], a[1], a[2], a[3], true)
}

pub fn semtimedop(_p: &mut Process, a: &[u64; 6]) -> Res {
    let ts = guest::read_opt::<Timespec32>(a[3])?.map(Timespec32::to_host);
    sys!(SYS_semtimedop, a[0], a[1], a[2], opt_ptr(&ts))
}

/// The host's struct shminfo (all `unsigned long`).
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct HostShminfo {
    shmmax: u64,
    shmmin: u64,
    shmmni: u64,
    shmseg: u64,
    shmall: u64,
    unused: [u64; 4],
}

fn shmctl_any(id: u64, cmd: u64, buf: u64, direct: bool) -> Res {
    let (c, old) = ipc64(cmd, direct);
    match c {
        IPC_STAT_ | SHM_STAT_ | SHM_STAT_ANY_ if old => {
            let mut h: shmid_ds = zeroed();
            let r = sys!(SYS_shmctl, id, c, mptr(&mut h))?;
            // compat_shmid_ds: perm, segsz, times, 16-bit pids and nattch.
            let mut b = [0u8; 48];
            put_at(&mut b, 0, &old_perm_out(&h.shm_perm));
            put_at(&mut b, 16, &(h.shm_segsz as u32).to_le_bytes());
            put_at(&mut b, 20, &(h.shm_atime as u32).to_le_bytes());
            put_at(&mut b, 24, &(h.shm_dtime as u32).to_le_bytes());
            put_at(&mut b, 28, &(h.shm_ctime as u32).to_le_bytes());
            put_at(&mut b, 32, &(h.shm_cpid as u16).to_le_bytes());
            put_at(&mut b, 34, &(h.shm_lpid as u16).to_le_bytes());
            put_at(&mut b, 36, &(h.shm_nattch as u16).to_le_bytes());
            guest::write_from(buf, &b)?;
            Ok(r)
        }
        IPC_SET_ if old => {
            let g = guest::read_bytes(buf, 48)?;
            let mut h: shmid_ds = zeroed();
            old_perm_in(&mut h.shm_perm, &g);
            sys!(SYS_shmctl, id, c, mptr(&mut h))
        }
        IPC_INFO_ if old => {
            let mut h = HostShminfo::default();
            let r = sys!(SYS_shmctl, id, c, &mut h as *mut HostShminfo)?;
            // compat_shminfo: five ints.
            let v = [
                h.shmmax.min(i32::MAX as u64),
                h.shmmin,
                h.shmmni,
                h.shmseg,
                h.shmall,
            ];
            let b: Vec<u8> = v.iter().flat_map(|x| (*x as u32).to_le_bytes()).collect();
            guest::write_from(buf, &b)?;
            Ok(r)
        }
        IPC_STAT_ | SHM_STAT_ | SHM_STAT_ANY_ => {
            let mut h: shmid_ds = zeroed();
            let r = sys!(SYS_shmctl, id, c, mptr(&mut h))?;
            let (at, ath) = split(h.shm_atime);
            let (dt, dth) = split(h.shm_dtime);
            let (ct, cth) = split(h.shm_ctime);
            let g = Shmid64Ds32 {
                perm: perm_out(&h.shm_perm),
                segsz: h.shm_segsz as u32,
                atime: at,
                atime_high: ath,
                dtime: dt,
                dtime_high: dth,
                ctime: ct,
                ctime_high: cth,
                cpid: h.shm_cpid,
                lpid: h.shm_lpid,
                nattch: h.shm_nattch as u32,
                ..Default::default()
            };
            guest::write(buf, &g)?;
            Ok(r)
        }
        IPC_SET_ => {
            let g: Shmid64Ds32 = guest::read(buf)?;
            let mut h: shmid_ds = zeroed();
            perm_in(&mut h.shm_perm, &g.perm);
            sys!(SYS_shmctl, id, c, mptr(&mut h))
        }
        IPC_INFO_ => {
            let mut h = HostShminfo::default();
            let r = sys!(SYS_shmctl, id, c, &mut h as *mut HostShminfo)?;
            let g = Shminfo64_32 {
                shmmax: h.shmmax.min(i32::MAX as u64) as u32,
                shmmin: h.shmmin as u32,
                shmmni: h.shmmni as u32,
                shmseg: h.shmseg as u32,
                shmall: h.shmall as u32,
                unused: [0; 4],
            };
            guest::write(buf, &g)?;
            Ok(r)
        }
        SHM_INFO_ => {
            let mut h = HostShmInfo::default();
            let r = sys!(SYS_shmctl, id, c, mptr(&mut h))?;
            let g = ShmInfo32 {
                used_ids: h.used_ids,
                shm_tot: h.shm_tot as u32,
                shm_rss: h.shm_rss as u32,
                shm_swp: h.shm_swp as u32,
                swap_attempts: h.swap_attempts as u32,
                swap_successes: h.swap_successes as u32,
            };
            guest::write(buf, &g)?;
            Ok(r)
        }
        _ => sys!(SYS_shmctl, id, c, buf),
    }
}

pub fn shmctl(_p: &mut Process, a: &[u64; 6]) -> Res {
    shmctl_any(a[0], a[1], a[2], true)
}

fn msgctl_any(id: u64, cmd: u64, buf: u64, direct: bool) -> Res {
    let (c, old) = ipc64(cmd, direct);
    match c {
        IPC_STAT_ | MSG_STAT_ | MSG_STAT_ANY_ if old => {
            let mut h: msqid_ds = zeroed();
            let r = sys!(SYS_msgctl, id, c, mptr(&mut h))?;
            // compat_msqid_ds: perm, two pointers, times, two longs, then
            // 16-bit cbytes, qnum, qbytes and pids.
            let mut b = [0u8; 56];
            put_at(&mut b, 0, &old_perm_out(&h.msg_perm));
            put_at(&mut b, 24, &(h.msg_stime as u32).to_le_bytes());
            put_at(&mut b, 28, &(h.msg_rtime as u32).to_le_bytes());
            put_at(&mut b, 32, &(h.msg_ctime as u32).to_le_bytes());
            put_at(&mut b, 44, &(h.__msg_cbytes as u16).to_le_bytes());
            put_at(&mut b, 46, &(h.msg_qnum as u16).to_le_bytes());
            put_at(&mut b, 48, &(h.msg_qbytes as u16).to_le_bytes());
            put_at(&mut b, 50, &(h.msg_lspid as u16).to_le_bytes());
            put_at(&mut b, 52, &(h.msg_lrpid as u16).to_le_bytes());
            guest::write_from(buf, &b)?;
            Ok(r)
        }
        IPC_SET_ if old => {
            let g = guest::read_bytes(buf, 56)?;
            let mut h: msqid_ds = zeroed();
            old_perm_in(&mut h.msg_perm, &g);
            h.msg_qbytes = u16::from_le_bytes([g[48], g[49]]) as _;
            sys!(SYS_msgctl, id, c, mptr(&mut h))
        }
        IPC_STAT_ | MSG_STAT_ | MSG_STAT_ANY_ => {
            let mut h: msqid_ds = zeroed();
            let r = sys!(SYS_msgctl, id, c, mptr(&mut h))?;
            let (st, sth) = split(h.msg_stime);
            let (rt, rth) = split(h.msg_rtime);
            let (ct, cth) = split(h.msg_ctime);
            let g = Msqid64Ds32 {
                perm: perm_out(&h.msg_perm),
                stime: st,
                stime_high: sth,
                rtime: rt,
                rtime_high: rth,
                ctime: ct,
                ctime_high: cth,
                cbytes: h.__msg_cbytes as u32,
                qnum: h.msg_qnum as u32,
                qbytes: h.msg_qbytes as u32,
                lspid: h.msg_lspid,
                lrpid: h.msg_lrpid,
                ..Default::default()
            };
            guest::write(buf, &g)?;
            Ok(r)
        }
        IPC_SET_ => {
            let g: Msqid64Ds32 = guest::read(buf)?;
            let mut h: msqid_ds = zeroed();
            perm_in(&mut h.msg_perm, &g.perm);
            h.msg_qbytes = g.qbytes as _;
            sys!(SYS_msgctl, id, c, mptr(&mut h))
        }
        _ => sys!(SYS_msgctl, id, c, buf),
    }
}

pub fn msgctl(_p: &mut Process, a: &[u64; 6]) -> Res {
    msgctl_any(a[0], a[1], a[2], true)
}

/// Largest message body copied (the kernel's msgmax is far below).
const MSG_MAX: u64 = 1 << 24;

/// msgsnd(id, {long mtype; char mtext[]} *, size, flags): mtype is 4 bytes.
pub fn msgsnd(_p: &mut Process, a: &[u64; 6]) -> Res {
    let size = a[2];
    if sx(size) < 0 || size > MSG_MAX {
        return Err(Errno::EINVAL);
    }
    let mtype = guest::read::<i32>(a[1])? as i64;
    let mut buf = mtype.to_le_bytes().to_vec();
    buf.extend(guest::read_bytes(a[1] + 4, size as usize)?);
    sys!(SYS_msgsnd, a[0], buf.as_ptr(), size, a[3])
}

/// msgrcv(id, msgbuf *, size, long type, flags).
pub fn msgrcv(_p: &mut Process, a: &[u64; 6]) -> Res {
    let size = a[2];
    if sx(size) < 0 {
        return Err(Errno::EINVAL);
    }
    let size = size.min(MSG_MAX);
    let mut buf = vec![0u8; 8 + size as usize];
    let n = sys!(SYS_msgrcv, a[0], buf.as_mut_ptr(), size, sx(a[3]), a[4])?;
    let mtype = i64::from_le_bytes(buf[..8].try_into().unwrap_or_default()) as i32;
    guest::write(a[1], &mtype)?;
    guest::write_from(a[1] + 4, &buf[8..8 + n as usize])?;
    Ok(n)
}

fn mq_attr_in(at: u64) -> Result<Option<mq_attr>, Errno> {
    Ok(guest::read_opt::<MqAttr32>(at)?.map(|g| {
        let mut h: mq_attr = zeroed();
        h.mq_flags = g.flags as i64;
        h.mq_maxmsg = g.maxmsg as i64;
        h.mq_msgsize = g.msgsize as i64;
        h.mq_curmsgs = g.curmsgs as i64;
        h
    }))
}

fn mq_attr_out(h: &mq_attr) -> MqAttr32 {
    MqAttr32 {
        flags: h.mq_flags as i32,
        maxmsg: h.mq_maxmsg as i32,
        msgsize: h.mq_msgsize as i32,
        curmsgs: h.mq_curmsgs as i32,
        reserved: [0; 4],
    }
}

pub fn mq_open(_p: &mut Process, a: &[u64; 6]) -> Res {
    let attr = mq_attr_in(a[3])?;
    sys!(SYS_mq_open, a[0], flags_to_host(a[1]), a[2], opt_ptr(&attr))
}

pub fn mq_timedsend(_p: &mut Process, a: &[u64; 6]) -> Res {
    let ts = guest::read_opt::<Timespec32>(a[4])?.map(Timespec32::to_host);
    sys!(SYS_mq_timedsend, a[0], a[1], a[2], a[3], opt_ptr(&ts))
}

pub fn mq_timedreceive(_p: &mut Process, a: &[u64; 6]) -> Res {
    let ts = guest::read_opt::<Timespec32>(a[4])?.map(Timespec32::to_host);
    sys!(SYS_mq_timedreceive, a[0], a[1], a[2], a[3], opt_ptr(&ts))
}

pub fn mq_notify(_p: &mut Process, a: &[u64; 6]) -> Res {
    let ev = signal::sigevent_in(a[1])?;
    sys!(SYS_mq_notify, a[0], opt_ptr(&ev))
}

pub fn mq_getsetattr(_p: &mut Process, a: &[u64; 6]) -> Res {
    let new = mq_attr_in(a[1])?;
    let mut old: Option<mq_attr> = (a[2] != 0).then(zeroed);
    sys!(SYS_mq_getsetattr, a[0], opt_ptr(&new), opt_mptr(&mut old))?;
    if let Some(o) = old {
        guest::write(a[2], &mq_attr_out(&o))?;
    }
    Ok(0)
}
