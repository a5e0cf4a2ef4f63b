//! Parameter importance for `importance.svg`.

use autotune::history::History;
use autotune::space::SearchSpace;

/// The importance of each free parameter, or `None` if it cannot be estimated.
pub fn importance(space: &SearchSpace, history: &History) -> Option<Vec<(String, f64)>> {
    let _ = (space, history);
    None
}
