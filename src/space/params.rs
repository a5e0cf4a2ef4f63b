//! A configuration: one value per parameter, in the space's order.

use super::Value;
use crate::error::SpaceError;
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A configuration: parameter names with their values, in order.
///
/// Serialised as a JSON object whose keys keep this order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Params {
    entries: Vec<(String, Value)>,
}

impl Params {
    /// An empty configuration.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `name` to `value`, replacing an earlier value of that name.
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<Value>) {
        let name = name.into();
        let value = value.into();
        match self.entries.iter_mut().find(|(n, _)| *n == name) {
            Some(entry) => entry.1 = value,
            None => self.entries.push((name, value)),
        }
    }

    /// Builder-style [`Params::set`].
    #[must_use]
    pub fn with(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.set(name, value);
        self
    }

    /// The value of `name`, if present.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.entries.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    fn require(&self, name: &str) -> Result<&Value, SpaceError> {
        self.get(name).ok_or_else(|| SpaceError::UnknownParam {
            name: name.to_owned(),
        })
    }

    fn wrong_type(name: &str, expected: &'static str, got: &Value) -> SpaceError {
        SpaceError::WrongType {
            name: name.to_owned(),
            expected,
            got: got.to_string(),
        }
    }

    /// The float `name` (an integer value is converted).
    ///
    /// # Errors
    /// [`SpaceError::UnknownParam`] or [`SpaceError::WrongType`].
    pub fn float(&self, name: &str) -> Result<f64, SpaceError> {
        let v = self.require(name)?;
        v.as_f64()
            .ok_or_else(|| Self::wrong_type(name, "a float", v))
    }

    /// The integer `name`.
    ///
    /// # Errors
    /// [`SpaceError::UnknownParam`] or [`SpaceError::WrongType`].
    pub fn int(&self, name: &str) -> Result<i64, SpaceError> {
        match self.require(name)? {
            Value::Int(v) => Ok(*v),
            v => Err(Self::wrong_type(name, "an integer", v)),
        }
    }

    /// The categorical choice `name`.
    ///
    /// # Errors
    /// [`SpaceError::UnknownParam`] or [`SpaceError::WrongType`].
    pub fn categorical(&self, name: &str) -> Result<&str, SpaceError> {
        match self.require(name)? {
            Value::Str(s) => Ok(s),
            v => Err(Self::wrong_type(name, "a categorical choice", v)),
        }
    }

    /// Names and values, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.entries.iter().map(|(n, v)| (n.as_str(), v))
    }

    /// Number of parameters.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl fmt::Display for Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (name, value)) in self.entries.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            match value {
                Value::Float(v) => write!(f, "{name}={v:.4e}")?,
                v => write!(f, "{name}={v}")?,
            }
        }
        Ok(())
    }
}

impl<N: Into<String>, V: Into<Value>> FromIterator<(N, V)> for Params {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(iter: I) -> Self {
        let mut p = Params::new();
        for (n, v) in iter {
            p.set(n, v);
        }
        p
    }
}

impl Serialize for Params {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.entries.len()))?;
        for (n, v) in &self.entries {
            map.serialize_entry(n, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Params {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ParamsVisitor;
        impl<'de> Visitor<'de> for ParamsVisitor {
            type Value = Params;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of parameter names to values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Params, A::Error> {
                let mut p = Params::new();
                while let Some((n, v)) = access.next_entry::<String, Value>()? {
                    p.set(n, v);
                }
                Ok(p)
            }
        }
        deserializer.deserialize_map(ParamsVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_keeps_order_and_types() {
        let p = Params::new()
            .with("lr", 0.001)
            .with("batch", 32_i64)
            .with("init", "he")
            .with("a_float_that_is_whole", 2.0);
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(
            json,
            r#"{"lr":0.001,"batch":32,"init":"he","a_float_that_is_whole":2.0}"#
        );
        let back: Params = serde_json::from_str(&json).unwrap();
        assert_eq!(back, p);
    }

    #[test]
    fn typed_access_reports_errors() {
        let p = Params::new().with("lr", 0.1).with("init", "he");
        assert_eq!(p.float("lr"), Ok(0.1));
        assert!(matches!(p.int("lr"), Err(SpaceError::WrongType { .. })));
        assert!(matches!(
            p.float("nope"),
            Err(SpaceError::UnknownParam { .. })
        ));
        assert_eq!(p.categorical("init"), Ok("he"));
    }
}
