//! A line search with an iteration cap.
//!
//! argmin's L-BFGS runs its line search in a nested executor with no
//! iteration limit; on an acquisition surface that is flat to rounding (far
//! from the data) or periodic in the reparametrised coordinates, the
//! Moré–Thuente search can extrapolate or bisect forever. This wrapper stops
//! it after a fixed number of iterations and reports the starting point
//! (Moré–Thuente has no current point until it converges): the cost does not
//! change, so L-BFGS (given a positive cost tolerance) stops there, and the
//! local search keeps the best point it evaluated.

use argmin::core::{Error, IterState, KV, LineSearch, Problem, Solver, State, TerminationReason};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use nalgebra::DVector;

type Vector = DVector<f64>;
type LineState = IterState<Vector, Vector, (), (), (), f64>;

/// Moré–Thuente, stopped after `max_iters` iterations.
#[derive(Clone)]
pub(super) struct Capped {
    inner: MoreThuenteLineSearch<Vector, Vector, f64>,
    max_iters: u64,
    /// The starting point, its cost and gradient (set by `init`).
    start: Option<(Vector, f64, Vector)>,
}

impl Capped {
    /// Moré–Thuente with steps in `[√ε, step_max]`, at most `max_iters` iterations.
    pub(super) fn new(step_max: f64, max_iters: u64) -> Result<Self, Error> {
        Ok(Self {
            inner: MoreThuenteLineSearch::new().with_bounds(f64::EPSILON.sqrt(), step_max)?,
            max_iters,
            start: None,
        })
    }
}

impl LineSearch<Vector, f64> for Capped {
    fn search_direction(&mut self, direction: Vector) {
        self.inner.search_direction(direction);
    }

    fn initial_step_length(&mut self, step_length: f64) -> Result<(), Error> {
        self.inner.initial_step_length(step_length)
    }
}

impl<O> Solver<O, LineState> for Capped
where
    MoreThuenteLineSearch<Vector, Vector, f64>: Solver<O, LineState>,
{
    fn name(&self) -> &str {
        "capped Moré–Thuente"
    }

    fn init(
        &mut self,
        problem: &mut Problem<O>,
        state: LineState,
    ) -> Result<(LineState, Option<KV>), Error> {
        self.start = match (state.get_param(), state.get_gradient()) {
            (Some(p), Some(g)) => Some((p.clone(), state.get_cost(), g.clone())),
            _ => None,
        };
        self.inner.init(problem, state)
    }

    fn next_iter(
        &mut self,
        problem: &mut Problem<O>,
        state: LineState,
    ) -> Result<(LineState, Option<KV>), Error> {
        let iter = state.get_iter();
        let (state, kv) = self.inner.next_iter(problem, state)?;
        if iter + 1 >= self.max_iters
            && !state.terminated()
            && let Some((p, c, g)) = self.start.clone()
        {
            let state =
                state
                    .param(p)
                    .cost(c)
                    .gradient(g)
                    .terminate_with(TerminationReason::SolverExit(
                        "line search iteration cap".to_owned(),
                    ));
            return Ok((state, kv));
        }
        Ok((state, kv))
    }
}
