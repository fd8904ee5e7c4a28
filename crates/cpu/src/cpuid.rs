//! The CPUID x86run reports: one fixed, host-independent feature set that
//! advertises exactly what the interpreter implements, so that glibc's
//! run-time selection (ifuncs) only picks code paths that work. AT_HWCAP is
//! derived from the same leaf 1 EDX.

use crate::state::Mode;

/// Leaf 1 EDX: FPU, TSC, CX8, CMOV, MMX, FXSR, SSE, SSE2 for both modes.
pub fn leaf1_edx(_mode: Mode) -> u32 {
    let fpu = 1 << 0;
    let tsc = 1 << 4;
    let cx8 = 1 << 8;
    let cmov = 1 << 15;
    let mmx = 1 << 23;
    let fxsr = 1 << 24;
    let sse = 1 << 25;
    let sse2 = 1 << 26;
    fpu | tsc | cx8 | cmov | mmx | fxsr | sse | sse2
}

/// Leaf 1 ECX: SSE3, PCLMULQDQ, SSSE3, CX16 (64-bit), SSE4.1, SSE4.2, MOVBE,
/// POPCNT, AES: with leaf 1 EDX and LAHF/SAHF the x86-64-v2 level. No
/// XSAVE/OSXSAVE/AVX/FMA/F16C: those instructions are not implemented.
pub fn leaf1_ecx(mode: Mode) -> u32 {
    let sse3 = 1 << 0;
    let pclmulqdq = 1 << 1;
    let ssse3 = 1 << 9;
    let cx16 = if mode == Mode::Bits64 { 1 << 13 } else { 0 };
    let sse41 = 1 << 19;
    let sse42 = 1 << 20;
    let movbe = 1 << 22;
    let popcnt = 1 << 23;
    let aes = 1 << 25;
    sse3 | pclmulqdq | ssse3 | cx16 | sse41 | sse42 | movbe | popcnt | aes
}

fn str_regs(s: &[u8; 12]) -> (u32, u32, u32) {
    let w = |k: usize| u32::from_le_bytes([s[k], s[k + 1], s[k + 2], s[k + 3]]);
    (w(0), w(4), w(8))
}

/// Executes CPUID for leaf `eax`, subleaf `ecx`; returns (eax, ebx, ecx, edx).
pub fn cpuid(mode: Mode, eax: u32, ecx: u32) -> (u32, u32, u32, u32) {
    match eax {
        0 => {
            let (b, d, c) = str_regs(b"GenuineIntel");
            (0xd, b, c, d)
        }
        // Family 6, model 0x3a, stepping 9; CLFLUSH line 8 qwords, 1 logical CPU.
        1 => (
            0x0003_06a9,
            (8 << 8) | (1 << 16),
            leaf1_ecx(mode),
            leaf1_edx(mode),
        ),
        // One descriptor byte 0xff: "use leaf 4".
        2 => (0x0000_ff01, 0, 0, 0),
        4 => {
            // Deterministic cache parameters: L1d 32K, L1i 32K, L2 1M, L3 16M.
            let entry = |ty: u32, level: u32, ways: u32, sets: u32, share: u32| {
                (
                    ty | (level << 5) | (1 << 8) | ((share - 1) << 14),
                    ((ways - 1) << 22) | 63,
                    sets - 1,
                    0,
                )
            };
            match ecx {
                0 => entry(1, 1, 8, 64, 1),
                1 => entry(2, 1, 8, 64, 1),
                2 => entry(3, 2, 16, 1024, 1),
                3 => entry(3, 3, 16, 16384, 16),
                _ => (0, 0, 0, 0),
            }
        }
        0x8000_0000 => (0x8000_0008, 0, 0, 0),
        0x8000_0001 => {
            let ecx = 1 | (1 << 5); // LAHF/SAHF in 64-bit mode, LZCNT
            let edx = match mode {
                Mode::Bits64 => (1 << 11) | (1 << 20) | (1 << 29), // SYSCALL, NX, LM
                Mode::Bits32 => 1 << 20,
            };
            (0, 0, ecx, edx)
        }
        0x8000_0002..=0x8000_0004 => {
            let name = b"x86run virtual CPU\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";
            let k = ((eax - 0x8000_0002) * 16) as usize;
            let w = |o: usize| {
                u32::from_le_bytes([
                    name[k + o],
                    name[k + o + 1],
                    name[k + o + 2],
                    name[k + o + 3],
                ])
            };
            (w(0), w(4), w(8), w(12))
        }
        0x8000_0006 => (0, 0, (1024 << 16) | (6 << 12) | 64, 0),
        0x8000_0008 => (0x3030, 0, 0, 0),
        _ => (0, 0, 0, 0),
    }
}
