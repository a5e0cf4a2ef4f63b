//! The settings of a `tune` run: resolved from the options, the defaults and,
//! with `--resume`, the settings the study was started with
//! (`DIR/study.json`).

use super::args::{FreeArg, PrunerArg, TaskArg, TuneArgs};
use super::fail::{CliResult, Failure};
use autotune::nn::{Activation, Optimizer, Schedule};
use autotune::space::{Domain, Scale};
use autotune::tune::{AutotuneConfig, PrunerConfig, TuneSpace, names};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Epochs when `--epochs` is left out.
pub const DEFAULT_EPOCHS: usize = 50;

/// Everything that defines a study run by `autotune tune`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// A built-in name, or the CSV file's absolute path.
    pub data: String,
    /// `--target`.
    pub target: Option<String>,
    /// `--task`.
    pub task: Option<TaskArg>,
    /// Trials in the whole study (`None`: 30, or with `--timeout` as many as
    /// fit).
    pub trials: Option<usize>,
    /// Workers.
    pub workers: usize,
    /// The seed.
    pub seed: u64,
    /// The pruner.
    pub pruner: PrunerArg,
    /// Hyperparameters freed into the space, sorted.
    pub free: Vec<FreeArg>,
    /// Epochs per trial (the upper bound if freed).
    pub epochs: usize,
    /// `--delimiter` (`None`: guessed from the file).
    #[serde(default)]
    pub delimiter: Option<char>,
    /// `--no-header`.
    #[serde(default)]
    pub no_header: bool,
    /// `--budget-epochs`: the multi-fidelity study's epochs in all (with
    /// `--resume`: the saved budget unless given again, as `--trials`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_epochs: Option<usize>,
}

/// Workers when `--workers` is left out: the number of cores.
fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

fn at_least_one(flag: &str, v: Option<usize>) -> CliResult<Option<usize>> {
    match v {
        Some(0) => Err(Failure::input(format!("{flag} must be at least 1, got 0"))),
        v => Ok(v),
    }
}

/// Checks that an option given with `--resume` agrees with the study's saved value.
fn check_same(flag: &str, given: Option<String>, saved: String, at: &Place) -> CliResult<()> {
    match given {
        Some(g) if g != saved => Err(Failure::input(format!(
            "{flag} {g} does not match the study in {} ({flag} {saved}); leave it out to \
             continue that study, or choose another {}",
            at.name, at.other
        ))),
        _ => Ok(()),
    }
}

/// Where a study is kept, for messages: its name (`DIR`, or `URL study
/// NAME`) and the option that chooses another.
pub struct Place {
    /// The directory, or the database and study.
    pub name: String,
    /// `--out` or `--study`.
    pub other: &'static str,
}

impl Settings {
    /// Resolves the settings of `args` (with the `saved` settings of a study
    /// being resumed, if any).
    ///
    /// # Errors
    /// Bad input: zero trials, workers or epochs; no `--data` for a new study;
    /// an option that contradicts the resumed study.
    pub fn resolve(args: &TuneArgs, saved: Option<&Settings>) -> CliResult<Settings> {
        let at = Place {
            name: args.out.display().to_string(),
            other: "--out",
        };
        Self::resolve_at(args, saved, &at)
    }

    /// [`Settings::resolve`] of a study kept `at`.
    ///
    /// # Errors
    /// As [`Settings::resolve`].
    pub fn resolve_at(
        args: &TuneArgs,
        saved: Option<&Settings>,
        at: &Place,
    ) -> CliResult<Settings> {
        let trials = at_least_one("--trials", args.trials)?;
        let workers = at_least_one("--workers", args.workers)?;
        let epochs = at_least_one("--epochs", args.epochs)?;
        let mut free = args.free.clone();
        if let Some(f) = &mut free {
            f.sort();
            f.dedup();
        }
        let Some(saved) = saved else {
            let Some(data) = &args.data else {
                return Err(Failure::input(
                    "--data is required: a built-in data set (see `autotune datasets`) or a CSV file",
                ));
            };
            return Ok(Settings {
                data: absolute_if_file(data),
                target: args.target.clone(),
                task: args.task,
                trials,
                workers: workers.unwrap_or_else(default_workers),
                seed: args.seed.unwrap_or(0),
                pruner: args.pruner.unwrap_or(PrunerArg::Median),
                free: free.unwrap_or_default(),
                epochs: epochs.unwrap_or(DEFAULT_EPOCHS),
                delimiter: args.delimiter,
                no_header: args.no_header,
                budget_epochs: args.budget_epochs,
            });
        };
        let none = |v: Option<&str>, default: &str| v.unwrap_or(default).to_owned();
        let checks = [
            (
                "--data",
                args.data.as_deref().map(absolute_if_file),
                saved.data.clone(),
            ),
            (
                "--target",
                args.target.clone(),
                none(saved.target.as_deref(), "(last column)"),
            ),
            (
                "--task",
                args.task.map(|t| task_name(t).into()),
                none(saved.task.map(task_name), "(inferred)"),
            ),
            (
                "--workers",
                workers.map(|w| w.to_string()),
                saved.workers.to_string(),
            ),
            (
                "--seed",
                args.seed.map(|s| s.to_string()),
                saved.seed.to_string(),
            ),
            (
                "--pruner",
                args.pruner.map(|p| pruner_name(p).into()),
                pruner_name(saved.pruner).into(),
            ),
            ("--free", free.as_deref().map(list), list(&saved.free)),
            (
                "--epochs",
                epochs.map(|e| e.to_string()),
                saved.epochs.to_string(),
            ),
            (
                "--delimiter",
                args.delimiter.map(delimiter_name),
                saved.delimiter.map_or("(guessed)".into(), delimiter_name),
            ),
            (
                "--no-header",
                args.no_header.then(|| "given".into()),
                if saved.no_header {
                    "given"
                } else {
                    "not given"
                }
                .into(),
            ),
        ];
        for (flag, given, saved_value) in checks {
            check_same(flag, given, saved_value, at)?;
        }
        Ok(Settings {
            trials: trials.or(saved.trials),
            budget_epochs: args.budget_epochs.or(saved.budget_epochs),
            ..saved.clone()
        })
    }

    /// The data of these settings, loaded and split by the seed (the split
    /// takes the data set's rows: they are held once).
    ///
    /// # Errors
    /// Bad input: a missing or malformed data set, a bad target or split.
    pub fn load_split(&self) -> CliResult<autotune::data::Split> {
        let csv = super::data::CsvFlags {
            delimiter: self.delimiter,
            no_header: self.no_header,
        };
        let dataset = super::data::load(&self.data, self.target.as_deref(), self.task, csv)?;
        super::data::split(dataset, self.seed)
    }

    /// The trials the study runs (at most), with a time limit or not.
    pub fn planned_trials(&self, timeout: Option<std::time::Duration>) -> usize {
        AutotuneConfig {
            n_trials: self.trials,
            timeout,
            ..AutotuneConfig::default()
        }
        .planned_trials()
    }

    /// The `autotune()` configuration of these settings, with `journal`.
    pub fn config(&self, journal: &Path, resume: bool) -> AutotuneConfig {
        let e = self.epochs;
        // An epoch count as a domain bound (`--epochs` beyond i64 cannot be trained anyway).
        let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        let mut space = TuneSpace::default().epochs(Domain::fixed(count(e)));
        for f in &self.free {
            space = match f {
                FreeArg::Optimizer => space.optimizer([
                    Optimizer::Sgd,
                    Optimizer::momentum(0.9),
                    Optimizer::nesterov(0.9),
                    Optimizer::adam(),
                    Optimizer::rmsprop(),
                ]),
                FreeArg::Activation => space.activation([
                    Activation::Relu,
                    Activation::leaky_relu(),
                    Activation::Tanh,
                    Activation::Sigmoid,
                ]),
                FreeArg::Schedule => space.schedule([
                    Schedule::Constant,
                    Schedule::Cosine {
                        steps: e as u64,
                        floor: 0.01,
                    },
                    Schedule::InverseSqrt,
                ]),
                FreeArg::Hidden => {
                    space.hidden([vec![32], vec![64], vec![128], vec![64, 64], vec![128, 64]])
                }
                FreeArg::Dropout => space.dropout(Domain::float(0.0, 0.5, Scale::Linear)),
                FreeArg::Epochs if e >= 2 => {
                    space.epochs(Domain::int(count((e / 4).max(1)), count(e), Scale::Log))
                }
                FreeArg::Epochs => space,
            };
        }
        AutotuneConfig {
            n_trials: self.trials,
            ..AutotuneConfig::default()
        }
        .workers(self.workers)
        .seed(self.seed)
        .pruner(match self.pruner {
            PrunerArg::None => PrunerConfig::None,
            PrunerArg::Median => PrunerConfig::default(),
            PrunerArg::Asha => PrunerConfig::SuccessiveHalving(Default::default()),
        })
        .space(space)
        .journal(journal)
        .resume(resume)
    }
}

/// `--delimiter` as written on the command line.
fn delimiter_name(d: char) -> String {
    if d == '\t' {
        "tab".into()
    } else {
        d.to_string()
    }
}

fn task_name(t: TaskArg) -> &'static str {
    match t {
        TaskArg::Classification => "classification",
        TaskArg::Regression => "regression",
    }
}

fn pruner_name(p: PrunerArg) -> &'static str {
    match p {
        PrunerArg::None => "none",
        PrunerArg::Median => "median",
        PrunerArg::Asha => "asha",
    }
}

/// `--free` as written on the command line.
fn list(free: &[FreeArg]) -> String {
    if free.is_empty() {
        return "(none)".into();
    }
    free.iter()
        .map(|&f| free_name(f))
        .collect::<Vec<_>>()
        .join(",")
}

/// The hyperparameter a `--free` value frees (also its spelling on the command line).
fn free_name(f: FreeArg) -> &'static str {
    match f {
        FreeArg::Optimizer => names::OPTIMIZER,
        FreeArg::Activation => names::ACTIVATION,
        FreeArg::Schedule => names::SCHEDULE,
        FreeArg::Hidden => names::HIDDEN,
        FreeArg::Dropout => names::DROPOUT,
        FreeArg::Epochs => names::EPOCHS,
    }
}

/// A CSV path made absolute (so a study resumes from any directory); built-in names unchanged.
fn absolute_if_file(data: &str) -> String {
    let p = Path::new(data);
    if p.exists() {
        std::path::absolute(p).map_or_else(|_| data.to_owned(), |a| a.display().to_string())
    } else {
        data.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn args(line: &str) -> TuneArgs {
        let cli = super::super::args::Cli::parse_from(
            std::iter::once("autotune").chain(line.split_whitespace()),
        );
        match cli.command {
            super::super::args::Command::Tune(t) => t,
            _ => unreachable!("a tune command line"),
        }
    }

    #[test]
    fn defaults_and_zero_checks() {
        let s = Settings::resolve(&args("tune --data iris --out x --workers 2"), None).unwrap();
        assert_eq!(
            (s.trials, s.workers, s.seed, s.epochs),
            (None, 2, 0, DEFAULT_EPOCHS)
        );
        // No --trials: 30, or as many as a time limit lets run.
        assert_eq!(s.planned_trials(None), autotune::tune::DEFAULT_TRIALS);
        let hour = Some(std::time::Duration::from_secs(3600));
        assert_eq!(s.planned_trials(hour), autotune::tune::MAX_TRIALS);
        let s = Settings::resolve(&args("tune --data iris --out x --trials 7"), None).unwrap();
        assert_eq!((s.planned_trials(None), s.planned_trials(hour)), (7, 7));
        assert_eq!(s.pruner, PrunerArg::Median);
        for (line, msg) in [
            (
                "tune --data iris --out x --trials 0",
                "--trials must be at least 1, got 0",
            ),
            (
                "tune --data iris --out x --workers 0",
                "--workers must be at least 1, got 0",
            ),
            ("tune --out x", "--data is required"),
        ] {
            let e = Settings::resolve(&args(line), None).unwrap_err();
            assert_eq!(e.code, 2);
            assert!(e.message.starts_with(msg), "{}", e.message);
        }
    }

    #[test]
    fn resuming_keeps_the_saved_settings_and_rejects_contradictions() {
        let saved = Settings::resolve(
            &args("tune --data iris --out x --workers 2 --seed 7 --free hidden,dropout,hidden"),
            None,
        )
        .unwrap();
        assert_eq!(saved.free, [FreeArg::Hidden, FreeArg::Dropout]);
        let s =
            Settings::resolve(&args("tune --out x --resume --trials 50"), Some(&saved)).unwrap();
        assert_eq!(
            s,
            Settings {
                trials: Some(50),
                ..saved.clone()
            }
        );
        let s = Settings::resolve(
            &args("tune --out x --resume --seed 7 --free dropout,hidden"),
            Some(&saved),
        )
        .unwrap();
        assert_eq!(s, saved);
        let e =
            Settings::resolve(&args("tune --out x --resume --seed 8"), Some(&saved)).unwrap_err();
        assert!(
            e.message
                .starts_with("--seed 8 does not match the study in x (--seed 7)"),
            "{}",
            e.message
        );
        let e = Settings::resolve(&args("tune --out x --resume --pruner asha"), Some(&saved))
            .unwrap_err();
        assert!(e.message.contains("(--pruner median)"), "{}", e.message);
    }

    #[test]
    fn the_config_frees_what_was_asked() {
        let s = Settings::resolve(
            &args("tune --data iris --out x --free optimizer,epochs --epochs 20"),
            None,
        )
        .unwrap();
        let c = s.config(Path::new("x/journal.jsonl"), false);
        c.check().unwrap();
        assert_eq!(c.space.optimizer.len(), 5);
        assert_eq!(c.space.epochs, Domain::int(5, 20, Scale::Log));
        assert_eq!(c.space.max_epochs(), Some(20));
        let space = c.space.search_space(100).unwrap();
        let free: Vec<&str> = space
            .params()
            .iter()
            .filter(|p| p.domain.is_free())
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(
            free,
            [
                names::LEARNING_RATE,
                names::BATCH_SIZE,
                names::INIT,
                names::REGULARIZATION,
                names::OPTIMIZER,
                names::EPOCHS
            ]
        );
    }

    #[test]
    fn every_free_value_frees_the_hyperparameter_of_its_name() {
        let all = "optimizer,activation,schedule,hidden,dropout,epochs";
        let s = Settings::resolve(
            &args(&format!("tune --data iris --out x --free {all} --epochs 8")),
            None,
        )
        .unwrap();
        let space = s
            .config(Path::new("x/journal.jsonl"), false)
            .space
            .search_space(100)
            .unwrap();
        for &f in &s.free {
            assert!(space.param(free_name(f)).unwrap().domain.is_free(), "{f:?}");
        }
        assert_eq!(
            space.param(names::SCHEDULE).unwrap().domain,
            Domain::Categorical {
                choices: vec![
                    "constant".into(),
                    "cosine(steps=8,floor=0.01)".into(),
                    "inverse_sqrt".into()
                ]
            }
        );
        let e =
            Settings::resolve(&args("tune --out x --resume --free dropout"), Some(&s)).unwrap_err();
        assert!(
            e.message.starts_with(&format!(
                "--free dropout does not match the study in x (--free {all})"
            )),
            "{}",
            e.message
        );
    }
}
