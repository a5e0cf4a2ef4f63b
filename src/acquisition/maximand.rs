//! What the maximiser maximises: a function of the encoded point with its
//! gradient.

/// A function of an encoded point `x` to maximise, with its gradient.
///
/// One required method; a closure `Fn(&[f64]) -> (f64, Vec<f64>)` is one.
/// Implementations with a cheaper value-only or batched path (a GP posterior
/// predicted for many points at once) override [`Maximand::value`] and
/// [`Maximand::values`]. NaN counts as `−∞`.
///
/// An objective that cannot evaluate a point returns `−∞` for it rather than
/// an error: the point counts as the worst and is never chosen, and the
/// maximiser goes on with the others. The GP sampler's objective does so when
/// [`Gp::predict`](crate::gp::Gp::predict) rejects a point (a NaN or infinite
/// coordinate, found by an `is_finite` scan before any kernel arithmetic); a
/// batch that `predict_many` rejects is evaluated point by point, so only the
/// bad points are lost.
pub trait Maximand {
    /// The value at `x` and its gradient with respect to every coordinate of
    /// `x` (the maximiser reads the continuous coordinates only).
    fn value_and_gradient(&self, x: &[f64]) -> (f64, Vec<f64>);

    /// The value at `x`.
    fn value(&self, x: &[f64]) -> f64 {
        self.value_and_gradient(x).0
    }

    /// The values at many points.
    fn values(&self, xs: &[Vec<f64>]) -> Vec<f64> {
        xs.iter().map(|x| self.value(x)).collect()
    }
}

impl<F: Fn(&[f64]) -> (f64, Vec<f64>)> Maximand for F {
    fn value_and_gradient(&self, x: &[f64]) -> (f64, Vec<f64>) {
        self(x)
    }
}

/// `v`, with NaN mapped to `−∞` so comparisons never pick it.
pub(super) fn finite_or_worst(v: f64) -> f64 {
    if v.is_nan() { f64::NEG_INFINITY } else { v }
}
