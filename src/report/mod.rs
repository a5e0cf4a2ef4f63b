//! Results of a study for people: `trials.csv` and SVG plots (convergence,
//! slices, parameter importance).

mod csv;
mod gp_importance;
mod importance;
mod plots;

pub use csv::trials_csv;
pub use gp_importance::{MIN_IMPORTANCE_TRIALS, gp_importance};
pub use importance::importance_from_length_scales;
pub use plots::{convergence_svg, importance_svg, slices_svg};
