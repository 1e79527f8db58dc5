//! One call as the list shows it, in one place: the list draws it, search matches it.

use tracer_common::SYS_F_ARGS_FAULT;

use super::stats::human_ns;
use crate::decode::errno;
use crate::output::errno_of;
use crate::syscalls::Abi;
use crate::trace::Call;

/// The columns of one list row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowText {
    pub time: String,
    pub pid: String,
    pub comm: std::sync::Arc<str>,
    /// ABI and entry instruction: `x64`, `ia32 int80`, `ia32 sysenter`.
    pub entry: String,
    /// `bind(3, {...}, 110)`, without the result.
    pub call: String,
    /// `= 0`, `= -1 EADDRINUSE`, `<pending>`, `= ?` (never returned).
    pub result: String,
    pub is_error: bool,
    pub dur: String,
}

/// `HH:MM:SS.mmm` of a boot-clock time, in UTC.
pub fn wall(ts_ns: u64, boot_to_wall: i128) -> String {
    let wall = i128::from(ts_ns) + boot_to_wall;
    let secs = wall.div_euclid(1_000_000_000);
    let ms = wall.rem_euclid(1_000_000_000) / 1_000_000;
    let day = secs.rem_euclid(86_400);
    format!(
        "{:02}:{:02}:{:02}.{ms:03}",
        day / 3600,
        day / 60 % 60,
        day % 60
    )
}

/// ABI, entry instruction and, for ia32 socket and IPC calls, the dispatcher they went
/// through: `x64`, `ia32 int80`, `ia32 sysenter socketcall`.
pub fn entry(call: &Call) -> String {
    let mut s = match call.abi {
        Abi::X86_64 if call.entry_name() == "syscall" => "x64".to_string(),
        Abi::X86_64 => format!("x64 {}", call.entry_name()),
        Abi::Ia32 => format!("ia32 {}", call.entry_name()),
    };
    if let Some((disp, _, _)) = call.dispatcher() {
        s.push(' ');
        s.push_str(disp);
    }
    s
}

/// The arguments as strace shows them.
pub fn args(call: &Call) -> String {
    if call.flags & SYS_F_ARGS_FAULT != 0 {
        return format!("<argument array at {:#x} unreadable>", call.raw_args[1]);
    }
    if call.enter_ns.is_none() {
        return "<...>".into();
    }
    call.args()
        .into_iter()
        .map(|a| a.text())
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn result(call: &Call, pending: bool) -> (String, bool) {
    if pending {
        return ("<pending>".into(), false);
    }
    match call.ret {
        None => ("= ? (never returned)".into(), false),
        Some(ret) => match errno_of(ret) {
            Some(e) => {
                let sign = if errno::restarts(e) { "?" } else { "-1" };
                (format!("= {sign} {}", errno::name(e)), true)
            }
            None => (format!("= {}", call.ret_text(ret)), false),
        },
    }
}

impl RowText {
    pub fn new(call: &Call, pending: bool, boot_to_wall: i128) -> RowText {
        let (mut result, is_error) = result(call, pending);
        // With `-y`: the descriptors described as the calls before left them.
        let text = match call.described.as_deref() {
            Some((text, fd)) => {
                if !pending && !is_error {
                    result.push_str(fd);
                }
                text.clone()
            }
            None => format!("{}({})", call.row.name, args(call)),
        };
        RowText {
            time: wall(call.enter_ns.or(call.exit_ns).unwrap_or(0), boot_to_wall),
            pid: call.pid.to_string(),
            comm: call.comm.clone(),
            entry: entry(call),
            call: text,
            result,
            is_error,
            dur: if pending {
                String::new()
            } else {
                call.dur_ns().map(human_ns).unwrap_or_default()
            },
        }
    }

    /// Everything search looks in, lowercase.
    pub fn haystack(&self) -> String {
        format!(
            "{} {} {} {} {} {}",
            self.pid, self.comm, self.entry, self.call, self.result, self.time
        )
        .to_lowercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::testdata::{bind, call};

    #[test]
    fn columns() {
        let r = RowText::new(&bind(42), false, 0);
        assert_eq!(r.time, "00:00:01.000");
        assert_eq!(r.entry, "x64");
        assert!(
            r.call.starts_with("bind(3, {sa_family=AF_UNIX"),
            "{}",
            r.call
        );
        assert_eq!((r.result.as_str(), r.is_error), ("= 0", false));
        assert_eq!(r.dur, "12µs");
        let r = RowText::new(&call(42, "connect", -111), false, 0);
        assert_eq!((r.result.as_str(), r.is_error), ("= -1 ECONNREFUSED", true));
        let r = RowText::new(&call(42, "accept", 0), true, 0);
        assert_eq!((r.result.as_str(), r.dur.as_str()), ("<pending>", ""));
    }

    #[test]
    fn wall_time_wraps_at_midnight() {
        assert_eq!(
            wall(0, 86_400_000_000_000 + 3_723_004_000_000),
            "01:02:03.004"
        );
        assert_eq!(wall(0, -1_000_000), "23:59:59.999");
    }
}
