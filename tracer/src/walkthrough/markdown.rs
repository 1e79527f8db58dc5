//! A lesson as CommonMark (`--print --format markdown`). A step is paragraphs of prose (each
//! line kept, by a hard line break) and lists of kernel functions; a list needs a blank line
//! before it for most renderers and after it for all (a line right after a list item is a
//! "lazy continuation" of that item, CommonMark 0.31 section 5.2), and prose from a lesson or a
//! recording must not turn into emphasis, links, HTML or block markers. Text inside a lesson's
//! own `code spans` is left alone.

use super::Line;

/// One step's lines: prose lines as one paragraph each run (hard breaks between lines), kernel
/// functions as a list, numbered lines (the changes to try) as an ordered list, each block
/// apart from the next by a blank line.
pub fn step(o: &mut String, lines: &[Line]) {
    #[derive(PartialEq)]
    enum Block {
        None,
        Prose,
        List,
        Numbered,
    }
    let mut block = Block::None;
    // A blank line before a block of another kind.
    let start = |o: &mut String, block: &mut Block, next: Block| {
        if *block != Block::None && *block != next {
            o.push('\n');
        }
        *block = next;
    };
    for l in lines {
        match l {
            // An empty line ends the paragraph, as in the text handout.
            Line::Text(t) if t.trim().is_empty() => {
                if block != Block::None {
                    o.push('\n');
                }
                block = Block::None;
            }
            Line::Text(t) => {
                start(o, &mut block, Block::Prose);
                o.push_str(&text(t));
                // A hard line break; the one at the end of a paragraph is ignored.
                o.push_str("  \n");
            }
            Line::Numbered { n, text: t } => {
                start(o, &mut block, Block::Numbered);
                o.push_str(&format!("{n}. {}\n", text(t)));
            }
            Line::Func { name, mark, what } => {
                start(o, &mut block, Block::List);
                o.push_str("- `");
                o.push(mark.symbol());
                o.push_str("` `");
                o.push_str(name);
                o.push_str("` ");
                o.push_str(&text(what));
                o.push('\n');
            }
        }
    }
    o.push('\n');
}

/// One line of prose as inline CommonMark that renders as the text itself: its code spans kept,
/// everything else that could be markup escaped, and a line that would start a block (a list
/// item, heading, quote, fence) escaped at its start.
pub fn text(line: &str) -> String {
    let line = line.trim_start();
    let mut o = String::with_capacity(line.len() + 8);
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    match block_marker(line) {
        // A backslash only escapes punctuation: `1\.`, not `\1.`.
        Some(Marker::Ordered(digits)) => {
            o.extend(&chars[..digits]);
            o.push('\\');
            i = digits;
        }
        Some(Marker::Other) => o.push('\\'),
        None => {}
    }
    while i < chars.len() {
        let c = chars[i];
        if c == '`' {
            let run = chars[i..].iter().take_while(|&&c| c == '`').count();
            // A code span: the next run of exactly as many backticks closes it.
            if let Some(end) = closing_run(&chars, i + run, run) {
                o.extend(&chars[i..end + run]);
                i = end + run;
            } else {
                for _ in 0..run {
                    o.push_str("\\`");
                }
                i += run;
            }
            continue;
        }
        // A web address (the lessons' links to manual pages and kernel source): an autolink.
        if chars[i..].starts_with(&['h', 't', 't', 'p', 's', ':', '/', '/']) {
            let len = chars[i..]
                .iter()
                .take_while(|c| !c.is_whitespace() && !matches!(c, '<' | '>' | '`'))
                .count();
            o.push('<');
            o.extend(&chars[i..i + len]);
            o.push('>');
            i += len;
            continue;
        }
        let prev = i.checked_sub(1).map(|j| chars[j]);
        let next = chars.get(i + 1).copied();
        let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
        let escape = match c {
            '\\' | '*' | '[' | ']' | '<' | '>' | '&' => true,
            // `_` inside a word (`rd_wait`) is never emphasis; at a word's edge
            // (`__sys_bind`) it could be.
            '_' => !(word(prev) && word(next)),
            _ => false,
        };
        if escape {
            o.push('\\');
        }
        o.push(c);
        i += 1;
    }
    o
}

/// Where a run of exactly `len` backticks starts at or after `from`.
fn closing_run(chars: &[char], from: usize, len: usize) -> Option<usize> {
    let mut i = from;
    while i < chars.len() {
        if chars[i] == '`' {
            let run = chars[i..].iter().take_while(|&&c| c == '`').count();
            if run == len {
                return Some(i);
            }
            i += run;
        } else {
            i += 1;
        }
    }
    None
}

enum Marker {
    /// `1.` or `1)`: an ordered list item after this many digits.
    Ordered(usize),
    /// `#` heading, `-`/`+` list item or rule, `=` underline, a `~~~` fence.
    Other,
}

/// What `line` at the start of a line would begin. (`*`, `>`, `` ` `` are escaped everywhere
/// by [`text`].)
fn block_marker(line: &str) -> Option<Marker> {
    if line.starts_with(['#', '-', '+', '=']) || line.starts_with("~~~") {
        return Some(Marker::Other);
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    (digits > 0 && line[digits..].starts_with(['.', ')'])).then_some(Marker::Ordered(digits))
}

#[cfg(test)]
mod tests {
    use pulldown_cmark::{Event, Parser, Tag, TagEnd};

    use super::super::{Ctx, LESSONS, Lang, Lesson, PrintFormat, render};
    use super::*;
    use crate::kernel::ksyms::Ksyms;

    /// What a CommonMark reader sees: each paragraph's and each list item's text (code spans
    /// as their content, hard breaks as `\n`), in order, and the number of headings.
    #[derive(Debug, Default)]
    struct Seen {
        paragraphs: Vec<String>,
        items: Vec<String>,
        /// The first number of each ordered list.
        ordered: Vec<u64>,
        headings: usize,
    }

    fn parse(md: &str) -> Seen {
        let mut seen = Seen::default();
        let (mut cur, mut in_item, mut in_heading) = (String::new(), 0, false);
        for ev in Parser::new(md) {
            match ev {
                Event::Start(Tag::Item) => {
                    in_item += 1;
                    cur.clear();
                }
                Event::End(TagEnd::Item) => {
                    in_item -= 1;
                    seen.items.push(std::mem::take(&mut cur));
                }
                Event::Start(Tag::List(Some(first))) => seen.ordered.push(first),
                Event::Start(Tag::List(None) | Tag::Link { .. })
                | Event::End(TagEnd::List(_) | TagEnd::Link) => {}
                Event::Start(Tag::Heading { .. }) => in_heading = true,
                Event::End(TagEnd::Heading(_)) => {
                    in_heading = false;
                    seen.headings += 1;
                    cur.clear();
                }
                Event::Start(Tag::Paragraph) if in_item == 0 => cur.clear(),
                Event::End(TagEnd::Paragraph) if in_item == 0 => {
                    seen.paragraphs.push(std::mem::take(&mut cur));
                }
                Event::Text(t) | Event::Code(t) => cur.push_str(&t),
                Event::HardBreak => cur.push('\n'),
                Event::SoftBreak => cur.push(' '),
                Event::Start(t) if !in_heading => panic!("unexpected {t:?} in:\n{md}"),
                Event::Html(h) | Event::InlineHtml(h) => panic!("HTML {h:?} in:\n{md}"),
                _ => {}
            }
        }
        seen
    }

    /// A line as a reader sees it: its code spans without their backticks.
    fn plain(line: &str) -> String {
        let chars: Vec<char> = line.trim_start().chars().collect();
        let (mut o, mut i) = (String::new(), 0);
        while i < chars.len() {
            if chars[i] == '`' {
                let run = chars[i..].iter().take_while(|&&c| c == '`').count();
                if let Some(end) = closing_run(&chars, i + run, run) {
                    o.extend(&chars[i + run..end]);
                    i = end + run;
                    continue;
                }
                o.extend(&chars[i..i + run]);
                i += run;
                continue;
            }
            o.push(chars[i]);
            i += 1;
        }
        o
    }

    /// What the lesson says, as plain text: the paragraphs (runs of prose lines), the list
    /// items (`mark name what`, or a numbered line's text) and the first number of each run of
    /// numbered lines, which the markdown must render to exactly.
    fn expected(lesson: &Lesson) -> (Vec<String>, Vec<String>, Vec<u64>) {
        let (mut paragraphs, mut items, mut ordered) = (Vec::new(), Vec::new(), Vec::new());
        for s in &lesson.steps {
            let mut para: Vec<String> = Vec::new();
            for l in &s.lines {
                match l {
                    Line::Text(t) if t.trim().is_empty() => {
                        if !para.is_empty() {
                            paragraphs.push(para.join("\n"));
                            para.clear();
                        }
                    }
                    Line::Text(t) => para.push(plain(t)),
                    Line::Numbered { n, text } => {
                        if !para.is_empty() {
                            paragraphs.push(para.join("\n"));
                            para.clear();
                        }
                        if *n == 1 {
                            ordered.push(1);
                        }
                        items.push(plain(text));
                    }
                    Line::Func { name, mark, what } => {
                        if !para.is_empty() {
                            paragraphs.push(para.join("\n"));
                            para.clear();
                        }
                        items.push(format!("{} {name} {}", mark.symbol(), plain(what)));
                    }
                }
            }
            if !para.is_empty() {
                paragraphs.push(para.join("\n"));
            }
        }
        (paragraphs, items, ordered)
    }

    fn check(lesson: &Lesson, lang: Lang) {
        let md = render(lesson, PrintFormat::Markdown, lang);
        let seen = parse(&md);
        let (paragraphs, items, ordered) = expected(lesson);
        assert_eq!(seen.headings, lesson.steps.len() + 1, "{md}");
        assert_eq!(seen.items, items, "{md}");
        assert_eq!(seen.ordered, ordered, "{md}");
        // First the source (a paragraph per line), then the legend.
        let source: Vec<String> = lesson.source.lines().map(plain).collect();
        assert_eq!(seen.paragraphs[..source.len()], source[..], "{md}");
        assert_eq!(
            seen.paragraphs.get(source.len() + 1..),
            Some(&paragraphs[..]),
            "{md}"
        );
    }

    /// Every lesson, in both languages, renders to lists and paragraphs that read exactly as
    /// the lesson: no prose swallowed by a list item, no list item lost in a paragraph, no
    /// character taken as markup.
    #[test]
    fn every_lesson_renders_its_lists_and_prose_exactly() {
        let ksyms = Ksyms::default();
        for def in LESSONS {
            for lang in [Lang::En, Lang::Zh] {
                let ctx = Ctx {
                    ksyms: &ksyms,
                    run: None,
                    lang,
                    kernel: "6.18.0",
                };
                let mut lesson = (def.build)(&ctx);
                lesson
                    .steps
                    .extend(super::super::then_now::step(&ctx, def.name));
                lesson
                    .steps
                    .extend(super::super::further::try_next(&ctx, def.name, def.demos));
                check(&lesson, lang);
                // "Try next" is an ordered list, not escaped prose (`1\.` and a hard break).
                let md = render(&lesson, PrintFormat::Markdown, lang);
                let (_, try_next) = md.rsplit_once("\n## ").unwrap();
                assert!(
                    try_next.contains("  \n\n1. ") && try_next.contains("\n2. "),
                    "{}: {try_next}",
                    def.name
                );
                assert!(!try_next.contains("1\\."), "{try_next}");
            }
        }
    }

    /// Prose with everything that could be markup, from a lesson or from a recording's values.
    #[test]
    fn prose_that_looks_like_markup_stays_prose() {
        let lines = [
            "- not a list item",
            "1. not an ordered one",
            "# not a heading",
            "call *%gs:0x10 and *ptr*",
            "__sys_bind and __x64_sys_bind__ and rd_wait",
            "a [link](http://example.com) and <b>html</b> &amp; more",
            "`tracer doctor` keeps its code span, a lone ` stays",
            "``` not a fence",
            "~~~ nor this",
            "back\\slash",
            "see https://man7.org/linux/man-pages/man2/bind.2.html for bind_x",
            "===",
        ];
        let mut lesson = Lesson {
            title: "A *title* with __x__".into(),
            source: "From `tracer demo pipe`.\nEvery kernel step is . (inferred): *why*".into(),
            steps: vec![super::super::Step {
                title: "[1] <step>".into(),
                lines: lines.iter().map(|l| Line::Text((*l).into())).collect(),
            }],
        };
        lesson.steps[0].lines.insert(
            3,
            Line::Func {
                name: "__sys_bind".into(),
                mark: super::super::Mark::Inferred,
                what: "net/socket.c *not emphasis* [nor a link]".into(),
            },
        );
        // Numbered lines whose text looks like markup: an ordered list of plain items, apart
        // from the prose before and the list after.
        lesson.steps[0].lines.insert(
            1,
            Line::Numbered {
                n: 1,
                text: "- *not* a nested list".into(),
            },
        );
        lesson.steps[0].lines.insert(
            2,
            Line::Numbered {
                n: 2,
                text: "1. nor this".into(),
            },
        );
        check(&lesson, Lang::En);
        let md = render(&lesson, PrintFormat::Markdown, Lang::En);
        assert!(
            md.contains("  \n\n1. \\- \\*not\\* a nested list\n2. 1\\. nor this\n\n"),
            "{md}"
        );
        // The list item stands apart from the prose on both sides.
        assert!(md.contains("  \n\n- `.` `__sys_bind` "), "{md}");
        assert!(md.contains("\\[nor a link\\]\n\n"), "{md}");
    }
}
