//! Driving a sampler by hand: ask for configurations, tell their values.

use super::{GpSampler, Sampler};
use crate::Result;
use crate::error::{ConfigError, StudyError, Warning};
use crate::history::{Direction, History, TrialRecord, TrialState};
use crate::rng::{rng_from_seed, trial_seed};
use crate::space::{Params, SearchSpace};
use std::collections::BTreeMap;

/// An ask/tell loop around a [`Sampler`], without the study layer.
///
/// Trial `n` is suggested with the rng seeded by
/// [`trial_seed`]`(seed, n)`, so the same seed, sampler and answers replay
/// exactly. Trials may be told in any order; asked but untold trials are
/// pending and the sampler avoids (and, for the GP sampler, fantasises) them.
/// Errors are the study layer's: a number that is not pending is
/// [`StudyError::UnknownTrial`]. Fallbacks the sampler takes are collected,
/// once per cause, in [`AskTell::warnings`].
///
/// ```
/// use autotune::sampler::{AskTell, RandomSampler};
/// use autotune::space::{Scale, SearchSpace};
/// let space = SearchSpace::builder().float("x", -1.0..=1.0, Scale::Linear).build()?;
/// let mut opt = AskTell::new(space, RandomSampler, 7);
/// for _ in 0..5 {
///     let (n, p) = opt.ask()?;
///     let x = p.float("x")?;
///     opt.tell(n, x * x)?;
/// }
/// assert!(opt.best().unwrap().1 < 1.0);
/// # Ok::<(), autotune::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct AskTell<S> {
    space: SearchSpace,
    sampler: S,
    seed: u64,
    history: History,
    pending: BTreeMap<usize, Params>,
    next: usize,
    warnings: Vec<Warning>,
}

impl<S: Sampler> AskTell<S> {
    /// A loop minimising over `space` with `sampler`, seeded by `seed`.
    pub fn new(space: SearchSpace, mut sampler: S, seed: u64) -> Self {
        sampler.set_study_seed(seed);
        Self {
            space,
            sampler,
            seed,
            history: History::new(Direction::Minimize),
            pending: BTreeMap::new(),
            next: 0,
            warnings: Vec::new(),
        }
    }

    /// The next trial's number and configuration.
    ///
    /// # Errors
    /// As the sampler's [`Sampler::suggest`].
    pub fn ask(&mut self) -> Result<(usize, Params)> {
        self.ask_batch(1)?.pop().ok_or_else(|| {
            StudyError::Sampler {
                reason: "asked for one configuration, got none".into(),
            }
            .into()
        })
    }

    /// `q` trials to evaluate together (e.g. on `q` workers), through the
    /// sampler's [`Sampler::suggest_batch`]; `q = 0` asks nothing.
    ///
    /// # Errors
    /// As the sampler's [`Sampler::suggest_batch`], and
    /// [`StudyError::Sampler`] if it returns the wrong number of
    /// configurations.
    pub fn ask_batch(&mut self, q: usize) -> Result<Vec<(usize, Params)>> {
        if q == 0 {
            return Ok(Vec::new());
        }
        let pending: Vec<Params> = self.pending.values().cloned().collect();
        let mut rngs: Vec<_> = (0..q)
            .map(|i| rng_from_seed(trial_seed(self.seed, (self.next + i) as u64)))
            .collect();
        let batch = self
            .sampler
            .suggest_batch(&self.space, &self.history, &pending, &mut rngs)?;
        if batch.len() != q {
            return Err(StudyError::Sampler {
                reason: format!("asked for {q} configurations, got {}", batch.len()),
            }
            .into());
        }
        let mut out = Vec::with_capacity(q);
        for (i, s) in batch.into_iter().enumerate() {
            for w in s.warnings {
                if !self.warnings.iter().any(|x| x.cause == w.cause) {
                    self.warnings.push(w);
                }
            }
            out.push((self.next + i, s.params));
        }
        for (n, p) in &out {
            self.pending.insert(*n, p.clone());
        }
        self.next += q;
        Ok(out)
    }

    /// Records the value of trial `number`: a finite value completes it,
    /// NaN or an infinity marks it diverged.
    ///
    /// # Errors
    /// [`StudyError::UnknownTrial`] if `number` was not asked or was already told.
    pub fn tell(&mut self, number: usize, value: f64) -> Result<()> {
        let state = if value.is_finite() {
            TrialState::Complete { value }
        } else {
            TrialState::Diverged {
                reason: format!("objective returned {value}"),
            }
        };
        self.tell_state(number, state)
    }

    /// Records that trial `number` failed, with the `reason`.
    ///
    /// # Errors
    /// [`StudyError::UnknownTrial`] if `number` was not asked or was already told.
    pub fn tell_failed(&mut self, number: usize, reason: impl Into<String>) -> Result<()> {
        self.tell_state(
            number,
            TrialState::Failed {
                reason: reason.into(),
            },
        )
    }

    /// Records how trial `number` ended (complete, pruned, failed, diverged).
    ///
    /// # Errors
    /// [`StudyError::UnknownTrial`] if `number` was not asked or was already told.
    pub fn tell_state(&mut self, number: usize, state: TrialState) -> Result<()> {
        let params = self
            .pending
            .remove(&number)
            .ok_or(StudyError::UnknownTrial { number })?;
        self.history.push(TrialRecord {
            number,
            params,
            state,
            intermediate: Vec::new(),
            scored_step: None,
            duration_secs: 0.0,
        });
        Ok(())
    }

    /// The finished trials.
    #[must_use]
    pub fn history(&self) -> &History {
        &self.history
    }

    /// Fallbacks the sampler took, the first of each cause.
    #[must_use]
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// The search space.
    #[must_use]
    pub fn space(&self) -> &SearchSpace {
        &self.space
    }

    /// The best configuration so far and its value.
    #[must_use]
    pub fn best(&self) -> Option<(&Params, f64)> {
        self.history
            .best()
            .and_then(|t| t.state.value().map(|v| (&t.params, v)))
    }

    /// The configuration the sampler's model recommends as best
    /// ([`Sampler::recommend`]: under noise, not the luckiest observation)
    /// and its observed value; [`AskTell::best`] when the sampler has no
    /// recommendation.
    #[must_use]
    pub fn recommended(&self) -> Option<(&Params, f64)> {
        let Some(n) = self.sampler.recommend(&self.space, &self.history) else {
            return self.best();
        };
        self.history
            .trials()
            .iter()
            .find(|t| t.number == n)
            .and_then(|t| t.state.value().map(|v| (&t.params, v)))
            .or_else(|| self.best())
    }
}
/// The result of [`minimize`].
#[derive(Debug, Clone, PartialEq)]
pub struct Minimum {
    /// The best configuration found.
    pub params: Params,
    /// Its value.
    pub value: f64,
    /// Every trial, in order.
    pub history: History,
    /// Fallbacks the sampler took, the first of each cause.
    pub warnings: Vec<Warning>,
}

/// Minimises `f` over `space` with `n_trials` evaluations of a default
/// [`GpSampler`], seeded by `seed`. A NaN or infinite value counts as a
/// diverged trial.
///
/// ```
/// use autotune::sampler::minimize;
/// use autotune::space::{Scale, SearchSpace};
/// let space = SearchSpace::builder().float("x", -2.0..=2.0, Scale::Linear).build()?;
/// let best = minimize(|p| (p.float("x").unwrap() - 0.5).powi(2), &space, 15, 1)?;
/// assert!(best.value < 1e-3);
/// # Ok::<(), autotune::Error>(())
/// ```
///
/// # Errors
/// [`ConfigError::Invalid`] if `n_trials` is 0 or no trial completed; the
/// sampler's errors.
pub fn minimize<F: FnMut(&Params) -> f64>(
    mut f: F,
    space: &SearchSpace,
    n_trials: usize,
    seed: u64,
) -> Result<Minimum> {
    if n_trials == 0 {
        return Err(ConfigError::Invalid {
            name: "n_trials",
            reason: "must be at least 1".to_owned(),
        }
        .into());
    }
    let mut opt = AskTell::new(space.clone(), GpSampler::default(), seed);
    for _ in 0..n_trials {
        let (n, p) = opt.ask()?;
        let v = f(&p);
        opt.tell(n, v)?;
    }
    let (params, value) =
        opt.best()
            .map(|(p, v)| (p.clone(), v))
            .ok_or_else(|| ConfigError::Invalid {
                name: "f",
                reason: "no evaluation returned a finite value".to_owned(),
            })?;
    Ok(Minimum {
        params,
        value,
        history: opt.history,
        warnings: opt.warnings,
    })
}
