//! Samplers through the public API: reproducibility, batches, failures, and
//! BO against random search.

use autotune::benchmarks::Function;
use autotune::history::{Direction, History, Ranking, TrialRecord, TrialState};
use autotune::rng::rng_from_seed;
use autotune::sampler::{AskTell, GpSampler, GpSamplerConfig, RandomSampler, Sampler, minimize};
use autotune::space::{Params, Scale, SearchSpace};

fn branin_space() -> SearchSpace {
    Function::Branin.space().unwrap()
}

fn branin(p: &Params) -> f64 {
    Function::Branin.value_at(p).unwrap()
}

/// Runs `n` sequential trials of `sampler` on Branin; returns the history.
fn run<S: Sampler>(sampler: S, seed: u64, n: usize) -> History {
    let mut opt = AskTell::new(branin_space(), sampler, seed);
    for _ in 0..n {
        let (k, p) = opt.ask().unwrap();
        opt.tell(k, branin(&p)).unwrap();
    }
    opt.history().clone()
}

fn best_regret(h: &History) -> f64 {
    h.best().unwrap().state.value().unwrap() - Function::Branin.minimum()
}

fn encoded(space: &SearchSpace, p: &Params) -> Vec<f64> {
    space.encode(p).unwrap()
}

fn distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).powi(2))
        .sum::<f64>()
        .sqrt()
}

#[test]
fn same_seed_same_suggestions() {
    assert_eq!(run(RandomSampler, 3, 12), run(RandomSampler, 3, 12));
    assert_ne!(run(RandomSampler, 3, 12), run(RandomSampler, 4, 12));
    let a = run(GpSampler::default(), 3, 14);
    let b = run(GpSampler::default(), 3, 14);
    assert_eq!(a, b);
    assert_ne!(a, run(GpSampler::default(), 4, 14));
}

#[test]
fn suggest_is_a_pure_function_of_its_inputs() {
    let space = branin_space();
    let history = run(GpSampler::default(), 1, 13);
    let pending = vec![space.sample(&mut rng_from_seed(99))];
    let sampler = GpSampler::default();
    let a = sampler
        .suggest(&space, &history, &pending, &mut rng_from_seed(5))
        .unwrap();
    // Another call in between must not change the next answer.
    let _ = sampler
        .suggest(&space, &history, &[], &mut rng_from_seed(6))
        .unwrap();
    let b = sampler
        .suggest(&space, &history, &pending, &mut rng_from_seed(5))
        .unwrap();
    assert_eq!(a, b);
}

#[test]
fn a_batch_of_four_is_distinct_and_spread_out() {
    let space = branin_space();
    let history = run(GpSampler::default(), 2, 15);
    let sampler = GpSampler::default();
    let mut rngs: Vec<_> = (0..4).map(|i| rng_from_seed(100 + i)).collect();
    let batch = sampler
        .suggest_batch(&space, &history, &[], &mut rngs)
        .unwrap();
    assert_eq!(batch.len(), 4);
    let xs: Vec<Vec<f64>> = batch.iter().map(|s| encoded(&space, &s.params)).collect();
    let observed: Vec<Vec<f64>> = history
        .trials()
        .iter()
        .map(|t| encoded(&space, &t.params))
        .collect();
    for i in 0..4 {
        assert!(observed.iter().all(|o| distance(o, &xs[i]) > 0.0));
        for j in 0..i {
            // Without fantasies all four would sit on the acquisition's
            // maximum; the believer pushes them at least 1% of the
            // unit square's diagonal apart (measured: at least 0.024).
            let d = distance(&xs[i], &xs[j]);
            assert!(d > 0.014, "suggestions {j} and {i} only {d} apart");
        }
    }
}

#[test]
fn pending_configurations_are_not_suggested_again() {
    let space = SearchSpace::builder()
        .int("n", 1..=4, Scale::Linear)
        .categorical("c", ["a", "b"])
        .build()
        .unwrap();
    let mut opt = AskTell::new(space, GpSampler::default(), 0);
    // 8 configurations in all: ask them all as one batch, none twice.
    let batch = opt.ask_batch(8).unwrap();
    let mut seen: Vec<&Params> = Vec::new();
    for (_, p) in &batch {
        assert!(!seen.contains(&p), "{p} suggested twice");
        seen.push(p);
    }
}

#[test]
fn failed_diverged_and_infinite_trials_do_not_break_the_gp() {
    let space = branin_space();
    let mut history = History::new(Direction::Minimize);
    let mut rng = rng_from_seed(8);
    for number in 0..14 {
        let params = space.sample(&mut rng);
        let state = match number % 5 {
            0 => TrialState::Failed {
                reason: "boom".into(),
            },
            1 => TrialState::Diverged {
                reason: "nan".into(),
            },
            2 => TrialState::Pruned {
                step: 3,
                value: Some(f64::INFINITY),
            },
            _ => TrialState::Complete {
                value: branin(&params),
            },
        };
        history.push(TrialRecord {
            number,
            params,
            state,
            intermediate: Vec::new(),
            scored_step: None,
            duration_secs: 0.0,
        });
    }
    let p = GpSampler::default()
        .suggest(&space, &history, &[], &mut rng_from_seed(1))
        .unwrap()
        .params;
    space.check(&p).unwrap();
    assert!(history.trials().iter().all(|t| t.params != p));
}

#[test]
fn bo_beats_random_search_on_branin_at_30_evaluations() {
    let mut gp: Vec<f64> = (0..3)
        .map(|s| best_regret(&run(GpSampler::default(), s, 30)))
        .collect();
    let mut rs: Vec<f64> = (0..3)
        .map(|s| best_regret(&run(RandomSampler, s, 30)))
        .collect();
    gp.sort_by(f64::total_cmp);
    rs.sort_by(f64::total_cmp);
    // Medians over three seeds: measured 1.0e-3 for the GP against 2.6 for
    // random search.
    assert!(
        gp[1] < rs[1],
        "median regret: GP {} vs random {}",
        gp[1],
        rs[1]
    );
}

#[test]
fn minimize_finds_a_quadratic_minimum() {
    let space = SearchSpace::builder()
        .float("x", -3.0..=3.0, Scale::Linear)
        .float("y", 1e-3..=1e3, Scale::Log)
        .build()
        .unwrap();
    let f = |p: &Params| {
        let x = p.float("x").unwrap();
        let y = p.float("y").unwrap().log10();
        (x - 1.0).powi(2) + (y - 1.0).powi(2)
    };
    let m = minimize(f, &space, 25, 0).unwrap();
    assert_eq!(m.history.len(), 25);
    // The minimum 0 is at (1, 10): f < 1e-3 is a disc of area 3.1e-3 of the
    // 6 × 6 (x, log10 y) box, which 25 random draws hit with probability
    // 0.2%. Measured 1.3e-4.
    assert!(m.value < 1e-3, "best {}", m.value);
}

/// The ask/tell loop answers with the study layer's errors and never panics
/// on an empty batch.
#[test]
fn ask_tell_errors_are_the_studys() {
    use autotune::Error;
    use autotune::error::StudyError;
    let mut opt = AskTell::new(branin_space(), GpSampler::default(), 3);
    assert!(opt.ask_batch(0).unwrap().is_empty());
    let (n, p) = opt.ask().unwrap();
    assert_eq!(n, 0);
    assert!(matches!(
        opt.tell(7, 1.0),
        Err(Error::Study(StudyError::UnknownTrial { number: 7 }))
    ));
    opt.tell(n, branin(&p)).unwrap();
    assert!(matches!(
        opt.tell(n, 1.0),
        Err(Error::Study(StudyError::UnknownTrial { number: 0 }))
    ));
    let (m, _) = opt.ask().unwrap();
    opt.tell_failed(m, "out of memory").unwrap();
    assert_eq!(opt.history().counts().failed, 1);
    assert!(opt.warnings().is_empty());
}

/// On a noisy quadratic the sampler's recommendation (best posterior mean)
/// is a better configuration than the luckiest observation: the noise-free
/// value of `AskTell::recommended` beats that of `AskTell::best` in the
/// median over 5 seeds, and an interpolating (deterministic) objective gets
/// the best observation itself.
#[test]
fn under_noise_the_recommendation_beats_the_best_observation() {
    let space = SearchSpace::builder()
        .float("x", -1.0..=1.0, Scale::Linear)
        .float("y", -1.0..=1.0, Scale::Linear)
        .build()
        .unwrap();
    let f =
        |p: &Params| (p.float("x").unwrap() - 0.3).powi(2) + (p.float("y").unwrap() + 0.2).powi(2);
    let (mut observed, mut recommended) = (Vec::new(), Vec::new());
    for seed in 0..5 {
        let mut noise = rng_from_seed(100 + seed);
        let mut opt = AskTell::new(space.clone(), GpSampler::default(), seed);
        for _ in 0..30 {
            let (k, p) = opt.ask().unwrap();
            // σ = 0.05: about the quadratic's value 0.22 from its minimum.
            opt.tell(k, f(&p) + autotune::rng::normal(&mut noise, 0.0, 0.05))
                .unwrap();
        }
        observed.push(f(opt.best().unwrap().0));
        recommended.push(f(opt.recommended().unwrap().0));
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[2]
    };
    let (o, r) = (median(observed.clone()), median(recommended.clone()));
    assert!(
        r < o,
        "recommended {r:.2e} vs best observed {o:.2e} (noise-free values, \
         {recommended:?} vs {observed:?})"
    );

    // Deterministic: the recommendation is the best observation.
    let mut opt = AskTell::new(space, GpSampler::default(), 0);
    for _ in 0..20 {
        let (k, p) = opt.ask().unwrap();
        opt.tell(k, f(&p)).unwrap();
    }
    assert_eq!(opt.recommended(), opt.best());
}

/// `Study::recommended_trial`: the best observed trial for a deterministic
/// objective; under noise (seed 3) a different complete trial whose
/// noise-free value is better than the luckiest observation's (measured:
/// trial 24 at x = 0.256 against trial 10 at x = 0.207, optimum 0.3).
#[test]
fn a_study_reports_the_model_recommendation() {
    use autotune::study::Study;
    let space = SearchSpace::builder()
        .float("x", -1.0..=1.0, Scale::Linear)
        .build()
        .unwrap();
    let f = |x: f64| (x - 0.3).powi(2);
    let study_of = |sd: f64| {
        let mut study = Study::builder(space.clone())
            .sampler(GpSampler::default())
            .seed(3)
            .build()
            .unwrap();
        study
            .optimize(
                |t| {
                    let mut noise = rng_from_seed(t.seed());
                    Ok(f(t.float("x")?) + autotune::rng::normal(&mut noise, 0.0, sd))
                },
                25,
            )
            .unwrap();
        study
    };
    let exact = study_of(0.0);
    assert_eq!(
        exact.recommended_trial().map(|t| t.number),
        exact.best_trial().map(|t| t.number)
    );
    let numbers = |v: Vec<&TrialRecord>| v.iter().map(|t| t.number).collect::<Vec<_>>();
    let (ranked, by) = exact.ranked_trials();
    assert_eq!(by, Ranking::Observed);
    assert_eq!(numbers(ranked), numbers(exact.history().ranked()));
    // σ = 0.05, a fifth of the quadratic's value at the box's nearer edge.
    let noisy = study_of(0.05);
    let (rec, best) = (
        noisy.recommended_trial().unwrap(),
        noisy.best_trial().unwrap(),
    );
    assert!(rec.state.value().is_some());
    // The model's ranking starts with the recommendation and holds every
    // complete trial once.
    let (ranked, by) = noisy.ranked_trials();
    assert_eq!(by, Ranking::Model);
    let mut ranked = numbers(ranked);
    assert_eq!(ranked[0], rec.number);
    ranked.sort_unstable();
    let complete: Vec<usize> = noisy.history().complete().map(|(t, _)| t.number).collect();
    assert_eq!(ranked, complete);
    let x = |t: &TrialRecord| t.params.float("x").unwrap();
    assert!(
        f(x(rec)) < f(x(best)),
        "recommended trial {} (x = {}) vs best observed {} (x = {})",
        rec.number,
        x(rec),
        best.number,
        x(best)
    );
}

/// The suggestions of `config` on `Σ xᵢ` over `[0, 1]³` (optimum 0 at the
/// corner 0), encoded.
fn linear_corner_points(config: GpSamplerConfig, seed: u64, n: usize) -> Vec<Vec<f64>> {
    let space = SearchSpace::builder()
        .float("x0", 0.0..=1.0, Scale::Linear)
        .float("x1", 0.0..=1.0, Scale::Linear)
        .float("x2", 0.0..=1.0, Scale::Linear)
        .build()
        .unwrap();
    let mut opt = AskTell::new(space.clone(), GpSampler::new(config).unwrap(), seed);
    let mut points = Vec::new();
    for _ in 0..n {
        let (k, p) = opt.ask().unwrap();
        let v: f64 = ["x0", "x1", "x2"].iter().map(|c| p.float(c).unwrap()).sum();
        opt.tell(k, v).unwrap();
        points.push(encoded(&space, &p));
    }
    points
}

/// Suggestions within `tol` (max-norm, unit cube) of an earlier one.
fn repeats(points: &[Vec<f64>], tol: f64) -> usize {
    (1..points.len())
        .filter(|&i| {
            points[..i]
                .iter()
                .any(|q| points[i].iter().zip(q).all(|(a, b)| (a - b).abs() <= tol))
        })
        .count()
}

/// Before the near-repeat rule, 15–19 of 50 suggestions (learned noise)
/// re-evaluated the corner, some one ulp from it; the rule forbids any point
/// within `NEAR_REPEAT_TOLERANCE` length scales of an evaluated one.
#[test]
fn no_near_repeats_on_a_linear_function_with_a_corner_optimum() {
    for (name, config) in [
        (
            "deterministic",
            GpSamplerConfig::default().deterministic_objective(),
        ),
        ("learned noise", GpSamplerConfig::default()),
    ] {
        for seed in 0..2 {
            let points = linear_corner_points(config.clone(), seed, 30);
            // The GP's length scales on a linear function are long (clamped
            // to 1 by the maximiser), so the tolerance is 1e-6 of the cube.
            let n = repeats(&points, 1e-6);
            assert_eq!(n, 0, "{name}, seed {seed}: {n} near-repeats of 30");
            // The corner is found, to within a few ulps (once a point 1e-16
            // from it is evaluated, the corner itself is a near-repeat).
            assert!(
                points.iter().any(|x| x.iter().all(|&v| v < 1e-12)),
                "{name}, seed {seed}: corner not reached"
            );
        }
    }
}

/// The trust-region steps refine the incumbent between global steps: on
/// Branin at 30 evaluations (deterministic objective) the median regret of
/// seeds 0–4 was measured at 1.3e-6 (log10 −5.9, −6.9, −6.0, −5.5, −4.0)
/// against 2.7e-4 without them (−1.7, −4.1, −4.2, −2.8, −3.6). The band
/// 1e-5 sits a decade above the first and more than a decade below the
/// second.
#[test]
fn trust_region_steps_reach_a_small_regret_on_branin_at_30_evaluations() {
    let regrets = |trust_region: bool| {
        let mut config = GpSamplerConfig::default().deterministic_objective();
        config.maximizer = config.maximizer.trust_region(trust_region);
        let mut r: Vec<f64> = (0..5)
            .map(|s| best_regret(&run(GpSampler::new(config.clone()).unwrap(), s, 30)))
            .collect();
        r.sort_by(f64::total_cmp);
        r
    };
    let with = regrets(true);
    assert!(with[2] < 1e-5, "median regret {} (all {with:?})", with[2]);
    let without = regrets(false);
    assert!(
        with[2] < without[2],
        "median regret {} with the trust region, {} without",
        with[2],
        without[2]
    );
}
