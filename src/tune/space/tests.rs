use super::convert::pick;
use super::names::*;
use super::*;
use crate::error::{Error, NnError, SpaceError};
use crate::nn::Regularizer;
use crate::rng::rng_from_seed;
use crate::space::Params;

#[test]
fn default_space_searches_four_parameters() {
    let space = TuneSpace::default().search_space(1000).unwrap();
    let free: Vec<&str> = space
        .params()
        .iter()
        .filter(|p| p.domain.is_free())
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(free, [LEARNING_RATE, BATCH_SIZE, INIT, REGULARIZATION]);
    let all: Vec<&str> = space.params().iter().map(|p| p.name.as_str()).collect();
    assert_eq!(all, names::ALL);
    assert_eq!(
        space.param(BATCH_SIZE).unwrap().domain,
        Domain::int(8, 256, Scale::Log)
    );
    assert_eq!(space.param(HIDDEN).unwrap().domain, Domain::fixed("64"));
    assert_eq!(
        space.param(OPTIMIZER).unwrap().domain,
        Domain::fixed("adam")
    );
    assert_eq!(
        space.param(INIT).unwrap().domain,
        Domain::Categorical {
            choices: Init::ALL.iter().map(Label::label).collect()
        }
    );
}

#[test]
fn check_returns_the_space_before_the_cap() {
    let t = TuneSpace::default();
    let checked = t.check().unwrap();
    assert_eq!(checked, t.search_space(256).unwrap());
    assert_ne!(checked, t.search_space(100).unwrap());
    let none = t.clone().penalty(Penalty::None).check().unwrap();
    assert!(none.param(REGULARIZATION).is_none());
    assert_eq!(none.params().len(), 9);
}

#[test]
fn batch_size_is_capped_by_the_training_rows() {
    let b = |t: TuneSpace, n| {
        t.search_space(n)
            .unwrap()
            .param(BATCH_SIZE)
            .unwrap()
            .domain
            .clone()
    };
    let d = TuneSpace::default;
    assert_eq!(b(d(), 90), Domain::int(8, 90, Scale::Log));
    assert_eq!(b(d(), 8), Domain::fixed(8));
    assert_eq!(b(d(), 5), Domain::fixed(5));
    assert_eq!(b(d().batch_size(Domain::fixed(32)), 20), Domain::fixed(20));
    assert_eq!(b(d().batch_size(Domain::fixed(32)), 50), Domain::fixed(32));
}

#[test]
fn every_sampled_configuration_becomes_a_valid_train_config() {
    let tune = TuneSpace::default()
        .optimizer([Optimizer::adam(), Optimizer::momentum(0.9)])
        .activation([Activation::Relu, Activation::Tanh])
        .hidden([vec![], vec![32, 16]])
        .penalty(Penalty::ElasticNet { l1_ratio: 0.3 })
        .dropout(Domain::float(0.0, 0.5, Scale::Linear))
        .epochs(Domain::int(5, 40, Scale::Log));
    tune.check().unwrap();
    let space = tune.search_space(500).unwrap();
    let mut rng = rng_from_seed(3);
    let mut epochs = Vec::new();
    for _ in 0..50 {
        let p = space.sample(&mut rng);
        let c = tune.train_config(&p, 11).unwrap();
        c.check().unwrap();
        assert_eq!(c.learning_rate, p.float(LEARNING_RATE).unwrap());
        assert_eq!(c.network.hidden.label(), p.categorical(HIDDEN).unwrap());
        assert_eq!(c.optimizer.label(), p.categorical(OPTIMIZER).unwrap());
        assert_eq!(c.seed, 11);
        assert!(
            matches!(c.regularizer, Regularizer::ElasticNet { l1_ratio, .. } if l1_ratio == 0.3)
        );
        assert!((5..=40).contains(&c.epochs));
        epochs.push(c.epochs);
    }
    // And spread over the range on its log scale: 5..=7 own 23% of it
    // and 30..=40 14%, so 50 draws miss either end with probability
    // 0.77^50 + 0.86^50 < 1e-3.
    let (lo, hi) = (epochs.iter().min().unwrap(), epochs.iter().max().unwrap());
    assert!(*lo <= 7 && *hi >= 30, "epochs drawn in [{lo}, {hi}]");
}

#[test]
fn settings_tell_apart_choices_of_one_kind() {
    let values = [Optimizer::momentum(0.5), Optimizer::momentum(0.9)];
    let space = TuneSpace::default().optimizer(values).check().unwrap();
    assert_eq!(
        space.param(OPTIMIZER).unwrap().domain,
        Domain::Categorical {
            choices: vec!["momentum(momentum=0.5)".into(), "momentum".into()]
        }
    );
    let p = Params::new().with(OPTIMIZER, "momentum(momentum=0.5)");
    assert_eq!(pick(&values, &p, OPTIMIZER), Ok(Optimizer::momentum(0.5)));
    let p = Params::new().with(OPTIMIZER, "momentum");
    assert_eq!(pick(&values, &p, OPTIMIZER), Ok(Optimizer::momentum(0.9)));
    let bad = Params::new().with(OPTIMIZER, "adam");
    assert_eq!(
        pick(&values, &bad, OPTIMIZER),
        Err(SpaceError::OutOfDomain {
            name: OPTIMIZER.into(),
            value: "adam".into()
        })
    );
}

/// A schedule with settings goes into a configuration as its label, through
/// the journal's JSON and back to the same value.
#[test]
fn a_schedule_with_settings_round_trips_through_its_label() {
    let cosine = Schedule::Cosine {
        steps: 60,
        floor: 0.01,
    };
    let warm = Schedule::InverseTime { decay: 0.1 }.with_warmup(5);
    let tune = TuneSpace::default().schedule([Schedule::Constant, cosine.clone(), warm.clone()]);
    let space = tune.search_space(500).unwrap();
    assert_eq!(
        space.param(SCHEDULE).unwrap().domain,
        Domain::Categorical {
            choices: vec![
                "constant".into(),
                "cosine(steps=60,floor=0.01)".into(),
                "warmup(steps=5,then=inverse_time(decay=0.1))".into(),
            ]
        }
    );
    let mut seen = Vec::new();
    let mut rng = rng_from_seed(8);
    for _ in 0..40 {
        let p = space.sample(&mut rng);
        let json = serde_json::to_string(&p).unwrap();
        let back: Params = serde_json::from_str(&json).unwrap();
        space.check(&back).unwrap();
        let schedule = tune.train_config(&back, 1).unwrap().schedule;
        assert_eq!(schedule.label(), back.categorical(SCHEDULE).unwrap());
        if !seen.contains(&schedule) {
            seen.push(schedule);
        }
    }
    // Every schedule is drawn in 40 samples (a miss has chance 3 (2/3)^40 < 1e-6).
    assert_eq!(seen.len(), 3, "{seen:?}");
    for s in [cosine, warm] {
        assert!(seen.contains(&s), "{s:?}");
    }
    let p = Params::new().with(SCHEDULE, "cosine(steps=60,floor=0.01)");
    let held = TuneSpace::default().schedule([Schedule::Cosine {
        steps: 60,
        floor: 0.01,
    }]);
    assert_eq!(
        pick(&held.schedule, &p, SCHEDULE),
        Ok(Schedule::Cosine {
            steps: 60,
            floor: 0.01
        })
    );
}

fn invalid(t: TuneSpace, name: &str) -> String {
    match t.check() {
        Err(Error::Config(ConfigError::Invalid { name: n, reason })) => {
            assert_eq!(n, name, "{reason}");
            reason
        }
        other => panic!("{name}: expected an invalid setting, got {other:?}"),
    }
}

#[test]
fn check_names_each_invalid_setting() {
    let d = TuneSpace::default;
    let log = |low, high| Domain::float(low, high, Scale::Log);
    invalid(d().learning_rate(Domain::fixed(0.0)), LEARNING_RATE);
    invalid(d().learning_rate(log(0.1, 0.01)), LEARNING_RATE);
    invalid(d().learning_rate(log(1e-3, f64::INFINITY)), LEARNING_RATE);
    invalid(d().learning_rate(Domain::fixed(f64::NAN)), LEARNING_RATE);
    invalid(d().regularization(Domain::fixed(-1.0)), REGULARIZATION);
    invalid(d().regularization(log(0.0, 0.1)), REGULARIZATION);
    invalid(d().dropout(Domain::fixed(1.0)), DROPOUT);
    invalid(d().batch_size(Domain::fixed(0)), BATCH_SIZE);
    invalid(d().epochs(Domain::int(0, 10, Scale::Log)), EPOCHS);
    invalid(d().epochs(Domain::int(10, 10, Scale::Linear)), EPOCHS);
    invalid(d().epochs(Domain::fixed(0)), EPOCHS);
    invalid(d().init([]), INIT);
    invalid(d().hidden([]), HIDDEN);
    invalid(d().hidden([vec![64, 0]]), HIDDEN);
    invalid(
        d().penalty(Penalty::ElasticNet { l1_ratio: 1.5 }),
        "penalty",
    );
    d().regularization(Domain::fixed(0.0)).check().unwrap();
    d().dropout(Domain::fixed(0.0)).check().unwrap();
    assert!(matches!(
        d().optimizer([Optimizer::momentum(2.0)]).check(),
        Err(Error::Nn(NnError::Hyperparameter {
            name: "momentum",
            ..
        }))
    ));
    assert!(matches!(
        d().schedule([Schedule::Exponential { gamma: 0.0 }]).check(),
        Err(Error::Nn(NnError::Hyperparameter {
            name: "schedule gamma",
            ..
        }))
    ));
    assert!(matches!(
        d().activation([Activation::LeakyRelu { slope: -1.0 }])
            .check(),
        Err(Error::Nn(NnError::Hyperparameter { .. }))
    ));
}

#[test]
fn duplicate_choices_are_rejected_by_check() {
    let d = TuneSpace::default;
    let r = invalid(
        d().init([Init::HeNormal, Init::XavierUniform, Init::HeNormal]),
        INIT,
    );
    assert_eq!(r, "duplicate choice `he_normal`");
    let r = invalid(
        d().optimizer([Optimizer::adam(), Optimizer::adam()]),
        OPTIMIZER,
    );
    assert_eq!(r, "duplicate choice `adam`");
    let r = invalid(
        d().activation([
            Activation::leaky_relu(),
            Activation::LeakyRelu { slope: 0.01 },
        ]),
        ACTIVATION,
    );
    assert_eq!(r, "duplicate choice `leaky_relu`");
    let cosine = Schedule::Cosine {
        steps: 60,
        floor: 0.01,
    };
    let r = invalid(d().schedule([cosine.clone(), cosine]), SCHEDULE);
    assert_eq!(r, "duplicate choice `cosine(steps=60,floor=0.01)`");
    let r = invalid(d().hidden([vec![64], vec![32], vec![64]]), HIDDEN);
    assert_eq!(r, "duplicate choice `64`");
}

#[test]
fn domains_of_the_wrong_kind_are_rejected() {
    let d = TuneSpace::default;
    let r = invalid(
        d().learning_rate(Domain::Categorical {
            choices: vec!["0.1".into(), "0.01".into()],
        }),
        LEARNING_RATE,
    );
    assert_eq!(
        r,
        "needs a float range (Domain::Float) or a fixed float, got the choices [0.1, 0.01]"
    );
    invalid(
        d().learning_rate(Domain::int(1, 3, Scale::Linear)),
        LEARNING_RATE,
    );
    invalid(d().dropout(Domain::fixed(0)), DROPOUT);
    invalid(d().regularization(Domain::fixed("l2")), REGULARIZATION);
    let r = invalid(
        d().batch_size(Domain::float(8.0, 256.0, Scale::Log)),
        BATCH_SIZE,
    );
    assert_eq!(
        r,
        "needs an integer range (Domain::Int) or a fixed integer, got the float range 8.0..=256.0"
    );
    let r = invalid(d().epochs(Domain::fixed(30.0)), EPOCHS);
    assert_eq!(
        r,
        "needs an integer range (Domain::Int) or a fixed integer, got the fixed float 30.0"
    );
    invalid(d().epochs(Domain::fixed(12.5)), EPOCHS);
    invalid(d().epochs(Domain::fixed("30")), EPOCHS);
}

#[test]
fn max_epochs_reads_the_epochs_domain() {
    let d = TuneSpace::default;
    assert_eq!(d().max_epochs(), Some(50));
    assert_eq!(
        d().epochs(Domain::int(5, 40, Scale::Log)).max_epochs(),
        Some(40)
    );
    assert_eq!(d().epochs(Domain::fixed(30.0)).max_epochs(), None);
}

#[test]
fn a_tune_space_serialises_and_reads_back() {
    let t = TuneSpace::default()
        .schedule([Schedule::Cosine {
            steps: 60,
            floor: 0.01,
        }])
        .hidden([vec![], vec![64, 32]]);
    let json = serde_json::to_string(&t).unwrap();
    let back: TuneSpace = serde_json::from_str(&json).unwrap();
    assert_eq!(back, t);
}
