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

/// A decoded basic block.
pub struct Block {
    pub insns: Vec<Instruction>,
    /// First byte past the block.
    pub end: u64,
}

/// Decoded blocks keyed by guest start address.
#[derive(Default)]
pub struct BlockCache {
    blocks: HashMap<u64, Rc<Block>>,
}

impl BlockCache {
    /// Returns the block starting at `addr`, decoding it on first use.
    #[inline]
    pub fn get(&mut self, addr: u64, bitness: u32) -> Result<Rc<Block>, DecodeError> {
        if let Some(b) = self.blocks.get(&addr) {
            return Ok(b.clone());
        }
        let b = Rc::new(decode_block(addr, bitness)?);
        self.blocks.insert(addr, b.clone());
        Ok(b)
    }

    /// Forgets every block that overlaps [start, end): their code changed or
    /// was unmapped.
    pub fn invalidate(&mut self, start: u64, end: u64) {
        self.blocks.retain(|&a, b| b.end <= start || a >= end);
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        self.blocks.clear();
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
        insns.push(insn);
        if stop || insns.len() >= MAX_BLOCK {
            break;
        }
    }
    Ok(Block { insns, end: ip })
}
