//! The captured calls, in arrival order, bounded: beyond `keep` the oldest are evicted and
//! counted. Each call has a sequence number that stays valid across evictions, so that the
//! selection and the list's first row survive them. A pending call is completed in place when
//! it returns. The view holds the sequence numbers the filter lets through.

use std::collections::VecDeque;

use super::filter::Filter;
use super::objects::ObjKey;
use crate::trace::Call;

/// One captured call.
pub struct Entry {
    pub seq: u64,
    /// Kept in the box it came in: no copy of the call into the store.
    pub call: Box<Call>,
    /// Still waiting: shown as pending until its exit arrives.
    pub pending: bool,
    /// The object it used, when resolved.
    pub obj: Option<ObjKey>,
}

pub struct Store {
    /// `calls[i].seq == first_seq + i`.
    calls: VecDeque<Entry>,
    first_seq: u64,
    next_seq: u64,
    keep: usize,
    /// Calls dropped to keep memory bounded.
    pub evicted: u64,
    /// Pending calls by (tid, enter time): where their return goes.
    pending: crate::fasthash::FastMap<(u32, u64), u64>,
    /// Seqs of the calls the filter lets through, ascending.
    view: VecDeque<u64>,
}

fn pending_key(call: &Call) -> Option<(u32, u64)> {
    call.enter_ns.map(|t| (call.tid, t))
}

impl Store {
    pub fn new(keep: usize) -> Store {
        Store {
            calls: VecDeque::new(),
            first_seq: 0,
            next_seq: 0,
            keep: keep.max(1),
            evicted: 0,
            pending: crate::fasthash::FastMap::default(),
            view: VecDeque::new(),
        }
    }

    /// When `call` is the return of a pending call that was resolved to an object: the object.
    pub fn pending_obj(&self, call: &Call) -> Option<ObjKey> {
        let seq = self.pending.get(&pending_key(call)?)?;
        self.entry(*seq)?.obj
    }

    /// Add `call`, or complete the pending entry it returns from, in place.
    pub fn put(&mut self, call: Box<Call>, pending: bool, obj: Option<ObjKey>, filter: &Filter) {
        let key = pending_key(&call);
        if let Some(seq) = key.and_then(|k| self.pending.remove(&k))
            && let Some(i) = self.index_of(seq)
        {
            let was = filter.matches(&self.calls[i].call, self.calls[i].obj);
            let now = filter.matches(&call, obj);
            self.calls[i] = Entry {
                seq,
                call,
                pending,
                obj,
            };
            match (was, now) {
                (false, true) => {
                    let at = self.view.partition_point(|s| *s < seq);
                    self.view.insert(at, seq);
                }
                (true, false) => self.view.retain(|s| *s != seq),
                _ => {}
            }
            return;
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        if pending && let Some(k) = key {
            self.pending.insert(k, seq);
        }
        if filter.matches(&call, obj) {
            self.view.push_back(seq);
        }
        self.calls.push_back(Entry {
            seq,
            call,
            pending,
            obj,
        });
        while self.calls.len() > self.keep {
            self.evict();
        }
    }

    fn evict(&mut self) {
        let Some(old) = self.calls.pop_front() else {
            return;
        };
        self.first_seq = old.seq + 1;
        self.evicted += 1;
        if old.pending
            && let Some(k) = pending_key(&old.call)
        {
            self.pending.remove(&k);
        }
        while self.view.front().is_some_and(|s| *s < self.first_seq) {
            self.view.pop_front();
        }
    }

    /// The oldest seq still held.
    pub fn first_seq(&self) -> u64 {
        self.first_seq
    }

    /// The seq the next call will get.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// The first listed seq, if any.
    pub fn view_front(&self) -> Option<u64> {
        self.view.front().copied()
    }

    /// The last listed seq, if any.
    pub fn view_back(&self) -> Option<u64> {
        self.view.back().copied()
    }

    fn index_of(&self, seq: u64) -> Option<usize> {
        let i = usize::try_from(seq.checked_sub(self.first_seq)?).ok()?;
        (i < self.calls.len()).then_some(i)
    }

    pub fn entry(&self, seq: u64) -> Option<&Entry> {
        self.calls.get(self.index_of(seq)?)
    }

    /// Every call held, oldest first.
    #[cfg(test)]
    pub fn iter(&self) -> impl Iterator<Item = &Entry> {
        self.calls.iter()
    }

    /// Calls held.
    pub fn len(&self) -> usize {
        self.calls.len()
    }

    /// Rebuild the view for a new filter.
    pub fn refilter(&mut self, filter: &Filter) {
        self.view = self
            .calls
            .iter()
            .filter(|e| filter.matches(&e.call, e.obj))
            .map(|e| e.seq)
            .collect();
    }

    /// The listed seqs, in two slices (the view is a ring): all of them, or while paused only
    /// those before `paused`.
    pub fn visible(&self, paused: Option<u64>) -> (&[u64], &[u64]) {
        let n = match paused {
            Some(p) => self.view.partition_point(|s| *s < p),
            None => self.view.len(),
        };
        let (a, b) = self.view.as_slices();
        if n <= a.len() {
            (&a[..n], &[])
        } else {
            (a, &b[..n - a.len()])
        }
    }
}
