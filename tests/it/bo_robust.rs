//! The GP sampler on objectives that misbehave like real trainings: huge
//! outliers, values at any scale, failed trials and a divergence cliff.

use autotune::benchmarks::{DivergenceCliff, Function, MixedFunction};
use autotune::sampler::{AskTell, GpSampler, GpSamplerConfig};
use autotune::space::{Params, SearchSpace};

/// Runs `n` trials; `told(i, params)` is `(value told, true value)` (told
/// NaN = diverged, true +∞ = not counted). Returns the best true value and
/// the sequence of suggestions.
fn run(
    space: &SearchSpace,
    config: GpSamplerConfig,
    seed: u64,
    n: usize,
    told: impl Fn(usize, &Params) -> (f64, f64),
) -> (f64, Vec<Params>, AskTell<GpSampler>) {
    let mut opt = AskTell::new(space.clone(), GpSampler::new(config).unwrap(), seed);
    let mut best = f64::INFINITY;
    let mut asked = Vec::new();
    for _ in 0..n {
        let (k, p) = opt.ask().unwrap();
        let (v, truth) = told(k, &p);
        opt.tell(k, v).unwrap();
        best = best.min(truth);
        asked.push(p);
    }
    (best, asked, opt)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    0.5 * (v[(n - 1) / 2] + v[n / 2])
}

fn branin_regret(p: &Params) -> f64 {
    Function::Branin.value_at(p).unwrap() - Function::Branin.minimum()
}

#[test]
fn scaling_every_value_changes_nothing() {
    let space = Function::Branin.space().unwrap();
    let config = GpSamplerConfig::default();
    let at = |c: f64, seed| {
        run(&space, config.clone(), seed, 20, |_, p| {
            let r = branin_regret(p) + Function::Branin.minimum();
            (r * c, r)
        })
    };
    for seed in [0, 1] {
        let (base, base_asked, _) = at(1.0, seed);
        // A power of two scales exactly, so the suggestions are the same.
        let (_, exact, w) = at(2f64.powi(700), seed);
        assert_eq!(
            exact, base_asked,
            "seed {seed}: 2^700 changed the suggestions"
        );
        assert!(w.warnings().is_empty(), "{:?}", w.warnings());
        for c in [1e-200, 1e200] {
            let (best, _, w) = at(c, seed);
            // Before, these scales made every GP fit fail (design points
            // only, regret ~1): now the same regret to within one decade
            // (the suggestions differ by rounding only).
            let gap = ((best - Function::Branin.minimum()).log10()
                - (base - Function::Branin.minimum()).log10())
            .abs();
            assert!(
                gap < 1.0,
                "seed {seed}, c = {c:e}: {gap} decades from c = 1"
            );
            assert!(w.warnings().is_empty(), "c = {c:e}: {:?}", w.warnings());
        }
    }
}

#[test]
fn one_huge_value_costs_less_than_a_decade_on_branin() {
    let space = Function::Branin.space().unwrap();
    let f = |outlier: bool| {
        median(
            (0..3)
                .map(|seed| {
                    let (best, _, _) = run(&space, GpSamplerConfig::default(), seed, 50, |i, p| {
                        let v = Function::Branin.value_at(p).unwrap();
                        (if outlier && i == 3 { 1e4 } else { v }, v)
                    });
                    (best - Function::Branin.minimum()).log10()
                })
                .collect(),
        )
    };
    let (clean, outlier) = (f(false), f(true));
    // With the old mean/sd standardisation the outlier row sat at ~0.0
    // against −4.7 clean (issue 11).
    assert!(
        outlier < clean + 1.0,
        "outlier {outlier:.2} vs clean {clean:.2} (log10 regret)"
    );
}

/// Issue 11's target. It was a known gap while failures were believed into
/// the GP at `μ + σ` (−8.02 against −9.28 on these 3 seeds); with no value
/// for failures, the classifier's prior mean and the chance constraint
/// (`FailedTrials::Classifier`) −8.91 against −9.28 (10 seeds in
/// `bo_benchmark`: −8.30 against −8.65, seeds 10–19 −7.85 against −8.03).
#[test]
fn a_failure_at_trial_12_of_mixed_costs_at_most_half_a_decade() {
    let f = MixedFunction;
    let space = f.space();
    let g = |fail: bool| {
        median(
            (0..3)
                .map(|seed| {
                    let (best, _, _) = run(&space, GpSamplerConfig::default(), seed, 50, |i, p| {
                        let v = f.value(p).unwrap();
                        if fail && i == 12 {
                            (f64::NAN, f64::INFINITY)
                        } else {
                            (v, v)
                        }
                    });
                    best.max(1e-20).log10()
                })
                .collect(),
        )
    };
    let (clean, failed) = (g(false), g(true));
    // Before, with the failure given the worst value: −4.80 vs −6.23 (10 seeds).
    assert!(
        failed < clean + 0.5,
        "failure at 12: {failed:.2} vs clean {clean:.2} (log10 regret)"
    );
}

/// The target for the divergence cliff: within one decade of the
/// same objective without the cliff. Before failed points were believed into
/// the GP at `μ + σ` it was not met (−4.30 against −7.97 on these 3 seeds);
/// with them it was (−7.8 against −8.0), and since the trust-region steps
/// it is not again: −8.10 against −9.28. With no value for failures
/// (`FailedTrials::Classifier`: the classifier's prior mean and the chance
/// constraint `P(success) ≥ ½`) −6.80 against −9.28 (10 seeds in
/// `bo_benchmark`: −6.42 against −8.65, seeds 10–19 −7.23 against −8.03,
/// where the target holds). Run it with
/// `cargo test --test it -- --ignored cliff`.
#[test]
#[ignore = "known gap (issue 11): 2.5 decades behind the run without the cliff on 3 seeds, target 1"]
fn the_divergence_cliff_is_solved_nearly_as_well_as_without_it() {
    let cliff = DivergenceCliff;
    let space = cliff.space();
    let g = |with_cliff: bool| {
        median(
            (0..3)
                .map(|seed| {
                    let (best, _, opt) =
                        run(&space, GpSamplerConfig::default(), seed, 50, |_, p| {
                            let v = if with_cliff {
                                cliff.value(p).unwrap()
                            } else {
                                MixedFunction.value(p).unwrap()
                            };
                            (v, if v.is_nan() { f64::INFINITY } else { v })
                        });
                    if with_cliff {
                        // Diverged trials are failures for the classifier, not values.
                        assert!(opt.warnings().iter().all(|w| w.cause != "gp_fit"));
                    }
                    best.max(1e-20).log10()
                })
                .collect(),
        )
    };
    let (smooth, with_cliff) = (g(false), g(true));
    assert!(
        with_cliff < smooth + 1.0,
        "cliff {with_cliff:.2} vs no cliff {smooth:.2} (log10 regret)"
    );
}
