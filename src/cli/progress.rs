//! Progress of a study on stderr: an indicatif bar on a terminal, one plain
//! line per finished trial otherwise, nothing with `--quiet`.

use autotune::error::Warning;
use autotune::history::TrialState;
use autotune::study::{Observer, Progress};
use autotune::tune::{fmt_duration, fmt_value};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// A live bar (stderr is a terminal).
    Bar,
    /// A line per finished trial (stderr is a file or a pipe).
    Lines,
    /// Nothing (`--quiet`).
    Quiet,
}

impl Style {
    /// The style for stderr as it is, unless `quiet`.
    pub fn detect(quiet: bool) -> Self {
        if quiet {
            Style::Quiet
        } else if std::io::stderr().is_terminal() {
            Style::Bar
        } else {
            Style::Lines
        }
    }
}

/// What the progress view shares with the Ctrl-C handler.
#[derive(Debug, Clone)]
pub struct Shared {
    /// Trials finished in the whole study (resumed ones included).
    pub finished: Arc<AtomicUsize>,
    /// The bar, to clear before printing anything else.
    pub bar: Option<ProgressBar>,
}

/// A study observer that shows progress.
pub struct ProgressView {
    style: Style,
    bar: Option<ProgressBar>,
    finished: Arc<AtomicUsize>,
    /// Trials in the whole study.
    total: usize,
    /// Trials finished before this run (a resumed study).
    done_before: usize,
    workers: usize,
    objective: String,
    started: Instant,
}

impl ProgressView {
    /// A view of a study of `total` trials, `done_before` of them finished
    /// already, on `workers` workers, optimising `objective`.
    pub fn new(
        style: Style,
        total: usize,
        done_before: usize,
        workers: usize,
        objective: &str,
    ) -> Self {
        let bar = (style == Style::Bar).then(|| {
            let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr())
                .with_style(
                    ProgressStyle::with_template(
                        "{spinner:.green} [{elapsed_precise}] {bar:20.cyan/blue} {pos}/{len} {wide_msg}",
                    )
                    .expect("the template is valid")
                    .progress_chars("##-"),
                )
                .with_position(done_before as u64);
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        let view = Self {
            style,
            bar,
            finished: Arc::new(AtomicUsize::new(done_before)),
            total,
            done_before,
            workers,
            objective: objective.to_owned(),
            started: Instant::now(),
        };
        if let Some(bar) = &view.bar {
            bar.set_message(view.status(None, done_before, (0, 0)));
        }
        view
    }

    /// What the Ctrl-C handler needs.
    pub fn shared(&self) -> Shared {
        Shared {
            finished: Arc::clone(&self.finished),
            bar: self.bar.clone(),
        }
    }

    /// `ETA 1m 20s | best validation loss 0.0612 (#23) | running 2, pruned 3, failed 0`.
    fn status(
        &self,
        best: Option<(usize, f64)>,
        done: usize,
        (pruned, failed): (usize, usize),
    ) -> String {
        let best = best.map_or_else(
            || "best -".to_owned(),
            |(n, v)| format!("best {} {} (#{n})", self.objective, fmt_value(v)),
        );
        let running = self.workers.min(self.total.saturating_sub(done));
        format!(
            "ETA {} | {best} | running {running}, pruned {pruned}, failed {failed}",
            self.eta(done)
        )
    }

    /// Time left at the pace of this run so far.
    fn eta(&self, done: usize) -> String {
        let in_run = done.saturating_sub(self.done_before);
        if in_run == 0 {
            return "-".to_owned();
        }
        let per_trial = self.started.elapsed().as_secs_f64() / in_run as f64;
        fmt_duration(per_trial * self.total.saturating_sub(done) as f64)
    }
}

impl Observer for ProgressView {
    fn trial_finished(&mut self, p: &Progress<'_>) {
        let done = p.counts.total();
        self.finished.store(done, Ordering::SeqCst);
        let best = p.best.and_then(|b| b.state.value().map(|v| (b.number, v)));
        let failed = p.counts.failed + p.counts.diverged;
        let status = self.status(best, done, (p.counts.pruned, failed));
        match self.style {
            Style::Quiet => {}
            Style::Bar => {
                if let Some(bar) = &self.bar {
                    bar.set_position(done as u64);
                    bar.set_message(status);
                }
            }
            Style::Lines => {
                let width = self.total.to_string().len();
                let outcome = match &p.trial.state {
                    TrialState::Complete { value } => format!("complete {}", fmt_value(*value)),
                    TrialState::Pruned { step, .. } => format!("pruned after epoch {step}"),
                    TrialState::Failed { reason } => format!("failed: {reason}"),
                    TrialState::Diverged { reason } => format!("diverged: {reason}"),
                };
                eprintln!(
                    "[{done:>width$}/{}] trial {} {outcome} | {status}",
                    self.total, p.trial.number
                );
            }
        }
    }

    fn warning(&mut self, warning: &Warning) {
        let line = format!("warning: {warning}");
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }
}

impl Drop for ProgressView {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
