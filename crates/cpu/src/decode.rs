//! Decoding guest code into basic blocks with iced-x86, and the block cache.
//! A block ends at the first instruction that is not plain fall-through.

use crate::mem;
use iced_x86::{Code, Decoder, DecoderOptions, FlowControl, Instruction, Register};
use std::collections::HashMap;

/// The longest x86 instruction, in bytes.
const MAX_INSN_LEN: usize = 15;

/// Guest page size.
const PAGE: u64 = 4096;

/// Most instructions in one decoded block.
pub const MAX_BLOCK: usize = 64;

/// Why a block could not be decoded at its start address.
#[derive(Clone, Copy, Debug)]
pub enum DecodeError {
    /// The first instruction's bytes are not readable.
    Fetch(mem::Fault),
    /// The bytes at the address are not a valid instruction.
    Invalid { addr: u64 },
}

/// A decoded basic block: each instruction with its semantics.
pub struct Block {
    /// A header op (see `fast::Op::header`), the instructions, then a
    /// terminator op unless the last instruction is a branch (or anything
    /// else that ends a block: its op never runs the one after it).
    pub insns: Vec<crate::fast::Op>,
    /// The generic forms of the instructions without a fast one (only
    /// owned here: their ops reach them by pointer, so each is boxed to
    /// stay put while the vector grows).
    #[allow(dead_code, clippy::vec_box)]
    slows: Vec<Box<crate::fast::Slow>>,
    /// First byte past the block.
    pub end: u64,
}

impl Block {
    /// The op of the block's first instruction.
    pub fn first(&self) -> *const crate::fast::Op {
        &self.insns[1]
    }
}

/// Entries in the direct-mapped lookup table in front of the map.
const FAST_SLOTS: usize = 4096;

/// A cheap multiplicative hasher for guest addresses.
#[derive(Default, Clone, Copy)]
pub struct AddrHasher(u64);

impl std::hash::Hasher for AddrHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ b as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (v ^ (v >> 29)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

type AddrMap<V> = HashMap<u64, V, std::hash::BuildHasherDefault<AddrHasher>>;

/// Decoded blocks keyed by guest start address, with a direct-mapped table
/// of recently used blocks in front.
pub struct BlockCache {
    blocks: AddrMap<Box<Block>>,
    /// (start address, block) of recently used blocks; null when empty.
    fast: Vec<Recent>,
    /// Return prediction for the interpreter (names ops of the blocks).
    rets: Box<crate::fast::RetStack>,
    /// Code outside a block that its ops stand for (a get-pc thunk, see
    /// `pc_thunk`), as [start, end), by block start.
    inlined: AddrMap<(u64, u64)>,
    /// Pages that blocks were decoded from (kept after the blocks go): an
    /// invalidation elsewhere, an mprotect of data say, has nothing to do.
    pages: std::collections::HashSet<u64>,
    /// The ops of the block being decoded (kept: its room is reused).
    scratch: Vec<crate::fast::Op>,
}

impl Default for BlockCache {
    fn default() -> Self {
        BlockCache {
            blocks: AddrMap::default(),
            fast: vec![Recent::NONE; FAST_SLOTS],
            rets: Box::default(),
            inlined: AddrMap::default(),
            pages: Default::default(),
            scratch: Vec::with_capacity(MAX_BLOCK + 3),
        }
    }
}

/// The entry of the direct-mapped table that may hold the block at `addr`.
#[inline(always)]
pub fn fast_slot(addr: u64) -> usize {
    (addr as usize ^ (addr >> 12) as usize) & (FAST_SLOTS - 1)
}

/// An entry of the table of recent blocks: the block at `addr` and its
/// first op (null when empty).
#[derive(Clone, Copy)]
pub struct Recent {
    pub addr: u64,
    pub block: *const Block,
    pub first: *const crate::fast::Op,
}

impl Recent {
    const NONE: Recent = Recent {
        addr: 0,
        block: std::ptr::null(),
        first: std::ptr::null(),
    };
}

impl BlockCache {
    /// The direct-mapped table of recent blocks (see `Recent`), by
    /// `fast_slot`, for the interpreter's indirect branches. It never moves,
    /// and an entry is cleared before its block is dropped.
    pub fn fast_table(&self) -> *const Recent {
        self.fast.as_ptr()
    }

    /// The return-prediction stack (boxed: it never moves; cleared
    /// whenever a block is dropped).
    pub fn ret_stack(&mut self) -> *mut crate::fast::RetStack {
        &mut *self.rets
    }

    /// Returns the block starting at `addr`, decoding it on first use. The
    /// block stays valid until the next `invalidate` or `clear`.
    #[inline]
    pub fn get(&mut self, addr: u64, bitness: u32) -> Result<&Block, DecodeError> {
        let slot = fast_slot(addr);
        let Recent {
            addr: a, block: b, ..
        } = self.fast[slot];
        if a == addr && !b.is_null() {
            // SAFETY: fast entries point at boxed blocks in `blocks`; they
            // are cleared before those are dropped.
            return Ok(unsafe { &*b });
        }
        self.get_slow(addr, bitness, slot)
    }

    #[inline(never)]
    fn get_slow(&mut self, addr: u64, bitness: u32, slot: usize) -> Result<&Block, DecodeError> {
        let b: *const Block = match self.blocks.get(&addr) {
            Some(b) => &**b,
            None => {
                let (b, inlined) = decode_block(addr, bitness, &mut self.scratch)?;
                let b = Box::new(b);
                self.note_code(addr, b.end);
                if let Some((s, e)) = inlined {
                    self.note_code(s, e);
                    self.inlined.insert(addr, (s, e));
                }
                let p: *const Block = &*b;
                self.blocks.insert(addr, b);
                p
            }
        };
        self.fast[slot] = Recent {
            addr,
            block: b,
            // SAFETY: `b` is a boxed block of `blocks`.
            first: unsafe { (*b).first() },
        };
        // SAFETY: as in `get`.
        Ok(unsafe { &*b })
    }

    /// Records that blocks were decoded from [start, end): for the guest's
    /// stores (`code::note_decoded`) and for `invalidate`.
    fn note_code(&mut self, start: u64, end: u64) {
        crate::code::note_decoded(start, end);
        let mut page = start & !(PAGE - 1);
        while page < end {
            self.pages.insert(page);
            page += PAGE;
        }
    }

    /// Whether blocks were ever decoded from a page of [start, end).
    fn had_code(&self, start: u64, end: u64) -> bool {
        let first = start & !(PAGE - 1);
        if end.saturating_sub(first) / PAGE > self.pages.len() as u64 {
            return self.pages.iter().any(|&p| p < end && p + PAGE > start);
        }
        let mut page = first;
        while page < end {
            if self.pages.contains(&page) {
                return true;
            }
            page += PAGE;
        }
        false
    }

    /// Forgets every block that overlaps [start, end): their code changed or
    /// was unmapped.
    pub fn invalidate(&mut self, start: u64, end: u64) {
        if !self.had_code(start, end) {
            return;
        }
        let before = self.blocks.len();
        let outside = |a: u64, e: u64| e <= start || a >= end;
        let inlined = &mut self.inlined;
        self.blocks.retain(|&a, b| {
            let keep = outside(a, b.end) && inlined.get(&a).is_none_or(|&(s, e)| outside(s, e));
            if !keep {
                inlined.remove(&a);
            }
            keep
        });
        if self.blocks.len() == before {
            return;
        }
        for e in self.fast.iter_mut() {
            if !e.block.is_null() && !self.blocks.contains_key(&e.addr) {
                *e = Recent::NONE;
            }
        }
        self.rets.clear();
        for b in self.blocks.values() {
            b.insns.iter().for_each(|op| op.unlink());
        }
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        self.fast.fill(Recent::NONE);
        self.blocks.clear();
        self.rets.clear();
        self.inlined.clear();
        self.pages.clear();
    }
}

/// Decodes one instruction at `addr`; the error tells a fetch fault from
/// invalid bytes.
pub fn decode_one(addr: u64, bitness: u32) -> Result<Instruction, DecodeError> {
    let mut buf = [0u8; MAX_INSN_LEN];
    let n = mem::read_bytes_partial(addr, &mut buf);
    if n == 0 {
        let f = mem::read_u8(addr).err().unwrap_or(mem::Fault {
            addr,
            signo: libc::SIGSEGV,
            code: 1,
        });
        return Err(DecodeError::Fetch(f));
    }
    let mut d = Decoder::with_ip(bitness, &buf[..n], addr, DecoderOptions::NONE);
    let insn = d.decode();
    if insn.is_invalid() {
        if d.last_error() == iced_x86::DecoderError::NoMoreBytes && n < 15 {
            let at = addr.wrapping_add(n as u64);
            let f = mem::read_u8(at).err().unwrap_or(mem::Fault {
                addr: at,
                signo: libc::SIGSEGV,
                code: 1,
            });
            return Err(DecodeError::Fetch(f));
        }
        return Err(DecodeError::Invalid { addr });
    }
    Ok(insn)
}

/// If the code at `addr` is an i386 get-pc thunk (`mov reg, [esp]; ret`,
/// what position-independent i386 code calls to learn its address), the
/// register it loads.
fn pc_thunk(addr: u64) -> Option<usize> {
    let mov = decode_one(addr, 32).ok()?;
    if mov.code() != Code::Mov_r32_rm32
        || mov.memory_base() != Register::ESP
        || mov.memory_index() != Register::None
        || mov.memory_displacement64() != 0
        || mov.segment_prefix() != Register::None
        || mov.next_ip() != addr + 3
        || mov.op0_register() == Register::ESP
    {
        return None;
    }
    let ret = decode_one(mov.next_ip(), 32).ok()?;
    if ret.code() != Code::Retnd {
        return None;
    }
    Some(crate::state::reg_slot(mov.op0_register()).0)
}

/// Bytes of guest code copied at once for decoding a block.
const FETCH: usize = 256;

/// Decodes the block at `addr`, with the range of code outside it that it
/// inlined, if any. Its ops are built in `scratch`, then moved into a
/// vector of their exact size.
fn decode_block(
    addr: u64,
    bitness: u32,
    scratch: &mut Vec<crate::fast::Op>,
) -> Result<(Block, Option<(u64, u64)>), DecodeError> {
    let insns = scratch;
    insns.clear();
    insns.push(crate::fast::Op::header(addr));
    let mut slows = Vec::new();
    let mut ip = addr;
    let mode = if bitness == 32 {
        crate::Mode::Bits32
    } else {
        crate::Mode::Bits64
    };
    let mask = mode.addr_mask();
    // One decoder runs over the bytes from the block's start to the end of
    // its page (at most FETCH: reading on into a page that is not mapped
    // would take a host fault); the last instructions, where fewer bytes
    // than the longest instruction are left, are read one by one, so that
    // a fetch fault is reported where it happens.
    let mut code = [0u8; FETCH];
    let room = (PAGE - addr % PAGE).min(FETCH as u64) as usize;
    let len = mem::read_bytes_partial(addr, &mut code[..room]);
    let mut decoder = Decoder::with_ip(bitness, &code[..len], addr, DecoderOptions::NONE);
    let mut prev = Instruction::default();
    let mut insn = Instruction::default();
    let mut inlined = None;
    let mut ends_block = false;
    loop {
        // Decoded in place: returned by value, the instruction was copied
        // with wide loads right after the decoder's narrow stores, which
        // the CPU cannot forward (a stall for every instruction).
        let next = if len - decoder.position() >= MAX_INSN_LEN {
            decoder.decode_out(&mut insn);
            if insn.is_invalid() {
                Err(DecodeError::Invalid { addr: ip })
            } else {
                Ok(())
            }
        } else {
            decode_one(ip, bitness).map(|i| insn = i)
        };
        match next {
            Ok(()) => {}
            // A bad instruction after the first ends the block before it;
            // the error is reported when execution actually reaches it.
            Err(_) if insns.len() > 1 => break,
            Err(e) => return Err(e),
        }
        ip = insn.next_ip() & mask;
        let stop = insn.flow_control() != FlowControl::Next;
        // A call of a get-pc thunk is a move of the return address.
        if bitness == 32 && insn.code() == Code::Call_rel32_32 && inlined.is_none() {
            let target = insn.near_branch_target();
            if let Some(reg) = pc_thunk(target) {
                if let Some(op) = crate::fast::Op::load_pc(&insn, reg, mode) {
                    insns.push(op);
                    inlined = Some((target, target + 4));
                    prev = Instruction::default();
                    if insns.len() > MAX_BLOCK {
                        break;
                    }
                    continue;
                }
            }
        }
        // A compare and the conditional jump after it run as one op.
        let fused = if stop && insns.len() > 1 {
            crate::fast::Op::fuse(&prev, &insn, mode)
        } else {
            None
        };
        match fused {
            Some(op) => {
                insns.pop();
                insns.push(op);
            }
            None => insns.push(crate::fast::Op::new(insn, mode, &mut slows)),
        }
        prev = insn;
        if stop || insns.len() > MAX_BLOCK {
            ends_block = stop;
            break;
        }
    }
    // Adjacent ops of frequent forms run in pairs.
    let mut i = 1;
    while i + 1 < insns.len() {
        match crate::fast::Op::pair(&insns[i], &insns[i + 1]) {
            Some(run) => {
                insns[i].run = run;
                i += 2;
            }
            None => i += 1,
        }
    }
    if !ends_block {
        insns.push(crate::fast::Op::terminator(ip));
    }
    let mut exact = Vec::with_capacity(insns.len());
    exact.append(insns);
    Ok((
        Block {
            insns: exact,
            slows,
            end: ip,
        },
        inlined,
    ))
}
