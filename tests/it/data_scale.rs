//! Scaling fitted on the training part only, and one-hot targets.

use approx::assert_abs_diff_eq;
use autotune::data::{
    Builtin, Dataset, MinMaxScaler, Scaling, Split, SplitFractions, Standardizer,
    TargetStandardizer,
};

/// Per-column mean and population standard deviation.
fn column_stats(d: &Dataset) -> (Vec<f64>, Vec<f64>) {
    let n = d.n_samples() as f64;
    let mut mean = vec![0.0; d.n_features()];
    for row in d.rows() {
        for (m, x) in mean.iter_mut().zip(row) {
            *m += x / n;
        }
    }
    let mut sd = vec![0.0; d.n_features()];
    for row in d.rows() {
        for ((s, m), x) in sd.iter_mut().zip(&mean).zip(row) {
            *s += (x - m) * (x - m) / n;
        }
    }
    (mean, sd.into_iter().map(f64::sqrt).collect())
}

fn wine_split() -> Split {
    Dataset::builtin(Builtin::Wine)
        .unwrap()
        .split(SplitFractions::new(0.6, 0.2, 0.2), 5)
        .unwrap()
}

#[test]
fn standardised_train_has_mean_0_sd_1_and_valid_keeps_its_own_statistics() {
    let raw = wine_split();
    let scaled = raw.clone().scaled(Scaling::Standardize).unwrap();
    // Wine's columns range from ~0.1 to ~1,680; after standardisation the
    // sums are of order 1 and rounding leaves errors near 1e-15 (n·ε over
    // 106 rows is 2.4e-14); 1e-12 here and for the validation part below.
    let (mean, sd) = column_stats(&scaled.train);
    for j in 0..mean.len() {
        assert_abs_diff_eq!(mean[j], 0.0, epsilon = 1e-12);
        assert_abs_diff_eq!(sd[j], 1.0, epsilon = 1e-12);
    }
    // Validation rows are shifted and divided by the *training* statistics,
    // so their own mean and sd map to (m_v - m_t) / s_t and s_v / s_t:
    // not 0 and 1, which a scaler fitted on them would give.
    let (m_t, s_t) = column_stats(&raw.train);
    let (m_v, s_v) = column_stats(&raw.validation);
    let (m_vs, s_vs) = column_stats(&scaled.validation);
    for j in 0..m_t.len() {
        assert_abs_diff_eq!(m_vs[j], (m_v[j] - m_t[j]) / s_t[j], epsilon = 1e-12);
        assert_abs_diff_eq!(s_vs[j], s_v[j] / s_t[j], epsilon = 1e-12);
    }
    // A refitted scaler would give 0 and 1 to ~1e-15; 1e-3 is far above that.
    let off = (0..m_vs.len())
        .filter(|&j| m_vs[j].abs() > 1e-3 && (s_vs[j] - 1.0).abs() > 1e-3)
        .count();
    assert!(off > 0, "validation statistics look refitted");
}

#[test]
fn validation_rows_do_not_leak_into_the_fit() {
    let raw = wine_split();
    let fitted = Standardizer::fit(&raw.train).unwrap();
    // Replace the validation part by other rows: the scaled training part
    // must not change.
    let mut other = raw.clone();
    other.validation = other.train.subset(&[0, 1, 2]).unwrap();
    let a = raw.scaled(Scaling::Standardize).unwrap();
    let b = other.scaled(Scaling::Standardize).unwrap();
    assert_eq!(a.train, b.train);
    assert_eq!(a.test, b.test);
    assert_eq!(a.train, fitted.transform(&wine_split().train).unwrap());
}

#[test]
fn min_max_maps_train_onto_unit_interval() {
    let raw = wine_split();
    let scaled = raw.clone().scaled(Scaling::MinMax).unwrap();
    let d = scaled.train.n_features();
    for j in 0..d {
        let col: Vec<f64> = scaled.train.rows().map(|r| r[j]).collect();
        let lo = col.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = col.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        // (x − min) / (max − min): 0 and 1 to an ulp or two, whichever way
        // the division is written.
        assert_abs_diff_eq!(lo, 0.0, epsilon = 1e-15);
        assert_abs_diff_eq!(hi, 1.0, epsilon = 1e-15);
    }
    // Validation uses the training range.
    let fitted = MinMaxScaler::fit(&raw.train).unwrap();
    assert_eq!(
        scaled.validation,
        fitted.transform(&raw.validation).unwrap()
    );
}

#[test]
fn constant_columns_give_zero_not_nan() {
    // Digits has pixels that are 0 in every training image.
    let split = Dataset::builtin(Builtin::Digits)
        .unwrap()
        .split(0.8, 0)
        .unwrap();
    for scaling in [Scaling::Standardize, Scaling::MinMax] {
        let s = split.clone().scaled(scaling).unwrap();
        assert!(s.train.features().iter().all(|x| x.is_finite()));
        assert!(s.train.rows().all(|r| r[0] == 0.0), "{scaling:?}");
    }
    assert_eq!(split.clone().scaled(Scaling::None).unwrap(), split);
}

#[test]
fn one_hot_rows_mark_the_label() {
    let iris = Dataset::builtin(Builtin::Iris).unwrap();
    let hot = iris.target().one_hot().unwrap();
    let labels = iris.target().labels().unwrap();
    assert_eq!(hot.len(), 150 * 3);
    for (row, &l) in hot.chunks_exact(3).zip(labels) {
        for (c, &v) in row.iter().enumerate() {
            assert_eq!(v, f64::from(u8::from(c == l)));
        }
    }
}

#[test]
fn regression_target_standardised_on_train_only() {
    let split = Dataset::builtin(Builtin::Diabetes)
        .unwrap()
        .split(SplitFractions::new(0.6, 0.2, 0.2), 1)
        .unwrap();
    let fitted = TargetStandardizer::fit(split.train.target()).unwrap();
    let stats = |y: &[f64]| {
        let n = y.len() as f64;
        let m = y.iter().sum::<f64>() / n;
        (
            m,
            (y.iter().map(|v| (v - m).powi(2)).sum::<f64>() / n).sqrt(),
        )
    };
    let train = fitted.transform(split.train.target()).unwrap();
    let (m, s) = stats(train.values().unwrap());
    // Targets 25..346 standardised: sums of order 1, rounding near 1e-15.
    assert_abs_diff_eq!(m, 0.0, epsilon = 1e-12);
    assert_abs_diff_eq!(s, 1.0, epsilon = 1e-12);
    let (m_t, s_t) = stats(split.train.target().values().unwrap());
    let (m_v, s_v) = stats(split.validation.target().values().unwrap());
    let valid = fitted.transform(split.validation.target()).unwrap();
    let (m_vs, s_vs) = stats(valid.values().unwrap());
    // As above.
    assert_abs_diff_eq!(m_vs, (m_v - m_t) / s_t, epsilon = 1e-12);
    assert_abs_diff_eq!(s_vs, s_v / s_t, epsilon = 1e-12);
    // (v − m) / s · s + m for v ≤ 346: a few ulps (5.7e-14 each).
    assert_abs_diff_eq!(
        fitted.inverse(valid.values().unwrap()[0]),
        split.validation.target().values().unwrap()[0],
        epsilon = 1e-12
    );
}
