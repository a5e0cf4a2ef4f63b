//! Finite-difference checks of every analytic gradient in `nn`: the
//! activations, the output heads, the penalties and whole 3-layer networks.
//!
//! # Method and tolerance
//!
//! The network computes in `f32`, so the checks use the fourth-order
//! central stencil
//! `D(h) = [8 (f(θ+h) - f(θ-h)) - (f(θ+2h) - f(θ-2h))] / (12 h)`,
//! whose truncation error is `h⁴ |f⁽⁵⁾| / 30` and whose rounding error is
//! at most `1.5 δ / h` when each evaluation of `f` is off by at most `δ`.
//! With `h = 2⁻⁵` the truncation term is below `4e-8 |f⁽⁵⁾|` (under `1e-6`
//! for the smooth functions here), and the rounding term dominates
//! (`u = 2⁻²⁴ ≈ 6e-8` is the `f32` unit roundoff):
//! - a scalar activation with `|f| < 4` has `δ ≤ 2u`, so
//!   `1.5 δ / h ≤ 5.7e-6`: tolerance **1e-5** absolute;
//! - a head's per-row loss `m + ln s - z_y` with logits of size ≤ 3 takes
//!   about four roundings of values below 4, `δ ≤ 4 · 4u ≈ 1e-6` (the sum
//!   over rows is in `f64`), giving `4.8e-5`: tolerance **5e-5** absolute;
//! - a penalty is summed in `f64` from `f32` weights, so `δ ≈ 1e-15` and
//!   the only error is the `f32` gradient itself (a product or two, `2u`
//!   relative): tolerance **1e-7 + 1e-6 |g|**;
//! - a network's mean loss goes through three `f32` matrix products with
//!   inner dimensions ≤ 7 and a softmax, `δ ≲ 2e-6` in the worst case,
//!   giving `≈ 1e-4`: tolerance **1e-4** absolute.
//!
//! Every checked gradient has components of order `1e-2..1`, so a missing
//! factor, a wrong transpose or a wrong derivative shows up far above these
//! tolerances. ReLU-type functions are only checked where no stencil point
//! crosses a kink, and the network check asserts that precondition.

use autotune::nn::{Activation, Head, MatRef, Network, NetworkSpec, Regularizer, Targets};
use autotune::rng::rng_from_seed;

const H: f32 = 1.0 / 32.0;

/// The fourth-order central difference of `f` at `x` with step `h`.
fn stencil(x: f32, h: f32, mut f: impl FnMut(f32) -> f64) -> f64 {
    let (p1, m1, p2, m2) = (f(x + h), f(x - h), f(x + 2.0 * h), f(x - 2.0 * h));
    (8.0 * (p1 - m1) - (p2 - m2)) / (12.0 * f64::from(h))
}

fn assert_close(what: &str, analytic: f64, numeric: f64, atol: f64, rtol: f64) {
    let tol = atol + rtol * numeric.abs();
    assert!(
        (analytic - numeric).abs() <= tol,
        "{what}: analytic {analytic:.7e} vs finite difference {numeric:.7e} (tolerance {tol:.1e})"
    );
}

#[test]
fn activation_derivatives_match_finite_differences() {
    let all = [
        Activation::Relu,
        Activation::LeakyRelu { slope: 0.1 },
        Activation::Sigmoid,
        Activation::Tanh,
        Activation::Identity,
    ];
    // Points at least 3h from the kink at 0 (the stencil reaches 2h).
    let xs = [-3.0f32, -1.7, -0.9, -0.3, -0.1, 0.1, 0.25, 0.8, 1.3, 2.9];
    for act in all {
        for &x in &xs {
            let numeric = stencil(x, H, |v| f64::from(act.apply(v)));
            let analytic = f64::from(act.derivative(act.apply(x)));
            // Rounding of f32 activations through the stencil: 5.7e-6 (module doc).
            assert_close(&format!("{act} at {x}"), analytic, numeric, 1e-5, 0.0);
        }
    }
}

/// Checks `head`'s gradient for a batch of logits against differences of
/// its mean loss.
fn check_head(head: Head, logits: &[f32], k: usize, targets: &Targets<'_>) {
    let rows = logits.len() / k;
    let scale = 1.0 / rows as f32;
    let mut grad = vec![0.0f32; logits.len()];
    head.loss_and_gradient(logits, k, targets, scale, &mut grad);
    for i in 0..logits.len() {
        let numeric = stencil(logits[i], H, |v| {
            let mut z = logits.to_vec();
            z[i] = v;
            head.loss(&z, k, targets) / rows as f64
        });
        // Four roundings per row loss through the stencil: 4.8e-5 (module doc).
        assert_close(
            &format!("{head}, logit {i}"),
            f64::from(grad[i]),
            numeric,
            5e-5,
            0.0,
        );
    }
}

#[test]
fn head_gradients_match_finite_differences() {
    let logits: Vec<f32> = (0..12)
        .map(|i| ((i * 37 % 13) as f32 - 6.0) / 2.5)
        .collect();
    check_head(Head::Softmax, &logits, 4, &Targets::classes(&[3, 0, 2], 4));
    let z = [-2.0f32, -0.4, 0.3, 1.1, 2.7];
    check_head(Head::Sigmoid, &z, 1, &Targets::classes(&[0, 1, 1, 0, 1], 2));
    let y = [0.5f32, -1.0, 2.0, 0.0, 1.5, -0.5];
    let t = Targets::Values {
        values: &y,
        n_outputs: 2,
    };
    check_head(Head::Identity, &logits[..6], 2, &t);
}

#[test]
fn penalty_gradients_match_finite_differences() {
    let w = [0.7f32, -1.3, 0.2, -0.45, 2.1];
    for reg in [
        Regularizer::L1 { lambda: 0.3 },
        Regularizer::L2 { lambda: 0.7 },
        Regularizer::ElasticNet {
            lambda: 0.5,
            l1_ratio: 0.3,
        },
    ] {
        let mut grad = vec![0.0f32; w.len()];
        reg.add_gradient(&w, &mut grad);
        for i in 0..w.len() {
            let numeric = stencil(w[i], H, |v| {
                let mut u = w;
                u[i] = v;
                reg.penalty(&u)
            });
            // f64 penalty, f32 gradient of a product or two (module doc).
            assert_close(
                &format!("{reg:?}, weight {i}"),
                f64::from(grad[i]),
                numeric,
                1e-7,
                1e-6,
            );
        }
    }
}

/// Deterministic features in `[-1, 1)`.
fn features(rows: usize, d: usize, mul: usize) -> Vec<f32> {
    (0..rows * d)
        .map(|i| ((i * mul % 97) as f32 / 48.0) - 1.0)
        .collect()
}

/// A `5-7-6-k` network with biases of ±0.1, ±0.3 and every weight at least 0.1
/// away from 0 (so the L1 kink is never inside the stencil).
fn test_network(act: Activation, head: Option<Head>, y: &Targets<'_>, seed: u64) -> Network {
    let mut spec = NetworkSpec::default().hidden([7, 6]).activation(act);
    spec.head = head;
    let mut net = Network::new(&spec, 5, y, &mut rng_from_seed(seed)).unwrap();
    let n_w = net.n_weights();
    for (i, p) in net.params_mut().iter_mut().enumerate() {
        if i < n_w {
            *p = p.signum() * (p.abs() + 0.1);
        } else {
            *p = ((i % 4) as f32 - 1.5) / 5.0;
        }
    }
    net
}

/// Checks every parameter's gradient of `net`'s regularised mean loss on
/// `x`, `y` against the stencil applied to the library's own `f32` loss.
fn check_network(
    net: &mut Network,
    x: MatRef<'_>,
    y: &Targets<'_>,
    reg: Regularizer,
    penalize_biases: bool,
) {
    let mut grad = vec![0.0f32; net.n_params()];
    net.loss_and_gradient(x, y, reg, penalize_biases, &mut grad)
        .unwrap();
    let mut scratch = vec![0.0f32; net.n_params()];
    for (i, &g) in grad.iter().enumerate() {
        let theta = net.params()[i];
        let numeric = stencil(theta, H, |v| {
            net.params_mut()[i] = v;
            net.loss_and_gradient(x, y, reg, penalize_biases, &mut scratch)
                .unwrap()
        });
        net.params_mut()[i] = theta;
        // Three f32 products and a softmax through the stencil: ≈ 1e-4 (module doc).
        assert_close(
            &format!(
                "{} {}, {reg:?}, parameter {i} of {}",
                net.activation(),
                net.head(),
                net.n_params()
            ),
            f64::from(g),
            numeric,
            1e-4,
            0.0,
        );
    }
}

#[test]
fn network_gradients_match_finite_differences_for_smooth_activations() {
    let labels: Vec<usize> = (0..16).map(|i| i * 5 % 3).collect();
    let y = Targets::classes(&labels, 3);
    let x = features(16, 5, 7919);
    let x = MatRef::new(&x, 16, 5).unwrap();
    for act in [Activation::Tanh, Activation::Sigmoid, Activation::Identity] {
        let mut net = test_network(act, None, &y, 11);
        check_network(&mut net, x, &y, Regularizer::None, false);
    }
}

/// The mean softmax cross-entropy of a network with parameters `p` (laid
/// out as [`Network::params`]) on `x`, `labels`, by a plain `f64` forward
/// pass written independently of the library's. Also returns the sign of
/// every hidden pre-activation.
fn reference_loss(
    sizes: &[usize],
    act: Activation,
    p: &[f64],
    x: &[f32],
    labels: &[usize],
) -> (f64, Vec<bool>) {
    let rows = labels.len();
    let n_layers = sizes.len() - 1;
    let n_weights: usize = (0..n_layers).map(|l| sizes[l] * sizes[l + 1]).sum();
    let (mut w_at, mut b_at) = (0, n_weights);
    let mut signs = Vec::new();
    let mut a: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
    for l in 0..n_layers {
        let (n_in, n_out) = (sizes[l], sizes[l + 1]);
        let mut z = vec![0.0f64; rows * n_out];
        for r in 0..rows {
            for j in 0..n_out {
                let s: f64 = (0..n_in)
                    .map(|i| a[r * n_in + i] * p[w_at + i * n_out + j])
                    .sum();
                z[r * n_out + j] = s + p[b_at + j];
            }
        }
        w_at += n_in * n_out;
        b_at += n_out;
        if l + 1 < n_layers {
            signs.extend(z.iter().map(|&v| v > 0.0));
            z.iter_mut().for_each(|v| {
                *v = match act {
                    Activation::Relu => v.max(0.0),
                    Activation::LeakyRelu { slope } => {
                        if *v > 0.0 {
                            *v
                        } else {
                            f64::from(slope) * *v
                        }
                    }
                    Activation::Sigmoid => 1.0 / (1.0 + (-*v).exp()),
                    Activation::Tanh => v.tanh(),
                    Activation::Identity => *v,
                }
            });
        }
        a = z;
    }
    let k = sizes[n_layers];
    let loss: f64 = a
        .chunks(k)
        .zip(labels)
        .map(|(z, &y)| z.iter().map(|v| v.exp()).sum::<f64>().ln() - z[y])
        .sum();
    (loss / rows as f64, signs)
}

/// Every activation, the kinked ones included: the library's `f32`
/// gradient against central differences (`h = 1e-6`) of an independent
/// `f64` forward pass of the same function. The reference is first shown
/// to agree with the library's loss; in `f64` the difference is accurate to
/// about `1e-9`, so the tolerance (**1e-6** absolute) is set by the `f32`
/// backward pass alone: each gradient entry sums 16 rows of chained
/// products of magnitude ≤ 1, so its rounding error is at most about
/// `16 u Σ|terms| ≈ 1e-6`. The sign pattern of the hidden units is asserted unchanged
/// at every stencil point (no kink crossed).
#[test]
fn network_gradients_match_an_f64_reference_for_every_activation() {
    let labels: Vec<usize> = (0..16).map(|i| i * 5 % 3).collect();
    let y = Targets::classes(&labels, 3);
    let x = features(16, 5, 7919);
    let xm = MatRef::new(&x, 16, 5).unwrap();
    for act in [
        Activation::Relu,
        Activation::LeakyRelu { slope: 0.1 },
        Activation::Tanh,
        Activation::Sigmoid,
        Activation::Identity,
    ] {
        let net = test_network(act, None, &y, 11);
        let mut grad = vec![0.0f32; net.n_params()];
        let loss = net
            .loss_and_gradient(xm, &y, Regularizer::None, false, &mut grad)
            .unwrap();
        let mut p: Vec<f64> = net.params().iter().map(|&v| f64::from(v)).collect();
        let (reference, signs) = reference_loss(net.sizes(), act, &p, &x, &labels);
        // The library's f32 forward pass (inner dimensions ≤ 7, a softmax)
        // against f64: a dozen roundings of u = 6e-8 relative each on the
        // way to the loss, under 1e-6 (measured 1.5e-8).
        approx::assert_relative_eq!(loss, reference, max_relative = 1e-6);
        let h = 1e-6;
        for i in 0..p.len() {
            let theta = p[i];
            p[i] = theta + h;
            let (up, s_up) = reference_loss(net.sizes(), act, &p, &x, &labels);
            p[i] = theta - h;
            let (down, s_down) = reference_loss(net.sizes(), act, &p, &x, &labels);
            p[i] = theta;
            assert!(
                s_up == signs && s_down == signs,
                "{act}: parameter {i} crosses a kink"
            );
            let numeric = (up - down) / (2.0 * h);
            // The f32 backward pass alone: 16 rows of products ≤ 1 (doc above).
            assert_close(
                &format!("{act}, parameter {i}"),
                f64::from(grad[i]),
                numeric,
                1e-6,
                0.0,
            );
        }
    }
}

#[test]
fn network_gradients_match_finite_differences_for_every_head() {
    let labels: Vec<usize> = (0..16).map(|i| (i * 3 + 1) % 2).collect();
    let binary = Targets::classes(&labels, 2);
    let values: Vec<f32> = (0..32).map(|i| ((i * 13 % 7) as f32 - 3.0) / 2.0).collect();
    let regression = Targets::Values {
        values: &values,
        n_outputs: 2,
    };
    // Softmax is covered by the activation tests; the sigmoid head is named
    // explicitly, the identity head follows from value targets.
    let x = features(16, 5, 31);
    let x = MatRef::new(&x, 16, 5).unwrap();
    let mut net = test_network(Activation::Tanh, Some(Head::Sigmoid), &binary, 3);
    assert_eq!(net.head(), Head::Sigmoid);
    check_network(&mut net, x, &binary, Regularizer::None, false);
    let mut net = test_network(Activation::Tanh, None, &regression, 3);
    assert_eq!(net.head(), Head::Identity);
    check_network(&mut net, x, &regression, Regularizer::None, false);
}

#[test]
fn network_gradients_include_the_penalty_where_configured() {
    let labels: Vec<usize> = (0..16).map(|i| i * 5 % 3).collect();
    let y = Targets::classes(&labels, 3);
    let x = features(16, 5, 7919);
    let x = MatRef::new(&x, 16, 5).unwrap();
    let mut net = test_network(Activation::Tanh, None, &y, 5);
    for penalize_biases in [false, true] {
        for reg in [
            Regularizer::L1 { lambda: 0.05 },
            Regularizer::L2 { lambda: 0.2 },
            Regularizer::ElasticNet {
                lambda: 0.1,
                l1_ratio: 0.5,
            },
        ] {
            check_network(&mut net, x, &y, reg, penalize_biases);
        }
    }
}

#[test]
fn biases_are_not_penalised_by_default() {
    // The bias part of the gradient is the same with and without L2 when
    // biases are excluded, and differs by λ b when they are included.
    let labels: Vec<usize> = (0..16).map(|i| i % 3).collect();
    let y = Targets::classes(&labels, 3);
    let x: Vec<f32> = (0..80).map(|i| (i % 9) as f32 / 4.0 - 1.0).collect();
    let x = MatRef::new(&x, 16, 5).unwrap();
    let mut net = Network::new(
        &NetworkSpec::default().hidden([4]),
        5,
        &y,
        &mut rng_from_seed(2),
    )
    .unwrap();
    let n_w = net.n_weights();
    net.params_mut()[n_w..].iter_mut().for_each(|b| *b = 0.5);
    let n = net.n_params();
    let (mut plain, mut excl, mut incl) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    let l2 = Regularizer::L2 { lambda: 0.4 };
    net.loss_and_gradient(x, &y, Regularizer::None, false, &mut plain)
        .unwrap();
    net.loss_and_gradient(x, &y, l2, false, &mut excl).unwrap();
    net.loss_and_gradient(x, &y, l2, true, &mut incl).unwrap();
    assert_eq!(&plain[n_w..], &excl[n_w..]);
    // incl (entries ≤ 1.2) rounds once on adding λ b and the difference
    // once: ≤ 1.4 u / 0.2 = 4e-7 relative (u = 2^-24), under 1e-6.
    for i in n_w..n {
        approx::assert_relative_eq!(incl[i] - plain[i], 0.4 * 0.5, max_relative = 1e-6);
    }
    // λ w (≤ 0.76) rounds once, adding it to an entry (sum ≤ 1.5) once and
    // the difference once: ≤ 3 u = 1.8e-7, under 1e-6 absolute.
    for i in 0..n_w {
        approx::assert_relative_eq!(excl[i] - plain[i], 0.4 * net.params()[i], epsilon = 1e-6);
    }
}
