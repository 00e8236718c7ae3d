//! Serde helpers used by generated models.

use serde::de::{self, Deserializer, Visitor};
use std::borrow::Cow;
use std::fmt;

/// An object key, borrowed from the input when possible (no allocation for known fields).
#[derive(Debug)]
pub struct FieldKey<'de>(Cow<'de, str>);

impl FieldKey<'_> {
    /// The key.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key, owned (for unknown fields kept in `additional_properties`).
    pub fn into_string(self) -> String {
        self.0.into_owned()
    }
}

impl<'de> serde::Deserialize<'de> for FieldKey<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = FieldKey<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(FieldKey(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(FieldKey(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(FieldKey(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// Deserializes an extensible string enum without allocating for known values.
pub fn deserialize_string_enum<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: for<'a> From<&'a str> + From<String>,
{
    struct EnumVisitor<T>(std::marker::PhantomData<T>);
    impl<T> Visitor<'_> for EnumVisitor<T>
    where
        T: for<'a> From<&'a str> + From<String>,
    {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
            Ok(T::from(v))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<T, E> {
            Ok(T::from(v))
        }
    }
    deserializer.deserialize_str(EnumVisitor(std::marker::PhantomData))
}

/// `Debug` stand-in for a secret field: shows whether it is set, never its value.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Redacted(bool);

impl Redacted {
    /// Redacts an optional secret.
    pub fn option<T>(value: &Option<T>) -> Self {
        Redacted(value.is_some())
    }
}

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 {
            f.write_str("Some(\"***\")")
        } else {
            f.write_str("None")
        }
    }
}

/// `Debug` for unmodelled JSON (`additional_properties`): values of secret-named keys
/// (case-insensitive, at any depth) print as `"***"`, since a newer service version may
/// return secrets this SDK does not model yet.
#[derive(Clone, Copy)]
pub struct RedactedJson<'a, T: ?Sized> {
    value: &'a T,
    secret_names: &'static [&'static str],
}

impl<'a, T: ?Sized> RedactedJson<'a, T> {
    /// Wraps `value`, redacting `secret_names`.
    pub fn new(value: &'a T, secret_names: &'static [&'static str]) -> Self {
        RedactedJson {
            value,
            secret_names,
        }
    }

    fn is_secret(&self, key: &str) -> bool {
        self.secret_names
            .iter()
            .any(|name| name.eq_ignore_ascii_case(key))
    }

    fn entries(
        &self,
        f: &mut fmt::Formatter<'_>,
        map: &serde_json::Map<String, serde_json::Value>,
    ) -> fmt::Result {
        let mut out = f.debug_map();
        for (key, value) in map {
            if self.is_secret(key) && !value.is_null() {
                out.entry(key, &"***");
            } else {
                out.entry(key, &RedactedJson::new(value, self.secret_names));
            }
        }
        out.finish()
    }
}

impl fmt::Debug for RedactedJson<'_, serde_json::Map<String, serde_json::Value>> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.entries(f, self.value)
    }
}

impl fmt::Debug for RedactedJson<'_, super::AdditionalProperties> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.entries(f, self.value)
    }
}

impl fmt::Debug for RedactedJson<'_, serde_json::Value> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.value {
            serde_json::Value::Object(map) => self.entries(f, map),
            serde_json::Value::Array(items) => f
                .debug_list()
                .entries(
                    items
                        .iter()
                        .map(|item| RedactedJson::new(item, self.secret_names)),
                )
                .finish(),
            other => fmt::Debug::fmt(other, f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacted_never_shows_the_value() {
        assert_eq!(
            format!("{:?}", Redacted::option(&Some("hunter2"))),
            "Some(\"***\")"
        );
        assert_eq!(format!("{:?}", Redacted::option::<String>(&None)), "None");
    }

    #[test]
    fn unmodelled_secrets_are_redacted_at_any_depth() {
        let value = serde_json::json!({
            "future": { "CarrierAccountNumber": "acct-1", "list": [{ "bitlockerkey": "key-1" }] },
            "plain": "visible"
        });
        let serde_json::Value::Object(map) = value else {
            unreachable!()
        };
        let shown = format!(
            "{:?}",
            RedactedJson::new(&map, &["carrierAccountNumber", "bitLockerKey"])
        );
        assert!(
            !shown.contains("acct-1") && !shown.contains("key-1"),
            "{shown}"
        );
        assert!(
            shown.contains("visible") && shown.contains("***"),
            "{shown}"
        );
    }

    #[test]
    fn keys_borrow_when_unescaped() {
        let mut de = serde_json::Deserializer::from_str("\"plain\"");
        let key = <FieldKey<'_> as serde::Deserialize>::deserialize(&mut de).unwrap();
        assert!(matches!(key.0, Cow::Borrowed("plain")));
        let mut de = serde_json::Deserializer::from_str("\"esc\\u0061ped\"");
        let key = <FieldKey<'_> as serde::Deserialize>::deserialize(&mut de).unwrap();
        assert_eq!(key.as_str(), "escaped");
    }
}
