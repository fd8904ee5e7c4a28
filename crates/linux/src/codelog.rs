//! Keeping every thread's decoded-block cache coherent. Each guest thread
//! has its own interpreter and cache; when one thread unmaps or reprotects
//! memory, the range goes into this shared log and the other threads are
//! poked, so that they drop the stale blocks at their next safe point
//! (block boundary or system call return).

use std::collections::VecDeque;
use std::sync::Mutex;
use x86run_cpu::decode::BlockCache;

/// Ranges kept before a slow thread has to drop its whole cache.
const KEEP: usize = 256;

/// The shared log of code ranges that changed.
#[derive(Default)]
pub struct CodeLog {
    inner: Mutex<Log>,
}

#[derive(Default)]
struct Log {
    /// Generation of `ranges[0]`.
    base: u64,
    ranges: VecDeque<(u64, u64)>,
}

impl Log {
    fn next(&self) -> u64 {
        self.base + self.ranges.len() as u64
    }
}

impl CodeLog {
    /// Records that [start, end) changed; returns the generation after it.
    pub fn record(&self, start: u64, end: u64) -> u64 {
        let mut l = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        l.ranges.push_back((start, end));
        if l.ranges.len() > KEEP {
            l.ranges.pop_front();
            l.base += 1;
        }
        l.next()
    }

    /// Holds the log's lock (across a fork).
    pub fn fork_lock(&self) -> impl Drop + '_ {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The current generation.
    pub fn generation(&self) -> u64 {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).next()
    }

    /// Applies the changes after generation `*seen` to `cache`.
    pub fn catch_up(&self, seen: &mut u64, cache: &mut BlockCache) {
        let l = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if *seen == l.next() {
            return;
        }
        if *seen < l.base {
            cache.clear();
        } else {
            for &(s, e) in l.ranges.iter().skip((*seen - l.base) as usize) {
                cache.invalidate(s, e);
            }
        }
        *seen = l.next();
    }
}
