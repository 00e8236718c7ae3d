//! How figures are written in the report: times, ratios, sizes, verdicts, counts.

/// A duration in nanoseconds, in the largest unit that keeps it at 1 or more.
pub(super) fn time(ns: f64) -> String {
    if ns >= 1e9 {
        format!("{:.2} s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.1} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.1} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

/// [`time`], or `not run`.
pub(super) fn opt_time(ns: Option<f64>) -> String {
    ns.map_or_else(|| "not run".to_owned(), time)
}

/// `1.23x`, or `—`.
pub(super) fn ratio(r: Option<f64>) -> String {
    r.map_or_else(|| "—".to_owned(), |r| format!("{r:.2}x"))
}

/// `a / b` when both are known.
pub(super) fn div(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    Some(a? / b?)
}

/// Bytes as `123 KiB`, or `—`.
pub(super) fn kib(bytes: Option<f64>) -> String {
    bytes.map_or_else(|| "—".to_owned(), |b| format!("{:.0} KiB", b / 1024.0))
}

/// The verdict on a target: met, missed, or not measured.
pub(super) fn status(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "**met**",
        Some(false) => "**missed**",
        None => "not measured",
    }
}

/// `100,000`.
pub(super) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(thousands(100_000), "100,000");
        assert_eq!(thousands(999), "999");
        assert_eq!(time(1.5e9), "1.50 s");
        assert_eq!(time(2.5e6), "2.5 ms");
        assert_eq!(time(876.0e3), "876.0 µs");
    }
}
