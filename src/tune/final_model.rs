//! The network a study hands back: which one, trained on which rows, and its
//! test scores.
//!
//! Once the study has ranked the configurations, [`FinalModel`] says how the
//! network the user takes home is made: retrained on train + validation
//! (for the scored epochs, the full epochs, or as many updates as the
//! scored epochs made), the best trial's own network(s), or the average of
//! the predictions of several networks. Trial networks are not kept while the
//! study runs: training is deterministic in its seed, so each is remade
//! exactly (same seed, same rows, same epochs) when needed — which also works
//! for trials of an earlier session of a resumed study. Which is the default
//! and why is measured by `examples/e2e_digits.rs` (see the README).

use super::data::{Part, Prepared, Rows};
use super::{AutotuneConfig, BestTrial, TestScores, TuneReport};
use crate::Result;
use crate::data::{Split, kfold_indices};
use crate::error::ConfigError;
use crate::history::{Direction, TrialRecord};
use crate::nn::{
    BatchSize, Control, MatRef, Metric, Network, TrainConfig, accuracy, log_loss, train,
};
use crate::rng::derive_seed;
use serde::{Deserialize, Serialize};

/// How the final network is made from the study's trials. Trial networks
/// are remade from their seeds when needed (training is deterministic), so
/// every kind works for a resumed study too; [`make_final_model`] makes any
/// kind from a finished study.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FinalModel {
    /// The best configuration retrained on train + validation for the epoch
    /// it was scored at (see [`autotune`](super::autotune)).
    RetrainScored,
    /// The best configuration retrained on train + validation for its full
    /// epochs.
    RetrainFull,
    /// The best configuration retrained on train + validation for as many
    /// updates (mini-batches) as its scored epochs made on the rows it was
    /// tuned on: fewer epochs of the larger data.
    RetrainSameUpdates,
    /// The best trial's own network, trained on the training part only, at
    /// its scored epoch; with cross-validation, its folds' networks, whose
    /// predictions are averaged.
    BestTrial,
    /// The average of the predictions of the `k` best complete trials' own
    /// networks (all their folds' with cross-validation).
    TopK {
        /// How many trials (`>= 1`).
        k: usize,
    },
    /// The average of the predictions of the `k` best complete trials'
    /// configurations, each retrained on train + validation for its scored
    /// epoch. The default, with `k = 5` (fewer if fewer trials completed).
    TopKRetrained {
        /// How many trials (`>= 1`).
        k: usize,
    },
}

impl Default for FinalModel {
    /// [`FinalModel::TopKRetrained`] with `k = 5`: on the anchor's digits
    /// splits (10 seeds, 30 trials, `examples/e2e_digits.rs`) it scored the
    /// highest mean test accuracy and the lowest test log loss of the six
    /// kinds (see the README's table).
    fn default() -> Self {
        Self::TopKRetrained { k: 5 }
    }
}

impl FinalModel {
    /// Every kind, with `k` for the ensembles: for comparisons.
    #[must_use]
    pub fn all(k: usize) -> [Self; 6] {
        [
            Self::RetrainScored,
            Self::RetrainFull,
            Self::RetrainSameUpdates,
            Self::BestTrial,
            Self::TopK { k },
            Self::TopKRetrained { k },
        ]
    }

    /// A short name: `retrain_scored`, `top_5`, ...
    #[must_use]
    pub fn name(self) -> String {
        match self {
            Self::RetrainScored => "retrain_scored".into(),
            Self::RetrainFull => "retrain_full".into(),
            Self::RetrainSameUpdates => "retrain_same_updates".into(),
            Self::BestTrial => "best_trial".into(),
            Self::TopK { k } => format!("top_{k}"),
            Self::TopKRetrained { k } => format!("top_{k}_retrained"),
        }
    }

    /// What the final model of this kind with `members` networks is, for
    /// the summary: `the 5 best configurations retrained on train +
    /// validation, predictions averaged`.
    #[must_use]
    pub fn describe(self, members: usize) -> String {
        match self {
            Self::RetrainScored => "best configuration retrained on train + validation".into(),
            Self::RetrainFull => {
                "best configuration retrained on train + validation for its full epochs".into()
            }
            Self::RetrainSameUpdates => {
                "best configuration retrained on train + validation for the same updates".into()
            }
            Self::BestTrial if members > 1 => {
                format!("the best trial's {members} fold networks, predictions averaged")
            }
            Self::BestTrial => "the best trial's own network".into(),
            Self::TopK { .. } => {
                format!("{members} networks of the best trials, predictions averaged")
            }
            Self::TopKRetrained { .. } if members == 1 => {
                "best configuration retrained on train + validation".into()
            }
            Self::TopKRetrained { .. } => format!(
                "the {members} best configurations retrained on train + validation, predictions averaged"
            ),
        }
    }

    /// Checks `k`.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] for `k` of 0.
    pub fn check(self) -> Result<(), ConfigError> {
        match self {
            Self::TopK { k: 0 } | Self::TopKRetrained { k: 0 } => Err(ConfigError::Invalid {
                name: "final_model",
                reason: "an ensemble needs k of at least 1".into(),
            }),
            _ => Ok(()),
        }
    }
}

impl std::str::FromStr for FinalModel {
    type Err = ConfigError;

    /// The [`FinalModel::name`]s: `retrain_scored`, `retrain_full`,
    /// `retrain_same_updates`, `best_trial`, `top_K`, `top_K_retrained`
    /// (`K >= 1`).
    fn from_str(s: &str) -> Result<Self, ConfigError> {
        let bad = || ConfigError::Invalid {
            name: "final_model",
            reason: format!(
                "`{s}` is not a final model: retrain_scored, retrain_full, retrain_same_updates, \
                 best_trial, top_K or top_K_retrained (K >= 1, e.g. top_5_retrained)"
            ),
        };
        let kind = match s {
            "retrain_scored" => Self::RetrainScored,
            "retrain_full" => Self::RetrainFull,
            "retrain_same_updates" => Self::RetrainSameUpdates,
            "best_trial" => Self::BestTrial,
            _ => {
                let rest = s.strip_prefix("top_").ok_or_else(bad)?;
                let (k, retrained) = match rest.strip_suffix("_retrained") {
                    Some(k) => (k, true),
                    None => (rest, false),
                };
                let k: usize = k.parse().map_err(|_| bad())?;
                if retrained {
                    Self::TopKRetrained { k }
                } else {
                    Self::TopK { k }
                }
            }
        };
        kind.check()?;
        Ok(kind)
    }
}

/// One network of the final model, the test part scaled as its training
/// rows were, and its regression target's standardisation. (The training
/// rows themselves are dropped once the network is trained: a large data
/// set's `f32` copy is not kept per member.)
struct Member {
    network: Network,
    test: Part,
    target_sd: f64,
    target_mean: f64,
}

impl Member {
    fn new(network: Network, prepared: Prepared) -> Self {
        Self {
            network,
            test: prepared.validation,
            target_sd: prepared.target_sd,
            target_mean: prepared.target_mean,
        }
    }
}

/// Makes the final model `kind` of the study `report` (which `autotune` ran
/// on `split` with `config`) and scores it on the test part of `split`
/// (`None` without test rows): what `autotune` does with
/// `config.final_model`, callable with any other kind to compare them on the
/// same study.
///
/// # Errors
/// [`ConfigError::Invalid`] for an invalid `kind`; data and training errors.
pub fn make_final_model(
    kind: FinalModel,
    split: &Split,
    config: &AutotuneConfig,
    report: &TuneReport,
) -> Result<(Option<TestScores>, Vec<Network>)> {
    kind.check()?;
    let best = &report.best;
    let trials = &report.trials[..];
    let direction = report.direction;
    let folds_seed = folds_seed(config.seed);
    let metric = if split.train.target().is_classification() {
        Metric::Accuracy
    } else {
        Metric::Rmse
    };
    let members: Vec<Member> = match kind {
        FinalModel::RetrainScored => {
            vec![retrain(split, config, &best.train_config, best.best_epoch)?]
        }
        FinalModel::RetrainFull => {
            let full = best.train_config.epochs;
            vec![retrain(split, config, &best.train_config, full)?]
        }
        FinalModel::RetrainSameUpdates => {
            let tuned_rows = tuned_rows(split, config);
            let all_rows = split.train.n_samples() + split.validation.n_samples();
            let epochs = same_updates(
                &best.train_config.batch_size,
                best.best_epoch,
                tuned_rows,
                all_rows,
            );
            vec![retrain(split, config, &best.train_config, epochs)?]
        }
        FinalModel::BestTrial => own_networks(
            split,
            config,
            &best.train_config,
            best.best_epoch,
            folds_seed,
        )?,
        FinalModel::TopK { k } => {
            let mut members = Vec::new();
            for (cfg, epoch) in top_k(config, trials, &report.ranking, direction, k, best)? {
                members.extend(own_networks(split, config, &cfg, epoch, folds_seed)?);
            }
            members
        }
        FinalModel::TopKRetrained { k } => {
            top_k(config, trials, &report.ranking, direction, k, best)?
                .into_iter()
                .map(|(cfg, epoch)| retrain(split, config, &cfg, epoch))
                .collect::<Result<_>>()?
        }
    };
    let scores = if split.test.n_samples() > 0 {
        Some(score(&members, metric)?)
    } else {
        None
    };
    Ok((scores, members.into_iter().map(|m| m.network).collect()))
}

/// The rows a trial trained on: the training part, or with
/// cross-validation the `k - 1` folds of train + validation.
fn tuned_rows(split: &Split, config: &AutotuneConfig) -> usize {
    let all = split.train.n_samples() + split.validation.n_samples();
    match config.cv_folds {
        Some(k) => all - all / k,
        None => split.train.n_samples(),
    }
}

/// The epochs on `all` rows that make as many updates as `epochs` made on
/// `tuned` rows (at least 1).
fn same_updates(batch: &BatchSize, epochs: usize, tuned: usize, all: usize) -> usize {
    let per_epoch = |n: usize| -> usize {
        match *batch {
            BatchSize::Fixed(b) => n.div_ceil(b.clamp(1, n.max(1))),
            BatchSize::Random { min, max } => {
                n.div_ceil((min + max).div_ceil(2).clamp(1, n.max(1)))
            }
            BatchSize::Full => 1,
        }
    };
    let updates = epochs * per_epoch(tuned);
    (updates as f64 / per_epoch(all).max(1) as f64)
        .round()
        .max(1.0) as usize
}

/// `cfg` retrained on train + validation for `epochs`, with the test part
/// scaled as the retraining's rows were.
fn retrain(
    split: &Split,
    config: &AutotuneConfig,
    cfg: &TrainConfig,
    epochs: usize,
) -> Result<Member> {
    let prepared = Prepared::new(
        Rows::all(&[&split.train, &split.validation])?,
        Rows::all(&[&split.test])?,
        config.scaling,
    )?;
    let mut cfg = cfg.clone().epochs(epochs.max(1)).restore_best(false);
    cfg.patience = None;
    let report = train(&cfg, &prepared.train_only()?, |_| Control::Continue)?;
    Ok(Member::new(report.model, prepared))
}

/// The networks a trial of `cfg` trained (one per fold), remade: the same
/// seed and rows, `epochs` epochs.
fn own_networks(
    split: &Split,
    config: &AutotuneConfig,
    cfg: &TrainConfig,
    epochs: usize,
    folds_seed: u64,
) -> Result<Vec<Member>> {
    let mut cfg = cfg.clone().epochs(epochs.max(1)).restore_best(false);
    cfg.patience = None;
    let test = [&split.test];
    let mut members = Vec::new();
    match config.cv_folds {
        None => {
            let fit = Prepared::new(
                Rows::all(&[&split.train])?,
                Rows::all(&test)?,
                config.scaling,
            )?;
            let report = train(&cfg, &fit.train_only()?, |_| Control::Continue)?;
            members.push(Member::new(report.model, fit));
        }
        Some(k) => {
            let parts = [&split.train, &split.validation];
            let all = Rows::all(&parts)?;
            for fold in kfold_indices(&all.target()?, k, folds_seed)? {
                let fit = Prepared::new(all.at(&fold.train)?, Rows::all(&test)?, config.scaling)?;
                let report = train(&cfg, &fit.train_only()?, |_| Control::Continue)?;
                members.push(Member::new(report.model, fit));
            }
        }
    }
    Ok(members)
}

/// The training configurations and scored epochs of the `k` best complete
/// trials: the first `k` of the report's ranking (by the sampler's model
/// under noise), or by value (ties by number) for a report without one.
fn top_k(
    config: &AutotuneConfig,
    trials: &[TrialRecord],
    ranking: &[usize],
    direction: Direction,
    k: usize,
    best: &BestTrial,
) -> Result<Vec<(TrainConfig, usize)>> {
    let history = crate::history::History::from_trials(direction, trials.iter().cloned());
    let complete: Vec<&TrialRecord> = if ranking.is_empty() {
        history.ranked()
    } else {
        ranking
            .iter()
            .filter_map(|&n| trials.iter().find(|t| t.number == n))
            .collect()
    };
    complete
        .into_iter()
        .take(k)
        .map(|t| {
            let cfg = config
                .space
                .train_config(
                    &t.params,
                    crate::study::objective_seed(config.seed, t.number),
                )?
                .metric(best.train_config.metric.unwrap_or(Metric::Accuracy));
            Ok((cfg, t.scored_step.unwrap_or(best.best_epoch)))
        })
        .collect()
}

/// The test scores of the members' averaged predictions.
fn score(members: &[Member], metric: Metric) -> Result<TestScores> {
    let first = &members[0];
    let n = first.test.rows();
    let k = members[0].network.n_outputs();
    let classification = metric == Metric::Accuracy;
    // Averaged in the target's units (each member's own standardisation
    // undone) for regression, as probabilities for classification.
    let mut mean = vec![0.0f64; n * k];
    for m in members {
        let p = m.network.predict(m.test.x()?)?;
        let (sd, mu) = if classification {
            (1.0, 0.0)
        } else {
            (m.target_sd, m.target_mean)
        };
        for (acc, v) in mean.iter_mut().zip(&p) {
            *acc += (f64::from(*v) * sd + mu) / members.len() as f64;
        }
    }
    if classification {
        let labels = first.test.labels().unwrap_or_default();
        let probs: Vec<f32> = mean.iter().map(|&p| p as f32).collect();
        let m = MatRef::new(&probs, n, k)?;
        let predicted: Vec<usize> = (0..n)
            .map(|r| {
                let row = m.row(r);
                if k == 1 {
                    usize::from(row[0] > 0.5)
                } else {
                    (0..k).fold(0, |b, c| if row[c] > row[b] { c } else { b })
                }
            })
            .collect();
        let ll = log_loss(m, &labels)?;
        Ok(TestScores {
            n_samples: n,
            loss: ll,
            accuracy: Some(accuracy(&predicted, &labels)?),
            log_loss: Some(ll),
            rmse: None,
            r2: None,
        })
    } else {
        // The truth in the target's units, from the first member's
        // standardisation.
        let (sd, mu) = (first.target_sd, first.target_mean);
        let truth: Vec<f64> = first
            .test
            .values()
            .unwrap_or_default()
            .iter()
            .map(|&z| f64::from(z) * sd + mu)
            .collect();
        let sse: f64 = mean.iter().zip(&truth).map(|(p, t)| (p - t).powi(2)).sum();
        let t_mean = truth.iter().sum::<f64>() / n as f64;
        let sst: f64 = truth.iter().map(|t| (t - t_mean).powi(2)).sum();
        // The loss: squared error on the first member's standardised target.
        let loss = sse / n as f64 / (sd * sd);
        Ok(TestScores {
            n_samples: n,
            loss,
            accuracy: None,
            log_loss: None,
            rmse: Some((sse / n as f64).sqrt()),
            r2: Some(if sst > 0.0 { 1.0 - sse / sst } else { f64::NAN }),
        })
    }
}

/// The seed stream of `autotune`'s cross-validation folds.
pub(crate) fn folds_seed(seed: u64) -> u64 {
    derive_seed(seed, super::CV_STREAM)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_updates_on_more_rows_take_fewer_epochs() {
        // 600 rows in batches of 32: 19 updates an epoch, 10 epochs = 190;
        // 800 rows: 25 an epoch, so 190 / 25 = 7.6, rounded to 8 epochs.
        assert_eq!(same_updates(&BatchSize::Fixed(32), 10, 600, 800), 8);
        // Full batches: one update an epoch whatever the rows.
        assert_eq!(same_updates(&BatchSize::Full, 10, 600, 800), 10);
        // Never below one epoch.
        assert_eq!(same_updates(&BatchSize::Fixed(1000), 1, 10, 100_000), 1);
    }

    #[test]
    fn ensembles_need_a_member() {
        assert!(FinalModel::TopK { k: 0 }.check().is_err());
        assert!(FinalModel::TopKRetrained { k: 0 }.check().is_err());
        for kind in FinalModel::all(3) {
            assert!(kind.check().is_ok(), "{kind:?}");
        }
        for kind in FinalModel::all(3) {
            assert_eq!(kind.name().parse::<FinalModel>().unwrap(), kind);
        }
        for bad in [
            "",
            "top_",
            "top_0",
            "top_x_retrained",
            "retrain",
            "top_5_retrain",
        ] {
            assert!(bad.parse::<FinalModel>().is_err(), "{bad}");
        }
        let names: Vec<String> = FinalModel::all(3).iter().map(|k| k.name()).collect();
        assert_eq!(
            names,
            [
                "retrain_scored",
                "retrain_full",
                "retrain_same_updates",
                "best_trial",
                "top_3",
                "top_3_retrained"
            ]
        );
    }
}
