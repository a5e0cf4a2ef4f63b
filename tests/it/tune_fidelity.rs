//! The multi-fidelity strategy and epoch budgets of `autotune()`.

use crate::helpers::strip;
use autotune::Error;
use autotune::data::{Builtin, Dataset, Scaling, Split, SplitFractions};
use autotune::error::ConfigError;
use autotune::nn::{Control, MatRef, Metric, Targets, TrainData, train};
use autotune::space::Domain;
use autotune::study::{StopReason, objective_seed};
use autotune::tune::{
    AutotuneConfig, FidelityConfig, FidelityReport, PrunerConfig, Strategy, TuneReport, TuneSpace,
    autotune,
};

fn iris() -> Split {
    Dataset::builtin(Builtin::Iris)
        .unwrap()
        .split(SplitFractions::new(0.6, 0.2, 0.2), 1)
        .unwrap()
}

/// Multi-fidelity on iris: `budget` epochs, full fidelity 8 epochs, no
/// final model.
fn quick(budget: usize) -> AutotuneConfig {
    AutotuneConfig::default()
        .seed(5)
        .budget_epochs(budget)
        .retrain(false)
        .space(TuneSpace::default().epochs(Domain::fixed(8)))
}

fn fidelity(r: &TuneReport) -> &FidelityReport {
    r.fidelity.as_ref().expect("a multi-fidelity study")
}

fn invalid(result: Result<TuneReport, Error>, name: &str) {
    match result {
        Err(Error::Config(ConfigError::Invalid { name: n, .. })) => assert_eq!(n, name),
        other => panic!("{name}: expected an invalid setting, got {other:?}"),
    }
}

#[test]
fn the_epoch_budget_is_never_exceeded() {
    let s = iris();
    for (budget, workers) in [(37, 1), (29, 2)] {
        let r = autotune(&s, &quick(budget).workers(workers)).unwrap();
        let f = fidelity(&r);
        // The budget is spent to the last epoch: no step is ever cut short
        // but by the budget itself.
        assert_eq!(f.used_epochs, budget, "workers {workers}");
        assert_eq!(r.epochs, budget);
        let b = r.budget.as_ref().unwrap();
        assert_eq!((b.budget_epochs, b.epochs_used), (Some(budget), budget));
        assert_eq!(
            b.stopped,
            StopReason::Epochs {
                used: budget,
                budget
            }
        );
        // Every count agrees: steps, per-trial records, reported curves.
        let by_steps: usize = f.steps.iter().map(|st| st.to - st.from).sum();
        assert_eq!(by_steps, budget);
        let by_trials: usize = f.trials.iter().map(|t| t.epochs).sum();
        assert_eq!(by_trials, budget);
        assert_eq!(f.trials.len(), r.trials.len());
        for (t, rec) in r.trials.iter().zip(&f.trials) {
            assert_eq!(t.number, rec.trial);
            assert_eq!(t.intermediate.len(), rec.epochs, "trial {}", t.number);
            assert!(rec.epochs <= 8);
            // A pause is followed by a resume at the same epoch, but the last.
            assert!(rec.pauses.len() - rec.resumes.len() <= 1);
            assert_eq!(&rec.pauses[..rec.resumes.len()], &rec.resumes[..]);
        }
    }
    // Full fidelity within an epoch budget, no pruner: 37 epochs hold 4
    // trainings of 8 epochs, and the fifth is not started.
    let r = autotune(
        &s,
        &quick(37)
            .strategy(Strategy::FullFidelity)
            .pruner(PrunerConfig::None),
    )
    .unwrap();
    assert!(r.fidelity.is_none());
    assert_eq!((r.trials.len(), r.epochs), (4, 32));
    assert_eq!(
        r.budget.unwrap().stopped,
        StopReason::Epochs {
            used: 32,
            budget: 37
        }
    );
}

#[test]
fn a_seed_decides_the_whole_study() {
    let s = iris();
    for workers in [1, 2] {
        let a = autotune(&s, &quick(30).workers(workers)).unwrap();
        let b = autotune(&s, &quick(30).workers(workers)).unwrap();
        assert_eq!(strip(&a.trials), strip(&b.trials), "workers {workers}");
        assert_eq!(fidelity(&a), fidelity(&b));
        let c = autotune(&s, &quick(30).workers(workers).seed(6)).unwrap();
        assert_ne!(fidelity(&a).steps, fidelity(&c).steps);
    }
}

#[test]
fn a_paused_and_resumed_curve_is_an_uninterrupted_one() {
    // Without scaling the trials train on the split's own features, so the
    // test can train the same configuration in one go.
    let s = iris();
    let config = quick(40).scaling(Scaling::None);
    let r = autotune(&s, &config).unwrap();
    let f = fidelity(&r);
    let x = |d: &Dataset| d.features().iter().map(|&v| v as f32).collect::<Vec<f32>>();
    let (xt, xv) = (x(&s.train), x(&s.validation));
    let (yt, yv) = (
        s.train.target().labels().unwrap().to_vec(),
        s.validation.target().labels().unwrap().to_vec(),
    );
    let data = TrainData::new(
        MatRef::new(&xt, yt.len(), 4).unwrap(),
        Targets::classes(&yt, 3),
    )
    .with_validation(
        MatRef::new(&xv, yv.len(), 4).unwrap(),
        Targets::classes(&yv, 3),
    );
    let resumed: Vec<_> = f.trials.iter().filter(|t| !t.resumes.is_empty()).collect();
    assert!(!resumed.is_empty(), "no configuration was resumed");
    for rec in resumed {
        let t = &r.trials[rec.trial];
        let train_config = config
            .space
            .train_config(&t.params, objective_seed(config.seed, t.number))
            .unwrap()
            .metric(Metric::Accuracy);
        let whole = train(&train_config, &data, |_| Control::Continue).unwrap();
        let curve: Vec<(usize, f64)> = whole
            .history
            .iter()
            .take(rec.epochs)
            .map(|e| (e.epoch + 1, e.validation_loss.unwrap()))
            .collect();
        // Bit for bit: snapshots restore the whole training state.
        assert_eq!(t.intermediate, curve, "trial {}", t.number);
    }
}

#[test]
fn promising_configurations_get_more_epochs() {
    let r = autotune(&iris(), &quick(60)).unwrap();
    let f = fidelity(&r);
    let best = r.best.number;
    let best_epochs = f.trials[best].epochs;
    let mut epochs: Vec<usize> = f.trials.iter().map(|t| t.epochs).collect();
    epochs.sort_unstable();
    let median = epochs[epochs.len() / 2];
    assert!(
        best_epochs > median,
        "best trial {best} got {best_epochs} epochs, the median {median}: {epochs:?}"
    );
    // Some configuration went all the way and several stayed at one epoch.
    assert_eq!(epochs.last(), Some(&8));
    assert!(
        epochs.iter().filter(|&&e| e == 1).count() >= 2,
        "{epochs:?}"
    );
}

#[test]
fn bad_budgets_and_strategies_are_typed_errors() {
    let s = iris();
    invalid(autotune(&s, &quick(0)), "budget_epochs");
    invalid(
        autotune(&s, &quick(autotune::tune::MAX_BUDGET_EPOCHS + 1)),
        "budget_epochs",
    );
    invalid(
        autotune(
            &s,
            &AutotuneConfig::default().strategy(Strategy::MultiFidelity(FidelityConfig::default())),
        ),
        "strategy",
    );
    invalid(
        autotune(
            &s,
            &quick(10).strategy(Strategy::MultiFidelity(FidelityConfig::default().eta(1))),
        ),
        "eta",
    );
}

#[test]
fn one_epoch_then_top_k_finishes_the_k_best_first_epochs() {
    // 30 epochs, k = 2, 8 epochs each: 30 - 2 * 7 = 16 configurations get
    // one epoch, then the 2 best of them after it the other 7 each.
    let r = autotune(
        &iris(),
        &quick(30).strategy(Strategy::OneEpochTopK { k: 2 }),
    )
    .unwrap();
    let f = fidelity(&r);
    assert_eq!((f.trials.len(), f.used_epochs), (16, 30));
    let mut first: Vec<(f64, usize)> = r
        .trials
        .iter()
        .map(|t| (t.intermediate[0].1, t.number))
        .collect();
    first.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (rank, &(_, number)) in first.iter().enumerate() {
        let expected = if rank < 2 { 8 } else { 1 };
        assert_eq!(f.trials[number].epochs, expected, "rank {rank}");
    }
    invalid(
        autotune(
            &iris(),
            &quick(30).strategy(Strategy::OneEpochTopK { k: 0 }),
        ),
        "k",
    );
}

#[test]
fn the_command_line_takes_an_epoch_budget() {
    use crate::helpers::{assert_ok, run, stderr};
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("mf");
    let o = run(&format!(
        "tune --data iris --budget-epochs 25 --epochs 6 --workers 1 --quiet --out {}",
        out.display()
    ));
    assert_ok(&o);
    let (budget, report) = crate::helpers::budget_and_report(&o, &out);
    assert!(budget.contains("25 of 25 epochs"), "{budget}");
    assert_eq!(report["budget"]["epochs_used"], 25);
    assert_eq!(report["fidelity"]["used_epochs"], 25);
    assert_eq!(report["fidelity"]["full_epochs"], 6);
    // 0 is refused with the setting's name, as is an absurd budget.
    for bad in ["0", "100000001"] {
        let o = run(&format!(
            "tune --data iris --budget-epochs {bad} --quiet --out {}",
            dir.path().join(format!("bad{bad}")).display()
        ));
        assert!(!o.status.success(), "--budget-epochs {bad} was accepted");
        let err = stderr(&o);
        assert!(err.contains("budget"), "{err}");
    }
}

#[test]
fn spilled_snapshots_give_the_same_study() {
    // A cap of 0 bytes writes every paused training beside the journal and
    // reads it back to resume it: the study is the one held in memory.
    let s = iris();
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("study.jsonl");
    let spilled = quick(30)
        .strategy(Strategy::MultiFidelity(
            FidelityConfig::default().snapshot_cap_bytes(0),
        ))
        .journal(&journal);
    let a = autotune(&s, &spilled).unwrap();
    let b = autotune(&s, &quick(30)).unwrap();
    assert_eq!(strip(&a.trials), strip(&b.trials));
    assert_eq!(fidelity(&a), fidelity(&b));
    assert!(fidelity(&a).trials.iter().any(|t| !t.resumes.is_empty()));
    // The snapshots are gone with the run; the journal holds every trial.
    assert!(!dir.path().join("study.jsonl.snapshots").exists());
    assert_eq!(crate::helpers::journal_trials(&journal), a.trials.len());
}

#[test]
fn results_files_record_epochs_pauses_and_plot_them() {
    let r = autotune(&iris(), &quick(30).workers(2)).unwrap();
    let f = fidelity(&r);
    let dir = tempfile::tempdir().unwrap();
    let w = autotune::tune::write_results(dir.path(), &r).unwrap();
    // trials.csv: epochs trained, pauses and resumes of every trial.
    let csv = std::fs::read_to_string(dir.path().join("trials.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (e, p, q) = (col("epochs_trained"), col("pauses"), col("resumes"));
    assert_eq!(header.last(), Some(&"reason"));
    let list = |v: &[usize]| v.iter().map(usize::to_string).collect::<Vec<_>>().join(";");
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), f.trials.len());
    for (row, t) in rows.iter().zip(&f.trials) {
        assert_eq!(row[0], t.trial.to_string());
        assert_eq!(row[e], t.epochs.to_string());
        assert_eq!(row[p], list(&t.pauses));
        assert_eq!(row[q], list(&t.resumes));
    }
    assert!(f.trials.iter().any(|t| t.resumes.len() > 1), "{f:?}");
    // report.json keeps every step.
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap())
            .unwrap();
    assert_eq!(
        json["fidelity"]["steps"].as_array().unwrap().len(),
        f.steps.len()
    );
    // The plots: best value against epochs spent, learning curves with the pauses.
    for name in ["best_by_epochs.svg", "learning_curves.svg"] {
        assert!(w.files.contains(&name), "{:?}", w.files);
        crate::helpers::assert_svg(&dir.path().join(name));
    }
    let best = std::fs::read_to_string(dir.path().join("best_by_epochs.svg")).unwrap();
    assert!(best.contains("Best value against epochs spent"));
    assert!(best.contains("this study"));
    assert!(best.contains("training epochs spent"));
    let curves = std::fs::read_to_string(dir.path().join("learning_curves.svg")).unwrap();
    assert!(curves.contains("paused, then resumed"));
    // One dot per pause that was resumed, and the legend's.
    let resumed: usize = f
        .trials
        .iter()
        .map(|t| t.pauses.iter().filter(|p| t.resumes.contains(p)).count())
        .sum();
    assert_eq!(curves.matches("<circle").count(), resumed + 1);
    // The curve of the study: epochs spent grow to the budget, the best
    // never worsens and ends at the best trial's value.
    let line = autotune::tune::fidelity::best_by_epochs(&r);
    assert_eq!(line.last().unwrap().0, 30);
    assert!(line.windows(2).all(|w| w[0].0 < w[1].0 && w[1].1 <= w[0].1));
    assert_eq!(line.last().unwrap().1, r.best.value);
}

#[test]
fn hyperband_runs_its_brackets_of_successive_halving() {
    // E = 8, η = 2: s_max = 3. Bracket 3 starts 8 configurations at 1
    // epoch, then the best 4 go to 2, the best 2 to 4 and the best one to 8:
    // 8 + 4 + 4 + 4 = 20 epochs. Bracket 2 starts ⌈4 · 4 / 3⌉ = 6 at 2
    // epochs, 3 go to 4, one to 8: 12 + 6 + 4 = 22 more.
    let hb = Strategy::Hyperband {
        min_epochs: 1,
        eta: 2,
    };
    for workers in [1, 2] {
        let r = autotune(&iris(), &quick(42).strategy(hb.clone()).workers(workers)).unwrap();
        let f = fidelity(&r);
        assert_eq!(f.used_epochs, 42);
        let epochs: Vec<usize> = f.trials.iter().map(|t| t.epochs).collect();
        assert_eq!(epochs.len(), 14, "{epochs:?}");
        let mut first: Vec<usize> = epochs[..8].to_vec();
        first.sort_unstable();
        assert_eq!(first, [1, 1, 1, 1, 2, 2, 4, 8], "workers {workers}");
        let mut second: Vec<usize> = epochs[8..].to_vec();
        second.sort_unstable();
        assert_eq!(second, [2, 2, 2, 4, 4, 8], "workers {workers}");
        // Each rung kept the best so far at its epochs: in bracket 3, every
        // configuration continued past 1 epoch beats every one stopped there.
        let best_at = |n: usize, e: usize| {
            r.trials[n]
                .intermediate
                .iter()
                .filter(|(s, _)| *s <= e)
                .map(|p| p.1)
                .fold(f64::INFINITY, f64::min)
        };
        for kept in (0..8).filter(|&n| epochs[n] > 1) {
            for stopped in (0..8).filter(|&n| epochs[n] == 1) {
                assert!(
                    best_at(kept, 1) <= best_at(stopped, 1),
                    "{kept} vs {stopped}"
                );
            }
        }
        let top = (0..8).find(|&n| epochs[n] == 8).unwrap();
        let four = (0..8).find(|&n| epochs[n] == 4).unwrap();
        assert!(best_at(top, 4) <= best_at(four, 4));
    }
    invalid(
        autotune(
            &iris(),
            &quick(30).strategy(Strategy::Hyperband {
                min_epochs: 1,
                eta: 1,
            }),
        ),
        "eta",
    );
}

#[test]
fn searched_epochs_are_each_configurations_full_fidelity() {
    // Epochs searched in 2..=8: a configuration trains at most its own
    // epochs, and those continued that far are complete trainings.
    let space = TuneSpace::default().epochs(Domain::int(2, 8, autotune::space::Scale::Log));
    for strategy in [
        Strategy::Auto,
        Strategy::Hyperband {
            min_epochs: 1,
            eta: 2,
        },
        Strategy::OneEpochTopK { k: 2 },
    ] {
        let r = autotune(
            &iris(),
            &quick(40).space(space.clone()).strategy(strategy.clone()),
        )
        .unwrap();
        let f = fidelity(&r);
        assert_eq!(f.full_epochs, 8, "{strategy:?}");
        // Top-k reserves the largest epochs for its k best, which may need fewer.
        if matches!(strategy, Strategy::OneEpochTopK { .. }) {
            assert!(f.used_epochs <= 40, "{f:?}");
        } else {
            assert_eq!(f.used_epochs, 40, "{strategy:?}");
        }
        let mut finished = 0;
        for (t, rec) in r.trials.iter().zip(&f.trials) {
            let own = match t.params.get("epochs") {
                Some(autotune::space::Value::Int(e)) => *e as usize,
                other => panic!("{other:?}"),
            };
            assert!(
                rec.epochs <= own,
                "{strategy:?}: trial {} {rec:?}",
                t.number
            );
            if rec.epochs == own {
                finished += 1;
                // A finished training is not left paused.
                assert_eq!(rec.pauses.len(), rec.resumes.len(), "{rec:?}");
            }
        }
        assert!(finished > 0, "{strategy:?}: {f:?}");
        // Distinct epochs were tried.
        let mut owns: Vec<String> = r
            .trials
            .iter()
            .map(|t| t.params.get("epochs").unwrap().to_string())
            .collect();
        owns.sort();
        owns.dedup();
        assert!(owns.len() > 1, "{strategy:?}: {owns:?}");
    }
}

#[test]
fn with_cross_validation_a_step_trains_every_fold_to_the_same_epoch() {
    // 3 folds, 60 epochs of budget: 20 epochs of configurations, each epoch
    // trained on every fold. A trial is scored as a full-fidelity
    // cross-validated one: at the epoch of lowest mean validation loss over
    // the folds, the mean objective there (its reports are those means).
    let config = quick(60).cv_folds(Some(3));
    for strategy in [
        Strategy::Auto,
        Strategy::Hyperband {
            min_epochs: 1,
            eta: 2,
        },
    ] {
        let r = autotune(&iris(), &config.clone().strategy(strategy.clone())).unwrap();
        let f = fidelity(&r);
        assert_eq!(f.used_epochs, 60, "{strategy:?}");
        let per_config: usize = f.trials.iter().map(|t| t.epochs).sum();
        assert_eq!(per_config, 20, "{strategy:?}");
        let spent: usize = f.steps.iter().map(|st| st.spent.unwrap()).sum();
        assert_eq!(spent, 60);
        assert!(f.trials.iter().any(|t| !t.resumes.is_empty()), "{f:?}");
        for t in &r.trials {
            let Some(value) = t.state.value() else {
                continue;
            };
            let step = t.scored_step.unwrap();
            let reported = t.intermediate.iter().find(|p| p.0 == step).unwrap().1;
            // The mean validation loss is the objective: the value is the
            // mean reported at the scored epoch, the lowest reported.
            assert_eq!(value, reported, "trial {}", t.number);
            let lowest = t
                .intermediate
                .iter()
                .map(|p| p.1)
                .fold(f64::INFINITY, f64::min);
            assert_eq!(value, lowest, "trial {}", t.number);
        }
    }
    // Journaled and resumed exactly, as without folds.
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("cv.jsonl");
    let whole = autotune(&iris(), &config).unwrap();
    let stop = autotune::study::StopHandle::new();
    struct StopAt(autotune::study::StopHandle, usize);
    impl autotune::study::Observer for StopAt {
        fn trial_progress(&mut self, _: usize, _: usize, _: f64) {
            if self.1 == 1 {
                self.0.stop();
            }
            self.1 = self.1.saturating_sub(1);
        }
    }
    let e = autotune::tune::autotune_stoppable(
        &iris(),
        &config.clone().journal(&journal),
        StopAt(stop.clone(), 6),
        &stop,
    )
    .unwrap_err();
    assert!(e.to_string().contains("stopped"), "{e}");
    let resumed = autotune(&iris(), &config.journal(&journal).resume(true)).unwrap();
    assert_eq!(strip(&resumed.trials), strip(&whole.trials));
    assert_eq!(resumed.fidelity, whole.fidelity);
}
