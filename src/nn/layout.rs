//! Where a network's parameters sit in its flat parameter vector.

use std::ops::Range;

/// Where each layer's weights and biases sit in the flat parameter vector:
/// all weight matrices first (layer by layer, each `n_in x n_out`
/// row-major), then all bias vectors. Weights first lets penalties and
/// weight decay address them as one prefix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Layout {
    pub(crate) sizes: Vec<usize>,
    weight_at: Vec<usize>,
    bias_at: Vec<usize>,
    pub(crate) n_weights: usize,
    pub(crate) n_params: usize,
}

impl Layout {
    pub(crate) fn new(sizes: Vec<usize>) -> Self {
        let n_layers = sizes.len() - 1;
        let mut weight_at = Vec::with_capacity(n_layers);
        let mut at = 0;
        for l in 0..n_layers {
            weight_at.push(at);
            at += sizes[l] * sizes[l + 1];
        }
        let n_weights = at;
        let mut bias_at = Vec::with_capacity(n_layers);
        for &width in &sizes[1..] {
            bias_at.push(at);
            at += width;
        }
        Self {
            sizes,
            weight_at,
            bias_at,
            n_weights,
            n_params: at,
        }
    }

    pub(crate) fn weights(&self, l: usize) -> Range<usize> {
        self.weight_at[l]..self.weight_at[l] + self.sizes[l] * self.sizes[l + 1]
    }

    pub(crate) fn bias(&self, l: usize) -> Range<usize> {
        self.bias_at[l]..self.bias_at[l] + self.sizes[l + 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_puts_weights_before_biases() {
        let l = Layout::new(vec![3, 4, 2]);
        assert_eq!(l.weights(0), 0..12);
        assert_eq!(l.weights(1), 12..20);
        assert_eq!(l.bias(0), 20..24);
        assert_eq!(l.bias(1), 24..26);
        assert_eq!((l.n_weights, l.n_params), (20, 26));
    }
}
