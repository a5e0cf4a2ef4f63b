//! One local search of the maximiser: L-BFGS on the continuous coordinates,
//! exact searches on the integer and categorical ones, alternated until no
//! block improves (coordinate-block ascent, as Optuna's `local_search_mixed`).

use super::linesearch::Capped;
use super::maximand::{Maximand, finite_or_worst};
use crate::space::IntEncoding;
use argmin::core::{CostFunction, Executor, Gradient};
use argmin::solver::quasinewton::LBFGS;
use nalgebra::DVector;
use std::cell::RefCell;

/// Most Moré–Thuente iterations per line search (see [`Capped`]).
const LINE_SEARCH_ITERS: u64 = 20;

/// A discrete block of coordinates.
#[derive(Debug, Clone)]
pub(super) enum Block {
    /// One coordinate restricted to the encodings of an integer range.
    Integer {
        /// The coordinate.
        coord: usize,
        /// The range's encoding (offset `k` to coordinate and back).
        int: IntEncoding,
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
/// scales and their box (`[0, 1]`, or a trust region's), and the discrete
/// blocks.
pub(super) struct Layout<'a> {
    pub continuous: &'a [usize],
    pub scales: &'a [f64],
    /// Per continuous coordinate, its lower bound (in `[0, 1]`).
    pub lower: &'a [f64],
    /// Per continuous coordinate, its upper bound (`≥ lower`, `≤ 1`).
    pub upper: &'a [f64],
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

/// A point `w`, the cost there and its gradient.
type Evaluated = (DVector<f64>, f64, DVector<f64>);

/// The continuous coordinates are optimised through the bounded
/// reparametrisation `x = a + (b − a)(1 + sin(s w))/2` on the box `[a, b]`
/// (`[0, 1]`, or a trust region inside it), unconstrained in `w` and always
/// inside the box in `x`; the bounds are stationary points of the map, so an
/// optimum on the boundary is reached, not crossed. `s = ℓ/(b − a)`, with
/// `ℓ` a GP length scale per coordinate (else 1), preconditions the
/// problem: one unit of `w` moves `x` by about `ℓ/2`, so every coordinate
/// has a similar curvature (Optuna divides by the length scales for the
/// same reason).
struct Reparametrised<'a, O> {
    f: &'a O,
    base: &'a [f64],
    continuous: &'a [usize],
    /// `s` per continuous coordinate (`ℓ/(b − a)`).
    scales: &'a [f64],
    lower: &'a [f64],
    upper: &'a [f64],
    /// The last point evaluated, its cost and gradient in `w` (argmin asks for
    /// cost and gradient separately; the objective computes both at once).
    cache: RefCell<Option<Evaluated>>,
    /// The best point evaluated and its cost: what the step keeps, whatever
    /// state L-BFGS ends in.
    best: RefCell<Option<(DVector<f64>, f64)>>,
}

impl<'a, O> Reparametrised<'a, O> {
    /// The problem around `base` on the `continuous` coordinates, with
    /// empty caches.
    fn new(
        f: &'a O,
        base: &'a [f64],
        continuous: &'a [usize],
        scales: &'a [f64],
        lower: &'a [f64],
        upper: &'a [f64],
    ) -> Self {
        Self {
            f,
            base,
            continuous,
            scales,
            lower,
            upper,
            cache: RefCell::new(None),
            best: RefCell::new(None),
        }
    }
}

impl<O: Maximand> Reparametrised<'_, O> {
    fn to_x(&self, w: &DVector<f64>) -> Vec<f64> {
        let mut x = self.base.to_vec();
        for (k, &c) in self.continuous.iter().enumerate() {
            let (a, b) = (self.lower[k], self.upper[k]);
            x[c] = (a + (b - a) * 0.5 * (1.0 + (self.scales[k] * w[k]).sin())).clamp(a, b);
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
                -grad[c] * (self.upper[k] - self.lower[k]) * 0.5 * s * (s * w[k]).cos()
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

/// The `w` of a point `x` (inverse of [`Reparametrised::to_x`],
/// `w ∈ [−π/2s, π/2s]`; a point outside the box maps to its nearest face, a
/// box of zero width to `w = 0`).
fn to_w(
    x: &[f64],
    continuous: &[usize],
    scales: &[f64],
    lower: &[f64],
    upper: &[f64],
) -> DVector<f64> {
    DVector::from_iterator(
        continuous.len(),
        continuous.iter().enumerate().map(|(k, &c)| {
            let width = upper[k] - lower[k];
            if width > 0.0 {
                (2.0 * (x[c] - lower[k]) / width - 1.0)
                    .clamp(-1.0, 1.0)
                    .asin()
                    / scales[k]
            } else {
                0.0
            }
        }),
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
    let problem = Reparametrised::new(
        f,
        x,
        layout.continuous,
        layout.scales,
        layout.lower,
        layout.upper,
    );
    let w0 = to_w(
        x,
        layout.continuous,
        layout.scales,
        layout.lower,
        layout.upper,
    );
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
        Block::Integer { coord, int } => {
            let current = int.offset(x[*coord]);
            let (k, v) = integer_search(f, x, *coord, int, current, fx, max_exhaustive);
            (k != current).then(|| {
                x[*coord] = int.coordinate(k);
                v
            })
        }
    }
}

/// Most golden-section rounds of [`integer_search`]: `0.618^40 ≈ 4·10⁻⁹`
/// of the bracket is left, far below any length scale a surrogate resolves
/// on the unit coordinate.
const GOLDEN_ROUNDS: usize = 40;

/// Offsets scanned on each side of the best one at the end of
/// [`integer_search`].
const NEIGHBOURS: u64 = 2;

/// `(√5 − 1)/2`, the golden-section ratio.
const INV_PHI: f64 = 0.618_033_988_749_894_8;

/// Most evaluations one integer search makes, on a range of more than
/// [`MaximizerConfig::max_exhaustive`](super::MaximizerConfig::max_exhaustive)
/// values, beyond its coarse scan of `max_exhaustive` of them: three per
/// golden-section round (two points, or one integer and its two neighbours
/// when both points fall in its share) and the final neighbours. The same for
/// a range of 10³ and of 10¹⁸ values.
pub const MAX_INTEGER_REFINEMENT: usize = 3 * GOLDEN_ROUNDS + 2 * NEIGHBOURS as usize + 1;

/// The best offset `k` of the integer at coordinate `coord`, starting from
/// `current` (value `fx`).
///
/// A range of at most `max_exhaustive` integers is searched exhaustively.
/// Otherwise the search runs on the encoded coordinate `u`, each `u` standing
/// for the integer whose share holds it ([`IntEncoding::offset`]), so that a
/// log range is searched evenly in its own scale: `max_exhaustive` evenly
/// spaced coordinates, then a golden-section search between the neighbours
/// of the best of those (exact on unimodal stretches, like Optuna's Brent
/// search over the interpolated grid) for at most [`GOLDEN_ROUNDS`] rounds or
/// until the bracket holds at most `2 NEIGHBOURS + 1` integers, and a scan of
/// those (or of the best's [`NEIGHBOURS`]). When both golden-section points
/// fall in one integer's share, its neighbours tell which side the maximum
/// lies on. The integers are never listed: memory and evaluations do not
/// depend on the range's width.
fn integer_search<O: Maximand>(
    f: &O,
    x: &[f64],
    coord: usize,
    int: &IntEncoding,
    current: u64,
    fx: f64,
    max_exhaustive: usize,
) -> (u64, f64) {
    let steps = int.steps();
    let mut y = x.to_vec();
    // At most `max_exhaustive + MAX_INTEGER_REFINEMENT + 1` entries (a
    // thousand at the most): a linear scan is cheap enough.
    let mut seen: Vec<(u64, f64)> = vec![(current, fx)];
    let mut best = (current, fx);
    let mut eval = |k: u64, best: &mut (u64, f64)| -> f64 {
        if let Some(&(_, v)) = seen.iter().find(|(j, _)| *j == k) {
            return v;
        }
        y[coord] = int.coordinate(k);
        let v = finite_or_worst(f.value(&y));
        seen.push((k, v));
        if v > best.1 {
            *best = (k, v);
        }
        v
    };
    let m = max_exhaustive.max(3);
    if steps < m as u64 {
        for k in 0..=steps {
            eval(k, &mut best);
        }
        return best;
    }
    let spacing = 1.0 / (m - 1) as f64;
    for j in 0..m {
        eval(int.offset(j as f64 * spacing), &mut best);
    }
    let centre = int.coordinate(best.0);
    let (mut lo, mut hi) = ((centre - spacing).max(0.0), (centre + spacing).min(1.0));
    for _ in 0..GOLDEN_ROUNDS {
        if int.offset(hi) - int.offset(lo) <= 2 * NEIGHBOURS {
            break;
        }
        let (a, b) = (hi - INV_PHI * (hi - lo), lo + INV_PHI * (hi - lo));
        let (ka, kb) = (int.offset(a), int.offset(b));
        if ka == kb {
            // One integer's share spans [a, b]: the maximum is it, or lies
            // on the side of its better neighbour.
            let v = eval(ka, &mut best);
            let left = if ka > 0 {
                eval(ka - 1, &mut best)
            } else {
                f64::NEG_INFINITY
            };
            let right = if ka < steps {
                eval(ka + 1, &mut best)
            } else {
                f64::NEG_INFINITY
            };
            if left > v {
                hi = a;
            } else if right > v {
                lo = b;
            } else {
                break;
            }
            continue;
        }
        if eval(ka, &mut best) >= eval(kb, &mut best) {
            hi = b;
        } else {
            lo = a;
        }
    }
    let (from, to) = if int.offset(hi) - int.offset(lo) <= 2 * NEIGHBOURS {
        (int.offset(lo), int.offset(hi))
    } else {
        (
            best.0.saturating_sub(NEIGHBOURS),
            best.0.saturating_add(NEIGHBOURS).min(steps),
        )
    };
    for k in from..=to {
        eval(k, &mut best);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::space::Scale;
    use std::cell::Cell;

    /// A counting objective: `−(u − peak)²` on coordinate 0.
    fn counted(peak: f64, calls: &Cell<usize>) -> impl Fn(&[f64]) -> (f64, Vec<f64>) + '_ {
        move |x: &[f64]| {
            calls.set(calls.get() + 1);
            (-(x[0] - peak).powi(2), vec![0.0])
        }
    }

    #[test]
    fn large_integer_search_finds_the_peak_of_a_unimodal_function() {
        let int = IntEncoding::new(0, 999, Scale::Linear);
        let calls = Cell::new(0);
        let f = counted(0.6137, &calls);
        let x = vec![int.coordinate(10)];
        let fx = f(&x).0;
        let (k, v) = integer_search(&f, &x, 0, &int, 10, fx, 16);
        assert_eq!(k, int.offset(0.6137));
        assert_eq!(v, f(&[int.coordinate(k)]).0);
    }

    /// The search costs at most `max_exhaustive + MAX_INTEGER_REFINEMENT`
    /// evaluations whatever the width (the old grid search listed every
    /// integer: 2.35 GB for 10^8 of them, a panic for `i64::MIN..=i64::MAX`),
    /// and still lands on the peak's share of the coordinate to within the
    /// golden-section bracket left after its rounds.
    #[test]
    fn integer_search_cost_does_not_grow_with_the_range() {
        let ranges = [
            (1, 1_000, Scale::Linear),
            (1, 100_000_000, Scale::Linear),
            (
                -1_000_000_000_000_000_000,
                1_000_000_000_000_000_000,
                Scale::Linear,
            ),
            (i64::MIN, i64::MAX, Scale::Linear),
            (1, i64::MAX, Scale::Log),
        ];
        for (low, high, scale) in ranges {
            let int = IntEncoding::new(low, high, scale);
            for peak in [0.0, 0.3, 0.61803, 1.0] {
                let calls = Cell::new(0);
                let f = counted(peak, &calls);
                let x = vec![int.coordinate(0)];
                let fx = f(&x).0;
                let (k, _) = integer_search(&f, &x, 0, &int, 0, fx, 16);
                // One call for `fx`, then the search's own.
                assert!(
                    calls.get() <= 1 + 16 + MAX_INTEGER_REFINEMENT,
                    "{low}..={high}: {} evaluations",
                    calls.get()
                );
                // As near the peak as the integer whose share holds it, up to
                // the bracket 40 rounds leave: 0.618^40 of twice the coarse
                // spacing (1/15 of the coordinate) is 6e-10 of the coordinate.
                let u = int.coordinate(k);
                let share = (int.coordinate(int.offset(peak)) - peak).abs();
                assert!(
                    (u - peak).abs() <= share + 1e-9,
                    "{low}..={high}: {u} for {peak}"
                );
            }
        }
    }

    #[test]
    fn reparametrisation_round_trips_inside_the_box() {
        let f = |_: &[f64]| (0.0, vec![0.0; 3]);
        let base = [0.0, 0.25, 1.0];
        let cont = [0, 1, 2];
        let scales = [1.0, 0.1, 3.0];
        let (lower, upper) = ([0.0; 3], [1.0; 3]);
        let p = Reparametrised::new(&f, &base, &cont, &scales, &lower, &upper);
        let w = to_w(&base, &cont, &scales, &lower, &upper);
        let x = p.to_x(&w);
        for (a, b) in x.iter().zip(base) {
            // asin, a scale and sin back, on values ≤ 1: an ulp or two.
            approx::assert_abs_diff_eq!(*a, b, epsilon = 1e-15);
        }
        let far = p.to_x(&DVector::from_vec(vec![1e3, -7.0, 42.0]));
        assert!(far.iter().all(|v| (0.0..=1.0).contains(v)));
    }

    #[test]
    fn reparametrisation_stays_in_a_sub_box() {
        let f = |_: &[f64]| (0.0, vec![0.0; 3]);
        let base = [0.3, 0.45, 0.9];
        let cont = [0, 1, 2];
        let scales = [2.0, 0.5, 1.0];
        // The third box has zero width: its coordinate is pinned.
        let (lower, upper) = ([0.2, 0.4, 0.9], [0.4, 0.5, 0.9]);
        let p = Reparametrised::new(&f, &base, &cont, &scales, &lower, &upper);
        let x = p.to_x(&to_w(&base, &cont, &scales, &lower, &upper));
        for (a, b) in x.iter().zip(base) {
            // As above, times a width below 1.
            approx::assert_abs_diff_eq!(*a, b, epsilon = 1e-15);
        }
        for w in [vec![1e3, -7.0, 42.0], vec![-3.3, 1e6, -1.0]] {
            let x = p.to_x(&DVector::from_vec(w));
            for k in 0..3 {
                assert!((lower[k]..=upper[k]).contains(&x[k]), "{x:?}");
            }
        }
    }
}
