//! Standardising a regression target ([`TargetStandardizer`]), fitted on the
//! training part only, with the inverse to report predictions in the
//! original units.

use super::Target;
use crate::Result;
use crate::error::DataError;

/// Standardisation of a regression target, `z = (y - mean) / sd` with the
/// mean and population standard deviation of the rows it was fitted on
/// (`sd = 1` if they are all equal). [`inverse`](Self::inverse) maps a
/// prediction back: `y = mean + sd z`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TargetStandardizer {
    mean: f64,
    sd: f64,
}

impl TargetStandardizer {
    /// Fits on a regression target (the training part's).
    ///
    /// # Errors
    /// [`DataError::NotRegression`] for class labels,
    /// [`DataError::TooFewSamples`] for an empty target.
    pub fn fit(target: &Target) -> Result<Self> {
        let y = values(target, "target standardisation")?;
        if y.is_empty() {
            return Err(DataError::TooFewSamples {
                operation: "target standardisation",
                needed: 1,
                n_samples: 0,
            }
            .into());
        }
        #[allow(clippy::cast_precision_loss)]
        let n = y.len() as f64;
        let mean = y.iter().sum::<f64>() / n;
        let var = y.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
        let constant = y.iter().all(|&v| v == y[0]);
        let sd = if constant { 1.0 } else { var.sqrt() };
        Ok(Self { mean, sd })
    }

    /// The fitted mean.
    #[must_use]
    pub fn mean(&self) -> f64 {
        self.mean
    }

    /// The fitted standard deviation (1 for a constant target).
    #[must_use]
    pub fn sd(&self) -> f64 {
        self.sd
    }

    /// The standardised target.
    ///
    /// # Errors
    /// [`DataError::NotRegression`] for class labels;
    /// [`DataError::ScaledOutOfRange`] for a value standardised beyond
    /// [`MAX_VALUE`](super::MAX_VALUE) (far outside the fitted rows).
    pub fn transform(&self, target: &Target) -> Result<Target> {
        let y = values(target, "target standardisation")?;
        let z: Vec<f64> = y.iter().map(|v| (v - self.mean) / self.sd).collect();
        if let Some(row) = z.iter().position(|&v| !super::is_valid_value(v)) {
            return Err(DataError::ScaledOutOfRange {
                row,
                column: None,
                value: z[row],
            }
            .into());
        }
        Ok(Target::Real(z))
    }

    /// A standardised value mapped back to the target's units.
    #[must_use]
    pub fn inverse(&self, z: f64) -> f64 {
        self.mean + self.sd * z
    }
}

fn values<'a>(target: &'a Target, operation: &'static str) -> Result<&'a [f64]> {
    target
        .values()
        .ok_or_else(|| DataError::NotRegression { operation }.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn standardises_and_inverts() {
        let t = Target::Real(vec![1.0, 2.0, 3.0, 6.0]);
        let s = TargetStandardizer::fit(&t).unwrap();
        assert_eq!(s.mean(), 3.0);
        // √(14/4) from four exact squares: an ulp or two, here and below.
        assert_relative_eq!(s.sd(), 3.5_f64.sqrt(), max_relative = 1e-15);
        let z = s.transform(&t).unwrap();
        for (zi, yi) in z.values().unwrap().iter().zip(t.values().unwrap()) {
            assert_relative_eq!(s.inverse(*zi), *yi, max_relative = 1e-15);
        }
    }

    #[test]
    fn constant_and_invalid_targets() {
        let s = TargetStandardizer::fit(&Target::Real(vec![4.0; 3])).unwrap();
        assert_eq!((s.mean(), s.sd()), (4.0, 1.0));
        let classes = Target::Classes {
            labels: vec![0],
            names: vec!["a".into()],
        };
        assert!(matches!(
            TargetStandardizer::fit(&classes),
            Err(crate::Error::Data(DataError::NotRegression { .. }))
        ));
        assert!(matches!(
            TargetStandardizer::fit(&Target::Real(vec![])),
            Err(crate::Error::Data(DataError::TooFewSamples { .. }))
        ));
        // sd 5e-31: a value of 1e9 elsewhere standardises to 2e39, beyond f32.
        let tiny = TargetStandardizer::fit(&Target::Real(vec![0.0, 1e-30])).unwrap();
        assert!(matches!(
            tiny.transform(&Target::Real(vec![0.5, 1e9])),
            Err(crate::Error::Data(DataError::ScaledOutOfRange {
                row: 1,
                column: None,
                ..
            }))
        ));
    }
}
