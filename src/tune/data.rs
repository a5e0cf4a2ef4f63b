//! Data sets made ready for the networks: scaled on the rows trained on,
//! converted to `f32`, regression targets standardised.

use crate::Result;
use crate::data::{Dataset, MinMaxScaler, Scaling, Standardizer, Target, TargetStandardizer};
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
}

impl Prepared {
    /// Scales `train` and `valid` with a scaler fitted on `train`, and
    /// standardises a regression target likewise.
    pub fn new(train: &Dataset, valid: &Dataset, scaling: Scaling) -> Result<Self> {
        let (train_x, valid_x) = scale_pair(train, valid, scaling)?;
        let standardizer = match train.target() {
            Target::Real(_) => Some(TargetStandardizer::fit(train.target())?),
            Target::Classes { .. } => None,
        };
        let part = |d: &Dataset, features: Vec<f64>| -> Result<Part> {
            Ok(Part {
                x: to_f32(&features),
                rows: d.n_samples(),
                cols: d.n_features(),
                y: labels(d.target(), standardizer.as_ref())?,
            })
        };
        Ok(Self {
            train: part(train, train_x)?,
            validation: part(valid, valid_x)?,
            target_sd: standardizer.map_or(1.0, |s| s.sd()),
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

fn scale_pair(train: &Dataset, valid: &Dataset, scaling: Scaling) -> Result<(Vec<f64>, Vec<f64>)> {
    let (a, b) = match scaling {
        Scaling::None => return Ok((train.features().to_vec(), valid.features().to_vec())),
        Scaling::Standardize => {
            let s = Standardizer::fit(train)?;
            (s.transform(train)?, s.transform(valid)?)
        }
        Scaling::MinMax => {
            let s = MinMaxScaler::fit(train)?;
            (s.transform(train)?, s.transform(valid)?)
        }
    };
    Ok((a.features().to_vec(), b.features().to_vec()))
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

/// The rows of `a` followed by the rows of `b` (same features, same classes).
///
/// # Errors
/// [`DataError::FeatureMismatch`] for different feature counts;
/// [`ConfigError::Invalid`] for targets of different kinds or classes.
pub(crate) fn concat(a: &Dataset, b: &Dataset) -> Result<Dataset> {
    if a.n_features() != b.n_features() {
        return Err(DataError::FeatureMismatch {
            expected: a.n_features(),
            found: b.n_features(),
        }
        .into());
    }
    let mut features = a.features().to_vec();
    features.extend_from_slice(b.features());
    let target = match (a.target(), b.target()) {
        (
            Target::Classes { labels, names },
            Target::Classes {
                labels: more,
                names: names_b,
            },
        ) if names == names_b => Target::Classes {
            labels: labels.iter().chain(more).copied().collect(),
            names: names.clone(),
        },
        (Target::Real(x), Target::Real(y)) => Target::Real(x.iter().chain(y).copied().collect()),
        _ => {
            return Err(ConfigError::Invalid {
                name: "split",
                reason: "its parts have different kinds of targets or different classes".into(),
            }
            .into());
        }
    };
    Dataset::new(a.name(), features, a.n_features(), target)
}
