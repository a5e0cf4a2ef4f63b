//! [`Dataset`]: a row-major feature matrix with one target per row.

use super::target::{Target, Task};
use crate::Result;
use crate::error::DataError;

/// The largest magnitude a feature or regression target may have:
/// `f32::MAX` (about `3.4028235e38`).
///
/// The networks train in `f32`, where a larger value is infinite. Up to this
/// bound the `f64` statistics of scaling cannot overflow either (a sum of
/// squared deviations is at most `n (2 f32::MAX)² ≈ 4.6e77 n`), so
/// standardised rows of the data a scaler was fitted on lie within `±√n`;
/// rows scaled with another part's statistics are checked again
/// ([`Standardizer::transform`](super::Standardizer::transform)).
pub const MAX_VALUE: f64 = f32::MAX as f64;

/// Whether `x` can be a feature or regression target: finite, with
/// `|x| <= `[`MAX_VALUE`] (NaN is not).
#[must_use]
pub fn is_valid_value(x: f64) -> bool {
    x.abs() <= MAX_VALUE
}

/// The error for the first value of `values` that is not
/// [valid](is_valid_value): features (row-major, `n_features` columns), or
/// the regression target if `is_target`.
pub(super) fn check_values(
    values: &[f64],
    n_features: usize,
    is_target: bool,
) -> Result<(), DataError> {
    let Some(i) = values.iter().position(|&x| !is_valid_value(x)) else {
        return Ok(());
    };
    let value = values[i];
    let (row, column) = if is_target {
        (i, None)
    } else {
        (i / n_features, Some(i % n_features))
    };
    Err(if value.is_finite() {
        DataError::OutOfRange { row, column, value }
    } else {
        DataError::NonFinite {
            row,
            column: column.unwrap_or(n_features),
            value,
        }
    })
}

/// A data set: `n_samples` rows of `n_features` finite numbers of magnitude
/// at most [`MAX_VALUE`], stored row-major, and one [`Target`] per row.
///
/// Built by [`Dataset::new`] (which checks shapes, labels and finiteness once,
/// so every `Dataset` is valid), by the loaders ([`Dataset::builtin`],
/// [`Dataset::from_csv_path`], [`Dataset::from_idx_paths`]) and by the
/// generators in [`Synthetic`](super::Synthetic).
#[derive(Clone, PartialEq)]
pub struct Dataset {
    name: String,
    features: Vec<f64>,
    n_features: usize,
    feature_names: Option<Vec<String>>,
    target: Target,
}

impl Dataset {
    /// A data set from a row-major feature matrix with `n_features` columns.
    ///
    /// # Errors
    /// [`DataError::FeatureLength`] if `features.len()` is not a multiple of
    /// `n_features` (or `n_features == 0` with features given),
    /// [`DataError::TargetLength`] if the target has a different number of
    /// rows, [`DataError::LabelOutOfRange`] for a label without a class name,
    /// [`DataError::NonFinite`] for a NaN or infinite feature or regression
    /// value, [`DataError::OutOfRange`] for one beyond [`MAX_VALUE`].
    pub fn new(
        name: impl Into<String>,
        features: Vec<f64>,
        n_features: usize,
        target: Target,
    ) -> Result<Self> {
        let rows = if n_features == 0 {
            if !features.is_empty() {
                return Err(DataError::FeatureLength {
                    len: features.len(),
                    n_features,
                }
                .into());
            }
            target.len()
        } else {
            if !features.len().is_multiple_of(n_features) {
                return Err(DataError::FeatureLength {
                    len: features.len(),
                    n_features,
                }
                .into());
            }
            features.len() / n_features
        };
        if target.len() != rows {
            return Err(DataError::TargetLength {
                expected: rows,
                found: target.len(),
            }
            .into());
        }
        check_values(&features, n_features, false)?;
        match &target {
            Target::Classes { labels, names } => {
                if let Some(row) = labels.iter().position(|&l| l >= names.len()) {
                    return Err(DataError::LabelOutOfRange {
                        row,
                        label: labels[row],
                        n_classes: names.len(),
                    }
                    .into());
                }
            }
            Target::Real(values) => check_values(values, n_features, true)?,
        }
        Ok(Self {
            name: name.into(),
            features,
            n_features,
            feature_names: None,
            target,
        })
    }

    /// The same data set with feature names.
    ///
    /// # Errors
    /// [`DataError::FeatureNames`] if there are not `n_features` names.
    pub fn with_feature_names(mut self, names: Vec<String>) -> Result<Self> {
        if names.len() != self.n_features {
            return Err(DataError::FeatureNames {
                expected: self.n_features,
                found: names.len(),
            }
            .into());
        }
        self.feature_names = Some(names);
        Ok(self)
    }

    /// The same data set under another name.
    #[must_use]
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// The data set's name (`"iris"`, a file's stem, ...).
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The feature matrix, row-major: row `i` is
    /// `features()[i * n_features()..(i + 1) * n_features()]`.
    #[must_use]
    pub fn features(&self) -> &[f64] {
        &self.features
    }

    /// Number of rows.
    #[must_use]
    pub fn n_samples(&self) -> usize {
        self.target.len()
    }

    /// Number of feature columns.
    #[must_use]
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// Row `i`'s features.
    ///
    /// # Panics
    /// If `i >= n_samples()`, like slice indexing.
    #[must_use]
    pub fn row(&self, i: usize) -> &[f64] {
        &self.features[i * self.n_features..(i + 1) * self.n_features]
    }

    /// The rows, in order.
    pub fn rows(&self) -> impl ExactSizeIterator<Item = &[f64]> + '_ {
        (0..self.n_samples()).map(move |i| self.row(i))
    }

    /// Feature names, if known.
    #[must_use]
    pub fn feature_names(&self) -> Option<&[String]> {
        self.feature_names.as_deref()
    }

    /// The targets.
    #[must_use]
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// Classification or regression.
    #[must_use]
    pub fn task(&self) -> Task {
        self.target.task()
    }

    /// The rows `indices`, in that order (repeats allowed), with the same
    /// name, feature names and class names.
    ///
    /// # Errors
    /// [`DataError::IndexOutOfRange`] for an index `>= n_samples()`.
    pub fn subset(&self, indices: &[usize]) -> Result<Dataset> {
        let n = self.n_samples();
        if let Some(&index) = indices.iter().find(|&&i| i >= n) {
            return Err(DataError::IndexOutOfRange {
                index,
                n_samples: n,
            }
            .into());
        }
        let mut features = Vec::with_capacity(indices.len() * self.n_features);
        for &i in indices {
            features.extend_from_slice(self.row(i));
        }
        Ok(Dataset {
            name: self.name.clone(),
            features,
            n_features: self.n_features,
            feature_names: self.feature_names.clone(),
            target: self.target.select(indices),
        })
    }

    /// This data set without its rows, and its feature matrix.
    pub(crate) fn into_features(mut self) -> (Dataset, Vec<f64>) {
        let features = std::mem::take(&mut self.features);
        (self, features)
    }

    /// A data set with this one's name, feature count, feature names and
    /// classes, and the rows `features` with `target`.
    ///
    /// # Errors
    /// As [`Dataset::new`] (the rows of a valid data set pass).
    pub(crate) fn with_rows(&self, features: Vec<f64>, target: Target) -> Result<Dataset> {
        let mut d = Dataset::new(self.name.clone(), features, self.n_features, target)?;
        d.feature_names.clone_from(&self.feature_names);
        Ok(d)
    }

    /// Replaces the features with `features` of the same shape (used by the
    /// scalers, which keep shapes).
    pub(crate) fn with_features_unchecked(&self, features: Vec<f64>) -> Dataset {
        debug_assert_eq!(features.len(), self.features.len());
        Dataset {
            name: self.name.clone(),
            features,
            n_features: self.n_features,
            feature_names: self.feature_names.clone(),
            target: self.target.clone(),
        }
    }
}

impl std::fmt::Debug for Dataset {
    /// A summary (name, shape, task), not the numbers.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dataset")
            .field("name", &self.name)
            .field("n_samples", &self.n_samples())
            .field("n_features", &self.n_features)
            .field("task", &self.task())
            .field("n_classes", &self.target.n_classes())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    fn small() -> Dataset {
        Dataset::new(
            "t",
            vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
            2,
            Target::Classes {
                labels: vec![0, 1, 0],
                names: vec!["x".into(), "y".into()],
            },
        )
        .unwrap()
    }

    #[test]
    fn shape_and_rows() {
        let d = small();
        assert_eq!((d.n_samples(), d.n_features()), (3, 2));
        assert_eq!(d.row(1), &[3.0, 4.0]);
        assert_eq!(d.rows().count(), 3);
    }

    #[test]
    fn subset_keeps_order_and_names() {
        let d = small()
            .with_feature_names(vec!["a".into(), "b".into()])
            .unwrap();
        let s = d.subset(&[2, 0, 2]).unwrap();
        assert_eq!(s.features(), &[5.0, 6.0, 1.0, 2.0, 5.0, 6.0]);
        assert_eq!(s.target().labels(), Some(&[0, 0, 0][..]));
        assert_eq!(s.feature_names(), d.feature_names());
        assert!(matches!(
            d.subset(&[3]),
            Err(Error::Data(DataError::IndexOutOfRange {
                index: 3,
                n_samples: 3
            }))
        ));
    }

    #[test]
    fn invalid_shapes_are_errors() {
        let t = Target::Real(vec![1.0, 2.0]);
        assert!(matches!(
            Dataset::new("t", vec![1.0; 5], 2, t.clone()),
            Err(Error::Data(DataError::FeatureLength { len: 5, .. }))
        ));
        assert!(matches!(
            Dataset::new("t", vec![1.0; 6], 2, t.clone()),
            Err(Error::Data(DataError::TargetLength {
                expected: 3,
                found: 2
            }))
        ));
        assert!(matches!(
            Dataset::new("t", vec![1.0, f64::NAN, 1.0, 1.0], 2, t),
            Err(Error::Data(DataError::NonFinite {
                row: 0,
                column: 1,
                ..
            }))
        ));
        // f32::MAX itself is a value; the next f64 above it is not.
        let above = f64::from(f32::MAX).next_up();
        assert!(
            Dataset::new(
                "t",
                vec![f64::from(f32::MAX), -f64::from(f32::MAX)],
                2,
                Target::Real(vec![1.0])
            )
            .is_ok()
        );
        assert!(matches!(
            Dataset::new(
                "t",
                vec![1.0, 1.0, 1.0, -above],
                2,
                Target::Real(vec![1.0, 2.0])
            ),
            Err(Error::Data(DataError::OutOfRange {
                row: 1,
                column: Some(1),
                ..
            }))
        ));
        let e = Dataset::new("t", vec![1.0; 4], 2, Target::Real(vec![1.0, 1e300])).unwrap_err();
        assert!(matches!(
            e,
            Error::Data(DataError::OutOfRange { row: 1, column: None, value }) if value == 1e300
        ));
        assert_eq!(
            e.to_string(),
            "row 2 (counting from 1), the target: 1e300 is beyond ±3.4028234663852886e38, \
             the f32 range the networks train in"
        );
        let bad = Target::Classes {
            labels: vec![0, 2],
            names: vec!["a".into(), "b".into()],
        };
        assert!(matches!(
            Dataset::new("t", vec![0.0; 2], 1, bad),
            Err(Error::Data(DataError::LabelOutOfRange {
                row: 1,
                label: 2,
                ..
            }))
        ));
    }

    #[test]
    fn wrong_number_of_feature_names() {
        assert!(matches!(
            small().with_feature_names(vec!["a".into()]),
            Err(Error::Data(DataError::FeatureNames {
                expected: 2,
                found: 1
            }))
        ));
    }
}
