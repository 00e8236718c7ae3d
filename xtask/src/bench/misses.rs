//! "Misses and their likely causes": a note for each missed target, saying what the
//! other figures of the run point at.

use super::build::{BuildTime, Builds, Subject};
use super::format::{div, kib, ratio};
use super::report::{TARGET_ERGONOMIC_LIST, TARGET_RATIO};
use super::results::{Results, SCALING};
use super::template::fill;

/// The notes, or nothing when every target was met.
pub(super) fn misses(res: &Results, builds: &Builds) -> String {
    let generated_get = res.paired_text("w1", "generated", "hand_written");
    let floor = |w: &'static str| ((w, "generated", "hand_written"), TARGET_RATIO);
    let get = [("generated", generated_get)];
    let notes: String = [
        floor_miss(res, "w1"),
        floor_miss(res, "w2"),
        ratio_miss(res, "ops_patch", floor("ops_patch"), &[]),
        ratio_miss(res, "ops_delete", floor("ops_delete"), &[]),
        ratio_miss(
            res,
            "w1_ergonomic",
            (("w1", "ergonomic", "hand_written"), TARGET_RATIO),
            &get,
        ),
        ratio_miss(
            res,
            "w3",
            (("w3", "ergonomic", "hand_written"), TARGET_RATIO),
            &get,
        ),
        ratio_miss(
            res,
            "w2_ergonomic",
            (("w2", "ergonomic", "generated"), TARGET_ERGONOMIC_LIST),
            &[],
        ),
        build_miss(builds),
        legacy_keepalive_miss(res),
        legacy_miss(res),
        heap_spread_miss(res),
        heap_worst_miss(res),
    ]
    .into_iter()
    .flatten()
    .collect();
    if notes.is_empty() {
        return String::new();
    }
    fill("misses", &[("notes", notes)])
}

/// Workload `w` (`w1`, `w2`) over [`TARGET_RATIO`] of the floor, with how much of it is
/// the pipeline and how much the models.
fn floor_miss(res: &Results, w: &str) -> Option<String> {
    let split = [
        (
            "pipeline",
            ratio(res.paired(w, "generated", "hand_written_generated_models")),
        ),
        (
            "models",
            ratio(res.paired(w, "hand_written_generated_models", "hand_written")),
        ),
    ];
    ratio_miss(
        res,
        &format!("{w}_floor"),
        ((w, "generated", "hand_written"), TARGET_RATIO),
        &split,
    )
}

/// The note `miss_{key}` when the interleaved ratio `pair` is over `limit`, with how far
/// over (`{over}`, `{past}`) and the `extra` values the note names.
fn ratio_miss(
    res: &Results,
    key: &str,
    ((workload, a, b), limit): ((&str, &str, &str), f64),
    extra: &[(&str, String)],
) -> Option<String> {
    let x = res.paired(workload, a, b).filter(|&x| x > limit)?;
    let mut values = vec![
        ("over", format!("{:.0}", (x - 1.0) * 100.0)),
        ("past", format!("{:.0}", (x - limit) * 100.0)),
    ];
    values.extend(extra.iter().cloned());
    Some(fill(&format!("miss_{key}"), &values))
}

/// The note on clean builds when the SDK or the CLI built slower than the legacy crate.
fn build_miss(builds: &Builds) -> Option<String> {
    let of = |subject| BuildTime::of(builds, subject);
    let legacy = of(Subject::Legacy)?;
    let slower = [Subject::Sdk, Subject::Cli]
        .into_iter()
        .any(|s| of(s).is_some_and(|b| b.seconds > legacy.seconds));
    let seconds =
        |subject| of(subject).map_or_else(|| "—".to_owned(), |b| format!("{:.1} s", b.seconds));
    let units = |subject| {
        of(subject).map_or_else(|| "—".to_owned(), |b| format!("{:.0} s", b.unit_seconds))
    };
    slower.then(|| {
        fill(
            "miss_build",
            &[
                ("sdk", seconds(Subject::Sdk)),
                ("legacy", seconds(Subject::Legacy)),
                ("cli", seconds(Subject::Cli)),
                ("lean", seconds(Subject::CliWithoutEmulator)),
                ("sdk_units", units(Subject::Sdk)),
                ("legacy_units", units(Subject::Legacy)),
            ],
        )
    })
}

/// Whether the generated client is not faster than `b` in W1 or W2.
fn not_faster(res: &Results, b: &str) -> bool {
    ["w1", "w2"]
        .iter()
        .any(|w| res.paired(w, "generated", b).is_some_and(|x| x >= 1.0))
}

fn legacy_keepalive_miss(res: &Results) -> Option<String> {
    let b = "legacy_keepalive";
    not_faster(res, b).then(|| {
        fill(
            "miss_legacy_keepalive",
            &[
                ("w1", ratio(res.paired("w1", "generated", b))),
                ("w2", ratio(res.paired("w2", "generated", b))),
            ],
        )
    })
}

fn legacy_miss(res: &Results) -> Option<String> {
    not_faster(res, "legacy").then(|| {
        fill(
            "miss_legacy",
            &["w1", "w2", "w4"].map(|w| (w, res.paired_text(w, "generated", "legacy"))),
        )
    })
}

fn heap_spread_miss(res: &Results) -> Option<String> {
    let (spread, page_wire) = (res.heap_spread(), res.page_wire());
    spread.zip(page_wire).is_some_and(|(s, p)| s > p).then(|| {
        fill(
            "miss_heap_spread",
            &[("spread", kib(spread)), ("page_wire", kib(page_wire))],
        )
    })
}

fn heap_worst_miss(res: &Results) -> Option<String> {
    let (worst, page) = res
        .heap_worst()
        .zip(res.one_page())
        .filter(|(w, p)| w > p)?;
    let largest = |client: &str| {
        SCALING
            .iter()
            .filter_map(|&n| res.memory(client, n, "heap_growth_bytes"))
            .fold(0.0, f64::max)
    };
    let floor = largest("hand_written");
    let floor_page = res
        .memory("hand_written", SCALING[0], "page_decoded_bytes")
        .zip(res.memory("hand_written", SCALING[0], "page_wire_bytes"))
        .map(|(d, w)| d + w);
    Some(fill(
        "miss_heap_worst",
        &[
            ("worst", kib(Some(worst))),
            ("worst_ratio", ratio(Some(worst / page))),
            ("one_page", kib(Some(page))),
            ("floor", kib(Some(floor))),
            ("floor_ratio", ratio(div(Some(floor), floor_page))),
            ("legacy", kib(Some(largest("legacy")))),
        ],
    ))
}
