//! strace's `-e` expressions (strace(1), "Filtering"), so that the fingers of strace users work:
//! `-e EXPR` where `EXPR` is `[QUALIFIER=][!]VALUE[,VALUE]...`. The qualifier is `trace` when
//! none is given. tracer understands `trace=` (names, `%groups`, `all`, `none`; `!` selects every
//! call but those) and `status=` (`successful`, `failed`, `unfinished`, `unavailable`,
//! `detached`; `!` negates). strace's other qualifiers are refused by name, with what to do
//! instead, rather than read as a syscall that does not exist.

use super::{ROWS, SelectError, Selection};
use crate::trace::Call;

/// What `-e` asked for.
#[derive(Debug)]
pub struct Qualifiers {
    /// `None`: no `trace=` was given (the default selection applies).
    pub selection: Option<Selection>,
    /// `None`: every call is shown, whatever its result.
    pub status: Option<StatusSet>,
}

/// `-e status=`: which calls are shown by how they ended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[allow(
    clippy::struct_excessive_bools,
    reason = "one flag per strace status name, set independently"
)]
pub struct StatusSet {
    pub successful: bool,
    pub failed: bool,
    pub unfinished: bool,
    /// strace: a return whose value could not be fetched; tracer always has it when it has
    /// the exit, so nothing matches.
    pub unavailable: bool,
    /// strace: calls it detached from before they returned; tracer never detaches.
    pub detached: bool,
}

impl StatusSet {
    /// Whether `call` is shown.
    pub fn keeps(self, call: &Call) -> bool {
        match call.ret {
            None => self.unfinished,
            Some(r) if crate::output::errno_of(r).is_some() => self.failed,
            Some(_) => self.successful,
        }
    }

    fn set(&mut self, name: &str, on: bool) -> Result<(), SelectError> {
        let slot = match name {
            "successful" => &mut self.successful,
            "failed" => &mut self.failed,
            "unfinished" => &mut self.unfinished,
            "unavailable" => &mut self.unavailable,
            "detached" => &mut self.detached,
            "all" => {
                *self = StatusSet::all(on);
                return Ok(());
            }
            "none" => {
                *self = StatusSet::all(!on);
                return Ok(());
            }
            _ => {
                return Err(SelectError::BadValue {
                    qualifier: "status",
                    value: name.to_string(),
                    expected: "successful, failed, unfinished, unavailable, detached",
                });
            }
        };
        *slot = on;
        Ok(())
    }

    fn all(on: bool) -> StatusSet {
        StatusSet {
            successful: on,
            failed: on,
            unfinished: on,
            unavailable: on,
            detached: on,
        }
    }
}

/// strace's qualifiers tracer does not implement (yet), by every name strace takes, with what
/// to use instead.
const NOT_SUPPORTED: &[(&[&str], &str)] = &[
    (
        &["signal", "signals", "s"],
        "tracer shows signals as calls (-e %signal) and in the signal lesson",
    ),
    (
        &["read", "reads", "r", "write", "writes", "w"],
        "-s N shows the first N bytes of every payload",
    ),
    (&["abbrev", "a", "verbose", "v"], "tracer decodes in full"),
    (&["raw", "x"], "JSON Lines carries every call's raw_args"),
    (
        &["inject", "fault", "kvm"],
        "tracer observes and never changes a call",
    ),
    (
        &["quiet", "silent", "silence", "q"],
        "there is nothing to quiet",
    ),
    (
        &["decode-fds", "decode-fd", "decode-pids", "decode-pid"],
        "not yet",
    ),
];

/// Parse every `-e` given, in order: `trace=` sets add up, as tracer's comma lists always did.
pub fn parse(specs: &[String]) -> Result<Qualifiers, SelectError> {
    let mut trace: Option<Vec<bool>> = None;
    let mut status: Option<StatusSet> = None;
    for spec in specs {
        let spec = spec.trim();
        let (qualifier, rest) = match spec.split_once('=') {
            Some((q, rest)) => (q.trim(), rest),
            None => ("trace", spec),
        };
        let (negate, values) = match rest.trim().strip_prefix('!') {
            Some(v) => (true, v),
            None => (false, rest),
        };
        match qualifier {
            "trace" | "t" => {
                let set = super::select_rows(values)?;
                let set: Vec<bool> = if negate {
                    set.iter().map(|s| !s).collect()
                } else {
                    set
                };
                let acc = trace.get_or_insert_with(|| vec![false; ROWS.len()]);
                for (a, s) in acc.iter_mut().zip(set) {
                    *a |= s;
                }
            }
            "status" => {
                let mut st = if negate {
                    StatusSet::all(true)
                } else {
                    StatusSet::default()
                };
                for v in values.split(',').map(str::trim).filter(|v| !v.is_empty()) {
                    st.set(v, !negate)?;
                }
                status = Some(st);
            }
            q => {
                return Err(
                    match NOT_SUPPORTED.iter().find(|(names, _)| names.contains(&q)) {
                        Some((_, instead)) => SelectError::NotSupported {
                            qualifier: q.to_string(),
                            instead,
                        },
                        None => SelectError::UnknownQualifier(q.to_string()),
                    },
                );
            }
        }
    }
    let selection = match trace {
        Some(t) if !t.iter().any(|s| *s) => return Err(SelectError::Empty),
        Some(t) => Some(Selection::of(t)),
        None => None,
    };
    Ok(Qualifiers { selection, status })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(specs: &[&str]) -> Result<Qualifiers, SelectError> {
        parse(&specs.iter().map(ToString::to_string).collect::<Vec<_>>())
    }

    fn names(q: &Qualifiers) -> Vec<&'static str> {
        let sel = q.selection.as_ref().expect("a selection");
        ROWS.iter()
            .enumerate()
            .filter(|(i, _)| sel.contains(*i))
            .map(|(_, r)| r.name)
            .collect()
    }

    #[test]
    fn strace_spellings_of_a_set() {
        assert_eq!(
            names(&p(&["trace=bind,connect"]).unwrap()),
            ["bind", "connect"]
        );
        assert_eq!(
            names(&p(&["bind", "t=connect"]).unwrap()),
            ["bind", "connect"]
        );
        let not_write = p(&["trace=!write"]).unwrap();
        assert!(!names(&not_write).contains(&"write"));
        assert_eq!(names(&not_write).len(), ROWS.len() - 1);
        assert_eq!(names(&p(&["!write"]).unwrap()).len(), ROWS.len() - 1);
        assert!(p(&["bind"]).unwrap().status.is_none());
        assert!(p(&["status=failed"]).unwrap().selection.is_none());
        assert_eq!(p(&["trace=none"]).unwrap_err(), SelectError::Empty);
        assert!(matches!(
            p(&["trace=bnd"]).unwrap_err(),
            SelectError::Unknown { .. }
        ));
    }

    #[test]
    fn status_sets() {
        let st = p(&["status=failed"]).unwrap().status.unwrap();
        assert!(st.failed && !st.successful && !st.unfinished);
        let st = p(&["status=!failed"]).unwrap().status.unwrap();
        assert!(!st.failed && st.successful && st.unfinished);
        let st = p(&["status=successful,unfinished"])
            .unwrap()
            .status
            .unwrap();
        assert!(st.successful && st.unfinished && !st.failed);
        let e = p(&["status=broken"]).unwrap_err().to_string();
        assert!(e.contains("status=") && e.contains("failed"), "{e}");
    }

    #[test]
    fn other_qualifiers_are_refused_by_name() {
        for q in [
            "signal=SIGINT",
            "read=3",
            "write=1",
            "raw=all",
            "inject=open:error=ENOENT",
        ] {
            let e = p(&[q]).unwrap_err().to_string();
            assert!(e.contains("not supported"), "{q}: {e}");
            assert!(!e.contains("unknown syscall"), "{q}: {e}");
        }
        let e = p(&["frobnicate=1"]).unwrap_err().to_string();
        assert!(e.contains("qualifier"), "{e}");
    }

    #[test]
    fn kept_by_status() {
        let row = &ROWS[0];
        let mut c = Call::hypothetical(row, crate::syscalls::Abi::X86_64, 0, 0, 0, 0);
        let failed = StatusSet {
            failed: true,
            ..StatusSet::default()
        };
        c.ret = Some(-2);
        assert!(failed.keeps(&c));
        c.ret = Some(0);
        assert!(!failed.keeps(&c));
        c.ret = None;
        assert!(!failed.keeps(&c));
    }
}
