/// A network that could not be built, trained or loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NnError {
    /// Inputs whose shapes do not fit the network or each other.
    #[error("shape mismatch: {0}")]
    Shape(String),
}
