//! The list filter (`f`): which calls the list shows. Terms are separated by spaces; terms of
//! one kind widen the filter (`bind connect`), kinds narrow it (`%net pid=42 errors`).

use std::collections::HashSet;

use super::objects::ObjKey;
use crate::syscalls::{self, Selection};
use crate::trace::Call;

/// A parsed filter; the default shows everything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// As typed, normalised to single spaces: shown on the status bar and edited again.
    pub text: String,
    /// Syscall names (from names and `%groups`); `None`: any.
    names: Option<HashSet<&'static str>>,
    pids: Vec<u32>,
    comms: Vec<String>,
    /// Only calls that returned an error.
    pub errors: bool,
    /// Only calls on this object (chosen in the objects pane).
    pub obj: Option<ObjKey>,
}

#[derive(Copy, Clone, PartialEq, Eq)]
enum Term {
    Errors,
    Pid,
    Comm,
    Obj,
    Syscall,
}

fn term_kind(t: &str) -> Term {
    if ERROR_TERMS.contains(&t) {
        Term::Errors
    } else if t.starts_with("pid=") || t.starts_with("pid:") || t.parse::<u32>().is_ok() {
        Term::Pid
    } else if t.starts_with("comm=") || t.starts_with("comm:") {
        Term::Comm
    } else if t.starts_with("obj=") {
        Term::Obj
    } else {
        Term::Syscall
    }
}

/// Terms that mean "errors only".
const ERROR_TERMS: [&str; 3] = ["errors", "error", "err"];

impl Filter {
    /// Parse `text`; the error says which term is wrong and why.
    pub fn parse(text: &str) -> Result<Filter, String> {
        let mut f = Filter {
            text: text.split_whitespace().collect::<Vec<_>>().join(" "),
            ..Filter::default()
        };
        let mut specs = Vec::new();
        for term in text.split_whitespace() {
            if ERROR_TERMS.contains(&term) {
                f.errors = true;
            } else if let Some(v) = term
                .strip_prefix("pid=")
                .or_else(|| term.strip_prefix("pid:"))
            {
                f.pids
                    .push(v.parse().map_err(|_| format!("{term}: not a pid"))?);
            } else if let Some(v) = term
                .strip_prefix("comm=")
                .or_else(|| term.strip_prefix("comm:"))
            {
                f.comms.push(v.to_string());
            } else if let Some(v) = term.strip_prefix("obj=") {
                f.obj = Some(ObjKey::parse(v).ok_or_else(|| {
                    format!("{term}: not an object (ino:N, msq:N, sem:N, shm:N)")
                })?);
            } else if let Ok(pid) = term.parse::<u32>() {
                f.pids.push(pid);
            } else {
                specs.push(term.to_string());
            }
        }
        if !specs.is_empty() {
            let sel = Selection::parse(&specs).map_err(|e| e.to_string())?;
            let mut names = HashSet::new();
            let mut i = 0u16;
            while let Some(row) = syscalls::row(i) {
                if sel.contains(usize::from(i)) {
                    names.insert(row.name);
                }
                i += 1;
            }
            f.names = Some(names);
        }
        Ok(f)
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// Whether the list shows `call`, which used the object `obj` (when known).
    pub fn matches(&self, call: &Call, obj: Option<ObjKey>) -> bool {
        if self.obj.is_some() && self.obj != obj {
            return false;
        }
        if self
            .names
            .as_ref()
            .is_some_and(|n| !n.contains(call.row.name))
        {
            return false;
        }
        if !self.pids.is_empty() && !self.pids.contains(&call.pid) && !self.pids.contains(&call.tid)
        {
            return false;
        }
        if !self.comms.is_empty() && !self.comms.iter().any(|c| **c == *call.comm) {
            return false;
        }
        !self.errors || call.ret.and_then(crate::output::errno_of).is_some()
    }

    /// The same filter limited to the calls on `obj`, replacing any other object.
    pub fn with_obj(&self, obj: ObjKey) -> Filter {
        self.with(Term::Obj, &format!("obj={obj}"))
    }

    /// The same filter limited to process `pid`, replacing any other pid.
    pub fn with_pid(&self, pid: u32) -> Filter {
        self.with(Term::Pid, &format!("pid={pid}"))
    }

    /// The same filter limited to the syscall `name`, replacing other names and groups.
    pub fn with_syscall(&self, name: &str) -> Filter {
        self.with(Term::Syscall, name)
    }

    fn with(&self, kind: Term, term: &str) -> Filter {
        let mut terms: Vec<&str> = self
            .text
            .split_whitespace()
            .filter(|t| term_kind(t) != kind)
            .collect();
        terms.push(term);
        // Every other term parsed before, and the new one is well formed.
        Filter::parse(&terms.join(" ")).unwrap_or_default()
    }

    /// The same filter with "errors only" switched.
    pub fn toggle_errors(&self) -> Filter {
        let mut terms: Vec<&str> = self
            .text
            .split_whitespace()
            .filter(|t| !ERROR_TERMS.contains(t))
            .collect();
        if !self.errors {
            terms.push("errors");
        }
        // Every other term parsed before: this cannot fail.
        Filter::parse(&terms.join(" ")).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::testdata::call;

    #[test]
    fn kinds_narrow_and_terms_widen() {
        let bind = call(10, "bind", 0);
        let connect = call(11, "connect", -111);
        let f = Filter::parse("bind  connect").unwrap();
        assert_eq!(f.text, "bind connect");
        assert!(f.matches(&bind, None) && f.matches(&connect, None));
        let f = Filter::parse("%net pid=11").unwrap();
        assert!(!f.matches(&bind, None) && f.matches(&connect, None));
        let f = Filter::parse("errors").unwrap();
        assert!(!f.matches(&bind, None) && f.matches(&connect, None));
        let f = Filter::parse("comm=demo 10").unwrap();
        assert!(f.matches(&bind, None) && !f.matches(&connect, None));
        assert!(Filter::parse("").unwrap().matches(&bind, None));
        let f = Filter::parse("bind").unwrap().with_obj(ObjKey::Inode(5));
        assert_eq!(f.text, "bind obj=ino:5");
        assert!(f.matches(&bind, Some(ObjKey::Inode(5))));
        assert!(!f.matches(&bind, Some(ObjKey::Inode(6))) && !f.matches(&bind, None));
        assert!(Filter::parse("obj=pipe").is_err());
        let f = Filter::parse("%net 7 errors comm=x").unwrap();
        assert_eq!(f.with_pid(9).text, "%net errors comm=x pid=9");
        assert_eq!(f.with_syscall("bind").text, "7 errors comm=x bind");
    }

    #[test]
    fn bad_terms_say_why() {
        assert!(Filter::parse("pid=x").unwrap_err().contains("pid=x"));
        assert!(Filter::parse("bnid").unwrap_err().contains("bind"));
    }

    #[test]
    fn errors_toggle_keeps_the_rest() {
        let f = Filter::parse("bind").unwrap().toggle_errors();
        assert_eq!(f.text, "bind errors");
        assert!(f.errors);
        let f = f.toggle_errors();
        assert_eq!(f.text, "bind");
        assert!(!f.errors);
    }
}
