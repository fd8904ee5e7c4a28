//! Input devices: evdev and uinput descriptors carry `struct input_event`,
//! whose timestamp is a `struct timeval` — 16 bytes per event for an i386
//! process, 24 for a native one (the kernel picks by the caller's ABI).
//! Reads and writes on such descriptors are converted event by event; the
//! descriptors are recognised when opened (character devices of the input
//! major, or the uinput misc device).

use super::guest;
use super::{sys, Errno, Res};
use libc::*;
use std::sync::atomic::{AtomicU64, Ordering};

/// Descriptors that are input devices (one bit each, first 64Ki).
static INPUT: [AtomicU64; 1024] = [const { AtomicU64::new(0) }; 1024];

const EVENT32: usize = 16;
const EVENT64: usize = 24;
/// sizeof(struct uinput_user_dev), written once to set a uinput device up.
const UINPUT_USER_DEV: u64 = 1116;

fn set(fd: i64, on: bool) {
    if let Some(w) = INPUT.get(fd as usize / 64) {
        let bit = 1 << (fd % 64);
        if on {
            w.fetch_or(bit, Ordering::Relaxed);
        } else {
            w.fetch_and(!bit, Ordering::Relaxed);
        }
    }
}

/// Whether `fd` is an input device.
pub fn is_input(fd: u64) -> bool {
    INPUT
        .get(fd as usize / 64)
        .is_some_and(|w| w.load(Ordering::Relaxed) >> (fd % 64) & 1 != 0)
}

/// Records whether a newly opened descriptor is an input device.
pub fn opened(fd: i64, st: Option<&stat>) {
    const INPUT_MAJOR: u32 = 13;
    const MISC_MAJOR: u32 = 10;
    const UINPUT_MINOR: u32 = 223;
    let input = st.is_some_and(|st| {
        st.st_mode & S_IFMT == S_IFCHR
            && (major(st.st_rdev) == INPUT_MAJOR
                || (major(st.st_rdev) == MISC_MAJOR && minor(st.st_rdev) == UINPUT_MINOR))
    });
    set(fd, input);
}

/// A duplicate of an input descriptor is one too.
pub fn duped(old: u64, new: i64) {
    set(new, is_input(old));
}

pub fn closed(fd: u64) {
    set(fd as i64, false);
}

/// read() on an input device: whole 16-byte events.
pub fn read(fd: u64, buf: u64, count: u64) -> Res {
    let n = count as usize / EVENT32;
    if n == 0 {
        return Err(Errno::EINVAL);
    }
    let mut host = vec![0u8; n.min(4096) * EVENT64];
    let r = sys!(SYS_read, fd, host.as_mut_ptr(), host.len())? as usize;
    let got = r / EVENT64;
    let mut out = vec![0u8; got * EVENT32];
    for k in 0..got {
        let (h, g) = (
            &host[k * EVENT64..][..EVENT64],
            &mut out[k * EVENT32..][..EVENT32],
        );
        g[0..4].copy_from_slice(&h[0..4]); // tv_sec (low half)
        g[4..8].copy_from_slice(&h[8..12]); // tv_usec
        g[8..16].copy_from_slice(&h[16..24]); // type, code, value
    }
    guest::write_from(buf, &out)?;
    Ok((got * EVENT32) as i64)
}

/// write() on an input device (uinput, or evdev for LEDs and sounds).
pub fn write(fd: u64, buf: u64, count: u64) -> Res {
    if count == UINPUT_USER_DEV {
        return sys!(SYS_write, fd, buf, count);
    }
    let n = (count as usize / EVENT32).min(4096);
    let g = guest::read_bytes(buf, n * EVENT32)?;
    let mut host = vec![0u8; n * EVENT64];
    for k in 0..n {
        let (s, h) = (
            &g[k * EVENT32..][..EVENT32],
            &mut host[k * EVENT64..][..EVENT64],
        );
        let sec = i32::from_le_bytes(s[0..4].try_into().unwrap_or_default()) as i64;
        let usec = i32::from_le_bytes(s[4..8].try_into().unwrap_or_default()) as i64;
        h[0..8].copy_from_slice(&sec.to_le_bytes());
        h[8..16].copy_from_slice(&usec.to_le_bytes());
        h[16..24].copy_from_slice(&s[8..16]);
    }
    let r = sys!(SYS_write, fd, host.as_ptr(), host.len())? as usize;
    Ok((r / EVENT64 * EVENT32) as i64)
}
