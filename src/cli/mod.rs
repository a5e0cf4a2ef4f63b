//! The `autotune` command line (binary only; the library holds no CLI code).
//!
//! - `autotune tune`: run or resume a study ([`tune`]);
//! - `autotune report DIR` (or `--storage URL --study NAME`): summary and
//!   plots of a study ([`report`]);
//! - `autotune tune --storage URL --study NAME`, `autotune worker`: a study
//!   shared by many machines through PostgreSQL ([`shared`]);
//! - `autotune ask` / `autotune tell`: a study driven by a script in any
//!   language ([`ask_tell`]);
//! - `autotune datasets`: the built-in data sets ([`datasets`]).
//!
//! Failures print one line `error: ...` on stderr and exit with code 2 for
//! bad input, 1 for a failure during the run ([`fail`]); Ctrl-C and SIGTERM
//! stop a study after its running trials ([`interrupt`]).

mod args;
mod ask_tell;
mod data;
mod datasets;
mod fail;
mod interrupt;
mod outdir;
mod preflight;
mod progress;
mod report;
mod results;
mod settings;
mod shared;
mod tune;

use args::{Cli, Command};
use clap::Parser;
use std::process::ExitCode;

/// Parses the command line, runs the command, and turns failures into an
/// `error: ...` line and an exit code.
pub fn main() -> ExitCode {
    quiet_panics();
    // Before any other thread starts (they inherit the blocked signals).
    if let Err(f) = interrupt::listen() {
        return f.report();
    }
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Tune(a) => tune::run(a),
        Command::Report(a) => report::run(a),
        Command::Worker(a) => shared::worker(a),
        Command::Ask(a) => ask_tell::ask(a),
        Command::Tell(a) => ask_tell::tell(a),
        Command::Datasets => datasets::listing().map(|text| print!("{text}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => f.report(),
    }
}

/// A panic in a study's worker thread is caught and recorded as a failed
/// trial with its message, so it is not printed (it would break the progress
/// bar); any other panic is a bug and prints one `error:` line.
fn quiet_panics() {
    std::panic::set_hook(Box::new(|info| {
        let worker = std::thread::current()
            .name()
            .is_some_and(|n| n.starts_with("autotune-worker"));
        if !worker {
            eprintln!("error: internal error (please report it): {info}");
        }
    }));
}
