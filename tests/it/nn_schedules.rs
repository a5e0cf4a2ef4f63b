//! Every learning-rate schedule's values at fixed steps, worked out by hand
//! from its formula with base rate α0 = 0.1.

use approx::relative_eq;
use autotune::nn::Schedule;

const BASE: f64 = 0.1;

/// Asserts `schedule.lr(BASE, t) == want` (to 1e-12 relative: the formulas
/// are evaluated in f64, a few ulps of 2.2e-16 each; and 1e-15 absolute for
/// the expected zeros) for every `(t, want)`, naming the failing step.
#[track_caller]
fn assert_sequence(schedule: &Schedule, expected: &[(u64, f64)]) {
    for &(t, want) in expected {
        let got = schedule.lr(BASE, t);
        assert!(
            relative_eq!(got, want, max_relative = 1e-12, epsilon = 1e-15),
            "{schedule:?}: step {t} gives {got}, expected {want}"
        );
    }
}

#[test]
fn constant() {
    assert_sequence(
        &Schedule::Constant,
        &[(0, 0.1), (1, 0.1), (7, 0.1), (1000, 0.1)],
    );
}

#[test]
fn inverse_sqrt() {
    // 0.1 / sqrt(1 + t)
    assert_sequence(
        &Schedule::InverseSqrt,
        &[
            (0, 0.1),
            (1, 0.1 / 2f64.sqrt()),
            (3, 0.05),
            (8, 0.1 / 3.0),
            (99, 0.01),
        ],
    );
}

#[test]
fn inverse_time() {
    // 0.1 / (1 + 0.5 t)
    assert_sequence(
        &Schedule::InverseTime { decay: 0.5 },
        &[(0, 0.1), (1, 0.1 / 1.5), (2, 0.05), (6, 0.025), (18, 0.01)],
    );
}

#[test]
fn linear_decay_to_a_floor() {
    // 0.1 (1 - 0.8 min(t, 4) / 4): 0.1, 0.08, 0.06, 0.04, then 0.02 for good.
    assert_sequence(
        &Schedule::Linear {
            steps: 4,
            floor: 0.2,
        },
        &[
            (0, 0.1),
            (1, 0.08),
            (2, 0.06),
            (3, 0.04),
            (4, 0.02),
            (5, 0.02),
            (100, 0.02),
        ],
    );
}

#[test]
fn step_decay() {
    // 0.1 * 0.5^floor(t / 3)
    assert_sequence(
        &Schedule::Step {
            every: 3,
            gamma: 0.5,
        },
        &[
            (0, 0.1),
            (1, 0.1),
            (2, 0.1),
            (3, 0.05),
            (5, 0.05),
            (6, 0.025),
            (9, 0.0125),
        ],
    );
}

#[test]
fn exponential_decay() {
    // 0.1 * 0.9^t
    assert_sequence(
        &Schedule::Exponential { gamma: 0.9 },
        &[
            (0, 0.1),
            (1, 0.09),
            (2, 0.081),
            (3, 0.0729),
            (10, 0.1 * 0.3486784401),
        ],
    );
}

#[test]
fn cosine_annealing() {
    // 0.1 (0.1 + 0.9 (1 + cos(π min(t, 4) / 4)) / 2):
    // t = 1: (1 + √2/2)/2 = 0.8535533906 -> 0.1 (0.1 + 0.7681980515)
    // t = 2: 1/2 -> 0.055; t = 3: 0.1464466094 -> 0.1 (0.1 + 0.1318019485)
    assert_sequence(
        &Schedule::Cosine {
            steps: 4,
            floor: 0.1,
        },
        &[
            (0, 0.1),
            (1, 0.08681980515339464),
            (2, 0.055),
            (3, 0.023180194846605363),
            (4, 0.01),
            (9, 0.01),
        ],
    );
}

#[test]
fn warmup_then_step() {
    // t < 3: 0.1 (t + 1) / 4; then Step{every 2, gamma 0.1} at t - 3.
    let s = Schedule::Step {
        every: 2,
        gamma: 0.1,
    }
    .with_warmup(3);
    assert_sequence(
        &s,
        &[
            (0, 0.025),
            (1, 0.05),
            (2, 0.075),
            (3, 0.1),
            (4, 0.1),
            (5, 0.01),
            (6, 0.01),
            (7, 0.001),
        ],
    );
}

#[test]
fn warmup_then_cosine() {
    // One warm-up step at 0.1/2, then cosine over 2 steps to 0.
    let s = Schedule::Cosine {
        steps: 2,
        floor: 0.0,
    }
    .with_warmup(1);
    assert_sequence(&s, &[(0, 0.05), (1, 0.1), (2, 0.05), (3, 0.0), (10, 0.0)]);
}

#[test]
fn warmup_then_constant_and_inverse_sqrt() {
    assert_sequence(
        &Schedule::Constant.with_warmup(4),
        &[(0, 0.02), (3, 0.08), (4, 0.1), (50, 0.1)],
    );
    assert_sequence(
        &Schedule::InverseSqrt.with_warmup(1),
        &[(0, 0.05), (1, 0.1), (4, 0.05)],
    );
}

#[test]
fn schedules_scale_with_the_base_rate() {
    // Every variant is linear in α0 (floors are fractions of it).
    for s in [
        Schedule::InverseTime { decay: 0.3 },
        Schedule::Linear {
            steps: 5,
            floor: 0.1,
        },
        Schedule::Cosine {
            steps: 5,
            floor: 0.1,
        },
        Schedule::Exponential { gamma: 0.7 }.with_warmup(2),
    ] {
        for t in 0..10 {
            // Two f64 evaluations and a product: a few ulps (~1e-15) apart.
            assert!(
                relative_eq!(s.lr(3.0, t), 30.0 * s.lr(BASE, t), max_relative = 1e-12),
                "{s:?} at step {t}"
            );
        }
    }
}

/// A schedule `check` rejects is rejected on every way into training: a
/// `TuneSpace` (checked by `autotune` through `AutotuneConfig::check`) as a
/// fixed value or among the choices (the `TrainConfig` path is in nn_errors).
#[test]
fn tune_space_rejects_zero_lengths() {
    use autotune::error::{Error, NnError};
    use autotune::tune::{AutotuneConfig, TuneSpace};
    let zero_step = Schedule::Step {
        every: 0,
        gamma: 0.5,
    };
    let zero_linear = Schedule::Linear {
        steps: 0,
        floor: 0.1,
    };
    let spaces = [
        (vec![zero_step.clone()], "schedule every"),
        (vec![Schedule::Constant, zero_linear], "schedule steps"),
    ];
    for (choice, want) in spaces {
        let space = TuneSpace::default().schedule(choice);
        for err in [
            space.check().unwrap_err(),
            AutotuneConfig::default().space(space).check().unwrap_err(),
        ] {
            assert!(
                matches!(err, Error::Nn(NnError::Hyperparameter { name, .. }) if name == want),
                "expected a `{want}` error, got {err:?}"
            );
        }
    }
}
