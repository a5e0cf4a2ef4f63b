//! Batched forward and backward passes over buffers allocated once.
//!
//! Layer `l` maps `A_{l-1}` (`rows x n_in`) to `A_l = f(A_{l-1} W_l + b_l)`
//! with `W_l` stored `n_in x n_out` row-major, so the forward product needs
//! no transpose. Backward, with `Δ_l = ∂L/∂Z_l`:
//! `∂L/∂W_l = A_{l-1}ᵀ Δ_l`, `∂L/∂b_l = 1ᵀ Δ_l`,
//! `Δ_{l-1} = (Δ_l W_lᵀ) ⊙ mask ⊙ f'(A_{l-1})`; both transposes are strides.

use crate::rng::StudyRng;

use super::head::Head;
use super::input::Targets;
use super::matrix::{Op, gemm};
use super::network::Network;
use super::regularization::draw_dropout_mask;

/// Every buffer one network needs for batches of up to `capacity` rows.
#[derive(Clone, Debug)]
pub(crate) struct Workspace {
    capacity: usize,
    /// Post-activation outputs per layer (logits for the last).
    acts: Vec<Vec<f32>>,
    /// Hidden outputs after dropout (the next layer's input), if dropout.
    dropped: Vec<Vec<f32>>,
    /// Inverted-dropout masks per hidden layer, if dropout.
    masks: Vec<Vec<f32>>,
    /// `Δ` of the current layer and scratch for the previous one.
    delta: Vec<f32>,
    spare: Vec<f32>,
    /// The gradient, laid out like the network's parameters.
    pub(crate) grads: Vec<f32>,
    /// Whether the last forward pass applied dropout.
    dropout_used: bool,
}

impl Workspace {
    /// Buffers for `net` and batches of up to `capacity` rows; dropout
    /// buffers only if `dropout`.
    pub(crate) fn new(net: &Network, capacity: usize, dropout: bool) -> Self {
        let sizes = net.sizes();
        let n_layers = sizes.len() - 1;
        let widest = sizes[1..].iter().copied().max().unwrap_or(1);
        let hidden = if dropout { n_layers - 1 } else { 0 };
        Self {
            capacity,
            acts: (0..n_layers)
                .map(|l| vec![0.0; capacity * sizes[l + 1]])
                .collect(),
            dropped: (0..hidden)
                .map(|l| vec![0.0; capacity * sizes[l + 1]])
                .collect(),
            masks: (0..hidden)
                .map(|l| vec![0.0; capacity * sizes[l + 1]])
                .collect(),
            delta: vec![0.0; capacity * widest],
            spare: vec![0.0; capacity * widest],
            grads: vec![0.0; net.n_params()],
            dropout_used: false,
        }
    }

    /// The largest batch the buffers hold.
    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    /// The logits of the last forward pass over `rows` rows.
    pub(crate) fn logits(&self, net: &Network, rows: usize) -> &[f32] {
        &self.acts[self.acts.len() - 1][..rows * net.n_outputs()]
    }

    /// The forward pass of `rows` rows of `x` (`rows x n_inputs`). With
    /// `dropout = Some((p, rng))` and `p > 0`, each hidden output is dropped
    /// with probability `p` (inverted scaling). Returns the logits.
    pub(crate) fn forward(
        &mut self,
        net: &Network,
        x: &[f32],
        rows: usize,
        dropout: Option<(f32, &mut StudyRng)>,
    ) -> &[f32] {
        debug_assert!(rows <= self.capacity);
        let sizes = net.sizes();
        let n_layers = sizes.len() - 1;
        let mut dropout = dropout.filter(|(p, _)| *p > 0.0 && !self.masks.is_empty());
        self.dropout_used = dropout.is_some();
        let Self {
            acts,
            dropped,
            masks,
            ..
        } = self;
        for l in 0..n_layers {
            let (n_in, n_out) = (sizes[l], sizes[l + 1]);
            let (done, rest) = acts.split_at_mut(l);
            let out = &mut rest[0][..rows * n_out];
            let input: &[f32] = match l {
                0 => &x[..rows * n_in],
                _ if dropout.is_some() => &dropped[l - 1][..rows * n_in],
                _ => &done[l - 1][..rows * n_in],
            };
            let bias = net.bias(l);
            for row in out.chunks_exact_mut(n_out) {
                row.copy_from_slice(bias);
            }
            gemm(
                rows,
                n_out,
                n_in,
                1.0,
                input,
                Op::N,
                net.weights(l),
                Op::N,
                1.0,
                out,
            );
            if l + 1 < n_layers {
                net.activation().apply_slice(out);
                if let Some((p, rng)) = dropout.as_mut() {
                    let mask = &mut masks[l][..rows * n_out];
                    draw_dropout_mask(mask, *p, rng);
                    let kept = &mut dropped[l][..rows * n_out];
                    for ((k, &a), &m) in kept.iter_mut().zip(out.iter()).zip(mask.iter()) {
                        *k = a * m;
                    }
                }
            }
        }
        &self.acts[n_layers - 1][..rows * sizes[n_layers]]
    }

    /// The backward pass after [`Workspace::forward`] on the same rows:
    /// writes the gradient of the batch's mean data loss into `grads` and
    /// returns the loss summed over rows.
    pub(crate) fn backward(
        &mut self,
        net: &Network,
        x: &[f32],
        rows: usize,
        targets: &Targets<'_>,
    ) -> f64 {
        let sizes = net.sizes();
        let n_layers = sizes.len() - 1;
        let k = sizes[n_layers];
        let head: Head = net.head();
        let loss = head.loss_and_gradient(
            &self.acts[n_layers - 1][..rows * k],
            k,
            targets,
            1.0 / rows as f32,
            &mut self.delta[..rows * k],
        );
        for l in (0..n_layers).rev() {
            let (n_in, n_out) = (sizes[l], sizes[l + 1]);
            let input: &[f32] = match l {
                0 => &x[..rows * n_in],
                _ if self.dropout_used => &self.dropped[l - 1][..rows * n_in],
                _ => &self.acts[l - 1][..rows * n_in],
            };
            let delta = &self.delta[..rows * n_out];
            let (gw, gb) = net.split_grads(&mut self.grads, l);
            gemm(n_in, n_out, rows, 1.0, input, Op::T, delta, Op::N, 0.0, gw);
            gb.fill(0.0);
            for row in delta.chunks_exact(n_out) {
                gb.iter_mut().zip(row).for_each(|(g, &d)| *g += d);
            }
            if l > 0 {
                let prev = &mut self.spare[..rows * n_in];
                gemm(
                    rows,
                    n_in,
                    n_out,
                    1.0,
                    delta,
                    Op::N,
                    net.weights(l),
                    Op::T,
                    0.0,
                    prev,
                );
                if self.dropout_used {
                    prev.iter_mut()
                        .zip(&self.masks[l - 1][..rows * n_in])
                        .for_each(|(d, &m)| *d *= m);
                }
                net.activation()
                    .backprop_slice(&self.acts[l - 1][..rows * n_in], prev);
                std::mem::swap(&mut self.delta, &mut self.spare);
            }
        }
        loss
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{Activation, NetworkSpec};
    use crate::rng::rng_from_seed;

    /// With dropout the loss is a smooth function of the parameters for a
    /// fixed mask; re-seeding the generator redraws the same mask, so the
    /// backward pass (mask applied to `Δ`) can be checked by finite
    /// differences like the dropout-free one (tolerance as in
    /// `tests/nn_gradients.rs`: `1e-4` for a network's `f32` loss).
    #[test]
    fn dropout_gradient_matches_finite_differences() {
        let labels: Vec<usize> = (0..12).map(|i| i % 3).collect();
        let y = Targets::classes(&labels, 3);
        let x: Vec<f32> = (0..12 * 4)
            .map(|i| ((i * 37 % 29) as f32 / 14.0) - 1.0)
            .collect();
        let spec = NetworkSpec::default()
            .hidden([6, 5])
            .activation(Activation::Tanh);
        let mut net = Network::new(&spec, 4, &y, &mut rng_from_seed(8)).unwrap();
        let mut ws = Workspace::new(&net, 12, true);
        let loss_of = |ws: &mut Workspace, net: &Network| {
            ws.forward(net, &x, 12, Some((0.4, &mut rng_from_seed(77))));
            net.head().loss(ws.logits(net, 12), 3, &y) / 12.0
        };
        ws.forward(&net, &x, 12, Some((0.4, &mut rng_from_seed(77))));
        assert!(ws.dropout_used);
        let dropped = ws.masks.iter().flatten().filter(|&&m| m == 0.0).count();
        assert!(dropped > 0, "the mask drops some units");
        ws.backward(&net, &x, 12, &y);
        let grad = ws.grads.clone();
        let h = 1.0f32 / 32.0;
        for (i, &g) in grad.iter().enumerate() {
            let theta = net.params()[i];
            let mut f = |v: f32| {
                net.params_mut()[i] = v;
                loss_of(&mut ws, &net)
            };
            let (p1, m1, p2, m2) = (
                f(theta + h),
                f(theta - h),
                f(theta + 2.0 * h),
                f(theta - 2.0 * h),
            );
            net.params_mut()[i] = theta;
            let numeric = (8.0 * (p1 - m1) - (p2 - m2)) / (12.0 * f64::from(h));
            let diff = (f64::from(g) - numeric).abs();
            // f32 rounding of the loss through the h = 2^-5 stencil, ≈ 1e-4
            // (derived in tests/it/nn_gradients.rs).
            assert!(diff < 1e-4, "parameter {i}: {g} vs {numeric}");
        }
    }
}
