//! Samplers: strategies that suggest the next configuration to evaluate.
//!
//! - [`RandomSampler`]: independent uniform draws (the baseline).
//! - [`GpSampler`]: Bayesian optimisation — a scrambled-Sobol initial design,
//!   then a Gaussian process with LogEI maximised over the mixed space;
//!   pending trials are fantasised so batches spread out.
//!
//! [`AskTell`] drives any sampler without the study layer, and [`minimize`]
//! runs a whole optimisation of a closure.
//!
//! ```
//! use autotune::sampler::{AskTell, GpSampler, GpSamplerConfig};
//! use autotune::space::{Scale, SearchSpace};
//! let space = SearchSpace::builder()
//!     .float("lr", 1e-4..=1.0, Scale::Log)
//!     .int("width", 8..=256, Scale::Log)
//!     .categorical("act", ["relu", "tanh"])
//!     .build()?;
//! let loss = |lr: f64, width: i64, act: &str| {
//!     (lr.log10() + 2.0).powi(2) + ((width as f64).log2() - 6.0).powi(2) / 10.0
//!         + if act == "relu" { 0.0 } else { 0.3 }
//! };
//! let sampler = GpSampler::new(GpSamplerConfig::default().deterministic_objective())?;
//! let mut opt = AskTell::new(space, sampler, 42);
//! for _ in 0..5 {
//!     // Four workers: a batch of four distinct, spread-out configurations.
//!     for (n, p) in opt.ask_batch(4)? {
//!         opt.tell(n, loss(p.float("lr")?, p.int("width")?, p.categorical("act")?))?;
//!     }
//! }
//! let (best, value) = opt.best().unwrap();
//! assert!(value < 0.1, "{best}: {value}");
//! # Ok::<(), autotune::Error>(())
//! ```

mod ask_tell;
mod gp_config;
mod gp_refit;
mod gp_sampler;
mod noise;
mod random;
mod training;

pub use ask_tell::{AskTell, Minimum, minimize};
pub use gp_config::{DETERMINISTIC_NOISE, GpSamplerConfig};
pub use gp_sampler::{GpSampler, MIN_SUCCESS_PROBABILITY};
pub use random::RandomSampler;
pub use training::{FailedTrials, PrunedTrials, ValueTransform};

use crate::Result;
use crate::error::Warning;
use crate::history::History;
use crate::rng::StudyRng;
use crate::space::{Params, SearchSpace};
use crate::strategy::Strategy;

/// A suggested configuration, with the warnings of how it was made (e.g. a
/// GP that could not be fitted, so the point came from the initial design).
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    /// The configuration to evaluate.
    pub params: Params,
    /// Fallbacks taken while suggesting it (none when all went as designed).
    pub warnings: Vec<Warning>,
}

impl From<Params> for Suggestion {
    fn from(params: Params) -> Self {
        Self {
            params,
            warnings: Vec::new(),
        }
    }
}

/// A strategy that suggests configurations.
///
/// **Contract:** `suggest` is a deterministic function of its arguments — no
/// hidden state may change what it returns — so a study resumed from its
/// journal replays exactly. The caller seeds `rng` from the study seed and the
/// trial number ([`crate::rng::trial_seed`]). A sampler that works around a
/// problem (a surrogate it cannot fit, a value it cannot use) says so in
/// [`Suggestion::warnings`] rather than falling back silently.
pub trait Sampler: Send + Sync {
    /// Suggests one configuration of `space`, given the finished trials and the
    /// configurations still being evaluated (`pending`), which it should avoid.
    ///
    /// # Errors
    /// A sampler that cannot suggest (e.g. a surrogate failure it cannot recover
    /// from) returns an error rather than panicking.
    fn suggest(
        &self,
        space: &SearchSpace,
        history: &History,
        pending: &[Params],
        rng: &mut StudyRng,
    ) -> Result<Suggestion>;

    /// Gives the sampler the study's seed, once, before its first suggestion.
    /// Samplers with a study-wide random design (the [`GpSampler`]'s
    /// scrambled-Sobol initial design, shared by all trials of a study) derive
    /// it from here; suggestions stay a deterministic function of the sampler
    /// (so configured) and `suggest`'s arguments. By default nothing.
    fn set_study_seed(&mut self, seed: u64) {
        let _ = seed;
    }

    /// The sampler's name and settings, recorded in a study's journal and
    /// compared on resume. By default the type name with unknown settings.
    fn strategy(&self) -> Strategy {
        Strategy::of_type::<Self>()
    }

    /// The finished, complete trials' numbers, best first, as this
    /// sampler's model ranks them, or `None` to rank them by their observed
    /// values ([`History::ranked`]). Under noise the luckiest observation is
    /// not the best configuration: the [`GpSampler`] ranks the complete
    /// trials by posterior mean when its fit says the values are noisy. A
    /// pure function of the sampler, the space and the history. By default
    /// `None`.
    fn rank(&self, space: &SearchSpace, history: &History) -> Option<Vec<usize>> {
        let _ = (space, history);
        None
    }

    /// The number of the complete trial this sampler's model recommends as
    /// the best configuration, or `None` for the best observed one
    /// ([`History::best`]). By default the first of [`Sampler::rank`].
    fn recommend(&self, space: &SearchSpace, history: &History) -> Option<usize> {
        self.rank(space, history)
            .and_then(|ranking| ranking.first().copied())
    }

    /// Suggests `rngs.len()` configurations to be evaluated together, one rng
    /// per trial. By default: one at a time, each earlier suggestion added to
    /// `pending`.
    ///
    /// # Errors
    /// As [`Sampler::suggest`].
    fn suggest_batch(
        &self,
        space: &SearchSpace,
        history: &History,
        pending: &[Params],
        rngs: &mut [StudyRng],
    ) -> Result<Vec<Suggestion>> {
        let mut all: Vec<Params> = pending.to_vec();
        let mut out = Vec::with_capacity(rngs.len());
        for rng in rngs {
            let s = self.suggest(space, history, &all, rng)?;
            all.push(s.params.clone());
            out.push(s);
        }
        Ok(out)
    }
}
