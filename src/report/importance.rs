//! Parameter importance from a fitted GP's ARD length scales.
//!
//! With inputs in the unit cube, a Matérn/RBF kernel with length scale `l_j`
//! varies on the scale `l_j` along coordinate `j`: the objective is sensitive
//! to a parameter whose length scale is short. The importance of a numeric
//! parameter is `1/l_j`; for a categorical with one-hot coordinates, switching
//! choice `a` to `b` moves two coordinates by one, a scaled distance of
//! `sqrt(1/l_a^2 + 1/l_b^2)`, whose mean over choices is about
//! `sqrt(2 mean_j 1/l_j^2)`. The importances are normalised to sum to one.

use crate::space::{EncodedKind, SearchSpace};

/// Normalised importance of each free parameter from the encoded dimensions'
/// length scales (`length_scales.len() == space.dim()`), in the space's order.
/// Returns an empty list if the lengths do not match.
#[must_use]
pub fn importance_from_length_scales(
    space: &SearchSpace,
    length_scales: &[f64],
) -> Vec<(String, f64)> {
    if length_scales.len() != space.dim() {
        return Vec::new();
    }
    let raw: Vec<(String, f64)> = space
        .encoded_params()
        .iter()
        .map(|e| {
            let ls = &length_scales[e.offset..e.offset + e.width()];
            let v = match e.kind {
                EncodedKind::OneHot { n } => {
                    (2.0 * ls.iter().map(|l| l.powi(-2)).sum::<f64>() / n as f64).sqrt()
                }
                _ => 1.0 / ls[0],
            };
            (e.name.clone(), if v.is_finite() { v } else { 0.0 })
        })
        .collect();
    let total: f64 = raw.iter().map(|(_, v)| v).sum();
    if total <= 0.0 {
        return raw.into_iter().map(|(n, _)| (n, 0.0)).collect();
    }
    raw.into_iter().map(|(n, v)| (n, v / total)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::space::Scale;
    use approx::assert_relative_eq;

    #[test]
    fn short_length_scales_matter_most() {
        let space = SearchSpace::builder()
            .float("a", 0.0..=1.0, Scale::Linear)
            .float("b", 0.0..=1.0, Scale::Linear)
            .categorical("c", ["x", "y"])
            .build()
            .unwrap();
        let imp = importance_from_length_scales(&space, &[0.1, 1.0, 1.0, 1.0]);
        // raw: a 10, b 1, c sqrt(2 * (1 + 1) / 2) = sqrt(2).
        let total = 11.0 + 2f64.sqrt();
        // A division and a square root each: a few ulps.
        assert_relative_eq!(imp[0].1, 10.0 / total, epsilon = 1e-12);
        assert_relative_eq!(imp[1].1, 1.0 / total, epsilon = 1e-12);
        assert_relative_eq!(imp[2].1, 2f64.sqrt() / total, epsilon = 1e-12);
        assert!(importance_from_length_scales(&space, &[1.0]).is_empty());
    }
}
