//! The built-in data sets: shapes, class counts and known values.

use approx::assert_relative_eq;
use autotune::data::{Builtin, Dataset, Target, Task};

fn load(b: Builtin) -> Dataset {
    Dataset::builtin(b).expect("built-in data set loads")
}

/// Per-column means, to compare with published summary statistics.
fn column_means(d: &Dataset) -> Vec<f64> {
    let mut m = vec![0.0; d.n_features()];
    for row in d.rows() {
        for (a, x) in m.iter_mut().zip(row) {
            *a += x;
        }
    }
    m.iter().map(|s| s / d.n_samples() as f64).collect()
}

#[test]
fn iris_shape_classes_and_known_means() {
    let d = load(Builtin::Iris);
    assert_eq!((d.n_samples(), d.n_features()), (150, 4));
    assert_eq!(d.target().class_counts(), Some(vec![50, 50, 50]));
    assert_eq!(
        d.target().class_names().unwrap(),
        ["setosa", "versicolor", "virginica"]
    );
    assert_eq!(d.row(0), &[5.1, 3.5, 1.4, 0.2]);
    assert_eq!(d.feature_names().unwrap()[2], "petal length (cm)");
    // The UCI iris.names errata: samples 35 and 38 should read as below
    // (scikit-learn's copy has the corrections, the old UCI file did not).
    assert_eq!(d.row(34), &[4.9, 3.1, 1.5, 0.2]);
    assert_eq!(d.row(37), &[4.9, 3.6, 1.4, 0.1]);
    // Column means of Fisher's data as R prints them (`colMeans(iris[, 1:4])`
    // on R's `datasets::iris`, an independent copy).
    let expected = [5.843_333, 3.057_333, 3.758, 1.199_333];
    for (m, e) in column_means(&d).iter().zip(expected) {
        // R prints 7 significant digits, so the values are good to 5e-7.
        assert!((m - e).abs() < 1e-6, "mean {m} vs {e}");
    }
}

#[test]
fn wine_shape_and_classes() {
    let d = load(Builtin::Wine);
    assert_eq!((d.n_samples(), d.n_features()), (178, 13));
    assert_eq!(d.target().class_counts(), Some(vec![59, 71, 48]));
    assert_eq!(
        d.target().class_names().unwrap(),
        ["class_0", "class_1", "class_2"]
    );
    assert_eq!(d.feature_names().unwrap()[12], "proline");
    assert_eq!(d.row(0)[12], 1065.0);
}

#[test]
fn breast_cancer_shape_and_classes() {
    let d = load(Builtin::BreastCancer);
    assert_eq!((d.n_samples(), d.n_features()), (569, 30));
    assert_eq!(d.target().class_counts(), Some(vec![212, 357]));
    assert_eq!(d.target().class_names().unwrap(), ["malignant", "benign"]);
    let names = d.feature_names().unwrap();
    assert_eq!(
        (names[0].as_str(), names[10].as_str(), names[29].as_str()),
        ("mean radius", "radius error", "worst fractal dimension")
    );
}

#[test]
fn digits_shape_classes_and_pixel_range() {
    let d = load(Builtin::Digits);
    assert_eq!((d.n_samples(), d.n_features()), (1797, 64));
    assert_eq!(d.target().n_classes(), Some(10));
    let names: Vec<String> = (0..10).map(|c| c.to_string()).collect();
    assert_eq!(d.target().class_names().unwrap(), names.as_slice());
    // scikit-learn's load_digits class counts.
    assert_eq!(
        d.target().class_counts(),
        Some(vec![178, 182, 177, 183, 181, 182, 181, 179, 174, 180])
    );
    assert!(
        d.features()
            .iter()
            .all(|&p| (0.0..=16.0).contains(&p) && p.fract() == 0.0)
    );
    assert_eq!(d.feature_names().unwrap()[9], "pixel_1_1");
}

#[test]
fn diabetes_shape_and_target_range() {
    let d = load(Builtin::Diabetes);
    assert_eq!((d.n_samples(), d.n_features()), (442, 10));
    assert_eq!(d.task(), Task::Regression);
    let y = d.target().values().unwrap();
    let (lo, hi) = y
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| {
            (l.min(v), h.max(v))
        });
    assert_eq!((lo, hi), (25.0, 346.0));
    // Mean target of the Efron et al. data (scikit-learn: 152.133484162896).
    // The sum of 442 integers is exact and the division rounds once; the
    // reference has 15 significant digits, so 1e-12 relative.
    let mean = y.iter().sum::<f64>() / 442.0;
    assert_relative_eq!(mean, 152.133_484_162_896, max_relative = 1e-12);
    assert_eq!(d.feature_names().unwrap()[2], "bmi");
    assert_eq!(d.row(0)[..3], [59.0, 2.0, 32.1]);
}

#[test]
fn second_load_equals_first_and_is_a_copy() {
    for b in Builtin::ALL {
        let first = load(b);
        let mut second = load(b);
        assert_eq!(first, second, "{b}");
        assert_eq!(first.name(), b.name());
        assert_eq!(first.task(), b.task());
        // A caller's copy is its own: changing it does not change the cache.
        second = second.with_name("changed");
        assert_eq!(load(b).name(), b.name());
        drop(second);
    }
}

#[test]
fn listing_has_unique_names_and_descriptions() {
    let names: std::collections::HashSet<_> = Builtin::ALL.iter().map(|b| b.name()).collect();
    assert_eq!(names.len(), 5);
    assert!(Builtin::ALL.iter().all(|b| !b.description().is_empty()));
    assert_eq!("digits".parse::<Builtin>().unwrap(), Builtin::Digits);
    assert_eq!(
        Dataset::builtin_named("Digits").unwrap(),
        Dataset::builtin(Builtin::Digits).unwrap()
    );
    assert!(matches!(
        Dataset::builtin_named("mnist"),
        Err(autotune::Error::Data(
            autotune::error::DataError::UnknownBuiltin { .. }
        ))
    ));
    assert!(matches!(
        Dataset::builtin(Builtin::Iris).unwrap().target(),
        Target::Classes { .. }
    ));
}
