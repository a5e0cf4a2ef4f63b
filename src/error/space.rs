/// An invalid search space or parameter set.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SpaceError {
    /// A space with no parameters.
    #[error("the search space has no parameters")]
    Empty,
    /// Two parameters share a name.
    #[error("duplicate parameter name `{name}`")]
    DuplicateName {
        /// The repeated name.
        name: String,
    },
    /// A parameter with an empty name.
    #[error("a parameter has an empty name")]
    EmptyName,
    /// A bound that is NaN or infinite.
    #[error("parameter `{name}`: bounds must be finite, got {low}..={high}")]
    NonFiniteBound {
        /// The parameter.
        name: String,
        /// Lower bound as given.
        low: f64,
        /// Upper bound as given.
        high: f64,
    },
    /// `low >= high`.
    #[error("parameter `{name}`: low ({low}) must be below high ({high})")]
    EmptyRange {
        /// The parameter.
        name: String,
        /// Lower bound as given.
        low: f64,
        /// Upper bound as given.
        high: f64,
    },
    /// A log-scale parameter whose lower bound is not positive.
    #[error("parameter `{name}`: a log scale needs low > 0, got {low}")]
    NonPositiveLog {
        /// The parameter.
        name: String,
        /// Lower bound as given.
        low: f64,
    },
    /// A categorical parameter without choices.
    #[error("parameter `{name}`: a categorical needs at least one choice")]
    EmptyChoices {
        /// The parameter.
        name: String,
    },
    /// A categorical parameter listing a choice twice.
    #[error("parameter `{name}`: choice `{choice}` is listed twice")]
    DuplicateChoice {
        /// The parameter.
        name: String,
        /// The repeated choice.
        choice: String,
    },
    /// A fixed value that is not finite.
    #[error("parameter `{name}`: a fixed value must be finite")]
    NonFiniteFixed {
        /// The parameter.
        name: String,
    },
    /// A name the space does not hold.
    #[error("unknown parameter `{name}`")]
    UnknownParam {
        /// The name asked for.
        name: String,
    },
    /// A parameter set that lacks a parameter of the space.
    #[error("missing parameter `{name}`")]
    MissingParam {
        /// The parameter.
        name: String,
    },
    /// A value of the wrong type for its parameter.
    #[error("parameter `{name}`: expected {expected}, got {got}")]
    WrongType {
        /// The parameter.
        name: String,
        /// The type the domain wants.
        expected: &'static str,
        /// The value given.
        got: String,
    },
    /// A value outside its parameter's domain.
    #[error("parameter `{name}`: value {value} is outside its domain")]
    OutOfDomain {
        /// The parameter.
        name: String,
        /// The value given.
        value: String,
    },
    /// A coordinate of an encoded (or unit) point that is NaN, infinite, or
    /// outside `[0, 1]` by more than rounding
    /// ([`COORDINATE_TOLERANCE`](crate::space::COORDINATE_TOLERANCE)).
    #[error("coordinate {index} is {value}, not a number in [0, 1]")]
    BadCoordinate {
        /// The coordinate's index in the point.
        index: usize,
        /// The value given.
        value: f64,
    },
    /// An encoded point of the wrong length.
    #[error("encoded point has {got} coordinates, the space needs {expected}")]
    WrongDimension {
        /// The space's encoded dimension.
        expected: usize,
        /// The length given.
        got: usize,
    },
}
