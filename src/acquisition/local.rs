//! One local search of the maximiser: L-BFGS on the continuous coordinates,
//! exact searches on the integer and categorical ones, alternated until no
//! block improves (coordinate-block ascent, as Optuna's `local_search_mixed`).

use super::linesearch::Capped;
use super::maximand::{Maximand, finite_or_worst};
use argmin::core::{CostFunction, Executor, Gradient};
use argmin::solver::quasinewton::LBFGS;
use nalgebra::DVector;
use std::cell::RefCell;

/// Most Moré–Thuente iterations per line search (see [`Capped`]).
const LINE_SEARCH_ITERS: u64 = 20;

/// A discrete block of coordinates.
#[derive(Debug, Clone)]
pub(super) enum Block {
    /// One coordinate restricted to an ascending grid (an integer parameter).
    Grid {
        /// The coordinate.
        coord: usize,
        /// Its allowed values, ascending.
        grid: Vec<f64>,
    },
    /// `n` one-hot coordinates from `offset` (a categorical parameter).
    OneHot {
        /// First coordinate.
        offset: usize,
        /// Number of choices.
        n: usize,
    },
}

/// Settings of one local search (from [`super::MaximizerConfig`]).
#[derive(Debug, Clone, Copy)]
pub(super) struct LocalSettings {
    pub max_sweeps: usize,
    pub lbfgs_max_iters: u64,
    pub lbfgs_memory: usize,
    pub grad_tol: f64,
    pub max_exhaustive: usize,
}

/// The search layout: continuous coordinates with their preconditioning
/// scales, and the discrete blocks.
pub(super) struct Layout<'a> {
    pub continuous: &'a [usize],
    pub scales: &'a [f64],
    pub blocks: &'a [Block],
}

/// Local ascent from `x` (value `fx`): returns the point reached and its value.
pub(super) fn local_search<O: Maximand>(
    f: &O,
    layout: &Layout<'_>,
    settings: &LocalSettings,
    mut x: Vec<f64>,
    mut fx: f64,
) -> (Vec<f64>, f64) {
    // Which block changed last: None, Some(0) continuous, Some(i + 1) block i.
    let mut last: Option<usize> = None;
    for _ in 0..settings.max_sweeps {
        if last == Some(0) {
            break;
        }
        if let Some((nx, nf)) = continuous_step(f, layout, settings, &x, fx) {
            (x, fx) = (nx, nf);
            last = Some(0);
        }
        for (i, block) in layout.blocks.iter().enumerate() {
            if last == Some(i + 1) {
                return (x, fx);
            }
            if let Some(nf) = discrete_step(f, block, settings.max_exhaustive, &mut x, fx) {
                fx = nf;
                last = Some(i + 1);
            }
        }
        if last.is_none() {
            break;
        }
    }
    (x, fx)
}

/// The continuous coordinates are optimised through the bounded
/// reparametrisation `x = (1 + sin(ℓ w))/2`, unconstrained in `w` and always
/// inside `[0, 1]` in `x`; the bounds are stationary points of the map, so an
/// optimum on the boundary is reached, not crossed. `ℓ` (a GP length scale
/// per coordinate, else 1) preconditions the problem: one unit of `w` moves
/// `x` by about `ℓ/2`, so every coordinate has a similar curvature (Optuna
/// divides by the length scales for the same reason).
/// A point `w`, the cost there and its gradient.
type Evaluated = (DVector<f64>, f64, DVector<f64>);

struct Reparametrised<'a, O> {
    f: &'a O,
    base: &'a [f64],
    continuous: &'a [usize],
    scales: &'a [f64],
    /// The last point evaluated, its cost and gradient in `w` (argmin asks for
    /// cost and gradient separately; the objective computes both at once).
    cache: RefCell<Option<Evaluated>>,
    /// The best point evaluated and its cost: what the step keeps, whatever
    /// state L-BFGS ends in.
    best: RefCell<Option<(DVector<f64>, f64)>>,
}

impl<O: Maximand> Reparametrised<'_, O> {
    fn to_x(&self, w: &DVector<f64>) -> Vec<f64> {
        let mut x = self.base.to_vec();
        for (k, &c) in self.continuous.iter().enumerate() {
            x[c] = 0.5 * (1.0 + (self.scales[k] * w[k]).sin());
        }
        x
    }

    /// Cost `−f` and its gradient in `w`.
    fn evaluate(&self, w: &DVector<f64>) -> (f64, DVector<f64>) {
        if let Some((cw, c, g)) = self.cache.borrow().as_ref()
            && cw == w
        {
            return (*c, g.clone());
        }
        let (v, grad) = self.f.value_and_gradient(&self.to_x(w));
        let cost = -finite_or_worst(v);
        let g = DVector::from_iterator(
            self.continuous.len(),
            self.continuous.iter().enumerate().map(|(k, &c)| {
                let s = self.scales[k];
                -grad[c] * 0.5 * s * (s * w[k]).cos()
            }),
        );
        *self.cache.borrow_mut() = Some((w.clone(), cost, g.clone()));
        let mut best = self.best.borrow_mut();
        if best.as_ref().is_none_or(|(_, c)| cost < *c) {
            *best = Some((w.clone(), cost));
        }
        (cost, g)
    }
}

impl<O: Maximand> CostFunction for Reparametrised<'_, O> {
    type Param = DVector<f64>;
    type Output = f64;
    fn cost(&self, w: &Self::Param) -> Result<f64, argmin::core::Error> {
        Ok(self.evaluate(w).0)
    }
}

impl<O: Maximand> Gradient for Reparametrised<'_, O> {
    type Param = DVector<f64>;
    type Gradient = DVector<f64>;
    fn gradient(&self, w: &Self::Param) -> Result<Self::Gradient, argmin::core::Error> {
        Ok(self.evaluate(w).1)
    }
}

/// The `w` of a point `x` (inverse of [`Reparametrised::to_x`], `w ∈ [−π/2ℓ, π/2ℓ]`).
fn to_w(x: &[f64], continuous: &[usize], scales: &[f64]) -> DVector<f64> {
    DVector::from_iterator(
        continuous.len(),
        continuous
            .iter()
            .zip(scales)
            .map(|(&c, s)| (2.0 * x[c] - 1.0).clamp(-1.0, 1.0).asin() / s),
    )
}

/// L-BFGS (argmin, Moré–Thuente line search) on the continuous coordinates
/// from `x`; `Some` with the new point if it improved on `fx`.
fn continuous_step<O: Maximand>(
    f: &O,
    layout: &Layout<'_>,
    settings: &LocalSettings,
    x: &[f64],
    fx: f64,
) -> Option<(Vec<f64>, f64)> {
    if layout.continuous.is_empty() || !fx.is_finite() {
        return None;
    }
    let problem = Reparametrised {
        f,
        base: x,
        continuous: layout.continuous,
        scales: layout.scales,
        cache: RefCell::new(None),
        best: RefCell::new(None),
    };
    let w0 = to_w(x, layout.continuous, layout.scales);
    let linesearch = Capped::new(1e4, LINE_SEARCH_ITERS).ok()?;
    // A positive cost tolerance ends L-BFGS when a capped line search
    // reports no move (see `Capped`); LogEI changes below 1e-12 are rounding.
    let solver = LBFGS::new(linesearch, settings.lbfgs_memory)
        .with_tolerance_grad(settings.grad_tol)
        .ok()?
        .with_tolerance_cost(1e-12)
        .ok()?;
    let result = Executor::new(problem, solver)
        .configure(|s| s.param(w0).max_iters(settings.lbfgs_max_iters))
        .ctrlc(false)
        .timer(false)
        .run();
    // Errors (a line search given an ascent direction by rounding) end the
    // step; the best point evaluated is kept either way.
    let mut result = result.ok()?;
    let problem = result.problem.take_problem()?;
    let (w, _) = problem.best.borrow().clone()?;
    let nx = problem.to_x(&w);
    let nf = finite_or_worst(f.value(&nx));
    (nf > fx).then_some((nx, nf))
}

/// One exact search over a discrete block, changing `x` in place; `Some`
/// with the new value if it improved on `fx`.
fn discrete_step<O: Maximand>(
    f: &O,
    block: &Block,
    max_exhaustive: usize,
    x: &mut [f64],
    fx: f64,
) -> Option<f64> {
    match block {
        &Block::OneHot { offset, n } => {
            let current = (0..n)
                .max_by(|&a, &b| x[offset + a].total_cmp(&x[offset + b]))
                .unwrap_or(0);
            let mut best = (current, fx);
            let mut y = x.to_vec();
            for k in (0..n).filter(|&k| k != current) {
                y[offset..offset + n].fill(0.0);
                y[offset + k] = 1.0;
                let v = finite_or_worst(f.value(&y));
                if v > best.1 {
                    best = (k, v);
                }
            }
            (best.0 != current).then(|| {
                x[offset..offset + n].fill(0.0);
                x[offset + best.0] = 1.0;
                best.1
            })
        }
        Block::Grid { coord, grid } => {
            let current = nearest(grid, x[*coord]);
            let (k, v) = grid_search(f, x, *coord, grid, current, fx, max_exhaustive);
            (k != current).then(|| {
                x[*coord] = grid[k];
                v
            })
        }
    }
}

/// Index of the grid value nearest `v`.
pub(super) fn nearest(grid: &[f64], v: f64) -> usize {
    let i = grid.partition_point(|&g| g < v);
    if i == 0 {
        0
    } else if i == grid.len() || v - grid[i - 1] <= grid[i] - v {
        i - 1
    } else {
        i
    }
}

/// The best grid index for coordinate `coord`: every value when the grid has
/// at most `max_exhaustive` of them; otherwise `max_exhaustive` evenly spaced
/// ones, then a ternary search of the index between the neighbours of the
/// best of those (exact on unimodal stretches, like Optuna's Brent search over
/// the interpolated grid).
fn grid_search<O: Maximand>(
    f: &O,
    x: &[f64],
    coord: usize,
    grid: &[f64],
    current: usize,
    fx: f64,
    max_exhaustive: usize,
) -> (usize, f64) {
    let n = grid.len();
    let mut y = x.to_vec();
    let mut cache: Vec<Option<f64>> = vec![None; n];
    cache[current] = Some(fx);
    let mut eval = |k: usize| -> f64 {
        *cache[k].get_or_insert_with(|| {
            y[coord] = grid[k];
            finite_or_worst(f.value(&y))
        })
    };
    let mut best = (current, fx);
    let consider = |k: usize, v: f64, best: &mut (usize, f64)| {
        if v > best.1 {
            *best = (k, v);
        }
    };
    if n <= max_exhaustive.max(2) {
        for k in 0..n {
            let v = eval(k);
            consider(k, v, &mut best);
        }
        return best;
    }
    let m = max_exhaustive.max(3);
    for j in 0..m {
        let k = j * (n - 1) / (m - 1);
        let v = eval(k);
        consider(k, v, &mut best);
    }
    let step = (n - 1).div_ceil(m - 1);
    let (mut lo, mut hi) = (best.0.saturating_sub(step), (best.0 + step).min(n - 1));
    // Ternary search of the index in [lo, hi], each round dropping a third.
    while hi - lo > 2 {
        let (a, b) = (lo + (hi - lo) / 3, hi - (hi - lo) / 3);
        let (va, vb) = (eval(a), eval(b));
        consider(a, va, &mut best);
        consider(b, vb, &mut best);
        if va >= vb {
            hi = b;
        } else {
            lo = a;
        }
    }
    for k in lo..=hi {
        let v = eval(k);
        consider(k, v, &mut best);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_picks_the_closest_grid_value() {
        let g = [0.1, 0.3, 0.7];
        assert_eq!(nearest(&g, -1.0), 0);
        assert_eq!(nearest(&g, 0.19), 0);
        assert_eq!(nearest(&g, 0.21), 1);
        assert_eq!(nearest(&g, 0.6), 2);
        assert_eq!(nearest(&g, 5.0), 2);
    }

    #[test]
    fn large_grid_search_finds_the_peak_of_a_unimodal_function() {
        let grid: Vec<f64> = (0..1000).map(|k| f64::from(k) / 999.0).collect();
        let f = |x: &[f64]| (-(x[0] - 0.6137).powi(2), vec![0.0]);
        let x = vec![grid[10]];
        let fx = f(&x).0;
        let (k, v) = grid_search(&f, &x, 0, &grid, 10, fx, 16);
        assert_eq!(k, nearest(&grid, 0.6137));
        assert_eq!(v, f(&[grid[k]]).0);
    }

    #[test]
    fn reparametrisation_round_trips_inside_the_box() {
        let f = |_: &[f64]| (0.0, vec![0.0; 3]);
        let base = [0.0, 0.25, 1.0];
        let cont = [0, 1, 2];
        let scales = [1.0, 0.1, 3.0];
        let p = Reparametrised {
            f: &f,
            base: &base,
            continuous: &cont,
            scales: &scales,
            cache: RefCell::new(None),
            best: RefCell::new(None),
        };
        let w = to_w(&base, &cont, &scales);
        let x = p.to_x(&w);
        for (a, b) in x.iter().zip(base) {
            // asin, a scale and sin back, on values ≤ 1: an ulp or two.
            approx::assert_abs_diff_eq!(*a, b, epsilon = 1e-15);
        }
        let far = p.to_x(&DVector::from_vec(vec![1e3, -7.0, 42.0]));
        assert!(far.iter().all(|v| (0.0..=1.0).contains(v)));
    }
}
