//! Hyperparameter fitting: maximise the log marginal likelihood plus the log
//! priors over the log-hyperparameters with argmin's L-BFGS.
//!
//! Parameters: `θ = (ln ℓ_1, …, ln ℓ_d, ln σ², [ln(σ_n² − floor)])`; the
//! noise entry is present only when the noise is learned, and the floor
//! enters through `σ_n² = floor + e^θ` (as GPyTorch's `GreaterThan`
//! constraint). The constant mean (flat prior) is profiled out: at every `θ`
//! it is set to its generalised-least-squares maximiser `1ᵀK⁻¹y / 1ᵀK⁻¹1`
//! ([`Workspace::evaluate_profiled`]), which leaves the optimum unchanged and
//! removes the slow mean/signal ridge from the search. The objective minimised is the negative log posterior per
//! point, `−(log p(y|θ) + log p(θ))/n`, so tolerances do not depend on `n`.
//! Each `θ` is clamped into a wide box (length scales in `[1e-3, 1e4]`, signal
//! variance in `[1e-6, 1e6]`, noise above the floor up to `1e3`)
//! with a quadratic penalty outside it, so that no line-search step can
//! overflow the kernel.
//!
//! Starts: the warm start (or, without one, the prior mode), then
//! `n_restarts` random starts ([`priors::random_start`]). Every start first
//! runs [`SCREEN_ITERS`] L-BFGS iterations, which is where L-BFGS makes most of
//! its progress and where starts in a poor basin (e.g. very short length
//! scales with no noise, where the likelihood surface is rough and progress
//! slow) show it; only the best point then runs on to convergence. This
//! keeps the robustness of restarts at about a third of the cost of running
//! every start to convergence (a successive-halving schedule with one round).
//! One function evaluation computes value and gradient together and caches
//! them, since L-BFGS and the Moré–Thuente line search ask for both at the
//! same point.

use std::cell::RefCell;

use argmin::core::{CostFunction, Executor, Gradient, TerminationReason, TerminationStatus};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use nalgebra::{DMatrix, DVector};

use super::config::{GpConfig, Noise, Priors};
use super::hyperparameters::Hyperparameters;
use super::likelihood::Workspace;
use super::posterior::{Gp, check_data};
use super::priors;
use super::standardise::Standardisation;
use crate::error::GpError;
use crate::rng::StudyRng;

/// L-BFGS history length.
const LBFGS_MEMORY: usize = 10;
/// Stop when the objective (per point) changes by less than this in one iteration.
const COST_TOLERANCE: f64 = 1e-10;
/// Data sets at least this large screen their starts on several threads
/// (below it, one likelihood evaluation is too cheap to be worth a thread).
const PARALLEL_MIN_POINTS: usize = 100;
/// L-BFGS iterations from each start before only the best one continues.
const SCREEN_ITERS: u64 = 6;
/// Curvature of the penalty outside the box.
const BOX_PENALTY: f64 = 10.0;

impl Gp {
    /// Fits the hyperparameters to `(x, y)` and returns the posterior.
    ///
    /// `x` is `n × d` (rows are points, inputs in the unit cube), `y` the `n`
    /// outputs (original units; standardised internally). `warm_start`, e.g. the
    /// previous fit's [`hyperparameters`](Gp::hyperparameters), is the first
    /// start; `rng` draws the restarts.
    ///
    /// Maximises `log p(y | θ) + log p(θ)` (the [`priors`](super::priors), or
    /// none with [`Priors::Flat`]) over `θ = (ln ℓ, ln σ², ln(σ_n² − floor))`
    /// with argmin's L-BFGS (Moré–Thuente line search) and analytic gradients
    /// `½ tr((ααᵀ − K⁻¹) ∂K/∂θ)`. The constant mean is profiled out (set to its
    /// generalised-least-squares value `1ᵀK⁻¹y / 1ᵀK⁻¹1` at every `θ`), so a
    /// warm start's mean is ignored. Every start runs a few iterations, then
    /// only the best continues to convergence.
    ///
    /// With fewer than two points or constant outputs nothing can be learned:
    /// the warm start (or the prior mode) is used as is, with mean 0 (the
    /// standardised outputs' mean).
    ///
    /// # Errors
    /// [`GpError::Config`] for an invalid `config`; [`GpError::DimensionMismatch`],
    /// [`GpError::NonFinite`] or [`GpError::InvalidHyperparameter`] for bad data
    /// or warm start; [`GpError::FitFailed`] if every start failed;
    /// [`GpError::NotPositiveDefinite`] if the final matrix cannot be factored.
    pub fn fit(
        x: &DMatrix<f64>,
        y: &[f64],
        config: &GpConfig,
        warm_start: Option<&Hyperparameters>,
        rng: &mut StudyRng,
    ) -> Result<Self, GpError> {
        config.check()?;
        check_data(x, y)?;
        let d = x.ncols();
        if let Some(w) = warm_start {
            w.check(d)?;
        }
        let standardisation = Standardisation::of(y);
        let mut first = warm_start
            .cloned()
            .unwrap_or_else(|| priors::prior_mode(d, config.noise));
        match config.noise {
            Noise::Fixed(v) => first.noise_variance = v,
            Noise::Learned { floor } => first.noise_variance = first.noise_variance.max(floor),
        }
        if standardisation.degenerate {
            first.mean = 0.0;
            return Self::build(x.clone(), y, standardisation, config.kernel, first);
        }
        let y_std: Vec<f64> = y.iter().map(|&v| standardisation.forward(v)).collect();
        let new_objective = || Objective {
            workspace: RefCell::new(Workspace::new(x, &y_std, config.kernel)),
            packing: Packing {
                dim: d,
                noise: config.noise,
            },
            priors: config.priors,
            cache: RefCell::new(None),
        };
        let mut starts = vec![first];
        for _ in 0..config.n_restarts {
            starts.push(priors::random_start(d, config.noise, rng));
        }
        // Phase 1: a short run from every start (the whole run if it is the only one).
        let screen = if starts.len() > 1 {
            config.max_iters.min(SCREEN_ITERS)
        } else {
            config.max_iters
        };
        let threads = match config.threads {
            _ if x.nrows() < PARALLEL_MIN_POINTS => 1,
            0 => std::thread::available_parallelism().map_or(1, usize::from),
            t => t,
        }
        .min(starts.len());
        let objective = new_objective();
        let runs = if threads > 1 {
            screen_in_parallel(&starts, threads, screen, config, &objective, &new_objective)
        } else {
            starts
                .iter()
                .map(|start| objective.screen(start, screen, config.grad_tolerance))
                .collect()
        };
        // The best run; ties go to the earlier start, so the outcome does not
        // depend on the number of threads.
        let mut best: Option<Run> = None;
        let mut last_error = String::new();
        for run in runs {
            match run {
                Ok(run) => {
                    if best.as_ref().is_none_or(|b| run.cost < b.cost) {
                        best = Some(run);
                    }
                }
                Err(e) => last_error = e,
            }
        }
        let Some(mut best) = best else {
            return Err(GpError::FitFailed { reason: last_error });
        };
        // Phase 2: the best screened run goes on to convergence, keeping its
        // L-BFGS memory.
        if !best.converged && screen < config.max_iters {
            let Run {
                theta,
                cost,
                grad,
                solver,
                ..
            } = best.clone();
            // Restore the cache so the restart costs no evaluation. (Passing
            // the cost to argmin instead would make its first convergence
            // check see no change in cost and stop at once.)
            *objective.cache.borrow_mut() = Some((theta.clone(), cost, grad));
            if let Ok(run) = objective.minimise(solver, theta, config.max_iters - screen) {
                best = run;
            }
        }
        let theta = best.theta;
        let mut hp = objective.packing.unpack(&objective.packing.clamp(&theta));
        let mut grad = vec![0.0; d + 3];
        hp.mean = objective
            .workspace
            .borrow_mut()
            .evaluate_profiled(&hp, &mut grad)?
            .1;
        Self::build(x.clone(), y, standardisation, config.kernel, hp)
    }
}

/// The map between hyperparameters and the optimiser's vector `θ`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Packing {
    pub(crate) dim: usize,
    pub(crate) noise: Noise,
}

impl Packing {
    fn len(&self) -> usize {
        self.dim + 1 + usize::from(matches!(self.noise, Noise::Learned { .. }))
    }

    /// `θ` of `hp` (a learned noise at or below the floor maps to `floor·1e-3` above it).
    pub(crate) fn pack(&self, hp: &Hyperparameters) -> DVector<f64> {
        let mut theta = DVector::zeros(self.len());
        for (t, l) in theta.iter_mut().zip(&hp.length_scales) {
            *t = l.ln();
        }
        theta[self.dim] = hp.signal_variance.ln();
        if let Noise::Learned { floor } = self.noise {
            theta[self.dim + 1] = (hp.noise_variance - floor).max(1e-3 * floor).ln();
        }
        theta
    }

    /// The hyperparameters at `θ` (assumed inside the box), mean 0.
    pub(crate) fn unpack(&self, theta: &DVector<f64>) -> Hyperparameters {
        Hyperparameters {
            length_scales: theta.rows(0, self.dim).iter().map(|t| t.exp()).collect(),
            signal_variance: theta[self.dim].exp(),
            noise_variance: match self.noise {
                Noise::Learned { floor } => floor + theta[self.dim + 1].exp(),
                Noise::Fixed(v) => v,
            },
            mean: 0.0,
        }
    }

    /// Bounds of entry `i` of `θ`.
    fn bounds(&self, i: usize) -> (f64, f64) {
        if i < self.dim {
            (1e-3f64.ln(), 1e4f64.ln())
        } else if i == self.dim {
            (1e-6f64.ln(), 1e6f64.ln())
        } else {
            let floor = match self.noise {
                Noise::Learned { floor } => floor,
                Noise::Fixed(_) => 1.0,
            };
            ((1e-8 * floor).ln(), 1e3f64.ln())
        }
    }

    /// `θ` projected into the box.
    pub(crate) fn clamp(&self, theta: &DVector<f64>) -> DVector<f64> {
        DVector::from_iterator(
            theta.len(),
            theta.iter().enumerate().map(|(i, &t)| {
                let (lo, hi) = self.bounds(i);
                t.clamp(lo, hi)
            }),
        )
    }
}

/// A point `θ`, the objective there and its gradient.
type Evaluation = (DVector<f64>, f64, DVector<f64>);

/// The negative log posterior per point, as an argmin problem.
pub(crate) struct Objective {
    pub(crate) workspace: RefCell<Workspace>,
    pub(crate) packing: Packing,
    priors: Priors,
    /// The last point evaluated, its value and gradient.
    cache: RefCell<Option<Evaluation>>,
}

impl Objective {
    /// Value and gradient at `θ`, from the cache when `θ` was the last point.
    pub(crate) fn value_and_gradient(
        &self,
        theta: &DVector<f64>,
    ) -> Result<(f64, DVector<f64>), GpError> {
        if let Some((t, v, g)) = self.cache.borrow().as_ref() {
            if t == theta {
                return Ok((*v, g.clone()));
            }
        }
        let p = self.packing;
        let d = p.dim;
        let projected = p.clamp(theta);
        let hp = p.unpack(&projected);
        let mut ws = self.workspace.borrow_mut();
        let n = ws.n() as f64;
        let mut g = vec![0.0; d + 3];
        let (mut value, _) = ws.evaluate_profiled(&hp, &mut g)?;
        let learned = matches!(p.noise, Noise::Learned { .. });
        if self.priors == Priors::Weak {
            let mut gp = vec![0.0; d + 2];
            value += priors::log_prior(&hp, learned, &mut gp);
            for (g, gp) in g.iter_mut().zip(&gp) {
                *g += gp;
            }
        }
        // Chain rule to θ, then negate and scale.
        let mut grad = DVector::zeros(p.len());
        for i in 0..=d {
            grad[i] = g[i];
        }
        if let Noise::Learned { floor } = p.noise {
            grad[d + 1] = g[d + 1] * (hp.noise_variance - floor) / hp.noise_variance;
        }
        let mut cost = -value / n;
        grad /= -n;
        for i in 0..p.len() {
            let excess = theta[i] - projected[i];
            if excess != 0.0 {
                cost += 0.5 * BOX_PENALTY * excess * excess;
                grad[i] = BOX_PENALTY * excess;
            }
        }
        if !cost.is_finite() || grad.iter().any(|g| !g.is_finite()) {
            return Err(GpError::NonFinite {
                what: "marginal likelihood",
            });
        }
        *self.cache.borrow_mut() = Some((theta.clone(), cost, grad.clone()));
        Ok((cost, grad))
    }

    /// A fresh L-BFGS run of at most `max_iters` iterations from `start`.
    fn screen(
        &self,
        start: &Hyperparameters,
        max_iters: u64,
        grad_tolerance: f64,
    ) -> Result<Run, String> {
        let solver = new_solver(grad_tolerance).map_err(|e| e.to_string())?;
        self.minimise(solver, self.packing.pack(start), max_iters)
    }

    /// Runs at most `max_iters` iterations of `solver` from `theta`.
    fn minimise(&self, solver: Solver, theta: DVector<f64>, max_iters: u64) -> Result<Run, String> {
        let result = Executor::new(self, solver)
            .configure(|state| state.param(theta).max_iters(max_iters))
            .ctrlc(false)
            .run()
            .map_err(|e| e.to_string())?;
        let mut state = result.state;
        let converged = !matches!(
            state.termination_status,
            TerminationStatus::Terminated(TerminationReason::MaxItersReached)
        );
        // L-BFGS with a sufficient-decrease line search never moves uphill, so
        // the current point is the best one.
        let cost = state.cost;
        match (state.take_param(), state.take_gradient()) {
            (Some(theta), Some(grad)) if cost.is_finite() => Ok(Run {
                cost,
                theta,
                grad,
                converged,
                solver: result.solver,
            }),
            _ => Err("no finite objective value".to_owned()),
        }
    }
}

/// Screens `starts` on `threads` threads: thread `t` takes starts
/// `t, t + threads, …` (the calling thread is thread 0 and uses `objective`;
/// the others build their own). Results come back in start order and each is
/// computed exactly as it would be sequentially.
fn screen_in_parallel(
    starts: &[Hyperparameters],
    threads: usize,
    screen: u64,
    config: &GpConfig,
    objective: &Objective,
    new_objective: &(dyn Fn() -> Objective + Sync),
) -> Vec<Result<Run, String>> {
    let tolerance = config.grad_tolerance;
    let take = |objective: &Objective, t: usize| -> Vec<(usize, Result<Run, String>)> {
        (t..starts.len())
            .step_by(threads)
            .map(|i| (i, objective.screen(&starts[i], screen, tolerance)))
            .collect()
    };
    let mut results: Vec<Option<Result<Run, String>>> = (0..starts.len()).map(|_| None).collect();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (1..threads)
            .map(|t| scope.spawn(move || take(&new_objective(), t)))
            .collect();
        for (i, run) in take(objective, 0) {
            results[i] = Some(run);
        }
        for handle in handles {
            // A panicking helper thread (a bug) leaves its starts unset below.
            if let Ok(runs) = handle.join() {
                for (i, run) in runs {
                    results[i] = Some(run);
                }
            }
        }
    });
    results
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err("screening thread panicked".to_owned())))
        .collect()
}

/// The L-BFGS solver type.
type Solver =
    LBFGS<MoreThuenteLineSearch<DVector<f64>, DVector<f64>, f64>, DVector<f64>, DVector<f64>, f64>;

/// A fresh L-BFGS solver (Moré–Thuente line search, memory [`LBFGS_MEMORY`]).
fn new_solver(grad_tolerance: f64) -> Result<Solver, GpError> {
    LBFGS::new(MoreThuenteLineSearch::new(), LBFGS_MEMORY)
        .with_tolerance_grad(grad_tolerance)
        .and_then(|s| s.with_tolerance_cost(COST_TOLERANCE))
        .map_err(|e| GpError::FitFailed {
            reason: e.to_string(),
        })
}

/// The end of one L-BFGS run.
#[derive(Clone)]
struct Run {
    cost: f64,
    theta: DVector<f64>,
    grad: DVector<f64>,
    converged: bool,
    solver: Solver,
}

impl CostFunction for &Objective {
    type Param = DVector<f64>;
    type Output = f64;

    fn cost(&self, theta: &Self::Param) -> Result<f64, argmin::core::Error> {
        Ok(self.value_and_gradient(theta)?.0)
    }
}

impl Gradient for &Objective {
    type Param = DVector<f64>;
    type Gradient = DVector<f64>;

    fn gradient(&self, theta: &Self::Param) -> Result<DVector<f64>, argmin::core::Error> {
        Ok(self.value_and_gradient(theta)?.1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    fn objective(priors: Priors, noise: Noise) -> Objective {
        let n = 25;
        let x = DMatrix::from_fn(n, 2, |i, j| ((i * 5 + j * 7) % 13) as f64 / 13.0);
        let y: Vec<f64> = (0..n)
            .map(|i| (3.0 * x[(i, 0)]).sin() - x[(i, 1)])
            .collect();
        let s = Standardisation::of(&y);
        let y: Vec<f64> = y.iter().map(|&v| s.forward(v)).collect();
        Objective {
            workspace: RefCell::new(Workspace::new(&x, &y, Default::default())),
            packing: Packing { dim: 2, noise },
            priors,
            cache: RefCell::new(None),
        }
    }

    #[test]
    fn objective_gradient_matches_finite_differences() {
        // Covers the priors, the floor reparametrisation and the scaling by n.
        let noises = [Noise::Learned { floor: 1e-3 }, Noise::Fixed(0.01)];
        for (priors, noise) in [Priors::Weak, Priors::Flat]
            .into_iter()
            .flat_map(|p| noises.map(|n| (p, n)))
        {
            let f = objective(priors, noise);
            let hp = Hyperparameters {
                length_scales: vec![0.4, 0.7],
                signal_variance: 1.2,
                noise_variance: 0.02,
                mean: 0.1,
            };
            let theta = f.packing.pack(&hp);
            let (_, grad) = f.value_and_gradient(&theta).unwrap();
            let h = 1e-6;
            for i in 0..theta.len() {
                let mut plus = theta.clone();
                plus[i] += h;
                let mut minus = theta.clone();
                minus[i] -= h;
                let fd = (f.value_and_gradient(&plus).unwrap().0
                    - f.value_and_gradient(&minus).unwrap().0)
                    / (2.0 * h);
                assert_relative_eq!(grad[i], fd, max_relative = 1e-6, epsilon = 1e-7);
            }
        }
    }

    #[test]
    fn pack_unpack_round_trip() {
        let p = Packing {
            dim: 3,
            noise: Noise::Learned { floor: 1e-6 },
        };
        let hp = Hyperparameters {
            length_scales: vec![0.1, 1.0, 3.0],
            signal_variance: 2.0,
            noise_variance: 0.01,
            mean: -0.3,
        };
        let back = p.unpack(&p.pack(&hp));
        for (a, b) in back.length_scales.iter().zip(&hp.length_scales) {
            assert_relative_eq!(a, b, max_relative = 1e-14);
        }
        assert_relative_eq!(back.signal_variance, 2.0, max_relative = 1e-14);
        assert_relative_eq!(back.noise_variance, 0.01, max_relative = 1e-14);
        assert_eq!(back.mean, 0.0);
        let fixed = Packing {
            dim: 3,
            noise: Noise::Fixed(0.5),
        };
        assert_eq!(fixed.pack(&hp).len(), 4);
        assert_eq!(fixed.unpack(&fixed.pack(&hp)).noise_variance, 0.5);
    }

    #[test]
    fn box_penalty_is_continuous_and_pushes_back() {
        let f = objective(Priors::Flat, Noise::default());
        let mut theta = f.packing.pack(&priors::prior_mode(2, Noise::default()));
        theta[0] = 1e4f64.ln();
        let at_bound = f.value_and_gradient(&theta).unwrap();
        theta[0] += 1e-9;
        let just_out = f.value_and_gradient(&theta).unwrap();
        assert_relative_eq!(at_bound.0, just_out.0, max_relative = 1e-9);
        theta[0] += 5.0;
        let far = f.value_and_gradient(&theta).unwrap();
        assert!(far.0 > at_bound.0 && far.1[0] > 0.0);
    }
}
