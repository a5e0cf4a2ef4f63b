//! Splits: disjoint, covering, stratified within one row per class, seeded.

use autotune::data::{Builtin, Dataset, SplitFractions, Target, kfold_indices, stratified_parts};
use proptest::prelude::*;

fn classes(labels: Vec<usize>, k: usize) -> Target {
    Target::Classes {
        labels,
        names: (0..k).map(|c| c.to_string()).collect(),
    }
}

/// Asserts that `parts` are disjoint and cover `0..n`.
fn assert_partition(parts: &[Vec<usize>], n: usize) -> Result<(), TestCaseError> {
    let mut seen = vec![false; n];
    for part in parts {
        for &i in part {
            prop_assert!(i < n, "index {} out of range", i);
            prop_assert!(!seen[i], "row {} in two parts", i);
            seen[i] = true;
        }
    }
    prop_assert!(seen.iter().all(|&s| s), "some row in no part");
    Ok(())
}

/// Labels of `k` classes, each present, with random sizes.
fn labels_strategy() -> impl Strategy<Value = (Vec<usize>, usize)> {
    (2usize..6).prop_flat_map(|k| {
        (proptest::collection::vec(0..k, 0..200), Just(k)).prop_map(|(mut l, k)| {
            l.extend(0..k);
            (l, k)
        })
    })
}

/// 1 to 4 fractions summing to 1 (the last one takes the rest).
fn fractions_strategy() -> impl Strategy<Value = Vec<f64>> {
    proptest::collection::vec(0.0f64..1.0, 1..4).prop_map(|w| {
        let total: f64 = w.iter().sum::<f64>() + 1.0;
        let mut f: Vec<f64> = w.iter().map(|x| x / total).collect();
        f.push(1.0 - f.iter().sum::<f64>());
        f
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Stratified parts are disjoint, cover all rows, and give each part
    /// `n_c * f` rows of each class of `n_c` rows, within one.
    #[test]
    fn stratified_parts_keep_class_proportions(
        (labels, k) in labels_strategy(),
        fractions in fractions_strategy(),
        seed in any::<u64>(),
    ) {
        let n = labels.len();
        let target = classes(labels.clone(), k);
        let parts = stratified_parts(&target, &fractions, seed).unwrap();
        prop_assert_eq!(parts.len(), fractions.len());
        assert_partition(&parts, n)?;
        let n_c = target.class_counts().unwrap();
        for (part, f) in parts.iter().zip(&fractions) {
            for (c, &size) in n_c.iter().enumerate() {
                let got = part.iter().filter(|&&i| labels[i] == c).count() as f64;
                let want = size as f64 * f;
                // Whole rows: off by less than one; 1e-9 for the f64 product.
                prop_assert!((got - want).abs() <= 1.0 + 1e-9,
                    "class {} in part of fraction {}: {} rows, expected {}", c, f, got, want);
            }
        }
        // Same seed, same parts.
        prop_assert_eq!(&stratified_parts(&target, &fractions, seed).unwrap(), &parts);
    }

    /// Regression parts are shuffled, disjoint, covering and of size `n f` within one.
    #[test]
    fn regression_parts_have_their_sizes(
        n in 1usize..300,
        fractions in fractions_strategy(),
        seed in any::<u64>(),
    ) {
        let target = Target::Real((0..n).map(|i| i as f64).collect());
        let parts = stratified_parts(&target, &fractions, seed).unwrap();
        assert_partition(&parts, n)?;
        for (part, f) in parts.iter().zip(&fractions) {
            // As above: whole rows, 1e-9 for the f64 product.
            prop_assert!((part.len() as f64 - n as f64 * f).abs() <= 1.0 + 1e-9);
        }
    }

    /// Dataset::split gives three data sets whose rows are the original rows,
    /// each used once, stratified within one row per class.
    #[test]
    fn dataset_split_is_a_stratified_partition(
        (labels, k) in labels_strategy(),
        train in 0.05f64..0.9,
        valid_share in 0.0f64..1.0,
        seed in any::<u64>(),
    ) {
        let valid = (1.0 - train) * valid_share;
        let f = SplitFractions::new(train, valid, 1.0 - train - valid);
        let n = labels.len();
        // Feature = row index, so the parts can be traced back to rows.
        let d = Dataset::new("t", (0..n).map(|i| i as f64).collect(), 1,
                             classes(labels.clone(), k)).unwrap();
        let split = d.split(f, seed).unwrap();
        let parts: Vec<Vec<usize>> = [&split.train, &split.validation, &split.test]
            .iter()
            .map(|p| p.features().iter().map(|&x| x as usize).collect())
            .collect();
        assert_partition(&parts, n)?;
        let n_c = d.target().class_counts().unwrap();
        for (part, frac) in [(&split.train, f.train), (&split.validation, f.validation), (&split.test, f.test)] {
            // Labels travel with their rows.
            for (row, &l) in part.rows().zip(part.target().labels().unwrap()) {
                prop_assert_eq!(l, labels[row[0] as usize]);
            }
            for (c, &count) in part.target().class_counts().unwrap().iter().enumerate() {
                // As above.
                prop_assert!((count as f64 - n_c[c] as f64 * frac).abs() <= 1.0 + 1e-9);
            }
        }
    }

    /// Stratified k-fold: validation folds partition the rows, each fold trains
    /// on the rest, class counts per fold within one of `n_c / k`, fold sizes
    /// within one of each other.
    #[test]
    fn kfold_partitions_and_stratifies(
        (labels, n_classes) in labels_strategy(),
        k in 2usize..7,
        seed in any::<u64>(),
    ) {
        let target = classes(labels.clone(), n_classes);
        let n = labels.len();
        prop_assume!(k <= n);
        let folds = kfold_indices(&target, k, seed).unwrap();
        let valids: Vec<Vec<usize>> = folds.iter().map(|f| f.validation.clone()).collect();
        assert_partition(&valids, n)?;
        let n_c = target.class_counts().unwrap();
        for fold in &folds {
            assert_partition(&[fold.train.clone(), fold.validation.clone()], n)?;
            for (c, &size) in n_c.iter().enumerate() {
                let got = fold.validation.iter().filter(|&&i| labels[i] == c).count() as f64;
                prop_assert!((got - size as f64 / k as f64).abs() < 1.0);
            }
        }
        let sizes: Vec<usize> = folds.iter().map(|f| f.validation.len()).collect();
        prop_assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1);
    }
}

#[test]
fn iris_split_is_exactly_proportional() {
    let iris = Dataset::builtin(Builtin::Iris).unwrap();
    let split = iris.split(SplitFractions::new(0.6, 0.2, 0.2), 7).unwrap();
    assert_eq!(split.train.target().class_counts(), Some(vec![30, 30, 30]));
    assert_eq!(
        split.validation.target().class_counts(),
        Some(vec![10, 10, 10])
    );
    assert_eq!(split.test.target().class_counts(), Some(vec![10, 10, 10]));
    assert_eq!(split.train.feature_names(), iris.feature_names());
}

#[test]
fn splits_are_seeded() {
    let digits = Dataset::builtin(Builtin::Digits).unwrap();
    let a = digits.split(0.8, 1).unwrap();
    assert_eq!(a, digits.split(0.8, 1).unwrap());
    assert_ne!(a.train, digits.split(0.8, 2).unwrap().train);
    assert_eq!(a.test.n_samples(), 0);
    assert_eq!(a.train.n_samples() + a.validation.n_samples(), 1797);
    let folds = digits.kfold(5, 3).unwrap();
    assert_eq!(folds, digits.kfold(5, 3).unwrap());
    assert_eq!(folds.len(), 5);
}

#[test]
fn parts_are_shuffled_not_sorted_by_class() {
    let iris = Dataset::builtin(Builtin::Iris).unwrap();
    let [train, _, _] = iris.split_indices(SplitFractions::default(), 11).unwrap();
    let labels: Vec<usize> = train
        .iter()
        .map(|&i| iris.target().labels().unwrap()[i])
        .collect();
    let mut sorted = labels.clone();
    sorted.sort_unstable();
    assert_ne!(labels, sorted);
}

#[test]
fn empty_data_set_cannot_be_split() {
    let empty = Dataset::builtin(Builtin::Iris)
        .unwrap()
        .subset(&[])
        .unwrap();
    assert!(matches!(
        empty.split(SplitFractions::default(), 0),
        Err(autotune::Error::Data(
            autotune::error::DataError::EmptyDataset { .. }
        ))
    ));
}
