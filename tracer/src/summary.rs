//! strace's `-c` table: per syscall, the time spent in it, its calls and its errors, printed as
//! strace 6.1 prints it (src/count.c `call_summary_pers`), column for column.
//!
//! The counting is strace's: a call counts when it returns, an error being a return value in
//! -4095..-1 (the kernel's `IS_ERR_VALUE`, restart codes such as `ERESTARTSYS` included, as
//! strace's `syserror()` counts them). A call that never returns (`exit_group`, a thread killed
//! inside a call, the end of tracing) is not counted, as strace 6.1 counts it nowhere: it is
//! kept apart, as [`Tally::unfinished`], for the line that says so. The time is what tracer
//! measures: from the call's entry to its exit in the kernel (`raw_syscalls` tracepoints,
//! `CLOCK_BOOTTIME`), that is wall-clock time, strace's `-c -w`, not strace's default of the
//! system CPU time.
//!
//! One table per ABI ("personality"), as strace prints one per personality: x86_64 first, then,
//! after `System call usage summary for 32 bit mode:`, the calls made through the ia32 table.
// Times become f64 only to print them as strace does (`%.6f`, `%6.2f`): exact far beyond a
// session's length.
#![allow(clippy::cast_precision_loss)]

use std::cmp::Reverse;
use std::fmt::Write as _;

use crate::output::errno_of;
use crate::syscalls::{self, Abi, ROWS, Row};
use crate::trace::Call;

/// One syscall's numbers, or all of them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Calls that returned.
    pub calls: u64,
    /// Of those, the ones that returned an error.
    pub errors: u64,
    /// Time between entry and exit, summed over the calls that returned (0 for one whose
    /// entry was not seen).
    pub time_ns: u64,
    /// Calls that never returned while tracing: in none of the other counts.
    pub unfinished: u64,
}

impl Tally {
    /// Count one call, as strace's `count_syscall` counts it at the call's exit.
    pub fn add(&mut self, call: &Call) {
        let Some(ret) = call.ret else {
            self.unfinished += 1;
            return;
        };
        self.calls += 1;
        if errno_of(ret).is_some() {
            self.errors += 1;
        }
        self.time_ns = self.time_ns.saturating_add(call.dur_ns().unwrap_or(0));
    }

    fn merge(&mut self, other: &Tally) {
        self.calls += other.calls;
        self.errors += other.errors;
        self.time_ns = self.time_ns.saturating_add(other.time_ns);
        self.unfinished += other.unfinished;
    }

    /// The mean time of a call, in ns rounded to the nearest (strace's `ts_div`); 0 without
    /// calls.
    pub fn avg_ns(&self) -> u64 {
        self.time_ns.checked_div(self.calls).map_or(0, |q| {
            q + u64::from(self.time_ns % self.calls >= self.calls.div_ceil(2))
        })
    }

    /// strace's `usecs/call`: the mean, in whole microseconds (truncated, from the same
    /// floating-point value strace computes, so that the two agree to the last digit).
    pub fn usecs_per_call(&self) -> u64 {
        (secs(self.avg_ns()) * 1e6) as u64
    }

    /// The share of `total` this is, in percent, as strace computes it (0 when both are 0).
    pub fn percent_of(&self, total: &Tally) -> f64 {
        let p = 100.0 * secs(self.time_ns);
        if p == 0.0 { p } else { p / secs(total.time_ns) }
    }
}

/// A time in seconds as strace's `ts_float` makes it: whole seconds plus the nanoseconds.
fn secs(ns: u64) -> f64 {
    (ns / 1_000_000_000) as f64 + (ns % 1_000_000_000) as f64 / 1e9
}

/// The order of the rows: strace's `-S` keys that mean a column tracer prints.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SortBy {
    /// The time column, longest first (strace's default).
    #[default]
    Time,
    /// usecs/call, longest first.
    AvgTime,
    /// Most calls first.
    Calls,
    /// Most errors first.
    Errors,
    /// By name.
    Name,
    /// The syscalls' numbers (strace's `nothing`: its table's order).
    Nothing,
}

impl std::str::FromStr for SortBy {
    type Err = String;

    /// strace 6.1's names for them (src/count.c `column_aliases`); its min and max columns,
    /// which tracer does not print, are refused by name.
    fn from_str(s: &str) -> Result<SortBy, String> {
        Ok(match s {
            "time" | "time_percent" | "time-percent" | "time_total" | "time-total"
            | "total_time" | "total-time" => SortBy::Time,
            "avg_time" | "avg-time" | "time_avg" | "time-avg" => SortBy::AvgTime,
            "calls" | "count" => SortBy::Calls,
            "error" | "errors" => SortBy::Errors,
            "name" | "syscall" | "syscall_name" | "syscall-name" => SortBy::Name,
            "nothing" | "none" => SortBy::Nothing,
            "min_time" | "min-time" | "shortest" | "time_min" | "time-min" | "max_time"
            | "max-time" | "longest" | "time_max" | "time-max" => {
                return Err(format!(
                    "{s:?}: tracer's table has no shortest or longest column to sort by; give \
                     time, avg-time, calls, errors, name or nothing"
                ));
            }
            _ => {
                return Err(format!(
                    "{s:?} is not a column: give time, avg-time, calls, errors, name or nothing \
                     (strace's names for them work too)"
                ));
            }
        })
    }
}

/// `-c`/`-C`: strace's summary table, and whether the trace is written too.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wanted {
    pub trace: bool,
    pub sort: SortBy,
}

/// What `-c` (`only`), `-C` (`with_trace`), `-S` and `-w` ask for, by strace's rules: `-w`
/// only with `-c` or `-C`; `-S` without them has no effect, which is said, not refused.
pub fn wanted(
    only: bool,
    with_trace: bool,
    sort: Option<SortBy>,
    wall_clock: bool,
) -> anyhow::Result<Option<Wanted>> {
    if !only && !with_trace {
        if wall_clock {
            anyhow::bail!(
                "-w/--summary-wall-clock must be given with -c/--summary-only or -C/--summary"
            );
        }
        if sort.is_some() {
            eprintln!(
                "tracer: -S/--summary-sort-by has no effect without -c/--summary-only or -C/--summary"
            );
        }
        return Ok(None);
    }
    Ok(Some(Wanted {
        trace: with_trace,
        sort: sort.unwrap_or_default(),
    }))
}

/// The remark on what a table leaves out, for standard error: `None` when nothing.
pub fn left_out(table: &Table) -> Option<String> {
    let unfinished = table.unfinished();
    (!unfinished.is_empty()).then(|| {
        format!(
            "calls that never returned are not in the table, as strace counts none: {unfinished}"
        )
    })
}

/// One syscall's line of a table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line<'a> {
    pub name: &'a str,
    /// Its place in strace's table, for ties and `-S nothing`: its number in the ABI.
    pub order: u32,
    pub tally: Tally,
}

/// The counts of every call, per ABI and row: a counter per row, indexed as the row is, so
/// that counting a call allocates nothing.
#[derive(Clone, Debug)]
pub struct Table {
    tallies: Vec<Tally>,
}

impl Default for Table {
    fn default() -> Self {
        Table {
            tallies: vec![Tally::default(); 2 * ROWS.len()],
        }
    }
}

const ABIS: [Abi; 2] = [Abi::X86_64, Abi::Ia32];

fn abi_index(abi: Abi) -> usize {
    match abi {
        Abi::X86_64 => 0,
        Abi::Ia32 => 1,
    }
}

/// The row's number in `abi`'s table; a row the ABI reaches only through a dispatcher comes
/// after the numbered ones, as strace's subcalls do.
fn order_of(row: &Row, abi: Abi) -> u32 {
    let nr = match abi {
        Abi::X86_64 => row.x64,
        Abi::Ia32 => row.ia32,
    };
    nr.map_or_else(
        || 0x1_0000 + row.socketcall.map_or(0x100, |c| u32::from(c.call)),
        u32::from,
    )
}

impl Table {
    pub fn add(&mut self, call: &Call) {
        if let Some(i) = syscalls::index_of(call.row) {
            self.tallies[abi_index(call.abi) * ROWS.len() + i].add(call);
        }
    }

    /// Every call counted so far, of both ABIs.
    #[cfg(test)]
    pub fn total(&self) -> Tally {
        let mut t = Tally::default();
        for x in &self.tallies {
            t.merge(x);
        }
        t
    }

    /// One ABI's syscalls that were seen (returned or not), one line per name.
    fn lines(&self, abi: Abi) -> Vec<Line<'static>> {
        let base = abi_index(abi) * ROWS.len();
        let mut out: Vec<Line<'static>> = Vec::new();
        for (row, t) in ROWS.iter().zip(&self.tallies[base..base + ROWS.len()]) {
            if t.calls == 0 && t.unfinished == 0 {
                continue;
            }
            // Two rows may share a name (mmap's x86_64 and ia32 signatures): one line.
            let order = order_of(row, abi);
            match out.iter_mut().find(|l| l.name == row.name) {
                Some(l) => {
                    l.tally.merge(t);
                    l.order = l.order.min(order);
                }
                None => out.push(Line {
                    name: row.name,
                    order,
                    tally: *t,
                }),
            }
        }
        out
    }

    /// strace's tables for what was counted: nothing when no call returned, as strace prints
    /// none.
    pub fn render(&self, sort: SortBy) -> String {
        let mut s = String::new();
        let mut first = true;
        for abi in ABIS {
            let lines = self.lines(abi);
            if lines.iter().all(|l| l.tally.calls == 0) {
                continue;
            }
            if !first || abi != Abi::X86_64 {
                // strace heads every personality's table but the first of its list.
                s.push_str("System call usage summary for 32 bit mode:\n");
            }
            first = false;
            s.push_str(&render(lines, sort));
        }
        s
    }

    /// The calls that never returned, by name (`exit_group 3, read 1`): what the tables leave
    /// out. Empty when there are none.
    pub fn unfinished(&self) -> String {
        let mut v: Vec<(&str, u64)> = Vec::new();
        for abi in ABIS {
            for l in self.lines(abi) {
                if l.tally.unfinished == 0 {
                    continue;
                }
                match v.iter_mut().find(|(n, _)| *n == l.name) {
                    Some((_, n)) => *n += l.tally.unfinished,
                    None => v.push((l.name, l.tally.unfinished)),
                }
            }
        }
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        v.iter()
            .map(|(n, c)| format!("{n} {c}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Sort `lines` as `-S` says, ties in table order (glibc's qsort, a merge sort, keeps it).
pub fn sort(lines: &mut [Line], by: SortBy) {
    lines.sort_by_key(|l| l.order);
    match by {
        SortBy::Time => lines.sort_by_key(|l| Reverse(l.tally.time_ns)),
        SortBy::AvgTime => lines.sort_by_key(|l| Reverse(l.tally.avg_ns())),
        SortBy::Calls => lines.sort_by_key(|l| Reverse(l.tally.calls)),
        SortBy::Errors => lines.sort_by_key(|l| Reverse(l.tally.errors)),
        SortBy::Name => lines.sort_by(|a, b| a.name.cmp(b.name)),
        SortBy::Nothing => {}
    }
}

/// One table as strace 6.1 prints it: a header, dashes, a line per syscall that returned at
/// least once, dashes, `total`. Column widths are strace's: at least the historical ones
/// (`seconds` 11, `usecs/call` 11, `calls` 9, `errors` 9, `syscall` 16), wider when a value
/// needs it; an error count of 0 is left blank; the last column is not padded.
pub fn render(mut lines: Vec<Line>, by: SortBy) -> String {
    lines.retain(|l| l.tally.calls > 0);
    sort(&mut lines, by);
    let mut total = Tally::default();
    for l in &lines {
        total.merge(&l.tally);
    }
    let seconds = |t: &Tally| format!("{:.6}", secs(t.time_ns));
    let w_secs = seconds(&total).len().max(11);
    let w_avg = lines
        .iter()
        .map(|l| l.tally.usecs_per_call().to_string().len())
        .max()
        .unwrap_or(0)
        .max(11);
    let w_calls = total.calls.to_string().len().max(9);
    let w_errors = total.errors.to_string().len().max(9);
    let w_name = lines
        .iter()
        .map(|l| l.name.len() + 1)
        .max()
        .unwrap_or(0)
        .max(16);
    let dashes = format!(
        "{} {} {} {} {} {}\n",
        "-".repeat(6),
        "-".repeat(w_secs),
        "-".repeat(w_avg),
        "-".repeat(w_calls),
        "-".repeat(w_errors),
        "-".repeat(w_name)
    );
    let errors = |n: u64| {
        if n == 0 { String::new() } else { n.to_string() }
    };
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:>6} {:>w_secs$} {:>w_avg$} {:>w_calls$} {:>w_errors$} syscall",
        "% time", "seconds", "usecs/call", "calls", "errors"
    );
    s.push_str(&dashes);
    for l in &lines {
        let t = &l.tally;
        let _ = writeln!(
            s,
            "{:>6.2} {:>w_secs$} {:>w_avg$} {:>w_calls$} {:>w_errors$} {}",
            t.percent_of(&total),
            seconds(t),
            t.usecs_per_call(),
            t.calls,
            errors(t.errors),
            l.name
        );
    }
    s.push_str(&dashes);
    // strace's total usecs/call: the total time over the calls, not the mean of the means.
    let avg = (secs(total.time_ns) / total.calls.max(1) as f64 * 1e6) as u64;
    let _ = writeln!(
        s,
        "{:>6.2} {:>w_secs$} {avg:>w_avg$} {:>w_calls$} {:>w_errors$} total",
        100.0,
        seconds(&total),
        total.calls,
        errors(total.errors)
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::testdata::call;

    fn line(name: &str, order: u32, calls: u64, errors: u64, time_ns: u64) -> Line<'_> {
        Line {
            name,
            order,
            tally: Tally {
                calls,
                errors,
                time_ns,
                unfinished: 0,
            },
        }
    }

    /// The layout of strace 6.1's `strace -c -w -f /bin/true` on this machine (its five
    /// longest syscalls, with round times).
    #[test]
    fn the_table_is_strace_s() {
        let lines = vec![
            line("mmap", 9, 8, 0, 508_000),
            line("execve", 59, 1, 0, 467_000),
            line("mprotect", 10, 3, 0, 214_000),
            line("access", 21, 1, 1, 57_000),
            line("read", 0, 1, 0, 53_000),
        ];
        let want = "\
% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
 39.11    0.000508          63         8           mmap
 35.95    0.000467         467         1           execve
 16.47    0.000214          71         3           mprotect
  4.39    0.000057          57         1         1 access
  4.08    0.000053          53         1           read
------ ----------- ----------- --------- --------- ----------------
100.00    0.001299          92        14         1 total
";
        assert_eq!(render(lines, SortBy::Time), want);
    }

    #[test]
    fn columns_widen_for_long_names_and_large_numbers() {
        let lines = vec![
            line(
                "sched_get_priority_max",
                146,
                1_234_567_890,
                0,
                12_345_678_900_000,
            ),
            line("read", 0, 3, 3, 0),
        ];
        let t = render(lines, SortBy::Time);
        let rows: Vec<&str> = t.lines().collect();
        assert_eq!(
            rows[0],
            "% time      seconds  usecs/call      calls    errors syscall"
        );
        assert_eq!(
            rows[1],
            format!(
                "------ {} ----------- ---------- --------- {}",
                "-".repeat(12),
                "-".repeat(23)
            )
        );
        // 12345.6789 s over 1234567890 calls: 10 µs each.
        assert_eq!(
            rows[2],
            "100.00 12345.678900          10 1234567890           sched_get_priority_max"
        );
        assert_eq!(
            rows[3],
            "  0.00     0.000000           0          3         3 read"
        );
        assert_eq!(rows[4], rows[1]);
        // The total's mean is the total time over all calls, truncated: 9.99999997 µs.
        assert_eq!(
            rows[5],
            "100.00 12345.678900           9 1234567893         3 total"
        );
    }

    #[test]
    fn sort_keys_and_ties_in_number_order() {
        let lines = || {
            vec![
                line("write", 1, 5, 0, 10),
                line("read", 0, 5, 2, 10),
                line("close", 3, 1, 1, 900),
                line("bind", 49, 9, 0, 0),
            ]
        };
        let order = |by| {
            let mut l = lines();
            sort(&mut l, by);
            l.iter().map(|l| l.name).collect::<Vec<_>>()
        };
        assert_eq!(order(SortBy::Time), ["close", "read", "write", "bind"]);
        assert_eq!(order(SortBy::Calls), ["bind", "read", "write", "close"]);
        assert_eq!(order(SortBy::Errors), ["read", "close", "write", "bind"]);
        assert_eq!(order(SortBy::Name), ["bind", "close", "read", "write"]);
        assert_eq!(order(SortBy::Nothing), ["read", "write", "close", "bind"]);
        assert_eq!(order(SortBy::AvgTime), ["close", "read", "write", "bind"]);
    }

    #[test]
    fn strace_s_sort_names() {
        for (s, want) in [
            ("time", SortBy::Time),
            ("total-time", SortBy::Time),
            ("avg-time", SortBy::AvgTime),
            ("avg_time", SortBy::AvgTime),
            ("count", SortBy::Calls),
            ("calls", SortBy::Calls),
            ("error", SortBy::Errors),
            ("syscall", SortBy::Name),
            ("name", SortBy::Name),
            ("nothing", SortBy::Nothing),
            ("none", SortBy::Nothing),
        ] {
            assert_eq!(s.parse::<SortBy>(), Ok(want), "{s}");
        }
        let e = "min-time".parse::<SortBy>().unwrap_err();
        assert!(e.contains("no shortest or longest column"), "{e}");
        assert!("longest".parse::<SortBy>().is_err());
        let e = "bogus".parse::<SortBy>().unwrap_err();
        assert!(e.contains("not a column"), "{e}");
    }

    #[test]
    fn no_calls_no_table_and_zero_time_is_zero_percent() {
        assert_eq!(Table::default().render(SortBy::Time), "");
        // Only a call that never returned: strace prints no table either.
        let mut t = Table::default();
        let mut c = call(1, "exit_group", 0);
        c.ret = None;
        c.exit_ns = None;
        t.add(&c);
        assert_eq!(t.render(SortBy::Time), "");
        assert_eq!(t.unfinished(), "exit_group 1");
        let s = render(vec![line("read", 0, 2, 0, 0)], SortBy::Time);
        assert!(
            s.contains("  0.00    0.000000           0         2           read\n"),
            "{s}"
        );
        assert!(
            s.ends_with("100.00    0.000000           0         2           total\n"),
            "{s}"
        );
    }

    #[test]
    fn calls_are_counted_per_name_and_abi() {
        let mut t = Table::default();
        for ret in [0, -2, -512] {
            t.add(&call(1, "openat", ret));
        }
        let mut c = call(1, "read", 4);
        c.exit_ns = c.enter_ns.map(|e| e + 2_500_000);
        t.add(&c);
        let mut c = call(1, "read", 0);
        c.abi = Abi::Ia32;
        t.add(&c);
        let total = t.total();
        assert_eq!((total.calls, total.errors), (5, 2));
        assert_eq!(total.time_ns, 4 * 12_000 + 2_500_000);
        let s = t.render(SortBy::Time);
        let (x64, ia32) = s
            .split_once("System call usage summary for 32 bit mode:\n")
            .expect("a table per ABI");
        assert!(x64.contains("         3         2 openat\n"), "{x64}");
        assert!(x64.starts_with("% time"), "{x64}");
        assert!(
            x64.contains(" 98.58    0.002500        2500         1           read\n"),
            "{x64}"
        );
        assert!(
            ia32.contains("100.00    0.000012          12         1           read\n"),
            "{ia32}"
        );
        assert_eq!(t.unfinished(), "");
    }

    #[test]
    fn usecs_per_call_is_rounded_as_strace_rounds() {
        let t = |calls, time_ns| Tally {
            calls,
            errors: 0,
            time_ns,
            unfinished: 0,
        };
        assert_eq!(t(2, 41_000).usecs_per_call(), 20);
        assert_eq!(t(3, 2999).avg_ns(), 1000);
        assert_eq!(t(1, 15_000).usecs_per_call(), 15);
        assert_eq!(t(0, 0).usecs_per_call(), 0);
    }
}
