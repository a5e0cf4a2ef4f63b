//! Data sets made ready for the networks: scaled on the rows trained on,
//! converted to `f32`, regression targets standardised.

use crate::Result;
use crate::data::{Dataset, FeatureMap, Scaling, Target, TargetStandardizer};
use crate::error::{ConfigError, DataError};
use crate::nn::{MatRef, Targets, TrainData, to_f32};

/// Targets in the networks' form.
#[derive(Debug, Clone)]
pub(crate) enum Labels {
    Classes {
        labels: Vec<usize>,
        n_classes: usize,
    },
    Values(Vec<f32>),
}

impl Labels {
    fn targets(&self) -> Targets<'_> {
        match self {
            Labels::Classes { labels, n_classes } => Targets::classes(labels, *n_classes),
            Labels::Values(v) => Targets::values(v),
        }
    }
}

/// One part of the data, ready for a network.
#[derive(Debug, Clone)]
pub(crate) struct Part {
    x: Vec<f32>,
    rows: usize,
    cols: usize,
    y: Labels,
}

impl Part {
    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn x(&self) -> Result<MatRef<'_>> {
        Ok(MatRef::new(&self.x, self.rows, self.cols)?)
    }

    pub fn y(&self) -> Targets<'_> {
        self.y.targets()
    }

    /// The class labels (classification).
    pub fn labels(&self) -> Option<Vec<usize>> {
        match &self.y {
            Labels::Classes { labels, .. } => Some(labels.clone()),
            Labels::Values(_) => None,
        }
    }

    /// The standardised target values (regression).
    pub fn values(&self) -> Option<Vec<f32>> {
        match &self.y {
            Labels::Values(v) => Some(v.clone()),
            Labels::Classes { .. } => None,
        }
    }
}

/// Rows of one or more data sets read one after another (train, then
/// validation): all of them, or those at `indices` into that sequence.
/// What a [`Prepared`] part is built from, without gathering the rows into
/// an `f64` copy first.
#[derive(Clone, Copy)]
pub(crate) struct Rows<'a> {
    parts: &'a [&'a Dataset],
    indices: Option<&'a [usize]>,
}

impl<'a> Rows<'a> {
    /// Every row of `parts`, in order.
    ///
    /// # Errors
    /// [`DataError::FeatureMismatch`] for parts with different feature counts.
    pub fn all(parts: &'a [&'a Dataset]) -> Result<Self> {
        if let Some(first) = parts.first()
            && let Some(other) = parts.iter().find(|p| p.n_features() != first.n_features())
        {
            return Err(DataError::FeatureMismatch {
                expected: first.n_features(),
                found: other.n_features(),
            }
            .into());
        }
        Ok(Self {
            parts,
            indices: None,
        })
    }

    /// The rows at `indices` (into the sequence of all rows), in that order.
    ///
    /// # Errors
    /// [`DataError::IndexOutOfRange`] for an index past the last row.
    pub fn at(self, indices: &'a [usize]) -> Result<Self> {
        let n = self.total();
        if let Some(&index) = indices.iter().find(|&&i| i >= n) {
            return Err(DataError::IndexOutOfRange {
                index,
                n_samples: n,
            }
            .into());
        }
        Ok(Self {
            indices: Some(indices),
            ..self
        })
    }

    fn total(&self) -> usize {
        self.parts.iter().map(|p| p.n_samples()).sum()
    }

    fn len(&self) -> usize {
        self.indices.map_or_else(|| self.total(), <[usize]>::len)
    }

    fn n_features(&self) -> usize {
        self.parts.first().map_or(0, |p| p.n_features())
    }

    fn name(&self) -> &str {
        self.parts.first().map_or("", |p| p.name())
    }

    /// Row `i` of the sequence of all rows (`i < total()`).
    fn row(&self, mut i: usize) -> &'a [f64] {
        for part in self.parts {
            if i < part.n_samples() {
                return part.row(i);
            }
            i -= part.n_samples();
        }
        unreachable!("indices are checked by Rows::at")
    }

    fn iter(self) -> Box<dyn Iterator<Item = &'a [f64]> + 'a> {
        match self.indices {
            None => Box::new(self.parts.iter().flat_map(|p| p.rows())),
            Some(indices) => Box::new(indices.iter().map(move |&i| self.row(i))),
        }
    }

    /// The targets of these rows.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] for parts with targets of different kinds or
    /// classes.
    pub fn target(&self) -> Result<Target> {
        let all = concat_targets(self.parts)?;
        Ok(match self.indices {
            None => all,
            Some(indices) => all.select(indices),
        })
    }
}

/// A part to train on and a part to score on, scaled with statistics of the
/// training part only.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    pub train: Part,
    pub validation: Part,
    /// Standard deviation of the regression target on the training part
    /// (1 for classification): errors in the target's units are errors on the
    /// standardised target times this.
    pub target_sd: f64,
    /// Mean of the regression target on the training part (0 for
    /// classification).
    pub target_mean: f64,
}

impl Prepared {
    /// Scales `train` and `valid` with a scaler fitted on `train`, and
    /// standardises a regression target likewise: the numbers of
    /// [`Standardizer`](crate::data::Standardizer) (or
    /// [`MinMaxScaler`](crate::data::MinMaxScaler)) fitted on `train`
    /// gathered into a data set, cast to `f32`, each part built straight
    /// into its `f32` matrix (no `f64` copy of the rows).
    ///
    /// # Errors
    /// [`DataError::FeatureMismatch`] for parts with different feature counts,
    /// [`DataError::EmptyDataset`] for an empty training part (when scaling),
    /// [`DataError::ScaledOutOfRange`] for a value scaled beyond `f32`,
    /// [`ConfigError::Invalid`] for targets of different kinds or classes.
    pub fn new(train: Rows<'_>, valid: Rows<'_>, scaling: Scaling) -> Result<Self> {
        let d = train.n_features();
        if valid.n_features() != d {
            return Err(DataError::FeatureMismatch {
                expected: d,
                found: valid.n_features(),
            }
            .into());
        }
        let map = FeatureMap::fit(scaling, || train.iter(), train.len(), d, train.name())?;
        let train_target = train.target()?;
        let valid_target = valid.target()?;
        if !same_kind(&train_target, &valid_target) {
            return Err(different_targets());
        }
        let standardizer = match &train_target {
            Target::Real(_) => Some(TargetStandardizer::fit(&train_target)?),
            Target::Classes { .. } => None,
        };
        let part = |rows: Rows<'_>, target: &Target| -> Result<Part> {
            Ok(Part {
                x: FeatureMap::apply_f32(map.as_ref(), rows.iter(), rows.len(), d)?,
                rows: rows.len(),
                cols: d,
                y: labels(target, standardizer.as_ref())?,
            })
        };
        Ok(Self {
            train: part(train, &train_target)?,
            validation: part(valid, &valid_target)?,
            target_sd: standardizer.as_ref().map_or(1.0, TargetStandardizer::sd),
            target_mean: standardizer.as_ref().map_or(0.0, TargetStandardizer::mean),
        })
    }

    /// Training data with the scoring part as validation data.
    pub fn with_validation(&self) -> Result<TrainData<'_>> {
        Ok(TrainData::new(self.train.x()?, self.train.y())
            .with_validation(self.validation.x()?, self.validation.y()))
    }

    /// Training data alone.
    pub fn train_only(&self) -> Result<TrainData<'_>> {
        Ok(TrainData::new(self.train.x()?, self.train.y()))
    }
}

fn labels(target: &Target, standardizer: Option<&TargetStandardizer>) -> Result<Labels> {
    Ok(match (target, standardizer) {
        (Target::Classes { labels, names }, _) => Labels::Classes {
            labels: labels.clone(),
            n_classes: names.len(),
        },
        (Target::Real(_), Some(s)) => match s.transform(target)? {
            Target::Real(z) => Labels::Values(to_f32(&z)),
            Target::Classes { .. } => unreachable!("standardising keeps a regression target"),
        },
        (Target::Real(v), None) => Labels::Values(to_f32(v)),
    })
}

/// Both real values, or both classes with the same names.
fn same_kind(a: &Target, b: &Target) -> bool {
    match (a, b) {
        (Target::Classes { names, .. }, Target::Classes { names: other, .. }) => names == other,
        (Target::Real(_), Target::Real(_)) => true,
        _ => false,
    }
}

fn different_targets() -> crate::Error {
    ConfigError::Invalid {
        name: "split",
        reason: "its parts have different kinds of targets or different classes".into(),
    }
    .into()
}

/// The targets of `parts`, one after another (same kind, same classes).
///
/// # Errors
/// [`ConfigError::Invalid`] for targets of different kinds or classes.
fn concat_targets(parts: &[&Dataset]) -> Result<Target> {
    let Some((first, rest)) = parts.split_first() else {
        return Ok(Target::Real(Vec::new()));
    };
    let mut target = first.target().clone();
    for part in rest {
        if !same_kind(&target, part.target()) {
            return Err(different_targets());
        }
        match (&mut target, part.target()) {
            (Target::Classes { labels, .. }, Target::Classes { labels: more, .. }) => {
                labels.extend_from_slice(more);
            }
            (Target::Real(x), Target::Real(y)) => x.extend_from_slice(y),
            _ => unreachable!("same_kind checked above"),
        }
    }
    Ok(target)
}
