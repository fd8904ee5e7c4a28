//! Ioctl conversions for arguments that hold more than one flat struct:
//! multi-planar V4L2 buffers (an array of planes behind m.planes), ALSA
//! PCM parameters and transfers (`unsigned long` frame counts, buffer
//! pointers), the routing requests SIOCADDRT/SIOCDELRT (rtentry with its
//! rt_dev pointer, or in6_rtmsg, by socket family) and usbdevfs URBs,
//! which the kernel keeps until they are reaped and then names by their
//! user-space address. Layouts are the kernel's compat structs
//! (v4l2-compat-ioctl32.c, sound/core/pcm_compat.c, net/ipv4/af_inet.c,
//! net/ipv6/af_inet6.c, drivers/usb/core/devio.c), checked below.

use super::guest;
use super::{sys, Errno, Res};
use libc::SYS_ioctl;
use std::collections::HashMap;
use std::mem::{offset_of, size_of};
use std::sync::Mutex;

fn host_ioctl(fd: u64, req: u32, arg: u64) -> Res {
    sys!(SYS_ioctl, fd, req, arg)
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn le64(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(w)
}

fn put32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

fn put64(b: &mut [u8], at: usize, v: u64) {
    b[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

// ---- V4L2 multi-planar buffers -------------------------------------------------

/// struct v4l2_plane32 (i386).
#[repr(C)]
struct V4l2Plane32 {
    bytesused: u32,
    length: u32,
    m: u32,
    data_offset: u32,
    reserved: [u32; 11],
}
/// struct v4l2_plane (host).
#[repr(C)]
struct V4l2Plane {
    bytesused: u32,
    length: u32,
    m: u64,
    data_offset: u32,
    reserved: [u32; 11],
}
const _: () = assert!(size_of::<V4l2Plane32>() == 60 && offset_of!(V4l2Plane32, data_offset) == 12);
const _: () = assert!(size_of::<V4l2Plane>() == 64 && offset_of!(V4l2Plane, data_offset) == 16);

const VIDEO_MAX_PLANES: u32 = 8;
const V4L2_MEMORY_USERPTR: u32 = 2;
const V4L2_MEMORY_DMABUF: u32 = 4;

/// Whether a v4l2_buf_type is multi-planar (V4L2_TYPE_IS_MULTIPLANAR).
pub fn v4l2_multiplanar(ty: u32) -> bool {
    ty == 9 || ty == 10
}

/// The host plane array for a guest v4l2_buffer's m.planes (`count`
/// planes of `memory`), or None when the kernel is to see the guest's
/// pointer as it is (too many planes: EINVAL; unreadable: EFAULT).
pub fn v4l2_planes_in(at: u64, count: u32, memory: u32) -> Option<Vec<u8>> {
    if count > VIDEO_MAX_PLANES {
        return None;
    }
    let g = guest::read_bytes(at, count as usize * 60).ok()?;
    let mut h = vec![0u8; count as usize * 64];
    for k in 0..count as usize {
        let (gp, hp) = (&g[k * 60..k * 60 + 60], &mut h[k * 64..k * 64 + 64]);
        hp[0..8].copy_from_slice(&gp[0..8]);
        let m = le32(gp, 8);
        let m = match memory {
            V4L2_MEMORY_USERPTR => m as u64,
            V4L2_MEMORY_DMABUF => m as i32 as u32 as u64,
            _ => m as u64,
        };
        put64(hp, 8, m);
        hp[16..20].copy_from_slice(&gp[12..16]);
    }
    Some(h)
}

/// Writes the host planes back in the guest layout (reserved zeroed, as
/// put_v4l2_plane32 does).
pub fn v4l2_planes_out(at: u64, host: &[u8]) -> Result<(), Errno> {
    let n = host.len() / 64;
    let mut g = vec![0u8; n * 60];
    for k in 0..n {
        let (hp, gp) = (&host[k * 64..k * 64 + 64], &mut g[k * 60..k * 60 + 60]);
        gp[0..8].copy_from_slice(&hp[0..8]);
        gp[8..12].copy_from_slice(&hp[8..12]);
        gp[12..16].copy_from_slice(&hp[16..20]);
    }
    guest::write_from(at, &g)
}

// ---- ALSA PCM ------------------------------------------------------------------

/// snd_pcm_hw_params: identical up to fifo_size (an unsigned long).
const HW_PARAMS32: usize = 604;
const HW_PARAMS64: usize = 608;
const HW_FIFO: usize = 536;
/// intervals[SNDRV_PCM_HW_PARAM_BUFFER_SIZE - FIRST_INTERVAL].min
const HW_BUFFER_SIZE_MIN: usize = 4 + 8 * 32 + 9 * 12;

/// struct snd_pcm_sw_params32 (i386).
#[repr(C)]
struct SwParams32 {
    tstamp_mode: i32,
    period_step: u32,
    sleep_min: u32,
    avail_min: u32,
    xfer_align: u32,
    start_threshold: u32,
    stop_threshold: u32,
    silence_threshold: u32,
    silence_size: u32,
    boundary: u32,
    proto: u32,
    tstamp_type: u32,
    reserved: [u8; 56],
}
/// struct snd_pcm_sw_params (host).
#[repr(C)]
struct SwParams {
    tstamp_mode: i32,
    period_step: u32,
    sleep_min: u32,
    avail_min: u64,
    xfer_align: u64,
    start_threshold: u64,
    stop_threshold: u64,
    silence_threshold: u64,
    silence_size: u64,
    boundary: u64,
    proto: u32,
    tstamp_type: u32,
    reserved: [u8; 56],
}
const _: () = assert!(size_of::<SwParams32>() == 104 && offset_of!(SwParams32, boundary) == 36);
const _: () = assert!(size_of::<SwParams>() == 136 && offset_of!(SwParams, avail_min) == 16);
const _: () = assert!(offset_of!(SwParams, boundary) == 64 && offset_of!(SwParams, proto) == 72);
const _: () = assert!(HW_BUFFER_SIZE_MIN == 368);

/// Buffer sizes (frames) set by HW_PARAMS, by descriptor: the 32-bit
/// boundary sw_params reports derives from it.
static BUFFER_SIZE: Mutex<Option<HashMap<u64, u64>>> = Mutex::new(None);

fn buffer_sizes() -> std::sync::MutexGuard<'static, Option<HashMap<u64, u64>>> {
    BUFFER_SIZE.lock().unwrap_or_else(|e| e.into_inner())
}

/// The kernel's recalculate_boundary() for a 32-bit process.
fn boundary32(buffer_size: u64) -> u64 {
    if buffer_size == 0 {
        return 0;
    }
    let border = 0x7fff_ffffu64.saturating_sub(buffer_size);
    let mut b = buffer_size;
    while b * 2 <= border {
        b *= 2;
    }
    b
}

/// SNDRV_PCM_IOCTL_HW_REFINE / HW_PARAMS (snd_pcm_ioctl_hw_params_compat).
pub fn pcm_hw_params(fd: u64, req: u32, arg: u64) -> Res {
    let g = guest::read_bytes(arg, HW_PARAMS32)?;
    let mut h = vec![0u8; HW_PARAMS64];
    h[..HW_PARAMS32].copy_from_slice(&g);
    put64(&mut h, HW_FIFO, le32(&g, HW_FIFO) as u64);
    h[HW_FIFO + 8..].copy_from_slice(&g[HW_FIFO + 4..]);
    let host_req = (req & !(0x3fff << 16)) | (HW_PARAMS64 as u32) << 16;
    let r = host_ioctl(fd, host_req, h.as_mut_ptr() as u64)?;
    // As the compat layer: the first 604 bytes, then fifo_size.
    let mut out = h[..HW_PARAMS32].to_vec();
    put32(&mut out, HW_FIFO, le64(&h, HW_FIFO) as u32);
    guest::write_from(arg, &out)?;
    if req & 0xff == 0x11 {
        let size = le32(&h, HW_BUFFER_SIZE_MIN) as u64;
        buffer_sizes()
            .get_or_insert_with(HashMap::new)
            .insert(fd, size);
    }
    Ok(r)
}

/// SNDRV_PCM_IOCTL_SW_PARAMS (snd_pcm_ioctl_sw_params_compat): the guest
/// is told the 32-bit boundary. (The compat layer also makes the
/// kernel's own boundary that value; a 64-bit caller cannot.)
pub fn pcm_sw_params(fd: u64, _req: u32, arg: u64) -> Res {
    let g = guest::read_bytes(arg, size_of::<SwParams32>())?;
    let w = |k: usize| le32(&g, 4 * k) as u64;
    let boundary = buffer_sizes()
        .as_ref()
        .and_then(|m| m.get(&fd).copied())
        .map_or(0, boundary32);
    let mut silence_size = w(8);
    if boundary != 0 && silence_size >= boundary {
        silence_size = u64::MAX;
    }
    let mut h = SwParams {
        tstamp_mode: w(0) as i32,
        period_step: w(1) as u32,
        sleep_min: w(2) as u32,
        avail_min: w(3),
        xfer_align: w(4),
        start_threshold: w(5),
        stop_threshold: w(6),
        silence_threshold: w(7),
        silence_size,
        boundary: 0,
        proto: w(10) as u32,
        tstamp_type: w(11) as u32,
        reserved: [0; 56],
    };
    let r = host_ioctl(fd, 0xc0884113, &mut h as *mut SwParams as u64)?;
    if boundary != 0 {
        guest::put_u32(
            arg + offset_of!(SwParams32, boundary) as u64,
            boundary as u32,
        )?;
    }
    Ok(r)
}

/// A guest mmap of a PCM device's status or control record
/// (SNDRV_PCM_MMAP_OFFSET_STATUS/CONTROL, old and new): the kernel would
/// map its 64-bit layout, which it refuses a 32-bit caller too
/// (no_compat_mmap). ENXIO makes alsa-lib use the SYNC_PTR ioctl.
pub fn pcm_mmap_refused(fd: i32, off: u64) -> bool {
    (0x8000_0000..=0x8300_0000).contains(&off)
        && std::fs::read_link(format!("/proc/self/fd/{fd}"))
            .is_ok_and(|l| l.to_string_lossy().starts_with("/dev/snd/pcm"))
}

/// The 32-bit boundary of a PCM descriptor, or the compat layer's
/// fallback before hw_params.
fn boundary_or_default(fd: u64) -> u64 {
    let b = buffer_sizes()
        .as_ref()
        .and_then(|m| m.get(&fd).copied())
        .map_or(0, boundary32);
    if b == 0 {
        0x7fff_ffff
    } else {
        b
    }
}

const SYNC_PTR64: u32 = 0xc0884123;
const SYNC_PTR_APPL: u32 = 2;
const SYNC_PTR_AVAIL_MIN: u32 = 4;
/// struct snd_pcm_sync_ptr32 (time32): flags; status at 4 (state, pad1,
/// hw_ptr, tstamp, suspended_state, audio_tstamp); control at 68
/// (appl_ptr, avail_min). Host: status at 8 (state, pad1, hw_ptr@8,
/// tstamp@16, suspended_state@32, audio_tstamp@40), control at 72.
const SYNC_PTR32_SIZE: usize = 132;
const SYNC_PTR64_SIZE: usize = 136;

/// SNDRV_PCM_IOCTL_SYNC_PTR (snd_pcm_ioctl_sync_ptr_compat): pointers
/// go to the guest modulo its 32-bit boundary; an appl_ptr the guest
/// sets is unwrapped against the kernel's (whose boundary is 64-bit).
pub fn pcm_sync_ptr(fd: u64, _req: u32, arg: u64) -> Res {
    let g = guest::read_bytes(arg, SYNC_PTR32_SIZE)?;
    let flags = le32(&g, 0);
    let (appl, avail_min) = (le32(&g, 68) as u64, le32(&g, 72) as u64);
    let b = boundary_or_default(fd);
    let mut host_appl = appl;
    if flags & SYNC_PTR_APPL == 0 {
        let mut q = [0u8; SYNC_PTR64_SIZE];
        put32(&mut q, 0, SYNC_PTR_APPL | SYNC_PTR_AVAIL_MIN);
        host_ioctl(fd, SYNC_PTR64, q.as_mut_ptr() as u64)?;
        host_appl = unwrap_appl(appl, le64(&q, 72), b);
    }
    let mut h = [0u8; SYNC_PTR64_SIZE];
    put32(&mut h, 0, flags);
    put64(&mut h, 72, host_appl);
    put64(&mut h, 80, avail_min);
    let r = host_ioctl(fd, SYNC_PTR64, h.as_mut_ptr() as u64)?;
    let words = [
        (4, le32(&h, 8)),
        (12, (le64(&h, 16) % b) as u32),
        (16, le64(&h, 24) as u32),
        (20, le64(&h, 32) as u32),
        (24, le32(&h, 40)),
        (28, le64(&h, 48) as u32),
        (32, le64(&h, 56) as u32),
        (68, (le64(&h, 72) % b) as u32),
        (72, le64(&h, 80) as u32),
    ];
    for (at, v) in words {
        guest::put_u32(arg + at, v)?;
    }
    Ok(r)
}

/// The kernel-side appl_ptr for a guest's `appl` (which wraps at `b`):
/// the value congruent to it modulo `b` nearest the kernel's `k`.
fn unwrap_appl(appl: u64, k: u64, b: u64) -> u64 {
    let mut cand = k - k % b + appl % b;
    if cand + b / 2 < k {
        cand += b;
    } else if cand > k + b / 2 && cand >= b {
        cand -= b;
    }
    cand
}

/// struct snd_pcm_status32 (time32, 108 bytes) from the host's (152):
/// (guest offset, host offset, host width) of each field.
const STATUS32: [(usize, usize, usize); 18] = [
    (0, 0, 4),    // state
    (4, 8, 8),    // trigger_tstamp
    (8, 16, 8),   //
    (12, 24, 8),  // tstamp
    (16, 32, 8),  //
    (20, 40, 8),  // appl_ptr
    (24, 48, 8),  // hw_ptr
    (28, 56, 8),  // delay
    (32, 64, 8),  // avail
    (36, 72, 8),  // avail_max
    (40, 80, 8),  // overrange
    (44, 88, 4),  // suspended_state
    (48, 92, 4),  // audio_tstamp_data
    (52, 96, 8),  // audio_tstamp
    (56, 104, 8), //
    (60, 112, 8), // driver_tstamp
    (64, 120, 8), //
    (68, 128, 4), // audio_tstamp_accuracy
];

/// SNDRV_PCM_IOCTL_STATUS / STATUS_EXT (snd_pcm_status_user32).
pub fn pcm_status(fd: u64, req: u32, arg: u64) -> Res {
    let ext = req & 0xff == 0x24;
    let mut h = [0u8; 152];
    if ext {
        put32(&mut h, 92, guest::u32_at(arg + 48)?);
    }
    let host_req = (req & !(0x3fff << 16)) | 152 << 16;
    let r = host_ioctl(fd, host_req, h.as_mut_ptr() as u64)?;
    let b = boundary_or_default(fd);
    let mut out = [0u8; 108];
    for (go, ho, n) in STATUS32 {
        let v = if n == 8 {
            le64(&h, ho)
        } else {
            le32(&h, ho) as u64
        };
        let v = if go == 20 || go == 24 { v % b } else { v };
        put32(&mut out, go, v as u32);
    }
    guest::write_from(arg, &out)?;
    Ok(r)
}

/// SNDRV_PCM_IOCTL_DELAY: an snd_pcm_sframes_t (long).
pub fn pcm_delay(fd: u64, _req: u32, arg: u64) -> Res {
    let mut v: i64 = 0;
    let r = host_ioctl(fd, 0x80084121, guest::mptr(&mut v))?;
    guest::put_u32(arg, v as u32)?;
    Ok(r)
}

/// SNDRV_PCM_IOCTL_REWIND / FORWARD: frames in, the result written back.
pub fn pcm_rewind_forward(fd: u64, req: u32, arg: u64) -> Res {
    let mut v: u64 = guest::u32_at(arg)? as u64;
    let r = host_ioctl(fd, (req & !(0x3fff << 16)) | 8 << 16, guest::mptr(&mut v));
    if r != Err(Errno::ENOTTY) {
        guest::put_u32(arg, v as u32)?;
    }
    r
}

/// SNDRV_PCM_IOCTL_CHANNEL_INFO: {uint channel; off_t offset; uint first, step}.
pub fn pcm_channel_info(fd: u64, _req: u32, arg: u64) -> Res {
    let g: [u32; 4] = guest::read(arg)?;
    let mut h = [0u8; 24];
    put32(&mut h, 0, g[0]);
    put64(&mut h, 8, g[1] as u64);
    put32(&mut h, 16, g[2]);
    put32(&mut h, 20, g[3]);
    let r = host_ioctl(fd, 0x80184132, h.as_mut_ptr() as u64)?;
    let out = [le32(&h, 0), le64(&h, 8) as u32, le32(&h, 16), le32(&h, 20)];
    guest::write(arg, &out)?;
    Ok(r)
}

/// SNDRV_PCM_IOCTL_{WRITE,READ}{I,N}_FRAMES: {long result; void *buf (or
/// void **bufs); ulong frames}. The N forms' per-channel pointer array
/// is widened too (at most 128 channels, as the compat layer).
pub fn pcm_xfer(fd: u64, req: u32, arg: u64) -> Res {
    let g: [u32; 3] = guest::read(arg)?;
    let nonint = req & 0xff >= 0x52;
    let mut bufs: Vec<u64> = Vec::new();
    let buf = if nonint && g[1] != 0 {
        // The kernel reads one pointer per channel; read what is there.
        for k in 0..128u64 {
            match guest::u32_at(g[1] as u64 + 4 * k) {
                Ok(p) => bufs.push(p as u64),
                Err(_) => break,
            }
        }
        if bufs.is_empty() {
            g[1] as u64
        } else {
            bufs.as_ptr() as u64
        }
    } else {
        g[1] as u64
    };
    let mut h: [u64; 3] = [0, buf, g[2] as u64];
    let host_req = (req & !(0x3fff << 16)) | 24 << 16;
    let r = host_ioctl(fd, host_req, guest::mptr(&mut h))?;
    guest::put_u32(arg, h[0] as u32)?;
    Ok(r)
}

// ---- routing -------------------------------------------------------------------

/// struct compat_rtentry.
#[repr(C)]
struct Rtentry32 {
    pad1: u32,
    dst: [u8; 16],
    gateway: [u8; 16],
    genmask: [u8; 16],
    flags: u16,
    pad2: i16,
    pad3: u32,
    tos: u8,
    class: u8,
    pad4: i16,
    metric: i16,
    dev: u32,
    mtu: u32,
    window: u32,
    irtt: u16,
}
/// struct rtentry (host).
#[repr(C)]
struct Rtentry {
    pad1: u64,
    dst: [u8; 16],
    gateway: [u8; 16],
    genmask: [u8; 16],
    flags: u16,
    pad2: i16,
    pad3: u64,
    pad4: u64,
    metric: i16,
    dev: u64,
    mtu: u64,
    window: u64,
    irtt: u16,
}
const _: () = assert!(size_of::<Rtentry32>() == 84 && offset_of!(Rtentry32, flags) == 52);
const _: () = assert!(offset_of!(Rtentry32, metric) == 64 && offset_of!(Rtentry32, dev) == 68);
const _: () = assert!(offset_of!(Rtentry32, irtt) == 80);
const _: () = assert!(size_of::<Rtentry>() == 120 && offset_of!(Rtentry, metric) == 80);
const _: () = assert!(offset_of!(Rtentry, dev) == 88 && offset_of!(Rtentry, irtt) == 112);

/// struct in6_rtmsg: 60 bytes of fixed fields, then `unsigned long
/// rtmsg_info`, u32 flags, int ifindex.
const IN6_RTMSG32: usize = 72;
const IN6_RTMSG64: usize = 80;

/// SIOCADDRT / SIOCDELRT: the argument's layout depends on the socket's
/// family (inet_compat_routing_ioctl, inet6_compat_routing_ioctl).
pub fn routing(fd: u64, req: u32, arg: u64) -> Res {
    let mut domain: i32 = 0;
    let mut len: u32 = 4;
    let family = match sys!(
        libc::SYS_getsockopt,
        fd,
        libc::SOL_SOCKET,
        libc::SO_DOMAIN,
        guest::mptr(&mut domain),
        guest::mptr(&mut len)
    ) {
        Ok(_) => domain,
        // Not a socket: the kernel's answer (ENOTTY) for any argument.
        Err(_) => return host_ioctl(fd, req, arg),
    };
    match family {
        libc::AF_INET | libc::AF_APPLETALK => {
            let g = guest::read_bytes(arg, size_of::<Rtentry32>())?;
            let mut h = Rtentry {
                pad1: 0,
                dst: [0; 16],
                gateway: [0; 16],
                genmask: [0; 16],
                flags: u16::from_le_bytes([g[52], g[53]]),
                pad2: 0,
                pad3: 0,
                pad4: 0,
                metric: i16::from_le_bytes([g[64], g[65]]),
                dev: le32(&g, 68) as u64,
                mtu: le32(&g, 72) as u64,
                window: le32(&g, 76) as u64,
                irtt: u16::from_le_bytes([g[80], g[81]]),
            };
            h.dst.copy_from_slice(&g[4..20]);
            h.gateway.copy_from_slice(&g[20..36]);
            h.genmask.copy_from_slice(&g[36..52]);
            host_ioctl(fd, req, &mut h as *mut Rtentry as u64)
        }
        libc::AF_INET6 => {
            let g = guest::read_bytes(arg, IN6_RTMSG32)?;
            let mut h = [0u8; IN6_RTMSG64];
            h[..60].copy_from_slice(&g[..60]);
            put64(&mut h, 64, le32(&g, 60) as u64);
            h[72..80].copy_from_slice(&g[64..72]);
            host_ioctl(fd, req, h.as_mut_ptr() as u64)
        }
        // Other families read their own structs (or none).
        _ => {
            super::warn_once(
                1 << 41 | req as u64,
                "i386 ioctl SIOCADDRT/SIOCDELRT",
                "only AF_INET, AF_APPLETALK and AF_INET6 routes are translated",
            );
            Err(Errno::ENOTTY)
        }
    }
}

// ---- usbdevfs URBs -------------------------------------------------------------

/// struct usbdevfs_urb32 (i386), followed by iso_frame_desc[].
#[repr(C)]
struct Urb32 {
    ty: u8,
    endpoint: u8,
    status: i32,
    flags: u32,
    buffer: u32,
    buffer_length: i32,
    actual_length: i32,
    start_frame: i32,
    number_of_packets: i32,
    error_count: i32,
    signr: u32,
    usercontext: u32,
}
/// struct usbdevfs_urb (host).
#[repr(C)]
struct Urb {
    ty: u8,
    endpoint: u8,
    status: i32,
    flags: u32,
    buffer: u64,
    buffer_length: i32,
    actual_length: i32,
    start_frame: i32,
    number_of_packets: i32,
    error_count: i32,
    signr: u32,
    usercontext: u64,
}
const URB32: usize = 44;
const URB64: usize = 56;
const ISO_DESC: usize = 12;
const _: () = assert!(size_of::<Urb32>() == URB32 && offset_of!(Urb32, buffer) == 12);
const _: () =
    assert!(offset_of!(Urb32, actual_length) == 20 && offset_of!(Urb32, error_count) == 32);
const _: () = assert!(size_of::<Urb>() == URB64 && offset_of!(Urb, buffer) == 16);
const _: () = assert!(offset_of!(Urb, actual_length) == 28 && offset_of!(Urb, error_count) == 40);
const USBDEVFS_URB_TYPE_ISO: u8 = 0;

/// URBs submitted from host copies and not reaped yet: host copy address
/// -> (the copy, descriptor, guest URB address).
type Urbs = HashMap<u64, (Box<[u64]>, u64, u64)>;
static URBS: Mutex<Option<Urbs>> = Mutex::new(None);

fn urbs() -> std::sync::MutexGuard<'static, Option<Urbs>> {
    URBS.lock().unwrap_or_else(|e| e.into_inner())
}

/// USBDEVFS_SUBMITURB: the kernel keeps the URB's address until it is
/// reaped, so the host copy lives until then.
pub fn usb_submiturb(fd: u64, _req: u32, arg: u64) -> Res {
    let g = guest::read_bytes(arg, URB32)?;
    let ty = g[0];
    let packets = le32(&g, 28) as i32;
    let iso = if ty == USBDEVFS_URB_TYPE_ISO && packets > 0 && packets <= 128 {
        packets as usize
    } else {
        0
    };
    let descs = guest::read_bytes(arg + URB32 as u64, iso * ISO_DESC)?;
    // A u64 array keeps the copy 8-byte aligned.
    let mut copy = vec![0u64; (URB64 + iso * ISO_DESC).div_ceil(8)].into_boxed_slice();
    // SAFETY: viewing the u64 array as its bytes.
    let h = unsafe { std::slice::from_raw_parts_mut(copy.as_mut_ptr() as *mut u8, copy.len() * 8) };
    h[0..12].copy_from_slice(&g[0..12]);
    put64(h, 16, le32(&g, 12) as u64);
    h[24..44].copy_from_slice(&g[16..36]);
    put32(h, 44, le32(&g, 36));
    put64(h, 48, le32(&g, 40) as u64);
    h[URB64..URB64 + descs.len()].copy_from_slice(&descs);
    let host = copy.as_ptr() as u64;
    let r = host_ioctl(fd, 0x8038550a, host)?;
    urbs()
        .get_or_insert_with(HashMap::new)
        .insert(host, (copy, fd, arg));
    Ok(r)
}

/// USBDEVFS_REAPURB / REAPURBNDELAY: the kernel names the host copy; the
/// guest gets its own URB, with the completion fields written back.
pub fn usb_reapurb(fd: u64, req: u32, arg: u64) -> Res {
    guest::u32_at(arg)?;
    let mut got: u64 = 0;
    let host_req = (req & !(0x3fff << 16)) | 8 << 16;
    let r = host_ioctl(fd, host_req, guest::mptr(&mut got))?;
    let entry = urbs().as_mut().and_then(|m| m.remove(&got));
    let Some((copy, _, guest_urb)) = entry else {
        // Not one x86run submitted (cannot happen for this process).
        return Err(Errno::EFAULT);
    };
    // SAFETY: viewing the u64 array as its bytes.
    let h = unsafe { std::slice::from_raw_parts(copy.as_ptr() as *const u8, copy.len() * 8) };
    guest::put_u32(guest_urb + 4, le32(h, 4))?;
    guest::put_u32(guest_urb + 20, le32(h, 28))?;
    guest::put_u32(guest_urb + 32, le32(h, 40))?;
    let iso = (h.len() - URB64) / ISO_DESC;
    let packets = (le32(h, 36) as usize).min(iso);
    for k in 0..packets {
        let at = URB64 + k * ISO_DESC;
        let g_at = guest_urb + (URB32 + k * ISO_DESC) as u64;
        guest::put_u32(g_at + 4, le32(h, at + 4))?;
        guest::put_u32(g_at + 8, le32(h, at + 8))?;
    }
    guest::put_u32(arg, guest_urb as u32)?;
    Ok(r)
}

/// USBDEVFS_DISCARDURB: the kernel knows the URB by its host copy.
pub fn usb_discardurb(fd: u64, req: u32, arg: u64) -> Res {
    let host = urbs()
        .as_ref()
        .and_then(|m| m.iter().find(|(_, v)| v.2 == arg).map(|(k, _)| *k));
    host_ioctl(fd, req, host.unwrap_or(arg))
}

/// The descriptor was closed: the kernel dropped its URBs.
pub fn closed(fd: u64) {
    if let Some(m) = urbs().as_mut() {
        m.retain(|_, v| v.1 != fd);
    }
    if let Some(m) = buffer_sizes().as_mut() {
        m.remove(&fd);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundary_is_the_kernels() {
        // recalculate_boundary: the largest buffer_size * 2^k within
        // 0x7fffffff - buffer_size.
        assert_eq!(boundary32(0), 0);
        assert_eq!(boundary32(4096), 0x4000_0000);
        assert_eq!(boundary32(6000), 6000 << 18);
        assert_eq!(boundary32(0x7000_0000), 0x7000_0000);
    }

    #[test]
    fn appl_ptr_unwraps_near_the_kernels() {
        let b = 1 << 30;
        assert_eq!(unwrap_appl(150, 100, b), 150);
        assert_eq!(unwrap_appl(20, b + 10, b), b + 20);
        assert_eq!(unwrap_appl(b - 5, b - 10, b), b - 5);
        assert_eq!(unwrap_appl(b - 3, b + 5, b), b - 3);
        assert_eq!(unwrap_appl(7, 3 * b + 1, b), 3 * b + 7);
    }
}
