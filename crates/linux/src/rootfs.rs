//! Resolving guest paths in the root filesystem (--rootfs): the guest's
//! absolute paths name files inside the root filesystem as if it were `/`,
//! with symbolic links — absolute ones too — resolved inside it, the way a
//! chroot sees them. A path whose directory does not exist there falls back
//! to the host (as qemu-user's -L does); /proc, /sys and /dev are the host's.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// Most symbolic links followed while resolving one path (the kernel's limit).
const MAX_LINKS: usize = 40;

fn is_host_only(guest: &[u8]) -> bool {
    [&b"/proc"[..], b"/sys", b"/dev"].iter().any(|p| {
        guest
            .strip_prefix(*p)
            .is_some_and(|rest| rest.is_empty() || rest[0] == b'/')
    })
}

/// Resolves absolute guest path `guest` inside `root`. `follow_last` says
/// whether a symbolic link in the last component is followed. Returns the
/// host path, or None when the path is not inside the root filesystem.
pub fn resolve(root: &Path, guest: &[u8], follow_last: bool) -> Option<Vec<u8>> {
    if guest.first() != Some(&b'/') || is_host_only(guest) {
        return None;
    }
    let root_b = root.as_os_str().as_bytes();
    // Components still to walk, and the resolved guest path so far.
    let mut todo: Vec<Vec<u8>> = split(guest);
    todo.reverse();
    let mut done: Vec<Vec<u8>> = Vec::new();
    let mut links = 0;
    while let Some(c) = todo.pop() {
        match c.as_slice() {
            b"." => continue,
            b".." => {
                done.pop();
                continue;
            }
            _ => {}
        }
        let last = todo.is_empty();
        let mut host = root_b.to_vec();
        for d in done.iter().chain(std::iter::once(&c)) {
            host.push(b'/');
            host.extend_from_slice(d);
        }
        match std::fs::symlink_metadata(OsStr::from_bytes(&host)) {
            Ok(m) if m.file_type().is_symlink() && (!last || follow_last) => {
                links += 1;
                if links > MAX_LINKS {
                    return Some(host);
                }
                let target = std::fs::read_link(OsStr::from_bytes(&host)).ok()?;
                let t = target.as_os_str().as_bytes();
                if t.first() == Some(&b'/') {
                    done.clear();
                }
                let mut parts = split(t);
                parts.reverse();
                todo.extend(parts);
            }
            Ok(_) => done.push(c),
            // A missing last component is created inside the root
            // filesystem if its directory is there; a missing directory
            // means the path is not the root filesystem's.
            Err(_) if last => done.push(c),
            Err(_) => return None,
        }
    }
    let mut host = root_b.to_vec();
    for d in &done {
        host.push(b'/');
        host.extend_from_slice(d);
    }
    if done.is_empty() {
        host.push(b'/');
    }
    Some(host)
}

fn split(p: &[u8]) -> Vec<Vec<u8>> {
    p.split(|&b| b == b'/')
        .filter(|c| !c.is_empty())
        .map(|c| c.to_vec())
        .collect()
}

/// Whether the guest path names something the root filesystem has or can
/// hold (its directory exists there).
pub fn exists_in(root: &Path, host: &[u8]) -> bool {
    let p = Path::new(OsStr::from_bytes(host));
    p.starts_with(root) && (p.symlink_metadata().is_ok() || p.parent().is_some_and(|d| d.is_dir()))
}
