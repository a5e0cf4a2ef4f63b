//! Invariants of `nn` over random inputs (proptest).

use autotune::nn::{Activation, Head, MatRef, Network, Schedule, Targets};
use proptest::prelude::*;

/// Any finite `f32`, subnormals and extremes included.
fn finite_f32() -> impl Strategy<Value = f32> {
    any::<u32>()
        .prop_map(f32::from_bits)
        .prop_filter("finite", |v| v.is_finite())
}

proptest! {
    /// Model files restore every finite parameter bit for bit.
    #[test]
    fn json_round_trip_is_bit_exact(
        (sizes, params) in prop::collection::vec(1usize..5, 2..4).prop_flat_map(|mut sizes| {
            let last = sizes.len() - 1;
            sizes[last] = sizes[last].max(2);
            let n: usize = sizes.windows(2).map(|w| w[0] * w[1] + w[1]).sum();
            (Just(sizes), prop::collection::vec(finite_f32(), n))
        })
    ) {
        let net = Network::from_parts(sizes, Activation::Tanh, Head::Softmax, params).unwrap();
        let back = Network::from_json(&net.to_json().unwrap()).unwrap();
        let bits = |n: &Network| n.params().iter().map(|p| p.to_bits()).collect::<Vec<_>>();
        prop_assert_eq!(bits(&back), bits(&net));
    }

    /// Softmax cross-entropy is finite and non-negative for any logits of
    /// moderate size, and each row of its gradient sums to zero.
    #[test]
    fn softmax_loss_and_gradient_are_well_behaved(
        logits in prop::collection::vec(-80.0f32..80.0, 12),
        labels in prop::collection::vec(0usize..4, 3),
    ) {
        let t = Targets::classes(&labels, 4);
        let mut grad = vec![0.0f32; 12];
        let loss = Head::Softmax.loss_and_gradient(&logits, 4, &t, 1.0, &mut grad);
        prop_assert!(loss.is_finite() && loss >= 0.0);
        for row in grad.chunks(4) {
            // Σ e_j · (1/s) is 1 within 5u (s rounds 3 times, 1/s and each
            // product once; u = 2^-24); the -1 and the test's 3 additions of
            // terms ≤ 1 add 4u: 9u = 5.4e-7 < 1e-6 (1e-7 fails).
            prop_assert!(row.iter().sum::<f32>().abs() < 1e-6);
            prop_assert!(row.iter().all(|g| (-1.0..=1.0).contains(g)));
        }
    }

    /// Binary cross-entropy never overflows, whatever the logit.
    #[test]
    fn sigmoid_loss_is_finite_everywhere(z in -1e30f32..1e30, y in 0usize..2) {
        let t = Targets::classes(std::slice::from_ref(&y), 2);
        let mut g = [0.0f32];
        let loss = Head::Sigmoid.loss_and_gradient(&[z], 1, &t, 1.0, &mut g);
        prop_assert!(loss.is_finite() && loss >= 0.0);
        prop_assert!((-1.0..=1.0).contains(&g[0]));
    }

    /// Decaying schedules never rise and stay within [floor · α0, α0]; a
    /// warm-up ramp rises to α0.
    #[test]
    fn decaying_schedules_are_monotone_and_bounded(
        steps in 1u64..50,
        floor in 0.0f64..1.0,
        gamma in 0.01f64..1.0,
        decay in 0.0f64..5.0,
        warmup in 1u64..10,
    ) {
        let decaying = [
            (Schedule::Constant, 1.0),
            (Schedule::InverseSqrt, 0.0),
            (Schedule::InverseTime { decay }, 0.0),
            (Schedule::Linear { steps, floor }, floor),
            (Schedule::Step { every: steps, gamma }, 0.0),
            (Schedule::Exponential { gamma }, 0.0),
            (Schedule::Cosine { steps, floor }, floor),
        ];
        for (s, low) in decaying {
            let rates: Vec<f64> = (0..120).map(|t| s.lr(2.0, t)).collect();
            // f64 formulas around α0 = 2.0, whose ulp is 4.4e-16: a flat step
            // may round up by 2 ulps (1e-15), a bound be passed by a few (1e-14).
            prop_assert!(rates.windows(2).all(|w| w[1] <= w[0] + 1e-15), "{:?} rises", s);
            prop_assert!(rates.iter().all(|&r| r <= 2.0 + 1e-14 && r >= 2.0 * low - 1e-14), "{:?} leaves its bounds", s);
            let warm = s.clone().with_warmup(warmup);
            let ramp: Vec<f64> = (0..=warmup).map(|t| warm.lr(2.0, t)).collect();
            prop_assert!(ramp.windows(2).all(|w| w[1] > w[0]));
            // The end of the ramp is α0 (t+1)/(w+1) with t = w: exact up to f64 rounding.
            prop_assert!((ramp[warmup as usize] - 2.0).abs() < 1e-12);
        }
    }

    /// Softmax predictions are probability rows for any input.
    #[test]
    fn predictions_are_probabilities(x in prop::collection::vec(-1e3f32..1e3, 12), seed in any::<u64>()) {
        let y = Targets::classes(&[0, 1, 2], 3);
        let spec = autotune::nn::NetworkSpec::default().hidden([5]);
        let net = Network::new(&spec, 4, &y, &mut autotune::rng::rng_from_seed(seed)).unwrap();
        let p = net.predict(MatRef::new(&x, 3, 4).unwrap()).unwrap();
        for row in p.chunks(3) {
            prop_assert!(row.iter().all(|v| (0.0..=1.0).contains(v)));
            // e_j / s rounds twice and s twice (u = 2^-24 each); the test's
            // sum of 3 adds 2u: at most 6u = 3.6e-7 < 1e-6 (1e-7 fails).
            prop_assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        }
    }
}
