//! Pairing sends with receives as the recording is read, for flow arrows in bounded memory.
//!
//! `flows.rs` finds which calls moved data through which object end and pairs them all at the
//! end ([`super::super::flows::Flows::finish`]); a streamed export cannot wait for the end. Here
//! a send gets a flow id when it is read, and the id waits in its end's queue for the receive
//! that takes it out (the oldest one, as `finish` pairs them; by message type for a System V
//! queue, by priority for a POSIX one). The replay yields calls as they return, so a receive
//! that returned before the send that filled it (the reader woke while the writer was still in
//! its call) comes first: it waits, with its packets, for a send that started before it
//! returned. What waits is bounded: per end and in all, and by time (a receive waits at most
//! [`WAIT_NS`] of recording time); a receive that stops waiting is written without an arrow, a
//! send whose receive never comes keeps an arrow that ends nowhere (drawn as none).

use std::collections::VecDeque;

use crate::fasthash::FastMap;

use crate::recording::flows::Kind;

/// What data comes out of: `flows.rs`'s object index.
pub type Key = usize;

/// How long (recording time) a receive waits for the send that filled it.
pub const WAIT_NS: u64 = 1_000_000_000;
/// Receives waiting at one end, and in all.
const WAIT_PER_END: usize = 16;
const WAIT_TOTAL: usize = 4096;
/// Unreceived sends remembered per end (the oldest are forgotten first).
const SENT_PER_END: usize = 1024;

struct Sent {
    id: u64,
    tag: Option<i64>,
}

struct Waiting<T> {
    seq: u64,
    stop: u64,
    tag: Option<i64>,
    held: T,
}

struct End<T> {
    kind: Kind,
    sent: VecDeque<Sent>,
    waiting: VecDeque<Waiting<T>>,
}

/// `T`: what a waiting receive holds (its encoded packets).
pub struct Pairing<T> {
    /// By the flows' object index (tracer's own numbers: the fast hash is safe).
    ends: FastMap<Key, End<T>>,
    /// Every waiting receive, oldest first: `(end, seq, stop)`.
    order: VecDeque<(Key, u64, u64)>,
    next_flow: u64,
    next_seq: u64,
}

impl<T> Default for Pairing<T> {
    fn default() -> Self {
        Pairing {
            ends: FastMap::default(),
            order: VecDeque::new(),
            next_flow: 1,
            next_seq: 0,
        }
    }
}

/// What a send became.
pub struct Send<T> {
    /// Its flow id.
    pub id: u64,
    /// The receive that was waiting for it, now paired: write it, ending the flow `id`.
    pub paired: Option<T>,
}

impl<T> Pairing<T> {
    fn end(&mut self, key: Key, kind: Kind) -> &mut End<T> {
        self.ends.entry(key).or_insert_with(|| End {
            kind,
            sent: VecDeque::new(),
            waiting: VecDeque::new(),
        })
    }

    /// A send into `key` that started at `start`; receives waiting there that returned before
    /// it started go to `released` (no send can have filled them: later ones start later).
    pub fn send(
        &mut self,
        key: Key,
        kind: Kind,
        start: u64,
        tag: Option<i64>,
        released: &mut Vec<T>,
    ) -> Send<T> {
        let id = self.next_flow;
        self.next_flow += 1;
        let e = self.end(key, kind);
        while e.waiting.front().is_some_and(|w| w.stop < start) {
            if let Some(w) = e.waiting.pop_front() {
                released.push(w.held);
            }
        }
        let pick = match e.kind {
            Kind::MsgQueue => e
                .waiting
                .iter()
                .position(|w| w.tag.is_none() || w.tag == tag),
            _ => (!e.waiting.is_empty()).then_some(0),
        };
        let paired = pick.and_then(|i| e.waiting.remove(i)).map(|w| w.held);
        if paired.is_none() {
            e.sent.push_back(Sent { id, tag });
            if e.sent.len() > SENT_PER_END {
                e.sent.pop_front();
            }
        }
        self.tidy(key);
        Send { id, paired }
    }

    /// A receive from `key`: the flow id of the send it took, if one is queued. Else the
    /// caller holds it back with [`Pairing::wait`].
    pub fn recv(&mut self, key: Key, kind: Kind, tag: Option<i64>) -> Option<u64> {
        let e = self.ends.get_mut(&key)?;
        let pick = match kind {
            // The oldest of the type received.
            Kind::MsgQueue => e.sent.iter().position(|s| tag.is_none() || s.tag == tag),
            // The oldest of the highest priority.
            Kind::PosixMq => e
                .sent
                .iter()
                .enumerate()
                .max_by_key(|(i, s)| (s.tag, std::cmp::Reverse(*i)))
                .map(|(i, _)| i),
            _ => (!e.sent.is_empty()).then_some(0),
        };
        let id = pick.and_then(|i| e.sent.remove(i)).map(|s| s.id);
        self.tidy(key);
        id
    }

    /// Hold a receive that returned at `stop` until a send pairs it or it stops waiting.
    pub fn wait(
        &mut self,
        key: Key,
        kind: Kind,
        stop: u64,
        tag: Option<i64>,
        held: T,
        released: &mut Vec<T>,
    ) {
        let seq = self.next_seq;
        self.next_seq += 1;
        let e = self.end(key, kind);
        e.waiting.push_back(Waiting {
            seq,
            stop,
            tag,
            held,
        });
        if e.waiting.len() > WAIT_PER_END
            && let Some(w) = e.waiting.pop_front()
        {
            released.push(w.held);
        }
        self.order.push_back((key, seq, stop));
        while self.order.len() > WAIT_TOTAL {
            self.release_oldest(released);
        }
    }

    /// Receives that have waited longer than [`WAIT_NS`] by `now` go to `released`.
    pub fn expire(&mut self, now: u64, released: &mut Vec<T>) {
        while self
            .order
            .front()
            .is_some_and(|(_, _, stop)| stop.saturating_add(WAIT_NS) < now)
        {
            self.release_oldest(released);
        }
    }

    /// Everything still waiting, at the end.
    pub fn drain(&mut self, released: &mut Vec<T>) {
        while !self.order.is_empty() {
            self.release_oldest(released);
        }
    }

    fn release_oldest(&mut self, released: &mut Vec<T>) {
        let Some((key, seq, _)) = self.order.pop_front() else {
            return;
        };
        if let Some(e) = self.ends.get_mut(&key)
            && let Some(i) = e.waiting.iter().position(|w| w.seq == seq)
            && let Some(w) = e.waiting.remove(i)
        {
            released.push(w.held);
        }
        self.tidy(key);
    }

    /// An end with nothing queued is forgotten: memory follows what is in flight.
    fn tidy(&mut self, key: Key) {
        if self
            .ends
            .get(&key)
            .is_some_and(|e| e.sent.is_empty() && e.waiting.is_empty())
        {
            self.ends.remove(&key);
        }
    }

    /// Ends with something queued (for tests of the bound).
    #[cfg(test)]
    pub fn ends(&self) -> usize {
        self.ends.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(
        clippy::many_single_char_names,
        reason = "sends a, b, c at end k of pairing p"
    )]
    fn a_stream_pairs_in_order_whichever_comes_first() {
        let mut p: Pairing<&str> = Pairing::default();
        let mut rel = Vec::new();
        let k = 0;
        let a = p.send(k, Kind::Pipe, 10, None, &mut rel);
        let b = p.send(k, Kind::Pipe, 20, None, &mut rel);
        assert_eq!(p.recv(k, Kind::Pipe, None), Some(a.id));
        assert_eq!(p.recv(k, Kind::Pipe, None), Some(b.id));
        // A read that returned before the write that filled it was read.
        assert_eq!(p.recv(k, Kind::Pipe, None), None);
        p.wait(k, Kind::Pipe, 100, None, "read", &mut rel);
        let c = p.send(k, Kind::Pipe, 90, None, &mut rel);
        assert_eq!(c.paired, Some("read"));
        assert!(rel.is_empty());
        // Nothing is left queued but the write nobody read.
        assert_eq!(p.recv(k, Kind::Pipe, None), None);
        assert_eq!(p.ends(), 0);
    }

    #[test]
    fn a_receive_stops_waiting_when_a_later_send_or_time_says_so() {
        let mut p: Pairing<u32> = Pairing::default();
        let mut rel = Vec::new();
        let k = 3;
        p.wait(k, Kind::UnixStream, 100, None, 1, &mut rel);
        // It started after the read returned: it cannot have filled it.
        let s = p.send(k, Kind::UnixStream, 150, None, &mut rel);
        assert_eq!((s.paired, rel.as_slice()), (None, [1].as_slice()));
        rel.clear();
        p.wait(4, Kind::Pipe, 200, None, 2, &mut rel);
        p.expire(200 + WAIT_NS, &mut rel);
        assert!(rel.is_empty());
        p.expire(201 + WAIT_NS, &mut rel);
        assert_eq!(rel, [2]);
        for i in 0..WAIT_TOTAL as u32 + 10 {
            p.wait(100 + i as usize, Kind::Pipe, 300, None, i, &mut rel);
        }
        assert_eq!(p.order.len(), WAIT_TOTAL);
        rel.clear();
        p.drain(&mut rel);
        assert_eq!(rel.len(), WAIT_TOTAL);
        // The send at 3 nobody received is all that is left.
        assert_eq!(p.ends(), 1);
    }

    #[test]
    fn queues_pair_by_type_and_by_priority() {
        let mut p: Pairing<()> = Pairing::default();
        let mut rel = Vec::new();
        let k = 1;
        let t1 = p.send(k, Kind::MsgQueue, 0, Some(1), &mut rel).id;
        let t2 = p.send(k, Kind::MsgQueue, 1, Some(2), &mut rel).id;
        assert_eq!(p.recv(k, Kind::MsgQueue, Some(2)), Some(t2));
        assert_eq!(p.recv(k, Kind::MsgQueue, Some(1)), Some(t1));
        let q = 2;
        let low = p.send(q, Kind::PosixMq, 0, Some(1), &mut rel).id;
        let high = p.send(q, Kind::PosixMq, 1, Some(9), &mut rel).id;
        let high2 = p.send(q, Kind::PosixMq, 2, Some(9), &mut rel).id;
        assert_eq!(p.recv(q, Kind::PosixMq, None), Some(high));
        assert_eq!(p.recv(q, Kind::PosixMq, None), Some(high2));
        assert_eq!(p.recv(q, Kind::PosixMq, None), Some(low));
    }
}
