//! Hyperparameter fitting: [`Gp::fit`] runs argmin's L-BFGS on the
//! [`NegLogPosterior`] from several starts.
//!
//! Starts: the warm start (or, without one, the prior mode), then
//! `n_restarts` random starts ([`priors::random_start`]). Every start first
//! runs [`SCREEN_ITERS`] L-BFGS iterations, which is where L-BFGS makes most of
//! its progress and where starts in a poor basin (e.g. very short length
//! scales with no noise, where the likelihood surface is rough and progress
//! slow) show it; only the best point then runs on to convergence, keeping
//! its L-BFGS memory. This keeps the robustness of restarts at about a third
//! of the cost of running every start to convergence (a successive-halving
//! schedule with one round). The starts are screened on several threads for
//! larger data sets; each start's run is independent of the others, so the
//! result does not depend on the number of threads.

use std::cell::RefCell;

use argmin::core::{Executor, TerminationReason, TerminationStatus};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use nalgebra::{DMatrix, DVector};

use super::config::{GpConfig, Noise};
use super::hyperparameters::Hyperparameters;
use super::likelihood::Workspace;
use super::objective::{NegLogPosterior, Packing};
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

impl Gp {
    /// Fits the hyperparameters to `(x, y)` and returns the posterior.
    ///
    /// `x` is `n × d` (rows are points, inputs in the unit cube), `y` the `n`
    /// outputs (original units; standardised internally). `warm_start`, e.g. the
    /// previous fit's [`hyperparameters`](Gp::hyperparameters), is the first
    /// start; `rng` draws the restarts.
    ///
    /// Maximises `log p(y | θ) + log p(θ)` (the [`Priors::Weak`](super::Priors::Weak), or
    /// none with [`Priors::Flat`](super::Priors::Flat)) over `θ = (ln ℓ, ln σ², ln(σ_n² − floor))`
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
        let new_objective = || NegLogPosterior {
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
                .map(|start| screen_start(&objective, start, screen, config.grad_tolerance))
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
            if let Ok(run) = minimise(&objective, solver, theta, config.max_iters - screen) {
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

/// A fresh L-BFGS run of at most `max_iters` iterations from `start`.
fn screen_start(
    objective: &NegLogPosterior,
    start: &Hyperparameters,
    max_iters: u64,
    grad_tolerance: f64,
) -> Result<Run, String> {
    let solver = new_solver(grad_tolerance).map_err(|e| e.to_string())?;
    minimise(objective, solver, objective.packing.pack(start), max_iters)
}

/// Runs at most `max_iters` iterations of `solver` from `theta`.
fn minimise(
    objective: &NegLogPosterior,
    solver: Solver,
    theta: DVector<f64>,
    max_iters: u64,
) -> Result<Run, String> {
    let result = Executor::new(objective, solver)
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

/// Screens `starts` on `threads` threads: thread `t` takes starts
/// `t, t + threads, …` (the calling thread is thread 0 and uses `objective`;
/// the others build their own). Results come back in start order and each is
/// computed exactly as it would be sequentially.
fn screen_in_parallel(
    starts: &[Hyperparameters],
    threads: usize,
    screen: u64,
    config: &GpConfig,
    objective: &NegLogPosterior,
    new_objective: &(dyn Fn() -> NegLogPosterior + Sync),
) -> Vec<Result<Run, String>> {
    let tolerance = config.grad_tolerance;
    let take = |objective: &NegLogPosterior, t: usize| -> Vec<(usize, Result<Run, String>)> {
        (t..starts.len())
            .step_by(threads)
            .map(|i| (i, screen_start(objective, &starts[i], screen, tolerance)))
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
