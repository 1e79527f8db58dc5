//! Counts for the stats pane: per syscall, what strace's `-c` table shows (calls, errors, time,
//! usecs/call, counted by [`crate::summary::Tally`] as `tracer record -c` counts them), latency
//! percentiles from a log2 histogram (constant memory however many calls), and the event rate
//! over the last second.
// Counts become f64 for rates and percentile ranks: exact below 2^52, far beyond what a
// session sees.
#![allow(clippy::cast_precision_loss)]

use std::collections::VecDeque;

use crate::summary::Tally;
use crate::trace::Call;

/// Latency buckets: bucket `i` holds durations below 2^i ns (the last one everything else).
const BUCKETS: usize = 40;

/// Counts for one syscall, or for all of them.
#[derive(Clone, Debug)]
pub struct Counts {
    /// strace -c's numbers: calls that returned, their errors and time, and apart from them
    /// the calls that never returned.
    pub tally: Tally,
    hist: [u64; BUCKETS],
    timed: u64,
    pub max_ns: u64,
}

impl Default for Counts {
    fn default() -> Self {
        Counts {
            tally: Tally::default(),
            hist: [0; BUCKETS],
            timed: 0,
            max_ns: 0,
        }
    }
}

impl Counts {
    fn add(&mut self, call: &Call) {
        self.tally.add(call);
        if let Some(d) = call.dur_ns() {
            let b = (u64::BITS - d.leading_zeros()) as usize;
            self.hist[b.min(BUCKETS - 1)] += 1;
            self.timed += 1;
            self.max_ns = self.max_ns.max(d);
        }
    }

    /// An upper bound on the `p`th percentile latency (0 < p <= 100), in ns: the top of the
    /// histogram bucket it falls in, never above the largest duration seen. `None` without
    /// timed calls.
    pub fn percentile(&self, p: f64) -> Option<u64> {
        if self.timed == 0 {
            return None;
        }
        let rank = ((p / 100.0) * self.timed as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (i, n) in self.hist.iter().enumerate() {
            seen += n;
            if seen >= rank {
                let top = if i >= 63 { u64::MAX } else { (1u64 << i) - 1 };
                return Some(top.min(self.max_ns));
            }
        }
        Some(self.max_ns)
    }
}

/// Everything the stats pane shows.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub total: Counts,
    per: crate::fasthash::FastMap<&'static str, Counts>,
    /// Calls and process events seen.
    pub events: u64,
    /// `(time, events)` over the last second or so, for the rate.
    samples: VecDeque<(u64, u64)>,
}

impl Stats {
    pub fn add_call(&mut self, call: &Call) {
        self.events += 1;
        self.total.add(call);
        self.per.entry(call.row.name).or_default().add(call);
    }

    pub fn add_event(&mut self) {
        self.events += 1;
    }

    /// Remember the count at `now_ns`, keeping about a second of samples.
    pub fn sample(&mut self, now_ns: u64) {
        self.samples.push_back((now_ns, self.events));
        while self.samples.len() > 2
            && self
                .samples
                .get(1)
                .is_some_and(|(t, _)| now_ns.saturating_sub(*t) >= 1_000_000_000)
        {
            self.samples.pop_front();
        }
    }

    /// Events per second over the samples kept; 0 until two samples apart in time exist.
    pub fn rate(&self) -> f64 {
        match (self.samples.front(), self.samples.back()) {
            (Some((t0, n0)), Some((t1, n1))) if t1 > t0 => {
                (n1 - n0) as f64 * 1e9 / (t1 - t0) as f64
            }
            _ => 0.0,
        }
    }

    /// Per syscall, in strace -c's order: the most time first, then the most calls (ties by
    /// name, so the order is stable).
    pub fn by_syscall(&self) -> Vec<(&'static str, &Counts)> {
        let mut v: Vec<(&'static str, &Counts)> = self.per.iter().map(|(k, c)| (*k, c)).collect();
        v.sort_by(|a, b| {
            let (x, y) = (&a.1.tally, &b.1.tally);
            (y.time_ns, y.calls + y.unfinished)
                .cmp(&(x.time_ns, x.calls + x.unfinished))
                .then(a.0.cmp(b.0))
        });
        v
    }
}

/// `1.5ms`, `12µs`, `800ns`.
pub fn human_ns(ns: u64) -> String {
    match ns {
        0..1_000 => format!("{ns}ns"),
        1_000..1_000_000 => format!("{}µs", ns / 1_000),
        1_000_000..1_000_000_000 => format!("{:.1}ms", ns as f64 / 1e6),
        _ => format!("{:.2}s", ns as f64 / 1e9),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::testdata::call;

    #[test]
    fn percentiles_are_upper_bounds() {
        let mut s = Stats::default();
        assert_eq!(s.total.percentile(50.0), None);
        for i in 0..100u64 {
            let mut c = call(1, "bind", if i < 3 { -98 } else { 0 });
            c.exit_ns = c.enter_ns.map(|t| t + 1000 + i);
            s.add_call(&c);
        }
        assert_eq!(s.total.tally.calls, 100);
        assert_eq!(s.total.tally.errors, 3);
        // 1000..1099 ns all fall in [1024, 2047] or [512, 1023].
        let p50 = s.total.percentile(50.0).unwrap();
        assert!((1049..=2047).contains(&p50), "{p50}");
        assert_eq!(s.total.percentile(100.0), Some(1099));
        assert_eq!(s.by_syscall()[0].0, "bind");
    }

    /// The pane's numbers are `tracer record -c`'s: a call that never returned is not a call
    /// there, and the order is the table's.
    #[test]
    fn counted_as_the_summary_table_counts() {
        let mut s = Stats::default();
        let mut table = crate::summary::Table::default();
        let mut calls = vec![
            call(1, "read", 5),
            call(2, "openat", -2),
            call(3, "read", 0),
        ];
        calls[0].exit_ns = calls[0].enter_ns.map(|t| t + 50_000);
        let mut exit = call(4, "exit_group", 0);
        exit.ret = None;
        exit.exit_ns = None;
        calls.push(exit);
        for c in &calls {
            s.add_call(c);
            table.add(c);
        }
        let t = &s.total.tally;
        assert_eq!((t.calls, t.errors, t.unfinished), (3, 1, 1));
        assert_eq!(t.time_ns, 50_000 + 2 * 12_000);
        let names: Vec<&str> = s.by_syscall().iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["read", "openat", "exit_group"]);
        let read = s.by_syscall()[0].1.tally;
        assert_eq!((read.calls, read.usecs_per_call()), (2, 31));
        let printed = table.render(crate::summary::SortBy::Time);
        assert!(
            printed.contains(&format!(
                "{:6.2} {:>11} {:>11} {:>9} {:>9} read\n",
                read.percent_of(t),
                "0.000062",
                31,
                2,
                ""
            )),
            "{printed}"
        );
    }

    #[test]
    fn rate_needs_two_samples_and_forgets_old_ones() {
        let mut s = Stats::default();
        assert!(s.rate().abs() < f64::EPSILON);
        s.sample(0);
        assert!(s.rate().abs() < f64::EPSILON, "one sample: no rate");
        for _ in 0..50 {
            s.add_event();
        }
        s.sample(500_000_000);
        assert!((s.rate() - 100.0).abs() < 1e-9);
        s.sample(5_000_000_000);
        s.sample(5_500_000_000);
        assert!(s.rate().abs() < f64::EPSILON, "{}", s.rate());
    }

    #[test]
    fn human_units() {
        assert_eq!(human_ns(800), "800ns");
        assert_eq!(human_ns(12_345), "12µs");
        assert_eq!(human_ns(1_500_000), "1.5ms");
        assert_eq!(human_ns(2_000_000_000), "2.00s");
    }
}
