//! Lazy arithmetic flags: the last flag-setting operation is remembered
//! (kind, width, operands, result) and CF/PF/AF/ZF/SF/OF are computed only
//! when something reads them.

pub const CF: u32 = 1 << 0;
pub const PF: u32 = 1 << 2;
pub const AF: u32 = 1 << 4;
pub const ZF: u32 = 1 << 6;
pub const SF: u32 = 1 << 7;
pub const TF: u32 = 1 << 8;
pub const IF: u32 = 1 << 9;
pub const DF: u32 = 1 << 10;
pub const OF: u32 = 1 << 11;
pub const AC: u32 = 1 << 18;
pub const ID: u32 = 1 << 21;
/// The six arithmetic status flags.
pub const ARITH: u32 = CF | PF | AF | ZF | SF | OF;

/// Which operation produced the pending flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum FlagOp {
    /// Flags are materialised in `Flags::bits`.
    None,
    /// a + b (+ carry) = res.
    Add,
    /// a - b (- borrow) = res.
    Sub,
    /// Logical result: CF = OF = AF = 0.
    Logic,
    /// a + 1 = res; CF kept in `cf_in`.
    Inc,
    /// a - 1 = res; CF kept in `cf_in`.
    Dec,
    /// shl/shr/sar by a non-zero count: CF and OF computed by the shift
    /// (in `a` bits 0 and 1), PF/ZF/SF from res, AF set (as the reference
    /// CPU, an AMD, leaves it).
    Shift,
}

/// EFLAGS with lazily evaluated arithmetic flags.
#[derive(Clone, Copy, Debug)]
pub struct Flags {
    /// Materialised flags (all of them when the operation is None,
    /// otherwise the non-arithmetic ones: the arithmetic bits are stale and
    /// ignored).
    pub bits: u32,
    /// The pending operation (a `FlagOp`), its operand width in bytes and
    /// the CF it keeps (Inc, Dec), packed as `op | size << 8 | cf_in << 16`.
    /// One field, always stored whole: a read right after a write then
    /// takes the stored value from the store buffer. Separate byte fields
    /// were written by a 2-byte store and read by a widened 4-byte load,
    /// which the CPU cannot forward (a stall of a dozen cycles or more on
    /// each flag read after a flag write).
    kind: u32,
    /// First operand (Add, Sub; Shift: its CF and OF); stale otherwise.
    pub a: u64,
    /// Second operand (Add, Sub); stale otherwise.
    pub b: u64,
    pub res: u64,
}

impl Default for Flags {
    fn default() -> Self {
        Flags {
            bits: 0x202,
            kind: Flags::pack(FlagOp::None, 4, false),
            a: 0,
            b: 0,
            res: 0,
        }
    }
}

/// Mask of the low `size` bytes.
#[inline(always)]
pub fn mask(size: u32) -> u64 {
    const MASKS: [u64; 9] = [0, 0xff, 0xffff, 0, 0xffff_ffff, 0, 0, 0, u64::MAX];
    MASKS[(size as usize).min(8)]
}

/// The sign bit of a `size`-byte value.
#[inline(always)]
pub fn sign_bit(size: u32) -> u64 {
    const SIGNS: [u64; 9] = [0, 0x80, 0x8000, 0, 0x8000_0000, 0, 0, 0, 1 << 63];
    SIGNS[(size as usize).min(8)]
}

/// PF, ZF and SF of a result.
#[inline(always)]
pub fn szp(res: u64, size: u32) -> u32 {
    let r = res & mask(size);
    let mut f = 0;
    if (r as u8).count_ones().is_multiple_of(2) {
        f |= PF;
    }
    if r == 0 {
        f |= ZF;
    }
    if r & sign_bit(size) != 0 {
        f |= SF;
    }
    f
}

impl Flags {
    #[inline(always)]
    const fn pack(op: FlagOp, size: u32, cf_in: bool) -> u32 {
        op as u32 | size << 8 | (cf_in as u32) << 16
    }

    /// The pending operation.
    #[inline(always)]
    pub fn op(&self) -> FlagOp {
        match self.kind as u8 {
            1 => FlagOp::Add,
            2 => FlagOp::Sub,
            3 => FlagOp::Logic,
            4 => FlagOp::Inc,
            5 => FlagOp::Dec,
            6 => FlagOp::Shift,
            _ => FlagOp::None,
        }
    }

    /// Operand width in bytes of the pending operation.
    #[inline(always)]
    pub fn size(&self) -> u32 {
        (self.kind >> 8) & 0xff
    }

    /// The CF that Inc and Dec keep.
    #[inline(always)]
    fn cf_in(&self) -> bool {
        self.kind & 1 << 16 != 0
    }

    /// Records a flag-setting operation.
    #[inline(always)]
    pub fn set_lazy(&mut self, op: FlagOp, size: u32, a: u64, b: u64, res: u64) {
        // The arithmetic bits in `bits` are only read while `op` is None,
        // and the operands only by the operations below (with `op` known
        // at compile time in the fast forms, the other stores go away).
        let m = mask(size);
        self.kind = Flags::pack(op, size, false);
        if matches!(op, FlagOp::Add | FlagOp::Sub | FlagOp::Shift) {
            self.a = a & m;
        }
        if matches!(op, FlagOp::Add | FlagOp::Sub) {
            self.b = b & m;
        }
        self.res = res & m;
    }

    /// Records a shift result with the CF and OF it computed.
    #[inline(always)]
    pub fn set_shift(&mut self, size: u32, res: u64, cf: bool, of: bool) {
        self.set_lazy(FlagOp::Shift, size, cf as u64 | (of as u64) << 1, 0, res);
    }

    /// Records an increment/decrement, which keeps CF.
    #[inline(always)]
    pub fn set_incdec(&mut self, inc: bool, size: u32, res: u64) {
        let cf = self.cf();
        // Inc and Dec flags come from the result alone (see `arith`).
        let op = if inc { FlagOp::Inc } else { FlagOp::Dec };
        self.set_lazy(op, size, 0, 0, res);
        self.kind = Flags::pack(op, size, cf);
    }

    /// Arithmetic flags of the pending operation.
    #[inline]
    fn arith(&self) -> u32 {
        let size = self.size();
        let m = mask(size);
        let sb = sign_bit(size);
        let (a, b, r) = (self.a & m, self.b & m, self.res & m);
        let mut f = szp(r, size);
        match self.op() {
            FlagOp::None => return self.bits & ARITH,
            FlagOp::Add => {
                if ((a & b) | ((a | b) & !r)) & sb != 0 {
                    f |= CF;
                }
                if (a ^ r) & (b ^ r) & sb != 0 {
                    f |= OF;
                }
                f |= ((a ^ b ^ r) as u32) & AF;
            }
            FlagOp::Sub => {
                if ((!a & b) | ((!a | b) & r)) & sb != 0 {
                    f |= CF;
                }
                if (a ^ b) & (a ^ r) & sb != 0 {
                    f |= OF;
                }
                f |= ((a ^ b ^ r) as u32) & AF;
            }
            FlagOp::Logic => {}
            FlagOp::Shift => {
                f |= AF | ((self.a & 1) as u32 * CF) | (((self.a >> 1) & 1) as u32 * OF);
            }
            FlagOp::Inc => {
                if r == sb {
                    f |= OF;
                }
                if r & 0xf == 0 {
                    f |= AF;
                }
                if self.cf_in() {
                    f |= CF;
                }
            }
            FlagOp::Dec => {
                if r == sb - 1 {
                    f |= OF;
                }
                if r & 0xf == 0xf {
                    f |= AF;
                }
                if self.cf_in() {
                    f |= CF;
                }
            }
        }
        f
    }

    /// The full EFLAGS value.
    #[inline]
    pub fn get(&self) -> u32 {
        if self.op() == FlagOp::None {
            self.bits
        } else {
            (self.bits & !ARITH) | self.arith()
        }
    }

    /// Replaces all flags (bit 1 always reads as 1).
    #[inline]
    pub fn set(&mut self, v: u32) {
        self.kind = Flags::pack(FlagOp::None, 4, false);
        self.bits = v | 2;
    }

    /// Replaces the flags selected by `which` with those of `v`.
    #[inline]
    pub fn set_some(&mut self, which: u32, v: u32) {
        let cur = self.get();
        self.set((cur & !which) | (v & which));
    }

    /// Carry flag, with a fast path for the common pending operations.
    #[inline(always)]
    pub fn cf(&self) -> bool {
        match self.op() {
            FlagOp::None => self.bits & CF != 0,
            FlagOp::Logic => false,
            FlagOp::Inc | FlagOp::Dec => self.cf_in(),
            FlagOp::Shift => self.a & 1 != 0,
            FlagOp::Add => {
                let (a, b, r) = (self.a, self.b, self.res);
                ((a & b) | ((a | b) & !r)) & sign_bit(self.size()) != 0
            }
            FlagOp::Sub => {
                let (a, b, r) = (self.a, self.b, self.res);
                ((!a & b) | ((!a | b) & r)) & sign_bit(self.size()) != 0
            }
        }
    }

    /// Zero flag.
    #[inline(always)]
    pub fn zf(&self) -> bool {
        match self.op() {
            FlagOp::None => self.bits & ZF != 0,
            _ => self.res == 0,
        }
    }

    /// Direction flag.
    #[inline]
    pub fn df(&self) -> bool {
        self.bits & DF != 0
    }

    /// Sign flag.
    #[inline(always)]
    pub fn sf(&self) -> bool {
        match self.op() {
            FlagOp::None => self.bits & SF != 0,
            _ => self.res & sign_bit(self.size()) != 0,
        }
    }

    /// Parity flag: even parity of the result's low byte (every pending
    /// operation sets it so).
    #[inline(always)]
    pub fn pf(&self) -> bool {
        match self.op() {
            FlagOp::None => self.bits & PF != 0,
            _ => (self.res as u8).count_ones().is_multiple_of(2),
        }
    }

    /// Overflow flag.
    #[inline(always)]
    pub fn of(&self) -> bool {
        let sb = sign_bit(self.size());
        let (a, b, r) = (self.a, self.b, self.res);
        match self.op() {
            FlagOp::None => self.bits & OF != 0,
            FlagOp::Add => (a ^ r) & (b ^ r) & sb != 0,
            FlagOp::Sub => (a ^ b) & (a ^ r) & sb != 0,
            FlagOp::Logic => false,
            FlagOp::Inc => r == sb,
            FlagOp::Dec => r == sb - 1,
            FlagOp::Shift => self.a & 2 != 0,
        }
    }

    /// Evaluates condition code `cc` (0 = O ... 15 = G, the Jcc encoding
    /// order), computing only the flags it reads.
    #[inline(always)]
    pub fn cond(&self, cc: u8) -> bool {
        let r = match cc >> 1 {
            0 => self.of(),
            1 => self.cf(),
            2 => self.zf(),
            3 => self.cf() || self.zf(),
            4 => self.sf(),
            5 => self.pf(),
            6 => self.sf() != self.of(),
            _ => self.zf() || self.sf() != self.of(),
        };
        r ^ (cc & 1 != 0)
    }
}
