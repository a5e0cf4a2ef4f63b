//! Stopping a running study cooperatively: the trials that are running
//! finish and are recorded, no new trial is asked.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A flag that asks [`Study::optimize`](super::Study::optimize) to stop:
/// get one with [`Study::stop_handle`](super::Study::stop_handle), move a
/// clone to another thread (a signal handler, a timer, a user interface) and
/// call [`StopHandle::stop`] there.
///
/// `optimize` looks at the flag before it asks each batch of trials (in
/// [`Mode::Asynchronous`](super::Mode::Asynchronous): before it asks each
/// new trial), so the trials already running finish, are journaled and
/// recorded, and `optimize` then returns early with the counts of the trials
/// it ran. Nothing is lost: a journaled study stopped this way resumes
/// exactly where it stopped, with no trial to re-run. The flag stays set
/// (later `optimize` calls return at once) until [`StopHandle::reset`].
///
/// ```
/// use autotune::space::{Scale, SearchSpace};
/// use autotune::study::Study;
/// let space = SearchSpace::builder().float("x", 0.0..=1.0, Scale::Linear).build()?;
/// let mut study = Study::builder(space).workers(2).build()?;
/// let stop = study.stop_handle();
/// // Stop from inside the objective after the first trial: its batch of two finishes.
/// let counts = study.optimize(
///     |t| {
///         stop.stop();
///         Ok(t.float("x")?)
///     },
///     10,
/// )?;
/// assert_eq!(counts.total(), 2);
/// assert!(study.stop_handle().is_stopped());
/// # Ok::<(), autotune::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct StopHandle(Arc<AtomicBool>);

impl StopHandle {
    /// A flag that is not set.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the study to stop after the trials it is running.
    pub fn stop(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether [`StopHandle::stop`] was called (and not [`StopHandle::reset`] since).
    #[must_use]
    pub fn is_stopped(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    /// Clears the flag, so that `optimize` runs again.
    pub fn reset(&self) {
        self.0.store(false, Ordering::SeqCst);
    }
}
