//! A tiny template language for the report's prose (`report.md`).
//!
//! The file is cut into snippets: each starts after a line `<!-- name -->` and runs to the
//! next such line (text before the first one is a comment). A snippet's text is used
//! exactly, blank lines included. In it, `{name}` is replaced by a value; a line that holds
//! only `{name}` is a block: it is replaced by the value's lines (ending with a newline),
//! or dropped when the value is empty. Values are not scanned again.

/// The prose of `BENCHMARKS.md`.
const REPORT: &str = include_str!("report.md");

/// The text of snippet `name` of `template`.
///
/// # Panics
/// If there is no such snippet (a mistake in this crate, caught by its tests).
fn snippet<'t>(template: &'t str, name: &str) -> &'t str {
    let mut start = None;
    let mut offset = 0;
    for line in template.split_inclusive('\n') {
        match (start, marker_name(line)) {
            (None, Some(found)) if found == name => start = Some(offset + line.len()),
            (Some(start), Some(_)) => return &template[start..offset],
            _ => {}
        }
        offset += line.len();
    }
    let start = start.unwrap_or_else(|| panic!("report.md has no snippet `{name}`"));
    &template[start..]
}

/// The name in a marker line `<!-- name -->` at the start of `text`.
fn marker_name(text: &str) -> Option<&str> {
    let line = text.lines().next()?;
    let name = line.strip_prefix("<!-- ")?.strip_suffix(" -->")?;
    is_name(name).then_some(name)
}

fn is_name(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Snippet `name` of `report.md` with its placeholders replaced by `values`.
///
/// # Panics
/// If the snippet does not exist or uses a placeholder that `values` lacks.
pub(super) fn fill<K: AsRef<str>>(name: &str, values: &[(K, String)]) -> String {
    fill_in(snippet(REPORT, name), values)
}

fn fill_in<K: AsRef<str>>(text: &str, values: &[(K, String)]) -> String {
    let value = |key: &str| -> &str {
        values
            .iter()
            .find(|(k, _)| k.as_ref() == key)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no value for {{{key}}} in report.md"))
    };
    let mut out = String::with_capacity(text.len() * 2);
    for line in text.split_inclusive('\n') {
        let bare = line.strip_suffix('\n').unwrap_or(line);
        if let Some(key) = placeholder(bare).filter(|k| k.len() + 2 == bare.len()) {
            let block = value(key);
            out.push_str(block);
            if !block.is_empty() && !block.ends_with('\n') {
                out.push('\n');
            }
            continue;
        }
        let mut rest = line;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            rest = &rest[open..];
            match placeholder(rest) {
                Some(key) => {
                    out.push_str(value(key));
                    rest = &rest[key.len() + 2..];
                }
                None => {
                    out.push('{');
                    rest = &rest[1..];
                }
            }
        }
        out.push_str(rest);
    }
    out
}

/// The name of a placeholder `{name}` at the start of `text`.
fn placeholder(text: &str) -> Option<&str> {
    let (name, _) = text.strip_prefix('{')?.split_once('}')?;
    is_name(name).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = "a comment\n<!-- one -->\nx {a} y {not a name} {b}\n\n<!-- two -->\nbefore\n{block}\nafter\n";

    #[test]
    fn snippets_run_to_the_next_marker() {
        assert_eq!(snippet(TEMPLATE, "one"), "x {a} y {not a name} {b}\n\n");
        assert_eq!(snippet(TEMPLATE, "two"), "before\n{block}\nafter\n");
    }

    #[test]
    fn placeholders_and_blocks() {
        let one = fill_in(
            snippet(TEMPLATE, "one"),
            &[("a", "{b}".to_owned()), ("b", "B".to_owned())],
        );
        assert_eq!(one, "x {b} y {not a name} B\n\n");
        let two = |block: &str| fill_in(snippet(TEMPLATE, "two"), &[("block", block.to_owned())]);
        assert_eq!(two(""), "before\nafter\n");
        assert_eq!(two("1\n2"), "before\n1\n2\nafter\n");
        assert_eq!(two("1\n\n"), "before\n1\n\nafter\n");
    }

    #[test]
    #[should_panic(expected = "no value for {b}")]
    fn a_missing_value_is_a_bug() {
        fill_in::<&str>("{b}", &[]);
    }

    #[test]
    fn every_snippet_of_the_report_is_found() {
        let names: Vec<&str> = REPORT.lines().filter_map(marker_name).collect();
        assert!(names.len() > 10, "{names:?}");
        for name in names {
            assert!(!snippet(REPORT, name).is_empty(), "{name}");
        }
    }
}
