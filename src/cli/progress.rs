//! Progress of a study on stderr: an indicatif bar on a terminal, one plain
//! line per finished trial otherwise, nothing with `--quiet`. Long trials
//! show their epochs as they go: on the bar (at most 4 updates a second), or
//! as a line every [`STEP_LINE_EVERY`] for a trial running that long.

use autotune::error::Warning;
use autotune::history::TrialState;
use autotune::study::{Observer, Progress};
use autotune::tune::{fmt_duration, fmt_value};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How often the bar shows the running trials' epochs, at most.
const BAR_EVERY: Duration = Duration::from_millis(250);
/// How often a line shows a long trial's epoch (and how long a trial runs
/// before it gets one).
pub const STEP_LINE_EVERY: Duration = Duration::from_secs(2);

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
    /// Trials in the whole study (`None`: no limit but time).
    total: Option<usize>,
    /// The run's time limit, if any.
    time_limit: Option<Duration>,
    /// Trials finished before this run (a resumed study).
    done_before: usize,
    workers: usize,
    objective: String,
    started: Instant,
    /// Epochs of a trial (the most, if epochs are searched), if known.
    epochs: Option<usize>,
    /// The run's epoch budget, if any, and the epochs reported so far.
    epoch_budget: Option<(usize, usize)>,
    /// The running trials: when each first reported, and its last step and value.
    steps: BTreeMap<usize, (Instant, usize, f64)>,
    /// When the running trials' epochs were last shown.
    shown: Option<Instant>,
    /// The last status (ETA, best, counts), shown with the epochs.
    status: String,
}

impl ProgressView {
    /// A view of a study of `total` trials (`None`: as many as a time limit
    /// lets run), `done_before` of them finished already, on `workers`
    /// workers, optimising `objective`.
    pub fn new(
        style: Style,
        total: Option<usize>,
        done_before: usize,
        workers: usize,
        objective: &str,
    ) -> Self {
        let bar = (style == Style::Bar).then(|| {
            let template = if total.is_some() {
                "{spinner:.green} [{elapsed_precise}] {bar:20.cyan/blue} {pos}/{len} {wide_msg}"
            } else {
                "{spinner:.green} [{elapsed_precise}] {pos} trials {wide_msg}"
            };
            let bar = ProgressBar::with_draw_target(
                total.map(|t| t as u64),
                ProgressDrawTarget::stderr(),
            )
            .with_style(
                ProgressStyle::with_template(template)
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
            time_limit: None,
            done_before,
            workers,
            objective: objective.to_owned(),
            started: Instant::now(),
            epochs: None,
            epoch_budget: None,
            steps: BTreeMap::new(),
            shown: None,
            status: String::new(),
        };
        let mut view = view;
        view.status = view.status(None, done_before, (0, 0));
        if let Some(bar) = &view.bar {
            bar.set_message(view.status.clone());
        }
        view
    }

    /// Counts the ETA down to the run's time limit `limit` (if it comes
    /// before the trials' pace says).
    #[must_use]
    pub fn time_limit(mut self, limit: Option<Duration>) -> Self {
        self.time_limit = limit;
        self
    }

    /// Shows epochs as `epoch 7/50` for trials of up to `epochs` epochs.
    #[must_use]
    pub fn epochs(mut self, epochs: usize) -> Self {
        self.epochs = Some(epochs);
        self
    }

    /// Shows the epochs used of an epoch budget `budget` beside each trial's.
    #[must_use]
    pub fn epoch_budget(mut self, budget: Option<usize>) -> Self {
        self.epoch_budget = budget.map(|b| (0, b));
        self
    }

    /// `epoch 7/50`, or `epoch 7` if the epochs of a trial are not known;
    /// with an epoch budget, then `(112/600 epochs of the budget)`.
    fn epoch(&self, step: usize) -> String {
        let trial = match self.epochs {
            Some(e) => format!("epoch {step}/{e}"),
            None => format!("epoch {step}"),
        };
        match self.epoch_budget {
            Some((used, budget)) => format!("{trial} ({used}/{budget} epochs of the budget)"),
            None => trial,
        }
    }

    /// Records that `trial` reported `value` at `step` at time `now`, and
    /// returns what to show: for the bar, the running trials' epochs (at
    /// most every [`BAR_EVERY`]); for lines, a line for a trial running for
    /// [`STEP_LINE_EVERY`] (at most one every `STEP_LINE_EVERY`).
    fn step(&mut self, trial: usize, step: usize, value: f64, now: Instant) -> Option<String> {
        let first = self.steps.get(&trial).map_or(now, |s| s.0);
        self.steps.insert(trial, (first, step, value));
        let due = |every: Duration| self.shown.is_none_or(|t| now.duration_since(t) >= every);
        match self.style {
            Style::Quiet => None,
            Style::Bar if due(BAR_EVERY) => {
                self.shown = Some(now);
                let running: Vec<String> = self
                    .steps
                    .iter()
                    .map(|(n, (_, step, _))| format!("#{n} {}", self.epoch(*step)))
                    .collect();
                Some(format!("{} | {}", self.status, running.join(", ")))
            }
            Style::Lines
                if now.duration_since(first) >= STEP_LINE_EVERY && due(STEP_LINE_EVERY) =>
            {
                self.shown = Some(now);
                Some(format!(
                    "      trial {trial} {}, {} {}",
                    self.epoch(step),
                    self.objective,
                    fmt_value(value)
                ))
            }
            Style::Bar | Style::Lines => None,
        }
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
        let running = self
            .total
            .map_or(self.workers, |t| self.workers.min(t.saturating_sub(done)));
        format!(
            "ETA {} | {best} | running {running}, pruned {pruned}, failed {failed}",
            self.eta(done)
        )
    }

    /// Time left at the pace of this run so far, or to the time limit if
    /// that comes first.
    fn eta(&self, done: usize) -> String {
        let elapsed = self.started.elapsed().as_secs_f64();
        let to_limit = self
            .time_limit
            .map(|l| (l.as_secs_f64() - elapsed).max(0.0));
        let in_run = done.saturating_sub(self.done_before);
        let at_pace = match self.total {
            Some(total) if in_run > 0 => {
                Some(elapsed / in_run as f64 * total.saturating_sub(done) as f64)
            }
            _ => None,
        };
        match (at_pace, to_limit) {
            (Some(a), Some(b)) => fmt_duration(a.min(b)),
            (Some(t), None) | (None, Some(t)) => fmt_duration(t),
            (None, None) => "-".to_owned(),
        }
    }
}

impl Observer for ProgressView {
    fn trial_progress(&mut self, trial: usize, step: usize, value: f64) {
        if let Some((used, _)) = &mut self.epoch_budget {
            *used += 1;
        }
        if let Some(text) = self.step(trial, step, value, Instant::now()) {
            match &self.bar {
                Some(bar) => bar.set_message(text),
                None => eprintln!("{text}"),
            }
        }
    }

    fn trial_finished(&mut self, p: &Progress<'_>) {
        self.steps.remove(&p.trial.number);
        let done = p.counts.total();
        self.finished.store(done, Ordering::SeqCst);
        let best = p.best.and_then(|b| b.state.value().map(|v| (b.number, v)));
        let failed = p.counts.failed + p.counts.diverged;
        let status = self.status(best, done, (p.counts.pruned, failed));
        self.status.clone_from(&status);
        match self.style {
            Style::Quiet => {}
            Style::Bar => {
                if let Some(bar) = &self.bar {
                    bar.set_position(done as u64);
                    bar.set_message(status);
                }
            }
            Style::Lines => {
                let of = self.total.map_or_else(String::new, |t| format!("/{t}"));
                let width = if of.is_empty() { 1 } else { of.len() - 1 };
                let outcome = match &p.trial.state {
                    TrialState::Complete { value } => format!("complete {}", fmt_value(*value)),
                    TrialState::Pruned { step, .. } => format!("pruned after epoch {step}"),
                    TrialState::Failed { reason } => format!("failed: {reason}"),
                    TrialState::Diverged { reason } => format!("diverged: {reason}"),
                };
                eprintln!(
                    "[{done:>width$}{of}] trial {} {outcome} | {status}",
                    p.trial.number
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

#[cfg(test)]
mod tests {
    use super::*;

    fn view(style: Style) -> ProgressView {
        ProgressView::new(style, Some(10), 0, 2, "validation loss").epochs(50)
    }

    #[test]
    fn long_trials_get_a_line_every_two_seconds() {
        let mut v = view(Style::Lines);
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        // A trial that has run less than 2 s gets no line.
        assert_eq!(v.step(3, 1, 0.9, at(0)), None);
        assert_eq!(v.step(3, 4, 0.5, at(1500)), None);
        assert_eq!(
            v.step(3, 5, 0.31, at(2100)).as_deref(),
            Some("      trial 3 epoch 5/50, validation loss 0.3100")
        );
        // At most one line every 2 s, whichever trial reports.
        assert_eq!(v.step(4, 1, 0.8, at(2200)), None);
        assert_eq!(v.step(3, 6, 0.3, at(3000)), None);
        assert!(v.step(3, 9, 0.2, at(4200)).unwrap().contains("epoch 9/50"));
        // A young trial still waits for its own 2 s.
        assert_eq!(v.step(7, 1, 0.8, at(6300)), None);
        assert_eq!(view(Style::Quiet).step(3, 5, 0.3, at(9000)), None);
    }

    #[test]
    fn the_bar_shows_the_running_trials_epochs_four_times_a_second() {
        let mut v = view(Style::Lines);
        v.style = Style::Bar; // (without drawing a bar in a test)
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let first = v.step(0, 1, 0.9, at(0)).unwrap();
        assert!(first.ends_with("| #0 epoch 1/50"), "{first}");
        assert!(first.starts_with("ETA -"), "{first}");
        assert_eq!(v.step(1, 1, 0.9, at(100)), None);
        let later = v.step(0, 2, 0.8, at(300)).unwrap();
        assert!(later.ends_with("| #0 epoch 2/50, #1 epoch 1/50"), "{later}");
    }
}
