//! Benchmark objectives with known minima, for testing and comparing
//! samplers.
//!
//! [`Function`] names the classic continuous test functions (Branin,
//! Hartmann 6-D, Ackley, Rosenbrock, the sphere and the axis-parallel
//! ellipsoid in any dimension), each with its box
//! and its known minimum and minimisers; the formulas follow their papers
//! (in the crate-private `functions` module). The simple
//! regret of a run is `best found − minimum`. [`MixedFunction`] is a
//! mixed-type problem (log float, log integer, integer, categorical) shaped
//! like a network-tuning task, with a known minimum; [`DivergenceCliff`] is
//! the same problem whose "training" diverges (NaN) for learning rates just
//! past the best one. [`Noisy`] observes a [`Function`] with Gaussian
//! noise, scored by the noise-free value of the configuration reported best.
//!
//! Every benchmark has a [`SearchSpace`] (parameters `x0`, `x1`, … for the
//! continuous ones) and is evaluated on [`Params`] as a sampler proposes them.

mod cliff;
pub(crate) mod functions;
mod mixed;
mod noisy;

pub use cliff::DivergenceCliff;
pub use mixed::MixedFunction;
pub use noisy::Noisy;

use crate::Result;
use crate::error::ConfigError;
use crate::space::{Params, Scale, SearchSpace};

/// A continuous test function with a known minimum (a closed set).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    /// Branin–Hoo, 2-D, three global minimisers (`branin` in `functions`).
    Branin,
    /// Hartmann 6-D (`hartmann6` in `functions`).
    Hartmann6,
    /// Ackley in `dim ≥ 1` dimensions (`ackley` in `functions`).
    Ackley {
        /// Number of dimensions.
        dim: usize,
    },
    /// Rosenbrock in `dim ≥ 2` dimensions (`rosenbrock` in `functions`).
    Rosenbrock {
        /// Number of dimensions.
        dim: usize,
    },
    /// The sphere `Σ xᵢ²` in `dim ≥ 1` dimensions (`sphere` in `functions`):
    /// smooth and unimodal, a test of late-budget precision.
    Sphere {
        /// Number of dimensions.
        dim: usize,
    },
    /// The axis-parallel hyper-ellipsoid `Σ i xᵢ²` in `dim ≥ 1` dimensions
    /// (`ellipsoid` in `functions`): the sphere with unequal curvatures.
    Ellipsoid {
        /// Number of dimensions.
        dim: usize,
    },
    /// Styblinski–Tang in `dim ≥ 1` dimensions (`styblinski_tang` in
    /// `functions`): two basins per coordinate, the wrong one 14.14 higher.
    StyblinskiTang {
        /// Number of dimensions.
        dim: usize,
    },
}

impl Function {
    /// A short name such as `"ackley5"`.
    #[must_use]
    pub fn name(&self) -> String {
        match self {
            Self::Branin => "branin".to_owned(),
            Self::Hartmann6 => "hartmann6".to_owned(),
            Self::Ackley { dim } => format!("ackley{dim}"),
            Self::Rosenbrock { dim } => format!("rosenbrock{dim}"),
            Self::Sphere { dim } => format!("sphere{dim}"),
            Self::Ellipsoid { dim } => format!("ellipsoid{dim}"),
            Self::StyblinskiTang { dim } => format!("styblinski_tang{dim}"),
        }
    }

    /// The number of coordinates.
    #[must_use]
    pub fn dim(&self) -> usize {
        match *self {
            Self::Branin => 2,
            Self::Hartmann6 => 6,
            Self::Ackley { dim }
            | Self::Rosenbrock { dim }
            | Self::Sphere { dim }
            | Self::Ellipsoid { dim } => dim,
            Self::StyblinskiTang { dim } => dim,
        }
    }

    /// Checks the dimension: Ackley, the sphere and the ellipsoid need at
    /// least 1, Rosenbrock at least 2.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] for a dimension below that.
    pub fn check(&self) -> Result<()> {
        let (ok, least) = match *self {
            Self::Branin | Self::Hartmann6 => (true, 0),
            Self::Ackley { dim } | Self::Sphere { dim } | Self::Ellipsoid { dim } => (dim >= 1, 1),
            Self::Rosenbrock { dim } => (dim >= 2, 2),
            Self::StyblinskiTang { dim } => (dim >= 1, 1),
        };
        if ok {
            Ok(())
        } else {
            Err(ConfigError::Invalid {
                name: "dim",
                reason: format!("{} needs at least {least} dimensions", self.name()),
            }
            .into())
        }
    }

    /// The search box, one `(low, high)` per coordinate.
    #[must_use]
    pub fn bounds(&self) -> Vec<(f64, f64)> {
        match *self {
            Self::Branin => vec![(-5.0, 10.0), (0.0, 15.0)],
            Self::Hartmann6 => vec![(0.0, 1.0); 6],
            Self::Ackley { dim } => vec![(-32.768, 32.768); dim],
            Self::Rosenbrock { dim } => vec![(-5.0, 10.0); dim],
            Self::Sphere { dim } | Self::Ellipsoid { dim } => vec![(-5.12, 5.12); dim],
            Self::StyblinskiTang { dim } => vec![(-5.0, 5.0); dim],
        }
    }

    /// The global minimum value.
    #[must_use]
    pub fn minimum(&self) -> f64 {
        match self {
            Self::Branin => functions::BRANIN_MINIMUM,
            Self::Hartmann6 => functions::HARTMANN6_MINIMUM,
            Self::Ackley { .. }
            | Self::Rosenbrock { .. }
            | Self::Sphere { .. }
            | Self::Ellipsoid { .. } => 0.0,
            Self::StyblinskiTang { dim } => {
                functions::STYBLINSKI_TANG_MINIMUM_PER_DIM * *dim as f64
            }
        }
    }

    /// The known global minimisers.
    #[must_use]
    pub fn minimisers(&self) -> Vec<Vec<f64>> {
        use std::f64::consts::PI;
        match *self {
            Self::Branin => vec![vec![-PI, 12.275], vec![PI, 2.275], vec![3.0 * PI, 2.475]],
            Self::Hartmann6 => vec![functions::HARTMANN6_ARGMIN.to_vec()],
            Self::Ackley { dim } | Self::Sphere { dim } | Self::Ellipsoid { dim } => {
                vec![vec![0.0; dim]]
            }
            Self::Rosenbrock { dim } => vec![vec![1.0; dim]],
            Self::StyblinskiTang { dim } => vec![vec![functions::STYBLINSKI_TANG_ARGMIN; dim]],
        }
    }

    /// The search space: linear floats `x0`, `x1`, … over [`Self::bounds`].
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] for an invalid dimension ([`Self::check`]).
    pub fn space(&self) -> Result<SearchSpace> {
        self.check()?;
        let mut b = SearchSpace::builder();
        for (i, (lo, hi)) in self.bounds().into_iter().enumerate() {
            b = b.float(format!("x{i}"), lo..=hi, Scale::Linear);
        }
        Ok(b.build()?)
    }

    /// The value at a configuration of [`Self::space`].
    ///
    /// # Errors
    /// A [`crate::space::SpaceError`] if a coordinate `x{i}` is missing or not
    /// a number, or as [`Self::value`].
    pub fn value_at(&self, params: &Params) -> Result<f64> {
        let x = (0..self.dim())
            .map(|i| params.float(&format!("x{i}")))
            .collect::<Result<Vec<f64>, _>>()?;
        self.value(&x)
    }

    /// The value at `x` (coordinates in the original box; points outside it
    /// are evaluated too).
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] if `x` does not have [`Self::dim`]
    /// coordinates or the dimension itself is invalid ([`Self::check`]).
    pub fn value(&self, x: &[f64]) -> Result<f64> {
        self.check()?;
        if x.len() != self.dim() {
            return Err(ConfigError::Invalid {
                name: "x",
                reason: format!(
                    "{} takes {} coordinates, got {}",
                    self.name(),
                    self.dim(),
                    x.len()
                ),
            }
            .into());
        }
        Ok(match self {
            Self::Branin => functions::branin([x[0], x[1]]),
            Self::Hartmann6 => functions::hartmann6([x[0], x[1], x[2], x[3], x[4], x[5]]),
            Self::Ackley { .. } => functions::ackley(x),
            Self::Rosenbrock { .. } => functions::rosenbrock(x),
            Self::Sphere { .. } => functions::sphere(x),
            Self::Ellipsoid { .. } => functions::ellipsoid(x),
            Self::StyblinskiTang { .. } => functions::styblinski_tang(x),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;
    use approx::assert_abs_diff_eq;

    const ALL: [Function; 7] = [
        Function::Branin,
        Function::Hartmann6,
        Function::Ackley { dim: 5 },
        Function::Rosenbrock { dim: 3 },
        Function::Sphere { dim: 5 },
        Function::Ellipsoid { dim: 5 },
        Function::StyblinskiTang { dim: 4 },
    ];

    #[test]
    fn value_at_every_minimiser_is_the_minimum() {
        for f in ALL {
            for x in f.minimisers() {
                assert_eq!(x.len(), f.dim());
                // Branin's minimisers are exact up to rounding of π.
                assert_abs_diff_eq!(f.value(&x).unwrap(), f.minimum(), epsilon = 1e-13);
                for (v, (lo, hi)) in x.iter().zip(f.bounds()) {
                    assert!(
                        (lo..=hi).contains(v),
                        "{} minimiser outside its box",
                        f.name()
                    );
                }
            }
        }
    }

    #[test]
    fn space_and_params_evaluation_agree_with_plain_coordinates() {
        for f in ALL {
            let space = f.space().unwrap();
            assert_eq!(space.dim(), f.dim());
            let x = &f.minimisers()[0];
            let p = space
                .decode(
                    &space
                        .encode(&(0..f.dim()).map(|i| (format!("x{i}"), x[i])).collect())
                        .unwrap(),
                )
                .unwrap();
            // Encoding and decoding round-trip to within a few ulps of the box width.
            assert_abs_diff_eq!(f.value_at(&p).unwrap(), f.minimum(), epsilon = 1e-9);
        }
    }

    #[test]
    fn sphere_and_ellipsoid_through_their_spaces() {
        let (s, e) = (Function::Sphere { dim: 5 }, Function::Ellipsoid { dim: 5 });
        assert_eq!(
            (s.name().as_str(), e.name().as_str()),
            ("sphere5", "ellipsoid5")
        );
        let space = s.space().unwrap();
        // The box corner (5.12, …, 5.12): 5 · 5.12² and (1 + … + 5) · 5.12².
        let corner = space.decode(&[1.0; 5]).unwrap();
        let sq = 5.12_f64 * 5.12;
        // Decoding the unit cube's corner is exact on a linear scale.
        assert_abs_diff_eq!(s.value_at(&corner).unwrap(), 5.0 * sq, epsilon = 1e-12);
        assert_abs_diff_eq!(e.value_at(&corner).unwrap(), 15.0 * sq, epsilon = 1e-12);
    }

    #[test]
    fn wrong_dimension_is_an_error() {
        assert!(matches!(
            Function::Branin.value(&[1.0, 2.0, 3.0]),
            Err(Error::Config(ConfigError::Invalid { name: "x", .. }))
        ));
        assert!(matches!(
            Function::Rosenbrock { dim: 1 }.value(&[1.0]),
            Err(Error::Config(ConfigError::Invalid { name: "dim", .. }))
        ));
        for f in [
            Function::Ackley { dim: 0 },
            Function::Sphere { dim: 0 },
            Function::Ellipsoid { dim: 0 },
        ] {
            assert!(matches!(
                f.check(),
                Err(Error::Config(ConfigError::Invalid { name: "dim", .. }))
            ));
        }
        assert!(matches!(
            Function::Sphere { dim: 5 }.value(&[0.0; 4]),
            Err(Error::Config(ConfigError::Invalid { name: "x", .. }))
        ));
    }
}
