//! Sockets: the socketcall multiplexer, msghdr/mmsghdr with their iovec
//! arrays and control messages (12-byte cmsghdr, 4-byte alignment, 32-bit
//! timestamps; SCM_RIGHTS that do not fit are closed and MSG_CTRUNC set,
//! as the kernel does), and the socket options that carry structs.

use super::abi32::*;
use super::fs::iovecs;
use super::guest::{self, mptr, opt_mptr, zeroed};
use super::{sx, sys, Errno, Res};
use crate::process::Process;
use libc::*;

/// socketcall(call, unsigned long *args): argument counts per call.
const NARGS: [usize; 21] = [
    0, 3, 3, 3, 2, 3, 3, 3, 4, 4, 4, 6, 6, 2, 5, 5, 3, 3, 4, 5, 4,
];

pub fn socketcall(p: &mut Process, a: &[u64; 6]) -> Res {
    let call = a[0] as usize;
    if !(1..=20).contains(&call) {
        return Err(Errno::EINVAL);
    }
    let words: Vec<u32> = guest::read_vec(a[1], NARGS[call])?;
    let mut x = [0u64; 6];
    for (d, w) in x.iter_mut().zip(&words) {
        *d = *w as u64;
    }
    match call {
        1 => sys!(SYS_socket, x[0], x[1], x[2]),
        2 => sys!(SYS_bind, x[0], x[1], x[2]),
        3 => sys!(SYS_connect, x[0], x[1], x[2]),
        4 => sys!(SYS_listen, x[0], x[1]),
        5 => sys!(SYS_accept4, x[0], x[1], x[2], 0),
        6 => sys!(SYS_getsockname, x[0], x[1], x[2]),
        7 => sys!(SYS_getpeername, x[0], x[1], x[2]),
        8 => sys!(SYS_socketpair, x[0], x[1], x[2], x[3]),
        9 => sys!(SYS_sendto, x[0], x[1], x[2], x[3], 0, 0),
        10 => sys!(SYS_recvfrom, x[0], x[1], x[2], x[3], 0, 0),
        11 => sys!(SYS_sendto, x[0], x[1], x[2], x[3], x[4], x[5]),
        12 => sys!(SYS_recvfrom, x[0], x[1], x[2], x[3], x[4], x[5]),
        13 => sys!(SYS_shutdown, x[0], x[1]),
        14 => setsockopt(p, &x),
        15 => getsockopt(p, &x),
        16 => sendmsg(p, &x),
        17 => recvmsg(p, &x),
        18 => sys!(SYS_accept4, x[0], x[1], x[2], x[3]),
        19 => recvmmsg(p, &x),
        _ => sendmmsg(p, &x),
    }
}

// ---- messages ------------------------------------------------------------------

const SO_TIMESTAMP_OLD: i32 = 29;
const SO_TIMESTAMPNS_OLD: i32 = 35;
const SO_TIMESTAMPING_OLD: i32 = 37;

fn align4(n: usize) -> usize {
    n.next_multiple_of(4)
}

fn align8(n: usize) -> usize {
    n.next_multiple_of(8)
}

/// A host msghdr built from a guest one, with the buffers it points to.
pub(super) struct Msg {
    pub(super) hdr: msghdr,
    iov: Vec<iovec>,
    control: Vec<u8>,
    guest: Msghdr32,
}

impl Msg {
    /// `send`: convert the guest's control messages; otherwise allocate
    /// room for the host's.
    pub(super) fn read(at: u64, send: bool) -> Result<Msg, Errno> {
        let g: Msghdr32 = guest::read(at)?;
        let iov = iovecs(g.iov as u64, g.iovlen as u64)?;
        if g.controllen > i32::MAX as u32 {
            return Err(Errno(ENOBUFS));
        }
        let control = if g.control == 0 || g.controllen == 0 {
            Vec::new()
        } else if send {
            cmsgs_in(g.control as u64, g.controllen as usize)?
        } else {
            vec![0u8; (g.controllen as usize * 2 + 64).min(1 << 20)]
        };
        let mut m = Msg {
            hdr: zeroed(),
            iov,
            control,
            guest: g,
        };
        m.fix();
        Ok(m)
    }

    /// Points the host header at the owned buffers (after any move).
    fn fix(&mut self) {
        self.hdr.msg_name = self.guest.name as usize as *mut c_void;
        self.hdr.msg_namelen = self.guest.namelen as u32;
        self.hdr.msg_iov = self.iov.as_mut_ptr();
        self.hdr.msg_iovlen = self.iov.len();
        if self.control.is_empty() {
            self.hdr.msg_control = std::ptr::null_mut();
            self.hdr.msg_controllen = 0;
        } else {
            self.hdr.msg_control = self.control.as_mut_ptr() as *mut c_void;
            self.hdr.msg_controllen = self.control.len();
        }
        self.hdr.msg_flags = self.guest.flags as i32;
    }

    /// Writes the received header fields and control messages back.
    pub(super) fn write_back(&self, at: u64) -> Result<(), Errno> {
        let mut g = self.guest;
        let mut flags = self.hdr.msg_flags as u32;
        let used = if g.control != 0 && g.controllen != 0 {
            let used_host = (self.hdr.msg_controllen).min(self.control.len());
            let (out, trunc) = cmsgs_out(&self.control[..used_host], g.controllen as usize);
            guest::write_from(g.control as u64, &out)?;
            if trunc {
                flags |= MSG_CTRUNC as u32;
            }
            out.len() as u32
        } else {
            0
        };
        g.namelen = self.hdr.msg_namelen as i32;
        g.controllen = used;
        g.flags = flags;
        guest::write(at, &g)
    }
}

/// Guest control messages (12-byte headers, 4-byte alignment) as the
/// host's (16-byte headers, 8-byte alignment).
fn cmsgs_in(at: u64, len: usize) -> Result<Vec<u8>, Errno> {
    let buf = guest::read_bytes(at, len)?;
    let mut out = Vec::new();
    let mut off = 0;
    while off + 12 <= len {
        let clen = u32::from_le_bytes(buf[off..off + 4].try_into().unwrap_or_default()) as usize;
        if clen < 12 || off + clen > len {
            return Err(Errno::EINVAL);
        }
        let data = &buf[off + 12..off + clen];
        let start = out.len();
        out.extend_from_slice(&((16 + data.len()) as u64).to_le_bytes());
        out.extend_from_slice(&buf[off + 4..off + 12]);
        out.extend_from_slice(data);
        out.resize(start + align8(16 + data.len()), 0);
        off += align4(clen);
    }
    Ok(out)
}

/// Host control messages as the guest's, within `room` bytes; returns
/// the bytes and whether anything was cut (MSG_CTRUNC).
fn cmsgs_out(host: &[u8], room: usize) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    let mut off = 0;
    let mut trunc = false;
    while off + 16 <= host.len() {
        let clen = u64::from_le_bytes(host[off..off + 8].try_into().unwrap_or_default()) as usize;
        if clen < 16 || off + clen > host.len() {
            break;
        }
        let level = i32::from_le_bytes(host[off + 8..off + 12].try_into().unwrap_or_default());
        let typ = i32::from_le_bytes(host[off + 12..off + 16].try_into().unwrap_or_default());
        let data = &host[off + 16..off + clen];
        off += align8(clen);
        let payload = payload_out(level, typ, data);
        let left = room - out.len();
        if level == SOL_SOCKET && typ == SCM_RIGHTS {
            // As many descriptors as fit; the kernel closes the rest.
            let fit = if left >= 12 {
                ((left - 12) / 4).min(payload.len() / 4)
            } else {
                0
            };
            for k in fit..payload.len() / 4 {
                let fd =
                    i32::from_le_bytes(payload[4 * k..4 * k + 4].try_into().unwrap_or_default());
                let _ = sys!(SYS_close, fd);
            }
            if fit < payload.len() / 4 {
                trunc = true;
            }
            if fit == 0 {
                continue;
            }
            push_cmsg(&mut out, level, typ, &payload[..4 * fit], room);
            continue;
        }
        if left < 12 {
            trunc = true;
            break;
        }
        if left < 12 + payload.len() {
            trunc = true;
        }
        push_cmsg(&mut out, level, typ, &payload, room);
    }
    (out, trunc)
}

fn push_cmsg(out: &mut Vec<u8>, level: i32, typ: i32, data: &[u8], room: usize) {
    let start = out.len();
    out.extend_from_slice(&((12 + data.len()) as u32).to_le_bytes());
    out.extend_from_slice(&level.to_le_bytes());
    out.extend_from_slice(&typ.to_le_bytes());
    out.extend_from_slice(data);
    out.resize(start + align4(12 + data.len()), 0);
    out.truncate(room);
}

/// A control message's payload in the guest layout (32-bit timestamps).
fn payload_out(level: i32, typ: i32, data: &[u8]) -> Vec<u8> {
    let word =
        |k: usize| i64::from_le_bytes(data[8 * k..8 * k + 8].try_into().unwrap_or_default()) as i32;
    if level == SOL_SOCKET && data.len().is_multiple_of(16) {
        let n = match typ {
            SO_TIMESTAMP_OLD | SO_TIMESTAMPNS_OLD => 1,
            SO_TIMESTAMPING_OLD => 3,
            _ => 0,
        };
        if n > 0 && data.len() == 16 * n {
            return (0..2 * n).flat_map(|k| word(k).to_le_bytes()).collect();
        }
    }
    data.to_vec()
}

pub fn sendmsg(_p: &mut Process, a: &[u64; 6]) -> Res {
    let m = Msg::read(a[1], true)?;
    sys!(SYS_sendmsg, a[0], &m.hdr as *const msghdr, a[2])
}

pub fn recvmsg(_p: &mut Process, a: &[u64; 6]) -> Res {
    let mut m = Msg::read(a[1], false)?;
    let r = sys!(SYS_recvmsg, a[0], mptr(&mut m.hdr), a[2])?;
    m.write_back(a[1])?;
    Ok(r)
}

const MMSG_MAX: u64 = 1024;

fn read_mmsgs(at: u64, n: u64, send: bool) -> Result<(Vec<Msg>, Vec<mmsghdr>), Errno> {
    let n = n.min(MMSG_MAX);
    let mut msgs = Vec::new();
    for k in 0..n {
        msgs.push(Msg::read(at + 32 * k, send)?);
    }
    let hdrs = msgs
        .iter_mut()
        .map(|m| {
            m.fix();
            mmsghdr {
                msg_hdr: m.hdr,
                msg_len: 0,
            }
        })
        .collect();
    Ok((msgs, hdrs))
}

pub fn sendmmsg(_p: &mut Process, a: &[u64; 6]) -> Res {
    let (_msgs, mut hdrs) = read_mmsgs(a[1], a[2], true)?;
    let r = sys!(SYS_sendmmsg, a[0], hdrs.as_mut_ptr(), hdrs.len(), a[3])?;
    for (k, h) in hdrs.iter().take(r as usize).enumerate() {
        guest::write(a[1] + 32 * k as u64 + 28, &h.msg_len)?;
    }
    Ok(r)
}

fn do_recvmmsg(a: &[u64; 6], time64: bool) -> Res {
    let (mut msgs, mut hdrs) = read_mmsgs(a[1], a[2], false)?;
    let mut ts: Option<timespec> = if time64 {
        guest::read_opt::<timespec>(a[4])?
    } else {
        guest::read_opt::<Timespec32>(a[4])?.map(Timespec32::to_host)
    };
    let r = sys!(
        SYS_recvmmsg,
        a[0],
        hdrs.as_mut_ptr(),
        hdrs.len(),
        a[3],
        opt_mptr(&mut ts)
    )?;
    for k in 0..r as usize {
        msgs[k].hdr = hdrs[k].msg_hdr;
        let at = a[1] + 32 * k as u64;
        msgs[k].write_back(at)?;
        guest::write(at + 28, &hdrs[k].msg_len)?;
    }
    if let Some(t) = ts {
        if time64 {
            guest::write(a[4], &t)?;
        } else {
            guest::write(a[4], &Timespec32::from_host(&t))?;
        }
    }
    Ok(r)
}

pub fn recvmmsg(_p: &mut Process, a: &[u64; 6]) -> Res {
    do_recvmmsg(a, false)
}

pub fn recvmmsg_time64(_p: &mut Process, a: &[u64; 6]) -> Res {
    do_recvmmsg(a, true)
}

// ---- socket options -------------------------------------------------------------

const SO_RCVTIMEO_OLD: i32 = 20;
const SO_SNDTIMEO_OLD: i32 = 21;
const SO_ATTACH_FILTER_: i32 = 26;
const SO_ATTACH_REUSEPORT_CBPF_: i32 = 51;
const MCAST_JOIN_GROUP_: i32 = 42;
const MCAST_BLOCK_SOURCE_: i32 = 43;
const MCAST_UNBLOCK_SOURCE_: i32 = 44;
const MCAST_LEAVE_GROUP_: i32 = 45;
const MCAST_JOIN_SOURCE_GROUP_: i32 = 46;
const MCAST_LEAVE_SOURCE_GROUP_: i32 = 47;
const MCAST_MSFILTER_: i32 = 48;

/// Whether (level, name) is one of the multicast group requests whose
/// sockaddr_storage sits at offset 4 on i386 but 8 on the host.
fn is_group_req(level: i32, name: i32) -> bool {
    (level == IPPROTO_IP || level == IPPROTO_IPV6)
        && matches!(
            name,
            MCAST_JOIN_GROUP_
                | MCAST_BLOCK_SOURCE_
                | MCAST_UNBLOCK_SOURCE_
                | MCAST_LEAVE_GROUP_
                | MCAST_JOIN_SOURCE_GROUP_
                | MCAST_LEAVE_SOURCE_GROUP_
                | MCAST_MSFILTER_
        )
}

pub fn setsockopt(_p: &mut Process, a: &[u64; 6]) -> Res {
    let (fd, level, name, val, len) = (a[0], a[1] as i32, a[2] as i32, a[3], a[4] as i32);
    if level == SOL_SOCKET && (name == SO_RCVTIMEO_OLD || name == SO_SNDTIMEO_OLD) {
        if len < 8 {
            return Err(Errno::EINVAL);
        }
        let tv = guest::read::<Timeval32>(val)?.to_host();
        return sys!(SYS_setsockopt, fd, level, name, &tv as *const timeval, 16);
    }
    if level == SOL_SOCKET && (name == SO_ATTACH_FILTER_ || name == SO_ATTACH_REUSEPORT_CBPF_) {
        if len < 8 {
            return Err(Errno::EINVAL);
        }
        let f: SockFprog32 = guest::read(val)?;
        let prog = sock_fprog {
            len: f.len,
            filter: f.filter as usize as *mut sock_filter,
        };
        return sys!(
            SYS_setsockopt,
            fd,
            level,
            name,
            &prog as *const sock_fprog,
            16
        );
    }
    if is_group_req(level, name) && len >= 4 {
        let g = guest::read_bytes(val, len as usize)?;
        // Every member after gr_interface moves 4 bytes later; members
        // after the first sockaddr_storage keep their relative places.
        let mut h = vec![0u8; g.len() + 4];
        h[..4].copy_from_slice(&g[..4]);
        h[8..].copy_from_slice(&g[4..]);
        return sys!(SYS_setsockopt, fd, level, name, h.as_ptr(), h.len());
    }
    sys!(SYS_setsockopt, fd, level, name, val, sx(a[4]))
}

pub fn getsockopt(_p: &mut Process, a: &[u64; 6]) -> Res {
    let (fd, level, name, val, lenp) = (a[0], a[1] as i32, a[2] as i32, a[3], a[4]);
    if level == SOL_SOCKET && (name == SO_RCVTIMEO_OLD || name == SO_SNDTIMEO_OLD) {
        let len: i32 = guest::read(lenp)?;
        if len < 0 {
            return Err(Errno::EINVAL);
        }
        let mut tv: timeval = zeroed();
        let mut hl: u32 = 16;
        sys!(
            SYS_getsockopt,
            fd,
            level,
            name,
            mptr(&mut tv),
            mptr(&mut hl)
        )?;
        let g = Timeval32::from_host(&tv);
        let n = (len as usize).min(8);
        guest::write_from(val, &guest::bytes_of(&g)[..n])?;
        guest::write(lenp, &(n as u32))?;
        return Ok(0);
    }
    if is_group_req(level, name) {
        let len: i32 = guest::read(lenp)?;
        if len < 4 {
            return Err(Errno::EINVAL);
        }
        let mut h = guest::read_bytes(val, len as usize)?;
        let mut hbuf = vec![0u8; h.len() + 4];
        hbuf[..4].copy_from_slice(&h[..4]);
        hbuf[8..].copy_from_slice(&h[4..]);
        let mut hl = hbuf.len() as u32;
        let r = sys!(
            SYS_getsockopt,
            fd,
            level,
            name,
            hbuf.as_mut_ptr(),
            mptr(&mut hl)
        )?;
        let n = (hl as usize).saturating_sub(4).min(h.len());
        h[..4].copy_from_slice(&hbuf[..4]);
        h[4..n].copy_from_slice(&hbuf[8..n + 4]);
        guest::write_from(val, &h[..n])?;
        guest::write(lenp, &(n as u32))?;
        return Ok(r);
    }
    sys!(SYS_getsockopt, fd, level, name, val, lenp)
}
