//! Feature scaling fitted on training rows only: [`Standardizer`] and
//! [`MinMaxScaler`], and [`Split::scaled`] which fits on `train` and applies
//! to all three parts (no statistics leak from validation or test rows).

use super::{Dataset, Split};
use crate::Result;
use crate::error::{ConfigError, DataError};

/// How to scale features.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scaling {
    /// Leave features as they are.
    None,
    /// [`Standardizer`]: zero mean, unit standard deviation on the training rows
    /// (the default).
    #[default]
    Standardize,
    /// [`MinMaxScaler`] to `[0, 1]` on the training rows.
    MinMax,
}

/// Standardisation `z = (x - mean) / sd` per feature, with `mean` and the
/// population standard deviation `sd = sqrt(sum (x - mean)^2 / n)` of the
/// rows it was fitted on (as scikit-learn's `StandardScaler`). A constant
/// column (min == max) gets `sd = 1`, so it becomes 0 rather than NaN.
#[derive(Debug, Clone, PartialEq)]
pub struct Standardizer {
    mean: Vec<f64>,
    sd: Vec<f64>,
}

impl Standardizer {
    /// Fits on `data`'s features (call it on the training part only).
    ///
    /// # Errors
    /// [`DataError::EmptyDataset`] if `data` has no rows.
    pub fn fit(data: &Dataset) -> Result<Self> {
        let (n, d) = non_empty(data)?;
        let (mean, sd) = standardize_stats(|| data.rows(), n, d);
        Ok(Self { mean, sd })
    }

    /// Per-feature means of the fitted rows.
    #[must_use]
    pub fn mean(&self) -> &[f64] {
        &self.mean
    }

    /// Per-feature standard deviations of the fitted rows (1 for constant columns).
    #[must_use]
    pub fn sd(&self) -> &[f64] {
        &self.sd
    }

    /// `data` standardised with the fitted statistics.
    ///
    /// # Errors
    /// [`DataError::FeatureMismatch`] if `data` has a different number of
    /// features, [`DataError::ScaledOutOfRange`] if a result is beyond
    /// [`MAX_VALUE`](super::MAX_VALUE) (rows far outside the fitted ones).
    pub fn transform(&self, data: &Dataset) -> Result<Dataset> {
        apply(data, &self.mean, &self.sd, 0.0)
    }
}

/// Min-max scaling `x' = low + (x - min) (high - low) / (max - min)` per
/// feature, with `min` and `max` of the rows it was fitted on. By default
/// `[low, high] = [0, 1]`. A constant column (min == max) uses `max - min = 1`
/// (as scikit-learn's `MinMaxScaler`), so its fitted rows map to `low`.
#[derive(Debug, Clone, PartialEq)]
pub struct MinMaxScaler {
    min: Vec<f64>,
    /// `(max - min) / (high - low)`, the divisor.
    step: Vec<f64>,
    low: f64,
}

impl MinMaxScaler {
    /// Fits to `[0, 1]` on `data`'s features (call it on the training part only).
    ///
    /// # Errors
    /// [`DataError::EmptyDataset`] if `data` has no rows.
    pub fn fit(data: &Dataset) -> Result<Self> {
        Self::fit_range(data, 0.0, 1.0)
    }

    /// Fits to `[low, high]`.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] unless `low < high`, both finite;
    /// [`DataError::EmptyDataset`] if `data` has no rows.
    pub fn fit_range(data: &Dataset, low: f64, high: f64) -> Result<Self> {
        if !(low.is_finite() && high.is_finite() && low < high) {
            return Err(ConfigError::Invalid {
                name: "range",
                reason: format!("min-max range [{low}, {high}] is not finite with low < high"),
            }
            .into());
        }
        non_empty(data)?;
        let (min, max) = column_ranges(data.rows(), data.n_features());
        let step = min
            .iter()
            .zip(&max)
            .map(|(l, h)| if l == h { 1.0 } else { (h - l) / (high - low) })
            .collect();
        Ok(Self { min, step, low })
    }

    /// Per-feature minima of the fitted rows.
    #[must_use]
    pub fn min(&self) -> &[f64] {
        &self.min
    }

    /// `data` scaled with the fitted minima and maxima (rows outside the
    /// fitted range map outside `[low, high]`).
    ///
    /// # Errors
    /// As [`Standardizer::transform`].
    pub fn transform(&self, data: &Dataset) -> Result<Dataset> {
        apply(data, &self.min, &self.step, self.low)
    }
}

impl Split {
    /// Scales all three parts with a scaler fitted on `train` only.
    ///
    /// # Errors
    /// [`DataError::EmptyDataset`] for an empty training part (unless
    /// `scaling` is [`Scaling::None`]); see [`Standardizer::transform`].
    pub fn scaled(self, scaling: Scaling) -> Result<Split> {
        let (shift, divisor, low) = match scaling {
            Scaling::None => return Ok(self),
            Scaling::Standardize => {
                let s = Standardizer::fit(&self.train)?;
                (s.mean, s.sd, 0.0)
            }
            Scaling::MinMax => {
                let s = MinMaxScaler::fit(&self.train)?;
                (s.min, s.step, s.low)
            }
        };
        Ok(Split {
            train: apply(&self.train, &shift, &divisor, low)?,
            validation: apply(&self.validation, &shift, &divisor, low)?,
            test: apply(&self.test, &shift, &divisor, low)?,
        })
    }
}

/// `(n_samples, n_features)`, or an error for a data set without rows.
fn non_empty(data: &Dataset) -> Result<(usize, usize)> {
    if data.n_samples() == 0 {
        return Err(DataError::EmptyDataset {
            name: data.name().to_owned(),
        }
        .into());
    }
    Ok((data.n_samples(), data.n_features()))
}

/// Per-feature means and population standard deviations of `n` rows of `d`
/// features (`rows` gives them, twice: the mean first, then the squared
/// deviations from it); `sd = 1` for a constant column.
fn standardize_stats<'a, I>(rows: impl Fn() -> I, n: usize, d: usize) -> (Vec<f64>, Vec<f64>)
where
    I: Iterator<Item = &'a [f64]>,
{
    #[allow(clippy::cast_precision_loss)]
    let n_f = n as f64;
    let mut mean = vec![0.0; d];
    for row in rows() {
        for (m, x) in mean.iter_mut().zip(row) {
            *m += x;
        }
    }
    mean.iter_mut().for_each(|m| *m /= n_f);
    let mut var = vec![0.0; d];
    for row in rows() {
        for ((v, m), x) in var.iter_mut().zip(&mean).zip(row) {
            *v += (x - m) * (x - m);
        }
    }
    let (lo, hi) = column_ranges(rows(), d);
    let sd = var
        .iter()
        .zip(lo.iter().zip(&hi))
        .map(|(v, (l, h))| if l == h { 1.0 } else { (v / n_f).sqrt() })
        .collect();
    (mean, sd)
}

/// Per-feature minima and maxima of rows of `d` features.
fn column_ranges<'a>(rows: impl Iterator<Item = &'a [f64]>, d: usize) -> (Vec<f64>, Vec<f64>) {
    let mut lo = vec![f64::INFINITY; d];
    let mut hi = vec![f64::NEG_INFINITY; d];
    for row in rows {
        for ((l, h), &x) in lo.iter_mut().zip(hi.iter_mut()).zip(row) {
            *l = l.min(x);
            *h = h.max(x);
        }
    }
    (lo, hi)
}

/// A scaler's map `x' = low + (x - shift) / divisor` per feature, fitted on
/// rows that need not form one [`Dataset`] (several parts, or some of their
/// rows), and applied straight into the networks' `f32`: the same numbers
/// as [`Standardizer`] or [`MinMaxScaler`] fitted on those rows gathered
/// into a data set, and their `transform` then cast to `f32`, without
/// either `f64` copy.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FeatureMap {
    shift: Vec<f64>,
    divisor: Vec<f64>,
    low: f64,
}

impl FeatureMap {
    /// Fits `scaling` on `n` rows of `d` features (`rows` gives them, and may
    /// be called more than once); `None` for [`Scaling::None`].
    ///
    /// # Errors
    /// [`DataError::EmptyDataset`] naming `name` if `n == 0` (unless
    /// `scaling` is [`Scaling::None`]).
    pub(crate) fn fit<'a, I>(
        scaling: Scaling,
        rows: impl Fn() -> I,
        n: usize,
        d: usize,
        name: &str,
    ) -> Result<Option<Self>>
    where
        I: Iterator<Item = &'a [f64]>,
    {
        if scaling == Scaling::None {
            return Ok(None);
        }
        if n == 0 {
            return Err(DataError::EmptyDataset {
                name: name.to_owned(),
            }
            .into());
        }
        Ok(Some(match scaling {
            Scaling::None => unreachable!("returned above"),
            Scaling::Standardize => {
                let (mean, sd) = standardize_stats(rows, n, d);
                Self {
                    shift: mean,
                    divisor: sd,
                    low: 0.0,
                }
            }
            Scaling::MinMax => {
                let (min, max) = column_ranges(rows(), d);
                let step = min
                    .iter()
                    .zip(&max)
                    .map(|(l, h)| if l == h { 1.0 } else { h - l })
                    .collect();
                Self {
                    shift: min,
                    divisor: step,
                    low: 0.0,
                }
            }
        }))
    }

    /// `rows` (of `map`'s features) mapped by `map` (as they are for
    /// `None`), row-major in `f32`, with room reserved for `n` rows.
    ///
    /// # Errors
    /// [`DataError::FeatureMismatch`] for a row of another length,
    /// [`DataError::ScaledOutOfRange`] for a result beyond
    /// [`MAX_VALUE`](super::MAX_VALUE) (row counted within `rows`).
    pub(crate) fn apply_f32<'a>(
        map: Option<&Self>,
        rows: impl Iterator<Item = &'a [f64]>,
        n: usize,
        d: usize,
    ) -> Result<Vec<f32>> {
        let mut out = Vec::with_capacity(n * d);
        for (i, row) in rows.enumerate() {
            let expected = map.map_or(d, |m| m.shift.len());
            if row.len() != expected {
                return Err(DataError::FeatureMismatch {
                    expected,
                    found: row.len(),
                }
                .into());
            }
            match map {
                // Valid values: within the f32 range already.
                #[allow(clippy::cast_possible_truncation)]
                None => out.extend(row.iter().map(|&x| x as f32)),
                Some(m) => {
                    for (j, ((&x, s), q)) in row.iter().zip(&m.shift).zip(&m.divisor).enumerate() {
                        let z = m.low + (x - s) / q;
                        if !super::is_valid_value(z) {
                            return Err(DataError::ScaledOutOfRange {
                                row: i,
                                column: Some(j),
                                value: z,
                            }
                            .into());
                        }
                        #[allow(clippy::cast_possible_truncation)]
                        out.push(z as f32);
                    }
                }
            }
        }
        Ok(out)
    }
}

/// `low + (x - shift) / divisor` per feature.
fn apply(data: &Dataset, shift: &[f64], divisor: &[f64], low: f64) -> Result<Dataset> {
    if data.n_features() != shift.len() {
        return Err(DataError::FeatureMismatch {
            expected: shift.len(),
            found: data.n_features(),
        }
        .into());
    }
    let mut features = data.features().to_vec();
    for row in features.chunks_exact_mut(shift.len().max(1)) {
        for ((x, s), q) in row.iter_mut().zip(shift).zip(divisor) {
            *x = low + (*x - s) / q;
        }
    }
    if let Some(pos) = features.iter().position(|&x| !super::is_valid_value(x)) {
        let d = shift.len().max(1);
        return Err(DataError::ScaledOutOfRange {
            row: pos / d,
            column: Some(pos % d),
            value: features[pos],
        }
        .into());
    }
    Ok(data.with_features_unchecked(features))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Target;
    use approx::assert_relative_eq;

    fn data(features: Vec<f64>, d: usize) -> Dataset {
        let n = features.len() / d;
        Dataset::new("t", features, d, Target::Real(vec![0.0; n])).unwrap()
    }

    #[test]
    fn standardizer_known_values() {
        // Column 0: 1, 2, 3, 6 -> mean 3, population sd sqrt(14/4).
        let d = data(vec![1.0, 5.0, 2.0, 5.0, 3.0, 5.0, 6.0, 5.0], 2);
        let s = Standardizer::fit(&d).unwrap();
        assert_eq!(s.mean(), &[3.0, 5.0]);
        // √(14/4) from four exact squares: an ulp or two, here and below.
        assert_relative_eq!(s.sd()[0], 3.5_f64.sqrt(), max_relative = 1e-15);
        // Constant column: sd 1, values become 0, no NaN.
        assert_eq!(s.sd()[1], 1.0);
        let t = s.transform(&d).unwrap();
        assert_relative_eq!(t.row(3)[0], 3.0 / 3.5_f64.sqrt(), max_relative = 1e-15);
        assert_eq!(t.row(3)[1], 0.0);
    }

    #[test]
    fn min_max_known_values_and_constant_column() {
        let d = data(vec![2.0, 7.0, 4.0, 7.0, 10.0, 7.0], 2);
        let s = MinMaxScaler::fit_range(&d, -1.0, 1.0).unwrap();
        let t = s.transform(&d).unwrap();
        assert_eq!(t.features(), &[-1.0, -1.0, -0.5, -1.0, 1.0, -1.0]);
        let other = data(vec![18.0, 9.0], 2);
        assert_eq!(s.transform(&other).unwrap().features(), &[3.0, 1.0]);
    }

    #[test]
    fn feature_map_gives_the_scalers_numbers_in_f32() {
        let a = data(vec![1.0, 5.0, 2.0, 5.5, 3.0, 5.0], 2);
        let b = data(vec![6.0, 4.0, -1.0, 5.0], 2);
        let all = data(vec![1.0, 5.0, 2.0, 5.5, 3.0, 5.0, 6.0, 4.0, -1.0, 5.0], 2);
        let rows = || a.rows().chain(b.rows());
        let to_f32 = |d: &Dataset| d.features().iter().map(|&x| x as f32).collect::<Vec<_>>();
        let s = FeatureMap::fit(Scaling::Standardize, rows, 5, 2, "t").unwrap();
        let expected = to_f32(&Standardizer::fit(&all).unwrap().transform(&b).unwrap());
        assert_eq!(
            FeatureMap::apply_f32(s.as_ref(), b.rows(), 2, 2).unwrap(),
            expected
        );
        let m = FeatureMap::fit(Scaling::MinMax, rows, 5, 2, "t").unwrap();
        let expected = to_f32(&MinMaxScaler::fit(&all).unwrap().transform(&a).unwrap());
        assert_eq!(
            FeatureMap::apply_f32(m.as_ref(), a.rows(), 3, 2).unwrap(),
            expected
        );
        assert_eq!(
            FeatureMap::fit(Scaling::None, rows, 5, 2, "t").unwrap(),
            None
        );
        assert_eq!(
            FeatureMap::apply_f32(None, b.rows(), 2, 2).unwrap(),
            to_f32(&b)
        );
        assert!(matches!(
            FeatureMap::fit(Scaling::MinMax, || a.rows().take(0), 0, 2, "t"),
            Err(crate::Error::Data(DataError::EmptyDataset { .. }))
        ));
        // Scaled beyond f32 (column 1's sd is below 1): row 1 of the part,
        // column 1.
        let huge = data(vec![0.0, 0.0, 0.0, 3e38], 2);
        assert!(matches!(
            FeatureMap::apply_f32(s.as_ref(), huge.rows(), 2, 2),
            Err(crate::Error::Data(DataError::ScaledOutOfRange {
                row: 1,
                column: Some(1),
                ..
            }))
        ));
    }

    #[test]
    fn errors() {
        let d = data(vec![1.0, 2.0], 2);
        let s = Standardizer::fit(&d).unwrap();
        assert!(matches!(
            s.transform(&data(vec![1.0, 2.0, 3.0], 3)),
            Err(crate::Error::Data(DataError::FeatureMismatch {
                expected: 2,
                found: 3
            }))
        ));
        let empty = d.subset(&[]).unwrap();
        assert!(matches!(
            Standardizer::fit(&empty),
            Err(crate::Error::Data(DataError::EmptyDataset { .. }))
        ));
        assert!(matches!(
            MinMaxScaler::fit_range(&d, 1.0, 1.0),
            Err(crate::Error::Config(ConfigError::Invalid {
                name: "range",
                ..
            }))
        ));
    }
}
