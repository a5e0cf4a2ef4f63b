/// An invalid search space or parameter set.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SpaceError {
    /// Two parameters share a name.
    #[error("duplicate parameter name `{name}`")]
    DuplicateName {
        /// The repeated name.
        name: String,
    },
}
