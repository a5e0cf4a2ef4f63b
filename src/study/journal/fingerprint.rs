//! The fingerprint of the data a study was started on, kept in its journal
//! header so that a resumed study can refuse other data.

use crate::data::{Dataset, Split, Target};
use serde::{Deserialize, Serialize};

/// What identifies a data set (and its split) without storing it: its task
/// and shape, and 64-bit hashes of its values and of the split.
///
/// - `values` hashes the rows as a set (each row's features and target; the
///   class names too), so it does not depend on the order of the rows;
/// - `split` records the rows of each part and hashes the rows of each part
///   in order, so another split seed or other fractions change it even on
///   the same data.
///
/// The hashes are FNV-1a over the bit patterns of the values (64 bits at a
/// time), each row's hash mixed by the SplitMix64 finaliser before the rows
/// are summed: equal data give equal fingerprints on every platform, and
/// different data collide with probability about 2⁻⁶⁴.
///
/// Give one to a study with [`crate::study::StudyBuilder::fingerprint`];
/// [`crate::tune::autotune`] records the fingerprint of its split itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DataFingerprint {
    /// `"classification"` or `"regression"`.
    pub task: String,
    /// Rows in all.
    pub rows: usize,
    /// Feature columns.
    pub columns: usize,
    /// Classes (`None` for regression).
    pub classes: Option<usize>,
    /// The hash of the rows as a set, 16 hex digits.
    pub values: String,
    /// The split, if the data was split.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split: Option<SplitFingerprint>,
}

/// How a data set was split: the rows of each part, and the hash of the
/// rows of each part in order. Part of a [`DataFingerprint`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SplitFingerprint {
    /// Rows for training.
    pub train: usize,
    /// Rows for validation.
    pub validation: usize,
    /// Rows held out for the test.
    pub test: usize,
    /// The hash of which rows are in which part, in what order, 16 hex digits.
    pub order: String,
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// FNV-1a over 64-bit words.
#[derive(Clone, Copy)]
struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Self(FNV_OFFSET)
    }

    fn word(mut self, w: u64) -> Self {
        self.0 = (self.0 ^ w).wrapping_mul(FNV_PRIME);
        self
    }

    fn bytes(self, bytes: &[u8]) -> Self {
        bytes
            .iter()
            .fold(self.word(bytes.len() as u64), |h, &b| h.word(u64::from(b)))
    }
}

/// The SplitMix64 finaliser (Steele, Lea and Flood 2014): spreads a row's
/// hash over all 64 bits before rows are summed.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn hex(h: u64) -> String {
    format!("{h:016x}")
}

/// The hash of row `i`: its features and its target.
fn row_hash(data: &Dataset, i: usize) -> u64 {
    // The exact bit pattern of each value.
    let h = data
        .row(i)
        .iter()
        .fold(Fnv::new(), |h, &x| h.word(x.to_bits()));
    match data.target() {
        Target::Classes { labels, .. } => h.word(1).word(labels[i] as u64).0,
        Target::Real(values) => h.word(2).word(values[i].to_bits()).0,
    }
}

impl DataFingerprint {
    /// The fingerprint of a data set that is not split.
    #[must_use]
    pub fn of_dataset(data: &Dataset) -> Self {
        Self::of_parts(&[data], None)
    }

    /// The fingerprint of the data set a split was made from, and of the split.
    #[must_use]
    pub fn of_split(split: &Split) -> Self {
        let parts = [&split.train, &split.validation, &split.test];
        let mut order = Fnv::new();
        for (p, part) in parts.iter().enumerate() {
            order = order.word(p as u64).word(part.n_samples() as u64);
            for i in 0..part.n_samples() {
                order = order.word(row_hash(part, i));
            }
        }
        Self::of_parts(
            &parts,
            Some(SplitFingerprint {
                train: split.train.n_samples(),
                validation: split.validation.n_samples(),
                test: split.test.n_samples(),
                order: hex(order.0),
            }),
        )
    }

    fn of_parts(parts: &[&Dataset], split: Option<SplitFingerprint>) -> Self {
        let first = parts[0];
        let rows = parts.iter().map(|d| d.n_samples()).sum();
        let mut sum = 0u64;
        for part in parts {
            for i in 0..part.n_samples() {
                sum = sum.wrapping_add(mix(row_hash(part, i)));
            }
        }
        let mut values = Fnv::new()
            .word(rows as u64)
            .word(first.n_features() as u64)
            .word(sum);
        for name in first.target().class_names().unwrap_or_default() {
            values = values.bytes(name.as_bytes());
        }
        Self {
            task: first.task().to_string(),
            rows,
            columns: first.n_features(),
            classes: first.target().n_classes(),
            values: hex(values.0),
            split,
        }
    }

    /// What differs between `self` (the data a study was started on) and
    /// `now`, one phrase per difference (empty if they are the same): the
    /// task, rows, columns, classes; the values if the shape is the same;
    /// the split if the data is the same.
    #[must_use]
    pub fn changes(&self, now: &DataFingerprint) -> Vec<String> {
        fn change<T: std::fmt::Display>(what: &str, then: T, now: T) -> String {
            format!("{what}: {then} in the journal, {now} now")
        }
        let mut out = Vec::new();
        if self.task != now.task {
            out.push(change("task", &self.task, &now.task));
        }
        if self.rows != now.rows {
            out.push(change("rows", self.rows, now.rows));
        }
        if self.columns != now.columns {
            out.push(change("columns", self.columns, now.columns));
        }
        if self.classes != now.classes {
            let n = |c: Option<usize>| c.map_or("none".to_owned(), |c| c.to_string());
            out.push(change("classes", n(self.classes), n(now.classes)));
        }
        if out.is_empty() && self.values != now.values {
            out.push("values: the same shape, but other values or class names".into());
        }
        if out.is_empty() && self.split != now.split {
            out.push(match (&self.split, &now.split) {
                (Some(a), Some(b))
                    if (a.train, a.validation, a.test) != (b.train, b.validation, b.test) =>
                {
                    change(
                        "split (train/valid/test rows)",
                        format!("{}/{}/{}", a.train, a.validation, a.test),
                        format!("{}/{}/{}", b.train, b.validation, b.test),
                    )
                }
                (Some(_), Some(_)) => {
                    "split: the same data dealt differently (another split seed or other fractions)"
                        .into()
                }
                (a, b) => {
                    let s = |x: &Option<_>| if x.is_some() { "split" } else { "not split" };
                    change("split", s(a), s(b))
                }
            });
        }
        out
    }
}
