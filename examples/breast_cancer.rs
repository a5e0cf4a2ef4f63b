//! Tune a network on the Breast Cancer Wisconsin (diagnostic) data: 569
//! tumours, 30 features of their cell nuclei, malignant or benign.
//!
//! Enough rows for a plain validation part; early stopping inside each
//! trial (patience 10 epochs) and successive halving cut the epochs spent on
//! poor configurations.
//!
//! Run: `cargo run --release --example breast_cancer` (flags: `--trials`,
//! `--workers`, `--seed`, `--out`, `--resume`; see `--help`).

pub mod common; // flags, progress lines, results files, summary table

use autotune::data::{Builtin, Dataset, SplitFractions};
use autotune::tune::{PrunerConfig, TuneReport};
use common::Flags;

pub fn run(flags: &Flags) -> anyhow::Result<TuneReport> {
    // 1. The data: a stratified 70/15/15 split, drawn from the seed.
    let cancer = Dataset::builtin(Builtin::BreastCancer)?;
    let split = cancer.split(SplitFractions::new(0.7, 0.15, 0.15), flags.seed)?;

    // 2. The study: the default space, successive halving (ASHA) as pruner,
    //    and early stopping inside each training run.
    let config = flags
        .config()?
        .pruner(PrunerConfig::SuccessiveHalving(Default::default()))
        .patience(Some(10));

    // 3. Run, save the results files, print the summary.
    common::run_study(flags, &split, &config)
}

fn main() {
    let flags = Flags::parse(
        "breast_cancer",
        "Tune a network on the breast cancer data",
        30,
    );
    common::main(|| run(&flags));
}
