//! The types most programs need, in one `use autotune::prelude::*;`.
//!
//! Tuning a network on a data set ([`autotune`], [`AutotuneConfig`],
//! [`TuneSpace`], [`write_results`]), tuning any objective with a [`Study`]
//! ([`SearchSpace`], [`Trial`], the samplers and pruners), and the crate's
//! [`Error`] and [`Result`].

pub use crate::data::{Builtin, Dataset, Split, SplitFractions};
pub use crate::error::{Error, Result};
pub use crate::pruner::{MedianPruner, NopPruner, SuccessiveHalvingPruner};
pub use crate::sampler::{GpSampler, GpSamplerConfig, RandomSampler};
pub use crate::space::{Domain, Params, Scale, SearchSpace};
pub use crate::study::{ObjectiveResult, Study, Trial};
pub use crate::tune::{
    AutotuneConfig, PrunerConfig, SamplerConfig, TuneObjective, TuneReport, TuneSpace, autotune,
    write_results,
};
