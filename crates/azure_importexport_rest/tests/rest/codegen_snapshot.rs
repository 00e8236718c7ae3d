//! Compiles the generator's fragment snapshot (codegen/tests/snapshots), so that reviewing
//! a snapshot diff is backed by rustc and a round-trip, not just by text comparison.

// Not every generated item is used by this test; the snapshot is the generator's output,
// formatted by prettyplease, not rustfmt.
#[allow(dead_code)]
#[rustfmt::skip]
#[path = "../../../../codegen/tests/snapshots/fragment/mod.rs"]
mod fragment;

use fragment::models::{Color, Widget};

#[test]
fn fragment_snapshot_compiles_and_round_trips() {
    let json = r#"{"id":"w1","color":"Green","secretKey":"hunter2","size":3,"details":{"note":"n","extra":[1]},"future":{"a":true}}"#;
    let widget: Widget = serde_json::from_str(json).unwrap();
    assert_eq!(
        widget.color,
        Some(Color::Unknown("Green".into())),
        "unknown enum values are kept"
    );
    assert_eq!(Color::from("blue"), Color::Blue, "known values ignore case");
    assert_eq!(
        widget.note().map(String::as_str),
        Some("n"),
        "flattened accessor"
    );
    let debug = format!("{widget:?}");
    assert!(
        !debug.contains("hunter2") && debug.contains("***"),
        "{debug}"
    );
    let back: serde_json::Value = serde_json::to_value(&widget).unwrap();
    assert_eq!(
        back,
        serde_json::from_str::<serde_json::Value>(json).unwrap()
    );
}
