//! What a run measured: criterion's estimates, the bench binaries' `AZIE_BENCH` reports
//! (interleaved ratios, memory probes, fixture sizes) and W5, with the lookups the report
//! makes.

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// A criterion estimate (nanoseconds).
#[derive(Debug, Clone, Copy)]
pub(super) struct Estimate {
    pub median: f64,
    pub low: f64,
    pub high: f64,
}

/// Sizes of the W2 scaling listings (jobs), the memory probes' included.
pub(super) const SCALING: [u64; 3] = [1_000, 10_000, 100_000];

/// (workload, a, b) of an interleaved ratio.
type PairKey = (String, String, String);
/// Median, first and third quartile of the rounds' ratios.
type Quartiled = (f64, Option<f64>, Option<f64>);

#[derive(Debug)]
pub(super) struct Results {
    /// Criterion's estimates by benchmark id (`group/function[/parameter]`).
    pub criterion: BTreeMap<String, Estimate>,
    /// Interleaved ratios: median and quartiles of the per-round ratios.
    paired: BTreeMap<PairKey, Quartiled>,
    memory: BTreeMap<(String, u64), Value>,
    /// Size of one 100-job page on the wire.
    pub page_bytes: Option<u64>,
    /// Size of one job on the wire.
    pub job_bytes: Option<u64>,
    /// W6's tables (the fleet bench renders them itself).
    pub w6_markdown: Option<String>,
}

impl Results {
    /// Criterion's estimates below `criterion_home`, and the bench binaries' reports.
    pub fn new(criterion_home: &Path, reports: Vec<Value>) -> Self {
        let mut criterion = BTreeMap::new();
        collect_estimates(criterion_home, criterion_home, &mut criterion);
        let mut results = Results {
            criterion,
            paired: BTreeMap::new(),
            memory: BTreeMap::new(),
            page_bytes: None,
            job_bytes: None,
            w6_markdown: None,
        };
        for report in reports {
            let text = |key: &str| report[key].as_str().unwrap_or_default().to_owned();
            match report["kind"].as_str() {
                Some("paired") => {
                    if let Some(ratio) = report["ratio"].as_f64() {
                        results.paired.insert(
                            (text("workload"), text("a"), text("b")),
                            (ratio, report["p25"].as_f64(), report["p75"].as_f64()),
                        );
                    }
                }
                Some("memory") => {
                    if let Some(jobs) = report["jobs"].as_u64() {
                        results.memory.insert((text("client"), jobs), report);
                    }
                }
                Some("w6") => results.w6_markdown = Some(text("markdown")),
                Some("fixture") => {
                    results.page_bytes = report["page_bytes"].as_u64();
                    results.job_bytes = report["job_bytes"].as_u64();
                }
                _ => {}
            }
        }
        results
    }

    /// Criterion's median of benchmark `id`.
    pub fn median(&self, id: &str) -> Option<f64> {
        self.criterion.get(id).map(|e| e.median)
    }

    fn quartiled(&self, workload: &str, a: &str, b: &str) -> Option<&Quartiled> {
        self.paired
            .get(&(workload.to_owned(), a.to_owned(), b.to_owned()))
    }

    /// The interleaved ratio `a` / `b` of `workload` (median of the rounds).
    pub fn paired(&self, workload: &str, a: &str, b: &str) -> Option<f64> {
        self.quartiled(workload, a, b).map(|p| p.0)
    }

    /// Target "`a` / `b` below `limit`" judged on the median of the interleaved rounds;
    /// flagged when the middle half of the rounds lies on both sides of the line.
    pub fn judge(&self, workload: &str, a: &str, b: &str, limit: f64) -> String {
        match self.quartiled(workload, a, b) {
            None => "not measured".to_owned(),
            Some(&(m, lo, hi)) => {
                let verdict = if m < limit || (limit > 1.0 && m <= limit) {
                    "**met**"
                } else {
                    "**missed**"
                };
                match (lo, hi) {
                    (Some(lo), Some(hi)) if lo <= limit && limit <= hi => {
                        format!("{verdict} (within the rounds' spread)")
                    }
                    _ => verdict.to_owned(),
                }
            }
        }
    }

    /// The interleaved ratio with the quartiles of its rounds: `1.11x (1.05–1.18)`.
    pub fn paired_text(&self, workload: &str, a: &str, b: &str) -> String {
        match self.quartiled(workload, a, b) {
            Some((m, Some(lo), Some(hi))) => format!("{m:.2}x ({lo:.2}–{hi:.2})"),
            Some((m, _, _)) => format!("{m:.2}x"),
            None => "—".to_owned(),
        }
    }

    /// Figure `key` of the memory probe of `client` listing `jobs` jobs.
    pub fn memory(&self, client: &str, jobs: u64, key: &str) -> Option<f64> {
        self.memory.get(&(client.to_owned(), jobs))?[key].as_f64()
    }

    /// W2: one page on the wire, as the memory probe saw it (else the fixture's size).
    pub fn page_wire(&self) -> Option<f64> {
        self.memory("generated", SCALING[0], "page_wire_bytes")
            .or(self.page_bytes.map(|b| b as f64))
    }

    /// W2: one page decoded by the generated client.
    pub fn page_decoded(&self) -> Option<f64> {
        self.memory("generated", SCALING[0], "page_decoded_bytes")
    }

    /// W2: one page held raw and decoded.
    pub fn one_page(&self) -> Option<f64> {
        self.page_wire()
            .zip(self.page_decoded())
            .map(|(w, d)| w + d)
    }

    /// W2: the generated client's heap peak growth at each size of [`SCALING`].
    pub fn heap_growth(&self) -> [Option<f64>; 3] {
        SCALING.map(|n| self.memory("generated", n, "heap_growth_bytes"))
    }

    /// W2: what 900 more pages add to the heap peak (10,000 to 100,000 jobs); a per-page
    /// leak shows here. (The smallest listing can peak lower: hyper's adaptive read
    /// buffer and the allocator reach their steady size within the first pages.)
    pub fn heap_spread(&self) -> Option<f64> {
        let heap = self.heap_growth();
        heap[2].zip(heap[1]).map(|(large, mid)| large - mid)
    }

    /// W2: the largest heap peak growth.
    pub fn heap_worst(&self) -> Option<f64> {
        self.heap_growth()
            .into_iter()
            .flatten()
            .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))))
    }
}

/// Walks criterion's output for `<id>/new/estimates.json`; `id` is the path below the root.
fn collect_estimates(root: &Path, dir: &Path, out: &mut BTreeMap<String, Estimate>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if !path.is_dir() {
            continue;
        }
        if path.file_name().is_some_and(|n| n == "new") {
            let Some(estimate) = read_estimate(&path.join("estimates.json")) else {
                continue;
            };
            if let Some(id) = dir.strip_prefix(root).ok().and_then(Path::to_str) {
                out.insert(id.replace('\\', "/"), estimate);
            }
        } else if path
            .file_name()
            .is_some_and(|n| n != "report" && n != "base")
        {
            collect_estimates(root, &path, out);
        }
    }
}

fn read_estimate(path: &Path) -> Option<Estimate> {
    let value: Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    let median = &value["median"];
    Some(Estimate {
        median: median["point_estimate"].as_f64()?,
        low: median["confidence_interval"]["lower_bound"].as_f64()?,
        high: median["confidence_interval"]["upper_bound"].as_f64()?,
    })
}

/// W5, code generation of both api-versions.
#[derive(Debug)]
pub(super) struct W5 {
    /// Seconds of each in-process run.
    pub seconds: Vec<f64>,
    /// Files generated.
    pub files: usize,
    /// Bytes of Rust generated.
    pub bytes: usize,
    /// Whether the generated files equal the committed ones.
    pub up_to_date: bool,
    /// The report of the fresh-process memory probe.
    pub probe: Result<Value, String>,
}

/// The middle value (the upper one of an even count; 0 for none).
pub(super) fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.get(sorted.len() / 2).copied().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[]), 0.0);
    }
}
