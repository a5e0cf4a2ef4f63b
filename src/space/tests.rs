use super::*;
use crate::rng::rng_from_seed;
use approx::assert_relative_eq;
use proptest::prelude::*;

fn mixed() -> SearchSpace {
    SearchSpace::builder()
        .float("lr", 1e-5..=1.0, Scale::Log)
        .float("momentum", 0.0..=0.99, Scale::Linear)
        .int("batch", 8..=512, Scale::Log)
        .int("layers", 1..=4, Scale::Linear)
        .categorical("init", ["xavier", "he", "lecun"])
        .fixed("epochs", 30_i64)
        .build()
        .unwrap()
}

#[test]
fn every_invalid_space_gives_its_error() {
    let b = SearchSpace::builder;
    assert_eq!(b().build(), Err(SpaceError::Empty));
    assert!(matches!(
        b().float("a", 1.0..=1.0, Scale::Linear).build(),
        Err(SpaceError::EmptyRange { .. })
    ));
    assert!(matches!(
        b().float("a", 2.0..=1.0, Scale::Linear).build(),
        Err(SpaceError::EmptyRange { .. })
    ));
    assert!(matches!(
        b().int("a", 5..=5, Scale::Linear).build(),
        Err(SpaceError::EmptyRange { .. })
    ));
    assert!(matches!(
        b().float("a", 0.0..=1.0, Scale::Log).build(),
        Err(SpaceError::NonPositiveLog { .. })
    ));
    assert!(matches!(
        b().int("a", 0..=10, Scale::Log).build(),
        Err(SpaceError::NonPositiveLog { .. })
    ));
    assert!(matches!(
        b().float("a", f64::NAN..=1.0, Scale::Linear).build(),
        Err(SpaceError::NonFiniteBound { .. })
    ));
    assert!(matches!(
        b().float("a", 0.0..=f64::INFINITY, Scale::Linear).build(),
        Err(SpaceError::NonFiniteBound { .. })
    ));
    assert!(matches!(
        b().categorical("a", Vec::<String>::new()).build(),
        Err(SpaceError::EmptyChoices { .. })
    ));
    assert_eq!(
        b().categorical("a", ["x", "y", "x"]).build(),
        Err(SpaceError::DuplicateChoice {
            name: "a".into(),
            choice: "x".into()
        })
    );
    assert_eq!(
        b().float("a", 0.0..=1.0, Scale::Linear)
            .int("a", 1..=2, Scale::Linear)
            .build(),
        Err(SpaceError::DuplicateName { name: "a".into() })
    );
    assert_eq!(
        b().float("", 0.0..=1.0, Scale::Linear).build(),
        Err(SpaceError::EmptyName)
    );
    assert!(matches!(
        b().fixed("a", f64::NAN).build(),
        Err(SpaceError::NonFiniteFixed { .. })
    ));
}

#[test]
fn layout_and_dimensions() {
    let s = mixed();
    assert_eq!(s.n_free(), 5);
    assert_eq!(s.dim(), 7);
    let offsets: Vec<usize> = s.encoded_params().iter().map(|e| e.offset).collect();
    assert_eq!(offsets, vec![0, 1, 2, 3, 4]);
    assert_eq!(s.encoded_params()[4].kind, EncodedKind::OneHot { n: 3 });
}

#[test]
fn check_reports_each_problem() {
    let s = mixed();
    let good = s.sample(&mut rng_from_seed(1));
    assert_eq!(s.check(&good), Ok(()));
    let mut missing = Params::new();
    for (n, v) in good.iter().filter(|(n, _)| *n != "batch") {
        missing.set(n, v.clone());
    }
    assert_eq!(
        s.check(&missing),
        Err(SpaceError::MissingParam {
            name: "batch".into()
        })
    );
    let extra = good.clone().with("nope", 1.0);
    assert_eq!(
        s.check(&extra),
        Err(SpaceError::UnknownParam {
            name: "nope".into()
        })
    );
    let wrong = good.clone().with("batch", 3.5);
    assert!(matches!(s.check(&wrong), Err(SpaceError::WrongType { .. })));
    let out = good.clone().with("batch", 1024_i64);
    assert!(matches!(s.check(&out), Err(SpaceError::OutOfDomain { .. })));
    let bad_choice = good.clone().with("init", "orthogonal");
    assert!(matches!(
        s.check(&bad_choice),
        Err(SpaceError::OutOfDomain { .. })
    ));
    assert!(matches!(
        s.encode(&bad_choice),
        Err(SpaceError::OutOfDomain { .. })
    ));
    assert!(matches!(
        s.decode(&[0.5; 3]),
        Err(SpaceError::WrongDimension { .. })
    ));
}

/// NaN and infinite coordinates are errors in `decode` and `from_unit` (a
/// NaN used to decode to `Float(NaN)`, or to the first choice of a
/// categorical); a coordinate off by rounding is clamped.
#[test]
fn bad_coordinates_are_errors() {
    let s = mixed();
    let good = [0.5, 0.5, 0.5, 0.5, 1.0, 0.0, 0.0];
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.01, 1.01] {
        for index in 0..good.len() {
            let mut x = good;
            x[index] = bad;
            match s.decode(&x) {
                Err(SpaceError::BadCoordinate { index: i, value }) => {
                    assert_eq!(i, index);
                    assert!(value.total_cmp(&bad).is_eq(), "{value} for {bad}");
                }
                other => panic!("decode({x:?}) gave {other:?}"),
            }
        }
        for index in 0..s.n_free() {
            let mut u = vec![0.5; s.n_free()];
            u[index] = bad;
            assert!(
                matches!(s.from_unit(&u), Err(SpaceError::BadCoordinate { index: i, .. }) if i == index),
                "from_unit({u:?})"
            );
        }
    }
    let float_only = SearchSpace::builder()
        .float("a", 2.0..=3.0, Scale::Linear)
        .build()
        .unwrap();
    let edge = |u: f64| float_only.decode(&[u]).unwrap().float("a").unwrap();
    assert_eq!(edge(-COORDINATE_TOLERANCE), 2.0);
    assert_eq!(edge(1.0 + COORDINATE_TOLERANCE), 3.0);
    assert!(
        float_only
            .decode(&[1.0 + 2.0 * COORDINATE_TOLERANCE])
            .is_err()
    );
}

#[test]
fn integers_own_equal_shares_of_their_coordinate() {
    // Linear 1..=4 widened to [0.5, 4.5]: each integer owns a quarter.
    let s = SearchSpace::builder()
        .int("k", 1..=4, Scale::Linear)
        .build()
        .unwrap();
    let decoded: Vec<i64> = [0.0, 0.24, 0.26, 0.49, 0.51, 0.74, 0.76, 1.0]
        .iter()
        .map(|&u| s.decode(&[u]).unwrap().int("k").unwrap())
        .collect();
    assert_eq!(decoded, vec![1, 1, 2, 2, 3, 3, 4, 4]);
    let int = s.encoded_params()[0].integer().unwrap();
    assert_eq!(int.steps(), 3);
    for (k, want) in (0..4).zip([0.125, 0.375, 0.625, 0.875]) {
        // (k − 0.5) / 4 through the widened range: an ulp or two.
        assert_relative_eq!(int.coordinate(k), want, epsilon = 1e-12);
        assert_eq!(int.offset(want), k);
    }
}

#[test]
fn log_parameters_are_log_uniform() {
    let s = SearchSpace::builder()
        .float("lr", 1e-4..=1.0, Scale::Log)
        .build()
        .unwrap();
    let mut rng = rng_from_seed(3);
    let n = 20_000;
    // Each decade should hold a quarter of the draws: binomial sd = sqrt(n p (1-p)) ~ 61,
    // so 5 sd is 306 draws.
    let mut decades = [0usize; 4];
    for _ in 0..n {
        let v = s.sample(&mut rng).float("lr").unwrap();
        assert!((1e-4..=1.0).contains(&v));
        decades[((-v.log10()).floor() as usize).min(3)] += 1;
    }
    for d in decades {
        assert!((d as f64 - n as f64 / 4.0).abs() < 306.0, "{decades:?}");
    }
}

#[test]
fn same_seed_same_samples() {
    let s = mixed();
    let a: Vec<Params> = (0..5)
        .scan(rng_from_seed(9), |r, _| Some(s.sample(r)))
        .collect();
    let b: Vec<Params> = (0..5)
        .scan(rng_from_seed(9), |r, _| Some(s.sample(r)))
        .collect();
    assert_eq!(a, b);
}

#[test]
fn space_serde_round_trip_validates() {
    let s = mixed();
    let json = serde_json::to_string(&s).unwrap();
    let back: SearchSpace = serde_json::from_str(&json).unwrap();
    assert_eq!(back, s);
    let bad = r#"[{"name":"a","domain":{"type":"float","low":1.0,"high":0.0,"scale":"linear"}}]"#;
    // Rejected by the builder's check, not by the JSON syntax.
    let err = serde_json::from_str::<SearchSpace>(bad).unwrap_err();
    assert!(
        err.to_string().contains("low (1) must be below high (0)"),
        "{err}"
    );
}

proptest! {
    #[test]
    fn encode_decode_round_trip(u in proptest::collection::vec(0.0f64..1.0, 5)) {
        let s = mixed();
        let p = s.from_unit(&u).unwrap();
        prop_assert_eq!(s.check(&p), Ok(()));
        let x = s.encode(&p).unwrap();
        prop_assert!(x.iter().all(|v| (0.0..=1.0).contains(v)));
        let back = s.decode(&x).unwrap();
        // Integers, choices and fixed values come back exactly; floats to rounding.
        for name in ["batch", "layers", "epochs"] {
            prop_assert_eq!(back.int(name).unwrap(), p.int(name).unwrap());
        }
        prop_assert_eq!(back.categorical("init").unwrap(), p.categorical("init").unwrap());
        // exp(ln) or an affine map and back: a few ulps, 1e-12 relative
        // (1e-15 absolute for values at 0).
        for name in ["lr", "momentum"] {
            let (a, b) = (back.float(name).unwrap(), p.float(name).unwrap());
            prop_assert!((a - b).abs() <= 1e-12 * b.abs().max(1e-300) + 1e-15, "{} vs {}", a, b);
        }
        // Decoding is idempotent: re-encoding a decoded point decodes to the same point.
        prop_assert_eq!(s.decode(&s.encode(&back).unwrap()).unwrap(), s.decode(&x).unwrap());
    }

    #[test]
    fn decode_any_point_is_in_the_space(x in proptest::collection::vec(0.0f64..=1.0, 7)) {
        let s = mixed();
        let p = s.decode(&x).unwrap();
        prop_assert_eq!(s.check(&p), Ok(()));
    }

    /// A coordinate outside `[0, 1]` by more than rounding is an error that
    /// names it, whichever coordinate it is.
    #[test]
    fn decode_rejects_points_outside_the_cube(
        x in proptest::collection::vec(0.0f64..=1.0, 7),
        index in 0usize..7,
        excess in 1e-9f64..1e3,
        above in any::<bool>(),
    ) {
        let s = mixed();
        let mut x = x;
        x[index] = if above { 1.0 + excess } else { -excess };
        prop_assert_eq!(
            s.decode(&x),
            Err(SpaceError::BadCoordinate { index, value: x[index] })
        );
    }
}

/// The widest ranges the builder accepts: no panic, no overflow, every value
/// decoded inside its range, and values spread over the whole range (a
/// linear `-1e308..=1e308` used to decode every coordinate to `1e308`, and an
/// integer range of more than `usize::MAX` values could not be searched).
#[test]
fn extreme_ranges_encode_and_decode() {
    let s = SearchSpace::builder()
        .float("wide", -1e308..=1e308, Scale::Linear)
        .float("max", -f64::MAX..=f64::MAX, Scale::Linear)
        .float("tiny_log", 5e-324..=f64::MAX, Scale::Log)
        .int("all", i64::MIN..=i64::MAX, Scale::Linear)
        .int("log", 1..=i64::MAX, Scale::Log)
        .int("top", i64::MAX - 1..=i64::MAX, Scale::Linear)
        .int(
            "far",
            1_000_000_000_000_000_000..=1_000_000_000_000_000_010,
            Scale::Log,
        )
        .build()
        .unwrap();
    let at = |u: f64| s.from_unit(&[u; 7]).unwrap();
    // The middle of a symmetric range is its centre, the quarters halfway out.
    assert_eq!(at(0.5).float("wide").unwrap(), 0.0);
    assert_relative_eq!(
        at(0.25).float("wide").unwrap(),
        -5e307,
        max_relative = 1e-15
    );
    assert_relative_eq!(
        at(0.75).float("max").unwrap(),
        f64::MAX / 2.0,
        max_relative = 1e-15
    );
    assert_eq!(at(0.0).float("max").unwrap(), -f64::MAX);
    assert_eq!(at(1.0).float("max").unwrap(), f64::MAX);
    assert_eq!(at(0.0).int("all").unwrap(), i64::MIN);
    assert_eq!(at(1.0).int("all").unwrap(), i64::MAX);
    // 2^63 integers on each side of 0.5.
    assert!(at(0.5).int("all").unwrap().unsigned_abs() < 1 << 12);
    assert_eq!(at(0.0).int("log").unwrap(), 1);
    assert_eq!(at(1.0).int("log").unwrap(), i64::MAX);
    assert_eq!(at(0.49).int("top").unwrap(), i64::MAX - 1);
    assert_eq!(at(0.51).int("top").unwrap(), i64::MAX);
    // Eleven integers near 10^18 on a log scale are still eleven shares.
    let far: Vec<i64> = (0..11)
        .map(|k| at((f64::from(k) + 0.5) / 11.0).int("far").unwrap())
        .collect();
    let want: Vec<i64> = (0..11).map(|k| 1_000_000_000_000_000_000 + k).collect();
    assert_eq!(far, want);
    let mut rng = rng_from_seed(5);
    for _ in 0..200 {
        let p = s.sample(&mut rng);
        assert_eq!(s.check(&p), Ok(()));
        let back = s.decode(&s.encode(&p).unwrap()).unwrap();
        for name in ["top", "far"] {
            assert_eq!(back.int(name).unwrap(), p.int(name).unwrap());
        }
    }
}

/// A float range's coordinate round trip loses what `f64` arithmetic on its
/// bounds loses: a few ulps of `max(|t(low)|, |t(high)|)` relative to the
/// width `t(high) − t(low)`.
fn float_tolerance(low: f64, high: f64, scale: Scale) -> f64 {
    let t = |x: f64| if scale == Scale::Log { x.ln() } else { x };
    let (a, b) = (t(low), t(high));
    8.0 * f64::EPSILON * a.abs().max(b.abs()) / (b / 2.0 - a / 2.0) + 1e-15
}

proptest! {
    /// Any integer range the builder accepts samples, encodes and decodes
    /// without panic; the round trip is exact up to 2^40 integers and
    /// within 1e-12 of the bounds' magnitude beyond.
    #[test]
    fn any_integer_range_round_trips(
        a in any::<i64>(),
        b in any::<i64>(),
        log in any::<bool>(),
        u in 0.0f64..=1.0,
    ) {
        prop_assume!(a != b);
        let (low, high) = (a.min(b), a.max(b));
        let (low, scale) = if log { (low.max(1), Scale::Log) } else { (low, Scale::Linear) };
        prop_assume!(low < high);
        let s = SearchSpace::builder().int("k", low..=high, scale).build().unwrap();
        let v = s.from_unit(&[u]).unwrap().int("k").unwrap();
        prop_assert!((low..=high).contains(&v));
        let x = s.encode(&s.from_unit(&[u]).unwrap()).unwrap();
        prop_assert!((0.0..=1.0).contains(&x[0]));
        let back = s.decode(&x).unwrap().int("k").unwrap();
        let steps = (i128::from(high) - i128::from(low)) as u128;
        if steps < 1 << 40 {
            prop_assert_eq!(back, v);
        } else {
            let magnitude = (low as f64).abs().max((high as f64).abs());
            prop_assert!(((back as f64) - (v as f64)).abs() <= 1e-12 * magnitude, "{} vs {}", back, v);
        }
        let int = s.encoded_params()[0].integer().unwrap();
        prop_assert_eq!(int.steps() as u128, steps);
        prop_assert_eq!(int.decode(0.0), low);
        prop_assert_eq!(int.decode(1.0), high);
    }

    /// Any finite float range decodes every coordinate to a finite value in
    /// the range, and re-encodes it to the same coordinate up to what the
    /// bounds' precision allows.
    #[test]
    fn any_float_range_round_trips(
        a in -f64::MAX..=f64::MAX,
        b in -f64::MAX..=f64::MAX,
        log in any::<bool>(),
        u in 0.0f64..=1.0,
    ) {
        let (low, high) = (a.min(b), a.max(b));
        let (low, high, scale) = if log {
            (low.abs().max(f64::MIN_POSITIVE), high.abs().max(f64::MIN_POSITIVE), Scale::Log)
        } else {
            (low, high, Scale::Linear)
        };
        let (low, high) = (low.min(high), low.max(high));
        prop_assume!(low < high);
        let s = SearchSpace::builder().float("x", low..=high, scale).build().unwrap();
        let v = s.from_unit(&[u]).unwrap().float("x").unwrap();
        prop_assert!(v.is_finite() && (low..=high).contains(&v), "{} outside {}..={}", v, low, high);
        let x = s.encode(&s.from_unit(&[u]).unwrap()).unwrap()[0];
        let tol = float_tolerance(low, high, scale);
        prop_assert!((x - u).abs() <= tol, "{} for {} (tolerance {})", x, u, tol);
    }
}
