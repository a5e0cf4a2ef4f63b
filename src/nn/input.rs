//! What training reads: features, targets and their checks.

use crate::error::NnError;

use super::matrix::MatRef;

/// The targets of a set of rows.
///
/// Classification targets are class indices (the network one-hot encodes
/// them internally); regression targets are `f32` values, `n_outputs` per
/// row, row-major.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Targets<'a> {
    /// Class indices in `0..n_classes`, one per row.
    Classes {
        /// One label per row.
        labels: &'a [usize],
        /// The number of classes (at least 2; may exceed the largest label).
        n_classes: usize,
    },
    /// Real values, `n_outputs` per row, row-major.
    Values {
        /// `rows x n_outputs` values.
        values: &'a [f32],
        /// The number of values per row (at least 1).
        n_outputs: usize,
    },
}

impl<'a> Targets<'a> {
    /// Class targets.
    #[must_use]
    pub const fn classes(labels: &'a [usize], n_classes: usize) -> Self {
        Self::Classes { labels, n_classes }
    }

    /// One regression value per row.
    #[must_use]
    pub const fn values(values: &'a [f32]) -> Self {
        Self::Values {
            values,
            n_outputs: 1,
        }
    }

    /// The number of rows these targets describe.
    #[must_use]
    pub fn rows(&self) -> usize {
        match *self {
            Self::Classes { labels, .. } => labels.len(),
            Self::Values { values, n_outputs } => values.len().checked_div(n_outputs).unwrap_or(0),
        }
    }

    /// `"classes"` or `"values"`, for messages.
    #[must_use]
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::Classes { .. } => "class targets",
            Self::Values { .. } => "value targets",
        }
    }

    /// Checks the targets on their own: at least two classes and every
    /// label below their number, or at least one output, a whole number of
    /// rows and finite values.
    ///
    /// # Errors
    /// [`NnError::TooFewClasses`], [`NnError::Label`], [`NnError::Shape`],
    /// [`NnError::NonFinite`].
    pub fn check(&self, what: &'static str) -> Result<(), NnError> {
        match *self {
            Self::Classes { labels, n_classes } => {
                if n_classes < 2 {
                    return Err(NnError::TooFewClasses { n_classes });
                }
                if let Some((row, &label)) =
                    labels.iter().enumerate().find(|(_, l)| **l >= n_classes)
                {
                    return Err(NnError::Label {
                        row,
                        label,
                        n_classes,
                    });
                }
            }
            Self::Values { values, n_outputs } => {
                if n_outputs == 0 {
                    return Err(NnError::Shape {
                        what: "number of regression outputs",
                        expected: 1,
                        found: 0,
                    });
                }
                if values.len() % n_outputs != 0 {
                    return Err(NnError::Shape {
                        what: "regression values (a multiple of n_outputs)",
                        expected: values.len() / n_outputs * n_outputs,
                        found: values.len(),
                    });
                }
                check_finite(values, what)?;
            }
        }
        Ok(())
    }
}

/// The data one training run reads: a training set and optionally a
/// validation set (used for the per-epoch validation loss and metric,
/// early stopping and the callback).
#[derive(Clone, Copy, Debug)]
pub struct TrainData<'a> {
    /// Training features, `n_train x n_features`.
    pub x_train: MatRef<'a>,
    /// Training targets, `n_train` rows.
    pub y_train: Targets<'a>,
    /// Validation features and targets, if any.
    pub validation: Option<(MatRef<'a>, Targets<'a>)>,
}

impl<'a> TrainData<'a> {
    /// A training set without validation data.
    #[must_use]
    pub const fn new(x_train: MatRef<'a>, y_train: Targets<'a>) -> Self {
        Self {
            x_train,
            y_train,
            validation: None,
        }
    }

    /// Adds a validation set.
    #[must_use]
    pub const fn with_validation(mut self, x_valid: MatRef<'a>, y_valid: Targets<'a>) -> Self {
        self.validation = Some((x_valid, y_valid));
        self
    }

    /// Checks shapes, labels and finiteness of both sets.
    ///
    /// # Errors
    /// [`NnError::Empty`], [`NnError::Shape`], [`NnError::Label`],
    /// [`NnError::TooFewClasses`], [`NnError::NonFinite`],
    /// [`NnError::Incompatible`] (validation targets of another kind or
    /// width than the training targets).
    pub fn check(&self) -> Result<(), NnError> {
        check_set(
            self.x_train,
            &self.y_train,
            "training features",
            "training targets",
        )?;
        if let Some((x, y)) = &self.validation {
            check_set(*x, y, "validation features", "validation targets")?;
            if x.cols() != self.x_train.cols() {
                return Err(NnError::Shape {
                    what: "validation feature count",
                    expected: self.x_train.cols(),
                    found: x.cols(),
                });
            }
            let same = match (self.y_train, *y) {
                (Targets::Classes { n_classes: a, .. }, Targets::Classes { n_classes: b, .. }) => {
                    a == b
                }
                (Targets::Values { n_outputs: a, .. }, Targets::Values { n_outputs: b, .. }) => {
                    a == b
                }
                _ => false,
            };
            if !same {
                return Err(NnError::Incompatible {
                    what: "validation targets",
                    with: "the training targets (kind and width must agree)",
                });
            }
        }
        Ok(())
    }
}

/// Checks one set: non-empty, rows of features and targets agree, targets
/// valid, features finite.
pub(crate) fn check_set(
    x: MatRef<'_>,
    y: &Targets<'_>,
    x_what: &'static str,
    y_what: &'static str,
) -> Result<(), NnError> {
    if x.rows() == 0 || x.cols() == 0 {
        return Err(NnError::Empty { what: x_what });
    }
    y.check(y_what)?;
    if y.rows() != x.rows() {
        return Err(NnError::Shape {
            what: "target rows (one per feature row)",
            expected: x.rows(),
            found: y.rows(),
        });
    }
    check_finite(x.data(), x_what)
}

/// [`NnError::NonFinite`] naming the first NaN or infinite value.
pub(crate) fn check_finite(values: &[f32], what: &'static str) -> Result<(), NnError> {
    match values.iter().position(|v| !v.is_finite()) {
        Some(index) => Err(NnError::NonFinite { what, index }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_of_targets() {
        assert_eq!(Targets::classes(&[0, 1, 1], 2).rows(), 3);
        let v = [0.0f32; 6];
        let t = Targets::Values {
            values: &v,
            n_outputs: 2,
        };
        assert_eq!(t.rows(), 3);
    }

    #[test]
    fn bad_targets_are_named() {
        assert!(matches!(
            Targets::classes(&[0, 3], 3).check("y"),
            Err(NnError::Label {
                row: 1,
                label: 3,
                n_classes: 3
            })
        ));
        assert!(matches!(
            Targets::classes(&[0, 0], 1).check("y"),
            Err(NnError::TooFewClasses { n_classes: 1 })
        ));
        assert!(matches!(
            Targets::values(&[1.0, f32::NAN]).check("y"),
            Err(NnError::NonFinite {
                what: "y",
                index: 1
            })
        ));
        let v = [0.0f32; 5];
        let t = Targets::Values {
            values: &v,
            n_outputs: 2,
        };
        assert!(matches!(t.check("y"), Err(NnError::Shape { found: 5, .. })));
    }
}
