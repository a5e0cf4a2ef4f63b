//! Tune a small network on Fisher's iris flowers (150 rows, 3 classes).
//!
//! With so few rows, each configuration is scored by 5-fold cross-validation
//! on the training and validation parts together; the best one is retrained
//! on both and tested on the 20% held out.
//!
//! Run: `cargo run --release --example iris` (flags: `--trials`, `--workers`,
//! `--seed`, `--out`, `--resume`; see `--help`).

pub mod common; // flags, progress lines, results files, summary table

use autotune::data::{Builtin, Dataset, SplitFractions};
use autotune::tune::TuneReport;
use common::Flags;

pub fn run(flags: &Flags) -> anyhow::Result<TuneReport> {
    // 1. The data: a stratified 60/20/20 split, drawn from the seed.
    let iris = Dataset::builtin(Builtin::Iris)?;
    let split = iris.split(SplitFractions::new(0.6, 0.2, 0.2), flags.seed)?;

    // 2. The study: the default space (learning rate, batch size, initialiser,
    //    L2 strength) searched by the Gaussian-process sampler, each
    //    configuration scored by 5-fold cross-validation, median pruning.
    let config = flags.config()?.cv_folds(Some(5));

    // 3. Run it, one progress line per trial; the journal makes it resumable.
    common::run_study(flags, &split, &config)
}

fn main() {
    let flags = Flags::parse("iris", "Tune a network on the iris flowers", 30);
    common::main(|| run(&flags));
}
