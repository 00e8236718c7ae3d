//! Rendering: tables for people, one JSON document for scripts. Jobs are rendered from
//! `Job::redacted_json`, so secrets are masked in both.

use crate::exit::CliError;
use serde::Serialize;
use serde_json::Value;
use std::io::Write;

/// What a secret is replaced with in output.
pub const MASK: &str = "***";

/// Prints one JSON document on stdout.
pub fn print_json(value: &Value) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)
        .map_err(std::io::Error::from)
        .and_then(|()| writeln!(out))
        .map_err(CliError::io)
}

/// A value as JSON (outcomes, locations: types whose serialization cannot fail on
/// valid data; a failure is reported, not unwrapped).
pub fn to_json(value: &impl Serialize) -> Result<Value, CliError> {
    serde_json::to_value(value)
        .map_err(|error| CliError::other(format!("cannot render the result as JSON: {error}")))
}

/// A text table with left-aligned columns.
#[derive(Debug, Default)]
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headers.
    pub fn new(headers: &[&str]) -> Self {
        Table {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row (missing cells are blank).
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Renders the table.
    pub fn render(&self) -> String {
        let columns = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate().take(columns) {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        let line = |cells: &[String]| {
            let mut text = String::new();
            for (i, width) in widths.iter().enumerate() {
                let cell = cells.get(i).map(String::as_str).unwrap_or("");
                if i + 1 == columns {
                    text.push_str(cell);
                } else {
                    text.push_str(&format!("{cell:<width$}  "));
                }
            }
            text.trim_end().to_owned() + "\n"
        };
        let mut out = line(&self.headers);
        for row in &self.rows {
            out.push_str(&line(row));
        }
        out
    }

    /// Prints the table on stdout.
    pub fn print(&self) -> Result<(), CliError> {
        std::io::stdout()
            .lock()
            .write_all(self.render().as_bytes())
            .map_err(CliError::io)
    }
}

/// A string at a JSON pointer, or `""`.
pub fn text_at(value: &Value, pointer: &str) -> String {
    match value.pointer(pointer) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// The resource group named in an ARM resource id.
pub fn resource_group_of(id: &str) -> String {
    let parts: Vec<&str> = id.split('/').collect();
    parts
        .iter()
        .position(|p| p.eq_ignore_ascii_case("resourceGroups"))
        .and_then(|i| parts.get(i + 1))
        .map(|s| s.to_string())
        .unwrap_or_default()
}

/// The jobs table.
pub fn jobs_table(jobs: &[Value]) -> Table {
    let mut table = Table::new(&[
        "NAME",
        "RESOURCE GROUP",
        "TYPE",
        "STATE",
        "CANCEL REQUESTED",
        "LOCATION",
    ]);
    for job in jobs {
        table.row(vec![
            text_at(job, "/name"),
            resource_group_of(&text_at(job, "/id")),
            text_at(job, "/properties/jobType"),
            text_at(job, "/properties/state"),
            text_at(job, "/properties/cancelRequested"),
            text_at(job, "/location"),
        ]);
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align() {
        let mut table = Table::new(&["A", "LONGER"]);
        table.row(vec!["wide cell".into(), "x".into()]);
        assert_eq!(table.render(), "A          LONGER\nwide cell  x\n");
    }

    #[test]
    fn resource_group_is_read_from_the_id() {
        assert_eq!(
            resource_group_of(
                "/subscriptions/s/resourceGroups/my-rg/providers/Microsoft.ImportExport/jobs/j"
            ),
            "my-rg"
        );
        assert_eq!(resource_group_of(""), "");
    }
}
