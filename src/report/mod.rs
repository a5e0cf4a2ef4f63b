//! Results of a study for people: `trials.csv` and SVG plots (convergence,
//! slices, parameter importance; for a multi-fidelity study the best value
//! against epochs spent and the learning curves with their pauses; with the
//! `plots` feature, on by default).

mod csv;
#[cfg(feature = "plots")]
mod fidelity_plots;
mod gp_importance;
mod importance;
#[cfg(feature = "plots")]
mod plots;

pub use csv::{trials_csv, trials_csv_with};
#[cfg(feature = "plots")]
pub use fidelity_plots::{LearningCurve, best_by_epochs_svg, learning_curves_svg};
pub use gp_importance::{MIN_IMPORTANCE_TRIALS, gp_importance};
pub use importance::importance_from_length_scales;
#[cfg(feature = "plots")]
pub use plots::{convergence_svg, importance_svg, slices_svg};
