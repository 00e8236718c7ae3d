//! "Misses and their likely causes": a note for each missed target, saying what the
//! other figures of the run point at.

use super::format::{div, kib, ratio};
use super::report::TARGET_RATIO;
use super::results::{Results, SCALING};
use super::template::fill;

/// The notes, or nothing when every target was met.
pub(super) fn misses(res: &Results) -> String {
    let notes: String = [
        floor_miss(res, "w1"),
        floor_miss(res, "w2"),
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

/// Workload `w` (`w1`, `w2`) over [`TARGET_RATIO`] of the floor.
fn floor_miss(res: &Results, w: &str) -> Option<String> {
    let x = res
        .paired(w, "generated", "hand_written")
        .filter(|&x| x > TARGET_RATIO)?;
    Some(fill(
        &format!("miss_{w}_floor"),
        &[
            ("over", format!("{:.0}", (x - 1.0) * 100.0)),
            ("past", format!("{:.0}", (x - TARGET_RATIO) * 100.0)),
            (
                "pipeline",
                ratio(res.paired(w, "generated", "hand_written_generated_models")),
            ),
            (
                "models",
                ratio(res.paired(w, "hand_written_generated_models", "hand_written")),
            ),
        ],
    ))
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
