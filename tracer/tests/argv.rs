//! execve's argv as strace shows it: the new program's arguments, read in the kernel once the
//! exec succeeded (the exec record), joined to the execve that made it (as root).

mod common;

use std::process::Command;

use common::{TRACER, of, out_file, record_cmd, require_root};
use serde_json::{Value, json};

const SCRIPT: &str = "/nonexistent-argv-test; cat /etc/hostname | wc -c; /bin/true $(seq 1 300)";

#[test]
fn execve_lines_carry_the_programs_argv() {
    let (output, records) = record_cmd("argv", &["-e", "execve"], &["sh", "-c", SCRIPT]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "tracer failed: {stderr}");
    let calls = of(&records, &["execve"]);
    let argv_of = |path: &str| -> Vec<&Value> {
        calls
            .iter()
            .filter(|c| {
                c["args"]["filename"]
                    .as_str()
                    .is_some_and(|f| f.ends_with(path))
            })
            .map(|c| &c["args"]["argv"])
            .collect()
    };
    assert_eq!(argv_of("/sh"), [&json!(["sh", "-c", SCRIPT])], "{calls:#?}");
    assert_eq!(
        argv_of("/cat"),
        [&json!(["cat", "/etc/hostname"])],
        "{calls:#?}"
    );
    assert_eq!(argv_of("/wc"), [&json!(["wc", "-c"])], "{calls:#?}");
    // A failed execve has no new program: its argv stays the pointer.
    let failed = argv_of("/nonexistent-argv-test");
    assert!(
        failed.len() == 1 && failed[0].as_str().is_some_and(|p| p.starts_with("0x")),
        "{failed:?}"
    );
    // 301 arguments are more than the bound holds: cut, with argc.
    let long = argv_of("/bin/true");
    assert_eq!(long.len(), 1, "{calls:#?}");
    assert_eq!(long[0]["truncated"], true, "{long:?}");
    assert_eq!(long[0]["argc"], 301, "{long:?}");
    let shown = long[0]["argv"].as_array().unwrap();
    assert_eq!(shown[..3], [json!("/bin/true"), json!("1"), json!("2")]);
    assert!(shown.len() > 50 && shown.len() < 301, "{}", shown.len());
}

#[test]
fn execve_text_is_strace_like() {
    require_root();
    let out = out_file("argv-text");
    let output = Command::new(TRACER)
        .args(["record", "--format", "text", "-e", "execve", "-o"])
        .arg(&out)
        .args(["--", "sh", "-c", SCRIPT])
        .output()
        .expect("running tracer");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = std::fs::read_to_string(&out).unwrap();
    let line = |needle: &str| {
        text.lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle:?} in:\n{text}"))
    };
    // The programs' paths are as PATH found them (/usr/bin/cat or /bin/cat).
    let cat = line(r#"/cat", ["cat", "/etc/hostname"], 0x"#);
    assert!(
        cat.contains(" execve(\"/") && cat.contains(") = 0 <"),
        "{cat}"
    );
    line(r#"/wc", ["wc", "-c"], 0x"#);
    line(r#"/sh", ["sh", "-c", "/nonexistent-argv-test; cat"#);
    line(r#"execve("/nonexistent-argv-test", 0x"#);
    // Cut at the bound: the last string shown cut short, or whole, then `...`.
    let long = line(r#"execve("/bin/true", ["/bin/true", "1", "2", "#);
    assert!(long.contains(", ...], 0x"), "{long}");
}
