//! `autotune ask` / `autotune tell`: a study driven by a script in any
//! language, one process per call.
//!
//! ```sh
//! while line=$(autotune ask --dir study --space space.json --trials 20); do
//!   n=$(echo "$line" | jq .number)
//!   value=$(python train.py "$line")
//!   autotune tell --dir study --trial "$n" --value "$value"
//! done   # ask exits with code 3 once the 20 trials are asked
//! ```
//!
//! A study directory holds the journal (`journal.jsonl`) and the settings
//! the first `ask` created it with (`ask.json`); a shared study keeps both in
//! the database. An asked trial is out until `tell` records it: another
//! `ask` never hands it out again (it is pending for the sampler), and a
//! shared storage never gives it up as lost.

use super::args::{AskArgs, SamplerArg, StudyAt, TellArgs};
use super::fail::{CliResult, Failure, OrFail};
use super::shared::{self, Metadata};
use super::tune::classify;
use autotune::error::{Error, StudyError};
use autotune::history::Direction;
use autotune::sampler::{GpSampler, RandomSampler};
use autotune::space::SearchSpace;
use autotune::study::journal::write_atomically;
use autotune::study::storage::postgres::PostgresOptions;
use autotune::study::{Study, StudyBuilder, read_existing};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::{Duration, Instant};

/// The settings file of an ask/tell study directory.
pub const ASK_SETTINGS: &str = "ask.json";
/// The journal of a study directory.
const JOURNAL: &str = super::outdir::JOURNAL;
/// How long a call waits for another on the same study directory.
const LOCK_PATIENCE: Duration = Duration::from_secs(30);

/// What an ask/tell study was created with (besides its space, which its
/// journal or database keeps).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AskSettings {
    /// Trials in the whole study.
    pub trials: usize,
    /// The study seed.
    pub seed: u64,
    /// The sampler.
    pub sampler: SamplerArg,
    /// Maximise the values told.
    pub maximize: bool,
}

impl AskSettings {
    fn of(args: &AskArgs) -> Self {
        Self {
            trials: args.trials.unwrap_or(100),
            seed: args.seed.unwrap_or(0),
            sampler: args.sampler.unwrap_or(SamplerArg::Gp),
            maximize: args.maximize,
        }
    }

    /// The study builder of these settings.
    fn builder(&self, space: SearchSpace) -> StudyBuilder {
        let b = Study::builder(space)
            .seed(self.seed)
            .direction(if self.maximize {
                Direction::Maximize
            } else {
                Direction::Minimize
            });
        match self.sampler {
            SamplerArg::Random => b.sampler(RandomSampler),
            SamplerArg::Gp => b.sampler(GpSampler::default()),
        }
    }
}

/// Whether `args` sets something only a new study takes.
fn creating(args: &AskArgs) -> bool {
    args.space.is_some()
        || args.trials.is_some()
        || args.seed.is_some()
        || args.sampler.is_some()
        || args.maximize
}

/// Reads `--space`.
fn read_space(path: &Path) -> CliResult<SearchSpace> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::input(format!("cannot read --space {}: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| {
        Failure::input(format!(
            "--space {}: not a search space: {e} (see `autotune ask --help`)",
            path.display()
        ))
    })
}

/// Checks that the creation settings `args` gives agree with the study's.
fn check_same(args: &AskArgs, saved: &AskSettings, space: &SearchSpace, at: &str) -> CliResult<()> {
    if !creating(args) {
        return Ok(());
    }
    let given = AskSettings::of(args);
    let mut differ = Vec::new();
    if args.trials.is_some() && given.trials != saved.trials {
        differ.push(format!("--trials {}", saved.trials));
    }
    if args.seed.is_some() && given.seed != saved.seed {
        differ.push(format!("--seed {}", saved.seed));
    }
    if args.sampler.is_some() && given.sampler != saved.sampler {
        differ.push(format!("--sampler {:?}", saved.sampler).to_lowercase());
    }
    if given.maximize != saved.maximize {
        differ.push(if saved.maximize {
            "--maximize".to_owned()
        } else {
            "no --maximize".to_owned()
        });
    }
    if let Some(path) = &args.space
        && read_space(path)? != *space
    {
        differ.push("another --space".to_owned());
    }
    if differ.is_empty() {
        return Ok(());
    }
    Err(Failure::input(format!(
        "{at} was created with {}: leave the creation options out to use it",
        differ.join(", ")
    )))
}

/// An opened study and its settings.
struct Opened {
    study: Study,
    settings: AskSettings,
    /// How many trials were asked before (a study directory's), for its budget.
    asked: Option<usize>,
    at: String,
}

/// Builds the study, waiting up to [`LOCK_PATIENCE`] while another call
/// holds the directory's lock.
fn build_waiting(mut make: impl FnMut() -> StudyBuilder, at: &str) -> CliResult<Study> {
    let start = Instant::now();
    loop {
        match make().build() {
            Err(Error::Study(StudyError::Locked { .. })) if start.elapsed() < LOCK_PATIENCE => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(Error::Study(StudyError::Locked { .. })) => {
                return Err(Failure::run(format!(
                    "{at} stayed in use by another process for {} s",
                    LOCK_PATIENCE.as_secs()
                )));
            }
            other => return other.map_err(classify),
        }
    }
}

/// Opens the study directory `dir` (creating it if `args` allow).
fn open_dir(dir: &Path, args: Option<&AskArgs>) -> CliResult<Opened> {
    let at = dir.display().to_string();
    let journal = dir.join(JOURNAL);
    let settings_path = dir.join(ASK_SETTINGS);
    let create = args.and_then(|a| a.space.as_ref().map(|s| (a, s)));
    let (space, settings) = if journal.exists() {
        let settings: AskSettings = std::fs::read_to_string(&settings_path)
            .map_err(|e| {
                Failure::input(format!(
                    "{at} is not a study of `autotune ask` (cannot read {}: {e})",
                    settings_path.display()
                ))
            })
            .and_then(|t| {
                serde_json::from_str(&t).map_err(|e| {
                    Failure::input(format!("{}: malformed: {e}", settings_path.display()))
                })
            })?;
        let contents = read_existing(&journal)
            .or_input()?
            .ok_or_else(|| Failure::input(format!("{} is empty", journal.display())))?;
        let space = contents.header.space;
        if let Some(a) = args {
            check_same(a, &settings, &space, &at)?;
        }
        (space, settings)
    } else if let Some((a, path)) = create {
        let space = read_space(path)?;
        let settings = AskSettings::of(a);
        if dir.exists() && !dir.is_dir() {
            return Err(Failure::input(format!("--dir {at} is a file")));
        }
        std::fs::create_dir_all(dir)
            .map_err(|e| Failure::input(format!("cannot create --dir {at}: {e}")))?;
        let text = serde_json::to_string_pretty(&settings).or_run("serialising the settings")?;
        write_atomically(&settings_path, text.as_bytes())
            .or_run(&format!("writing {}", settings_path.display()))?;
        (space, settings)
    } else {
        return Err(Failure::input(format!(
            "there is no study in {at} (no {JOURNAL}); create it with `autotune ask --dir {at} \
             --space FILE.json`"
        )));
    };
    let study = build_waiting(
        || {
            settings
                .builder(space.clone())
                .journal(&journal)
                .resume(true)
        },
        &at,
    )?;
    // Under the lock: what was asked before, for the budget.
    let asked = read_existing(&journal)
        .or_input()?
        .map_or(0, |c| c.trials.len() + c.unfinished.len());
    Ok(Opened {
        study,
        settings,
        asked: Some(asked),
        at,
    })
}

/// Opens the shared study `url`/`name` (creating it if `args` allow).
fn open_shared(url: &str, name: &str, args: Option<&AskArgs>) -> CliResult<Opened> {
    let options = PostgresOptions::new(url, name);
    let at = shared::place(&options);
    let (space, settings) = match shared::stored(&options)? {
        Some(stored) => match shared::metadata(&stored, &at)? {
            Metadata::Ask(settings) => {
                if let Some(a) = args {
                    check_same(a, &settings, &stored.header.space, &at)?;
                }
                (stored.header.space, settings)
            }
            Metadata::Tune(_) => {
                return Err(Failure::input(format!(
                    "{at} is a study of `autotune tune` (its trials train networks); ask/tell \
                     needs a study of its own"
                )));
            }
        },
        None => match args.and_then(|a| a.space.as_ref().map(|s| (a, s))) {
            Some((a, path)) => (read_space(path)?, AskSettings::of(a)),
            None => {
                return Err(Failure::input(format!(
                    "there is no study {name} in {} (create it with `autotune ask --storage URL \
                     --study {name} --space FILE.json`)",
                    options.redacted_url()
                )));
            }
        },
    };
    let metadata = Metadata::Ask(settings.clone()).to_json()?;
    let study = settings
        .builder(space)
        .postgres(options.budget(settings.trials).metadata(metadata))
        .build()
        .map_err(classify)?;
    Ok(Opened {
        study,
        settings,
        asked: None,
        at,
    })
}

fn open(at: &StudyAt, args: Option<&AskArgs>) -> CliResult<Opened> {
    match (&at.dir, at.storage.get()) {
        (Some(dir), None) => open_dir(dir, args),
        (_, Some((url, name))) => open_shared(url, name, args),
        (None, None) => Err(Failure::input(
            "give a study: --dir DIR, or --storage URL --study NAME",
        )),
    }
}

/// `autotune ask`: prints the next trial as one JSON line.
///
/// # Errors
/// Bad input; exit code 3 once the budget is met; a run failure.
pub fn ask(args: &AskArgs) -> CliResult<()> {
    let Opened {
        mut study,
        settings,
        asked,
        at,
    } = open(&args.at, Some(args))?;
    let spent = || {
        Failure::budget(format!(
            "{at}: its {} trials are all asked; no trial is left",
            settings.trials
        ))
    };
    if asked.is_some_and(|n| n >= settings.trials) {
        return Err(spent());
    }
    let Some(trial) = study.ask_detached().map_err(classify)? else {
        return Err(spent());
    };
    let line = serde_json::to_string(&trial).or_run("serialising the trial")?;
    println!("{line}");
    Ok(())
}

/// `autotune tell`: records a trial's result.
///
/// # Errors
/// Bad input (no such trial waiting for its result); a run failure.
pub fn tell(args: &TellArgs) -> CliResult<()> {
    let Opened { mut study, at, .. } = open(&args.at, None)?;
    let result = match (&args.failed, args.value) {
        (Some(reason), _) => Err(reason.clone()),
        (None, Some(v)) => Ok(v),
        (None, None) => return Err(Failure::input("give --value V or --failed REASON")),
    };
    match study.tell_detached(args.trial, result) {
        Ok(_) => Ok(()),
        Err(Error::Study(StudyError::UnknownTrial { number })) => Err(Failure::input(format!(
            "{at}: trial {number} is not waiting for a result (never asked, or already told)"
        ))),
        Err(e) => Err(classify(e)),
    }
}
