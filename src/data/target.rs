//! What a data set predicts: class labels or real values.

use crate::Result;
use crate::error::DataError;

/// The kind of learning problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Task {
    /// Predict one of a finite set of classes.
    Classification,
    /// Predict a real number.
    Regression,
}

impl std::fmt::Display for Task {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Task::Classification => "classification",
            Task::Regression => "regression",
        })
    }
}

/// The targets of a data set, one per row.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// Class labels `0..names.len()`, with the name of each class.
    Classes {
        /// Label of each row, an index into `names`.
        labels: Vec<usize>,
        /// Name of each class.
        names: Vec<String>,
    },
    /// Real values for regression.
    Real(Vec<f64>),
}

impl Target {
    /// Number of rows.
    #[must_use]
    pub fn len(&self) -> usize {
        match self {
            Target::Classes { labels, .. } => labels.len(),
            Target::Real(values) => values.len(),
        }
    }

    /// Whether there are no rows.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The kind of problem.
    #[must_use]
    pub fn task(&self) -> Task {
        match self {
            Target::Classes { .. } => Task::Classification,
            Target::Real(_) => Task::Regression,
        }
    }

    /// Whether the target holds class labels.
    #[must_use]
    pub fn is_classification(&self) -> bool {
        matches!(self, Target::Classes { .. })
    }

    /// Number of classes (`None` for regression).
    #[must_use]
    pub fn n_classes(&self) -> Option<usize> {
        match self {
            Target::Classes { names, .. } => Some(names.len()),
            Target::Real(_) => None,
        }
    }

    /// Width of a network's output for this target: the number of classes,
    /// or 1 for regression.
    #[must_use]
    pub fn n_outputs(&self) -> usize {
        self.n_classes().unwrap_or(1)
    }

    /// The class labels (`None` for regression).
    #[must_use]
    pub fn labels(&self) -> Option<&[usize]> {
        match self {
            Target::Classes { labels, .. } => Some(labels),
            Target::Real(_) => None,
        }
    }

    /// The class names (`None` for regression).
    #[must_use]
    pub fn class_names(&self) -> Option<&[String]> {
        match self {
            Target::Classes { names, .. } => Some(names),
            Target::Real(_) => None,
        }
    }

    /// The regression values (`None` for class labels).
    #[must_use]
    pub fn values(&self) -> Option<&[f64]> {
        match self {
            Target::Real(values) => Some(values),
            Target::Classes { .. } => None,
        }
    }

    /// Number of rows of each class (`None` for regression).
    #[must_use]
    pub fn class_counts(&self) -> Option<Vec<usize>> {
        let Target::Classes { labels, names } = self else {
            return None;
        };
        let mut counts = vec![0; names.len()];
        for &label in labels {
            if let Some(c) = counts.get_mut(label) {
                *c += 1;
            }
        }
        Some(counts)
    }

    /// One-hot encoding of the class labels: a row-major `n x k` matrix with
    /// `1.0` at `(i, labels[i])` and `0.0` elsewhere, `k` the number of classes.
    ///
    /// # Errors
    /// [`DataError::NotClassification`] for a regression target.
    pub fn one_hot(&self) -> Result<Vec<f64>> {
        let Target::Classes { labels, names } = self else {
            return Err(DataError::NotClassification {
                operation: "one-hot encoding",
            }
            .into());
        };
        let k = names.len();
        let mut out = vec![0.0; labels.len() * k];
        for (row, &label) in out.chunks_exact_mut(k.max(1)).zip(labels) {
            if let Some(cell) = row.get_mut(label) {
                *cell = 1.0;
            }
        }
        Ok(out)
    }

    /// The rows `indices`, in that order. Indices must be in range (checked
    /// by the caller).
    pub(crate) fn select(&self, indices: &[usize]) -> Target {
        match self {
            Target::Classes { labels, names } => Target::Classes {
                labels: indices.iter().map(|&i| labels[i]).collect(),
                names: names.clone(),
            },
            Target::Real(values) => Target::Real(indices.iter().map(|&i| values[i]).collect()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classes() -> Target {
        Target::Classes {
            labels: vec![2, 0, 1, 2],
            names: vec!["a".into(), "b".into(), "c".into()],
        }
    }

    #[test]
    fn one_hot_puts_a_single_one_per_row() {
        let hot = classes().one_hot().unwrap();
        #[rustfmt::skip]
        let expected = vec![
            0.0, 0.0, 1.0,
            1.0, 0.0, 0.0,
            0.0, 1.0, 0.0,
            0.0, 0.0, 1.0,
        ];
        assert_eq!(hot, expected);
    }

    #[test]
    fn one_hot_of_regression_is_an_error() {
        let err = Target::Real(vec![1.0]).one_hot().unwrap_err();
        assert!(matches!(
            err,
            crate::Error::Data(DataError::NotClassification { .. })
        ));
    }

    #[test]
    fn counts_and_helpers() {
        let t = classes();
        assert_eq!(t.class_counts(), Some(vec![1, 1, 2]));
        assert_eq!(t.n_classes(), Some(3));
        assert_eq!(t.n_outputs(), 3);
        assert!(t.is_classification());
        assert_eq!(t.task(), Task::Classification);
        let r = Target::Real(vec![0.5, 1.5]);
        assert_eq!(r.n_classes(), None);
        assert_eq!(r.n_outputs(), 1);
        assert_eq!(r.values(), Some(&[0.5, 1.5][..]));
    }
}
