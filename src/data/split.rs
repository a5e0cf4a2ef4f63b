//! Seeded splits: stratified train/validation/test ([`Dataset::split`]),
//! stratified parts by fractions ([`stratified_parts`]) and stratified k-fold
//! indices ([`kfold_indices`]).
//!
//! Classification targets are stratified: each class is shuffled and dealt to
//! the parts separately, so every part holds `n_c * f` rows of a class of
//! `n_c` rows, rounded down or up (largest remainder, with ties broken towards
//! the parts furthest below their overall share). Regression targets are one
//! group, shuffled. All shuffles are the crate's portable Fisher–Yates
//! [`shuffle`] drawing from [`rng_from_seed`]`(seed)`.

use super::{Dataset, Target};
use crate::Result;
use crate::error::{ConfigError, DataError};
use crate::rng::{StudyRng, rng_from_seed, shuffle};

/// Fractions of the rows for training, validation and test.
///
/// By default 0.7 / 0.15 / 0.15. [`SplitFractions::check`] requires finite
/// non-negative fractions summing to 1 (within 1e-9) with `train > 0`.
/// `From<f64>` makes `0.8` mean 0.8 / 0.2 / 0 (no test part).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SplitFractions {
    /// Fraction for training.
    pub train: f64,
    /// Fraction for validation (model selection, the tuned objective).
    pub validation: f64,
    /// Fraction held out for the final test.
    pub test: f64,
}

impl Default for SplitFractions {
    fn default() -> Self {
        Self::new(0.7, 0.15, 0.15)
    }
}

impl From<f64> for SplitFractions {
    fn from(train: f64) -> Self {
        Self::new(train, 1.0 - train, 0.0)
    }
}

impl SplitFractions {
    /// Fractions for training, validation and test.
    #[must_use]
    pub const fn new(train: f64, valid: f64, test: f64) -> Self {
        Self {
            train,
            validation: valid,
            test,
        }
    }

    /// Checks the fractions.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] unless all are finite and `>= 0`, `train > 0`,
    /// and they sum to 1 within 1e-9.
    pub fn check(&self) -> Result<()> {
        check_fractions(&[self.train, self.validation, self.test])?;
        if self.train > 0.0 {
            Ok(())
        } else {
            Err(invalid("the training fraction must be positive".into()))
        }
    }
}

/// A data set split three ways.
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    /// Rows to train on (and to fit scalers on).
    pub train: Dataset,
    /// Rows to score hyperparameters on.
    pub validation: Dataset,
    /// Rows held out for the final test.
    pub test: Dataset,
}

/// One fold of k-fold cross-validation: row indices to train on and to validate on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fold {
    /// Rows of the other `k - 1` folds.
    pub train: Vec<usize>,
    /// Rows of this fold.
    pub validation: Vec<usize>,
}

impl Dataset {
    /// Splits into train/validation/test, stratified by class for
    /// classification, shuffled for regression (see [`stratified_parts`]).
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] for invalid fractions (see
    /// [`SplitFractions::check`]), [`DataError::EmptyDataset`] for a data set
    /// without rows.
    pub fn split(&self, fractions: impl Into<SplitFractions>, seed: u64) -> Result<Split> {
        let [train, valid, test] = self.split_indices(fractions, seed)?;
        Ok(Split {
            train: self.subset(&train)?,
            validation: self.subset(&valid)?,
            test: self.subset(&test)?,
        })
    }

    /// [`Dataset::split`] of a data set no longer needed: the same three
    /// parts, built by moving the rows into place within this data set's
    /// own storage and cutting it, so the rows are not held twice (the
    /// extra memory is at most the largest of the validation and test
    /// parts, while it is copied out).
    ///
    /// # Errors
    /// As [`Dataset::split`].
    pub fn into_split(self, fractions: impl Into<SplitFractions>, seed: u64) -> Result<Split> {
        let [train, valid, test] = self.split_indices(fractions, seed)?;
        let order: Vec<usize> = train.iter().chain(&valid).chain(&test).copied().collect();
        let (data, mut features) = self.into_features();
        permute_rows(&mut features, data.n_features(), &order);
        let d = data.n_features();
        let mut cut = |rows: &[usize], from: usize| -> Result<Dataset> {
            let part = features.split_off(from * d);
            features.shrink_to_fit();
            data.with_rows(part, data.target().select(rows))
        };
        let test = cut(&test, train.len() + valid.len())?;
        let validation = cut(&valid, train.len())?;
        let train = data.with_rows(features, data.target().select(&train))?;
        Ok(Split {
            train,
            validation,
            test,
        })
    }

    /// The row indices of [`Dataset::split`]: `[train, valid, test]`.
    ///
    /// # Errors
    /// As [`Dataset::split`].
    pub fn split_indices(
        &self,
        fractions: impl Into<SplitFractions>,
        seed: u64,
    ) -> Result<[Vec<usize>; 3]> {
        let f = fractions.into();
        f.check()?;
        if self.n_samples() == 0 {
            return Err(DataError::EmptyDataset {
                name: self.name().to_owned(),
            }
            .into());
        }
        let mut parts = stratified_parts(self.target(), &[f.train, f.validation, f.test], seed)?;
        let test = parts.pop().unwrap_or_default();
        let valid = parts.pop().unwrap_or_default();
        let train = parts.pop().unwrap_or_default();
        Ok([train, valid, test])
    }

    /// The `k` folds of [`kfold_indices`] as data sets `(train, valid)`.
    ///
    /// # Errors
    /// As [`kfold_indices`].
    pub fn kfold(&self, k: usize, seed: u64) -> Result<Vec<(Dataset, Dataset)>> {
        kfold_indices(self.target(), k, seed)?
            .into_iter()
            .map(|fold| Ok((self.subset(&fold.train)?, self.subset(&fold.validation)?)))
            .collect()
    }
}

/// Row indices of `target` dealt into `fractions.len()` disjoint parts that
/// cover every row, part `p` holding `fractions[p]` of each class (within one
/// row); regression targets are shuffled into parts of `fractions[p]` of all
/// rows (within one). Each part's indices are in shuffled order.
///
/// Each class of `n_c` rows is shuffled and cut into parts of
/// `floor(n_c f_p)` rows; the rows left over go one each to the parts whose
/// share has a fractional part, those furthest below their share over all
/// classes so far first (largest remainder, balanced across classes).
///
/// # Errors
/// [`ConfigError::Invalid`] unless `fractions` is non-empty, finite,
/// non-negative and sums to 1 within 1e-9.
pub fn stratified_parts(target: &Target, fractions: &[f64], seed: u64) -> Result<Vec<Vec<usize>>> {
    check_fractions(fractions)?;
    let mut rng = rng_from_seed(seed);
    let mut parts = vec![Vec::new(); fractions.len()];
    let mut deficit = vec![0.0; fractions.len()];
    for group in groups(target, &mut rng) {
        let counts = allocate(group.len(), fractions, &mut deficit);
        let mut rest = group.as_slice();
        for (part, count) in parts.iter_mut().zip(counts) {
            let (taken, left) = rest.split_at(count.min(rest.len()));
            part.extend_from_slice(taken);
            rest = left;
        }
    }
    for part in &mut parts {
        shuffle(&mut rng, part);
    }
    Ok(parts)
}

/// Stratified k-fold cross-validation indices: each class is shuffled and
/// dealt round-robin to the folds (the deal continues from class to class, so
/// fold sizes differ by at most one); fold `f` validates on its own rows and
/// trains on all others. Regression targets are one shuffled group.
///
/// # Errors
/// [`ConfigError::Invalid`] for `k < 2`, [`DataError::TooFewSamples`] for
/// `k` greater than the number of rows.
pub fn kfold_indices(target: &Target, k: usize, seed: u64) -> Result<Vec<Fold>> {
    if k < 2 {
        return Err(ConfigError::Invalid {
            name: "k",
            reason: format!("k-fold needs k >= 2, got {k}"),
        }
        .into());
    }
    let n = target.len();
    if k > n {
        return Err(DataError::TooFewSamples {
            operation: "k-fold cross-validation",
            needed: k,
            n_samples: n,
        }
        .into());
    }
    let mut rng = rng_from_seed(seed);
    let mut fold_of = vec![0; n];
    let mut dealt = 0;
    for group in groups(target, &mut rng) {
        for i in group {
            fold_of[i] = dealt % k;
            dealt += 1;
        }
    }
    let mut folds = Vec::with_capacity(k);
    for f in 0..k {
        let (mut valid, mut train): (Vec<usize>, Vec<usize>) =
            (0..n).partition(|&i| fold_of[i] == f);
        shuffle(&mut rng, &mut valid);
        shuffle(&mut rng, &mut train);
        folds.push(Fold {
            train,
            validation: valid,
        });
    }
    Ok(folds)
}

/// Reorders the rows of `features` (row-major, `d` columns) in place so that
/// row `k` becomes the old row `order[k]` (`order` a permutation of the
/// rows), following each cycle of the permutation with one row of scratch.
fn permute_rows(features: &mut [f64], d: usize, order: &[usize]) {
    if d == 0 {
        return;
    }
    let mut done = vec![false; order.len()];
    let mut scratch = vec![0.0; d];
    for start in 0..order.len() {
        if done[start] || order[start] == start {
            continue;
        }
        scratch.copy_from_slice(&features[start * d..(start + 1) * d]);
        let mut k = start;
        loop {
            done[k] = true;
            let next = order[k];
            if next == start {
                features[k * d..(k + 1) * d].copy_from_slice(&scratch);
                break;
            }
            features.copy_within(next * d..(next + 1) * d, k * d);
            k = next;
        }
    }
}

/// Rows grouped by class (one group for regression), each group shuffled.
fn groups(target: &Target, rng: &mut StudyRng) -> Vec<Vec<usize>> {
    let mut groups = match target {
        Target::Classes { labels, names } => {
            let mut groups = vec![Vec::new(); names.len()];
            for (i, &label) in labels.iter().enumerate() {
                if let Some(g) = groups.get_mut(label) {
                    g.push(i);
                }
            }
            groups
        }
        Target::Real(values) => vec![(0..values.len()).collect()],
    };
    for g in &mut groups {
        shuffle(rng, g);
    }
    groups
}

/// Rows of a group of `n` for each part: `floor(n f_p)`, plus one for the
/// parts with the largest running `deficit` (expected minus given, over all
/// groups so far) among those whose share has a fractional part, until all
/// `n` are given. Each count is within one of `n f_p`.
fn allocate(n: usize, fractions: &[f64], deficit: &mut [f64]) -> Vec<usize> {
    #[allow(clippy::cast_precision_loss)]
    let expected: Vec<f64> = fractions.iter().map(|f| n as f64 * f).collect();
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let mut counts: Vec<usize> = expected.iter().map(|e| e.floor() as usize).collect();
    #[allow(clippy::cast_precision_loss)]
    for ((d, e), c) in deficit.iter_mut().zip(&expected).zip(&counts) {
        *d += e - *c as f64;
    }
    let left = n.saturating_sub(counts.iter().sum());
    let has_fraction: Vec<bool> = expected.iter().map(|e| e - e.floor() > 1e-9).collect();
    let mut order: Vec<usize> = (0..fractions.len()).collect();
    order.sort_by(|&a, &b| {
        has_fraction[b]
            .cmp(&has_fraction[a])
            .then(deficit[b].total_cmp(&deficit[a]))
            .then(a.cmp(&b))
    });
    for &p in order.iter().cycle().take(left) {
        counts[p] += 1;
        deficit[p] -= 1.0;
    }
    counts
}

fn check_fractions(fractions: &[f64]) -> Result<()> {
    if fractions.is_empty() {
        return Err(invalid("no fractions given".into()));
    }
    if let Some(f) = fractions.iter().find(|f| !f.is_finite() || **f < 0.0) {
        return Err(invalid(format!("fraction {f} is not a finite number >= 0")));
    }
    let sum: f64 = fractions.iter().sum();
    if (sum - 1.0).abs() > 1e-9 {
        return Err(invalid(format!("fractions sum to {sum}, not 1")));
    }
    Ok(())
}

fn invalid(reason: String) -> crate::Error {
    ConfigError::Invalid {
        name: "fractions",
        reason,
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Shuffles are the crate's portable Fisher–Yates (they were `rand`'s
    /// `SliceRandom::shuffle`, whose index draws may change between
    /// versions): a regression target is one group shuffled, then the single
    /// part shuffled again, both from `rng_from_seed(seed)`.
    #[test]
    fn shuffles_are_the_portable_draws() {
        let target = Target::Real(vec![0.0; 12]);
        let parts = stratified_parts(&target, &[1.0], 5).unwrap();
        let mut rng = rng_from_seed(5);
        let mut expected: Vec<usize> = (0..12).collect();
        shuffle(&mut rng, &mut expected);
        shuffle(&mut rng, &mut expected);
        assert_eq!(parts, vec![expected]);
        // Pinned, computed once: the order for seed 5.
        assert_eq!(parts[0], GOLDEN_ORDER);
    }

    const GOLDEN_ORDER: [usize; 12] = [7, 0, 1, 5, 10, 11, 9, 4, 2, 8, 3, 6];

    #[test]
    fn allocation_is_within_one_and_complete() {
        let mut deficit = vec![0.0; 3];
        for n in 0..50 {
            let counts = allocate(n, &[0.6, 0.25, 0.15], &mut deficit);
            assert_eq!(counts.iter().sum::<usize>(), n);
            for (c, f) in counts.iter().zip([0.6, 0.25, 0.15]) {
                #[allow(clippy::cast_precision_loss)]
                let gap = (*c as f64 - n as f64 * f).abs();
                // Whole rows: each part within one row of n · f.
                assert!(gap <= 1.0, "n {n}: count {c} for fraction {f}");
            }
        }
    }

    #[test]
    fn running_deficit_balances_part_sizes() {
        // Ten classes of 3 rows, halves: each class gives 1 or 2 to each
        // part; the deficit alternates them so the parts end 15/15.
        let mut deficit = vec![0.0; 2];
        let totals = (0..10).fold([0, 0], |acc, _| {
            let c = allocate(3, &[0.5, 0.5], &mut deficit);
            [acc[0] + c[0], acc[1] + c[1]]
        });
        assert_eq!(totals, [15, 15]);
    }

    #[test]
    fn invalid_fractions() {
        for f in [
            SplitFractions::new(0.5, 0.5, 0.5),
            SplitFractions::new(0.0, 0.5, 0.5),
            SplitFractions::new(1.2, -0.2, 0.0),
            SplitFractions::new(f64::NAN, 0.5, 0.5),
        ] {
            assert!(
                matches!(
                    f.check(),
                    Err(crate::Error::Config(ConfigError::Invalid {
                        name: "fractions",
                        ..
                    }))
                ),
                "{f:?}"
            );
        }
        SplitFractions::from(0.8).check().unwrap();
    }

    #[test]
    fn into_split_equals_split() {
        // 23 rows of 3 features, 3 classes: the permutation has long cycles.
        let features: Vec<f64> = (0..69).map(f64::from).collect();
        let labels = (0..23).map(|i| i % 3).collect();
        let names = vec!["a".into(), "b".into(), "c".into()];
        let d = Dataset::new("t", features, 3, Target::Classes { labels, names })
            .unwrap()
            .with_feature_names(vec!["x".into(), "y".into(), "z".into()])
            .unwrap();
        for seed in 0..5 {
            let f = SplitFractions::new(0.6, 0.25, 0.15);
            assert_eq!(
                d.clone().into_split(f, seed).unwrap(),
                d.split(f, seed).unwrap()
            );
        }
        let r = Dataset::new(
            "r",
            vec![1.0, 2.0, 3.0],
            1,
            Target::Real(vec![0.5, 1.5, 2.5]),
        )
        .unwrap();
        assert_eq!(
            r.clone().into_split(0.5, 1).unwrap(),
            r.split(0.5, 1).unwrap()
        );
    }

    #[test]
    fn kfold_rejects_bad_k() {
        let t = Target::Real(vec![0.0; 3]);
        assert!(matches!(
            kfold_indices(&t, 1, 0),
            Err(crate::Error::Config(ConfigError::Invalid { name: "k", .. }))
        ));
        assert!(matches!(
            kfold_indices(&t, 4, 0),
            Err(crate::Error::Data(DataError::TooFewSamples {
                needed: 4,
                ..
            }))
        ));
    }
}
