//! The "Targets" table: every target of the issues, measured and judged.

use super::build::{BuildTime, Builds, Subject};
use super::format::{div, kib, ratio, status, thousands};
use super::report::{Render, TARGET_ERGONOMIC_LIST, TARGET_RATIO, TARGET_W5_SECONDS};
use super::results::{Results, SCALING, median};
use super::template::fill;

pub(super) fn targets(r: &Render<'_>) -> String {
    let res = r.results;
    let heap = res.heap_growth();
    let (spread, page_wire) = (res.heap_spread(), res.page_wire());
    let (worst, one_page) = (res.heap_worst(), res.one_page());
    let w5_median = r.w5.map(|w| median(&w.seconds));
    let mut values: Vec<(String, String)> = [
        ("target_ratio", TARGET_RATIO.to_string()),
        ("heap_small", kib(heap[0])),
        ("heap_mid", kib(heap[1])),
        ("heap_large", kib(heap[2])),
        ("sizes", SCALING.map(thousands).join(" / ")),
        (
            "heap_spread",
            spread.map_or_else(|| "—".to_owned(), |d| format!("{:+.0} KiB", d / 1024.0)),
        ),
        ("page_wire", kib(page_wire)),
        ("page_decoded", kib(res.page_decoded())),
        (
            "heap_spread_status",
            status(spread.zip(page_wire).map(|(s, p)| s <= p)).to_owned(),
        ),
        ("heap_worst", kib(worst)),
        ("heap_worst_ratio", ratio(div(worst, one_page))),
        ("one_page", kib(one_page)),
        (
            "heap_worst_status",
            status(worst.zip(one_page).map(|(w, p)| w <= p)).to_owned(),
        ),
        ("target_w5", TARGET_W5_SECONDS.to_string()),
        (
            "w5_median",
            w5_median.map_or_else(
                || "not run (no spec root)".to_owned(),
                |s| format!("{s:.3} s"),
            ),
        ),
        ("w5_runs", r.w5.map_or(0, |w| w.seconds.len()).to_string()),
        (
            "w5_status",
            status(w5_median.map(|s| s < TARGET_W5_SECONDS)).to_owned(),
        ),
    ]
    .into_iter()
    .map(|(key, value)| (key.to_owned(), value))
    .collect();
    values.extend(client_targets(res, "w1", "w1_get_2000"));
    values.extend(client_targets(res, "w2", "w2_list_10000"));
    let pairs = [
        (
            "w1_ergonomic",
            "w1",
            "ergonomic",
            "hand_written",
            TARGET_RATIO,
        ),
        (
            "w2_ergonomic",
            "w2",
            "ergonomic",
            "generated",
            TARGET_ERGONOMIC_LIST,
        ),
        (
            "ops_patch",
            "ops_patch",
            "generated",
            "hand_written",
            TARGET_RATIO,
        ),
        (
            "ops_delete",
            "ops_delete",
            "generated",
            "hand_written",
            TARGET_RATIO,
        ),
        ("w3", "w3", "ergonomic", "hand_written", TARGET_RATIO),
    ];
    for (key, workload, a, b, limit) in pairs {
        values.push((key.to_owned(), res.paired_text(workload, a, b)));
        values.push((format!("{key}_status"), res.judge(workload, a, b, limit)));
    }
    values.push((
        "target_ergonomic_list".to_owned(),
        TARGET_ERGONOMIC_LIST.to_string(),
    ));
    for (key, subject) in [
        ("build_sdk", Subject::Sdk),
        ("build_cli", Subject::Cli),
        ("build_cli_lean", Subject::CliWithoutEmulator),
    ] {
        let (text, met) = build_target(r.builds, subject);
        values.push((key.to_owned(), text));
        values.push((format!("{key}_status"), status(met).to_owned()));
    }
    fill("targets", &values)
}

/// `84.6 s vs 75.9 s (1.11x)` and whether `subject` built no slower than the legacy crate.
fn build_target(builds: &Builds, subject: Subject) -> (String, Option<bool>) {
    let (Some(ours), Some(legacy)) = (
        BuildTime::of(builds, subject),
        BuildTime::of(builds, Subject::Legacy),
    ) else {
        return ("not measured".to_owned(), None);
    };
    (
        format!(
            "{:.1} s vs {:.1} s for the legacy crate ({:.2}x)",
            ours.seconds,
            legacy.seconds,
            ours.seconds / legacy.seconds
        ),
        Some(ours.seconds <= legacy.seconds),
    )
}

/// The targets of workload `w` (`w1`, `w2`) against the floor and the legacy crate:
/// values `{w}_floor`, `{w}_floor_medians`, `{w}_legacy`, `{w}_legacy_keepalive` and
/// their `_status`.
fn client_targets(res: &Results, w: &str, group: &str) -> Vec<(String, String)> {
    let medians = div(
        res.median(&format!("{group}/generated")),
        res.median(&format!("{group}/hand_written")),
    );
    [
        ("floor", res.paired_text(w, "generated", "hand_written")),
        ("floor_medians", ratio(medians)),
        (
            "floor_status",
            res.judge(w, "generated", "hand_written", TARGET_RATIO),
        ),
        ("legacy", res.paired_text(w, "generated", "legacy")),
        ("legacy_status", res.judge(w, "generated", "legacy", 1.0)),
        (
            "legacy_keepalive",
            res.paired_text(w, "generated", "legacy_keepalive"),
        ),
        (
            "legacy_keepalive_status",
            res.judge(w, "generated", "legacy_keepalive", 1.0),
        ),
    ]
    .into_iter()
    .map(|(key, value)| (format!("{w}_{key}"), value))
    .collect()
}
