//! A configuration of a [`TuneSpace`] turned into a [`TrainConfig`].

use super::names::{
    ACTIVATION, BATCH_SIZE, DROPOUT, EPOCHS, HIDDEN, INIT, LEARNING_RATE, OPTIMIZER,
    REGULARIZATION, SCHEDULE,
};
use super::{Label, Penalty, TuneSpace};
use crate::error::SpaceError;
use crate::nn::{BatchSize, Regularizer, TrainConfig};
use crate::space::Params;

impl TuneSpace {
    /// The training configuration of `params` (a configuration of
    /// [`TuneSpace::search_space`]), with `seed`: each choice is the value
    /// whose [`Label`] `params` holds.
    ///
    /// # Errors
    /// A [`SpaceError`] if `params` lacks a parameter, holds one of the wrong
    /// type, a negative count, or a label none of the choices has.
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
            _ => params.float(REGULARIZATION)?,
        };
        Ok(TrainConfig::default()
            .learning_rate(params.float(LEARNING_RATE)?)
            .batch_size(BatchSize::Fixed(count(BATCH_SIZE)?))
            .init(pick(&self.init, params, INIT)?)
            .regularizer(self.penalty.regularizer(lambda))
            .optimizer(pick(&self.optimizer, params, OPTIMIZER)?)
            .activation(pick(&self.activation, params, ACTIVATION)?)
            .schedule(pick(&self.schedule, params, SCHEDULE)?)
            .hidden(pick(&self.hidden, params, HIDDEN)?)
            .dropout(params.float(DROPOUT)?)
            .epochs(count(EPOCHS)?)
            .seed(seed))
    }
}

impl Penalty {
    /// The regularizer of this penalty at strength `lambda`.
    fn regularizer(self, lambda: f64) -> Regularizer {
        match self {
            Self::None => Regularizer::None,
            Self::L1 => Regularizer::L1 { lambda },
            Self::L2 => Regularizer::L2 { lambda },
            Self::ElasticNet { l1_ratio } => Regularizer::ElasticNet { lambda, l1_ratio },
        }
    }
}

/// The value of `values` whose label `params` holds for `name`.
///
/// # Errors
/// [`SpaceError::UnknownParam`] or [`SpaceError::WrongType`] from `params`,
/// [`SpaceError::OutOfDomain`] if no value has that label.
pub(super) fn pick<T: Label + Clone>(
    values: &[T],
    params: &Params,
    name: &str,
) -> Result<T, SpaceError> {
    let label = params.categorical(name)?;
    values
        .iter()
        .find(|v| v.label() == label)
        .cloned()
        .ok_or_else(|| SpaceError::OutOfDomain {
            name: name.to_owned(),
            value: label.to_owned(),
        })
}
