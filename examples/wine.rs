//! Tune a network on the wine recognition data (178 rows, 13 chemical
//! measurements, 3 cultivars).
//!
//! Small data again: 5-fold cross-validation scores each configuration. The
//! hidden activation is freed into the search beside the default space.
//!
//! Run: `cargo run --release --example wine` (flags: `--trials`, `--workers`,
//! `--seed`, `--out`, `--resume`; see `--help`).

pub mod common; // flags, progress lines, results files, summary table

use autotune::data::{Builtin, Dataset, SplitFractions};
use autotune::nn::Activation;
use autotune::tune::{TuneReport, TuneSpace};
use common::Flags;

pub fn run(flags: &Flags) -> anyhow::Result<TuneReport> {
    // 1. The data: a stratified 60/20/20 split, drawn from the seed.
    let wine = Dataset::builtin(Builtin::Wine)?;
    let split = wine.split(SplitFractions::new(0.6, 0.2, 0.2), flags.seed)?;

    // 2. What to search: the default space, plus the hidden activation.
    let space =
        TuneSpace::default().activation([Activation::Relu, Activation::Tanh, Activation::Sigmoid]);

    // 3. The study: 5-fold cross-validation on train + validation.
    let config = flags.config()?.space(space).cv_folds(Some(5));

    // 4. Run, save the results files, print the summary.
    common::run_study(flags, &split, &config)
}

fn main() {
    let flags = Flags::parse("wine", "Tune a network on the wine recognition data", 30);
    common::main(|| run(&flags));
}
