//! Results of a study for people: `trials.csv` and SVG plots (convergence,
//! slices, parameter importance; with the `plots` feature, on by default).

mod csv;
mod gp_importance;
mod importance;
#[cfg(feature = "plots")]
mod plots;

pub use csv::trials_csv;
pub use gp_importance::{MIN_IMPORTANCE_TRIALS, gp_importance};
pub use importance::importance_from_length_scales;
#[cfg(feature = "plots")]
pub use plots::{convergence_svg, importance_svg, slices_svg};
