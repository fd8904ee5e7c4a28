//! The guest address space. An i386 guest owns the low 4 GiB of the host
//! process: it is reserved (PROT_NONE) at start-up, so no emulator allocation
//! can land there, and x86run places every guest mapping inside it itself —
//! top-down below the stack from a randomised base, as a 32-bit process sees.
//! An x86-64 guest shares the host's address space; its mappings pass
//! through. Both get an emulated brk.

use crate::host::syscall6;
use std::collections::BTreeMap;

pub const PAGE: u64 = 4096;
/// Lowest guest address (the kernel's default mmap_min_addr).
pub const LOW: u64 = 0x1_0000;
/// End of the i386 guest address space.
pub const TOP32: u64 = 0x1_0000_0000;
/// Top of the i386 stack mapping (as a 32-bit process on a 64-bit kernel).
pub const STACK_TOP32: u64 = 0xffff_e000;
/// Guest stack size.
pub const STACK_SIZE: u64 = 8 << 20;

const ENOMEM: i64 = -(libc::ENOMEM as i64);
const EINVAL: i64 = -(libc::EINVAL as i64);
const EEXIST: i64 = -(libc::EEXIST as i64);

pub fn page_up(v: u64) -> u64 {
    v.wrapping_add(PAGE - 1) & !(PAGE - 1)
}

pub fn page_down(v: u64) -> u64 {
    v & !(PAGE - 1)
}

fn host_mmap(addr: u64, len: u64, prot: i32, flags: i32, fd: i32, off: u64) -> i64 {
    syscall6(
        libc::SYS_mmap as u64,
        [addr, len, prot as u64, flags as u64, fd as i64 as u64, off],
    )
}

/// The huge-page size a mapping must be aligned to: MAP_HUGETLB (with its
/// encoded size, default 2 MiB), or a file on hugetlbfs (its block size).
fn huge_page_size(flags: i32, fd: i32) -> Option<u64> {
    const HUGETLBFS_MAGIC: u64 = 0x9584_58f6;
    if flags & libc::MAP_HUGETLB != 0 {
        let shift = (flags >> libc::MAP_HUGE_SHIFT) & 0x3f;
        return Some(if shift != 0 { 1 << shift } else { 2 << 20 });
    }
    if fd < 0 || flags & libc::MAP_ANONYMOUS != 0 {
        return None;
    }
    // struct statfs: f_type, then f_bsize, as 64-bit words.
    let mut buf = [0u64; 16];
    let r = syscall6(
        libc::SYS_fstatfs as u64,
        [fd as u64, buf.as_mut_ptr() as u64, 0, 0, 0, 0],
    );
    (r == 0 && buf[0] & 0xffff_ffff == HUGETLBFS_MAGIC && buf[1].is_power_of_two())
        .then_some(buf[1])
}

/// A few random bits from the kernel (for address-space randomisation).
pub fn random_u64() -> u64 {
    let mut v = 0u64;
    let p = &mut v as *mut u64 as u64;
    syscall6(libc::SYS_getrandom as u64, [p, 8, 0, 0, 0, 0]);
    v
}

/// The guest's view of memory placement.
pub struct AddressSpace {
    /// True for an i386 guest (x86run manages the low 4 GiB).
    pub low4g: bool,
    /// Guest mappings [start, end) of an i386 guest, merged.
    regions: BTreeMap<u64, u64>,
    /// Top-down allocations start below this address.
    mmap_base: u64,
    pub brk_start: u64,
    pub brk_cur: u64,
    /// End of the pages mapped for brk.
    brk_mapped: u64,
    /// The initial stack mapping [start, end), for /proc/self/maps.
    pub stack: (u64, u64),
}

impl AddressSpace {
    /// Sets up the guest address space; for an i386 guest, reserves the low
    /// 4 GiB. Fails when something already occupies that range.
    pub fn new(low4g: bool) -> Result<Self, String> {
        let mut mmap_base = 0;
        if low4g {
            let r = host_mmap(
                LOW,
                TOP32 - LOW,
                libc::PROT_NONE,
                libc::MAP_PRIVATE
                    | libc::MAP_ANONYMOUS
                    | libc::MAP_NORESERVE
                    | libc::MAP_FIXED_NOREPLACE,
                -1,
                0,
            );
            if r != LOW as i64 {
                return Err(format!(
                    "cannot reserve the low 4 GiB for the i386 guest (error {})",
                    -r
                ));
            }
            // Randomise like the kernel's mmap_base: up to 256 pages... a 1 MiB range.
            let rand = (random_u64() % 256) * PAGE;
            mmap_base = STACK_TOP32 - STACK_SIZE - (16 << 20) - rand;
        }
        Ok(AddressSpace {
            low4g,
            regions: BTreeMap::new(),
            mmap_base,
            brk_start: 0,
            brk_cur: 0,
            brk_mapped: 0,
            stack: (0, 0),
        })
    }

    fn is_free(&self, start: u64, end: u64) -> bool {
        if start < LOW || end > TOP32 || start >= end {
            return false;
        }
        // The last region starting before `end` must end at or before `start`.
        match self.regions.range(..end).next_back() {
            Some((_, &e)) => e <= start,
            None => true,
        }
    }

    fn insert(&mut self, start: u64, end: u64) {
        self.remove(start, end);
        let (mut s, mut e) = (start, end);
        if let Some((&ps, &pe)) = self.regions.range(..=s).next_back() {
            if pe == s {
                s = ps;
                self.regions.remove(&ps);
            }
        }
        if let Some(&ne) = self.regions.get(&e) {
            self.regions.remove(&e);
            e = ne;
        }
        self.regions.insert(s, e);
    }

    fn remove(&mut self, start: u64, end: u64) {
        let overlapping: Vec<(u64, u64)> = self
            .regions
            .range(..end)
            .filter(|(_, &e)| e > start)
            .map(|(&s, &e)| (s, e))
            .collect();
        for (s, e) in overlapping {
            self.regions.remove(&s);
            if s < start {
                self.regions.insert(s, start);
            }
            if e > end {
                self.regions.insert(end, e);
            }
        }
    }

    /// The guest's mappings [start, end) of an i386 guest, in order.
    pub fn regions(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.regions.iter().map(|(&s, &e)| (s, e))
    }

    /// The brk area mapped so far [start, end).
    pub fn heap(&self) -> (u64, u64) {
        (self.brk_start, self.brk_mapped)
    }

    /// Whether [start, end) is entirely guest-mapped (i386).
    pub fn is_mapped(&self, start: u64, end: u64) -> bool {
        let mut at = start;
        while at < end {
            match self.regions.range(..=at).next_back() {
                Some((_, &e)) if e > at => at = e,
                _ => return false,
            }
        }
        true
    }

    /// Finds a free range of `len` bytes, top-down below the mmap base.
    fn find_free(&self, len: u64) -> Option<u64> {
        self.find_free_aligned(len, PAGE)
    }

    /// Finds a free range of `len` bytes starting at a multiple of `align`
    /// (a power of two), top-down below the mmap base, else bottom-up above it.
    fn find_free_aligned(&self, len: u64, align: u64) -> Option<u64> {
        let down = |v: u64| v & !(align - 1);
        let up = |v: u64| v.checked_add(align - 1).map(|x| x & !(align - 1));
        let mut top = self.mmap_base;
        for (&s, &e) in self.regions.range(..self.mmap_base).rev() {
            if e <= top && top >= len && down(top - len) >= e {
                return Some(down(top - len));
            }
            top = top.min(s);
        }
        if top >= LOW + len && down(top - len) >= LOW {
            return Some(down(top - len));
        }
        // Nothing below the base: search above it, bottom-up.
        let mut at = up(self.mmap_base)?;
        for (&s, &e) in self.regions.range(self.mmap_base..) {
            if s >= at + len {
                return Some(at);
            }
            at = up(at.max(e))?;
        }
        (at + len <= TOP32).then_some(at)
    }

    /// Re-reserves [start, end) after the guest gave it up (i386).
    fn reserve(start: u64, end: u64) {
        host_mmap(
            start,
            end - start,
            libc::PROT_NONE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE | libc::MAP_FIXED,
            -1,
            0,
        );
    }

    /// The guest's mmap. Returns the address or -errno.
    pub fn mmap(&mut self, addr: u64, len: u64, prot: i32, flags: i32, fd: i32, off: u64) -> i64 {
        if len == 0 {
            return EINVAL;
        }
        let len = page_up(len);
        if len == 0 {
            return ENOMEM;
        }
        if !self.low4g {
            return host_mmap(addr, len, prot, flags, fd, off);
        }
        // Huge-page mappings are placed and sized in whole huge pages.
        let align = huge_page_size(flags, fd).unwrap_or(PAGE);
        let Some(len) = len.checked_add(align - 1).map(|l| l & !(align - 1)) else {
            return ENOMEM;
        };
        let fixed = flags & libc::MAP_FIXED != 0;
        let noreplace = flags & libc::MAP_FIXED_NOREPLACE != 0;
        let host_flags = (flags
            & !(libc::MAP_FIXED_NOREPLACE | libc::MAP_GROWSDOWN | libc::MAP_32BIT))
            | libc::MAP_FIXED;
        let start = if fixed || noreplace {
            if addr & (PAGE - 1) != 0 {
                return EINVAL;
            }
            if addr < LOW || addr.checked_add(len).is_none_or(|e| e > TOP32) {
                return if fixed { EINVAL } else { ENOMEM };
            }
            if noreplace && !self.is_free(addr, addr + len) {
                return EEXIST;
            }
            addr
        } else {
            let hint = page_down(addr);
            if hint != 0 && hint & (align - 1) == 0 && self.is_free(hint, hint.saturating_add(len))
            {
                hint
            } else {
                match self.find_free_aligned(len, align) {
                    Some(a) => a,
                    None => return ENOMEM,
                }
            }
        };
        let r = host_mmap(start, len, prot, host_flags, fd, off);
        if r < 0 {
            if !self.is_mapped(start, start + len) {
                Self::reserve(start, start + len);
            }
            return r;
        }
        self.insert(start, start + len);
        start as i64
    }

    /// The guest's munmap.
    pub fn munmap(&mut self, addr: u64, len: u64) -> i64 {
        if addr & (PAGE - 1) != 0 || len == 0 {
            return EINVAL;
        }
        let len = page_up(len);
        if !self.low4g {
            return syscall6(libc::SYS_munmap as u64, [addr, len, 0, 0, 0, 0]);
        }
        let end = match addr.checked_add(len) {
            Some(e) if e <= TOP32 && addr >= LOW => e,
            _ => return EINVAL,
        };
        Self::reserve(addr, end);
        self.remove(addr, end);
        0
    }

    /// The guest's mprotect.
    pub fn mprotect(&mut self, addr: u64, len: u64, prot: i32) -> i64 {
        if addr & (PAGE - 1) != 0 {
            return EINVAL;
        }
        let len = page_up(len);
        if self.low4g && len != 0 {
            let end = addr.saturating_add(len);
            if end > TOP32 || !self.is_mapped(addr, end) {
                return ENOMEM;
            }
        }
        syscall6(libc::SYS_mprotect as u64, [addr, len, prot as u64, 0, 0, 0])
    }

    /// The guest's mremap.
    pub fn mremap(
        &mut self,
        old: u64,
        old_len: u64,
        new_len: u64,
        flags: i32,
        new_addr: u64,
    ) -> i64 {
        if !self.low4g {
            return syscall6(
                libc::SYS_mremap as u64,
                [old, old_len, new_len, flags as u64, new_addr, 0],
            );
        }
        if old & (PAGE - 1) != 0 || new_len == 0 {
            return EINVAL;
        }
        let old_len = page_up(old_len);
        let new_len = page_up(new_len);
        let mremap = |to_flags: i32, target: u64| {
            syscall6(
                libc::SYS_mremap as u64,
                [old, old_len, new_len, to_flags as u64, target, 0],
            )
        };
        if flags & libc::MREMAP_FIXED != 0 {
            if new_addr & (PAGE - 1) != 0
                || new_addr < LOW
                || new_addr.saturating_add(new_len) > TOP32
            {
                return EINVAL;
            }
            let r = mremap(libc::MREMAP_MAYMOVE | libc::MREMAP_FIXED, new_addr);
            if r >= 0 {
                Self::reserve(old, old + old_len);
                self.remove(old, old + old_len);
                self.insert(new_addr, new_addr + new_len);
            }
            return r;
        }
        if new_len <= old_len {
            let r = mremap(0, 0);
            if r >= 0 && new_len < old_len {
                Self::reserve(old + new_len, old + old_len);
                self.remove(old + new_len, old + old_len);
            }
            return r;
        }
        let grow_end = old + new_len;
        if self.is_free(old + old_len, grow_end) {
            // Drop the reservation behind the mapping so it can grow in place.
            syscall6(
                libc::SYS_munmap as u64,
                [old + old_len, new_len - old_len, 0, 0, 0, 0],
            );
            let r = mremap(0, 0);
            if r >= 0 {
                self.insert(old, grow_end);
                return r;
            }
            Self::reserve(old + old_len, grow_end);
        }
        if flags & libc::MREMAP_MAYMOVE == 0 {
            return ENOMEM;
        }
        let Some(target) = self.find_free(new_len) else {
            return ENOMEM;
        };
        let r = mremap(libc::MREMAP_MAYMOVE | libc::MREMAP_FIXED, target);
        if r >= 0 {
            Self::reserve(old, old + old_len);
            self.remove(old, old + old_len);
            self.insert(target, target + new_len);
        }
        r
    }

    /// Claims a range of the i386 guest space for a mapping the caller
    /// puts over the reservation itself (shmat, aio rings): `addr` 0 picks
    /// a free range top-down, otherwise [addr, addr+len) must lie in the
    /// guest space and, unless `replace`, be free. Returns the address or
    /// -errno; undo with `munmap`.
    pub fn claim(&mut self, addr: u64, len: u64, replace: bool) -> Result<u64, i64> {
        let len = page_up(len);
        if len == 0 || !self.low4g {
            return Err(EINVAL);
        }
        let start = if addr == 0 {
            self.find_free(len).ok_or(ENOMEM)?
        } else {
            if addr & (PAGE - 1) != 0
                || addr < LOW
                || addr.checked_add(len).is_none_or(|e| e > TOP32)
            {
                return Err(EINVAL);
            }
            if !replace && !self.is_free(addr, addr + len) {
                return Err(EINVAL);
            }
            addr
        };
        self.insert(start, start + len);
        Ok(start)
    }

    /// Sets where brk starts (just past the program's highest segment).
    pub fn init_brk(&mut self, end: u64) {
        self.brk_start = page_up(end);
        self.brk_cur = self.brk_start;
        self.brk_mapped = self.brk_start;
    }

    /// The guest's brk: returns the new (or unchanged) break.
    pub fn brk(&mut self, new: u64) -> u64 {
        if new < self.brk_start {
            return self.brk_cur;
        }
        let want = page_up(new);
        if want > self.brk_mapped {
            let len = want - self.brk_mapped;
            let flags = libc::MAP_PRIVATE | libc::MAP_ANONYMOUS;
            let prot = libc::PROT_READ | libc::PROT_WRITE;
            let r = if self.low4g {
                self.mmap(
                    self.brk_mapped,
                    len,
                    prot,
                    flags | libc::MAP_FIXED_NOREPLACE,
                    -1,
                    0,
                )
            } else {
                host_mmap(
                    self.brk_mapped,
                    len,
                    prot,
                    flags | libc::MAP_FIXED_NOREPLACE,
                    -1,
                    0,
                )
            };
            if r != self.brk_mapped as i64 {
                return self.brk_cur;
            }
            self.brk_mapped = want;
        } else if want < self.brk_mapped {
            self.munmap(want, self.brk_mapped - want);
            self.brk_mapped = want;
        }
        self.brk_cur = new;
        new
    }

    /// Allocates and maps an anonymous region for the loader (stack,
    /// position-independent images). `hint` is honoured when free.
    pub fn map_anon(&mut self, hint: u64, len: u64, prot: i32) -> Result<u64, i64> {
        let flags = libc::MAP_PRIVATE | libc::MAP_ANONYMOUS;
        let r = self.mmap(hint, len, prot, flags, -1, 0);
        if r < 0 {
            Err(r)
        } else {
            Ok(r as u64)
        }
    }

    /// Maps an anonymous region at exactly `addr` (loader segments).
    pub fn map_fixed_anon(&mut self, addr: u64, len: u64, prot: i32) -> Result<u64, i64> {
        let flags = libc::MAP_PRIVATE | libc::MAP_ANONYMOUS;
        let flags = if self.low4g {
            flags | libc::MAP_FIXED
        } else {
            flags | libc::MAP_FIXED_NOREPLACE
        };
        let r = self.mmap(addr, len, prot, flags, -1, 0);
        if r < 0 || r as u64 != addr {
            Err(if r < 0 { r } else { EEXIST })
        } else {
            Ok(addr)
        }
    }
}
