//! Counts for the stats pane: calls and errors per syscall, latency percentiles from a log2
//! histogram (constant memory however many calls), and the event rate over the last second.
// Counts become f64 for rates and percentile ranks: exact below 2^52, far beyond what a
// session sees.
#![allow(clippy::cast_precision_loss)]

use std::collections::{HashMap, VecDeque};

use crate::trace::Call;

/// Latency buckets: bucket `i` holds durations below 2^i ns (the last one everything else).
const BUCKETS: usize = 40;

/// Counts for one syscall, or for all of them.
#[derive(Clone, Debug)]
pub struct Counts {
    pub calls: u64,
    pub errors: u64,
    hist: [u64; BUCKETS],
    timed: u64,
    pub max_ns: u64,
}

impl Default for Counts {
    fn default() -> Self {
        Counts {
            calls: 0,
            errors: 0,
            hist: [0; BUCKETS],
            timed: 0,
            max_ns: 0,
        }
    }
}

impl Counts {
    fn add(&mut self, call: &Call) {
        self.calls += 1;
        if call.ret.and_then(crate::output::errno_of).is_some() {
            self.errors += 1;
        }
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
    per: HashMap<&'static str, Counts>,
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

    /// Per syscall, the busiest first (ties by name, so the order is stable).
    pub fn by_syscall(&self) -> Vec<(&'static str, &Counts)> {
        let mut v: Vec<(&'static str, &Counts)> = self.per.iter().map(|(k, c)| (*k, c)).collect();
        v.sort_by(|a, b| b.1.calls.cmp(&a.1.calls).then(a.0.cmp(b.0)));
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
        assert_eq!(s.total.calls, 100);
        assert_eq!(s.total.errors, 3);
        // 1000..1099 ns all fall in [1024, 2047] or [512, 1023].
        let p50 = s.total.percentile(50.0).unwrap();
        assert!((1049..=2047).contains(&p50), "{p50}");
        assert_eq!(s.total.percentile(100.0), Some(1099));
        assert_eq!(s.by_syscall()[0].0, "bind");
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
