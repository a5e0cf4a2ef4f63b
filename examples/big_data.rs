//! Memory on big data: an MNIST-sized CSV (60,000 rows of 784 pixel
//! columns and a digit label, seeded, written to a temporary folder, never
//! committed) loaded in this process, then tuned by the `autotune` binary as
//! a child process (2 trials of 1 epoch on 1 worker). Prints the rows and
//! columns, the CSV's size, the data's size in f32, each stage's peak
//! resident memory and its ratio to the f32 size, and the time taken.
//!
//! Build the binary first, then run:
//! `cargo build --release --bin autotune && cargo run --release --example big_data`
//! (`-- --rows 6000` for a smaller file; `-- --bin PATH` for another binary).
//! The child's peak is read from `/usr/bin/time -v` where it exists, else
//! by polling its `/proc/<pid>/status` VmHWM (Linux). The same study on
//! iris gives the fixed overhead (the binary, its threads, the network).

use autotune::data::{CsvOptions, Dataset};
use autotune::rng::{below, bernoulli, rng_from_seed};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const COLUMNS: usize = 784;

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

fn run() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
    };
    let rows: usize = flag("--rows").map_or(Ok(60_000), |r| r.parse())?;
    let bin = flag("--bin").map_or_else(default_binary, |b| Ok(PathBuf::from(b)))?;
    anyhow::ensure!(
        bin.exists(),
        "no binary at {} (cargo build --release --bin autotune)",
        bin.display()
    );

    // 1. The CSV: 80% zero pixels, the rest 1..=255, a label 0..=9 last.
    let dir = tempfile::tempdir()?;
    let csv = dir.path().join("big.csv");
    generate(&csv, rows, 7)?;
    let csv_bytes = std::fs::metadata(&csv)?.len();
    let f32_bytes = (rows * (COLUMNS + 1) * 4) as u64;

    // 2. Loading in this process: its own peak (the generator wrote
    // through a small buffer, so the peak is the loader's).
    let start = Instant::now();
    let data = Dataset::from_csv_path(&csv, &CsvOptions::default())?;
    let load_time = start.elapsed();
    anyhow::ensure!(
        data.n_samples() == rows && data.n_features() == COLUMNS,
        "shape {data:?}"
    );
    drop(data);
    let load_peak = own_peak()?;

    // 3. The study in a child process.
    let out = dir.path().join("study");
    let start = Instant::now();
    let study_peak = child_peak(tiny_study(&bin, csv.as_os_str(), &out))?;
    let study_time = start.elapsed();
    // The fixed overhead: the same study on iris (150 rows).
    let fixed = child_peak(tiny_study(&bin, "iris".as_ref(), &dir.path().join("iris")))?;

    let mb = |b: u64| b as f64 / 1e6;
    println!("| stage | rows × columns | CSV | f32 size | peak RSS | ratio | time |");
    println!("|---|---|---|---|---|---|---|");
    for (stage, peak, time) in [
        ("load (in process)", load_peak, load_time),
        ("tune, 2 trials × 1 epoch (child)", study_peak, study_time),
    ] {
        println!(
            "| {stage} | {rows} × {} | {:.0} MB | {:.0} MB | {:.0} MB | {:.2} | {} |",
            COLUMNS + 1,
            mb(csv_bytes),
            mb(f32_bytes),
            mb(peak),
            peak as f64 / f32_bytes as f64,
            secs(time)
        );
    }
    println!(
        "\nfixed overhead (the same study on iris): {:.0} MB; tune peak less it: {:.2} × the f32 size",
        mb(fixed),
        study_peak.saturating_sub(fixed) as f64 / f32_bytes as f64
    );
    Ok(())
}

/// `autotune tune` of 2 trials of 1 epoch on 1 worker on `data`, into `out`.
fn tiny_study(bin: &Path, data: &std::ffi::OsStr, out: &Path) -> Command {
    let mut cmd = Command::new(bin);
    cmd.args([
        "tune",
        "--trials",
        "2",
        "--epochs",
        "1",
        "--workers",
        "1",
        "-q",
    ])
    .arg("--data")
    .arg(data)
    .arg("--out")
    .arg(out);
    cmd
}

/// Writes `rows` rows of [`COLUMNS`] pixels and a label, after a header,
/// with the crate's portable draws.
fn generate(path: &Path, rows: usize, seed: u64) -> anyhow::Result<()> {
    let mut rng = rng_from_seed(seed);
    let mut w = std::io::BufWriter::new(std::fs::File::create(path)?);
    let header: Vec<String> = (0..COLUMNS).map(|j| format!("p{j}")).collect();
    writeln!(w, "{},label", header.join(","))?;
    for _ in 0..rows {
        for _ in 0..COLUMNS {
            let pixel = if bernoulli(&mut rng, 0.8) {
                0
            } else {
                1 + below(&mut rng, 255)
            };
            write!(w, "{pixel},")?;
        }
        writeln!(w, "{}", below(&mut rng, 10))?;
    }
    Ok(w.flush()?)
}

/// `target/<profile>/autotune` beside `target/<profile>/examples/big_data`.
fn default_binary() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let profile = exe
        .parent()
        .and_then(Path::parent)
        .ok_or_else(|| anyhow::anyhow!("no target dir"))?;
    Ok(profile.join("autotune"))
}

/// This process's peak resident memory, in bytes (VmHWM).
fn own_peak() -> anyhow::Result<u64> {
    vm_hwm(&std::fs::read_to_string("/proc/self/status")?)
        .ok_or_else(|| anyhow::anyhow!("no VmHWM in /proc/self/status"))
}

/// Runs `cmd` to its end, and returns its peak resident memory in bytes.
fn child_peak(mut cmd: Command) -> anyhow::Result<u64> {
    let time = Path::new("/usr/bin/time");
    if time.exists() {
        let mut timed = Command::new(time);
        timed.arg("-v").arg(cmd.get_program()).args(cmd.get_args());
        let output = timed.output()?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        anyhow::ensure!(output.status.success(), "the study failed: {stderr}");
        let kb = stderr
            .lines()
            .find_map(|l| {
                l.trim()
                    .strip_prefix("Maximum resident set size (kbytes): ")
            })
            .ok_or_else(|| anyhow::anyhow!("no maximum resident set size in: {stderr}"))?;
        return Ok(kb.trim().parse::<u64>()? * 1024);
    }
    // Polled: VmHWM only grows, so the last reading is the peak up to then.
    let mut child = cmd.stdout(std::process::Stdio::null()).spawn()?;
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        if let Some(hwm) = std::fs::read_to_string(&status_file)
            .ok()
            .as_deref()
            .and_then(vm_hwm)
        {
            peak = peak.max(hwm);
        }
        if let Some(status) = child.try_wait()? {
            anyhow::ensure!(status.success(), "the study failed: {status}");
            return Ok(peak);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The VmHWM line of a `/proc/<pid>/status` text, in bytes.
fn vm_hwm(status: &str) -> Option<u64> {
    let kb = status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?;
    Some(
        kb.trim()
            .trim_end_matches("kB")
            .trim()
            .parse::<u64>()
            .ok()?
            * 1024,
    )
}

fn secs(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}
