//! The selected call's journey, top to bottom: the program and its call, the libc wrapper, the
//! entry instruction with the registers that carried the number and the arguments, the
//! user/kernel boundary, the kernel's entry code, table slot or dispatcher, the functions that
//! do the work, the protocol operation, and the return. Steps a probe saw in this very call
//! are drawn apart from those inferred from this kernel's code (the legend says which is which).
//! Below: every argument decoded in full, and each payload in hex and ASCII.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use tracer_common::{
    CAP_FAULT, CAP_NULL, ENTRY_INT80, ENTRY_SYSENTER, TABLE_IPC, TABLE_SOCKETCALL,
};

use super::{bold, dim, wrap};
use crate::event::Capture;
use crate::kernel::path::{self, Step};
use crate::live::app::App;
use crate::live::row::RowText;
use crate::live::stats::human_ns;
use crate::live::store::Entry;
use crate::output::errno_of;
use crate::syscalls::Abi;
use crate::trace::Call;

const OBSERVED: &str = "●";
const INFERRED: &str = "○";

fn observed_style() -> Style {
    Style::new().fg(Color::Green).add_modifier(Modifier::BOLD)
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let width = usize::from(area.width);
    let (title, lines) = match app.selected_entry() {
        Some(e) => (
            Line::from(vec![
                Span::raw(format!(" Journey of {} ", e.call.row.name)),
                Span::styled(format!("{OBSERVED} observed"), observed_style()),
                Span::raw(" "),
                Span::styled(format!("{INFERRED} inferred "), dim()),
            ]),
            lines(app, e, width),
        ),
        None => (
            Line::raw(" Journey "),
            vec![Line::styled(
                "select a call to see its journey into the kernel",
                dim(),
            )],
        ),
    };
    super::pane(frame, area, app, title, lines);
}

/// Registers the entry instruction takes the number and the arguments in.
fn registers(abi: Abi) -> (&'static str, [&'static str; 6]) {
    match abi {
        Abi::X86_64 => ("rax", ["rdi", "rsi", "rdx", "r10", "r8", "r9"]),
        Abi::Ia32 => ("eax", ["ebx", "ecx", "edx", "esi", "edi", "ebp"]),
    }
}

fn instruction(call: &Call) -> &'static str {
    match (call.abi, call.entry) {
        (Abi::X86_64, _) => "syscall",
        (Abi::Ia32, ENTRY_INT80) => "int $0x80",
        (Abi::Ia32, ENTRY_SYSENTER) => "sysenter (from the vDSO's __kernel_vsyscall)",
        (Abi::Ia32, _) => "syscall (32-bit, from the vDSO)",
    }
}

/// `syscall  rax=49 (bind)  rdi=0x3 rsi=0x7ffd… rdx=0x6e`: what the program put in registers.
fn registers_line(call: &Call) -> String {
    let (nr_reg, arg_regs) = registers(call.abi);
    let dispatcher = call.dispatcher();
    let n = match call.table {
        TABLE_SOCKETCALL => 2,
        TABLE_IPC => 6,
        _ => call.row.args.len().min(6),
    };
    let name = dispatcher.map_or(call.row.name, |(d, _, _)| d);
    let mut s = format!("{}  {nr_reg}={} ({name})", instruction(call), call.nr);
    for (reg, v) in arg_regs.iter().zip(call.raw_args.iter()).take(n) {
        s.push_str(&format!("  {reg}={v:#x}"));
    }
    s
}

fn step_line(s: &Step) -> Line<'static> {
    let mut spans = vec![Span::raw("  ")];
    if s.observed {
        spans.push(Span::styled(format!("{OBSERVED} "), observed_style()));
        spans.push(Span::styled(s.func.clone(), observed_style()));
    } else {
        spans.push(Span::styled(format!("{INFERRED} "), dim()));
        let style = if s.is_func {
            Style::new()
        } else {
            Style::new().add_modifier(Modifier::ITALIC)
        };
        spans.push(Span::styled(s.func.clone(), style));
    }
    if !s.args.is_empty() {
        let a: Vec<String> = s.args.iter().map(|(k, v)| format!("{k}={v}")).collect();
        spans.push(Span::raw(format!("({})", a.join(", "))));
    }
    if let Some(r) = s.ret {
        spans.push(Span::raw(format!(" = {r}")));
    }
    if let Some(m) = s.mech {
        spans.push(Span::styled(
            format!("  [{m}]"),
            Style::new().fg(Color::Green),
        ));
    }
    if let Some(n) = &s.note {
        spans.push(Span::styled(format!("  {n}"), dim()));
    }
    Line::from(spans)
}

/// `──── text ────` across the width.
fn boundary(text: &str, width: usize) -> Line<'static> {
    let rules = width.saturating_sub(text.chars().count() + 2).max(4);
    let left = rules / 2;
    Line::styled(
        format!("{} {text} {}", "─".repeat(left), "─".repeat(rules - left)),
        Style::new().fg(Color::Blue),
    )
}

fn heading(text: &str) -> Line<'static> {
    Line::styled(text.to_string(), bold().fg(Color::Cyan))
}

pub fn lines(app: &App, e: &Entry, width: usize) -> Vec<Line<'static>> {
    let call = &e.call;
    let row = RowText::new(call, e.pending, app.config.boot_to_wall);
    let mut out = Vec::new();
    let result_style = if row.is_error {
        Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)
    } else {
        Style::new().fg(Color::Green)
    };
    call_line(&row.call, &row.result, result_style, width, &mut out);
    out.push(Line::styled(
        format!(
            "{}  pid {} tid {} {}  {}  nr {}{}",
            row.time,
            call.pid,
            call.tid,
            call.comm,
            row.entry,
            call.nr,
            if row.dur.is_empty() {
                String::new()
            } else {
                format!("  took {}", row.dur)
            }
        ),
        dim(),
    ));
    if let Some(o) = e.obj.and_then(|k| app.objects.get(&k)) {
        let mut s = format!(
            "on {} {}",
            o.kind.name(),
            if o.name.is_empty() { "-" } else { &o.name }
        );
        if let crate::live::objects::ObjKey::Inode(i) = o.key {
            s.push_str(&format!(" (inode {i})"));
        }
        let peers = app.objects.peer_holders(o);
        if !peers.is_empty() {
            let p: Vec<String> = peers.iter().map(ToString::to_string).collect();
            s.push_str(&format!(", other end held by pid {}", p.join(",")));
        }
        out.push(Line::styled(s, Style::new().fg(Color::Cyan)));
    }
    if call.enter_ns.is_none() {
        out.push(Line::styled(
            "the call was entered before tracing started: its arguments and journey are unknown",
            dim(),
        ));
    } else {
        journey(app, e, width, &mut out);
        arguments(call, width, &mut out);
        payloads(call, width, &mut out);
    }
    out
}

/// The call and its result, whole: wrapped at the pane's width (a long path, or a descriptor's
/// `-y` name, must not cut the result off), the result kept in one piece where it fits.
fn call_line(call: &str, result: &str, style: Style, width: usize, out: &mut Vec<Line<'static>>) {
    let width = width.max(8);
    let mut pieces = wrap(call, width);
    let last = pieces.pop().unwrap_or_default();
    out.extend(pieces.into_iter().map(|p| Line::styled(p, bold())));
    let used = last.chars().count();
    if used + 1 + result.chars().count() <= width {
        out.push(Line::from(vec![
            Span::styled(last, bold()),
            Span::raw(" "),
            Span::styled(result.to_string(), style),
        ]));
    } else {
        out.push(Line::styled(last, bold()));
        out.extend(
            wrap(result, width.saturating_sub(2))
                .into_iter()
                .map(|p| Line::from(vec![Span::raw("  "), Span::styled(p, style)])),
        );
    }
}

fn journey(app: &App, e: &Entry, width: usize, out: &mut Vec<Line<'static>>) {
    let call = &e.call;
    let steps = path::build(&app.config.ksyms, call, call.sockaddr_arg().as_ref());
    let mut steps = steps.iter();
    // The first step is the user-space side: the libc wrapper, or why there is none.
    if let Some(user) = steps.next() {
        out.push(step_line(user));
    }
    out.push(Line::from(vec![
        Span::raw("  ↓ "),
        Span::styled(registers_line(call), Style::new().fg(Color::Magenta)),
    ]));
    out.push(boundary("user space ▼ kernel", width));
    for s in steps {
        out.push(step_line(s));
    }
    out.push(boundary("kernel ▲ user space", width));
    let ret = match call.ret {
        _ if e.pending => "still waiting in the kernel".to_string(),
        None => "never returned (the thread exited, or its exit was lost)".to_string(),
        Some(r) => match errno_of(r) {
            Some(err) => {
                let mut s = format!("returns -{err} in {}:", registers(call.abi).0);
                // ` = -1 EAGAIN (...)`, ` = ? ERESTARTSYS (...)`: the same words as the text
                // output, without its ` =`.
                let mut failure = String::new();
                crate::decode::errno::write_failure(&mut failure, err);
                s.push_str(failure.strip_prefix(" =").unwrap_or(&failure));
                if let Some(f) = path::error_from(&app.config.ksyms, &call.hops, r) {
                    s.push_str(&format!(", returned by {f}"));
                }
                s
            }
            None => format!("returns {r} in {}", registers(call.abi).0),
        },
    };
    let took = call
        .dur_ns()
        .map(|d| format!("  after {}", human_ns(d)))
        .unwrap_or_default();
    out.push(Line::from(vec![
        Span::raw("  ↑ "),
        Span::raw(ret),
        Span::styled(took, dim()),
    ]));
    out.push(Line::from(vec![
        Span::styled(format!("{OBSERVED} observed"), observed_style()),
        Span::styled(": a probe fired in this very call   ", dim()),
        Span::styled(format!("{INFERRED} inferred"), bold()),
        Span::styled(": what this kernel's code does", dim()),
    ]));
}

fn arguments(call: &Call, width: usize, out: &mut Vec<Line<'static>>) {
    out.push(heading("Arguments"));
    if call.flags & tracer_common::SYS_F_ARGS_FAULT != 0 {
        out.push(Line::raw(format!(
            "  socketcall's argument array at {:#x} could not be read",
            call.raw_args[1]
        )));
        return;
    }
    let args = call.args();
    let name_w = args.iter().map(|a| a.name.len()).max().unwrap_or(0);
    let room = width.saturating_sub(name_w + 4).max(8);
    for a in args {
        for (i, piece) in wrap(&a.text(), room).into_iter().enumerate() {
            let label = if i == 0 { a.name } else { "" };
            out.push(Line::from(vec![
                Span::styled(
                    format!("  {label:<name_w$}  "),
                    Style::new().fg(Color::Yellow),
                ),
                Span::raw(piece),
            ]));
        }
    }
}

fn payloads(call: &Call, width: usize, out: &mut Vec<Line<'static>>) {
    let caps: Vec<(&str, &Capture)> = call
        .enter_caps
        .iter()
        .map(|c| ("entry", c))
        .chain(call.exit_caps.iter().map(|c| ("exit", c)))
        .collect();
    if caps.is_empty() {
        return;
    }
    out.push(heading("Memory copied from the program"));
    // 16 bytes a line needs 6 + 48 + 18 columns.
    let per_line = if width >= 76 { 16 } else { 8 };
    for (side, c) in caps {
        let arg = call
            .row
            .ops
            .get(usize::from(c.hdr.op))
            .and_then(|op| call.row.args.get(usize::from(op.arg)))
            .map_or("?", |(n, _)| *n);
        let what = match c.hdr.status {
            CAP_NULL => "a NULL pointer".to_string(),
            CAP_FAULT => format!("unreadable at {:#x}", c.hdr.addr),
            _ => format!(
                "{} of {} bytes at {:#x}{}",
                c.data.len(),
                crate::decode::wanted(call.row, call.abi, &call.args, c),
                c.hdr.addr,
                if c.hdr.late != 0 {
                    ", copied again at exit"
                } else {
                    ""
                }
            ),
        };
        out.push(Line::from(vec![
            Span::styled(format!("  {arg}"), Style::new().fg(Color::Yellow)),
            Span::styled(format!(" at {side}: {what}"), dim()),
        ]));
        for (i, chunk) in c.data.chunks(per_line).enumerate() {
            out.push(Line::raw(hex_line(i * per_line, chunk, per_line)));
        }
    }
}

/// `0010  68 65 6c 6c 6f …  |hello|`
fn hex_line(offset: usize, bytes: &[u8], per_line: usize) -> String {
    let hex: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let ascii: String = bytes
        .iter()
        .map(|b| {
            if b.is_ascii_graphic() || *b == b' ' {
                *b as char
            } else {
                '.'
            }
        })
        .collect();
    format!(
        "  {offset:04x}  {:<w$}  |{ascii}|",
        hex.join(" "),
        w = per_line * 3 - 1
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_and_ascii() {
        assert_eq!(hex_line(16, b"hi\0", 4), "  0010  68 69 00     |hi.|");
    }

    #[test]
    fn registers_of_each_abi() {
        let c = crate::live::testdata::bind(1);
        assert_eq!(
            registers_line(&c),
            "syscall  rax=49 (bind)  rdi=0x3  rsi=0x7ffd00001000  rdx=0x6e"
        );
        // A 32-bit bind through int $0x80 and socketcall(SYS_BIND, args): two registers.
        let mut c = crate::live::testdata::bind(1);
        c.abi = Abi::Ia32;
        c.entry = ENTRY_INT80;
        c.table = TABLE_SOCKETCALL;
        c.nr = 102;
        c.call = 2;
        c.raw_args = [2, 0xffd0_1000, 0, 0, 0, 0];
        assert_eq!(
            registers_line(&c),
            "int $0x80  eax=102 (socketcall)  ebx=0x2  ecx=0xffd01000"
        );
    }

    fn texts(lines: &[Line]) -> Vec<String> {
        lines.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn the_call_line_wraps_and_keeps_its_result_whole() {
        let mut out = Vec::new();
        call_line("f(1)", "= 0", Style::new(), 20, &mut out);
        assert_eq!(texts(&out), ["f(1) = 0"]);
        // CI's checkout sits deeper than a laptop's: `AT_FDCWD</long/cwd>` pushed the result
        // past a 76-column pane, and the journey lost `= 3</etc/hostname>`.
        let mut out = Vec::new();
        call_line(
            "openat(AT_FDCWD</check/work/main>, \"/etc/hostname\", O_RDONLY)",
            "= 3</etc/hostname>",
            Style::new(),
            30,
            &mut out,
        );
        assert_eq!(
            texts(&out),
            [
                "openat(AT_FDCWD</check/work/ma",
                "in>, \"/etc/hostname\", O_RDONLY",
                ") = 3</etc/hostname>"
            ]
        );
        // No room left after the call: the result on a line of its own, indented.
        let mut out = Vec::new();
        call_line(
            "close(3</tmp/a/long/name>)",
            "= 0",
            Style::new(),
            28,
            &mut out,
        );
        assert_eq!(texts(&out), ["close(3</tmp/a/long/name>)", "  = 0"]);
    }
}
