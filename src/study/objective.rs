//! What a study optimises.

use super::Trial;
use std::fmt::Display;

/// A function to optimise: evaluates the configuration of a [`Trial`] and
/// returns the value to minimise or maximise.
///
/// Any closure `Fn(&mut Trial) -> Result<f64, E>` with `E: Display` is an
/// objective (annotate the argument: `|trial: &mut Trial| ...`). It must be
/// `Sync` because a study with several workers calls it from several threads at
/// once. How the result is recorded:
///
/// | the objective | the trial ends |
/// |---|---|
/// | returns a finite value | complete |
/// | returns NaN or ±inf, or called [`Trial::set_diverged`] | diverged |
/// | returns `Err(e)` | failed, with `e.to_string()` |
/// | panics | failed, with `"panicked: <message>"` |
/// | had [`Trial::should_prune`] return `true` (and did not panic or diverge) | pruned |
///
/// None of these stops the study.
pub trait Objective: Sync {
    /// The error an evaluation may return.
    type Error: Display;

    /// Evaluates `trial`'s configuration.
    ///
    /// # Errors
    /// Whatever the evaluation cannot recover from; the trial is recorded as failed.
    fn evaluate(&self, trial: &mut Trial) -> Result<f64, Self::Error>;
}

impl<F, E> Objective for F
where
    F: Fn(&mut Trial) -> Result<f64, E> + Sync,
    E: Display,
{
    type Error = E;

    fn evaluate(&self, trial: &mut Trial) -> Result<f64, E> {
        self(trial)
    }
}
