//! The Python anchors' side of the side-by-side examples (`e2e_digits`,
//! `trainer_parity`): the crate's root and the anchor's split of digits.
//! (Included by those examples with `#[path]`; not an example itself.)

use anyhow::{Context, Result, bail};
use autotune::data::{CsvOptions, CsvTask, Dataset, Header, Split, TargetColumn};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The crate's root directory (`../shared/anchors` is beside it).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The anchor's split of `seed`, written into `dir` by its `write_split.py`
/// (run with `python`) and read back (64 pixel columns, then `label`).
pub fn anchor_split(python: &str, seed: u64, dir: &Path) -> Result<Split> {
    let script = root().join("../shared/anchors/write_split.py");
    let out = Command::new(python)
        .arg(&script)
        .arg(seed.to_string())
        .arg(dir)
        .output()
        .with_context(|| format!("running {}", script.display()))?;
    if !out.status.success() {
        bail!(
            "write_split.py failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let opts = CsvOptions::default()
        .header(Header::Present)
        .target(TargetColumn::Name("label".into()))
        .task(CsvTask::Classification)
        .name("digits");
    let read = |name: &str| -> Result<Dataset> {
        Ok(Dataset::from_csv_path(
            dir.join(format!("{name}.csv")),
            &opts,
        )?)
    };
    Ok(Split {
        train: read("train")?,
        validation: read("valid")?,
        test: read("test")?,
    })
}
