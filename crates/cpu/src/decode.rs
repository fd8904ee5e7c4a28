//! Decoding guest code into basic blocks with iced-x86, and the block cache.
//! A block ends at the first instruction that is not plain fall-through.

use crate::mem;
use iced_x86::{Decoder, DecoderOptions, FlowControl, Instruction};
use std::collections::HashMap;
use std::rc::Rc;

/// Most instructions in one decoded block.
const MAX_BLOCK: usize = 64;

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
    pub insns: Vec<crate::fast::Op>,
    /// First byte past the block.
    pub end: u64,
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
    blocks: AddrMap<Rc<Block>>,
    fast: Vec<Option<(u64, Rc<Block>)>>,
}

impl Default for BlockCache {
    fn default() -> Self {
        BlockCache {
            blocks: AddrMap::default(),
            fast: vec![None; FAST_SLOTS],
        }
    }
}

impl BlockCache {
    /// Returns the block starting at `addr`, decoding it on first use.
    #[inline]
    pub fn get(&mut self, addr: u64, bitness: u32) -> Result<&Block, DecodeError> {
        let slot = (addr as usize ^ (addr >> 12) as usize) & (FAST_SLOTS - 1);
        let hit = matches!(&self.fast[slot], Some((a, _)) if *a == addr);
        if !hit {
            let b = match self.blocks.get(&addr) {
                Some(b) => b.clone(),
                None => {
                    let b = Rc::new(decode_block(addr, bitness)?);
                    crate::code::note_decoded(addr, b.end);
                    self.blocks.insert(addr, b.clone());
                    b
                }
            };
            self.fast[slot] = Some((addr, b));
        }
        match &self.fast[slot] {
            Some((_, b)) => Ok(b),
            None => unreachable!("slot filled above"),
        }
    }

    /// Forgets every block that overlaps [start, end): their code changed or
    /// was unmapped.
    pub fn invalidate(&mut self, start: u64, end: u64) {
        self.blocks.retain(|&a, b| b.end <= start || a >= end);
        for e in self.fast.iter_mut() {
            if matches!(e, Some((a, b)) if !(b.end <= start || *a >= end)) {
                *e = None;
            }
        }
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        self.blocks.clear();
        self.fast.iter_mut().for_each(|e| *e = None);
    }
}

/// Decodes one instruction at `addr`; the error tells a fetch fault from
/// invalid bytes.
pub fn decode_one(addr: u64, bitness: u32) -> Result<Instruction, DecodeError> {
    let mut buf = [0u8; 15];
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

fn decode_block(addr: u64, bitness: u32) -> Result<Block, DecodeError> {
    let mut insns = Vec::new();
    let mut ip = addr;
    let mask = if bitness == 32 { 0xffff_ffff } else { u64::MAX };
    loop {
        let insn = match decode_one(ip, bitness) {
            Ok(i) => i,
            // A bad instruction after the first ends the block before it;
            // the error is reported when execution actually reaches it.
            Err(_) if !insns.is_empty() => break,
            Err(e) => return Err(e),
        };
        ip = insn.next_ip() & mask;
        let stop = insn.flow_control() != FlowControl::Next;
        let mode = if bitness == 32 {
            crate::Mode::Bits32
        } else {
            crate::Mode::Bits64
        };
        insns.push(crate::fast::Op::new(insn, mode));
        if stop || insns.len() >= MAX_BLOCK {
            break;
        }
    }
    Ok(Block { insns, end: ip })
}
