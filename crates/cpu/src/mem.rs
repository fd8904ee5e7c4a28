//! Guest memory access. Guest address = host address: every guest load and store
//! is one small `asm!` accessor whose instruction is listed in an exception
//! table. A host SIGSEGV/SIGBUS on such an instruction is turned by `fault.rs`
//! into a jump: for loads (`x86run_extable`) past it with the fault described
//! in r8-r10, for stores (`x86run_extable_goto`, which need no test on the
//! way that does not fault) to the accessor's `fail` label with the fault in a
//! thread-local. Either way the accessor returns `Err(Fault)` instead of
//! crashing the emulator.

use core::arch::asm;

/// A failed guest memory access, as the host kernel reported it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fault {
    /// Faulting address (si_addr).
    pub addr: u64,
    /// Host signal number (SIGSEGV or SIGBUS).
    pub signo: i32,
    /// si_code (SEGV_MAPERR, SEGV_ACCERR, BUS_ADRERR, ...).
    pub code: i32,
}

#[inline(always)]
fn check(fault: u64, addr: u64, code: u64) -> Result<(), Fault> {
    if fault == 0 {
        Ok(())
    } else {
        Err(Fault {
            addr,
            signo: fault as i32,
            code: code as i32,
        })
    }
}

macro_rules! loader {
    ($name:ident, $ty:ty, $insn:literal) => {
        /// Loads from guest memory; a host fault becomes `Err(Fault)`.
        #[inline(always)]
        pub fn $name(addr: u64) -> Result<$ty, Fault> {
            let val: u64;
            let fault: u64;
            let faddr: u64;
            let code: u64;
            // SAFETY: the load is listed in the exception table; if the host
            // faults on it, fault.rs resumes at label 43 with r8 = signal,
            // r9 = address, r10 = si_code. Guest memory is plain bytes.
            unsafe {
                asm!(
                    "42:",
                    $insn,
                    "43:",
                    ".pushsection x86run_extable,\"aR\",@progbits",
                    ".balign 4",
                    ".long 42b - .",
                    ".long 43b - .",
                    ".popsection",
                    a = in(reg) addr,
                    v = lateout(reg) val,
                    inout("r8") 0u64 => fault,
                    lateout("r9") faddr,
                    lateout("r10") code,
                    options(nostack, preserves_flags, readonly),
                );
            }
            check(fault, faddr, code)?;
            Ok(val as $ty)
        }
    };
}

macro_rules! storer {
    ($name:ident, $raw:ident, $ty:ty, $insn:literal) => {
        /// Stores to guest memory; a host fault becomes `Err(Fault)`.
        #[inline(always)]
        pub fn $name(addr: u64, val: $ty) -> Result<(), Fault> {
            $raw(addr, val).map_err(|StoreFailed| take_fault())
        }

        /// Stores to guest memory; on a host fault the fault is in
        /// `stored_fault` (see `StoreFailed`).
        #[inline(always)]
        pub fn $raw(addr: u64, val: $ty) -> Result<(), StoreFailed> {
            // SAFETY: the store is listed in the goto exception table: if the
            // host faults on it, fault.rs records the fault (see `take_fault`)
            // and resumes at the `fail` label with every register as it was.
            // Guest memory is plain bytes.
            unsafe {
                asm!(
                    "42:",
                    $insn,
                    ".pushsection x86run_extable_goto,\"aR\",@progbits",
                    ".balign 4",
                    ".long 42b - .",
                    ".long {fail} - .",
                    ".popsection",
                    a = in(reg) addr,
                    v = in(reg) val as u64,
                    fail = label {
                        return Err(StoreFailed);
                    },
                    options(nostack, preserves_flags),
                );
            }
            Ok(())
        }
    };
}

/// A store that faulted; the fault itself is in a thread-local until
/// `stored_fault` takes it. (Reading it at the failure label made LLVM keep
/// registers across every store, which cost a stack frame in ops that store.)
#[derive(Clone, Copy, Debug)]
pub struct StoreFailed;

thread_local! {
    /// The last fault on a store of the goto table (signal, address, si_code).
    static STORE_FAULT: std::cell::Cell<(i32, u64, i32)> = const { std::cell::Cell::new((0, 0, 0)) };
}

/// Records a fault on a store of the goto table, for `take_fault` (called
/// by the fault handler, on the faulting thread).
pub(crate) fn record_fault(signo: i32, addr: u64, code: i32) {
    STORE_FAULT.with(|f| f.set((signo, addr, code)));
}

/// The fault that sent a store to its `fail` label.
#[inline(always)]
fn take_fault() -> Fault {
    let (signo, addr, code) = STORE_FAULT.with(|f| f.get());
    Fault { addr, signo, code }
}

loader!(read_u8, u8, "movzx {v:e}, byte ptr [{a}]");
loader!(read_u16, u16, "movzx {v:e}, word ptr [{a}]");
loader!(read_u32, u32, "mov {v:e}, dword ptr [{a}]");
loader!(read_u64, u64, "mov {v}, qword ptr [{a}]");
storer!(write_u8, store_u8, u8, "mov byte ptr [{a}], {v:l}");
storer!(write_u16, store_u16, u16, "mov word ptr [{a}], {v:x}");
storer!(write_u32, store_u32, u32, "mov dword ptr [{a}], {v:e}");
storer!(write_u64, store_u64, u64, "mov qword ptr [{a}], {v}");

/// The fault of the store that last returned `StoreFailed` on this thread.
#[cold]
#[inline(never)]
pub fn stored_fault() -> Fault {
    take_fault()
}

macro_rules! cas {
    ($name:ident, $insn:literal, $areg:literal) => {
        /// Atomic compare-and-exchange on guest memory (the `lock cmpxchg`
        /// the guest asked for). Returns the value found in memory.
        #[inline(always)]
        pub fn $name(addr: u64, expected: u64, new: u64) -> Result<u64, Fault> {
            let old: u64;
            let fault: u64;
            let faddr: u64;
            let code: u64;
            // SAFETY: the locked access is listed in the exception table.
            unsafe {
                asm!(
                    "42:",
                    $insn,
                    "43:",
                    ".pushsection x86run_extable,\"aR\",@progbits",
                    ".balign 4",
                    ".long 42b - .",
                    ".long 43b - .",
                    ".popsection",
                    in("rdi") addr,
                    in("rsi") new,
                    inout("rax") expected => old,
                    inout("r8") 0u64 => fault,
                    lateout("r9") faddr,
                    lateout("r10") code,
                    options(nostack),
                );
            }
            check(fault, faddr, code)?;
            Ok(old)
        }
    };
}

cas!(cas_u8, "lock cmpxchg byte ptr [rdi], sil", "al");
cas!(cas_u16, "lock cmpxchg word ptr [rdi], si", "ax");
cas!(cas_u32, "lock cmpxchg dword ptr [rdi], esi", "eax");
cas!(cas_u64, "lock cmpxchg qword ptr [rdi], rsi", "rax");

/// Atomic 16-byte compare-and-exchange (`lock cmpxchg16b`). Returns the old value.
#[inline(always)]
pub fn cas_u128(addr: u64, expected: u128, new: u128) -> Result<u128, Fault> {
    let (mut lo, mut hi) = (expected as u64, (expected >> 64) as u64);
    let fault: u64;
    let faddr: u64;
    let code: u64;
    // SAFETY: the locked access is listed in the exception table; rbx is
    // swapped in and out around it because LLVM reserves it.
    unsafe {
        asm!(
            "xchg rbx, {nlo}",
            "42:",
            "lock cmpxchg16b xmmword ptr [rdi]",
            "43:",
            "xchg rbx, {nlo}",
            ".pushsection x86run_extable,\"aR\",@progbits",
            ".balign 4",
            ".long 42b - .",
            ".long 43b - .",
            ".popsection",
            nlo = inout(reg) new as u64 => _,
            in("rdi") addr,
            in("rcx") (new >> 64) as u64,
            inout("rax") lo,
            inout("rdx") hi,
            inout("r8") 0u64 => fault,
            lateout("r9") faddr,
            lateout("r10") code,
            options(nostack),
        );
    }
    check(fault, faddr, code)?;
    let _ = (&mut lo, &mut hi);
    Ok((lo as u128) | ((hi as u128) << 64))
}

/// Reads a guest value of `size` bytes (1, 2, 4 or 8), zero-extended.
#[inline]
pub fn read(addr: u64, size: u32) -> Result<u64, Fault> {
    match size {
        1 => read_u8(addr).map(u64::from),
        2 => read_u16(addr).map(u64::from),
        4 => read_u32(addr).map(u64::from),
        _ => read_u64(addr),
    }
}

/// Writes the low `size` bytes (1, 2, 4 or 8) of `val` to guest memory.
#[inline]
pub fn write(addr: u64, size: u32, val: u64) -> Result<(), Fault> {
    match size {
        1 => write_u8(addr, val as u8),
        2 => write_u16(addr, val as u16),
        4 => write_u32(addr, val as u32),
        _ => write_u64(addr, val),
    }
}

/// `write` for the interpreter's ops: the fault, if any, is taken with
/// `stored_fault` on the failure path.
#[inline]
pub fn store(addr: u64, size: u32, val: u64) -> Result<(), StoreFailed> {
    match size {
        1 => store_u8(addr, val as u8),
        2 => store_u16(addr, val as u16),
        4 => store_u32(addr, val as u32),
        _ => store_u64(addr, val),
    }
}

/// Atomic compare-and-exchange of `size` bytes; returns the old value.
#[inline]
pub fn cas(addr: u64, size: u32, expected: u64, new: u64) -> Result<u64, Fault> {
    match size {
        1 => cas_u8(addr, expected, new),
        2 => cas_u16(addr, expected, new),
        4 => cas_u32(addr, expected, new),
        _ => cas_u64(addr, expected, new),
    }
}

/// Reads 16 bytes (two 8-byte loads; SSE loads are not atomic either).
#[inline]
pub fn read_u128(addr: u64) -> Result<u128, Fault> {
    let lo = read_u64(addr)?;
    let hi = read_u64(addr.wrapping_add(8))?;
    Ok((lo as u128) | ((hi as u128) << 64))
}

/// Writes 16 bytes; the high half is probed first so a fault leaves memory unchanged.
#[inline]
pub fn write_u128(addr: u64, val: u128) -> Result<(), Fault> {
    let hi_addr = addr.wrapping_add(15);
    let probe = read_u8(hi_addr)?;
    write_u8(hi_addr, probe)?;
    write_u64(addr, val as u64)?;
    write_u64(addr.wrapping_add(8), (val >> 64) as u64)
}

/// Copies guest bytes into `buf`; returns how many were readable before a fault.
pub fn read_bytes_partial(addr: u64, buf: &mut [u8]) -> usize {
    // Whole words while they are readable, then bytes up to the first
    // fault (a word that faults may still begin with readable bytes).
    let mut i = 0;
    while i + 8 <= buf.len() {
        match read(addr.wrapping_add(i as u64), 8) {
            Ok(v) => buf[i..i + 8].copy_from_slice(&v.to_le_bytes()),
            Err(_) => break,
        }
        i += 8;
    }
    while i < buf.len() {
        match read_u8(addr.wrapping_add(i as u64)) {
            Ok(v) => buf[i] = v,
            Err(_) => return i,
        }
        i += 1;
    }
    buf.len()
}

/// Copies guest bytes into `buf`, failing on the first unreadable byte.
pub fn read_bytes(addr: u64, buf: &mut [u8]) -> Result<(), Fault> {
    for (i, b) in buf.iter_mut().enumerate() {
        *b = read_u8(addr.wrapping_add(i as u64))?;
    }
    Ok(())
}

/// Copies `data` into guest memory, failing on the first unwritable byte.
pub fn write_bytes(addr: u64, data: &[u8]) -> Result<(), Fault> {
    for (i, b) in data.iter().enumerate() {
        write_u8(addr.wrapping_add(i as u64), *b)?;
    }
    Ok(())
}

/// Reads a NUL-terminated guest string (at most `max` bytes).
pub fn read_cstr(addr: u64, max: usize) -> Result<Vec<u8>, Fault> {
    let mut out = Vec::new();
    while out.len() < max {
        let b = read_u8(addr.wrapping_add(out.len() as u64))?;
        if b == 0 {
            break;
        }
        out.push(b);
    }
    Ok(out)
}
