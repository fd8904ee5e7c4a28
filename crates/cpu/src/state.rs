//! The guest machine state: registers, flags, segment bases, SSE registers.

use crate::flags::Flags;
use iced_x86::Register;

/// Guest execution mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// 32-bit protected mode (i386 guest).
    Bits32,
    /// 64-bit long mode (x86-64 guest).
    Bits64,
}

impl Mode {
    pub fn bitness(self) -> u32 {
        match self {
            Mode::Bits32 => 32,
            Mode::Bits64 => 64,
        }
    }

    /// Address-sized mask (32 or 64 bits): where guest addresses wrap.
    #[inline(always)]
    pub fn addr_mask(self) -> u64 {
        match self {
            Mode::Bits32 => 0xffff_ffff,
            Mode::Bits64 => u64::MAX,
        }
    }
}

/// Segment register indices in `CpuState::seg`.
pub const ES: usize = 0;
pub const CS: usize = 1;
pub const SS: usize = 2;
pub const DS: usize = 3;
pub const FS: usize = 4;
pub const GS: usize = 5;

/// General-purpose register numbers (the x86 encoding order).
pub const RAX: usize = 0;
pub const RCX: usize = 1;
pub const RDX: usize = 2;
pub const RBX: usize = 3;
pub const RSP: usize = 4;
pub const RBP: usize = 5;
pub const RSI: usize = 6;
pub const RDI: usize = 7;

/// Everything the guest program can observe of the CPU.
#[derive(Clone, Debug)]
pub struct CpuState {
    pub gpr: [u64; 16],
    pub rip: u64,
    pub flags: Flags,
    pub mode: Mode,
    /// Segment selectors (ES, CS, SS, DS, FS, GS).
    pub seg: [u16; 6],
    /// Segment bases; only FS and GS are non-zero in practice.
    pub seg_base: [u64; 6],
    pub xmm: [u128; 16],
    pub mxcsr: u32,
    /// Bases of the three i386 TLS descriptors (GDT entries 12-14) that
    /// set_thread_area installs; `None` while an entry is empty.
    pub tls_desc: [Option<u64>; 3],
    /// The x87 FPU (and the MMX registers aliasing it).
    pub x87: crate::x87state::X87,
    /// The interpreter's state while this CPU runs (not guest-visible).
    pub run: crate::interp::Run,
}

impl CpuState {
    pub fn new(mode: Mode) -> Self {
        // A 64-bit process starts with null DS/ES (only SS is loaded).
        let (cs, ds, ss) = match mode {
            Mode::Bits32 => (0x23, 0x2b, 0x2b),
            Mode::Bits64 => (0x33, 0, 0x2b),
        };
        CpuState {
            gpr: [0; 16],
            rip: 0,
            flags: Flags::default(),
            mode,
            seg: [ds, cs, ss, ds, 0, 0],
            seg_base: [0; 6],
            xmm: [0; 16],
            mxcsr: 0x1f80,
            tls_desc: [None; 3],
            x87: Default::default(),
            run: Default::default(),
        }
    }

    /// Address-sized mask (32 or 64 bits) for this mode.
    #[inline(always)]
    pub fn addr_mask(&self) -> u64 {
        self.mode.addr_mask()
    }

    /// Stack slot width in bytes.
    #[inline(always)]
    pub fn stack_width(&self) -> u32 {
        match self.mode {
            Mode::Bits32 => 4,
            Mode::Bits64 => 8,
        }
    }

    /// Loads segment register `seg` with `sel`, deriving its base the way
    /// the kernel's GDT would. Returns false for a selector that would #GP.
    pub fn load_segment(&mut self, seg: usize, sel: u16) -> bool {
        let idx = (sel >> 3) as usize;
        let base = if sel & !3 == 0 {
            if seg == SS || seg == CS {
                return false;
            }
            0
        } else if sel & 4 != 0 {
            return false;
        } else if (12..15).contains(&idx) {
            match self.tls_desc[idx - 12] {
                Some(b) => b,
                None => return false,
            }
        } else if matches!(sel, 0x23 | 0x2b | 0x33) {
            0
        } else {
            return false;
        };
        self.seg[seg] = sel;
        if seg == FS || seg == GS || self.mode == Mode::Bits32 {
            self.seg_base[seg] = base;
        }
        true
    }

    /// Reads a general-purpose register of any width (zero-extended).
    #[inline]
    pub fn reg(&self, r: Register) -> u64 {
        let (idx, size, high) = reg_slot(r);
        let v = self.gpr[idx];
        match (size, high) {
            (1, true) => (v >> 8) & 0xff,
            (1, false) => v & 0xff,
            (2, _) => v & 0xffff,
            (4, _) => v & 0xffff_ffff,
            _ => v,
        }
    }

    /// Writes a general-purpose register with x86 partial-register rules:
    /// 8/16-bit writes merge, 32-bit writes zero-extend.
    #[inline]
    pub fn set_reg(&mut self, r: Register, val: u64) {
        let (idx, size, high) = reg_slot(r);
        let old = self.gpr[idx];
        self.gpr[idx] = match (size, high) {
            (1, true) => (old & !0xff00) | ((val & 0xff) << 8),
            (1, false) => (old & !0xff) | (val & 0xff),
            (2, _) => (old & !0xffff) | (val & 0xffff),
            (4, _) => val & 0xffff_ffff,
            _ => val,
        };
    }

    /// Reads register number `idx` at width `size` bytes (no high-byte forms).
    #[inline(always)]
    pub fn gpr_sized(&self, idx: usize, size: u32) -> u64 {
        self.gpr[idx] & crate::flags::mask(size)
    }

    /// Writes register number `idx` at width `size` bytes.
    #[inline(always)]
    pub fn set_gpr_sized(&mut self, idx: usize, size: u32, val: u64) {
        let old = self.gpr[idx];
        self.gpr[idx] = match size {
            1 => (old & !0xff) | (val & 0xff),
            2 => (old & !0xffff) | (val & 0xffff),
            4 => val & 0xffff_ffff,
            _ => val,
        };
    }
}

/// Maps an iced register to (gpr index, width in bytes, is AH/CH/DH/BH),
/// by arithmetic on iced's register numbering (AL..R15 are contiguous).
#[inline(always)]
pub fn reg_slot(r: Register) -> (usize, u32, bool) {
    let n = r as usize;
    match n {
        1..=4 => (n - 1, 1, false),
        5..=8 => (n - 5, 1, true),
        9..=20 => (n - 9 + 4, 1, false),
        21..=36 => (n - 21, 2, false),
        37..=52 => (n - 37, 4, false),
        _ => ((n.wrapping_sub(53)) & 15, 8, false),
    }
}

const _: () = {
    assert!(
        Register::AL as usize == 1 && Register::AH as usize == 5 && Register::SPL as usize == 9
    );
    assert!(
        Register::AX as usize == 21 && Register::EAX as usize == 37 && Register::RAX as usize == 53
    );
    assert!(Register::R15 as usize == 68 && Register::R15L as usize == 20);
};
