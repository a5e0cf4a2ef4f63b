//! Uniform random search.

use super::{Sampler, Suggestion};
use crate::Result;
use crate::history::History;
use crate::rng::StudyRng;
use crate::space::{Params, SearchSpace};
use crate::strategy::Strategy;

/// Draws each configuration independently and uniformly in each parameter's
/// scale (log-uniform for log parameters), from the trial's rng only.
///
/// A draw that repeats a finished or pending configuration (possible in
/// small discrete spaces) is redrawn, up to [`RandomSampler::MAX_DRAWS`]
/// times; after that the last draw is returned (the space is then nearly
/// exhausted).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RandomSampler;

impl RandomSampler {
    /// Most draws per suggestion when avoiding repeats.
    pub const MAX_DRAWS: usize = 64;
}

impl Sampler for RandomSampler {
    fn suggest(
        &self,
        space: &SearchSpace,
        history: &History,
        pending: &[Params],
        rng: &mut StudyRng,
    ) -> Result<Suggestion> {
        let mut params = space.sample(rng);
        for _ in 1..Self::MAX_DRAWS {
            let seen =
                pending.contains(&params) || history.trials().iter().any(|t| t.params == params);
            if !seen {
                break;
            }
            params = space.sample(rng);
        }
        Ok(params.into())
    }

    fn strategy(&self) -> Strategy {
        Strategy::named("random")
    }
}
