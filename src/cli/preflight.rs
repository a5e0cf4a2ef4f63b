//! Checks of a `tune` command line made before anything is read or written:
//! `--out` is a study, empty or new (a folder of other files is never
//! written into: the results would overwrite the user's `trials.csv` or
//! `report.json`); `--resume` without `--data` finds a study there; free
//! epochs have a range to search.

use super::args::{FreeArg, TuneArgs};
use super::fail::{CliResult, Failure};
use super::outdir::{JOURNAL, SETTINGS};
use std::path::Path;

/// Files of the study's own machinery that are no user file: the probe
/// `OutDir::prepare` writes and removes, the locks (kept on purpose: deleting
/// a lock file would let two processes hold "the" lock) and the temporary
/// files of an atomic creation a kill interrupted.
const OWN_FILES: [&str; 5] = [
    ".autotune-write-test",
    "study.lock",
    "study.json.tmp",
    "journal.jsonl.lock",
    "journal.jsonl.tmp",
];

/// Checks `args` before the run.
///
/// # Errors
/// Bad input: `--out` holds files but no study; `--free epochs` with
/// `--epochs` below 2. (A resume without a study is [`check_resume`]'s, made
/// under the lock.)
pub fn check(args: &TuneArgs) -> CliResult<()> {
    if let (Some(free), Some(e)) = (&args.free, args.epochs)
        && free.contains(&FreeArg::Epochs)
        && e < 2
    {
        return Err(Failure::input(format!(
            "--free epochs searches from E/4 (at least 1) to E = --epochs epochs on a log scale, \
             so it needs --epochs 2 or more; with --epochs {e} there is nothing to search"
        )));
    }
    let out = &args.out;
    if holds_study(out) {
        return Ok(());
    }
    let others = other_files(out);
    // (A study created meanwhile by a run racing this one lists its journal:
    // then the directory holds a study after all.)
    if !others.is_empty() && !holds_study(out) {
        let shown: Vec<&str> = others.iter().take(3).map(String::as_str).collect();
        let more = if others.len() > 3 { ", ..." } else { "" };
        return Err(Failure::input(format!(
            "--out {} is not empty ({}{more}) and holds no study ({JOURNAL}): its files could be \
             overwritten; choose a new or empty directory",
            out.display(),
            shown.join(", ")
        )));
    }
    Ok(())
}

/// Checks, once `--out` is locked (no other process can be creating a study
/// there any more), that `--resume` without `--data` finds a study.
///
/// # Errors
/// Bad input: `--resume` without `--data` and no study in `--out`.
pub fn check_resume(args: &TuneArgs) -> CliResult<()> {
    let out = &args.out;
    if args.resume && args.data.is_none() && !holds_study(out) {
        return Err(Failure::input(format!(
            "no study in {} to resume (no {JOURNAL}); start one with --data NAME|FILE.csv",
            out.display()
        )));
    }
    Ok(())
}

/// Whether `dir` holds a study's journal or settings.
fn holds_study(dir: &Path) -> bool {
    dir.join(JOURNAL).exists() || dir.join(SETTINGS).exists()
}

/// The names of the entries of `dir` (sorted), if it is a directory.
fn other_files(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !OWN_FILES.contains(&n.as_str()))
        .collect();
    names.sort();
    names
}
