//! The properties of a JSON object that a model does not declare.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::OnceLock;

/// Properties of a JSON object that its model does not declare, kept in the order they
/// came, and written back when the model is serialized.
///
/// Reads like a `serde_json::Map` (it dereferences to one). It takes one pointer when
/// empty, as nearly every object is, and allocates its map on the first insert: a job
/// holds some twenty nested objects, and an empty map for each of them made the model
/// three times the size, which every move, page decode and drop paid for (measured in
/// BENCHMARKS.md).
///
/// ```
/// use azure_importexport_rest::runtime::AdditionalProperties;
///
/// let mut extra = AdditionalProperties::default();
/// assert!(extra.is_empty());
/// extra.insert("newField".to_owned(), 1.into());
/// assert_eq!(extra.get("newField"), Some(&1.into()));
/// assert_eq!(extra.iter().count(), 1);
/// ```
#[derive(Clone, Default)]
pub struct AdditionalProperties(Option<Box<Map<String, Value>>>);

impl AdditionalProperties {
    /// No properties.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces a property; returns the value it replaced.
    pub fn insert(&mut self, key: String, value: Value) -> Option<Value> {
        self.0
            .get_or_insert_with(Default::default)
            .insert(key, value)
    }

    /// The properties as a map (empty when there are none).
    pub fn as_map(&self) -> &Map<String, Value> {
        static EMPTY: OnceLock<Map<String, Value>> = OnceLock::new();
        self.0
            .as_deref()
            .unwrap_or_else(|| EMPTY.get_or_init(Map::new))
    }

    /// The properties as an owned map.
    pub fn into_map(self) -> Map<String, Value> {
        self.0.map(|map| *map).unwrap_or_default()
    }
}

impl Deref for AdditionalProperties {
    type Target = Map<String, Value>;

    fn deref(&self) -> &Map<String, Value> {
        self.as_map()
    }
}

impl DerefMut for AdditionalProperties {
    /// Allocates the map if there is none yet.
    fn deref_mut(&mut self) -> &mut Map<String, Value> {
        self.0.get_or_insert_with(Default::default)
    }
}

impl From<Map<String, Value>> for AdditionalProperties {
    fn from(map: Map<String, Value>) -> Self {
        AdditionalProperties((!map.is_empty()).then(|| Box::new(map)))
    }
}

impl<'a> IntoIterator for &'a AdditionalProperties {
    type Item = (&'a String, &'a Value);
    type IntoIter = serde_json::map::Iter<'a>;

    fn into_iter(self) -> Self::IntoIter {
        self.as_map().iter()
    }
}

/// Equal when they hold the same properties (an allocated empty map equals none).
impl PartialEq for AdditionalProperties {
    fn eq(&self, other: &Self) -> bool {
        self.as_map() == other.as_map()
    }
}

/// Shows the properties as a map. Models print them through `RedactedJson` instead, so
/// that secrets among them are hidden.
impl fmt::Debug for AdditionalProperties {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_map(), f)
    }
}

impl Serialize for AdditionalProperties {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.as_map().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for AdditionalProperties {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Map::deserialize(deserializer).map(Self::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_takes_one_pointer_and_reads_as_an_empty_map() {
        assert_eq!(
            std::mem::size_of::<AdditionalProperties>(),
            std::mem::size_of::<usize>()
        );
        let none = AdditionalProperties::new();
        assert!(none.is_empty());
        assert_eq!(none, AdditionalProperties::from(Map::new()));
        assert_eq!(serde_json::to_string(&none).unwrap(), "{}");
    }

    #[test]
    fn keeps_insertion_order_and_round_trips() {
        let mut extra = AdditionalProperties::new();
        extra.insert("z".to_owned(), 1.into());
        extra.insert("a".to_owned(), 2.into());
        assert_eq!(serde_json::to_string(&extra).unwrap(), r#"{"z":1,"a":2}"#);
        let back: AdditionalProperties = serde_json::from_str(r#"{"z":1,"a":2}"#).unwrap();
        assert_eq!(back, extra);
        extra["a"] = 3.into();
        assert_eq!(extra.into_map()["a"], 3);
    }
}
