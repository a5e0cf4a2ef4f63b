//! The hyperparameters `autotune()` searches or holds fixed, and how a
//! configuration becomes a [`TrainConfig`].

use crate::Result;
use crate::error::{ConfigError, SpaceError};
use crate::nn::{Activation, BatchSize, Init, Optimizer, Regularizer, Schedule, TrainConfig};
use crate::space::{Params, Scale, SearchSpace, SearchSpaceBuilder};
use serde::{Deserialize, Serialize};

/// A real hyperparameter: held at a value, or searched over `low..=high`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FloatParam {
    /// Held at this value.
    Fixed(f64),
    /// Searched over `low..=high` on `scale`.
    Search {
        /// Lower bound.
        low: f64,
        /// Upper bound.
        high: f64,
        /// Linear or log.
        scale: Scale,
    },
}

impl FloatParam {
    /// Searched log-uniformly over `low..=high`.
    #[must_use]
    pub const fn log(low: f64, high: f64) -> Self {
        Self::Search {
            low,
            high,
            scale: Scale::Log,
        }
    }

    /// Searched uniformly over `low..=high`.
    #[must_use]
    pub const fn linear(low: f64, high: f64) -> Self {
        Self::Search {
            low,
            high,
            scale: Scale::Linear,
        }
    }

    fn add(self, b: SearchSpaceBuilder, name: &str) -> SearchSpaceBuilder {
        match self {
            Self::Fixed(v) => b.fixed(name, v),
            Self::Search { low, high, scale } => b.float(name, low..=high, scale),
        }
    }
}

/// An integer hyperparameter: held at a value, or searched over `low..=high`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntParam {
    /// Held at this value.
    Fixed(usize),
    /// Searched over `low..=high` on `scale`.
    Search {
        /// Lower bound.
        low: usize,
        /// Upper bound.
        high: usize,
        /// Linear or log.
        scale: Scale,
    },
}

impl IntParam {
    /// Searched log-uniformly over `low..=high`.
    #[must_use]
    pub const fn log(low: usize, high: usize) -> Self {
        Self::Search {
            low,
            high,
            scale: Scale::Log,
        }
    }

    /// Capped at `cap`: a range reaching above it ends at `cap` (and becomes
    /// fixed at `cap` if nothing else is left).
    fn capped(self, cap: usize) -> Self {
        match self {
            Self::Fixed(v) => Self::Fixed(v.min(cap)),
            Self::Search { low, high, scale } => {
                let high = high.min(cap);
                if low >= high {
                    Self::Fixed(high)
                } else {
                    Self::Search { low, high, scale }
                }
            }
        }
    }

    fn add(self, b: SearchSpaceBuilder, name: &str) -> SearchSpaceBuilder {
        let i = |v: usize| i64::try_from(v).unwrap_or(i64::MAX);
        match self {
            Self::Fixed(v) => b.fixed(name, i(v)),
            Self::Search { low, high, scale } => b.int(name, i(low)..=i(high), scale),
        }
    }
}

/// A hyperparameter with a closed set of values: held at one, or chosen among several.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChoiceParam<T> {
    /// Held at this value.
    Fixed(T),
    /// Chosen among these values (searched as a categorical parameter).
    Among(Vec<T>),
}

impl<T: Label> ChoiceParam<T> {
    fn values(&self) -> &[T] {
        match self {
            Self::Fixed(v) => std::slice::from_ref(v),
            Self::Among(vs) => vs,
        }
    }

    /// The label of each value, unique (falling back to `Debug` if short names collide).
    fn labels(&self) -> Vec<String> {
        let short: Vec<String> = self.values().iter().map(Label::label).collect();
        let mut sorted = short.clone();
        sorted.sort();
        sorted.dedup();
        if sorted.len() == short.len() {
            short
        } else {
            self.values().iter().map(|v| format!("{v:?}")).collect()
        }
    }

    fn add(&self, b: SearchSpaceBuilder, name: &str) -> SearchSpaceBuilder {
        let labels = self.labels();
        match labels.as_slice() {
            [one] => b.fixed(name, one.as_str()),
            _ => b.categorical(name, labels),
        }
    }

    /// The value whose label `params` holds for `name`.
    fn pick(&self, params: &Params, name: &str) -> Result<T, SpaceError> {
        let label = params.categorical(name)?;
        self.labels()
            .iter()
            .position(|l| l == label)
            .map(|i| self.values()[i].clone())
            .ok_or_else(|| SpaceError::OutOfDomain {
                name: name.to_owned(),
                value: label.to_owned(),
            })
    }

    fn check(&self, name: &'static str) -> Result<(), ConfigError> {
        if self.values().is_empty() {
            return Err(ConfigError::Invalid {
                name,
                reason: "needs at least one value".into(),
            });
        }
        Ok(())
    }
}

/// A short readable name for a value of a choice.
pub trait Label: Clone + std::fmt::Debug {
    /// The name shown in configurations and reports.
    fn label(&self) -> String;
}

impl Label for Init {
    fn label(&self) -> String {
        self.name().to_owned()
    }
}

impl Label for Activation {
    fn label(&self) -> String {
        self.to_string()
    }
}

impl Label for Optimizer {
    fn label(&self) -> String {
        self.name().to_owned()
    }
}

impl Label for Schedule {
    fn label(&self) -> String {
        format!("{self:?}")
    }
}

/// Hidden-layer widths: `"64-32"`, or `"none"` for a linear model.
impl Label for Vec<usize> {
    fn label(&self) -> String {
        if self.is_empty() {
            "none".to_owned()
        } else {
            self.iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join("-")
        }
    }
}

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

impl Penalty {
    fn regularizer(self, lambda: f64) -> Regularizer {
        match self {
            Self::None => Regularizer::None,
            Self::L1 => Regularizer::L1 { lambda },
            Self::L2 => Regularizer::L2 { lambda },
            Self::ElasticNet { l1_ratio } => Regularizer::ElasticNet { lambda, l1_ratio },
        }
    }
}

/// Checks a float setting: finite, `> 0` (or `>= 0` if `zero_ok`), below
/// `max` if given, a non-empty range, positive on a log scale.
fn check_float(
    name: &'static str,
    p: FloatParam,
    zero_ok: bool,
    max: Option<f64>,
) -> Result<(), ConfigError> {
    let invalid = |reason: String| ConfigError::Invalid { name, reason };
    let (low, high) = match p {
        FloatParam::Fixed(v) => (v, v),
        FloatParam::Search { low, high, .. } => (low, high),
    };
    if !(low.is_finite() && high.is_finite()) {
        return Err(invalid(format!("{low}..={high} is not finite")));
    }
    if low < 0.0 || (low == 0.0 && !zero_ok) {
        let bound = if zero_ok { ">= 0" } else { "> 0" };
        return Err(invalid(format!("must be {bound}, got {low}")));
    }
    if let Some(max) = max
        && high >= max
    {
        return Err(invalid(format!("must be below {max}, got {high}")));
    }
    if let FloatParam::Search { scale, .. } = p {
        if low >= high {
            return Err(invalid(format!("empty range {low}..={high}")));
        }
        if scale == Scale::Log && low <= 0.0 {
            return Err(invalid(format!("a log scale needs low > 0, got {low}")));
        }
    }
    Ok(())
}

/// The space `autotune()` searches. Parameter names in configurations:
/// `learning_rate`, `batch_size`, `init`, `regularization` (absent with
/// [`Penalty::None`]), `optimizer`, `activation`, `schedule`, `hidden`,
/// `dropout`, `epochs`.
///
/// By default, searched: learning rate log-uniform in `1e-4..=1e-1`, batch
/// size log-uniform in `8..=256` (capped at the number of training rows),
/// initialiser among all five of [`Init::ALL`], L2 strength log-uniform in
/// `1e-6..=1e-1`; fixed: Adam, ReLU, constant schedule, one hidden layer of
/// 64, no dropout, 50 epochs. Any of them can be fixed or freed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TuneSpace {
    /// The base learning rate.
    pub learning_rate: FloatParam,
    /// Rows per update.
    pub batch_size: IntParam,
    /// The weight initialiser.
    pub init: ChoiceParam<Init>,
    /// Which penalty the strength scales.
    pub penalty: Penalty,
    /// The penalty strength λ.
    pub regularization: FloatParam,
    /// The optimiser.
    pub optimizer: ChoiceParam<Optimizer>,
    /// The hidden activation.
    pub activation: ChoiceParam<Activation>,
    /// The learning-rate schedule.
    pub schedule: ChoiceParam<Schedule>,
    /// The hidden-layer widths.
    pub hidden: ChoiceParam<Vec<usize>>,
    /// The dropout rate of hidden outputs, in `[0, 1)`.
    pub dropout: FloatParam,
    /// Training epochs.
    pub epochs: IntParam,
}

impl Default for TuneSpace {
    fn default() -> Self {
        Self {
            learning_rate: FloatParam::log(1e-4, 1e-1),
            batch_size: IntParam::log(8, 256),
            init: ChoiceParam::Among(Init::ALL.to_vec()),
            penalty: Penalty::L2,
            regularization: FloatParam::log(1e-6, 1e-1),
            optimizer: ChoiceParam::Fixed(Optimizer::adam()),
            activation: ChoiceParam::Fixed(Activation::Relu),
            schedule: ChoiceParam::Fixed(Schedule::Constant),
            hidden: ChoiceParam::Fixed(vec![64]),
            dropout: FloatParam::Fixed(0.0),
            epochs: IntParam::Fixed(50),
        }
    }
}

impl TuneSpace {
    setter!(/// Sets the learning rate's range or value.
        learning_rate: FloatParam);
    setter!(/// Sets the batch size's range or value.
        batch_size: IntParam);
    setter!(/// Sets the initialisers.
        init: ChoiceParam<Init>);
    setter!(/// Sets the penalty.
        penalty: Penalty);
    setter!(/// Sets the penalty strength's range or value.
        regularization: FloatParam);
    setter!(/// Sets the optimisers.
        optimizer: ChoiceParam<Optimizer>);
    setter!(/// Sets the activations.
        activation: ChoiceParam<Activation>);
    setter!(/// Sets the schedules.
        schedule: ChoiceParam<Schedule>);
    setter!(/// Sets the hidden-layer widths.
        hidden: ChoiceParam<Vec<usize>>);
    setter!(/// Sets the dropout rate's range or value.
        dropout: FloatParam);
    setter!(/// Sets the epochs' range or value.
        epochs: IntParam);

    /// The largest number of epochs a trial may run.
    #[must_use]
    pub fn max_epochs(&self) -> usize {
        match self.epochs {
            IntParam::Fixed(e) => e,
            IntParam::Search { high, .. } => high,
        }
    }

    /// Checks every setting: ranges non-empty and finite, positive where
    /// needed, choices non-empty, and each fixed value or choice valid for training.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming the setting.
    pub fn check(&self) -> Result<()> {
        let invalid = |name: &'static str, reason: String| ConfigError::Invalid { name, reason };
        self.init.check("init")?;
        self.optimizer.check("optimizer")?;
        self.activation.check("activation")?;
        self.schedule.check("schedule")?;
        self.hidden.check("hidden")?;
        check_float("learning_rate", self.learning_rate, false, None)?;
        check_float("regularization", self.regularization, true, None)?;
        check_float("dropout", self.dropout, true, Some(1.0))?;
        for (name, p) in [("batch_size", self.batch_size), ("epochs", self.epochs)] {
            match p {
                IntParam::Fixed(0) => return Err(invalid(name, "must be at least 1".into()).into()),
                IntParam::Search { low, high, .. } if low == 0 || low >= high => {
                    return Err(invalid(
                        name,
                        format!("needs 1 <= low < high, got {low}..={high}"),
                    )
                    .into());
                }
                _ => {}
            }
        }
        if let Penalty::ElasticNet { l1_ratio } = self.penalty
            && !(0.0..=1.0).contains(&l1_ratio)
        {
            return Err(
                invalid("penalty", format!("l1_ratio {l1_ratio} is outside [0, 1]")).into(),
            );
        }
        for o in self.optimizer.values() {
            o.check()?;
        }
        for a in self.activation.values() {
            a.check()?;
        }
        for s in self.schedule.values() {
            s.check()?;
        }
        Ok(())
    }

    /// The search space for a training part of `n_train` rows (the batch size
    /// is capped at `n_train`).
    ///
    /// # Errors
    /// A [`SpaceError`] if a range is invalid (call [`TuneSpace::check`] first
    /// for clearer messages).
    pub fn search_space(&self, n_train: usize) -> Result<SearchSpace> {
        let mut b = SearchSpace::builder();
        b = self.learning_rate.add(b, "learning_rate");
        b = self.batch_size.capped(n_train.max(1)).add(b, "batch_size");
        b = self.init.add(b, "init");
        if self.penalty != Penalty::None {
            b = self.regularization.add(b, "regularization");
        }
        b = self.optimizer.add(b, "optimizer");
        b = self.activation.add(b, "activation");
        b = self.schedule.add(b, "schedule");
        b = self.hidden.add(b, "hidden");
        b = self.dropout.add(b, "dropout");
        b = self.epochs.add(b, "epochs");
        Ok(b.build()?)
    }

    /// The training configuration of `params` (a configuration of
    /// [`TuneSpace::search_space`]), with `seed`.
    ///
    /// # Errors
    /// A [`SpaceError`] if `params` lacks a parameter or holds an unknown choice.
    pub fn train_config(&self, params: &Params, seed: u64) -> Result<TrainConfig, SpaceError> {
        let count = |name: &str| -> Result<usize, SpaceError> {
            let v = params.int(name)?;
            usize::try_from(v).map_err(|_| SpaceError::OutOfDomain {
                name: name.to_owned(),
                value: v.to_string(),
            })
        };
        let lambda = match self.penalty {
            Penalty::None => 0.0,
            _ => params.float("regularization")?,
        };
        Ok(TrainConfig::default()
            .learning_rate(params.float("learning_rate")?)
            .batch_size(BatchSize::Fixed(count("batch_size")?))
            .init(self.init.pick(params, "init")?)
            .regularizer(self.penalty.regularizer(lambda))
            .optimizer(self.optimizer.pick(params, "optimizer")?)
            .activation(self.activation.pick(params, "activation")?)
            .schedule(self.schedule.pick(params, "schedule")?)
            .hidden(self.hidden.pick(params, "hidden")?)
            .dropout(params.float("dropout")?)
            .epochs(count("epochs")?)
            .seed(seed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::rng::rng_from_seed;
    use crate::space::{Domain, Value};

    #[test]
    fn default_space_searches_four_parameters() {
        let space = TuneSpace::default().search_space(1000).unwrap();
        let free: Vec<&str> = space
            .params()
            .iter()
            .filter(|p| p.domain.is_free())
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(
            free,
            ["learning_rate", "batch_size", "init", "regularization"]
        );
        assert_eq!(
            space.param("batch_size").unwrap().domain,
            Domain::Int {
                low: 8,
                high: 256,
                scale: Scale::Log
            }
        );
        assert_eq!(
            space.param("hidden").unwrap().domain,
            Domain::Fixed {
                value: Value::Str("64".into())
            }
        );
    }

    #[test]
    fn batch_size_is_capped_by_the_training_rows() {
        let b = |n| {
            TuneSpace::default()
                .search_space(n)
                .unwrap()
                .param("batch_size")
                .unwrap()
                .domain
                .clone()
        };
        assert_eq!(
            b(90),
            Domain::Int {
                low: 8,
                high: 90,
                scale: Scale::Log
            }
        );
        assert_eq!(
            b(8),
            Domain::Fixed {
                value: Value::Int(8)
            }
        );
        assert_eq!(
            b(5),
            Domain::Fixed {
                value: Value::Int(5)
            }
        );
    }

    #[test]
    fn every_sampled_configuration_becomes_a_valid_train_config() {
        let tune = TuneSpace::default()
            .optimizer(ChoiceParam::Among(vec![
                Optimizer::adam(),
                Optimizer::momentum(0.9),
            ]))
            .activation(ChoiceParam::Among(vec![Activation::Relu, Activation::Tanh]))
            .hidden(ChoiceParam::Among(vec![vec![], vec![32, 16]]))
            .penalty(Penalty::ElasticNet { l1_ratio: 0.3 })
            .dropout(FloatParam::linear(0.0, 0.5))
            .epochs(IntParam::log(5, 40));
        tune.check().unwrap();
        let space = tune.search_space(500).unwrap();
        let mut rng = rng_from_seed(3);
        let mut epochs = Vec::new();
        for _ in 0..50 {
            let p = space.sample(&mut rng);
            let c = tune.train_config(&p, 11).unwrap();
            c.check().unwrap();
            assert_eq!(c.learning_rate, p.float("learning_rate").unwrap());
            assert_eq!(c.network.hidden.label(), p.categorical("hidden").unwrap());
            assert_eq!(c.seed, 11);
            assert!(
                matches!(c.regularizer, Regularizer::ElasticNet { l1_ratio, .. } if l1_ratio == 0.3)
            );
            assert!((5..=40).contains(&c.epochs));
            epochs.push(c.epochs);
        }
        // And spread over the range on its log scale: 5..=7 own 23% of it
        // and 30..=40 14%, so 50 draws miss either end with probability
        // 0.77^50 + 0.86^50 < 1e-3.
        let (lo, hi) = (epochs.iter().min().unwrap(), epochs.iter().max().unwrap());
        assert!(*lo <= 7 && *hi >= 30, "epochs drawn in [{lo}, {hi}]");
    }

    #[test]
    fn colliding_labels_fall_back_to_debug() {
        let c = ChoiceParam::Among(vec![Optimizer::momentum(0.5), Optimizer::momentum(0.9)]);
        let labels = c.labels();
        assert_ne!(labels[0], labels[1]);
        assert!(labels[0].starts_with("Momentum"), "{}", labels[0]);
        let p = Params::new().with("optimizer", labels[1].as_str());
        assert_eq!(c.pick(&p, "optimizer"), Ok(Optimizer::momentum(0.9)));
        let bad = Params::new().with("optimizer", "adam");
        assert!(matches!(
            c.pick(&bad, "optimizer"),
            Err(SpaceError::OutOfDomain { .. })
        ));
    }

    #[test]
    fn check_names_each_invalid_setting() {
        let bad = |t: TuneSpace, name: &str| match t.check() {
            Err(Error::Config(ConfigError::Invalid { name: n, .. })) => assert_eq!(n, name),
            other => panic!("{name}: expected an invalid setting, got {other:?}"),
        };
        let d = TuneSpace::default;
        bad(d().learning_rate(FloatParam::Fixed(0.0)), "learning_rate");
        bad(
            d().learning_rate(FloatParam::log(0.1, 0.01)),
            "learning_rate",
        );
        bad(
            d().learning_rate(FloatParam::log(1e-3, f64::INFINITY)),
            "learning_rate",
        );
        bad(
            d().regularization(FloatParam::Fixed(-1.0)),
            "regularization",
        );
        bad(
            d().regularization(FloatParam::log(0.0, 0.1)),
            "regularization",
        );
        bad(d().dropout(FloatParam::Fixed(1.0)), "dropout");
        bad(d().batch_size(IntParam::Fixed(0)), "batch_size");
        bad(d().epochs(IntParam::log(0, 10)), "epochs");
        bad(d().init(ChoiceParam::Among(vec![])), "init");
        bad(d().hidden(ChoiceParam::Among(vec![])), "hidden");
        bad(
            d().penalty(Penalty::ElasticNet { l1_ratio: 1.5 }),
            "penalty",
        );
        d().regularization(FloatParam::Fixed(0.0)).check().unwrap();
        assert!(matches!(
            d().optimizer(ChoiceParam::Fixed(Optimizer::momentum(2.0)))
                .check(),
            Err(Error::Nn(_))
        ));
    }
}
