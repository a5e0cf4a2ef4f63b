//! The names of the hyperparameters `autotune()` searches or holds fixed, as
//! they appear in configurations ([`Params`](crate::space::Params)), journals,
//! results files and error messages. Use these constants rather than the
//! strings.
//!
//! ```
//! use autotune::tune::{TuneSpace, names};
//! let space = TuneSpace::default().search_space(1000)?;
//! assert!(space.param(names::LEARNING_RATE).unwrap().domain.is_free());
//! # Ok::<(), autotune::Error>(())
//! ```

/// The base learning rate (a float, `> 0`).
pub const LEARNING_RATE: &str = "learning_rate";
/// Rows per update (an integer, `>= 1`).
pub const BATCH_SIZE: &str = "batch_size";
/// The weight initialiser (a choice).
pub const INIT: &str = "init";
/// The penalty strength λ (a float, `>= 0`); absent with
/// [`Penalty::None`](super::Penalty::None).
pub const REGULARIZATION: &str = "regularization";
/// The optimiser (a choice).
pub const OPTIMIZER: &str = "optimizer";
/// The hidden activation (a choice).
pub const ACTIVATION: &str = "activation";
/// The learning-rate schedule (a choice).
pub const SCHEDULE: &str = "schedule";
/// The hidden-layer widths (a choice).
pub const HIDDEN: &str = "hidden";
/// The dropout rate of hidden outputs (a float in `[0, 1)`).
pub const DROPOUT: &str = "dropout";
/// Training epochs (an integer, `>= 1`).
pub const EPOCHS: &str = "epochs";

/// Every name, in the order of a configuration.
pub const ALL: [&str; 10] = [
    LEARNING_RATE,
    BATCH_SIZE,
    INIT,
    REGULARIZATION,
    OPTIMIZER,
    ACTIVATION,
    SCHEDULE,
    HIDDEN,
    DROPOUT,
    EPOCHS,
];
