//! When the GP sampler refits its hyperparameters, and the cache that makes
//! the suggestions between refits cheap.
//!
//! A full fit (L-BFGS from the prior mode and random restarts, `O(n³)` per
//! likelihood evaluation) every suggestion costs seconds at 1,000 trials. So,
//! with `n` finished trials:
//!
//! * `n <` [`FULL_FIT_BELOW`]: a full fit on all trials every suggestion
//!   (restarts drawn from the trial's rng), as always.
//! * otherwise the **anchor** `a = anchor(n) ≤ n` is the last point of the
//!   schedule `a₀ =` [`FULL_FIT_BELOW`], `aₖ₊₁ = aₖ + ⌈aₖ/8⌉` (a refit each
//!   time the study grows by an eighth): the hyperparameters are fully fitted
//!   on the first `a` trials of the history (restarts from an rng derived
//!   from the study seed and `a`). Then
//!   * `n <` [`REFINE_BELOW`]: [`REFINE_ITERS`] L-BFGS iterations from the
//!     anchor's hyperparameters on all `n` trials, no restarts;
//!   * `n ≥` [`REFINE_BELOW`]: the anchor's hyperparameters as they are,
//!     the anchor's Cholesky factor extended by the later trials in `O(n²)`
//!     each ([`Gp::extended`]).
//!
//! Full and anchor fits choose the noise model (the learned noise or the
//! interpolating fixed one, by marginal likelihood, when
//! `GpSamplerConfig::select_noise` is on: two fits); refinements and
//! extensions keep the anchor's choice, so past [`FULL_FIT_BELOW`] trials
//! the second fit is paid only at the anchors.
//!
//! Every model is thus a pure function of the history (and the study seed):
//! the cache ([`FitCache`]: the anchor's fit and the last extended
//! posterior) only saves recomputation, each entry is used only when the
//! data it was built from is exactly a prefix of today's data, and a resumed
//! study, whose cache starts empty, recomputes the same models. With trials
//! finishing out of order (the history is in trial-number order), a trial
//! inserted before the cached rows simply makes the cache miss.

use std::sync::{Arc, Mutex};

use nalgebra::DMatrix;

use super::noise::NoiseFit;
use crate::gp::Gp;

/// Below this many finished trials every suggestion fits the GP afresh, so
/// short studies suggest exactly what they did before the schedule existed
/// (Branin@50 in `bo_benchmark` is unchanged bit for bit).
///
/// Measured on the benchmark's regret rows, median log10 regret @100 over 10
/// seeds, before → with the schedule (`cargo run --release --example
/// bo_benchmark -- --seeds 10 --no-random --functions
/// branin,hartmann6,ackley5,mixed`, and `--first-seed 10` for seeds 10–19):
///
/// | row | seeds 0–9 | seeds 10–19 |
/// |---|---|---|
/// | Hartmann6 | −7.44 → −7.51 | −7.59 → −7.80 |
/// | Hartmann6 q=4 | −6.65 → −6.30 | −7.28 → −7.27 |
/// | Ackley5 | 0.31 → 0.35 | −0.14 → −0.07 |
/// | mixed | −8.80 → −9.59 | |
/// | Branin@50 | −5.65 → −5.65 | |
pub(super) const FULL_FIT_BELOW: usize = 50;
/// From this many finished trials on, the anchor's hyperparameters are used
/// unchanged between refits (below, they are refined).
pub(super) const REFINE_BELOW: usize = 300;
/// L-BFGS iterations refining the anchor's hyperparameters on all trials.
/// At 100 Hartmann6 points, 10 iterations from the fit on the first 90 reach
/// the full fit's log marginal likelihood to 1e-3 in about 1 ms (the full
/// fit: 7 ms); at 300 points about 25 ms.
pub(super) const REFINE_ITERS: u64 = 10;
/// The stream (of the study seed) of the anchor fits' restarts, plus `a`.
pub(super) const ANCHOR_STREAM: u64 = 0xa4c4_0000;

/// The thresholds of the schedule: [`FULL_FIT_BELOW`], [`REFINE_BELOW`] and
/// [`REFINE_ITERS`] by default (smaller ones let tests reach every regime).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Schedule {
    pub(super) full_fit_below: usize,
    pub(super) refine_below: usize,
    pub(super) refine_iters: u64,
}

impl Default for Schedule {
    fn default() -> Self {
        Self {
            full_fit_below: FULL_FIT_BELOW,
            refine_below: REFINE_BELOW,
            refine_iters: REFINE_ITERS,
        }
    }
}

impl Schedule {
    /// The anchor for `n` finished trials (see the module docs): `n` itself
    /// below `full_fit_below`.
    pub(super) fn anchor(&self, n: usize) -> usize {
        if n < self.full_fit_below {
            return n;
        }
        let mut a = self.full_fit_below;
        loop {
            let next = a + a.div_ceil(8);
            if next > n {
                return a;
            }
            a = next;
        }
    }
}

/// A fit on the first `trials` trials, keyed on exactly the data it used.
#[derive(Debug, Clone)]
pub(super) struct AnchorFit {
    pub(super) trials: usize,
    pub(super) x: DMatrix<f64>,
    pub(super) y: Vec<f64>,
    pub(super) gp: Arc<Gp>,
    /// Which noise model the fit chose ([`super::noise::fit_gp`]).
    pub(super) noise: NoiseFit,
}

/// What the sampler keeps between suggestions (shared by clones of it).
#[derive(Debug, Default)]
pub(super) struct FitCache {
    /// The last anchor fit.
    pub(super) anchor: Option<AnchorFit>,
    /// The last posterior extended from that anchor's posterior (the first
    /// of the pair).
    pub(super) extended: Option<(Arc<Gp>, Arc<Gp>)>,
}

/// The shared cache; a poisoned lock (a panic elsewhere) only loses it.
#[derive(Clone, Default)]
pub(super) struct SharedCache(Arc<Mutex<FitCache>>);

impl std::fmt::Debug for SharedCache {
    /// A summary: the trial count of the anchor fit and the points of the
    /// extended posterior (not their matrices).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let cache = self.0.lock().ok();
        let anchor = cache
            .as_ref()
            .and_then(|c| c.anchor.as_ref().map(|a| a.trials));
        let extended = cache
            .as_ref()
            .and_then(|c| c.extended.as_ref().map(|(_, e)| e.n_points()));
        f.debug_struct("SharedCache")
            .field("anchor_trials", &anchor)
            .field("extended_points", &extended)
            .finish()
    }
}

impl SharedCache {
    /// The cached anchor fit for `trials` trials on exactly `(x, y)`.
    pub(super) fn anchor(
        &self,
        trials: usize,
        x: &DMatrix<f64>,
        y: &[f64],
    ) -> Option<(Arc<Gp>, NoiseFit)> {
        let cache = self.0.lock().ok()?;
        let a = cache.anchor.as_ref()?;
        (a.trials == trials && a.x == *x && a.y == y).then(|| (Arc::clone(&a.gp), a.noise))
    }

    /// Remembers an anchor fit (and forgets the posterior extended from the
    /// previous one).
    pub(super) fn set_anchor(&self, fit: AnchorFit) {
        if let Ok(mut cache) = self.0.lock() {
            cache.anchor = Some(fit);
            cache.extended = None;
        }
    }

    /// The last posterior extended from `anchor` (this very object) if its
    /// inputs are the first rows of `x`.
    pub(super) fn extended(&self, anchor: &Arc<Gp>, x: &DMatrix<f64>) -> Option<Arc<Gp>> {
        let cache = self.0.lock().ok()?;
        let (from, e) = cache.extended.as_ref()?;
        (Arc::ptr_eq(from, anchor) && is_prefix(e.inputs(), x)).then(|| Arc::clone(e))
    }

    /// Remembers a posterior extended from `anchor`.
    pub(super) fn set_extended(&self, anchor: &Arc<Gp>, gp: Arc<Gp>) {
        if let Ok(mut cache) = self.0.lock() {
            cache.extended = Some((Arc::clone(anchor), gp));
        }
    }
}

/// Whether the rows of `p` are the first rows of `x`, bit for bit.
pub(super) fn is_prefix(p: &DMatrix<f64>, x: &DMatrix<f64>) -> bool {
    p.ncols() == x.ncols()
        && p.nrows() <= x.nrows()
        && (0..p.ncols())
            .all(|k| (0..p.nrows()).all(|i| p[(i, k)].to_bits() == x[(i, k)].to_bits()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acquisition::MaximizerConfig;
    use crate::benchmarks::Function;
    use crate::history::{Direction, History, TrialRecord};
    use crate::rng::{rng_from_seed, trial_seed};
    use crate::sampler::{GpSampler, GpSamplerConfig, Sampler};
    use crate::space::Params;

    /// Small thresholds so that 30 trials reach every regime: full fits
    /// below 8, refined anchors (8, 9, 11, 13) below 14, extended ones
    /// (15, 17, 20, 23, 26) from 14 on.
    const SMALL: Schedule = Schedule {
        full_fit_below: 8,
        refine_below: 14,
        refine_iters: 5,
    };

    /// A sampler that carries its cache from suggestion to suggestion gives
    /// exactly the suggestions of one that starts afresh every time (a
    /// resumed study), in every regime of the schedule and when a trial
    /// finishes late and lands in the middle of the history. (Without the
    /// cache's prefix check, trial 29 differs.)
    #[test]
    fn cached_suggestions_equal_fresh_ones() {
        let f = Function::Branin;
        let space = f.space().unwrap();
        let config = GpSamplerConfig::default()
            .deterministic_objective()
            .n_startup_trials(4)
            .maximizer(MaximizerConfig::default().n_candidates(64));
        let mut warm = GpSampler::new(config).unwrap().with_schedule(SMALL);
        warm.set_study_seed(3);
        let mut history = History::new(Direction::Minimize);
        // Trial 26 is told after trial 28: the anchor (26 trials, 0-25) stays
        // the same, but the cached extension (by trial 27) is then no prefix.
        let mut late: Option<(usize, Params)> = None;
        let mut extended_used = false;
        for number in 0..30 {
            let pending: Vec<Params> = late.iter().map(|(_, p)| p.clone()).collect();
            let mut cold = warm.clone().with_schedule(SMALL);
            cold.set_study_seed(3);
            let seed = trial_seed(3, number as u64);
            let a = warm.suggest(&space, &history, &pending, &mut rng_from_seed(seed));
            let b = cold.suggest(&space, &history, &pending, &mut rng_from_seed(seed));
            let (a, b) = (a.unwrap(), b.unwrap());
            assert_eq!(a.params, b.params, "trial {number}");
            assert!(a.warnings.is_empty(), "{:?}", a.warnings);
            extended_used |= warm.cache().0.lock().unwrap().extended.is_some();
            let value = f.value_at(&a.params).unwrap();
            if number == 26 {
                late = Some((number, a.params));
                continue;
            }
            history.push(TrialRecord::complete(number, a.params, value));
            if number == 28 {
                let (n, p) = late.take().unwrap();
                let v = f.value_at(&p).unwrap();
                history.push(TrialRecord::complete(n, p, v));
            }
        }
        assert!(extended_used, "the extension path was never taken");
    }

    #[test]
    fn anchors_follow_the_schedule() {
        let anchor = |n| Schedule::default().anchor(n);
        assert_eq!(anchor(0), 0);
        assert_eq!(anchor(49), 49);
        // 50, 57, 65, 74, 84, 95, 107, ...
        assert_eq!(anchor(50), 50);
        assert_eq!(anchor(56), 50);
        assert_eq!(anchor(57), 57);
        assert_eq!(anchor(100), 95);
        let mut last = 0;
        let mut refits = 0;
        for n in 50..=1000 {
            let a = anchor(n);
            assert!(a <= n && n - a <= a.div_ceil(8), "n = {n}, a = {a}");
            if a != last {
                refits += 1;
                last = a;
            }
        }
        // About log(1000/50)/log(9/8) = 25 full fits from 50 to 1,000 trials.
        assert!((24..=27).contains(&refits), "{refits}");
    }
}
