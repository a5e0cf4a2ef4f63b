//! The architecture of a network, as a configuration.

use serde::{Deserialize, Serialize};

use crate::error::NnError;

use super::activation::Activation;
use super::head::Head;
use super::init::Init;
use super::input::Targets;

/// The architecture of a network, less its input and output widths (which
/// come from the data).
///
/// By default, one hidden layer of 100 units (as scikit-learn's
/// `MLPClassifier`), ReLU, He-normal initialisation, and the head chosen
/// from the targets ([`Head::for_targets`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NetworkSpec {
    /// The widths of the hidden layers, input side first (may be empty: a
    /// linear or logistic model).
    pub hidden: Vec<usize>,
    /// The hidden layers' activation.
    pub activation: Activation,
    /// The weight initialiser.
    pub init: Init,
    /// The output head; `None` picks it from the targets.
    pub head: Option<Head>,
}

impl Default for NetworkSpec {
    fn default() -> Self {
        Self {
            hidden: vec![100],
            activation: Activation::Relu,
            init: Init::HeNormal,
            head: None,
        }
    }
}

impl NetworkSpec {
    /// Sets the hidden widths.
    #[must_use]
    pub fn hidden(mut self, widths: impl Into<Vec<usize>>) -> Self {
        self.hidden = widths.into();
        self
    }

    /// Sets the activation.
    #[must_use]
    pub fn activation(mut self, activation: Activation) -> Self {
        self.activation = activation;
        self
    }

    /// Sets the initialiser.
    #[must_use]
    pub fn init(mut self, init: Init) -> Self {
        self.init = init;
        self
    }

    /// Sets the output head.
    #[must_use]
    pub fn head(mut self, head: Head) -> Self {
        self.head = Some(head);
        self
    }

    /// Checks the widths and the activation.
    ///
    /// # Errors
    /// [`NnError::ZeroWidth`], or [`NnError::Hyperparameter`] from the activation.
    pub fn check(&self) -> Result<(), NnError> {
        if let Some(layer) = self.hidden.iter().position(|&w| w == 0) {
            return Err(NnError::ZeroWidth { layer });
        }
        self.activation.check()
    }

    /// The head used for `targets`.
    #[must_use]
    pub fn head_for(&self, targets: &Targets<'_>) -> Head {
        self.head.unwrap_or_else(|| Head::for_targets(targets))
    }
}
