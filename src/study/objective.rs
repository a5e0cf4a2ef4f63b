//! What a study optimises: a function of a [`Trial`](super::Trial).

/// The error an objective may return: any error, boxed, so that `?` works on
/// every error type inside an objective (`autotune::Error`, `std::io::Error`,
/// a `String` via `.into()`, ...). Its message becomes the failed trial's reason.
pub type ObjectiveError = Box<dyn std::error::Error + Send + Sync>;

/// What an objective returns: the value to minimise or maximise, or why the
/// evaluation failed.
///
/// An objective is any `Fn(&mut Trial) -> ObjectiveResult + Sync` (it must be
/// `Sync` because a study with several workers calls it from several threads
/// at once), so a closure needs no annotations:
/// `study.optimize(|t| Ok(t.float("x")?.powi(2)), 20)`. How the result is
/// recorded:
///
/// | the objective | the trial ends |
/// |---|---|
/// | returns a finite value | complete |
/// | returns NaN or ±inf, or called [`Trial::set_diverged`](super::Trial::set_diverged) | diverged |
/// | returns `Err(e)` | failed, with `e.to_string()` |
/// | panics | failed, with `"panicked: <message>"` |
/// | had [`Trial::should_prune`](super::Trial::should_prune) return `true` (and did not panic or diverge) | pruned |
///
/// None of these stops the study.
pub type ObjectiveResult = Result<f64, ObjectiveError>;
