//! Regression: tune a network predicting diabetes progression one year on
//! (442 patients, 10 baseline measurements; Efron et al. 2004).
//!
//! The objective is the validation RMSE in the target's own units; the
//! summary gives the test RMSE and R² of the best configuration retrained on
//! train + validation. Noisy data with few rows: 5-fold cross-validation.
//!
//! Run: `cargo run --release --example diabetes` (flags: `--trials`,
//! `--workers`, `--seed`, `--out`, `--resume`; see `--help`).

pub mod common; // flags, progress lines, results files, summary table

use autotune::data::{Builtin, Dataset, SplitFractions};
use autotune::tune::{TuneObjective, TuneReport};
use common::Flags;

pub fn run(flags: &Flags) -> anyhow::Result<TuneReport> {
    // 1. The data: a shuffled 70/10/20 split (validation folds come from
    //    train + validation below).
    let diabetes = Dataset::builtin(Builtin::Diabetes)?;
    let split = diabetes.split(SplitFractions::new(0.7, 0.1, 0.2), flags.seed)?;

    // 2. The study: minimise the cross-validated RMSE (the target is
    //    standardised for training and scored in its own units).
    let config = flags
        .config()?
        .objective(TuneObjective::Rmse)
        .cv_folds(Some(5));

    // 3. Run, save the results files, print the summary (test RMSE and R²).
    common::run_study(flags, &split, &config)
}

fn main() {
    let flags = Flags::parse(
        "diabetes",
        "Tune a regression network on the diabetes data",
        30,
    );
    common::main(|| run(&flags));
}
