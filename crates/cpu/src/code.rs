//! Self-modifying code: guest pages that hold decoded code and are writable
//! are write-protected on the host when a block is decoded from them. A guest
//! store to such a page faults; the interpreter then restores write access,
//! forgets the page and reports `Exit::CodeWritten`, so that every thread
//! drops its decoded blocks for the page before the store is retried.
//! Pages the guest cannot write need no protection: changing them takes an
//! mprotect or munmap, which invalidates decoded code anyway.

use crate::mem;
use std::collections::BTreeSet;
use std::sync::Mutex;

const PAGE: u64 = 4096;

/// Pages x86run made read-only because they hold decoded code.
static PROTECTED: Mutex<BTreeSet<u64>> = Mutex::new(BTreeSet::new());

/// Code pages found not writable (probed once: each probe of such a page
/// is a host fault, and a host signal handler round trip in a guest thread
/// can take a process-directed signal meant for another thread).
static READ_ONLY: Mutex<BTreeSet<u64>> = Mutex::new(BTreeSet::new());

fn protected() -> std::sync::MutexGuard<'static, BTreeSet<u64>> {
    PROTECTED.lock().unwrap_or_else(|e| e.into_inner())
}

fn read_only() -> std::sync::MutexGuard<'static, BTreeSet<u64>> {
    READ_ONLY.lock().unwrap_or_else(|e| e.into_inner())
}

fn host_mprotect(page: u64, prot: i32) -> bool {
    // SAFETY: changes the protection of one guest page; guest memory is
    // only ever accessed through the fault-checked accessors in mem.rs.
    unsafe { libc::mprotect(page as *mut libc::c_void, PAGE as usize, prot) == 0 }
}

/// This module's locks, held (across a fork: the child must not inherit
/// them held by a thread that does not exist there).
pub struct ForkLock {
    _protected: std::sync::MutexGuard<'static, BTreeSet<u64>>,
    _read_only: std::sync::MutexGuard<'static, BTreeSet<u64>>,
}

/// Takes this module's locks until the returned value is dropped.
pub fn fork_lock() -> ForkLock {
    ForkLock {
        _protected: protected(),
        _read_only: read_only(),
    }
}

/// Called after decoding code in [start, end): write-protects the pages
/// that the guest could write.
pub fn note_decoded(start: u64, end: u64) {
    let mut set = protected();
    let mut ro = read_only();
    let mut page = start & !(PAGE - 1);
    while page < end {
        if !set.contains(&page) && !ro.contains(&page) {
            if !writable(page) {
                ro.insert(page);
            } else if host_mprotect(page, libc::PROT_READ | libc::PROT_EXEC) {
                set.insert(page);
            }
        }
        page += PAGE;
    }
}

/// Whether the guest can write `page`.
fn writable(page: u64) -> bool {
    // MADV_POPULATE_WRITE (Linux 5.14) makes the page writable in the page
    // tables as a store would, and fails where a store would fault, without
    // the host signal of a faulting probe (one per read-only code page, 58
    // at the start of a dynamic /bin/true).
    // It must succeed on a writable page (this stack frame's) and fail on
    // a read-only one (this function's code), or the store is used.
    static SUPPORTED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let supported = *SUPPORTED.get_or_init(|| {
        let here = 0u8;
        let stack = &here as *const u8 as u64 & !(PAGE - 1);
        let code = writable as fn(u64) -> bool as usize as u64 & !(PAGE - 1);
        populate_write(stack) == 0 && matches!(populate_write(code), libc::EINVAL | libc::EFAULT)
    });
    if supported {
        match populate_write(page) {
            0 => return true,
            // No write permission (or not a page a store could reach).
            libc::EINVAL | libc::EFAULT => return false,
            // Not mapped, or out of memory: the store tells which.
            _ => {}
        }
    }
    // A locked compare-exchange of a byte with itself writes without
    // changing anything, and faults if it cannot.
    mem::read_u8(page)
        .and_then(|v| mem::cas_u8(page, v as u64, v as u64))
        .is_ok()
}

/// madvise(MADV_POPULATE_WRITE) of one page: 0, or the errno.
fn populate_write(page: u64) -> i32 {
    // SAFETY: madvise on one page; it changes no contents.
    let r = unsafe {
        libc::madvise(
            page as *mut libc::c_void,
            PAGE as usize,
            libc::MADV_POPULATE_WRITE,
        )
    };
    if r == 0 {
        0
    } else {
        // Never 0 on failure (that would read as success).
        std::io::Error::last_os_error()
            .raw_os_error()
            .filter(|&e| e != 0)
            .unwrap_or(libc::EIO)
    }
}

/// Handles a write fault at `addr`: if x86run protected that page, makes it
/// writable again and returns the page for invalidation.
pub fn on_write_fault(addr: u64) -> Option<u64> {
    let page = addr & !(PAGE - 1);
    let mut set = protected();
    if set.remove(&page) {
        host_mprotect(page, libc::PROT_READ | libc::PROT_WRITE | libc::PROT_EXEC);
        Some(page)
    } else {
        None
    }
}

/// The guest changed or unmapped [start, end) itself: x86run no longer
/// holds any of those pages protected.
pub fn forget(start: u64, end: u64) {
    for mut set in [protected(), read_only()] {
        if !set.is_empty() {
            set.retain(|&p| p + PAGE <= start || p >= end);
        }
    }
}

/// Makes every protected page writable again (a system call needs to write
/// to one); returns the pages, whose decoded blocks must be dropped.
pub fn release_all() -> Vec<u64> {
    let mut set = protected();
    let pages: Vec<u64> = set.iter().copied().collect();
    for &page in &pages {
        host_mprotect(page, libc::PROT_READ | libc::PROT_WRITE | libc::PROT_EXEC);
    }
    set.clear();
    pages
}
