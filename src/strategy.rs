//! The name and settings of a study's sampler or pruner, as its journal
//! records them.

use serde::{Deserialize, Serialize};

/// What a sampler or pruner is, as data: its name and its full settings.
///
/// A study's journal header stores the [`Strategy`] of its sampler and of its
/// pruner, and a study resumed with a different one (another type, or the
/// same type with other settings) is refused with a clear error: a
/// different sampler would break the promise that a resumed study ends
/// identical to an uninterrupted one.
///
/// The crate's samplers and pruners describe all their settings. A strategy
/// of your own is described by its type name and `null` settings unless it
/// overrides [`crate::sampler::Sampler::strategy`] /
/// [`crate::pruner::Pruner::strategy`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Strategy {
    /// A short stable name (`gp`, `random`, `median`, `successive_halving`,
    /// `none`, or a type name).
    pub name: String,
    /// Every setting, as JSON (`null` when there are none or they are unknown).
    pub settings: serde_json::Value,
}

impl Strategy {
    /// A strategy called `name` with `settings` serialised to JSON (`null`
    /// if they cannot be).
    pub fn new<T: Serialize + ?Sized>(name: impl Into<String>, settings: &T) -> Self {
        Self {
            name: name.into(),
            settings: serde_json::to_value(settings).unwrap_or(serde_json::Value::Null),
        }
    }

    /// A strategy with no settings.
    pub fn named(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            settings: serde_json::Value::Null,
        }
    }

    /// The strategy of a type that does not describe itself: its type name
    /// without module paths (`my_crate::MySampler<u8>` becomes
    /// `MySampler<u8>`) and no settings.
    pub fn of_type<T: ?Sized>() -> Self {
        Self::named(short_type_name::<T>())
    }
}

/// The type name of `T` without module paths: `autotune::pruner::MedianPruner`
/// becomes `MedianPruner`, `a::B<c::D>` becomes `B<D>`.
fn short_type_name<T: ?Sized>() -> String {
    let full = std::any::type_name::<T>();
    let mut out = String::with_capacity(full.len());
    let mut token = String::new();
    let flush = |token: &mut String, out: &mut String| {
        out.push_str(token.rsplit("::").next().unwrap_or(token));
        token.clear();
    };
    for c in full.chars() {
        if c.is_alphanumeric() || c == '_' || c == ':' {
            token.push(c);
        } else {
            flush(&mut token, &mut out);
            out.push(c);
        }
    }
    flush(&mut token, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Outer<T>(T);

    #[test]
    fn short_type_names() {
        assert_eq!(
            Strategy::of_type::<crate::pruner::MedianPruner>().name,
            "MedianPruner"
        );
        assert_eq!(
            Strategy::of_type::<Outer<crate::pruner::NopPruner>>().name,
            "Outer<NopPruner>"
        );
        let _ = Outer(());
    }

    #[test]
    fn settings_are_json() {
        let s = Strategy::new("x", &[1, 2]);
        assert_eq!(s.settings, serde_json::json!([1, 2]));
        assert_eq!(Strategy::named("y").settings, serde_json::Value::Null);
    }
}
