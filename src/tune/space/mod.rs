//! The hyperparameters `autotune()` searches or holds fixed.
//!
//! A [`TuneSpace`] states each hyperparameter in the crate's one search-space
//! vocabulary: a numeric one is a [`Domain`] (a range to search, or
//! [`Domain::Fixed`] to hold), a choice is a list of typed values (one value
//! is held, several are searched as a categorical), each value named by its
//! [`Label`]. [`TuneSpace::check`] validates it all once and returns the
//! [`SearchSpace`]; [`TuneSpace::train_config`] turns a configuration of that
//! space back into a [`TrainConfig`](crate::nn::TrainConfig).
//!
//! ```
//! use autotune::nn::Schedule;
//! use autotune::space::{Domain, Scale};
//! use autotune::tune::{TuneSpace, names};
//! let space = TuneSpace::default()
//!     .hidden([vec![64], vec![128, 64]])
//!     .dropout(Domain::float(0.0, 0.5, Scale::Linear))
//!     .schedule([Schedule::Cosine { steps: 60, floor: 0.01 }])
//!     .epochs(Domain::fixed(30));
//! let checked = space.check()?;
//! assert_eq!(
//!     checked.param(names::SCHEDULE).unwrap().domain,
//!     Domain::fixed("cosine(steps=60,floor=0.01)")
//! );
//! # Ok::<(), autotune::Error>(())
//! ```

mod convert;
mod labels;
pub mod names;
mod numeric;
#[cfg(test)]
mod tests;

pub use labels::Label;

use crate::Result;
use crate::error::ConfigError;
use crate::nn::{Activation, Init, MAX_EPOCHS, Optimizer, Schedule};
use crate::space::{Domain, Param, Scale, SearchSpace, Value};
use labels::unique_labels;
use names::{
    ACTIVATION, BATCH_SIZE, DROPOUT, EPOCHS, HIDDEN, INIT, LEARNING_RATE, OPTIMIZER,
    REGULARIZATION, SCHEDULE,
};
use numeric::Numeric;
use serde::{Deserialize, Serialize};

/// Which weight penalty the `regularization` strength λ scales.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Penalty {
    /// No penalty (the strength is not searched).
    None,
    /// `λ Σ |w|`.
    L1,
    /// `(λ/2) Σ w²`. The default.
    #[default]
    L2,
    /// `λ (ρ Σ |w| + (1-ρ)/2 Σ w²)` with the L1 share `ρ = l1_ratio`.
    ElasticNet {
        /// The L1 share ρ in `[0, 1]`.
        l1_ratio: f64,
    },
}

/// The space `autotune()` searches. Parameter names in configurations are
/// those of [`names`]: `learning_rate`, `batch_size`, `init`,
/// `regularization` (absent with [`Penalty::None`]), `optimizer`,
/// `activation`, `schedule`, `hidden`, `dropout`, `epochs`, in that order.
///
/// Numeric hyperparameters are [`Domain`]s: `learning_rate`,
/// `regularization` and `dropout` take a [`Domain::Float`] range or a fixed
/// float (`Domain::fixed(0.0)`), `batch_size` and `epochs` a [`Domain::Int`]
/// range or a fixed integer (`Domain::fixed(30)`). Choices are lists of
/// values: one value is held fixed, several are searched as a categorical
/// whose choices are the values' [`Label`]s.
///
/// By default, searched: learning rate log-uniform in `1e-4..=1e-1`, batch
/// size log-uniform in `8..=256` (capped at the number of training rows),
/// initialiser among all five of [`Init::ALL`], L2 strength log-uniform in
/// `1e-6..=1e-1`; fixed: Adam, ReLU, constant schedule, one hidden layer of
/// 64, no dropout, 50 epochs. Any of them can be fixed or freed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TuneSpace {
    /// The base learning rate: a float domain, `> 0`.
    pub learning_rate: Domain,
    /// Rows per update: an integer domain, `>= 1`.
    pub batch_size: Domain,
    /// The weight initialisers.
    pub init: Vec<Init>,
    /// Which penalty the strength scales.
    pub penalty: Penalty,
    /// The penalty strength λ: a float domain, `>= 0`.
    pub regularization: Domain,
    /// The optimisers.
    pub optimizer: Vec<Optimizer>,
    /// The hidden activations.
    pub activation: Vec<Activation>,
    /// The learning-rate schedules.
    pub schedule: Vec<Schedule>,
    /// The hidden-layer widths (an empty list of widths: no hidden layer).
    pub hidden: Vec<Vec<usize>>,
    /// The dropout rate of hidden outputs: a float domain in `[0, 1)`.
    pub dropout: Domain,
    /// Training epochs: an integer domain, `1..=`[`MAX_EPOCHS`].
    pub epochs: Domain,
}

impl Default for TuneSpace {
    fn default() -> Self {
        Self {
            learning_rate: Domain::float(1e-4, 1e-1, Scale::Log),
            batch_size: Domain::int(8, 256, Scale::Log),
            init: Init::ALL.to_vec(),
            penalty: Penalty::L2,
            regularization: Domain::float(1e-6, 1e-1, Scale::Log),
            optimizer: vec![Optimizer::adam()],
            activation: vec![Activation::Relu],
            schedule: vec![Schedule::Constant],
            hidden: vec![vec![64]],
            dropout: Domain::fixed(0.0),
            epochs: Domain::fixed(50),
        }
    }
}

/// A `#[must_use]` setter of a choice taking any list of values.
macro_rules! choice_setter {
    ($(#[$doc:meta])* $name:ident: $ty:ty) => {
        $(#[$doc])*
        #[must_use]
        pub fn $name(mut self, values: impl IntoIterator<Item = $ty>) -> Self {
            self.$name = values.into_iter().collect();
            self
        }
    };
}

impl TuneSpace {
    setter!(/// Sets the learning rate's range or value.
        learning_rate: Domain);
    setter!(/// Sets the batch size's range or value.
        batch_size: Domain);
    choice_setter!(/// Sets the initialisers.
        init: Init);
    setter!(/// Sets the penalty.
        penalty: Penalty);
    setter!(/// Sets the penalty strength's range or value.
        regularization: Domain);
    choice_setter!(/// Sets the optimisers.
        optimizer: Optimizer);
    choice_setter!(/// Sets the activations.
        activation: Activation);
    choice_setter!(/// Sets the schedules.
        schedule: Schedule);
    choice_setter!(/// Sets the hidden-layer widths: `.hidden([vec![64], vec![128, 64]])`.
        hidden: Vec<usize>);
    setter!(/// Sets the dropout rate's range or value.
        dropout: Domain);
    setter!(/// Sets the epochs' range or value.
        epochs: Domain);

    /// The largest number of epochs a trial may run: the fixed value, or the
    /// top of the range; `None` if `epochs` is not an integer domain of
    /// non-negative values (which [`TuneSpace::check`] rejects).
    #[must_use]
    pub fn max_epochs(&self) -> Option<usize> {
        match self.epochs {
            Domain::Fixed {
                value: Value::Int(e),
            }
            | Domain::Int { high: e, .. } => usize::try_from(e).ok(),
            _ => None,
        }
    }

    /// Checks every setting and returns the search space (the batch size not
    /// yet capped; see [`TuneSpace::search_space`]).
    ///
    /// Caught here: a numeric domain of the wrong kind (a categorical
    /// learning rate, a float batch size, a non-integer number of epochs); a
    /// non-finite, empty or out-of-range range or fixed value (learning rate
    /// `> 0`, strength `>= 0`, dropout in `[0, 1)`, batch size and epochs
    /// `>= 1`, epochs at most [`MAX_EPOCHS`], a log scale above 0); an empty
    /// list of choices; two choices
    /// with the same label (a duplicate); a hidden layer of width 0; an
    /// elastic-net `l1_ratio` outside `[0, 1]`; optimiser, activation and
    /// schedule settings their own `check()` rejects.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming the hyperparameter (`penalty` for the
    /// `l1_ratio`); the [`NnError`](crate::error::NnError) of an invalid
    /// optimiser, activation or schedule.
    pub fn check(&self) -> Result<SearchSpace> {
        let invalid = |name: &'static str, reason: String| ConfigError::Invalid { name, reason };
        let real = |zero_ok, below| Numeric::Real { zero_ok, below };
        numeric::check(LEARNING_RATE, &self.learning_rate, real(false, None))?;
        numeric::check(BATCH_SIZE, &self.batch_size, Numeric::Count { max: None })?;
        numeric::check(REGULARIZATION, &self.regularization, real(true, None))?;
        numeric::check(DROPOUT, &self.dropout, real(true, Some(1.0)))?;
        let max_epochs = i64::try_from(MAX_EPOCHS).ok();
        numeric::check(EPOCHS, &self.epochs, Numeric::Count { max: max_epochs })?;
        if let Penalty::ElasticNet { l1_ratio } = self.penalty
            && !(0.0..=1.0).contains(&l1_ratio)
        {
            let reason = format!("l1_ratio {l1_ratio} is outside [0, 1]");
            return Err(invalid("penalty", reason).into());
        }
        let init = unique_labels(INIT, &self.init)?;
        let optimizer = unique_labels(OPTIMIZER, &self.optimizer)?;
        let activation = unique_labels(ACTIVATION, &self.activation)?;
        let schedule = unique_labels(SCHEDULE, &self.schedule)?;
        let hidden = unique_labels(HIDDEN, &self.hidden)?;
        for widths in &self.hidden {
            if let Some(layer) = widths.iter().position(|&w| w == 0) {
                let reason = format!("`{}`: hidden layer {layer} has width 0", widths.label());
                return Err(invalid(HIDDEN, reason).into());
            }
        }
        for o in &self.optimizer {
            o.check()?;
        }
        for a in &self.activation {
            a.check()?;
        }
        for s in &self.schedule {
            s.check()?;
        }

        let mut b = SearchSpace::builder()
            .param(LEARNING_RATE, self.learning_rate.clone())
            .param(BATCH_SIZE, self.batch_size.clone())
            .param(INIT, choice(init));
        if self.penalty != Penalty::None {
            b = b.param(REGULARIZATION, self.regularization.clone());
        }
        Ok(b.param(OPTIMIZER, choice(optimizer))
            .param(ACTIVATION, choice(activation))
            .param(SCHEDULE, choice(schedule))
            .param(HIDDEN, choice(hidden))
            .param(DROPOUT, self.dropout.clone())
            .param(EPOCHS, self.epochs.clone())
            .build()?)
    }

    /// The search space for a training part of `n_train` rows: that of
    /// [`TuneSpace::check`] with the batch size capped at `n_train` (a range
    /// reaching above it ends there, and becomes fixed at `n_train` if
    /// nothing else is left).
    ///
    /// # Errors
    /// As [`TuneSpace::check`].
    pub fn search_space(&self, n_train: usize) -> Result<SearchSpace> {
        let cap = i64::try_from(n_train.max(1)).unwrap_or(i64::MAX);
        let mut params: Vec<Param> = self.check()?.into();
        for p in &mut params {
            if p.name == BATCH_SIZE {
                p.domain = numeric::capped(&p.domain, cap);
            }
        }
        Ok(SearchSpace::try_from(params)?)
    }
}

/// A choice's domain: fixed at its one label, or categorical among several.
fn choice(mut labels: Vec<String>) -> Domain {
    if labels.len() == 1 {
        Domain::fixed(labels.remove(0))
    } else {
        Domain::Categorical { choices: labels }
    }
}
