use std::path::PathBuf;

/// A network that could not be built, trained, evaluated or loaded.
///
/// Every invalid setting of [`crate::nn::TrainConfig`] and every malformed
/// input of [`crate::nn::train`] maps to one variant; training itself never
/// fails on numerics (a diverging run is an outcome, not an error).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NnError {
    /// Inputs whose shapes do not fit the network or each other.
    #[error("shape mismatch in {what}: expected {expected}, found {found}")]
    Shape {
        /// Which input or quantity.
        what: &'static str,
        /// The size required.
        expected: usize,
        /// The size given.
        found: usize,
    },
    /// An input with no rows or no columns.
    #[error("{what} is empty")]
    Empty {
        /// Which input.
        what: &'static str,
    },
    /// A layer of width zero (`layer` counts hidden layers from 0).
    #[error("hidden layer {layer} has width 0")]
    ZeroWidth {
        /// The hidden layer's index.
        layer: usize,
    },
    /// A batch size of zero.
    #[error("batch size must be at least 1")]
    ZeroBatchSize,
    /// A random batch-size range whose minimum exceeds its maximum.
    #[error("batch size range is empty: min {min} > max {max}")]
    BatchRange {
        /// The lower end.
        min: usize,
        /// The upper end.
        max: usize,
    },
    /// Zero training epochs.
    #[error("the number of epochs must be at least 1")]
    ZeroEpochs,
    /// More epochs than [`MAX_EPOCHS`](crate::nn::MAX_EPOCHS).
    #[error("epochs must be at most {max}, got {epochs}")]
    TooManyEpochs {
        /// The epochs asked for.
        epochs: usize,
        /// The most allowed.
        max: usize,
    },
    /// A learning rate that is not finite and positive.
    #[error("learning rate must be finite and > 0, got {value}")]
    LearningRate {
        /// The rate given.
        value: f64,
    },
    /// A hyperparameter outside its allowed range.
    #[error("hyperparameter `{name}` = {value} is invalid: expected {expected}")]
    Hyperparameter {
        /// The hyperparameter's name (e.g. `"beta1"`, `"dropout"`).
        name: &'static str,
        /// The value given.
        value: f64,
        /// The allowed range, in words.
        expected: &'static str,
    },
    /// A class label not below the number of classes.
    #[error("label {label} at row {row} is not below the number of classes {n_classes}")]
    Label {
        /// The row of the offending label.
        row: usize,
        /// The label.
        label: usize,
        /// The number of classes.
        n_classes: usize,
    },
    /// Classification with fewer than two classes.
    #[error("classification needs at least 2 classes, got {n_classes}")]
    TooFewClasses {
        /// The number of classes given.
        n_classes: usize,
    },
    /// A NaN or infinite input value.
    #[error("{what} holds a non-finite value at index {index}")]
    NonFinite {
        /// Which input.
        what: &'static str,
        /// The flat index of the first such value.
        index: usize,
    },
    /// Two choices that do not go together (an output head and the targets,
    /// a metric and the head, ...).
    #[error("{what} does not fit {with}")]
    Incompatible {
        /// The first choice.
        what: &'static str,
        /// What it does not fit.
        with: &'static str,
    },
    /// A name that is not one of a closed set's names.
    #[error("unknown {kind} `{name}`; expected one of: {expected}")]
    UnknownName {
        /// The kind of thing named (`"activation"`, `"initialiser"`).
        kind: &'static str,
        /// The name given.
        name: String,
        /// The names allowed.
        expected: &'static str,
    },
    /// Reading or writing a model file failed.
    #[error("cannot access {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A model that is not valid JSON for a network, or fails its checks.
    #[error("invalid model: {0}")]
    Json(#[from] serde_json::Error),
    /// A training snapshot resumed with another configuration or other data
    /// than it was taken from (`what` says which; the fingerprints are
    /// FNV-1a hashes, see [`crate::nn::Snapshot`]).
    #[error(
        "the snapshot does not belong to this {what}: fingerprint {expected:016x} in the \
         snapshot, {found:016x} given"
    )]
    SnapshotMismatch {
        /// `"training configuration"` or `"training data"`.
        what: &'static str,
        /// The fingerprint stored in the snapshot.
        expected: u64,
        /// The fingerprint of what it was resumed with.
        found: u64,
    },
    /// A snapshot whose contents do not fit together (corrupt or edited):
    /// `what` names the first part found wrong.
    #[error("invalid snapshot: {what}")]
    InvalidSnapshot {
        /// The inconsistent part (e.g. `"shuffle order"`).
        what: &'static str,
    },
    /// A snapshot string that is not valid JSON for a snapshot.
    #[error("malformed snapshot JSON: {0}")]
    SnapshotJson(#[source] serde_json::Error),
    /// A spilled snapshot file that is not a valid snapshot.
    #[error("snapshot file {path} is corrupt: {source}")]
    SnapshotFile {
        /// The file.
        path: PathBuf,
        /// What the JSON reader found.
        source: serde_json::Error,
    },
}
